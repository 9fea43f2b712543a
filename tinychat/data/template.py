"""Template expansion: "(please |)add {item} to (my|the) list" → one random phrasing.

Expansion yields segments, literal text and slot placeholders, so the synthesiser knows
where each slot value sits in the sentence and can label the words it copied.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tinychat.domain.hangul import final_consonant
from tinychat.domain.quoted_command import quote


@dataclass(frozen=True)
class Placeholder:
    """``{slot}``, ``{slot|을}`` or ``{slot:phrases}``: a slot value, maybe followed by a Korean particle,
    drawn from the slot's own phrase list or from the one named after the colon ("{task:event}" says
    a reminder's task as an event, "the meeting", where "to {task}" says a deed, "call mom")."""

    slot: str
    particle: str = ""
    phrases: str = ""


@dataclass(frozen=True)
class Filled:
    """A slot value already rendered: noise leaves its words alone so its span stays findable."""

    text: str


Segment = str | Placeholder | Filled
_Node = list["_Node | str | Placeholder"]


class TemplateError(ValueError):
    """A template's syntax is broken; the message quotes it."""


@dataclass(frozen=True)
class _Choice:
    options: list[_Node]


def parse_template(template: str) -> _Node:
    """Parse once; expand many times with ``expand``."""
    node, end = _parse_sequence(template, 0, top=True)
    if end != len(template):
        raise TemplateError(f"unbalanced ')' in template {template!r}")
    return node


def _parse_sequence(text: str, pos: int, top: bool) -> tuple[_Node, int]:
    node: list = []
    literal = ""
    while pos < len(text):
        ch = text[pos]
        if ch == "(":
            if literal:
                node.append(literal)
                literal = ""
            choice, pos = _parse_choice(text, pos + 1)
            node.append(choice)
            continue
        if ch in "|)" and not top:
            break
        if ch == ")":
            break
        if ch == "{":
            close = text.find("}", pos)
            if close < 0:
                raise TemplateError(f"unclosed '{{' in template {text!r}")
            if literal:
                node.append(literal)
                literal = ""
            slot, _, particle = text[pos + 1 : close].partition("|")
            slot, _, phrases = slot.partition(":")
            node.append(Placeholder(slot.strip(), particle.strip(), phrases.strip()))
            pos = close + 1
            continue
        literal += ch
        pos += 1
    if literal:
        node.append(literal)
    return node, pos


def _parse_choice(text: str, pos: int) -> tuple[_Choice, int]:
    options = []
    while True:
        option, pos = _parse_sequence(text, pos, top=False)
        options.append(option)
        if pos >= len(text):
            raise TemplateError(f"unclosed '(' in template {text!r}")
        if text[pos] == ")":
            return _Choice(options), pos + 1
        pos += 1  # skip '|'


def expand(node: _Node, rng: random.Random) -> list[Segment]:
    """One random phrasing, adjacent literals merged."""
    out: list[Segment] = []
    _expand_into(node, rng, out)
    merged: list[Segment] = []
    for segment in out:
        if isinstance(segment, str) and merged and isinstance(merged[-1], str):
            merged[-1] += segment
        else:
            merged.append(segment)
    return merged


def _expand_into(node: _Node, rng: random.Random, out: list[Segment]) -> None:
    for item in node:
        if isinstance(item, _Choice):
            _expand_into(rng.choice(item.options), rng, out)
        elif isinstance(item, list):
            _expand_into(item, rng, out)
        else:
            out.append(item)


def placeholders(node: _Node) -> set[str]:
    """Every slot name the template can produce."""
    names: set[str] = set()
    for item in node:
        if isinstance(item, Placeholder):
            names.add(item.slot)
        elif isinstance(item, _Choice):
            for option in item.options:
                names |= placeholders(option)
        elif isinstance(item, list):
            names |= placeholders(item)
    return names


_PARTICLE_PAIRS = [("을", "를"), ("이", "가"), ("은", "는"), ("과", "와"), ("으로", "로"), ("아", "야"), ("이랑", "랑"),
                   ("이에요", "예요")]


#: "{task|으라고}": the value said as a quoted command ("약 먹기" → "약 먹으라고"); the ending fuses
#: with the value, so the slot's span is the whole said form
QUOTED_COMMAND = "으라고"


def attach_particle(word: str, particle: str) -> str:
    """``word`` + the form of a Korean particle that fits its last sound (우유를, 계란을)."""
    if not particle:
        return word
    if particle == QUOTED_COMMAND:
        return quote(word)
    for after_consonant, after_vowel in _PARTICLE_PAIRS:
        if particle in (after_consonant, after_vowel):
            final = final_consonant(word)
            if after_consonant == "으로" and final == "ㄹ":
                return word + "로"
            return word + (after_consonant if final else after_vowel)
    return word + particle
