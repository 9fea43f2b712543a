"""Asks in, replies out over a real mosquitto; bad messages answered on the error topic."""

from __future__ import annotations

import json

from tinychat.bridges.broker_url import parse_broker_url
from tinychat.bridges.mosquitto import Mosquitto
from tinychat.bridges.mqtt_bridge import MAX_PACKET_BYTES, BridgeSettings, MqttBridge
from tinychat.dialogue.turn import Event

T = "tinychat/fridge-1"


def test_ask_is_answered_with_the_turn_and_the_retained_state(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    w.publish(f"{T}/ask", {"id": "a1", "text": "two eggs", "lang": "en"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"))
    reply = w.on(f"{T}/reply")[0]
    assert reply["id"] == "a1"
    assert reply["reply"] == "noted two eggs"
    assert reply["lang"] == "en"
    assert reply["action"] == {"intent": "note", "slots": {"count": 1}}
    assert reply["pending"] is None and reply["events"] == []
    assert responder.applied["mqtt:a1"] == 1
    assert w.wait_for(lambda: {"items": ["two eggs"]} in w.on(f"{T}/state"))
    assert "online" in w.on(f"{T}/status")


def test_a_late_subscriber_sees_the_retained_status_and_state(responder, running_bridge, watcher):
    running_bridge(responder)
    first = watcher()
    first.publish(f"{T}/ask", {"id": 7, "text": "milk"})
    assert first.wait_for(lambda: {"items": ["milk"]} in first.on(f"{T}/state"))
    late = watcher([f"{T}/state", f"{T}/status"])
    assert late.wait_for(lambda: late.on(f"{T}/state") and late.on(f"{T}/status"))
    assert late.on(f"{T}/state")[-1] == {"items": ["milk"]}
    assert late.on(f"{T}/status")[-1] == "online"


def test_a_repeated_id_is_answered_again_but_applied_once(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    for _ in range(3):
        w.publish(f"{T}/ask", {"id": "same", "text": "butter"})
    assert w.wait_for(lambda: len(w.on(f"{T}/reply")) == 3)
    assert {r["reply"] for r in w.on(f"{T}/reply")} == {"noted butter"}
    assert responder.applied["mqtt:same"] == 1
    assert responder.items == ["butter"]


def test_due_events_are_published_with_a_state_change(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    responder.due_events.append(Event(kind="timer", id=3, due="2025-01-01T10:00:00", text="Your tea timer is done.",
                                      lang="en"))
    assert w.wait_for(lambda: any(e.get("kind") == "timer" for e in w.on(f"{T}/event")))
    event = next(e for e in w.on(f"{T}/event") if e.get("kind") == "timer")
    assert event["id"] == 3 and event["text"] == "Your tea timer is done." and event["missed"] is False
    w.publish(f"{T}/ask", {"id": "x", "text": "jam"})
    assert w.wait_for(lambda: {"kind": "state_changed", "keys": ["items"]} in w.on(f"{T}/event"))


BAD = [
    (b"not json at all", "not_json"),
    (b"\xff\xfe", "not_utf8"),
    (b"[1, 2]", "not_an_object"),
    (json.dumps({"text": "eggs"}).encode(), "missing_id"),
    (json.dumps({"id": "", "text": "eggs"}).encode(), "missing_id"),
    (json.dumps({"id": "b1"}).encode(), "missing_field"),
    (json.dumps({"id": "b2", "text": 5}).encode(), "wrong_type"),
    (json.dumps({"id": ["b3"], "text": "eggs"}).encode(), "wrong_type"),
    (json.dumps({"id": "b4", "text": "eggs", "lang": 1}).encode(), "wrong_type"),
    (json.dumps({"id": "b5", "text": "x" * 1_000_000}).encode(), "too_large"),
]


def test_malformed_asks_are_refused_on_the_error_topic_and_change_nothing(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    for payload, _ in BAD:
        w.publish(f"{T}/ask", payload)
    w.publish(f"{T}/ask", {"id": "good", "text": "cheese"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"))
    errors = w.on(f"{T}/error")
    assert [e["error"] for e in errors] == [code for _, code in BAD]
    assert all(e["topic"] == f"{T}/ask" and e["detail"] for e in errors)
    assert errors[-1]["bytes"] > 1_000_000 and errors[-1]["id"] is None
    assert errors[6]["id"] == "b2" and '"text" must be a string' in errors[6]["detail"]
    assert w.on(f"{T}/reply") == [w.on(f"{T}/reply")[0]] and w.on(f"{T}/reply")[0]["id"] == "good"
    assert responder.items == ["cheese"]


def test_a_turn_that_fails_is_reported_and_the_bridge_keeps_serving(responder, running_bridge, watcher):
    def handle(text, *, lang=None, request_id=None):
        if text == "boom":
            raise RuntimeError("the store is locked")
        return original(text, lang=lang, request_id=request_id)

    original, responder.handle = responder.handle, handle
    running_bridge(responder)
    w = watcher()
    w.publish(f"{T}/ask", {"id": "f1", "text": "boom"})
    w.publish(f"{T}/ask", {"id": "f2", "text": "yogurt"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"))
    assert w.on(f"{T}/error") == [{"error": "turn_failed", "detail": "RuntimeError: the store is locked",
                                   "id": "f1", "topic": f"{T}/ask",
                                   "bytes": len(json.dumps({"id": "f1", "text": "boom"}))}]
    assert w.on(f"{T}/reply")[0]["id"] == "f2"


def test_a_broker_on_a_unix_socket(responder, watcher, tmp_path):
    with Mosquitto(tmp_path / "unix-broker", unix_socket=True) as local:
        bridge = MqttBridge(responder, BridgeSettings(device="fridge-1",
                                                      broker=parse_broker_url(f"unix://{local.socket_path}")))
        bridge.start()
        try:
            assert bridge.wait_until_connected(10)
            w = watcher(url=local.url)
            w.publish(f"{T}/ask", {"id": "u", "text": "cream"})
            assert w.wait_for(lambda: w.on(f"{T}/reply"))
            assert w.on(f"{T}/reply")[0]["reply"] == "noted cream"
        finally:
            bridge.stop()


def test_payloads_over_the_packet_limit_never_reach_the_bridge(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    w.publish(f"{T}/ask", {"id": "huge", "text": "x" * (MAX_PACKET_BYTES + 1)})
    w.publish(f"{T}/ask", {"id": "next", "text": "figs"})
    assert w.wait_for(lambda: w.on(f"{T}/reply"))
    assert [r["id"] for r in w.on(f"{T}/reply")] == ["next"] and w.on(f"{T}/error") == []
