#!/usr/bin/env bash
# qemu-aarch64 and the cached arm64 Python sysroot that `tinychat verify --emulate` and
# tests/compiler/test_emulation.py run Cortex-A bundles in. Idempotent: once both exist it does nothing.
# Needs tinychat installed (the sysroot's wheels are pinned to the versions installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-aarch64-static >/dev/null || [ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
  SUDO=$(command -v sudo || true)
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q qemu-user-static debian-archive-keyring >/dev/null
fi

python3 -c 'from tinychat.compiler.emulation import ensure_sysroot; ensure_sysroot()'
