"""A/B slot deployment: installs, updates and rollbacks switch ``active`` only onto complete, verified bundles."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinychat.cli import main
from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.runtime import deploy as deploy_module
from tinychat.runtime.bundle import BundleError
from tinychat.runtime.deploy import DeployError, SlotLayout, active_bundle, deploy, rollback, slot_status
from tinychat.runtime.parser import Parser, builtin_model_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles") / "wearable-host-q4"
    compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), "q4", out, progress=lambda _: None)
    return out


@pytest.fixture
def root(tmp_path):
    return tmp_path / "device"


def quiet(_line):
    pass


def active_link(root):
    return os.readlink(SlotLayout(root).active_link)


def damaged_copy(bundle, tmp_path, damage):
    copy = tmp_path / "damaged"
    shutil.copytree(bundle, copy)
    damage(copy)
    return copy


def test_first_deploy_fills_slot_a_and_the_device_runs_it(bundle, root):
    assert deploy(bundle, root, progress=quiet) == "a"
    assert active_link(root) == "slots/a"  # relative: the root can be mounted anywhere
    assert active_bundle(root) == root / "opt/tinychat/slots/a"
    assert Parser.from_bundle(active_bundle(root)).parse("set a timer for ten minutes").intent == "timer_set"
    for path in active_bundle(root).iterdir():
        assert path.stat().st_mode & 0o044 == 0o044, f"{path.name} must be readable by the service's user"


def test_update_goes_to_the_other_slot_and_rollback_returns(bundle, root):
    deploy(bundle, root, progress=quiet)
    assert deploy(bundle, root, progress=quiet) == "b"
    assert active_link(root) == "slots/b"
    states = {s.name: (s.active, s.state, s.manifest.quant) for s in slot_status(root)}
    assert states == {"a": (False, "valid", "q4"), "b": (True, "valid", "q4")}
    assert rollback(root, progress=quiet) == "a"
    assert active_link(root) == "slots/a"
    assert deploy(bundle, root, progress=quiet) == "b"  # the slot rolled away from is the next to be replaced


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda b: (b / "params.safetensors").write_bytes((b / "params.safetensors").read_bytes()[:1000]),
         "params.safetensors is truncated"),
        (lambda b: (b / "model.so").write_bytes(b"\0" + (b / "model.so").read_bytes()[1:]),
         "model.so is corrupted"),
        (lambda b: (b / "tokenizer.json").unlink(), "tokenizer.json is missing"),
        (lambda b: (b / "manifest.json").unlink(), "no manifest.json"),
    ],
)
def test_damaged_bundle_never_becomes_active(bundle, root, tmp_path, damage, problem):
    deploy(bundle, root, progress=quiet)
    with pytest.raises(BundleError, match=problem):
        deploy(damaged_copy(bundle, tmp_path, damage), root, progress=quiet)
    assert active_link(root) == "slots/a"
    assert not SlotLayout(root).slot("b").exists()


def retarget_to_jetson(copy):
    """The manifest is not among its own hashes: a bundle whose manifest names another target still verifies."""
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["target"]["name"] = "jetson-orin"
    (copy / "manifest.json").write_text(json.dumps(manifest))


def test_bundle_for_another_target_is_refused(bundle, root, tmp_path):
    deploy(bundle, root, target="host", progress=quiet)
    assert SlotLayout(root).target_file.read_text().strip() == "host"  # later deploys are checked against it
    with pytest.raises(BundleError, match=r"manifest.json: bundle is for target 'jetson-orin', this device is 'host'"):
        deploy(damaged_copy(bundle, tmp_path, retarget_to_jetson), root, progress=quiet)
    with pytest.raises(DeployError, match="disagrees"):
        deploy(bundle, root, target="cortex-a53", progress=quiet)
    assert active_link(root) == "slots/a" and not SlotLayout(root).slot("b").exists()


def test_rollback_refuses_a_slot_for_another_target(bundle, root, tmp_path):
    """A slot installed before the device declared its target is checked against it like a new bundle."""
    deploy(damaged_copy(bundle, tmp_path, retarget_to_jetson), root, progress=quiet)
    deploy(bundle, root, target="host", progress=quiet)
    with pytest.raises(BundleError, match="cannot roll back to slot a: .*for target 'jetson-orin'"):
        rollback(root, progress=quiet)
    assert active_link(root) == "slots/b"


def test_a_copy_that_differs_from_its_source_is_caught_before_the_switch(bundle, root, monkeypatch):
    """The copied slot is re-read and re-hashed: a write the disk got wrong stops the update."""
    deploy(bundle, root, progress=quiet)
    copy_file = deploy_module._copy_file

    def copy_with_a_flipped_byte(source, destination):
        copy_file(source, destination)
        if destination.name == "params.safetensors":
            data = bytearray(destination.read_bytes())
            data[-1] ^= 0xFF
            destination.write_bytes(bytes(data))

    monkeypatch.setattr(deploy_module, "_copy_file", copy_with_a_flipped_byte)
    with pytest.raises(BundleError, match=r"\.incoming-.*params.safetensors is corrupted"):
        deploy(bundle, root, progress=quiet)
    assert active_link(root) == "slots/a" and not SlotLayout(root).slot("b").exists()
    assert not [p for p in SlotLayout(root).slots.iterdir() if p.name.startswith(".")]


CRASH_MID_COPY = """
import os, sys
from pathlib import Path
from tinychat.runtime import deploy as d
copy_file, copied = d._copy_file, []
def copy_then_die(source, destination):
    copy_file(source, destination)
    copied.append(destination.name)
    if len(copied) == 3:
        os._exit(9)  # power cut: no cleanup, no finally
d._copy_file = copy_then_die
d.deploy(Path(sys.argv[1]), Path(sys.argv[2]), progress=lambda _: None)
"""


def test_a_deploy_killed_mid_copy_leaves_the_device_as_it_was(bundle, root):
    deploy(bundle, root, progress=quiet)
    deploy(bundle, root, progress=quiet)
    died = subprocess.run([sys.executable, "-c", CRASH_MID_COPY, str(bundle), str(root)], cwd=REPO)
    assert died.returncode == 9
    layout = SlotLayout(root)
    leftovers = [p for p in layout.slots.iterdir() if p.name.startswith(".incoming-")]
    assert len(leftovers) == 1 and len(list(leftovers[0].iterdir())) == 3
    assert not (leftovers[0] / "manifest.json").exists()
    assert active_link(root) == "slots/b"
    assert [(s.name, s.state) for s in slot_status(root)] == [("a", "valid"), ("b", "valid")]
    assert deploy(bundle, root, progress=quiet) == "a"
    assert set(os.listdir(layout.slots)) == {"a", "b"}  # the half-written staging directory is gone


@pytest.mark.parametrize(
    ("cut", "problem"),
    [
        (lambda slot: (slot / "manifest.json").unlink(), "no manifest.json"),
        (lambda slot: (slot / "params.safetensors").write_bytes(b"\0" * 4096), "params.safetensors is truncated"),
        (lambda slot: (slot / "golden.json").unlink(), "golden.json is missing"),
    ],
)
def test_rollback_refuses_a_half_written_slot_and_the_next_deploy_replaces_it(bundle, root, cut, problem):
    deploy(bundle, root, progress=quiet)
    deploy(bundle, root, progress=quiet)
    cut(SlotLayout(root).slot("a"))
    assert {s.name: s.state for s in slot_status(root)} == {"a": "invalid", "b": "valid"}
    with pytest.raises(BundleError, match=f"cannot roll back to slot a: .*slots/a: {problem}"):
        rollback(root, progress=quiet)
    assert active_link(root) == "slots/b"
    assert deploy(bundle, root, progress=quiet) == "a"
    assert {s.name: s.state for s in slot_status(root)} == {"a": "valid", "b": "valid"}


def test_rollback_needs_a_previous_slot(bundle, root):
    with pytest.raises(DeployError, match="nothing deployed"):
        rollback(root, progress=quiet)
    deploy(bundle, root, progress=quiet)
    with pytest.raises(DeployError, match="no previous slot"):
        rollback(root, progress=quiet)
    assert active_link(root) == "slots/a"


def test_active_bundle_names_what_is_wrong(root):
    with pytest.raises(DeployError, match="nothing deployed"):
        active_bundle(root)
    layout = SlotLayout(root)
    layout.base.mkdir(parents=True)
    layout.active_link.symlink_to("/etc")
    with pytest.raises(DeployError, match="points to /etc"):
        active_bundle(root)


def test_cli_deploy_status_and_rollback(bundle, root, tmp_path, capsys):
    assert main(["deploy", "--status", "--root", str(root)]) == 1  # nothing deployed: not healthy
    assert main(["deploy", str(bundle), "--root", str(root), "--target", "host"]) == 0
    assert main(["deploy", str(bundle), "--root", str(root)]) == 0
    capsys.readouterr()
    assert main(["deploy", "--status", "--json", "--root", str(root)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [(s["slot"], s["active"], s["domain"], s["target"], s["quant"]) for s in status] == [
        ("a", False, "wearable", "host", "q4"), ("b", True, "wearable", "host", "q4")]
    assert len(status[0]["model_hash"]) == 64
    assert main(["deploy", "--rollback", "--root", str(root)]) == 0
    assert "slot a  active  valid    wearable host q4" in capsys.readouterr().out
    cut = damaged_copy(bundle, tmp_path, lambda b: (b / "domain.json").write_bytes(b"{}"))
    assert main(["deploy", str(cut), "--root", str(root)]) == 2
    assert "domain.json is truncated" in capsys.readouterr().err
    assert main(["deploy", "--root", str(root)]) == 2
    assert "give a bundle" in capsys.readouterr().err
    assert active_link(root) == "slots/a"


def test_cli_runs_as_a_module(bundle, root):
    done = subprocess.run([sys.executable, "-m", "tinychat.cli", "deploy", str(bundle), "--root", str(root)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "copy ok" in done.stderr and done.stdout.startswith("slot a  active  valid")
