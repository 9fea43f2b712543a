"""The C reference of the device side: its unit tests, and the C demo talking to the Python bridge over a real pty."""

import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest

from tinychat.bridges.serial_bridge import SerialBridge, request_id
from tinychat.dialogue.turn import ActionSummary, Event, Turn

FIRMWARE = Path(__file__).parents[2] / "firmware"
LINK_DEMO = FIRMWARE / "build" / "link_demo"


class EchoResponder:
    """Responder test double: echoes, counts calls per request id, hands out the events it was given once."""

    def __init__(self, events=()):
        self.calls: Counter[str | None] = Counter()
        self.events = list(events)

    def handle(self, text, *, lang=None, request_id=None):
        self.calls[request_id] += 1
        return Turn(reply=f"echo {text}", lang=lang or "en", pending="Anything else?" if "?" in text else None,
                    action=ActionSummary(intent="echo", slots={"length": len(text), "word": text.split()[0]}))

    def poll_events(self):
        events, self.events = self.events, []
        return events

    def snapshot(self):
        return {}


def test_c_unit_tests_pass_under_strict_c99():
    result = subprocess.run(["make", "-B", "-C", str(FIRMWARE), "test"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-std=c99 -Wall -Wextra -Werror -pedantic" in result.stdout  # -B: every file was compiled just now
    assert ", 0 failed;" in result.stdout


@pytest.fixture(scope="module")
def link_demo():
    result = subprocess.run(["make", "-C", str(FIRMWARE), "demo"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return LINK_DEMO


def _run_demo(link_demo, responder, *args):
    """The C demo on a pty it makes; the bridge opens the pty's path, as `tinychat serve --serial` would."""
    demo = subprocess.Popen([str(link_demo), "--pty", "--timeout", "10", *args], stdout=subprocess.PIPE, text=True)
    stop = threading.Event()
    bridge = None
    try:
        kind, path = demo.stdout.readline().rstrip("\n").split("\t")
        assert kind == "PTY"
        bridge = SerialBridge(responder, path)
        thread = threading.Thread(target=bridge.serve, args=(stop,), daemon=True)
        thread.start()
        output, _ = demo.communicate(timeout=20)
    finally:
        stop.set()
        demo.kill()
    thread.join(timeout=5)
    return demo.returncode, [line.split("\t") for line in output.splitlines()], bridge


def test_c_device_asks_the_python_bridge_and_gets_every_reply(link_demo):
    responder = EchoResponder()
    questions = ["set a timer for 2 seconds", "what time is it?", "très bien, merci"]
    code, lines, bridge = _run_demo(link_demo, responder, "--lang", "fr", "--session", "c0ffee01", *questions)
    assert code == 0, lines
    replies = [line for line in lines if line[0] == "REPLY"]
    assert [(r[1], r[2], r[3], r[4]) for r in replies] == [
        (str(seq), "fr", "echo", f"echo {text}") for seq, text in enumerate(questions, start=1)
    ]
    assert [r[5] for r in replies] == ["", "Anything else?", ""]
    assert replies[2][6].split() == [f"length={len(questions[2])}", "word=très"]
    assert responder.calls == {request_id(0xC0FFEE01, seq): 1 for seq in (1, 2, 3)}
    assert bridge.stats.decoder.rejected == 0


def test_c_device_receives_each_event_once(link_demo):
    events = [Event(kind="timer", id=n, due="2026-11-23T10:00:00", text=f"Timer {n} is done.", lang="en")
              for n in (1, 2)]
    code, lines, bridge = _run_demo(link_demo, EchoResponder(events), "--events", "2")
    assert code == 0, lines
    assert [line[1:] for line in lines if line[0] == "EVENT"] == [
        ["timer", "1", "en", "Timer 1 is done.", "0"], ["timer", "2", "en", "Timer 2 is done.", "0"]
    ]
    assert (bridge.stats.events_acked, bridge.stats.events_dropped) == (2, 0)
