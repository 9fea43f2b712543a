"""The JSON on tinychat's MQTT topics: what an ask must look like, and how a bad one is named."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinychat.dialogue.turn import Turn

#: asks and Hermes queries larger than this are refused unread
MAX_PAYLOAD_BYTES = 64 * 1024
TOPIC_ROOT = "tinychat"


@dataclass(frozen=True)
class DeviceTopics:
    """The topics of one device, ``tinychat/<device>/...``."""

    ask: str
    reply: str
    event: str
    state: str
    status: str
    error: str

    @classmethod
    def for_device(cls, device: str) -> DeviceTopics:
        if not device or any(ch in device for ch in "/+#\0") or len(device) > 64:
            raise ValueError(f"device id {device!r}: expected 1-64 characters without '/', '+', '#'")
        root = f"{TOPIC_ROOT}/{device}"
        return cls(*(f"{root}/{leaf}" for leaf in ("ask", "reply", "event", "state", "status", "error")))


class Ask(BaseModel):
    """``tinychat/<device>/ask``: what the user said. ``id`` makes a redelivered ask harmless."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str | int = Field(union_mode="left_to_right")
    text: str
    lang: str | None = None


class BadMessage(ValueError):
    """A payload that cannot be served; ``code`` is stable for programs, ``detail`` is for people."""

    def __init__(self, code: str, detail: str, message_id: Any = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.message_id = message_id


def read_json_object(payload: bytes, max_bytes: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """The payload as a JSON object, or ``BadMessage`` naming what is wrong (checked before reading it all)."""
    if len(payload) > max_bytes:
        raise BadMessage("too_large", f"payload is {len(payload)} bytes; the limit is {max_bytes}")
    try:
        value = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise BadMessage("not_utf8", f"payload is not UTF-8 ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise BadMessage("not_json", f"payload is not JSON ({err.msg} at line {err.lineno} column {err.colno})") \
            from None
    if not isinstance(value, dict):
        raise BadMessage("not_an_object", f"expected a JSON object, got {type(value).__name__}")
    return value


def read_ask(payload: bytes) -> Ask:
    """Validate an ask; the error names the field and what it should be."""
    fields = read_json_object(payload)
    message_id = fields.get("id") if isinstance(fields.get("id"), str | int) else None
    if "id" not in fields or fields["id"] is None or fields["id"] == "":
        raise BadMessage("missing_id", 'every ask needs an "id" (a string or an integer) so that it is answered once')
    try:
        return Ask.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"][:1])
        code = "missing_field" if first["type"] == "missing" else "wrong_type"
        expected = {"id": "a string or an integer", "text": "a string", "lang": "a language code string"}
        got = type(fields[field]).__name__ if field in fields else "nothing"
        raise BadMessage(code, f'"{field}" must be {expected.get(field, "valid")}, got {got}', message_id) from None


def reply_payload(message_id: str | int, turn: Turn) -> dict[str, Any]:
    return {"id": message_id, **turn.to_json()}


def error_payload(bad: BadMessage, topic: str, size: int) -> dict[str, Any]:
    return {"error": bad.code, "detail": bad.detail, "id": bad.message_id, "topic": topic, "bytes": size}
