"""The Hermes protocol of Snips and Rhasspy: an NLU query in, the intent it names out, no state changed.

A skill written for Rhasspy listens on ``hermes/intent/<intentName>``; tinychat answers
``hermes/nlu/query`` with that, ``hermes/nlu/intentParsed``, or ``hermes/nlu/intentNotRecognized``,
in the shapes those projects publish. Slot values are tinychat's normalised values, so ``rawValue``
is that value as text (the parser keeps no copy of the words said) and ``range`` is left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinychat.bridges.mqtt_messages import BadMessage, read_json_object
from tinychat.domain.action import OUT_OF_DOMAIN, Action
from tinychat.domain.spec import DomainSpec, SlotType

QUERY_TOPIC = "hermes/nlu/query"
PARSED_TOPIC = "hermes/nlu/intentParsed"
NOT_RECOGNIZED_TOPIC = "hermes/nlu/intentNotRecognized"
ERROR_TOPIC = "hermes/error/nlu"


def intent_topic(intent_name: str) -> str:
    return f"hermes/intent/{intent_name}"


class NluQuery(BaseModel):
    """``hermes/nlu/query``: text to understand, and the ids to echo back."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)

    input: str
    id: str | None = None
    site_id: str = Field(default="default", alias="siteId")
    session_id: str | None = Field(default=None, alias="sessionId")
    intent_filter: list[str] | None = Field(default=None, alias="intentFilter")
    custom_data: str | None = Field(default=None, alias="customData")


def read_query(payload: bytes) -> NluQuery:
    fields = read_json_object(payload)
    try:
        return NluQuery.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise BadMessage("wrong_type" if first["type"] != "missing" else "missing_field",
                         f'"{field}": {first["msg"]}') from None


def answer_query(query: NluQuery, action: Action, spec: DomainSpec) -> list[tuple[str, dict[str, Any]]]:
    """The (topic, payload) pairs that answer a query whose text parsed to ``action``."""
    ids = {"id": query.id, "siteId": query.site_id, "sessionId": query.session_id}
    recognised = action.intent != OUT_OF_DOMAIN and (
        query.intent_filter is None or action.intent in query.intent_filter)
    if not recognised:
        return [(NOT_RECOGNIZED_TOPIC, {"input": query.input, **ids, "customData": query.custom_data})]
    parsed = {
        "input": query.input,
        **ids,
        "intent": {"intentName": action.intent, "confidenceScore": action.confidence},
        "slots": [hermes_slot(spec, action.intent, name, value) for name, value in action.slots.items()],
    }
    return [(PARSED_TOPIC, parsed), (intent_topic(action.intent), {**parsed, "customData": query.custom_data})]


def hermes_slot(spec: DomainSpec, intent_name: str, slot_name: str, value: int | str) -> dict[str, Any]:
    """One slot in Snips' shape: numbers as ``Number``, durations as ``Duration``, the rest ``Custom``."""
    slot = spec.intent(intent_name).slot(slot_name)
    if slot.type == SlotType.quantity and isinstance(value, int):
        typed: dict[str, Any] = {"kind": "Number", "value": value}
    elif slot.type == SlotType.duration and isinstance(value, int):
        typed = duration_value(value)
    else:
        typed = {"kind": "Custom", "value": value}
    return {"entity": slot.catalogue or slot.type.value, "slotName": slot_name, "rawValue": str(value),
            "value": typed}


def duration_value(seconds: int) -> dict[str, Any]:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    return {"kind": "Duration", "years": 0, "quarters": 0, "months": 0, "weeks": 0, "days": days, "hours": hours,
            "minutes": minutes, "seconds": rest, "precision": "Exact"}


def error_payload(bad: BadMessage, payload: bytes) -> dict[str, Any]:
    """``hermes/error/nlu``: what was wrong with a query (its ids when they could be read)."""
    try:
        fields = read_json_object(payload)
    except BadMessage:
        fields = {}
    return {"error": f"{bad.code}: {bad.detail}", "context": QUERY_TOPIC,
            "siteId": fields.get("siteId", "default"), "sessionId": fields.get("sessionId")}
