"""The assistant in a terminal: ``chat`` (interactive), ``say`` (one turn), ``demo`` (a scripted showcase)."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from tinychat.dialogue.assistant import Assistant
from tinychat.dialogue.turn import Event, Turn

#: the demo: each domain in English and Korean, showing follow-ups, carry-over, several things at once,
#: confirmation and refusal
DEMO_SCRIPT: dict[str, list[str]] = {
    "fridge": [
        "I bought a dozen eggs",
        "and two bottles of milk",
        "사과 세 개랑 바나나 다섯 개 샀어",
        "how many eggs do we have?",
        "add to the shopping list",
        "butter",
        "what's on my shopping list",
        "우유 유통기한 언제까지야?",
        "장보기 목록에 두부 추가해 줘",
        "clear the shopping list",
        "yes",
        "how do I make pancakes?",
    ],
    "wearable": [
        "set a timer for 10 minutes",
        "how much time is left?",
        "wake me up at 7 tomorrow",
        "remind me to call mom",
        "at 6 pm",
        "what time is it in Tokyo?",
        "크리스마스가 무슨 요일이야?",
        "내일 아침 7시 알람 꺼 줘",
        "play some jazz",
    ],
}


def print_turn(turn: Turn, out: TextIO, name: str = "assistant") -> None:
    for event in turn.events:
        print_event(event, out)
    print(f"{name}: {turn.reply}", file=out, flush=True)


def print_event(event: Event, out: TextIO) -> None:
    late = " (while I was off)" if event.missed else ""
    print(f"[{event.kind}{late}] {event.text}", file=out, flush=True)


def say(assistant: Assistant, text: str, as_json: bool, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    turn = assistant.handle(text)
    if as_json:
        print(json.dumps(turn.to_json(), ensure_ascii=False), file=out)
    else:
        print_turn(turn, out)


def chat(assistant: Assistant, out: TextIO | None = None, poll_seconds: float = 0.5) -> None:
    """Read lines until EOF or "quit", with line editing and history; events print as they fire."""
    out = out or sys.stdout
    history = assistant.store.state_dir / "chat_history"
    readline = _readline(history)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_events, args=(assistant, out, stop, poll_seconds), daemon=True)
    watcher.start()
    print(f"tinychat {assistant.spec.name} — type a request, 'help', or 'quit' (Ctrl-D) to leave.", file=out)
    try:
        while True:
            try:
                text = input("you: ")
            except EOFError:
                print(file=out)
                break
            if text.strip().lower() in {"quit", "exit", "/quit", "종료"}:
                break
            if text.strip():
                print_turn(assistant.handle(text), out, assistant.spec.name)
    finally:
        stop.set()
        watcher.join()  # the caller closes the store next: a poll still running would hit a closed database
        if readline is not None:
            readline.write_history_file(str(history))


def _watch_events(assistant: Assistant, out: TextIO, stop: threading.Event, seconds: float) -> None:
    while not stop.wait(seconds):
        for event in assistant.poll_events():
            print_event(event, out)


def _readline(history: Path):  # noqa: ANN202
    try:
        import readline
    except ImportError:  # not on every platform; chat still works without line editing
        return None
    if history.exists():
        readline.read_history_file(str(history))
    readline.set_history_length(500)
    return readline


def demo(domains: list[str], state_root: Path | None, out: TextIO | None = None,
         then_chat: str | None = None) -> None:
    """Run the scripted showcase on fresh state, then (on a terminal) hand over to chat."""
    out = out or sys.stdout
    root = state_root or Path(tempfile.mkdtemp(prefix="tinychat-demo-"))
    for domain in domains:
        print(f"\n=== {domain} ===", file=out)
        with Assistant.load(domain, root / domain) as assistant:
            for text in DEMO_SCRIPT[domain]:
                print(f"you: {text}", file=out)
                print_turn(assistant.handle(text), out, domain)
    if then_chat:
        print(f"\nYour turn: chatting with the {then_chat} assistant (state in {root / then_chat}).", file=out)
        with Assistant.load(then_chat, root / then_chat) as assistant:
            chat(assistant, out)
