"""The state database: durable settings, migrations, and bad files refused but kept."""

import sqlite3

import pytest

from tinychat.dialogue import Assistant, StateError
from tinychat.dialogue.store import DB_NAME, MIGRATIONS, StateStore


def test_wal_full_sync_and_versioned_schema(tmp_path):
    store = StateStore(tmp_path)
    with store.transaction() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    store.close()


def test_a_failed_transaction_changes_nothing(tmp_path):
    store = StateStore(tmp_path)
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO lists (name, created_at) VALUES ('x', 'now')")
        raise RuntimeError("boom")
    with store.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM lists").fetchone()[0] == 0


def test_a_foreign_database_is_refused_and_kept(tmp_path):
    other = sqlite3.connect(tmp_path / DB_NAME)
    other.execute("CREATE TABLE photos (id INTEGER)")
    other.commit()
    other.close()
    with pytest.raises(StateError, match="not tinychat's"):
        StateStore(tmp_path)
    assert sqlite3.connect(tmp_path / DB_NAME).execute("SELECT name FROM sqlite_master").fetchone() == ("photos",)


def test_a_corrupted_database_is_refused_then_recovered_keeping_the_bad_file(tmp_path):
    with Assistant.load("fridge", tmp_path) as assistant:
        assistant.handle("I bought milk")
    (tmp_path / DB_NAME).write_bytes(b"garbage" * 1000)
    with pytest.raises(StateError, match="damaged"):
        Assistant.load("fridge", tmp_path)
    with Assistant.load("fridge", tmp_path, recover=True) as assistant:
        assert assistant.snapshot()["inventory"] == []
    kept = list(tmp_path.glob(f"{DB_NAME}.bad-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"garbage")


def test_a_newer_schema_is_refused(tmp_path):
    StateStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(StateError, match="newer"):
        StateStore(tmp_path)


def test_a_repeated_request_id_is_answered_again_but_applied_once(fridge):
    first = fridge.handle("I bought 3 eggs", request_id="mqtt:7")
    again = fridge.handle("I bought 3 eggs", request_id="mqtt:7")
    assert again == first
    assert [r["quantity"] for r in fridge.snapshot()["inventory"]] == [3]


def test_unknown_language_hint_is_named(fridge):
    with pytest.raises(ValueError, match="'fr'"):
        fridge.handle("bonjour", lang="fr")
