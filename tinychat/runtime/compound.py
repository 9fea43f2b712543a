"""One utterance that asks several things: "I bought a dozen eggs and two bottles of milk".

The model writes one action per utterance, so it would mix the two into one ("12 bottles of
milk"). Such an utterance is split at its "and"s into one sentence per thing, each keeping the
words around the things (the verb, the list): "i bought a dozen eggs", "i bought two bottles of
milk". The split stands only when every sentence reads as the same request as the whole, each
about a different thing, and no part says a request of its own where the shared words would go
("i bought eggs and ate two apples": the apples were eaten, not bought). Otherwise the parts may
be whole requests of their own ("set a timer for 5 minutes and an alarm at 7"); anything else
stays one utterance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from tinychat.domain.action import OUT_OF_DOMAIN, Action
from tinychat.domain.entities import find_mention
from tinychat.domain.hangul import is_past_stem
from tinychat.domain.spec import SHARED_INTENTS, Catalogue, DomainSpec, Intent, SlotType
from tinychat.domain.utterance import normalise_utterance
from tinychat.runtime.parser import Parser

#: where one thing ends and the next begins, in a normalised utterance
_JOINS = {
    "en": re.compile(r" (?:and also|and then|and|plus|as well as) "),
    "ko": re.compile(r"(?<=\S)(?:이랑|랑|하고) | 그리고 (?:또 )?"),
}
#: a past-tense verb joined to the next clause by -고 ("계란 샀고 우유 다 먹었어")
_PAST_THEN = re.compile(r"([가-힣])고 ")
#: any verb joined to the next clause by -고 ("목록에 우유 넣고 계란 빼 줘"); also "사고 싶어", so such a
#: cut stands only where each side is a whole request of its own
_CLAUSE_THEN = re.compile(r"(?<=[가-힣]고) ")
#: a comma between words, not inside a number ("1,000")
_LIST_COMMA = re.compile(r"(?<!\d),(?!\d)")


#: a parser's ``read``: the action and the copied words of a sentence
Reader = Callable[[str], tuple[Action, dict[str, str]]]


def split_utterance(parser: Parser, text: str, whole: Action) -> list[Action] | None:
    """One action per thing ``text`` names, else per whole request it joins, else None; a part both
    tries read is decoded once."""
    read = cache(parser.read)
    return split_things(parser, text, whole, read) or split_requests(parser, text, read)


def split_things(parser: Parser, text: str, whole: Action, read: Reader | None = None) -> list[Action] | None:
    """One action per thing ``text`` names (``whole`` is its parse as one utterance), or None.

    A comma counts as a join ("bread, butter and jam") where the split works with it; elsewhere the
    utterance is cut at its words alone ("ok, add eggs and milk").
    """
    if whole.intent == OUT_OF_DOMAIN:
        return None
    thing = _thing_slots(parser.spec.intent(whole.intent))
    if not thing:
        return None
    catalogue = parser.spec.catalogues[parser.spec.intent(whole.intent).slot(thing[0]).catalogue or ""]
    read = read or cache(parser.read)  # a sentence whose spans were read is not decoded again to act on it
    tries = [normalise_utterance(_LIST_COMMA.sub(" and ", text)), normalise_utterance(text)]
    for utterance in dict.fromkeys(tries):
        parts = split_at_joins(utterance, parser.spec)
        shared = _sentences(read, parts, catalogue, thing) if len(parts) > 1 else None
        if shared is None:
            continue
        sentences, prefix, suffix = shared
        if _says_its_own_request(parser.spec, read, parts, sentences, (bool(prefix), bool(suffix)), catalogue, thing):
            alone = [read(part)[0] for part in parts]
            return alone if all(_is_request(parser.spec, action, OWN_REQUEST) for action in alone) else None
        actions = [read(sentence)[0] for sentence in sentences]
        things = [action.slots.get(thing[0]) for action in actions]
        if all(a.intent == whole.intent for a in actions) and None not in things and len(set(things)) == len(things):
            return actions
    return None


#: how sure the model must be of each part read alone for it to count as a request of its own
SURE_REQUEST = 0.9
#: how sure, where a part's own verb stands where the shared words would go ("and ate two apples"):
#: there the part is plainly no bare thing, so a likely reading of it beats the shared verb
OWN_REQUEST = 0.5


def _says_its_own_request(spec: DomainSpec, read: Reader, parts: list[str], sentences: list[str],
                          shared: tuple[bool, bool], catalogue: Catalogue, thing: list[str]) -> bool:
    """Whether a part has its own words on a side where the split gives it the shared ones, and the
    split then changes what some part asks: "ate two apples" of "i bought eggs and ate two apples"
    reads as taking apples out, "i bought ate two apples" as buying them. The changed part may be
    another one: in "add milk and remove eggs from the list", "remove" is the second part's own verb,
    and the split turns "add milk" into "add milk from the list", a removal. "a big tub of yogurt"
    says no request alone, so it stays a thing bought."""
    leading, trailing = shared
    own_verb = False
    for index, part in enumerate(parts):
        gets_leading, gets_trailing = leading and index > 0, trailing and index < len(parts) - 1
        where = _thing_in(read, part, catalogue, thing) if gets_leading or gets_trailing else None
        if where is None:
            continue
        own_words = (gets_leading and part[: where[0]].strip()) or (gets_trailing and part[where[1]:].strip())
        own_verb = own_verb or bool(own_words and _is_request(spec, read(part)[0], OWN_REQUEST))
    return own_verb and any(
        _is_request(spec, alone := read(part)[0], OWN_REQUEST) and alone.intent != read(sentence)[0].intent
        for part, sentence in zip(parts, sentences, strict=True))


def _is_request(spec: DomainSpec, action: Action, sure: float) -> bool:
    """A whole request of the domain, read at least ``sure``: no slot missing, nothing that needs a yes first."""
    if action.intent in SHARED_INTENTS or action.confidence < sure:
        return False
    intent = spec.intent(action.intent)
    return not intent.destructive and all(slot.name in action.slots for slot in intent.slots if slot.required)


def split_requests(parser: Parser, text: str, read: Reader | None = None) -> list[Action] | None:
    """One action per request when ``text`` joins different whole requests with "and", or None.

    Each part must be a sure, complete request read alone (no slot missing, nothing that needs a
    "yes" first), and each a different intent: "add milk to the list and tell me what's in the
    fridge" splits, "remind me to take out the trash and recycling at 8" does not. Korean clauses
    joined by a verb's -고 are such parts too ("목록에 우유 넣고 목록에서 계란 빼 줘"); "우유 사고 싶어"
    stays one, since "싶어" asks nothing.
    """
    utterance = normalise_utterance(text)
    read = read or parser.read
    cuts = (tuple(split_at_joins(utterance, parser.spec)), tuple(_CLAUSE_THEN.split(utterance)))
    for parts in dict.fromkeys(cut for cut in cuts if len(cut) > 1):
        actions = _sure_requests(parser.spec, read, parts)
        if actions and len({action.intent for action in actions}) == len(actions):
            return actions
    return None


def _sure_requests(spec: DomainSpec, read: Reader, parts: tuple[str, ...]) -> list[Action] | None:
    """Each part read alone when every one is a sure whole request; reading stops at the first that is not."""
    actions = []
    for part in parts:
        action = read(part)[0]
        if not _is_request(spec, action, SURE_REQUEST):
            return None
        actions.append(action)
    return actions


def _thing_slots(intent: Intent) -> list[str]:
    """The slots that describe one thing: its catalogue slot first, then its count and unit."""
    entities = [slot.name for slot in intent.slots if slot.type == SlotType.entity and slot.catalogue]
    counts = [slot.name for slot in intent.slots if slot.type == SlotType.quantity]
    return entities[:1] + counts + entities[1:] if entities else []


def split_at_joins(utterance: str, spec: DomainSpec) -> list[str]:
    """A normalised utterance cut at its "and"s ("eggs and milk" → "eggs", "milk"), except inside
    names that contain one ("mac and cheese", "플랑"); [] if a part is empty. A past tense joined by -고
    ends its own sentence: "계란 샀고 우유 다 먹었어" → "계란 샀어", "우유 다 먹었어"."""
    utterance = _PAST_THEN.sub(lambda m: f"{m[1]}어 그리고 " if is_past_stem(m[1]) else m[0], utterance)
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


def _sentences(read: Reader, parts: list[str], catalogue: Catalogue,
               thing: list[str]) -> tuple[list[str], str, str] | None:
    """Each part with the words before the first part's thing and after the last part's thing around it,
    and those shared words.

    Whether the verb comes first ("i bought eggs and milk") or last ("계란이랑 우유 샀어"), those
    words belong to every thing. A part the model cannot read alone ("add salt") is read again
    with the other side's words ("add salt to the list").
    """
    first, last = parts[0], parts[-1]
    head = _thing_in(read, first, catalogue, thing)
    tail = _thing_in(read, last, catalogue, thing)
    if head is None and tail is not None:
        head = _thing_in(read, first, catalogue, thing, after=last[tail[1] :])
    if tail is None and head is not None:
        tail = _thing_in(read, last, catalogue, thing, before=first[: head[0]])
    if head is None or tail is None:
        return None
    prefix, suffix = first[: head[0]], last[tail[1] :]
    cores = [first[head[0] :], *parts[1:-1], last[: tail[1]]]
    if not all(core.strip() for core in cores):
        return None
    return [" ".join((prefix + core + suffix).split()) for core in cores], prefix.strip(), suffix.strip()


def _thing_in(read: Reader, part: str, catalogue: Catalogue, thing: list[str],
              before: str = "", after: str = "") -> tuple[int, int] | None:
    """Where ``part`` says its thing: the catalogue name it says, with the count and unit the model copies
    beside it ("two bottles of milk", "우유 두 병"); the model's words alone where no name is exact.
    The model reads ``part`` between the words ``before`` and ``after``.

    The model's copy of the name itself is not trusted beside an exact name: it is sometimes a
    fragment of a nearby word ("기" of "장보기").
    """
    mention = find_mention(catalogue, part)
    copied = _spans(read, before, part, after, thing[1:] if mention else thing)
    if mention is None:
        return (min(start for start, _ in copied), max(end for _, end in copied)) if copied else None
    start, end = mention.start, mention.end
    beside = True
    while beside:  # take in each copied span at most a word away from what is taken ("bottles" "of" "milk")
        beside = False
        for span_start, span_end in copied:
            gap = part[span_end:start] if span_end <= start else part[end:span_start] if span_start >= end else ""
            if len(gap.split()) <= 1 and (span_start < start or span_end > end):
                start, end, beside = min(start, span_start), max(end, span_end), True
    return start, end


def _spans(read: Reader, before: str, part: str, after: str, slots: list[str]) -> list[tuple[int, int]]:
    """Where in ``part`` stand the words the model copies into ``slots`` when it reads ``before + part + after``.

    Only whole words count, or a word's start with a Korean particle after it ("두 병" of "두 병을"): a
    copied fragment of a word ("t" of "got") is noise, not a place.
    """
    sentence = before + part + after
    found = []
    for name, words in read(sentence)[1].items():
        match = re.search(rf"(?<!\S){re.escape(words.strip())}(?=\s|$|[가-힣])", sentence) if words.strip() else None
        if name not in slots or match is None:
            continue
        end = match.end()
        while end < len(sentence) and not sentence[end].isspace():
            end += 1
        start, end = match.start() - len(before), min(end, len(before) + len(part)) - len(before)
        if start >= 0 and end > start:
            found.append((start, end))
    return found
