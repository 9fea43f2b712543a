"""Apple bundles: Mach-O arm64 objects for a Mac to link, with Metal kernels for every launch the host makes.

No macOS linker or Metal compiler exists here, so this checks what can be checked: the object
format and CPU type, and that the embedded Metal source is whole (balanced, one kernel per name
the host code launches).
"""

import re
import struct
import tarfile

import pytest

from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.runtime.parser import builtin_model_dir

MACH_O_64 = 0xFEEDFACF
CPU_TYPE_ARM64 = 0x0100000C


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    out = tmp_path_factory.mktemp("apple") / "wearable-apple-m1-q4"
    compile_bundle(builtin_model_dir("wearable"), resolve_target("apple-m1"), "q4", out, progress=lambda _: None)
    with tarfile.open(out / "model.tar") as packed:
        return {m.name: packed.extractfile(m).read() for m in packed.getmembers() if m.isfile()}


@pytest.mark.slow
def test_every_object_is_mach_o_arm64(objects):
    assert objects
    for name, data in objects.items():
        magic, cpu_type = struct.unpack_from("<II", data)
        assert (magic, cpu_type) == (MACH_O_64, CPU_TYPE_ARM64), name


@pytest.mark.slow
def test_metal_source_has_a_whole_kernel_for_every_launch(objects):
    device = b"".join(data for name, data in objects.items() if name.startswith("devc"))
    host = b"".join(data for name, data in objects.items() if not name.startswith("devc"))
    header = b"#include <metal_stdlib>"
    # each source is length-prefixed in the blob: cut it after its last closing brace
    sources = [chunk[: chunk.rindex(b"}") + 1].decode("utf-8") for chunk in device.split(header)[1:]]
    kernels = set()
    for source in sources:  # one translation unit per kernel, each whole
        assert source.count("{") == source.count("}") and source.count("(") == source.count(")")
        kernels |= set(re.findall(r"kernel void ([A-Za-z0-9_]+)\(", source))
    assert len(kernels) > 10
    assert all(name.encode() in host for name in kernels)
    assert any("NT_matmul_dequant" in name for name in kernels)  # the quantized linear layers run on the GPU
