"""The CUDA GPU a bundle runs on, and its kernels, with TVM's runtime library alone.

TVM keeps its CUDA runtime in a sidecar, ``libtvm_runtime_cuda.so``, beside the 3 MB runtime.
The runtime-only import does not load it, so we do, once; it links against ``libcudart.so.13``
and the driver's ``libcuda.so.1``, so where they are missing it fails to load and there is no
GPU. A bundle's kernels are a fatbin of machine code for its architecture (``sm_87``) and PTX,
which the driver compiles for any newer GPU; an older one cannot run them.

Everything here imports TVM through ``import_tvm_runtime`` first, which keeps torch out of
the process (``tvm_ffi`` would import it, if installed).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from tinychat.runtime.tvm_backend import import_tvm_runtime

#: bundle files holding a CUDA module's kernels compiled at build time, named by the hash of their source
CUDA_KERNELS_PREFIX = "cuda-kernels-"
_shipped_kernels: dict[str, bytes] = {}


def cuda_kernels_name(source: str) -> str:
    return f"{CUDA_KERNELS_PREFIX}{hashlib.sha256(source.encode()).hexdigest()[:16]}.fatbin"


def serve_shipped_kernels(bundle: Path, names: list[str]) -> None:
    """Answer TVM's load-time request to compile a CUDA module's source with the bundle's compiled kernels.

    TVM 0.27 keeps CUDA kernels as source in the library and asks ``tvm_callback_cuda_compile``
    for machine code when it loads them; a device has no CUDA compiler, so the answer is the
    fatbin compiled from exactly that source when the bundle was built.
    """
    import_tvm_runtime()
    import tvm_ffi

    for name in names:
        _shipped_kernels[name] = (bundle / name).read_bytes()
    tvm_ffi.register_global_func("tvm_callback_cuda_compile", _shipped_fatbin, override=True)


def _shipped_fatbin(source: str) -> bytes:
    name = cuda_kernels_name(source)
    if name not in _shipped_kernels:
        raise RuntimeError(f"the bundle has no compiled CUDA kernels for its library's source ({name} is missing)")
    return _shipped_kernels[name]


@cache
def load_cuda_runtime() -> bool:
    """Load TVM's CUDA sidecar into the runtime; False when it or the CUDA libraries are missing."""
    tvm = import_tvm_runtime()
    from tvm_ffi.libinfo import load_lib_ctypes

    if tvm.get_global_func("device_api.cuda", allow_missing=True) is not None:
        return True  # the full compiler (or an earlier load) has it already
    runtime_dir = Path(tvm.base._LOADED_LIBS["tvm_runtime"]._name).resolve().parent
    try:
        load_lib_ctypes(package="tvm", target_name="tvm_runtime_cuda", extra_lib_paths=[runtime_dir],
                        mode="RTLD_LOCAL")
    except (OSError, RuntimeError):
        return False
    return True


@cache
def cuda_compute_capability() -> tuple[int, int] | None:
    """(major, minor) of GPU 0, or None when there is no usable CUDA GPU here."""
    if not load_cuda_runtime():
        return None
    device = import_tvm_runtime().runtime.device("cuda", 0)
    if not device.exist:
        return None
    major, minor = str(device.compute_version).split(".")
    return int(major), int(minor)


def cuda_mismatch(arch: str) -> str | None:
    """Why this machine's GPU cannot run kernels built for ``arch`` ("sm_87"), or None when it can."""
    digits = arch.removeprefix("sm_")
    if not (arch.startswith("sm_") and digits.isdigit() and len(digits) >= 2):
        return f"its CUDA architecture {arch!r} is not of the form sm_XY"
    have = cuda_compute_capability()
    if have is None:
        return "this machine has no CUDA GPU (or no CUDA 13 runtime and driver)"
    if have < (int(digits[:-1]), int(digits[-1])):
        return f"its kernels are for {arch}, newer than this GPU (sm_{have[0]}{have[1]})"
    return None
