"""CUDA bundles without a GPU: which GPUs may run them, and how their prebuilt kernels are handed to TVM.

Loading one on a real GPU is proved on a lent H200 (README, "CUDA"); these tests pin the
decisions and the hand-over that such a load depends on.
"""

import subprocess
import sys

import pytest

from tinychat.runtime import gpu
from tinychat.runtime.bundle import BundleManifest
from tinychat.runtime.tvm_backend import import_tvm_runtime


@pytest.fixture
def gpu_is(monkeypatch):
    def set_capability(capability):
        monkeypatch.setattr(gpu, "cuda_compute_capability", lambda: capability)

    return set_capability


@pytest.mark.parametrize(("capability", "arch", "runs"), [
    ((8, 7), "sm_87", True),    # its own machine code
    ((8, 9), "sm_87", True),    # newer GPUs compile the PTX
    ((9, 0), "sm_87", True),
    ((9, 0), "sm_90", True),
    ((7, 2), "sm_87", False),   # an older GPU cannot run newer code
    ((8, 6), "sm_87", False),
])
def test_a_gpu_runs_kernels_built_for_its_architecture_or_an_older_one(gpu_is, capability, arch, runs):
    gpu_is(capability)
    problem = gpu.cuda_mismatch(arch)
    assert (problem is None) == runs
    if not runs:
        assert arch in problem and f"sm_{capability[0]}{capability[1]}" in problem


def test_no_gpu_and_a_malformed_architecture_are_named(gpu_is):
    gpu_is(None)
    assert "no CUDA GPU" in gpu.cuda_mismatch("sm_87")
    assert "not of the form sm_XY" in gpu.cuda_mismatch("ampere")


def cuda_manifest(host_triple: str) -> BundleManifest:
    return BundleManifest(
        format_version=1, domain="fridge", quant="q4", tvm_version="0", tinychat_version="0", model_hash="0",
        target={"name": "nvidia-test", "kind": "cuda", "tvm_target": {"kind": "cuda", "arch": "sm_87"},
                "tvm_host": {"kind": "llvm", "mtriple": host_triple}},
        library="model.so", device_modules=["cuda"], param_order=[], files={})


def test_a_cuda_bundle_needs_its_host_cpu_and_a_gpu(gpu_is, monkeypatch):
    from tinychat.runtime import bundle

    monkeypatch.setattr(bundle, "_machine_arch", lambda: "aarch64")
    gpu_is((8, 7))
    assert cuda_manifest("aarch64-linux-gnu").why_not_here() is None
    assert cuda_manifest("aarch64-linux-gnu").device() == "cuda"
    assert "x86_64 code cannot run on this aarch64 machine" in cuda_manifest("x86_64-linux-gnu").why_not_here()
    gpu_is(None)
    assert "no CUDA GPU" in cuda_manifest("aarch64-linux-gnu").why_not_here()


def test_this_machine_has_no_gpu_unless_the_cuda_libraries_load():
    """Where the driver is missing (CI), the CUDA sidecar fails to load and no GPU is claimed."""
    if gpu.load_cuda_runtime():
        assert gpu.cuda_compute_capability() is None or len(gpu.cuda_compute_capability()) == 2
    else:
        assert gpu.cuda_compute_capability() is None


@pytest.fixture
def tvm_compile_callback():
    """TVM's own load-time CUDA compiler, put back after the test."""
    import_tvm_runtime()
    import tvm_ffi

    original = tvm_ffi.get_global_func("tvm_callback_cuda_compile", allow_missing=True)
    yield lambda: tvm_ffi.get_global_func("tvm_callback_cuda_compile")
    if original is not None:
        tvm_ffi.register_global_func("tvm_callback_cuda_compile", original, override=True)


def test_tvm_asking_to_compile_cuda_source_gets_the_bundles_fatbin(tmp_path, tvm_compile_callback):
    source = 'extern "C" __global__ void add_one(float* x) { x[threadIdx.x] += 1.0f; }'
    name = gpu.cuda_kernels_name(source)
    (tmp_path / name).write_bytes(b"\x50\xed\x55\xba fatbin of add_one")
    gpu.serve_shipped_kernels(tmp_path, [name])
    assert bytes(tvm_compile_callback()(source)) == b"\x50\xed\x55\xba fatbin of add_one"
    with pytest.raises(Exception, match=r"no compiled CUDA kernels for its library's source \(cuda-kernels-"):
        tvm_compile_callback()(source + "// another kernel")


def test_serving_kernels_keeps_torch_out(tmp_path):
    code = f"""
import sys
from pathlib import Path
from tinychat.runtime import gpu
gpu.serve_shipped_kernels(Path({str(tmp_path)!r}), [])
gpu.cuda_compute_capability()
print("torch" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]
