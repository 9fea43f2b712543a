"""What one turn of the assistant returns: the wire format of ``say --json``, MQTT and serial replies."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from tinychat.domain.action import SlotValue


class ActionSummary(BaseModel):
    """The action a turn acted on (after follow-ups and carry-over filled its slots)."""

    intent: str
    slots: dict[str, SlotValue] = Field(default_factory=dict)


class Event(BaseModel):
    """Something that happened without being asked this turn: a timer or alarm firing, a reminder coming due."""

    kind: str  # "timer", "alarm", "reminder"
    id: int
    #: when it was due, ISO 8601 local time
    due: str
    #: what to tell the user, in the language the item was set in
    text: str
    lang: str
    #: True when it came due while the assistant was not running (reported after a restart)
    missed: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


class Turn(BaseModel):
    """One answer: the reply, its language, the actions taken, an open question, events that fired."""

    reply: str
    lang: str
    action: ActionSummary
    #: the actions after the first when the utterance named several things ("eggs and milk")
    more_actions: list[ActionSummary] = Field(default_factory=list)
    #: the question the assistant is waiting on ("What should I add?"), or None
    pending: str | None = None
    events: list[Event] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Responder(Protocol):
    """What a bridge needs of an assistant; ``tinychat.dialogue.Assistant`` is the real one.

    ``request_id`` makes a request idempotent: the same id answered before returns the stored
    turn again and changes nothing (a redelivered MQTT message, a retried serial frame).
    Calls may come from any thread; implementations serialise them.
    """

    def handle(self, text: str, *, lang: str | None = None, request_id: str | None = None) -> Turn: ...

    def poll_events(self) -> list[Event]:
        """Fire what has come due since the last call (each event is returned once, ever)."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """The state a panel shows (inventory, lists, timers, alarms, reminders), JSON-ready."""
        ...
