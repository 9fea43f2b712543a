import pytest

from tinychat.compiler.targets import TargetError, list_targets, load_target_file, resolve_target

REQUIRED = {"host", "cortex-a53", "cortex-a72", "cortex-a76", "jetson-orin", "jetson-xavier", "apple-m1", "apple-m2"}


def test_all_targets_are_described_and_valid():
    targets = {t.name: t for t in list_targets()}
    assert REQUIRED <= set(targets)
    for target in targets.values():
        target.tvm()  # LLVM knows every CPU and feature named
    assert targets["jetson-orin"].tvm().attrs["arch"] == "sm_87"
    assert targets["cortex-a76"].tvm().attrs["mcpu"] == "cortex-a76"


def test_unknown_target_lists_the_known_ones():
    with pytest.raises(TargetError, match="cortex-a72"):
        resolve_target("raspberry-pi-9")


@pytest.mark.parametrize(
    "tvm_target",
    ['{kind: llvm, mtriple: aarch64-linux-gnu, mcpu: cortex-a99}',
     '{kind: llvm, mtriple: aarch64-linux-gnu, mcpu: cortex-a72, mattr: ["+neon", "+warpdrive"]}'],
)
def test_cpu_and_features_llvm_would_ignore_are_refused(tmp_path, tvm_target):
    path = tmp_path / "board.yaml"
    path.write_text(f"name: board\ndescription: a maker's board\nkind: cpu\ntvm_target: {tvm_target}\n")
    with pytest.raises(TargetError, match="LLVM does not know"):
        load_target_file(path).tvm()


def test_invalid_descriptor_names_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ndescription: x\nkind: fpga\ntvm_target: {kind: llvm}\n")
    with pytest.raises(TargetError, match="kind"):
        load_target_file(path)
