#!/usr/bin/env bash
# Jetson Orin quickstart: compile the fridge assistant for the Orin's GPU, verify it, install it into the
# A/B slots and start the service. On the board: sudo ./run.sh --root /   Anywhere else: ./run.sh --root DIR
# (installs into DIR and prints the serve step instead of running it, since there is no Jetson GPU).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: run.sh --root DIR [--domain fridge|wearable] [--quant q4|q8|q0f32] [--out DIR] [--bundle DIR]
  --root DIR    the device's root: / on the board, any directory to try it elsewhere
  --out DIR     where to compile the bundle (default compiled/<domain>-jetson-orin-<quant>)
  --bundle DIR  skip compiling: install this bundle (one compiled on a workstation and copied over)
USAGE
}

TARGET=jetson-orin
DOMAIN=fridge
QUANT=q4
ROOT=""
OUT=""
BUNDLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=$2; shift 2 ;;
    --domain) DOMAIN=$2; shift 2 ;;
    --quant) QUANT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --bundle) BUNDLE=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ -n "$ROOT" ] || { usage >&2; exit 2; }

REPO=$(cd "$(dirname "$0")/../.." && pwd)
UNITS="$REPO/firmware/linux"
tinychat() {
  # from a checkout, this checkout's tinychat; on a board with `pip install tinychat`, the installed one
  if [ -f "$REPO/tinychat/cli.py" ]; then
    PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}" python3 -m tinychat.cli "$@"
  else
    command tinychat "$@"
  fi
}
step() { printf '\n== %s\n' "$*"; }

if [ -z "$BUNDLE" ]; then
  BUNDLE=${OUT:-compiled/$DOMAIN-$TARGET-$QUANT}
  step "1. compile $DOMAIN for $TARGET ($QUANT): CUDA sm_87 kernels + an aarch64 host library"
  tinychat compile --domain "$DOMAIN" --target "$TARGET" --quant "$QUANT" --out "$BUNDLE"
else
  step "1. compile: skipped, installing $BUNDLE"
fi

step "2. verify $BUNDLE (manifest, sizes, sha256; its output is checked where it runs)"
tinychat verify "$BUNDLE"

step "3. deploy into the inactive slot under $ROOT and switch ${ROOT%/}/opt/tinychat/active"
tinychat deploy "$BUNDLE" --root "$ROOT" --target "$TARGET"

step "4. install the service unit (+ the Jetson GPU drop-in) under $ROOT/etc"
install -D -m 0644 "$UNITS/tinychat.service" "$ROOT/etc/systemd/system/tinychat.service"
install -D -m 0644 "$UNITS/jetson.conf" "$ROOT/etc/systemd/system/tinychat.service.d/jetson.conf"
[ -e "$ROOT/etc/tinychat/tinychat.env" ] || install -D -m 0644 "$UNITS/tinychat.env" "$ROOT/etc/tinychat/tinychat.env"
ls -l "$ROOT/etc/systemd/system/tinychat.service" "$ROOT/etc/systemd/system/tinychat.service.d/jetson.conf"

step "5. serve"
SERVE="tinychat serve --bundle ${ROOT%/}/opt/tinychat/active --state /var/lib/tinychat --device $(hostname) --mqtt mqtt://127.0.0.1:1883"
jetson_gpu() { [ -e /dev/nvmap ] || [ -e /dev/nvhost-ctrl-gpu ] || [ -e /dev/nvgpu/igpu0/ctrl ]; }
if [ "$ROOT" = / ] && jetson_gpu; then
  systemctl daemon-reload
  systemctl enable tinychat
  systemctl restart tinychat  # restart, not start: a running service keeps the slot it loaded
  systemctl --no-pager status tinychat || true
else
  if jetson_gpu; then why="--root is $ROOT, not /"; else why="no Jetson GPU on this machine (no /dev/nvmap)"; fi
  echo "DRY: not started: $why. On the board this step runs:"
  echo "  sudo systemctl daemon-reload && sudo systemctl enable tinychat && sudo systemctl restart tinychat"
  echo "or, in the foreground:"
  echo "  $SERVE"
fi

step "installed:"
tinychat deploy --status --root "$ROOT"
