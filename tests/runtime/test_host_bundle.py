"""Parsing on native code by default: the shipped bundle, or one compiled on first use."""

import json
import platform
import shutil

import pytest
from safetensors.numpy import load_file, save_file

from tinychat.domain.builtin import BUILTIN_DOMAINS
from tinychat.model.checkpoint import WEIGHTS
from tinychat.runtime import host_bundle as host
from tinychat.runtime.bundle import BundleError, sha256_file, verify_bundle
from tinychat.runtime.cpu_features import missing_cpu_flags
from tinychat.runtime.parser import Parser, builtin_model_dir
from tinychat.runtime.tvm_backend import TVMBackend

UTTERANCES = ["I bought a dozen eggs", "우유 두 병 샀어", "what is in the fridge", "play some jazz"]


@pytest.mark.parametrize("target", sorted(host.SHIPPED_TARGETS.values()))
@pytest.mark.parametrize("domain", BUILTIN_DOMAINS)
def test_shipped_bundles_are_whole_and_built_from_the_shipped_weights(domain, target):
    """Retraining a built-in model without rebuilding its bundles fails here (they would be skipped)."""
    model_dir = builtin_model_dir(domain)
    bundle = host.shipped_bundle_dir(model_dir, target)
    report = verify_bundle(bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["model_hash"] == sha256_file(model_dir / WEIGHTS)
    assert (manifest["target"]["name"], manifest["quant"]) == (target, host.HOST_QUANT)
    if manifest["target"]["tvm_target"]["mtriple"].startswith(platform.machine()):
        assert "golden output: max" in report[-1]


@pytest.mark.skipif(host.SHIPPED_TARGETS.get(platform.machine()) is None, reason="no bundle ships for this machine")
def test_a_built_in_domain_parses_on_its_shipped_bundle(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    heard: list[str] = []
    parser = Parser.load("fridge", progress=heard.append)
    assert isinstance(parser.decoder.backend, TVMBackend)
    assert heard == [] and not any(tmp_path.iterdir()), "nothing is compiled when a shipped bundle fits"
    assert parser.parse("I bought 12 eggs").slots == {"item": "egg", "quantity": 12}


@pytest.mark.slow
def test_a_model_without_a_fitting_bundle_is_compiled_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model_dir = tmp_path / "my-fridge"
    shutil.copytree(builtin_model_dir("fridge"), model_dir, ignore=shutil.ignore_patterns(host.BUNDLES))
    heard: list[str] = []
    parser = Parser.load(model_dir, backend="bundle", progress=heard.append)
    assert len(heard) == 1 and "compiling my-fridge" in heard[0]
    reference = Parser.load(model_dir, backend="reference")
    for text in UTTERANCES:
        assert parser.parse(text).intent == reference.parse(text).intent, text

    Parser.load(model_dir, backend="bundle", progress=heard.append)
    assert len(heard) == 1, "the cached bundle is reused"

    weights = load_file(str(model_dir / WEIGHTS))
    weights["model.norm.weight"] = weights["model.norm.weight"] * 1.01  # a retrained model: a new bundle
    save_file(weights, str(model_dir / WEIGHTS))
    Parser.load(model_dir, backend="bundle", progress=heard.append)
    assert len(heard) == 2
    assert len([p for p in (tmp_path / "cache" / "tinychat" / "bundles").iterdir() if p.is_dir()]) == 2


def test_without_a_bundle_auto_falls_back_to_the_reference(monkeypatch):
    def no_bundle(model_dir, progress=None):
        raise host.NoHostBundle("TVM is not installed")

    monkeypatch.setattr(host, "host_bundle", no_bundle)
    heard: list[str] = []
    parser = Parser.load("wearable", progress=heard.append)
    assert not isinstance(parser.decoder.backend, TVMBackend)
    assert heard == ["tinychat: using the numpy reference backend: TVM is not installed"]
    with pytest.raises(host.NoHostBundle, match="TVM is not installed"):
        Parser.load("wearable", backend="bundle")


def test_a_bundle_for_a_cpu_feature_this_machine_lacks_is_refused(tmp_path):
    assert missing_cpu_flags(["no_such_feature"]) == (["no_such_feature"] if platform.system() == "Linux" else [])
    shipped = host.shipped_bundle_dir(builtin_model_dir("wearable"), host.SHIPPED_TARGETS["x86_64"])
    copy = tmp_path / "copy"
    shutil.copytree(shipped, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["target"]["tvm_target"]["mtriple"] = f"{platform.machine()}-linux-gnu"
    manifest["target"]["cpu_flags"] = ["no_such_feature"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    if platform.system() != "Linux":
        pytest.skip("CPU features are read on Linux only")
    assert "not run" in verify_bundle(copy)[-1]
    with pytest.raises(BundleError, match=r"needs CPU features \['no_such_feature'\]"):
        Parser.from_bundle(copy)


@pytest.mark.slow
@pytest.mark.parametrize("domain", BUILTIN_DOMAINS)
def test_shipped_aarch64_bundles_run_on_an_armv8_core(domain):
    """The aarch64 bundle a Raspberry Pi 3 would load, run by the product runtime under qemu as a Cortex-A53."""
    from tinychat.compiler.emulation import verify_emulated

    report = verify_emulated(host.shipped_bundle_dir(builtin_model_dir(domain), "linux-aarch64"),
                             progress=lambda _: None)
    assert "QEMU_CPU=cortex-a53" in report[-3]
    assert report[-1].startswith("actions: 20 of 20 under emulation equal")
