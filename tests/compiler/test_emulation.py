"""Cortex-A bundles proved without a board: the real runtime runs them under qemu-aarch64 as their own core."""

import json
import shutil

import pytest

from tinychat.cli import main
from tinychat.compiler.build import compile_bundle
from tinychat.compiler.emulation import (
    EmulationError,
    check_emulatable,
    emulated_cpu,
    ensure_sysroot,
    find_qemu,
    quantized_reference_parser,
    run_emulated,
)
from tinychat.compiler.targets import resolve_target
from tinychat.data.synth import CorpusBuilder
from tinychat.domain.builtin import builtin_spec
from tinychat.runtime.bundle import GOLDEN_TOLERANCE, BundleError, BundleManifest, sha256_file
from tinychat.runtime.parser import builtin_model_dir

CORTEX_A = ["cortex-a53", "cortex-a72", "cortex-a76"]
QUIET = {"progress": lambda _: None}


def test_target_core_is_emulated_when_qemu_has_it():
    target = {"qemu_cpu": "cortex-a76", "tvm_target": {"mcpu": "cortex-a76"}}
    assert emulated_cpu(target, ["cortex-a53", "cortex-a76", "max"]) == ("cortex-a76", "")
    cpu, note = emulated_cpu(target, ["cortex-a53", "max"])
    assert cpu == "max" and "cortex-a76" in note


def test_bundles_that_are_not_aarch64_linux_are_refused(tmp_path):
    manifest = BundleManifest(format_version=1, domain="fridge", quant="q4", tvm_version="0", tinychat_version="0",
                              target={"name": "host", "kind": "cpu", "tvm_target": {"mtriple": "x86_64-linux-gnu"}},
                              model_hash="", library="model.so", param_order=[], files={})
    with pytest.raises(BundleError, match="only aarch64 Linux CPU bundles"):
        check_emulatable(tmp_path, manifest)


@pytest.fixture(scope="module")
def sysroot():
    try:
        find_qemu()
        return ensure_sysroot(**QUIET)
    except EmulationError as err:
        pytest.skip(f"cannot emulate aarch64 here ({err}); .ci/aarch64_sysroot.sh sets it up")


@pytest.fixture(scope="module")
def bundle_for(tmp_path_factory):
    """Compiles the q4 fridge bundle for a target once per module."""
    built = {}

    def build(target):
        if target not in built:
            out = tmp_path_factory.mktemp("bundles") / f"fridge-{target}-q4"
            compile_bundle(builtin_model_dir("fridge"), resolve_target(target), "q4", out, **QUIET)
            built[target] = out
        return built[target]

    return build


@pytest.fixture(scope="module")
def texts():
    examples = CorpusBuilder(builtin_spec("fridge")).build(16, seed=3, split="test")
    assert {e.lang for e in examples} == {"en", "ko"}
    return [e.text for e in examples]


@pytest.fixture(scope="module")
def host_actions(texts):
    """The host's numpy reference on the q4 weights as the bundle sees them (same math, so same actions)."""
    reference = quantized_reference_parser(builtin_model_dir("fridge"), "q4")
    return [reference.parse(text).model_dump() for text in texts]


@pytest.fixture(scope="module", params=CORTEX_A)
def emulated(request, sysroot, bundle_for, texts):
    return request.param, run_emulated(bundle_for(request.param), texts, sysroot=sysroot, **QUIET)


@pytest.mark.slow
def test_bundle_runs_as_its_targets_own_core(emulated):
    target, run = emulated
    assert (run.cpu, run.cpu_note, run.machine) == (target, "", "aarch64")
    armv8_2 = target == "cortex-a76"  # atomics and dot product; the A53 and A72 are ARMv8.0
    assert ("asimddp" in run.hwcaps) == armv8_2 and ("atomics" in run.hwcaps) == armv8_2


@pytest.mark.slow
def test_golden_logits_hold_under_emulation(emulated):
    _, run = emulated
    assert 0 <= run.golden_difference < GOLDEN_TOLERANCE


@pytest.mark.slow
def test_emulated_actions_equal_the_hosts(emulated, host_actions):
    _, run = emulated
    without_confidence = [{k: v for k, v in action.items() if k != "confidence"} for action in run.actions]
    assert without_confidence == [{k: v for k, v in action.items() if k != "confidence"} for action in host_actions]
    for got, expected in zip(run.actions, host_actions, strict=True):
        assert got["confidence"] == pytest.approx(expected["confidence"], abs=1e-3)


@pytest.mark.slow
def test_verify_emulate_reports_the_emulated_proof(sysroot, bundle_for, capsys):
    assert main(["verify", str(bundle_for("cortex-a72")), "--emulate"]) == 0
    out = capsys.readouterr().out
    assert "QEMU_CPU=cortex-a72" in out and "20 of 20 under emulation equal the host's q4 reference" in out


@pytest.mark.slow
def test_wrong_golden_output_fails_under_emulation(sysroot, bundle_for, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle_for("cortex-a53"), copy)
    golden = json.loads((copy / "golden.json").read_text())
    golden["logits"] = [value + 1.0 for value in golden["logits"]]
    (copy / "golden.json").write_text(json.dumps(golden))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["golden.json"] = {"sha256": sha256_file(copy / "golden.json"),
                                        "size": (copy / "golden.json").stat().st_size}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(EmulationError, match="golden check failed"):
        run_emulated(copy, [], sysroot=sysroot, **QUIET)
