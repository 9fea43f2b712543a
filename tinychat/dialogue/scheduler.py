"""Timers, alarms and reminders coming due: stored in the state, fired on the clock, reported once.

Moments are stored in UTC so comparisons hold across time-zone and daylight-saving changes. An
item that came due while the assistant was not running is reported as ``missed`` at the next start.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from tinychat.dialogue.replies import Replies
from tinychat.dialogue.turn import Event

#: how a repeating alarm moves on: repeat name → days to its next firing from a given weekday
_REPEATS = {
    "daily": lambda weekday: 1,
    "weekdays": lambda weekday: 3 if weekday == 4 else 2 if weekday == 5 else 1,
    "weekends": lambda weekday: 1 if weekday == 5 else 6 if weekday == 6 else 5 - weekday,
    "weekly": lambda weekday: 7,
}
REPEATS = tuple(_REPEATS)
#: the weekdays (Monday 0) a repeat fires on; one not named fires on any day
_REPEAT_DAYS = {"weekdays": range(5), "weekends": range(5, 7)}


def first_repeat(due: datetime, repeat: str | None) -> datetime:
    """The first firing of an item repeating ``repeat`` from ``due``: a weekday alarm set on a Friday
    evening first rings on Monday, not on Saturday."""
    days = _REPEAT_DAYS.get(repeat or "")
    while days is not None and due.weekday() not in days:
        due += timedelta(days=1)
    return due


def next_repeat(due: datetime, repeat: str, now: datetime) -> datetime:
    """The first firing of an item repeating ``repeat`` from ``due`` that is later than ``now``."""
    step = _REPEATS[repeat]
    while due <= now:
        due += timedelta(days=step(due.weekday()))
    return due


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def local(stamp: str, now: datetime) -> datetime:
    """A stored UTC moment in the time zone of ``now``."""
    return datetime.fromisoformat(stamp).astimezone(now.tzinfo)


def schedule(db: sqlite3.Connection, kind: str, due: datetime, now: datetime, lang: str, *, intent: str,
             values: dict[str, str], label: str = "", repeat: str | None = None,
             data: dict[str, Any] | None = None) -> int:
    """Store an item; ``intent``'s "fired" reply with ``values`` is what its event will say."""
    payload = {"intent": intent, "values": values, **(data or {})}
    cursor = db.execute(
        "INSERT INTO schedule (kind, label, due_at, repeat, lang, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, label, utc(due), repeat, lang, json.dumps(payload, ensure_ascii=False), utc(now)),
    )
    return int(cursor.lastrowid or 0)


def active(db: sqlite3.Connection, kind: str) -> list[sqlite3.Row]:
    return _rows(db, "SELECT * FROM schedule WHERE kind = ? AND status = 'active' ORDER BY due_at, id", (kind,))


def _rows(db: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> list[sqlite3.Row]:
    """Rows addressable by column name, leaving the shared connection's row factory as it was."""
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.row_factory = None


def cancel(db: sqlite3.Connection, ids: list[int]) -> int:
    return sum(db.execute("UPDATE schedule SET status = 'cancelled' WHERE id = ? AND status = 'active'",
                          (i,)).rowcount for i in ids)


def fire_due(db: sqlite3.Connection, now: datetime, started_at: datetime, replies: Replies) -> list[Event]:
    """Fire everything due by ``now`` (rescheduling repeats) and return each firing's event, once."""
    due = _rows(db, "SELECT * FROM schedule WHERE status = 'active' AND due_at <= ? ORDER BY due_at, id", (utc(now),))
    events = []
    for row in due:
        db.execute("UPDATE schedule SET status = 'fired', fired_at = ?, reported = 1 WHERE id = ?",
                   (utc(now), row["id"]))
        data = json.loads(row["data"])
        if row["repeat"] in _REPEATS:
            when = next_repeat(local(row["due_at"], now), row["repeat"], now)
            db.execute("INSERT INTO schedule (kind, label, due_at, repeat, lang, data, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row["kind"], row["label"], utc(when), row["repeat"], row["lang"], row["data"], utc(now)))
        text = replies.intent(data["intent"], "fired", row["lang"], data["values"]) or row["label"]
        due_at = local(row["due_at"], now)
        events.append(Event(kind=row["kind"], id=row["id"], due=due_at.isoformat(), text=text, lang=row["lang"],
                            missed=due_at < started_at, data={"label": row["label"], **data["values"]}))
    return events
