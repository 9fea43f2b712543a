"""A 1,000-ask burst answered completely and in order; a broker restart in the middle loses nothing
the bridge acknowledged and applies nothing twice."""

from __future__ import annotations

import statistics
import time

T = "tinychat/fridge-1"
BURST = 1000


def _first_replies(watcher) -> dict[str, float]:
    """ask id → when its first reply arrived."""
    with watcher.changed:
        firsts: dict[str, float] = {}
        for topic, body, _, at in watcher.received:
            if topic == f"{T}/reply":
                firsts.setdefault(body["id"], at)
        return firsts


def test_a_burst_of_asks_is_answered_completely_and_in_order(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher([f"{T}/reply", f"{T}/error", f"{T}/state"])
    sent: dict[str, float] = {}
    start = time.monotonic()
    for n in range(BURST):
        sent[f"b{n}"] = time.monotonic()
        w.publish(f"{T}/ask", {"id": f"b{n}", "text": f"item {n}"})
    assert w.wait_for(lambda: len(w.on(f"{T}/reply")) >= BURST, timeout=60)
    elapsed = time.monotonic() - start

    replies = w.on(f"{T}/reply")
    assert [r["id"] for r in replies] == [f"b{n}" for n in range(BURST)], "replies out of order or duplicated"
    assert [r["reply"] for r in replies] == [f"noted item {n}" for n in range(BURST)]
    assert w.on(f"{T}/error") == []
    assert responder.items == [f"item {n}" for n in range(BURST)]

    assert any(0 < len(state["items"]) < BURST for state in w.on(f"{T}/state")), \
        "the state snapshot was held back until the burst ended"

    firsts = _first_replies(w)
    latencies = sorted(firsts[i] - sent[i] for i in sent)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(f"\nMQTT burst: {BURST} asks in {elapsed:.2f} s = {BURST / elapsed:.0f} asks/s; "
          f"latency median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert elapsed < 20


def test_asks_survive_a_broker_restart_in_the_middle_of_a_burst(broker, responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher([f"{T}/reply"], client_id="reliability-sender")
    for n in range(BURST):
        w.publish(f"{T}/ask", {"id": f"r{n}", "text": f"item {n}"})
    assert w.wait_for(lambda: len(w.on(f"{T}/reply")) >= BURST // 4, timeout=30)
    answered_before = len(_first_replies(w))
    broker.restart()

    assert w.wait_for(lambda: len(_first_replies(w)) == BURST, timeout=60), \
        f"answered {len(_first_replies(w))} of {BURST} after the restart"
    assert answered_before < BURST, "the restart came too late to test anything"
    assert set(responder.applied) == {f"mqtt:r{n}" for n in range(BURST)}
    assert max(responder.applied.values()) == 1, "an ask was applied twice"
    assert sorted(responder.items, key=lambda text: int(text.split()[1])) == responder.items
    first_order = list(_first_replies(w))
    assert first_order == sorted(first_order, key=lambda i: int(i[1:])), "first answers out of order"
    print(f"\nbroker restart after {answered_before} answers: all {BURST} answered, none applied twice, "
          f"{len(w.on(f'{T}/reply')) - BURST} repeated replies")


def test_one_ask_at_a_time_round_trip_latency(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher([f"{T}/reply"])
    latencies = []
    for n in range(200):
        start = time.monotonic()
        w.publish(f"{T}/ask", {"id": f"s{n}", "text": f"item {n}"})
        assert w.wait_for(lambda n=n: len(w.on(f"{T}/reply")) > n)
        latencies.append(time.monotonic() - start)
    latencies.sort()
    print(f"\nMQTT one at a time: median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies)) - 1] * 1000:.1f} ms per ask → reply")
    assert [r["id"] for r in w.on(f"{T}/reply")] == [f"s{n}" for n in range(200)]
    assert statistics.median(latencies) < 0.02, "small writes held back (TCP_NODELAY lost?)"
