"""The action grammar: a Lark grammar derived from the spec, which llguidance enforces
token by token, so the model can only write the domain's intents, each with its own slots,
and slot values that are words really in the utterance. Copied values are then normalised
and checked against their type and catalogue (``tinychat.domain.action``): a value that is
not one of the slot's kind is dropped, never passed on."""

from __future__ import annotations

import json
from itertools import permutations

from tinychat.domain.spec import DomainSpec, Intent, Slot


class ActionGrammar:
    """The spec's part of the grammar is built once; each utterance only adds what may be copied."""

    def __init__(self, spec: DomainSpec) -> None:
        self._fixed = _fixed_rules(spec)

    def for_utterance(self, utterance: str) -> str:
        """Lark grammar text for actions about ``utterance`` (which must not be empty)."""
        span = json.dumps({"substring_chars": utterance}, ensure_ascii=False)
        return f"{self._fixed}SPAN: %regex {span}\n"


def _fixed_rules(spec: DomainSpec) -> str:
    lines = ["start: " + " | ".join(f"i_{intent.name}" for intent in spec.intents)]
    for intent in spec.intents:
        lines.append(f"i_{intent.name}: " + _intent_body(intent))
        for slot in intent.slots:
            lines.append(f"s_{intent.name}_{slot.name}: " + _slot_body(slot))
    lines.append('span: "[" SPAN "]"')
    return "\n".join(lines) + "\n"


#: intents with more slots than this list them in declaration order (the permutations would explode)
MAX_FREE_ORDER_SLOTS = 4


def _intent_body(intent: Intent) -> str:
    """The intent's name, then each of its slots at most once, in the order they were said."""
    name = json.dumps(intent.name)
    rules = [f"s_{intent.name}_{slot.name}" for slot in intent.slots]
    if len(rules) > MAX_FREE_ORDER_SLOTS:
        return " ".join([name] + [f"{rule}?" for rule in rules])
    orders = [" ".join(order) for size in range(len(rules), 0, -1) for order in permutations(rules, size)]
    return f"{name} ({' | '.join(orders)})?" if orders else name


def _slot_body(slot: Slot) -> str:
    """Every slot value is copied from the utterance; catalogue values are resolved after copying."""
    return f"{json.dumps(f' {slot.name}=')} span"
