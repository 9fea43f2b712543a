"""The bridge in front of the real fridge assistant: answers, durable state, nothing applied twice."""

from __future__ import annotations

import statistics
import time

import pytest

from tinychat.dialogue import Assistant

T = "tinychat/fridge-1"


@pytest.fixture
def fridge(tmp_path):
    with Assistant.load("fridge", state_dir=tmp_path / "state") as assistant:
        yield assistant


def _apples(state: dict) -> int:
    return sum(row["quantity"] or 0 for row in state.get("inventory", []) if row["item"] == "apple")


def test_the_fridge_answers_over_mqtt(fridge, running_bridge, watcher):
    running_bridge(fridge)
    w = watcher()
    w.publish(f"{T}/ask", {"id": "a", "text": "add 3 apples to the fridge"})
    w.publish(f"{T}/ask", {"id": "b", "text": "put milk on the shopping list", "lang": "en"})
    assert w.wait_for(lambda: len(w.on(f"{T}/reply")) == 2, timeout=30)
    first, second = w.on(f"{T}/reply")
    assert first["id"] == "a" and first["lang"] == "en" and "apple" in first["reply"]
    assert first["action"] == {"intent": "inventory_add", "slots": {"item": "apple", "quantity": 3}}
    assert second["action"]["intent"] == "list_add"
    assert w.wait_for(lambda: any(s.get("lists", {}).get("shopping") for s in w.on(f"{T}/state")), timeout=10)
    state = w.on(f"{T}/state")[-1]
    assert state == fridge.snapshot() and _apples(state) == 3


def test_malformed_asks_leave_the_fridge_unchanged(fridge, running_bridge, watcher):
    fridge.handle("add 3 apples to the fridge", request_id="setup")
    before = fridge.snapshot()
    running_bridge(fridge)
    w = watcher()
    for payload in (b"{", b'{"text": "add 3 apples to the fridge"}', b'{"id": 1, "text": ["add apples"]}',
                    b'{"id": 2, "text": "add 3 apples to the fridge", "lang": "fr"}',
                    b'{"id": 3, "text": "' + b"a" * 1_000_000 + b'"}'):
        w.publish(f"{T}/ask", payload)
    w.publish(f"{T}/ask", {"id": "q", "text": "what is in the fridge"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"), timeout=30)
    assert [e["error"] for e in w.on(f"{T}/error")] == ["not_json", "missing_id", "wrong_type", "turn_failed",
                                                        "too_large"]
    assert "'fr'" in w.on(f"{T}/error")[3]["detail"]
    assert [r["id"] for r in w.on(f"{T}/reply")] == ["q"]
    assert fridge.snapshot() == before


@pytest.mark.slow
@pytest.mark.parametrize("restart_broker", [False, True], ids=["steady", "broker-restart"])
def test_a_burst_to_the_fridge_is_applied_exactly_once(fridge, broker, running_bridge, watcher, restart_broker):
    count = 50
    running_bridge(fridge)
    w = watcher([f"{T}/reply", f"{T}/error"], client_id=f"fridge-sender-{restart_broker}")
    sent: dict[str, float] = {}
    start = time.monotonic()
    for n in range(count):
        sent[f"n{n}"] = time.monotonic()
        w.publish(f"{T}/ask", {"id": f"n{n}", "text": "add 1 apple to the fridge"})
    if restart_broker:
        assert w.wait_for(lambda: len(w.on(f"{T}/reply")) >= count // 4, timeout=60)
        broker.restart()
    assert w.wait_for(lambda: {r["id"] for r in w.on(f"{T}/reply")} == set(sent), timeout=120)
    elapsed = time.monotonic() - start
    assert w.on(f"{T}/error") == []
    assert _apples(fridge.snapshot()) == count, "an ask was lost or applied twice"
    with w.changed:
        firsts: dict[str, float] = {}
        for topic, body, _, at in w.received:
            if topic == f"{T}/reply":
                firsts.setdefault(body["id"], at)
    if not restart_broker:  # across a restart the broker may hand over a held reply after a newer one
        assert list(firsts) == list(sent), f"first answers out of order: {list(firsts)}"
    latencies = sorted(firsts[i] - sent[i] for i in sent)
    print(f"\nfridge burst ({'broker restarted' if restart_broker else 'steady'}): {count} asks in {elapsed:.1f} s "
          f"= {count / elapsed:.1f} asks/s; median {statistics.median(latencies):.2f} s, "
          f"p95 {latencies[int(0.95 * count) - 1]:.2f} s")
