"""``tinychat say --json`` keeps state between calls; ``chat`` and ``demo`` run end to end."""

import io
import json
import subprocess
import sys
import threading
import time

from tinychat.cli import main
from tinychat.dialogue import Assistant
from tinychat.dialogue.console import chat, demo


def say(capsys, state, text, domain="fridge"):
    assert main(["say", "--domain", domain, "--state", str(state), "--json", text]) == 0
    return json.loads(capsys.readouterr().out)


def test_say_json_shape_and_state_between_invocations(tmp_path, capsys):
    first = say(capsys, tmp_path, "add to the shopping list")
    assert set(first) == {"reply", "lang", "action", "more_actions", "pending", "events"}
    assert first["action"] == {"intent": "list_add", "slots": {"list": "shopping"}} and first["pending"]
    second = say(capsys, tmp_path, "butter")
    assert second["action"]["slots"] == {"list": "shopping", "item": "butter"} and second["pending"] is None
    third = say(capsys, tmp_path, "장보기 목록 보여 줘")
    assert third["lang"] == "ko" and "버터" in third["reply"]


def test_say_refuses_a_foreign_state_file_by_name(tmp_path, capsys):
    (tmp_path / "state.db").write_bytes(b"not a database at all" * 100)
    assert main(["say", "--domain", "fridge", "--state", str(tmp_path), "hello"]) == 2
    assert "state.db" in capsys.readouterr().err
    assert (tmp_path / "state.db").read_bytes().startswith(b"not a database")


def test_chat_reads_until_eof(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("I bought milk\nhow much milk do we have\n"))
    out = io.StringIO()
    with Assistant.load("fridge", tmp_path) as assistant:
        chat(assistant, out)
    assert "milk" in out.getvalue().split("fridge:")[-1]


def test_chat_stops_watching_for_events_before_it_returns(tmp_path, monkeypatch):
    """The caller closes the assistant once chat returns; a poll still running then hit a closed database."""
    polling = threading.Event()

    class QuitOnceAPollRuns(io.StringIO):
        def readline(self, *args):
            polling.wait(5)
            return "quit\n"

    monkeypatch.setattr(sys, "stdin", QuitOnceAPollRuns())
    with Assistant.load("wearable", tmp_path) as assistant:
        def slow_poll():
            polling.set()
            time.sleep(0.5)
            return []

        monkeypatch.setattr(assistant, "poll_events", slow_poll)
        chat(assistant, io.StringIO(), poll_seconds=0.01)
        assert not [thread for thread in threading.enumerate() if "_watch_events" in thread.name]


def test_demo_runs_both_domains_in_both_languages(tmp_path):
    out = io.StringIO()
    demo(["fridge", "wearable"], tmp_path, out)
    text = out.getvalue()
    assert "=== fridge ===" in text and "=== wearable ===" in text
    assert "장보기" in text and "금요일" in text


def test_demo_command_ends_without_a_terminal(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tinychat.cli", "demo", "--state", str(tmp_path)],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Cleared the shopping list" in run.stdout
