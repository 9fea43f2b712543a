"""The action grammar: a Lark grammar derived from the spec, which llguidance enforces
token by token, so the model can only write the domain's intents, each with its own slots,
and slot values that are words really in the utterance. Copied values are then normalised
and checked against their type and catalogue (``tinychat.domain.action``): a value that is
not one of the slot's kind is dropped, never passed on."""

from __future__ import annotations

import json

from tinychat.domain.spec import DomainSpec, Intent, Slot


class ActionGrammar:
    """The spec's part of the grammar is built once; each utterance only adds what may be copied."""

    def __init__(self, spec: DomainSpec) -> None:
        self._fixed = _fixed_rules(spec)

    def for_utterance(self, utterance: str) -> str:
        """Lark grammar text for actions about ``utterance`` (which must not be empty)."""
        span = json.dumps({"substring_chars": utterance}, ensure_ascii=False)
        return f"{self._fixed}SPAN: %regex {span}\n"


def action_grammar(spec: DomainSpec, utterance: str) -> str:
    """Lark grammar text for actions of ``spec`` about ``utterance`` (which must not be empty)."""
    return ActionGrammar(spec).for_utterance(utterance)


def _fixed_rules(spec: DomainSpec) -> str:
    lines = ["start: " + " | ".join(f"i_{intent.name}" for intent in spec.intents)]
    for intent in spec.intents:
        lines.append(f"i_{intent.name}: " + _intent_body(intent))
        for slot in intent.slots:
            lines.append(f"s_{intent.name}_{slot.name}: " + _slot_body(slot))
    lines.append('span: "[" SPAN "]"')
    return "\n".join(lines) + "\n"


def _intent_body(intent: Intent) -> str:
    return " ".join([json.dumps(intent.name)] + [f"s_{intent.name}_{slot.name}?" for slot in intent.slots])


def _slot_body(slot: Slot) -> str:
    """Every slot value is copied from the utterance; catalogue values are resolved after copying."""
    return f"{json.dumps(f' {slot.name}=')} span"
