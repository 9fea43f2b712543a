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

from tinychat.domain import free_text, normalise, repeat
from tinychat.domain.delay import delays_in
from tinychat.domain.entities import exact_entity, resolve_entity, whole_name
from tinychat.domain.free_text import locate
from tinychat.domain.normalise import DURATION_UNITS
from tinychat.domain.spec import DomainSpec, Intent, Slot, SlotType

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


def resolve_action(spec: DomainSpec, target: str, text: str = "", confidence: float = 1.0,
                   utterance: str | None = None) -> Action:
    """Normalise a target's slots against ``spec``; values that don't normalise are dropped.

    Given the (normalised) ``utterance`` the model read, copied spans are first widened to
    whole words, so a copy cut short ("clean the gut") still names what was said; free text keeps
    out of other slots' words, a free-text copy that is wholly a time or date is that slot, and a
    slot with ``lead_in`` words takes the words after them when its copy is missing or a part, and one
    with ``closed_by`` endings runs on to its closing word when the copy stops short of it. Free text
    then gives up the moment said with it (``_MOMENTS_IN_TEXT``).
    """
    intent_name, raw_slots = parse_target(target)
    if intent_name not in spec.intent_names:
        return Action(text=text, intent=OUT_OF_DOMAIN, confidence=confidence)
    intent = spec.intent(intent_name)
    slots, read = _read_copies(spec, intent, raw_slots, utterance)
    for slot in intent.slots:
        if slot.type != SlotType.text:
            continue
        _cut_moments(intent, slot.name, slots, read)
        if utterance is not None and (slot.lead_in or slot.closed_by):
            reread = _read_again(spec, slot, read, utterance)
            if reread is not None:
                slots[slot.name], read[slot.name] = reread
                _cut_moments(intent, slot.name, slots, read)
    if utterance is not None:
        _time_said_at(intent, slots, read, utterance)
    return Action(text=text, intent=intent_name, slots=slots, confidence=confidence)


def _read_copies(spec: DomainSpec, intent: Intent, raw_slots: dict[str, Span],
                 utterance: str | None) -> tuple[dict[str, SlotValue], dict[str, Span]]:
    """Each copied value normalised by its slot's type, and the words it was read from."""
    slots: dict[str, SlotValue] = {}
    read: dict[str, Span] = {}
    for name, raw in raw_slots.items():
        try:
            slot = intent.slot(name)
        except KeyError:
            continue
        if utterance is not None:
            if slot.type == SlotType.text:
                others = [span for other, span in raw_slots.items() if other != name]
                if not _names_a_known_value(spec, slot, raw.text) and any(
                        span.text.strip() == raw.text.strip() for other, span in raw_slots.items()
                        if other != name and _typed(intent, other)):
                    continue  # "two" copied as both the quantity and the list's name is the quantity
                raw = outside_of(raw, others, utterance)
                raw = Span(free_text.with_cut_syllable(raw.text, [span.text for span in others], utterance))
            raw = snap_to_words(raw, utterance, free_text=slot.type == SlotType.text)
            if slot.type == SlotType.entity:
                raw = _said_whole(spec, slot, raw, utterance)
        other = _other_kind_named(spec, intent, slot, raw.text) if slot.type == SlotType.entity else None
        if other is not None:  # "bunch" of "a bunch of green onions" is a unit, not a misspelt "buchu"
            value = normalise_slot(spec, other, raw) if other.name not in raw_slots else None
            if value is not None:  # and where the model copied no unit, it is the unit
                slots[other.name], read[other.name] = value, raw
            continue
        if slot.type == SlotType.entity and utterance is not None and _cut_from_a_word(spec, slot, raw, utterance):
            continue  # "장" of "냉장고에" (the fridge) is part of a word, not a misspelt "망고" (mango)
        if slot.type == SlotType.quantity and _names_an_entity(spec, raw.text):
            continue  # "두부" (tofu) holds "두" (two) and a counter-like "부", but it is a name
        if slot.type == SlotType.time and utterance is not None and _next_word(raw.text, utterance) in DURATION_UNITS:
            continue  # "20" of "in 20 hours" is a delay, not 8 pm
        when = _time_or_date(intent, raw.text) if slot.type == SlotType.text else None
        if when is not None:  # "noon" copied as the task of "remind me at noon to eat lunch" is the time
            if when[0] not in slots:  # unless the model's own copy of the time read (one read later wins)
                slots[when[0]], read[when[0]] = when[1], raw
            continue
        said = raw if slot.type != SlotType.text or utterance is None else \
            Span(free_text.as_task_noun(raw.text, utterance))  # "약 먹는 거" → "약 먹기"
        value = normalise_slot(spec, slot, said)
        if value is None and slot.type in _CUT_SHORT and utterance is not None:  # "네" of "네 팩", "on april" 5th
            value = normalise_slot(spec, slot, Span(_with_next_word(raw.text, utterance)))
        if value is not None:
            slots[name], read[name] = value, raw
    return slots, read


#: free text without the moment said with it, and the time or date slot and value that moment fills
#: (None for a delay, which the dialogue reads from the utterance)
_Cut = tuple[str, tuple[str, SlotValue] | None]


def _time_said_after(intent: Intent, value: str, filled: set[str]) -> _Cut | None:
    """"eat lunch at noon" → "eat lunch" and 12:00, while the time slot is empty ("meet john at 6" stays
    whole when the time was said elsewhere); "pick up the kids at school" is no time."""
    head, at, tail = value.rpartition(" at ")
    when = _time_or_date(intent, tail) if at else None
    return (head, when) if when is not None and when[0] not in filled else None


def _moment_said_first(intent: Intent, value: str, filled: set[str]) -> _Cut | None:
    """The delay, time or date ``value`` starts with (up to three words) cut off: "20분 뒤에 엄마한테
    전화하기" → "엄마한테 전화하기"; "내일 우유 사기" → "우유 사기" and the date. A lone number ("two" of
    "two coffees") is no time."""
    words = value.split()
    for length in range(min(3, len(words) - 1), 0, -1):
        head = " ".join(words[:length])
        delay = normalise.parse_duration(head)
        if delay is None and length == 1 and normalise.parse_quantity(head) is not None:
            continue
        when = _time_or_date(intent, head)
        if when is not None or delay is not None:
            return " ".join(words[length:]), when
    return None


#: words that make a date part of a task's object ("plan the weekend", "book our weekend")
_DETERMINERS = frozenset({"the", "a", "my", "our", "your", "his", "her", "their"})


def _date_slot(intent: Intent) -> str | None:
    return next((slot.name for slot in intent.slots if slot.type == SlotType.date), None)


def _date_said_last(intent: Intent, value: str, filled: set[str]) -> _Cut | None:
    """The date ``value`` ends on (up to three words) cut off, while the date slot is empty: "the
    meeting tomorrow", "the team lunch on friday" → "the meeting", "the team lunch" and the date. A
    date after a determiner ("plan the weekend", "book our weekend") is the task's object, not when
    it is due."""
    date_slot = _date_slot(intent)
    if date_slot is None or date_slot in filled:
        return None
    words = value.split()
    for length in range(min(3, len(words) - 1), 0, -1):
        if words[-length] in _DETERMINERS or words[-length - 1] in _DETERMINERS:
            continue
        day = normalise.parse_date(" ".join(words[-length:]))
        if day is not None:
            return " ".join(words[:-length]), (date_slot, day)
    return None


def _delay_said_last(intent: Intent, value: str, filled: set[str]) -> _Cut | None:
    """A delay ``value`` ends on cut off: "check the oven in 10 minutes", "call mom an hour from now",
    "빨래 꺼내기 10분 뒤에" → "check the oven", "call mom", "빨래 꺼내기". The dialogue reads the delay from
    the whole utterance."""
    for delay in delays_in(value):
        head = value[:delay.start].strip()
        if head and not value[delay.end:].strip():
            return head, None
    return None


def _repeat_said_last(intent: Intent, value: str, filled: set[str]) -> _Cut | None:
    """A repeat ``value`` ends on cut off ("take my vitamins every morning" → "take my vitamins"), the
    weekday it names filling the empty date slot ("call grandma every sunday"). The dialogue reads the
    repeat from the utterance."""
    said = repeat.repeat_said_last(value)
    if said is None:
        return None
    head, day = said
    date_slot = _date_slot(intent)
    return head, ((date_slot, day) if day and date_slot and date_slot not in filled else None)


def _cut_moments(intent: Intent, name: str, slots: dict[str, SlotValue], read: dict[str, Span]) -> None:
    """Free text without the moment said with it, filling the empty time or date slot it names. The
    words it was read from lose the moment too, so a lead-in reading judges the rest: "five minutes
    to t" → "to turn", which gives way to "turn off the stove"."""
    for cut_moment in _MOMENTS_IN_TEXT:
        value, filled = slots.get(name), set(slots)
        cut = cut_moment(intent, value, filled) if isinstance(value, str) else None
        if cut is None:
            continue
        slots[name] = cut[0]
        said = cut_moment(intent, read[name].text, filled) if name in read else None
        if said is not None:
            moment = read[name].text.replace(said[0], "", 1).strip()
            read[name] = Span(said[0])
        if cut[1] is not None and cut[1][0] not in slots:
            slots[cut[1][0]] = cut[1][1]
            if said is not None:
                read[cut[1][0]] = Span(moment)


#: how free text gives up a moment said with it, in order
_MOMENTS_IN_TEXT = (_time_said_after, _moment_said_first, _repeat_said_last, _date_said_last, _delay_said_last)


def _time_said_at(intent: Intent, slots: dict[str, SlotValue], read: dict[str, Span], utterance: str) -> None:
    """Fill an empty time slot from "at" and a time no copy holds: the model copied no time from
    "remind me at noon to eat lunch"."""
    empty = [slot.name for slot in intent.slots if slot.type == SlotType.time and slot.name not in slots]
    if not empty:
        return
    for match in re.finditer(r"(?:^|\s)at\s+(\S+(?:\s+\S+){0,2})", utterance):
        words = match.group(1).split()
        for length in range(len(words), 0, -1):
            said = " ".join(words[:length])
            value = normalise.parse_time(said)
            if value is not None and not any(said in span.text or span.text in said for span in read.values()):
                slots[empty[0]] = value
                return


def _read_again(spec: DomainSpec, slot: Slot, read: dict[str, Span], utterance: str) -> tuple[SlotValue, Span] | None:
    """A free-text value read from the words by its lead-in or closing word, where the model's copy
    falls short; None when the copy stands."""
    others = [span.text for other, span in read.items() if other != slot.name]
    own = read[slot.name].text if slot.name in read else None
    found = None
    lead_ins = [word for words in slot.lead_in.values() for word in words]
    if lead_ins:
        said = free_text.after_lead_in(lead_ins, others, utterance)
        if said is not None and free_text.copy_falls_short(lead_ins, own, said, utterance):
            own = found = said
    endings = [ending for endings in slot.closed_by.values() for ending in endings]
    if endings:
        found = free_text.through_closing(endings, own, others, utterance) or found
    value = normalise_slot(spec, slot, Span(found)) if found is not None else None
    return (value, Span(found)) if value is not None and found is not None else None


def _time_or_date(intent: Intent, words: str) -> tuple[str, SlotValue] | None:
    """The intent's time or date slot and its value, when ``words`` are wholly a time or a date."""
    parsers = {SlotType.time: normalise.parse_time, SlotType.date: normalise.parse_date}
    for slot in intent.slots:
        value = parsers[slot.type](words) if slot.type in parsers else None
        if value is not None:
            return slot.name, value
    return None


def _names_an_entity(spec: DomainSpec, words: str) -> bool:
    return any(exact_entity(catalogue, words) for catalogue in spec.catalogues.values())


#: the types whose copy, cut a word short, reads with the next word: a count or length with its counter
#: or unit, a date with its day ("on april" of "on april 5th")
_CUT_SHORT = (SlotType.quantity, SlotType.duration, SlotType.date)


def _with_next_word(span: str, utterance: str) -> str:
    """``span`` and the word after it: a Korean numeral's counter form ("네" of "네 팩") needs its counter,
    a length its unit ("twenty five" of "a twenty five minute timer"), a month its day ("on april" 5th)."""
    following = _next_word(span, utterance)
    return f"{span} {following}" if following else span


def _next_word(span: str, utterance: str) -> str:
    start = locate(span, utterance)
    if start < 0 or not span.strip():
        return ""
    following = utterance[start + len(span):].split()
    return following[0] if following else ""


#: Korean particles a copy may rightly leave out: the word is complete without them
_KO_PARTICLE_TAILS = ("을", "를", "은", "는", "이", "가", "에", "에서", "도", "만",
                      "라고", "이라고", "으로", "로", "와", "과")


#: quotation endings: a free-text copy keeps them, so "빨래 널(라고)" reads as the task "빨래 널기"
_QUOTE_TAILS = ("라고", "이라고")


def snap_to_words(span: Span, utterance: str, free_text: bool = False) -> Span:
    """Widen a copied span to the whole words it cuts, unless what it leaves out is a Korean particle
    (for ``free_text``, a quotation ending is no particle: it makes a quoted command)."""
    start = locate(span.text, utterance)
    if start < 0 or not span.text.strip():
        return span
    end = start + len(span.text)
    while start > 0 and _latin_letter(utterance[start - 1]) and _latin_letter(utterance[start]):
        start -= 1  # only a cut Latin word: "2병" holds a unit "병" that must stay apart
    word_end = end
    while word_end < len(utterance) and not utterance[word_end].isspace():
        word_end += 1
    tail = utterance[end:word_end]
    if tail not in _KO_PARTICLE_TAILS or (free_text and tail in _QUOTE_TAILS):
        end = word_end
    return Span(utterance[start:end])


def outside_of(span: Span, others: list[Span], utterance: str) -> Span:
    """``span`` without a head or tail it shares with another slot's copy: in "내일 우유 사라고" the task
    copied as "일 우유 사라고" starts inside the date's "내일", and the task is "우유 사라고". A copy that
    holds another whole ("call mom at 6") keeps it; one inside another ("pm" of "6 pm") is nothing."""
    start = locate(span.text, utterance)
    if start < 0:
        return span
    end = start + len(span.text)
    for other in others:
        other_start = locate(other.text, utterance)
        if other_start < 0 or not other.text.strip():
            continue
        other_end = other_start + len(other.text)
        if other_start <= start and end <= other_end and (other_start, other_end) != (start, end):
            return Span("")  # "pm" copied from the time "6 pm" is no task
        if other_start < start < other_end < end:
            start = other_end
        elif start < other_start < end < other_end:
            end = other_start
    return Span(utterance[start:end].strip())


def _said_whole(spec: DomainSpec, slot: Slot, raw: Span, utterance: str) -> Span:
    """A catalogue copy widened to the whole name said around it: "cabbage" of "a head of napa cabbage"
    is the napa cabbage, "orange" of "a carton of orange juice" the juice."""
    assert slot.catalogue is not None
    start = locate(raw.text, utterance)
    if start < 0 or not raw.text.strip():
        return raw
    wider = whole_name(spec.catalogues[slot.catalogue], utterance, start, start + len(raw.text))
    return Span(wider) if wider else raw


def _other_kind_named(spec: DomainSpec, intent: Intent, slot: Slot, words: str) -> Slot | None:
    """The other slot of the intent whose kind ``words`` name (a name in its catalogue, a known value of
    its text: "장보기 목록" is a list) when they name nothing in ``slot``'s catalogue exactly: then they
    are that, and no misspelling of a name of this one, nor an open catalogue's free text."""
    assert slot.catalogue is not None
    if exact_entity(spec.catalogues[slot.catalogue], words) is not None:
        return None
    return next((other for other in intent.slots
                 if (other.catalogue not in (None, slot.catalogue)
                     and exact_entity(spec.catalogues[other.catalogue], words) is not None)
                 or _names_a_known_value(spec, other, words)), None)


def _names_a_known_value(spec: DomainSpec, slot: Slot, words: str) -> bool:
    """Whether a text slot's ``words`` say one of its canonical values ("grocery list" → shopping)."""
    values = spec.text_values.get(slot.name) if slot.type == SlotType.text else None
    return values is not None and values.known(words) is not None


def _cut_from_a_word(spec: DomainSpec, slot: Slot, raw: Span, utterance: str) -> bool:
    """A catalogue copy that starts inside a word and names nothing exactly: a piece of another word,
    which guessing at misspellings would turn into a name. (A Latin copy is already widened to whole
    words; a Korean one is not, because "망고" of "냉동망고" is a name on its own.)"""
    assert slot.catalogue is not None
    start = locate(raw.text, utterance)
    inside = start > 0 and utterance[start - 1].isalpha()
    return inside and exact_entity(spec.catalogues[slot.catalogue], raw.text) is None


def _typed(intent: Intent, name: str) -> bool:
    """Whether ``name`` is one of the intent's slots with a type of its own (not free text)."""
    return any(slot.name == name and slot.type != SlotType.text for slot in intent.slots)


def _latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def normalise_slot(spec: DomainSpec, slot: Slot, raw: Span) -> SlotValue | None:
    """One slot's normalised value, or None when the copied words are not one of its kind."""
    if slot.type == SlotType.entity:
        assert slot.catalogue is not None
        catalogue = spec.catalogues[slot.catalogue]
        return resolve_entity(catalogue, raw.text) or (
            (normalise.parse_text(raw.text) or None) if spec.is_open(slot) else None
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
