"""One utterance that names several things: "I bought a dozen eggs and two bottles of milk".

The model writes one action per utterance, so it would mix the two into one ("12 bottles of
milk"). Such an utterance is split at its "and"s into one sentence per thing, each keeping the
words around the things (the verb, the list): "i bought a dozen eggs", "i bought two bottles of
milk". The split stands only when every sentence reads as the same request as the whole, each
about a different thing; anything else stays one utterance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from tinychat.domain.action import OUT_OF_DOMAIN, Action
from tinychat.domain.spec import DomainSpec, Intent, SlotType
from tinychat.domain.utterance import normalise_utterance
from tinychat.runtime.parser import Parser

#: where one thing ends and the next begins, in a normalised utterance
_JOINS = {
    "en": re.compile(r" (?:and also|and then|and|plus|as well as) "),
    "ko": re.compile(r"(?<=\S)(?:이랑|랑|하고) | 그리고 (?:또 )?"),
}
#: a comma between words, not inside a number ("1,000")
_LIST_COMMA = re.compile(r"(?<!\d),(?!\d)")


def split_things(parser: Parser, text: str, whole: Action) -> list[Action] | None:
    """One action per thing ``text`` names (``whole`` is its parse as one utterance), or None.

    A comma counts as a join ("bread, butter and jam") where the split works with it; elsewhere the
    utterance is cut at its words alone ("ok, add eggs and milk").
    """
    if whole.intent == OUT_OF_DOMAIN:
        return None
    thing = _thing_slots(parser.spec.intent(whole.intent))
    if not thing:
        return None
    read = cache(parser.read)  # a sentence whose spans were read is not decoded again to act on it
    tries = [normalise_utterance(_LIST_COMMA.sub(" and ", text)), normalise_utterance(text)]
    for utterance in dict.fromkeys(tries):
        parts = split_at_joins(utterance, parser.spec)
        sentences = _sentences(read, parts, thing) if len(parts) > 1 else None
        if sentences is None:
            continue
        actions = [read(sentence)[0] for sentence in sentences]
        things = [action.slots.get(thing[0]) for action in actions]
        if all(a.intent == whole.intent for a in actions) and None not in things and len(set(things)) == len(things):
            return actions
    return None


def _thing_slots(intent: Intent) -> list[str]:
    """The slots that describe one thing: its catalogue slot first, then its count and unit."""
    entities = [slot.name for slot in intent.slots if slot.type == SlotType.entity and slot.catalogue]
    counts = [slot.name for slot in intent.slots if slot.type == SlotType.quantity]
    return entities[:1] + counts + entities[1:] if entities else []


def split_at_joins(utterance: str, spec: DomainSpec) -> list[str]:
    """A normalised utterance cut at its "and"s ("eggs and milk" → "eggs", "milk"), except inside
    names that contain one ("mac and cheese", "플랑"); [] if a part is empty."""
    for pattern in _JOINS.values():
        cuts = list(pattern.finditer(utterance))
        if not cuts:
            continue
        inside = [range(m.start(), m.end()) for name in _names_with_joins(spec)
                  for m in re.finditer(rf"(?<!\S){re.escape(name)}(?!\S)", utterance)]
        cuts = [m for m in cuts if not any(m.start() in r for r in inside)]
        if cuts:
            bounds = [0, *(i for m in cuts for i in (m.start(), m.end())), len(utterance)]
            parts = [utterance[a:b].strip() for a, b in zip(bounds[::2], bounds[1::2], strict=True)]
            return parts if all(parts) else []
    return [utterance]


_NAMES_WITH_JOINS: dict[int, tuple[DomainSpec, list[str]]] = {}


def _names_with_joins(spec: DomainSpec) -> list[str]:
    """Catalogue names that contain a join word, so an utterance is never cut inside one (once per spec)."""
    cached = _NAMES_WITH_JOINS.get(id(spec))
    if cached is None or cached[0] is not spec:
        names = {name for catalogue in spec.catalogues.values() for name in catalogue.names()}
        cached = (spec, sorted(name for name in names if any(p.search(f" {name} ") for p in _JOINS.values())))
        _NAMES_WITH_JOINS[id(spec)] = cached
    return cached[1]


#: a parser's ``read``: the action and the copied words of a sentence
Reader = Callable[[str], tuple[Action, dict[str, str]]]


def _sentences(read: Reader, parts: list[str], thing: list[str]) -> list[str] | None:
    """Each part with the words before the first thing and after the last one around it.

    English says the verb first ("i bought eggs and milk"): the first part shows the words before
    the things. Korean says it last ("계란이랑 우유 샀어"): the last part shows the words after them.
    """
    first, last = parts[0], parts[-1]
    prefix = _before_things(read, first, "", thing)
    suffix = _after_things(read, prefix, last, thing) if prefix is not None else None
    if suffix is None:
        suffix = _after_things(read, "", last, thing)
        prefix = _before_things(read, first, suffix, thing) if suffix is not None else None
    if prefix is None or suffix is None:
        return None
    cores = [first[len(prefix):], *parts[1:-1], last[: len(last) - len(suffix)]]
    if not all(core.strip() for core in cores):
        return None
    return [" ".join((prefix + core + suffix).split()) for core in cores]


def _before_things(read: Reader, part: str, suffix: str, thing: list[str]) -> str | None:
    """The words of ``part`` before the first thing the model finds in ``part + suffix``."""
    starts = [start for start, _ in _spans(read, part + suffix, thing) if start < len(part)]
    return part[: min(starts)] if starts else None


def _after_things(read: Reader, prefix: str, part: str, thing: list[str]) -> str | None:
    """The words of ``part`` after the last thing the model finds in ``prefix + part``."""
    sentence = prefix + part
    ends = [end for start, end in _spans(read, sentence, thing) if start >= len(prefix)]
    return sentence[max(ends):] if ends else None


def _spans(read: Reader, utterance: str, slots: list[str]) -> list[tuple[int, int]]:
    """Where the words the model copies into ``slots`` stand in ``utterance``."""
    found = []
    for name, words in read(utterance)[1].items():
        start = utterance.find(words)
        if name in slots and start >= 0:
            found.append((start, start + len(words)))
    return found
