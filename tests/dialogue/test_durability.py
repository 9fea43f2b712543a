"""kill -9 never loses an acknowledged change nor corrupts the file; two processes share one state dir."""

import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tinychat.dialogue.store import DB_NAME

#: adds "a" to the shopping list over and over, printing each acknowledged turn's number
WRITER = """
import sys
from tinychat.dialogue import Assistant
items = ["apple", "banana", "butter", "cheese", "milk", "egg", "bread", "onion", "carrot", "tofu"]
with Assistant.load("fridge", sys.argv[1]) as assistant:
    print("ready", flush=True)
    for n in range(int(sys.argv[2]), 10**6):
        assistant.handle(f"I bought {n % 9 + 1} {items[n % len(items)]}s", request_id=f"w:{n}")
        print(n, flush=True)
"""


def _acknowledged(state_dir):
    db = sqlite3.connect(state_dir / DB_NAME)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in db.execute("SELECT request_id FROM answered")}
    finally:
        db.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(4)
    acknowledged: set[str] = set()
    start = 0
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(start)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        seen = [int(child.stdout.readline()) for _ in range(rng.randint(1, 4))]
        time.sleep(rng.uniform(0.0, 0.2))  # somewhere inside a later turn
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        seen += [int(line) for line in out.split() if line.isdigit()]
        acknowledged |= {f"w:{n}" for n in seen}
        stored = _acknowledged(tmp_path)
        assert acknowledged <= stored, f"lost {sorted(acknowledged - stored)[:5]}"
        start = max(seen, default=start) + 1
    assert len(acknowledged) >= 8


@pytest.mark.slow
def test_two_processes_share_one_state_dir(tmp_path):
    children = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(base)], stdout=subprocess.PIPE,
                                 text=True) for base in (0, 100000)]
    seen = set()
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:  # both keep answering while the other writes
        seen |= {f"w:{int(child.stdout.readline())}" for _ in range(3)}
    for child in children:
        child.terminate()
        out, _ = child.communicate()
        seen |= {f"w:{line}" for line in out.split() if line.isdigit()}
    assert any(s.startswith("w:1000") for s in seen) and any(not s.startswith("w:1000") for s in seen)
    assert seen <= _acknowledged(tmp_path)
