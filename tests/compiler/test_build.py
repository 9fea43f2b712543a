"""Host bundles: compiled, verified, refused when damaged, and parsing like the reference."""

import json
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.runtime.bundle import BundleError, verify_bundle
from tinychat.runtime.parser import Parser, builtin_model_dir


@pytest.fixture(scope="module", params=["q0f32", "q8", "q4"])
def bundle(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles") / f"wearable-host-{request.param}"
    compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), request.param, out, progress=lambda _: None)
    return out


def test_bundle_verifies_with_its_golden_output(bundle):
    report = verify_bundle(bundle)
    assert any("golden output: max" in line for line in report)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["target"]["name"] == "host" and set(manifest["files"]) >= {"model.so", "params.safetensors"}


#: share of held-out utterances whose action must equal the unquantized reference's (issue #5)
AGREEMENT = {"q0f32": 1.0, "q8": 0.99, "q4": 0.97}


def test_bundle_actions_agree_with_the_reference(bundle):
    from tinychat.data.synth import CorpusBuilder

    reference, compiled = Parser.load("wearable", backend="reference"), Parser.from_bundle(bundle)
    texts = [e.text for e in CorpusBuilder(reference.spec).build(150, seed=5, split="test")]
    same = sum(compiled.parse(t).model_dump(exclude={"confidence"}) == reference.parse(t).model_dump(
        exclude={"confidence"}) for t in texts)
    assert same / len(texts) >= AGREEMENT[bundle.name.rsplit("-", 1)[1]]


def test_f32_logits_match_the_reference(bundle):
    if not bundle.name.endswith("q0f32"):
        pytest.skip("exact parity is for the unquantized bundle")
    reference, compiled = Parser.load("wearable", backend="reference"), Parser.from_bundle(bundle)
    ids = reference.tokenizer.prompt_ids("set a timer for an hour and a half")
    np.testing.assert_allclose(compiled.decoder.backend.prefill(ids), reference.decoder.backend.prefill(ids),
                               atol=1e-4)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: (b / "params.safetensors").write_bytes((b / "params.safetensors").read_bytes()[:1000]),
         "truncated"),
        (lambda b: (b / "model.so").write_bytes(b"\0" + (b / "model.so").read_bytes()[1:]), "corrupted"),
        (lambda b: (b / "tokenizer.json").unlink(), "missing"),
        (lambda b: (b / "manifest.json").unlink(), "manifest"),
    ],
)
def test_damaged_bundles_are_refused_by_name(bundle, tmp_path, damage, message):
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    damage(copy)
    with pytest.raises(BundleError, match=message):
        verify_bundle(copy)
    with pytest.raises(BundleError):
        Parser.from_bundle(copy)


def test_mixed_up_bundle_is_refused(bundle, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    shutil.copyfile(builtin_model_dir("fridge") / "tokenizer.json", copy / "tokenizer.json")
    with pytest.raises(BundleError, match="tokenizer.json"):
        verify_bundle(copy)


def test_wrong_target_bundle_is_refused(bundle, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["target"]["tvm_target"]["mtriple"] = "riscv64-linux-gnu"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert "not run" in verify_bundle(copy)[-1]
    with pytest.raises(BundleError, match="cannot run on this"):
        Parser.from_bundle(copy)


def _elf_machine(path):
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


AARCH64 = 183


@pytest.mark.slow
@pytest.mark.parametrize("target", ["cortex-a53", "jetson-orin"])
def test_cross_compiled_bundles_build_for_aarch64(target, tmp_path):
    """Board bundles link for aarch64 here (CUDA kernels included for Jetson); they are not run here."""
    descriptor = resolve_target(target)
    if shutil.which(descriptor.cross_compiler) is None:
        pytest.fail(f"{descriptor.cross_compiler} is missing: .ci/run installs gcc-aarch64-linux-gnu")
    if descriptor.kind == "cuda" and shutil.which("nvcc") is None:
        pytest.skip("CUDA kernels are compiled with nvcc (CUDA 13), which this machine lacks")
    out = tmp_path / target
    compile_bundle(builtin_model_dir("wearable"), descriptor, "q4", out, progress=lambda _: None)
    assert _elf_machine(out / "model.so") == AARCH64
    report = verify_bundle(out)
    assert "not run" in report[-1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["device_modules"] == (["cuda"] if descriptor.kind == "cuda" else [])
    kernels = [name for name in manifest["files"] if name.startswith("cuda-kernels-")]
    if descriptor.kind == "cuda":
        assert len(kernels) == 1 and _fatbin_entries(out / kernels[0]) == {("ptx", 87), ("sass", 87)}
    else:
        assert kernels == []


def _fatbin_entries(path):
    """(kind, architecture) of each image in a CUDA fatbin: what the driver can load."""
    data = path.read_bytes()
    magic, _, header_size, size = struct.unpack_from("<IHHQ", data, 0)
    assert magic == 0xBA55ED50, f"{path} is not a CUDA fatbin"
    entries, offset = set(), header_size
    while offset < header_size + size:
        kind, _, entry_header, payload = struct.unpack_from("<HHIQ", data, offset)
        entries.add(({1: "ptx", 2: "sass"}[kind], struct.unpack_from("<I", data, offset + 28)[0]))
        offset += entry_header + payload
    return entries


def test_bundle_runtime_loads_only_the_tvm_runtime(bundle):
    """What a device ships: TVM's runtime library, no compiler, no torch."""
    code = f"""
import sys
from tinychat.runtime.parser import Parser
Parser.from_bundle({str(bundle)!r}).parse("set a timer for ten minutes")
libraries = {{line.split()[-1].rsplit("/", 1)[-1] for line in open("/proc/self/maps") if ".so" in line}}
print("libtvm.so" in libraries, "libtvm_runtime.so" in libraries, "torch" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True", "False"]
