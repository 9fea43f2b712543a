"""The native bundle a model runs on here: the one shipped for this platform, or one compiled on first use.

Built-in models carry prebuilt q8 bundles for Linux x86_64 and aarch64 (``bundles/<target>-q8``
beside the weights). Anywhere else, or for a maker's own model, the bundle is compiled once
for this machine's CPU into the user's cache. A bundle is used only if it was compiled from
the very weights in the model directory and this CPU has the features it was built for.
"""

from __future__ import annotations

import fcntl
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

from tinychat.model.checkpoint import WEIGHTS
from tinychat.runtime.bundle import BundleError, read_manifest, sha256_file

#: the quantization of shipped and cached host bundles (agrees with the reference on ≥ 99 % of actions)
HOST_QUANT = "q8"
#: the portable targets whose bundles ship inside built-in model directories, by machine
SHIPPED_TARGETS = {"x86_64": "linux-x86_64", "aarch64": "linux-aarch64"}
BUNDLES = "bundles"

Progress = Callable[[str], None]


class NoHostBundle(RuntimeError):
    """This model cannot run compiled here; the message says why (no TVM, no C compiler, a failed build)."""


def shipped_bundle_dir(model_dir: Path, target: str) -> Path:
    return model_dir / BUNDLES / f"{target}-{HOST_QUANT}"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinychat" / "bundles"


def host_bundle(model_dir: Path, progress: Progress | None = None) -> Path:
    """A bundle of ``model_dir`` that runs here, compiling one on first use (``progress`` hears about it)."""
    model_hash = sha256_file(model_dir / WEIGHTS)
    shipped = _shipped_target()
    candidates = [shipped_bundle_dir(model_dir, shipped)] if shipped else []
    cached = cache_dir() / f"{model_dir.name}-host-{HOST_QUANT}-{model_hash[:16]}"
    for bundle in [*candidates, cached]:
        if _fits(bundle, model_hash):
            return bundle
    if find_spec("tvm") is None:
        raise NoHostBundle("TVM is not installed (pip install 'apache-tvm>=0.27,<0.28'), so no bundle can be "
                           "compiled for this machine")
    cached.parent.mkdir(parents=True, exist_ok=True)
    with (cached.parent / f"{cached.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be compiling the same bundle
        if not _fits(cached, model_hash):
            _compile(model_dir, cached, progress)
    if not _fits(cached, model_hash):
        raise NoHostBundle(f"the bundle compiled into {cached} does not run on this machine")
    return cached


def _shipped_target() -> str | None:
    if platform.system() != "Linux":
        return None
    return SHIPPED_TARGETS.get(platform.machine().lower())


def _fits(bundle: Path, model_hash: str) -> bool:
    try:
        manifest = read_manifest(bundle)
    except BundleError:
        return False
    return manifest.model_hash == model_hash and manifest.runs_here()


def _compile(model_dir: Path, out: Path, progress: Progress | None) -> None:
    """Compile in a child process, so this one keeps only TVM's runtime library (and its memory)."""
    if progress:
        progress(f"tinychat: compiling {model_dir.name} for this machine ({HOST_QUANT}, once) "
                 f"into {out}")
    command = [sys.executable, "-m", "tinychat", "compile", "--model", str(model_dir), "--target", "host",
               "--quant", HOST_QUANT, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise NoHostBundle(f"compiling a bundle for this machine failed: {reason}")
