"""``tinychat serve`` as a process with the real fridge assistant: killed with SIGKILL, the broker says
``offline`` for it; restarted, it answers what was asked meanwhile and has lost nothing it acknowledged."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tinychat.cli import main

T = "tinychat/fridge-1"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def serve_process(broker, tmp_path):
    started: list[subprocess.Popen] = []

    def start(*extra: str) -> subprocess.Popen:
        log = open(tmp_path / f"serve-{len(started)}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "tinychat.cli", "serve", "--domain", "fridge", "--state", str(tmp_path / "state"),
             "--device", "fridge-1", "--mqtt", broker.url, *extra], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _apples(state: dict) -> int:
    return sum(row["quantity"] or 0 for row in state.get("inventory", []) if row["item"] == "apple")


@pytest.mark.slow
def test_killed_it_goes_offline_and_restarted_it_resumes(serve_process, watcher, tmp_path):
    w = watcher()
    first = serve_process()
    assert w.wait_for(lambda: w.on(f"{T}/status")[-1:] == ["online"], timeout=60), \
        (tmp_path / "serve-0.log").read_text()
    w.publish(f"{T}/ask", {"id": "k1", "text": "add 3 apples to the fridge"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"), timeout=30)
    assert w.on(f"{T}/reply")[0]["action"] == {"intent": "inventory_add", "slots": {"item": "apple", "quantity": 3}}

    first.send_signal(signal.SIGKILL)
    first.wait()
    assert w.wait_for(lambda: w.on(f"{T}/status")[-1:] == ["offline"], timeout=10), "no last will"

    w.publish(f"{T}/ask", {"id": "k2", "text": "put milk on the shopping list"})  # the broker keeps it meanwhile
    w.publish(f"{T}/ask", {"id": "k1", "text": "add 3 apples to the fridge"})  # a redelivered duplicate
    serve_process()
    ids = lambda: [r["id"] for r in w.on(f"{T}/reply")]  # noqa: E731
    assert w.wait_for(lambda: ids()[-2:] == ["k2", "k1"], timeout=60), (tmp_path / "serve-1.log").read_text()
    # k1 comes once more first if SIGKILL struck between its reply and its acknowledgement
    assert ids() in (["k1", "k2", "k1"], ["k1", "k1", "k2", "k1"])
    assert all(r == w.on(f"{T}/reply")[0] for r in w.on(f"{T}/reply") if r["id"] == "k1")
    assert w.wait_for(lambda: any(s.get("lists", {}).get("shopping") for s in w.on(f"{T}/state")), timeout=10)
    state = w.on(f"{T}/state")[-1]
    assert _apples(state) == 3, "the repeated ask was applied twice, or the first one lost"
    assert [row["item"] for row in state["lists"]["shopping"]] == ["milk"]


@pytest.mark.slow
def test_sigterm_says_offline_and_exits_cleanly(serve_process, watcher):
    w = watcher()
    process = serve_process("--no-hermes")
    assert w.wait_for(lambda: w.on(f"{T}/status")[-1:] == ["online"], timeout=60)
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    assert w.on(f"{T}/status")[-1] == "offline"


def test_serve_refuses_a_remote_broker_before_loading_anything(capsys, connection_log, tmp_path):
    with connection_log() as log:
        code = main(["serve", "--domain", "fridge", "--state", str(tmp_path), "--mqtt", "mqtt://192.0.2.7:1883"])
        assert code == 2
        assert "--allow-remote-broker" in capsys.readouterr().err
        code = main(["serve", "--domain", "fridge", "--state", str(tmp_path), "--mqtt", "mqtt://192.0.2.7:1883",
                     "--allow-remote-broker"])
        assert code == 2
        assert "needs TLS" in capsys.readouterr().err
    assert log.connects == [] and log.lookups == []
    assert not (tmp_path / "state.db").exists()


def test_serve_needs_something_to_serve(capsys, tmp_path):
    assert main(["serve", "--domain", "fridge", "--state", str(tmp_path)]) == 2
    assert "give --mqtt URL, --serial PORT, or both" in capsys.readouterr().err


def test_a_serial_port_that_fails_stops_serve_with_an_error(capsys, tmp_path):
    code = main(["serve", "--domain", "fridge", "--state", str(tmp_path), "--serial", str(tmp_path / "no-such-tty")])
    assert code == 2
    assert "no-such-tty" in capsys.readouterr().err
