"""MetaSchedule tuning: records measured here or over RPC, applied by later compiles, never wrong."""

import json

import pytest

from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.compiler.tuning import DATABASE_FILES, RPCTracker, Tuning, has_records
from tinychat.runtime.bundle import verify_bundle
from tinychat.runtime.parser import Parser, builtin_model_dir

UTTERANCES = ["set a timer for 10 minutes", "7시에 깨워 줘", "what time is it in london", "play some jazz"]


def test_rpc_tracker_addresses_are_read_or_refused_by_name():
    assert RPCTracker.parse("rpi4@192.168.1.20:9190") == RPCTracker(key="rpi4", host="192.168.1.20", port=9190)
    for bad in ("rpi4", "rpi4@host", "@host:9190", "rpi4@host:port"):
        with pytest.raises(ValueError, match="expected KEY@HOST:PORT"):
            RPCTracker.parse(bad)


def _records(database):
    lines = (database / DATABASE_FILES[1]).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _check_tuned_bundle(bundle):
    assert "golden output: max" in verify_bundle(bundle)[-1]
    tuned, reference = Parser.from_bundle(bundle), Parser.load("wearable", backend="reference")
    for text in UTTERANCES:
        assert tuned.parse(text).intent == reference.parse(text).intent, text


@pytest.mark.slow
def test_tuning_here_records_kernels_and_later_compiles_apply_them(tmp_path):
    database = tmp_path / "tuning"
    heard: list[str] = []
    tuning = Tuning(database=database, trials=8, cores=2)
    compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), "q8", tmp_path / "tuned",
                   progress=heard.append, tuning=tuning)
    assert any("tuning" in line and "measured here" in line for line in heard)
    assert has_records(database)
    # every x·Wᵀ kernel of decode has at least its rule's record, and the search added its own trials
    assert len(_records(database)) >= 8
    _check_tuned_bundle(tmp_path / "tuned")

    heard.clear()
    compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), "q8", tmp_path / "again",
                   progress=heard.append, tuning=Tuning(database=database))
    assert any("with the tuning records" in line for line in heard)
    assert not any("measured here" in line for line in heard)
    _check_tuned_bundle(tmp_path / "again")


@pytest.mark.slow
def test_tuning_measures_on_a_board_registered_with_an_rpc_tracker(tmp_path):
    """A board is stood in for by an RPC server on loopback, registered with a real tracker."""
    pytest.importorskip("tornado")
    from tvm import rpc
    from tvm.rpc.tracker import Tracker

    tracker = Tracker("127.0.0.1", port=9190, port_end=9290, silent=True)
    server = rpc.Server(host="127.0.0.1", port=9300, port_end=9400, key="board", silent=True,
                        tracker_addr=("127.0.0.1", tracker.port))
    try:
        heard: list[str] = []
        tuning = Tuning(database=tmp_path / "tuning", trials=4, rpc=RPCTracker(key="board", host="127.0.0.1",
                                                                               port=tracker.port))
        compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), "q8", tmp_path / "tuned",
                       progress=heard.append, tuning=tuning)
    finally:
        server.terminate()
        tracker.terminate()
    assert any(f"over RPC on board@127.0.0.1:{tracker.port}" in line for line in heard)
    assert has_records(tmp_path / "tuning")
    _check_tuned_bundle(tmp_path / "tuned")
