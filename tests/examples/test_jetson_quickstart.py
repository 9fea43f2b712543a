"""The Jetson quickstart, run here into a temporary root: a real jetson-orin bundle ends up active and verified."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinychat.runtime.bundle import read_manifest, verify_bundle
from tinychat.runtime.deploy import active_bundle

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "examples" / "jetson_quickstart" / "run.sh"
AARCH64 = 183


def run_quickstart(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", str(SCRIPT), *args], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="CUDA kernels are compiled with nvcc (CUDA 13)")
def test_quickstart_installs_a_verified_jetson_bundle_and_updates_it(tmp_path):
    root, bundle = tmp_path / "root", tmp_path / "fridge-jetson-orin-q4"
    done = run_quickstart("--root", str(root), "--out", str(bundle))

    slot = active_bundle(root)
    assert slot.name == "a"
    manifest = read_manifest(slot)
    assert (manifest.domain, manifest.target_name, manifest.quant) == ("fridge", "jetson-orin", "q4")
    assert manifest.device_modules == ["cuda"] and manifest.target["tvm_target"]["arch"] == "sm_87"
    assert int.from_bytes((slot / "model.so").read_bytes()[18:20], "little") == AARCH64
    assert "not run (target jetson-orin" in verify_bundle(slot)[-1]  # hashes checked; it runs only on the board
    assert (root / "etc/tinychat/target").read_text().strip() == "jetson-orin"
    assert (root / "etc/systemd/system/tinychat.service").read_text() == \
        (REPO / "firmware/linux/tinychat.service").read_text()
    assert (root / "etc/systemd/system/tinychat.service.d/jetson.conf").is_file()
    if not Path("/dev/nvmap").exists():
        assert "DRY: not started: no Jetson GPU" in done.stdout
        assert f"tinychat serve --bundle {root}/opt/tinychat/active" in done.stdout

    update = run_quickstart("--root", str(root), "--bundle", str(bundle))
    assert "compile: skipped" in update.stdout
    assert active_bundle(root).name == "b"
    status = subprocess.run([sys.executable, "-m", "tinychat.cli", "deploy", "--status", "--json", "--root", str(root)],
                            cwd=REPO, capture_output=True, text=True, check=True)
    assert [(s["slot"], s["active"], s["state"], s["target"]) for s in json.loads(status.stdout)] == [
        ("a", False, "valid", "jetson-orin"), ("b", True, "valid", "jetson-orin")]


def test_quickstart_refuses_to_run_without_a_root():
    done = subprocess.run(["bash", str(SCRIPT)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "usage: run.sh --root DIR" in done.stderr
