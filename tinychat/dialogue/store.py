"""Durable on-device state: one SQLite file per domain, written so a reply the user saw is on disk.

WAL mode with ``synchronous=FULL``: a committed transaction survives ``kill -9`` and power loss,
and a reader (a bridge) can use the file while a writer (chat) holds it. The schema is versioned
(``PRAGMA user_version``) and migrated forward in order; a file that is not ours, or is damaged,
is refused with a clear error and kept, never silently replaced.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

#: 'tiny' — marks a file as a tinychat state database
APPLICATION_ID = 0x74696E79
DB_NAME = "state.db"

#: schema version N is reached by running MIGRATIONS[N-1]; never edit a shipped migration, append one
MIGRATIONS: list[str] = [
    """
    CREATE TABLE inventory (
        id INTEGER PRIMARY KEY,
        item TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit TEXT,
        added_at TEXT NOT NULL,
        expires_at TEXT
    );
    CREATE INDEX inventory_item ON inventory (item);
    CREATE TABLE list_items (
        list TEXT NOT NULL,
        item TEXT NOT NULL,
        quantity INTEGER,
        added_at TEXT NOT NULL,
        PRIMARY KEY (list, item)
    );
    CREATE TABLE lists (
        name TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    );
    CREATE TABLE schedule (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        due_at TEXT NOT NULL,
        repeat TEXT,
        lang TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'fired', 'cancelled')),
        fired_at TEXT,
        reported INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX schedule_due ON schedule (status, due_at);
    CREATE TABLE answered (
        request_id TEXT PRIMARY KEY,
        turn TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE context (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


#: how long a first open waits for another process setting up the same file
OPEN_TIMEOUT_S = 30.0


class StateError(RuntimeError):
    """The state database cannot be used as it is; the message says why and how to recover."""


class StateStore:
    """The state directory's database. Use ``transaction()`` for every read-modify-write."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect, switch to WAL and migrate, retrying while another process does the same.

        SQLite answers "database is locked" without waiting while another connection switches a
        new file to WAL or recovers its log, so the first open of a shared directory retries.
        """
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            try:
                return self._open_once()
            except sqlite3.OperationalError as err:
                if not _is_busy(err) or time.monotonic() > deadline:
                    raise self._damaged(err) from None
                time.sleep(0.05)

    def _open_once(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")  # one process checks and migrates at a time
        except sqlite3.OperationalError:
            db.close()
            raise
        except sqlite3.DatabaseError as err:
            db.close()
            raise self._damaged(err) from None
        try:
            self._check_and_migrate(db)
        except sqlite3.DatabaseError as err:
            db.execute("ROLLBACK")
            db.close()
            raise self._damaged(err) from None
        except BaseException:
            db.execute("ROLLBACK")
            db.close()
            raise
        db.execute("COMMIT")
        return db

    def _damaged(self, err: Exception) -> StateError:
        return StateError(
            f"{self.path} is damaged or not an SQLite database ({err}). It was left as it is; "
            f"move it aside (or run with --recover-state, which keeps it as {self.path.name}.bad-<time>) "
            "to start with empty state"
        )

    def _check_and_migrate(self, db: sqlite3.Connection) -> None:
        tables = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if tables:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise StateError(
                    f"{self.path} is an SQLite database but not tinychat's (application_id {app_id:#x}). "
                    f"It was left as it is; point --state at another directory, or move the file aside "
                    "(--recover-state keeps it as a .bad copy and starts empty)"
                )
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {verdict}")
        if version > len(MIGRATIONS):
            raise StateError(
                f"{self.path} has schema version {version}, newer than this tinychat knows "
                f"({len(MIGRATIONS)}); upgrade tinychat rather than lose data"
            )
        for number in range(version, len(MIGRATIONS)):
            for statement in _statements(MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable change: committed (and fsynced) when the block ends, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def quarantine(state_dir: Path, now: datetime) -> Path | None:
    """Move a bad database (and its WAL files) aside so a new one can start; returns where it went."""
    path = Path(state_dir) / DB_NAME
    if not path.exists():
        return None
    target = path.with_name(f"{DB_NAME}.bad-{now.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(DB_NAME + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def _is_busy(err: sqlite3.OperationalError) -> bool:
    return "locked" in str(err) or "busy" in str(err)
