"""Accuracy of a parser on labelled utterances: our own JSONL sets and SLURP's.

A line carries ``text`` and either ``intent`` + ``slots`` (our sets, slots normalised) or
a SLURP ``label``, which ``SLURP_LABELS`` maps to the intents that count as right. A label
whose intents the domain lacks expects ``out_of_domain``: the lists file run against the
wearable domain is a test of refusal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tinychat.domain.action import OUT_OF_DOMAIN, SlotValue
from tinychat.runtime.parser import Parser

SLURP_LABELS: dict[str, set[str]] = {
    "list_add": {"list_add", "inventory_add"},
    "list_query": {"list_query", "inventory_query"},
    "list_remove": {"list_remove", "list_clear", "inventory_remove"},
    "cooking_question": {OUT_OF_DOMAIN},
    "alarm_set": {"alarm_set"},
    "alarm_query": {"alarm_query"},
    "alarm_cancel": {"alarm_cancel"},
    "reminder_set": {"reminder_set", "timer_set"},
    "reminder_query": {"reminder_query"},
    "reminder_cancel": {"reminder_cancel"},
    "timer_set": {"timer_set"},
    "time_date_query": {"time_query"},
    "time_convert": {OUT_OF_DOMAIN},
    "ood": {OUT_OF_DOMAIN},
}


@dataclass(frozen=True)
class LabelledUtterance:
    text: str
    label: str
    accepted: frozenset[str]
    slots: dict[str, SlotValue] | None


def read_labelled(path: Path, intents: Iterable[str]) -> list[LabelledUtterance]:
    """Read a JSONL file; raises ValueError naming the line that is not a labelled utterance."""
    known = set(intents)
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
            label = row.get("label") or row["intent"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(
                f"{path}:{number}: expected a JSON object with 'text' and 'intent' or 'label' ({err})"
            ) from None
        accepted = (SLURP_LABELS.get(label, {label}) if "label" in row else {label}) & known
        slots = row.get("slots") if "label" not in row else None
        items.append(LabelledUtterance(text, label, frozenset(accepted or {OUT_OF_DOMAIN}), slots))
    return items


@dataclass
class Report:
    total: int = 0
    intent_correct: int = 0
    per_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [correct, total]
    confusions: Counter = field(default_factory=Counter)
    slot_lines: int = 0
    slot_exact: int = 0
    slot_values: list[int] = field(default_factory=lambda: [0, 0])  # [correct, total]
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        in_domain = [v for k, v in self.per_label.items() if k not in _REFUSAL_LABELS]
        refusals = [v for k, v in self.per_label.items() if k in _REFUSAL_LABELS]
        return {
            "total": self.total,
            "intent_accuracy": _ratio(self.intent_correct, self.total),
            "in_domain_intent_accuracy": _ratio(sum(c for c, _ in in_domain), sum(t for _, t in in_domain)),
            "out_of_domain_rejected": _ratio(sum(c for c, _ in refusals), sum(t for _, t in refusals)),
            "per_intent": {k: {"accuracy": _ratio(c, t), "n": t} for k, (c, t) in sorted(self.per_label.items())},
            "confusions": [{"expected": e, "got": g, "n": n} for (e, g), n in self.confusions.most_common(12)],
            "slots_exact": _ratio(self.slot_exact, self.slot_lines),
            "slot_value_accuracy": _ratio(*self.slot_values),
            "slot_lines": self.slot_lines,
        }


_REFUSAL_LABELS = {OUT_OF_DOMAIN, "ood", "cooking_question", "time_convert"}


def _ratio(correct: int, total: int) -> float | None:
    return round(correct / total, 4) if total else None


def evaluate(parser: Parser, items: list[LabelledUtterance]) -> Report:
    report = Report()
    for item in items:
        action = parser.parse(item.text)
        label = item.label if item.accepted != {OUT_OF_DOMAIN} else (
            item.label if item.label in _REFUSAL_LABELS else OUT_OF_DOMAIN)
        ok = action.intent in item.accepted
        report.total += 1
        report.intent_correct += ok
        tally = report.per_label.setdefault(label, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            report.confusions[(label, action.intent)] += 1
        slots_ok = True
        if item.slots is not None and ok:
            report.slot_lines += 1
            slots_ok = action.slots == item.slots
            report.slot_exact += slots_ok
            for name in set(item.slots) | set(action.slots):
                report.slot_values[1] += 1
                report.slot_values[0] += item.slots.get(name) == action.slots.get(name)
        if not ok or not slots_ok:
            report.errors.append({"text": item.text, "expected": label, "expected_slots": item.slots,
                                  "got": action.intent, "slots": action.slots, "confidence": action.confidence})
    return report


def format_report(report: Report) -> str:
    data = report.as_dict()
    lines = [f"utterances: {data['total']}   intent accuracy: {_pct(data['intent_accuracy'])}"]
    lines.append(f"in-domain intent accuracy: {_pct(data['in_domain_intent_accuracy'])}   "
                 f"out-of-domain rejected: {_pct(data['out_of_domain_rejected'])}")
    if data["slot_lines"]:
        lines.append(f"slots exact (lines with the right intent): {_pct(data['slots_exact'])}   "
                     f"slot values: {_pct(data['slot_value_accuracy'])}")
    lines.append("per intent:")
    for name, row in data["per_intent"].items():
        lines.append(f"  {name:<20} {_pct(row['accuracy']):>7}  n={row['n']}")
    if data["confusions"]:
        lines.append("most frequent confusions (expected -> got):")
        for row in data["confusions"]:
            lines.append(f"  {row['expected']} -> {row['got']}: {row['n']}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
