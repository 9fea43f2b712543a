"""Actions: what an utterance means, in two forms.

The *target* is the compact string the model is trained to emit, e.g.
``inventory_add item=[eggs] quantity=[a dozen]``: every slot carries the words copied from
the utterance in brackets. ``resolve_action`` turns a
target into an ``Action`` whose slot values are normalised (``quantity=12``), checking each
against the spec, so nothing outside the domain's vocabulary ever leaves the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from tinychat.domain import normalise
from tinychat.domain.entities import resolve_entity
from tinychat.domain.spec import DomainSpec, Slot, SlotType

SlotValue = int | str
OUT_OF_DOMAIN = "out_of_domain"


class Action(BaseModel):
    """A normalised action, the parser's answer for one utterance."""

    text: str = ""
    intent: str
    slots: dict[str, SlotValue] = Field(default_factory=dict)
    confidence: float = 1.0


@dataclass(frozen=True)
class Span:
    """Words copied from the utterance, to be normalised by the slot's type."""

    text: str




class TargetError(ValueError):
    """A target string does not follow the action syntax."""


def format_target(intent: str, slots: dict[str, Span]) -> str:
    """The compact string for ``intent`` and copied slot values, in the given slot order."""
    return " ".join([intent] + [f"{name}=[{value.text}]" for name, value in slots.items()])


_SLOT = re.compile(r" ([a-z][a-z0-9_]*)=\[([^\]]*)\]")
_INTENT = re.compile(r"^[a-z][a-z0-9_]*")


def parse_target(target: str) -> tuple[str, dict[str, Span]]:
    """Split a compact target back into its intent and raw slot values."""
    head = _INTENT.match(target)
    if head is None:
        raise TargetError(f"target {target!r} does not start with an intent name")
    slots: dict[str, Span] = {}
    position = head.end()
    for match in _SLOT.finditer(target, position):
        if match.start() != position:
            break
        name, span = match.groups()
        slots[name] = Span(span)
        position = match.end()
    if position != len(target):
        raise TargetError(f"target {target!r} has unreadable text at {target[position:]!r}")
    return head.group(), slots


def resolve_action(spec: DomainSpec, target: str, text: str = "", confidence: float = 1.0) -> Action:
    """Normalise a target's slots against ``spec``; values that don't normalise are dropped."""
    intent_name, raw_slots = parse_target(target)
    if intent_name not in spec.intent_names:
        return Action(text=text, intent=OUT_OF_DOMAIN, confidence=confidence)
    intent = spec.intent(intent_name)
    slots: dict[str, SlotValue] = {}
    for name, raw in raw_slots.items():
        try:
            slot = intent.slot(name)
        except KeyError:
            continue
        value = normalise_slot(spec, slot, raw)
        if value is not None:
            slots[name] = value
    return Action(text=text, intent=intent_name, slots=slots, confidence=confidence)


def normalise_slot(spec: DomainSpec, slot: Slot, raw: Span) -> SlotValue | None:
    """One slot's normalised value, or None when the copied words are not one of its kind."""
    if slot.type == SlotType.entity:
        assert slot.catalogue is not None
        catalogue = spec.catalogues[slot.catalogue]
        return resolve_entity(catalogue, raw.text) or (
            normalise.parse_text(raw.text) if spec.is_open(slot) and raw.text.strip() else None
        )
    parsers = {
        SlotType.quantity: normalise.parse_quantity,
        SlotType.duration: normalise.parse_duration,
        SlotType.time: normalise.parse_time,
        SlotType.date: normalise.parse_date,
        SlotType.text: normalise.parse_text,
    }
    if slot.type == SlotType.text and slot.name in spec.text_values:
        value: SlotValue | None = spec.text_values[slot.name].canonical(raw.text)
    else:
        value = parsers[slot.type](raw.text)
    return value if value != "" else None
