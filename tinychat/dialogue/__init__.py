"""The assistant an end user talks to: dialogue, durable state, replies in the user's language."""

from tinychat.dialogue.assistant import ActionRefused, Assistant, default_state_dir
from tinychat.dialogue.clock import Clock, ManualClock, SystemClock
from tinychat.dialogue.store import StateError
from tinychat.dialogue.turn import ActionSummary, Event, Responder, Turn

__all__ = ["ActionRefused", "ActionSummary", "Assistant", "Clock", "Event", "ManualClock", "Responder",
           "StateError", "SystemClock", "Turn", "default_state_dir"]
