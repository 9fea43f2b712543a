"""What actions do: per-domain handlers that read and change the state store.

The dialogue manager is generic (slot filling, confirmation, carry-over); a skill is the part a
domain supplies. Built-in domains ship theirs here; a maker registers callbacks with
``Assistant.on``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tinychat.dialogue.phrasing import Phrasing
from tinychat.domain.action import SlotValue


@dataclass
class Request:
    """One complete action to carry out, inside the transaction that will store its effects."""

    intent: str
    slots: dict[str, SlotValue]
    lang: str
    text: str
    now: datetime
    db: sqlite3.Connection
    phrasing: Phrasing


@dataclass
class Outcome:
    """What happened: a reply outcome (a key of the intent's replies) and the words its template needs.

    ``ask`` names a slot the skill still needs (asked with the slot's prompt); ``undo`` is what a
    correction ("make it two") needs to take the action back; ``text`` is a reply given outright.
    ``choose``: the reply asks which of several things is meant, and the next words are first tried
    as the answer (the skill runs again on them).
    """

    key: str = "done"
    values: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    ask: str | None = None
    undo: dict[str, Any] | None = None
    choose: bool = False


Handler = Callable[[Request], Outcome]
Undo = Callable[[Request, dict[str, Any]], None]


@dataclass(frozen=True)
class Skill:
    handle: Handler
    undo: Undo | None = None


Snapshot = Callable[[sqlite3.Connection, datetime], dict[str, Any]]


@dataclass(frozen=True)
class DomainSkills:
    """What a domain's actions do, and what of its state a panel shows."""

    skills: dict[str, Skill] = field(default_factory=dict)
    snapshot: Snapshot = lambda db, now: {}


def builtin_skills(domain: str) -> DomainSkills:
    """The skills a built-in domain ships (none for a maker's own domain)."""
    from tinychat.dialogue.skills import fridge, wearable

    shipped = {"fridge": DomainSkills(fridge.SKILLS, fridge.snapshot),
               "wearable": DomainSkills(wearable.SKILLS, wearable.snapshot)}
    return shipped.get(domain, DomainSkills())
