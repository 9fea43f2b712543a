"""The assistant: parser + dialogue manager + skills over one state directory, behind ``handle(text)``."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinychat.dialogue import scheduler
from tinychat.dialogue.clock import Clock, SystemClock
from tinychat.dialogue.manager import DialogueManager
from tinychat.dialogue.skills import Outcome, Request, Skill, builtin_skills
from tinychat.dialogue.store import StateError, StateStore, quarantine
from tinychat.dialogue.turn import Event, Turn
from tinychat.domain.action import Action, SlotValue
from tinychat.runtime.compound import split_utterance
from tinychat.runtime.parser import BackendChoice, Parser

#: what a maker's callback gets and may return: None (the spec's reply), extra template values, or the reply
Callback = Callable[[dict[str, SlotValue]], "None | str | dict[str, Any]"]


class ActionRefused(Exception):
    """Raised by a callback that cannot do what was asked; the user hears the message, no state changes."""


def default_state_dir(domain: str) -> Path:
    """``$XDG_DATA_HOME/tinychat/<domain>`` (``~/.local/share/tinychat/<domain>``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tinychat" / domain


class Assistant:
    """One domain's assistant. Thread-safe: calls are serialised; several processes may share a state dir."""

    def __init__(self, parser: Parser, store: StateStore, clock: Clock | None = None) -> None:
        self.parser = parser
        self.spec = parser.spec
        self.store = store
        self.clock = clock or SystemClock()
        self.started_at = self.clock.now()
        shipped = builtin_skills(self.spec.name)
        self.manager = DialogueManager(self.spec, dict(shipped.skills))
        self._snapshot = shipped.snapshot
        self._lock = threading.RLock()

    @classmethod
    def load(cls, domain: str | Path = "fridge", state_dir: str | Path | None = None, *,
             bundle: str | Path | None = None, clock: Clock | None = None, recover: bool = False,
             threads: int | None = None, backend: BackendChoice = "auto") -> Assistant:
        """A built-in domain or model directory (or a compiled ``bundle``) with its state in ``state_dir``.

        ``backend`` runs a domain's model as ``Parser.load`` does. ``recover`` moves a damaged state
        database aside (kept as ``state.db.bad-<time>``) and starts empty.
        """
        parser = (Parser.from_bundle(bundle, threshold=0.0, threads=threads) if bundle
                  else Parser.load(domain, 0.0, backend=backend))
        directory = Path(state_dir) if state_dir else default_state_dir(parser.spec.name)
        try:
            store = StateStore(directory)
        except StateError:
            if not recover:
                raise
            quarantine(directory, (clock or SystemClock()).now())
            store = StateStore(directory)
        return cls(parser, store, clock)

    def on(self, intent: str, callback: Callback | None = None) -> Any:
        """Handle ``intent`` with ``callback`` (also usable as a decorator). Replaces a built-in skill."""
        self.spec.intent(intent)  # KeyError naming the intent if the domain has none

        def register(fn: Callback) -> Callback:
            self.manager.skills[intent] = Skill(_callback_handler(fn, self))
            return fn

        return register(callback) if callback is not None else register

    def handle(self, text: str, *, lang: str | None = None, request_id: str | None = None) -> Turn:
        """Answer one utterance. A repeated ``request_id`` gets its first answer again and changes nothing."""
        if lang is not None and lang not in self.spec.languages:
            raise ValueError(f"language {lang!r} is not one of this domain's {self.spec.languages}")
        with self._lock:
            # the model runs before the write lock is taken: other processes wait only for the bookkeeping
            action = self.parser.parse(text)
            things = split_utterance(self.parser, text, action)
            with self.store.transaction() as db:
                return self._answer(db, text, action, things, lang, request_id)

    def _answer(self, db: sqlite3.Connection, text: str, action: Action, things: list[Action] | None,
                lang: str | None, request_id: str | None) -> Turn:
        if request_id is not None:
            row = db.execute("SELECT turn FROM answered WHERE request_id = ?", (request_id,)).fetchone()
            if row is not None:
                return Turn.model_validate_json(row[0])
        now = self.clock.now()
        events = scheduler.fire_due(db, now, self.started_at, self.manager.replies)
        turn = self.manager.respond(text, action, lang, now, db, things)
        turn.events = events
        if request_id is not None:
            db.execute("INSERT INTO answered (request_id, turn, at) VALUES (?, ?, ?)",
                       (request_id, turn.model_dump_json(), scheduler.utc(now)))
        return turn

    def poll_events(self) -> list[Event]:
        """Fire what has come due (each event is returned once, to one process)."""
        with self._lock, self.store.transaction() as db:
            return scheduler.fire_due(db, self.clock.now(), self.started_at, self.manager.replies)

    def snapshot(self) -> dict[str, Any]:
        with self._lock, self.store.transaction() as db:
            return {"domain": self.spec.name, **self._snapshot(db, self.clock.now())}

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _callback_handler(fn: Callback, assistant: Assistant) -> Callable[[Request], Outcome]:
    def handle(request: Request) -> Outcome:
        try:
            result = fn(dict(request.slots))
        except ActionRefused as refused:
            return Outcome(text=assistant.manager.replies.dialogue("failed", request.lang, reason=str(refused)))
        if isinstance(result, str):
            return Outcome(text=result)
        return Outcome(values={k: str(v) for k, v in (result or {}).items()})

    return handle


__all__ = ["ActionRefused", "Assistant", "Callback", "default_state_dir"]
