"""The action grammar: a Lark grammar derived from the spec, which llguidance enforces
token by token, so the model can only write intents, slots and ids the domain declares,
and only copy words that are really in the utterance."""

from __future__ import annotations

import json

from tinychat.domain.spec import DomainSpec, Intent, Slot, SlotType


def action_grammar(spec: DomainSpec, utterance: str) -> str:
    """Lark grammar text for actions of ``spec`` about ``utterance`` (which must not be empty)."""
    lines = ["start: " + " | ".join(f"i_{intent.name}" for intent in spec.intents)]
    for intent in spec.intents:
        lines.append(f"i_{intent.name}: " + _intent_body(intent))
        for slot in intent.slots:
            lines.append(f"s_{intent.name}_{slot.name}: " + _slot_body(spec, slot))
    for name, catalogue in spec.catalogues.items():
        lines.append(f"c_{name}: " + " | ".join(json.dumps(e.id) for e in catalogue.entities))
    lines.append('span: "[" SPAN "]"')
    lines.append("SPAN: %regex " + json.dumps({"substring_chars": utterance}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _intent_body(intent: Intent) -> str:
    return " ".join([json.dumps(intent.name)] + [f"s_{intent.name}_{slot.name}?" for slot in intent.slots])


def _slot_body(spec: DomainSpec, slot: Slot) -> str:
    head = json.dumps(f" {slot.name}=")
    if slot.type != SlotType.entity:
        return f"{head} span"
    assert slot.catalogue is not None
    value = f"c_{slot.catalogue}"
    if spec.is_open(slot):
        value = f"({value} | span)"
    return f"{head} {value}"
