"""Hermes NLU queries (Snips/Rhasspy) answered on the intent topics, parse-only."""

from __future__ import annotations

import pytest

from tinychat.bridges.hermes import NluQuery, answer_query
from tinychat.domain.action import Action
from tinychat.runtime.parser import Parser


@pytest.fixture(scope="module")
def fridge_parser() -> Parser:
    return Parser.load("fridge")


def test_a_query_is_answered_with_the_intent_and_changes_nothing(responder, running_bridge, watcher, fridge_parser):
    running_bridge(responder, parser=fridge_parser)
    w = watcher()
    w.publish("hermes/nlu/query", {"input": "add 3 apples to the fridge", "id": "q1", "siteId": "kitchen",
                                   "sessionId": "s1", "customData": "from the hall"})
    assert w.wait_for(lambda: w.on("hermes/intent/inventory_add") and w.on("hermes/nlu/intentParsed"))
    parsed = w.on("hermes/nlu/intentParsed")[0]
    assert parsed["input"] == "add 3 apples to the fridge"
    assert (parsed["id"], parsed["siteId"], parsed["sessionId"]) == ("q1", "kitchen", "s1")
    assert parsed["intent"]["intentName"] == "inventory_add" and 0.5 < parsed["intent"]["confidenceScore"] <= 1
    slots = {s["slotName"]: s for s in parsed["slots"]}
    assert slots["quantity"] == {"entity": "quantity", "slotName": "quantity", "rawValue": "3",
                                 "value": {"kind": "Number", "value": 3}}
    assert slots["item"]["value"] == {"kind": "Custom", "value": "apple"}
    intent = w.on("hermes/intent/inventory_add")[0]
    assert {k: intent[k] for k in parsed} == parsed and intent["customData"] == "from the hall"
    assert responder.items == [] and responder.applied == {}
    assert not w.on("tinychat/fridge-1/reply")


def test_out_of_domain_and_filtered_queries_are_not_recognized(responder, running_bridge, watcher, fridge_parser):
    running_bridge(responder, parser=fridge_parser)
    w = watcher()
    w.publish("hermes/nlu/query", {"input": "what is the weather in paris", "id": "q2", "sessionId": "s2"})
    w.publish("hermes/nlu/query", {"input": "add 3 apples to the fridge", "id": "q3",
                                   "intentFilter": ["list_add"]})
    assert w.wait_for(lambda: len(w.on("hermes/nlu/intentNotRecognized")) == 2)
    first, second = w.on("hermes/nlu/intentNotRecognized")
    assert first == {"input": "what is the weather in paris", "id": "q2", "siteId": "default", "sessionId": "s2",
                     "customData": None}
    assert second["id"] == "q3"
    assert not w.on("hermes/nlu/intentParsed")


def test_a_malformed_query_is_reported_on_the_hermes_error_topic(responder, running_bridge, watcher, fridge_parser):
    running_bridge(responder, parser=fridge_parser)
    w = watcher()
    w.publish("hermes/nlu/query", {"id": "q4", "siteId": "hall"})
    w.publish("hermes/nlu/query", b"{broken")
    w.publish("hermes/nlu/query", {"input": "remove the butter", "id": "q5"})
    assert w.wait_for(lambda: w.on("hermes/intent/list_remove"))
    missing, broken = w.on("hermes/error/nlu")
    assert missing["context"] == "hermes/nlu/query" and missing["siteId"] == "hall"
    assert missing["error"].startswith('missing_field: "input"')
    assert broken["error"].startswith("not_json")


def test_only_the_configured_sites_are_answered(responder, running_bridge, watcher, fridge_parser):
    running_bridge(responder, parser=fridge_parser, hermes_sites=frozenset({"kitchen"}))
    w = watcher()
    w.publish("hermes/nlu/query", {"input": "remove the butter", "id": "elsewhere", "siteId": "garage"})
    w.publish("hermes/nlu/query", {"input": "remove the butter", "id": "here", "siteId": "kitchen"})
    assert w.wait_for(lambda: w.on("hermes/nlu/intentParsed"))
    assert [p["id"] for p in w.on("hermes/nlu/intentParsed")] == ["here"]


def test_without_a_parser_the_bridge_does_not_listen_to_hermes(responder, running_bridge, watcher):
    running_bridge(responder)
    w = watcher()
    w.publish("hermes/nlu/query", {"input": "remove the butter", "id": "ignored"})
    w.publish("tinychat/fridge-1/ask", {"id": "after", "text": "jam"})
    assert w.wait_for(lambda: w.on("tinychat/fridge-1/reply"))
    assert [t for t, *_ in w.received if t.startswith("hermes/") and t != "hermes/nlu/query"] == []


def test_durations_are_snips_duration_values():
    spec = Parser.load("wearable").spec
    query = NluQuery.model_validate({"input": "set a timer for an hour and a half"})
    action = Action(text=query.input, intent="timer_set", slots={"duration_s": 5400}, confidence=0.97)
    (_, parsed), (topic, _) = answer_query(query, action, spec)
    assert topic == "hermes/intent/timer_set"
    assert parsed["slots"] == [{
        "entity": "duration", "slotName": "duration_s", "rawValue": "5400",
        "value": {"kind": "Duration", "years": 0, "quarters": 0, "months": 0, "weeks": 0, "days": 0, "hours": 1,
                  "minutes": 30, "seconds": 0, "precision": "Exact"}}]
