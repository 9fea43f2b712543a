"""Corpus synthesis: a domain spec in, labelled (utterance, target) pairs out.

Deterministic for a seed. Whole templates are held out for the test split, so the test
measures whether the model understood phrasings it never saw, not whether it memorised.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from tinychat.data.gibberish import gibberish
from tinychat.data.noise import add_noise
from tinychat.data.template import (
    QUOTED_COMMAND,
    Filled,
    Placeholder,
    Segment,
    attach_particle,
    expand,
    parse_template,
)
from tinychat.domain import render
from tinychat.domain.action import (
    OUT_OF_DOMAIN,
    SlotValue,
    Span,
    format_target,
    normalise_slot,
)
from tinychat.domain.spec import SHARED_INTENTS, DomainSpec, Entity, Intent, Slot, SlotType
from tinychat.domain.utterance import normalise_utterance

OOD_BANK = Path(__file__).with_name("ood_bank.yaml")
#: share of the corpus that is out of domain (the bank, near misses, other domains)
OOD_SHARE = 0.27
#: share of the negatives that are letters making no request ("asdf", "mmmmm", "ㅋㅋㅋ")
GIBBERISH_SHARE = 0.05
#: one template in HOLDOUT_EVERY (by hash) is kept for the test split
HOLDOUT_EVERY = 7
#: the conversation's own intents, said in idioms rather than frames ("no i'm fine", "take me back")
PHRASEBOOK_INTENTS = tuple(name for name in SHARED_INTENTS if name != OUT_OF_DOMAIN)


@dataclass(frozen=True)
class Example:
    text: str
    target: str
    lang: str
    intent: str
    values: dict[str, SlotValue] = field(default_factory=dict)


@dataclass
class _Pool:
    """Parsed templates of one (intent, language), split into train and test."""

    train: list = field(default_factory=list)
    test: list = field(default_factory=list)

    def pick(self, split: str, rng: random.Random) -> list | None:
        """A template of ``split``: "train", "test" (held out), or "all" (what a shipped model learns);
        None when the split has none."""
        chosen = self.train + self.test if split == "all" else self.test if split == "test" else self.train
        return rng.choice(chosen) if chosen else None


def _held_out(template: str) -> bool:
    """One template in HOLDOUT_EVERY, by hash, but never a fixed phrase (no slot, no alternatives:
    "scratch that", "uh huh"): an idiom is learnt or not known, so holding it out would measure
    nothing a model could generalise to, and keep it from every shipped model."""
    fixed_phrase = "{" not in template and "(" not in template
    return not fixed_phrase and int(hashlib.sha1(template.encode()).hexdigest(), 16) % HOLDOUT_EVERY == 0


def _split_templates(templates: list[str], phrasebook: bool = False) -> _Pool:
    """A ``phrasebook`` (the conversation's own intents) holds nothing out: each of its templates is a
    list of idioms ("(not that one|the other one)", "(faq|user guide)"), not a frame to generalise from."""
    pool = _Pool()
    for template in templates:
        node = parse_template(template)
        held = not phrasebook and _held_out(template) and len(templates) >= 5
        (pool.test if held else pool.train).append(node)
    if not pool.train:
        pool.train, pool.test = pool.test, []
    return pool


class CorpusBuilder:
    """Builds examples for one domain; ``negatives`` are other domains whose requests it must refuse."""

    def __init__(self, spec: DomainSpec, negatives: list[DomainSpec] = ()) -> None:  # type: ignore[assignment]
        self.spec = spec
        self.negatives = list(negatives)

    @cached_property
    def _pools(self) -> dict[tuple[str, str], _Pool]:
        return {
            (intent.name, lang): _split_templates(templates, phrasebook=intent.name in PHRASEBOOK_INTENTS)
            for intent in self.spec.intents
            for lang, templates in intent.examples.items()
            if templates
        }

    @cached_property
    def _negative_builders(self) -> list[CorpusBuilder]:
        return [CorpusBuilder(other) for other in self.negatives]

    @cached_property
    def _ood_pools(self) -> dict[str, _Pool]:
        bank = yaml.safe_load(OOD_BANK.read_text(encoding="utf-8"))
        pools = {}
        for lang in self.spec.languages:
            templates = list(bank.get(lang, [])) + list(self.spec.near_misses.get(lang, []))
            pools[lang] = _split_templates(templates)
        return pools

    def build(self, count: int, seed: int, split: str = "train") -> list[Example]:
        """``count`` examples of ``split`` ("train", "test" or "all"), the same for the same seed."""
        rng = random.Random(f"{self.spec.name}:{split}:{seed}")
        if split == "test" and not any(pool.test for pool in self._pools.values()):
            split = "train"  # a spec too small to hold templates out (five per intent) is measured on its own
        intents = [i for i in self.spec.intents if i.name != OUT_OF_DOMAIN and i.examples]
        examples: list[Example] = []
        while len(examples) < count:
            lang = rng.choice(self.spec.languages)
            if rng.random() < OOD_SHARE:
                example = self._negative(lang, split, rng)
            else:
                intent = rng.choice(intents)
                if (intent.name, lang) not in self._pools:
                    continue
                example = self._positive(intent, lang, split, rng)
            if example is not None:
                examples.append(example)
        return examples

    def sentences(self, count: int, seed: int = 0) -> set[str]:
        """The distinct utterances of a ``count``-example sample of everything the templates say
        (every template, negatives included), to tell which evaluation lines training could have seen."""
        return {example.text for example in self.build(count, seed, "all")}

    def _positive(self, intent: Intent, lang: str, split: str, rng: random.Random) -> Example | None:
        template = self._pools[(intent.name, lang)].pick(split, rng)
        return _realise(self.spec, intent, expand(template, rng), lang, rng) if template is not None else None

    def _negative(self, lang: str, split: str, rng: random.Random) -> Example | None:
        borrowed = [b for b in self._negative_builders if lang in b.spec.languages]
        if borrowed and rng.random() < 0.25:
            example = rng.choice(borrowed)._positive_any(lang, split, rng)
            if example is None:
                return None
            return Example(example.text, OUT_OF_DOMAIN, lang, OUT_OF_DOMAIN)
        if rng.random() < GIBBERISH_SHARE:
            return Example(gibberish(lang, rng), OUT_OF_DOMAIN, lang, OUT_OF_DOMAIN)
        template = self._ood_pools[lang].pick(split, rng)
        if template is None:
            return None
        segments = expand(template, rng)
        text = normalise_utterance("".join(s for s in add_noise(segments, lang, rng) if isinstance(s, str)))
        return Example(text, OUT_OF_DOMAIN, lang, OUT_OF_DOMAIN) if text else None

    def _positive_any(self, lang: str, split: str, rng: random.Random) -> Example | None:
        """A request of this domain's own intents (no shared ones), used as another domain's negative."""
        own = [i for i in self.spec.intents if i.name not in SHARED_INTENTS and (i.name, lang) in self._pools]
        return self._positive(rng.choice(own), lang, split, rng) if own else None


def _realise(spec: DomainSpec, intent: Intent, segments: list[Segment], lang: str,
             rng: random.Random) -> Example | None:
    """Fill the placeholders with sampled values, add noise, and label the result."""
    wanted = [s.slot for s in segments if isinstance(s, Placeholder)]
    sampler = _ValueSampler(spec, intent, lang, rng, wanted)
    filled: list[Segment] = []
    for segment in segments:
        if isinstance(segment, Placeholder):
            surface = sampler.surface(segment.slot, segment.phrases)
            if lang != "ko":
                filled.append(Filled(surface))
            elif segment.particle == QUOTED_COMMAND:
                filled.append(Filled(sampler.said_as(segment.slot, attach_particle(surface, segment.particle))))
            else:
                filled.append(Filled(attach_particle(surface, segment.particle)))
        else:
            filled.append(segment)
    noisy = add_noise(filled, lang, rng)
    text = normalise_utterance("".join(s.text if isinstance(s, Filled) else str(s) for s in noisy))
    raw: dict[str, Span] = {}
    values: dict[str, SlotValue] = {}
    placed: list[tuple[int, str, Span]] = []
    for slot in intent.slots:
        if slot.name not in sampler.raw:
            continue
        said = normalise_utterance(sampler.raw[slot.name].text)
        where = text.find(said) if said else -1
        if where < 0:
            return None
        placed.append((where, slot.name, Span(said)))
    for _, name, span in sorted(placed, key=lambda item: item[0]):  # slots in the order they were said
        raw[name] = span
        values[name] = sampler.values[name]
    return Example(text, format_target(intent.name, raw), lang, intent.name, values) if text else None


class _ValueSampler:
    """Draws one coherent set of slot values for a phrasing (units fit quantities, plurals fit counts)."""

    def __init__(self, spec: DomainSpec, intent: Intent, lang: str, rng: random.Random, wanted: list[str]):
        self.spec, self.intent, self.lang, self.rng = spec, intent, lang, rng
        self.wanted = wanted
        self.raw: dict[str, Span] = {}
        self.values: dict[str, SlotValue] = {}
        self._count: int | None = None
        self._picked: dict[str, Entity | str] = {}

    def surface(self, name: str, phrases: str = "") -> str:
        """How a value of slot ``name`` is said; drawn from the phrase list ``phrases`` when a template
        names one ("{task:event}", "every {date:weekday}"), else from the slot's type."""
        slot = self.intent.slot(name)
        if phrases:
            return self._phrase(slot, phrases)
        if slot.type == SlotType.entity:
            return self._entity(slot)
        if slot.type == SlotType.quantity:
            return self._quantity(slot)
        if slot.type == SlotType.duration:
            seconds = _sample_duration(self.rng)
            return self._span(slot, seconds, render.render_duration(seconds, self.lang, self.rng))
        if slot.type == SlotType.time:
            hhmm = _sample_time(self.rng)
            return self._span(slot, hhmm, render.render_time(hhmm, self.lang, self.rng))
        if slot.type == SlotType.date:
            date = _sample_date(self.rng)
            return self._span(slot, date, render.render_date(date, self.lang, self.rng))
        return self._phrase(slot, slot.name)

    def _phrase(self, slot: Slot, phrases: str) -> str:
        """A phrase of the list ``phrases`` as the value of ``slot``; free text is its own value (as the
        normalised utterance says it: "my doctors appointment"), any other type must read as one
        ("monday" for a date)."""
        phrase = self.rng.choice(self.spec.phrases[phrases][self.lang])
        value = normalise_slot(self.spec, slot, Span(normalise_utterance(phrase)))  # as the utterance says it
        if value is None and slot.type != SlotType.text:
            raise ValueError(f"phrase {phrase!r} of list {phrases!r} is no {slot.type.value} for slot {slot.name!r}")
        return self._span(slot, value if value is not None else phrase, phrase)

    def said_as(self, name: str, surface: str) -> str:
        """The value of ``name`` said in another form (a quoted command): the span and value follow it."""
        slot = self.intent.slot(name)
        value = normalise_slot(self.spec, slot, Span(surface))
        return self._span(slot, value if value is not None else surface, surface)

    def _span(self, slot: Slot, value: SlotValue, surface: str) -> str:
        self.raw[slot.name] = Span(surface)
        self.values[slot.name] = value
        return surface

    def _count_value(self) -> int:
        if self._count is None:
            self._count = _sample_count(self.rng)
        return self._count

    def _quantity(self, slot: Slot) -> str:
        count = self._count_value()
        counter = ""
        unit_follows = "unit" in self.wanted
        if self.lang == "ko" and not unit_follows and self.rng.random() < 0.85:
            counter = self._korean_counter()
        return self._span(slot, count, render.render_quantity(count, self.lang, self.rng, counter=counter,
                                                              unit_follows=unit_follows))

    def _korean_counter(self) -> str:
        """The counter said with a Korean count; a unit counter (병, 팩) also fills the unit slot."""
        item = self._peek_item()
        counter = item.counter.get("ko", "개") if item else "개"
        unit_slot = next((s for s in self.intent.slots if s.name == "unit"), None)
        if unit_slot is not None and unit_slot.catalogue and counter and counter != "개":
            unit_id = self.spec.catalogues[unit_slot.catalogue].id_for_name(counter)
            if unit_id:
                self.raw["unit"] = Span(counter)
                self.values["unit"] = unit_id
        return counter or "개"

    def _peek_item(self) -> Entity | None:
        """The catalogue entity of the phrasing's item slot, drawn ahead if not yet said."""
        for slot in self.intent.slots:
            if slot.type == SlotType.entity and slot.name != "unit" and slot.name in self.wanted:
                choice = self._pick_entity(slot)
                return choice if isinstance(choice, Entity) else None
        return None

    def _pick_entity(self, slot: Slot) -> Entity | str:
        """An entity, or free text for an open catalogue; drawn once per slot."""
        if slot.name not in self._picked:
            assert slot.catalogue is not None
            catalogue = self.spec.catalogues[slot.catalogue]
            free_text = self.spec.phrases.get(slot.name, {}).get(self.lang)
            fitting = self._fitting_unit(slot) if slot.name == "unit" else None
            if fitting is not None:
                self._picked[slot.name] = fitting
            elif self.spec.is_open(slot) and free_text and self.rng.random() < 0.2:
                self._picked[slot.name] = self.rng.choice(free_text)
            else:
                self._picked[slot.name] = self.rng.choice(catalogue.entities)
        return self._picked[slot.name]

    def _fitting_unit(self, slot: Slot) -> Entity | None:
        """Mostly the item's own container ("a carton of milk"); a slot named ``unit`` is the item's measure."""
        item = self._peek_item()
        if item is None or not item.counter.get("en") or self.rng.random() < 0.35:
            return None
        assert slot.catalogue is not None
        catalogue = self.spec.catalogues[slot.catalogue]
        unit_id = catalogue.id_for_name(item.counter["en"])
        return catalogue.by_id()[unit_id] if unit_id else None

    def _entity(self, slot: Slot) -> str:
        entity = self._pick_entity(slot)
        if isinstance(entity, str):
            value = normalise_slot(self.spec, slot, Span(entity))
            return self._span(slot, value if value is not None else entity, entity)
        self.values[slot.name] = entity.id
        lang = self.lang
        if len(self.spec.languages) > 1 and self.rng.random() < 0.08:  # code-switching
            lang = self.rng.choice([code for code in self.spec.languages if code != self.lang])
        surface = self._entity_name(entity, lang, slot)
        self.raw[slot.name] = Span(surface)
        return surface

    def _entity_name(self, entity: Entity, lang: str, slot: Slot) -> str:
        """One of the entity's names in ``lang``, plural where the count asks for it."""
        singular, plural = self.rng.choice(entity.forms(lang) or entity.forms("en"))
        if lang != "en":
            return singular
        count = self._count if "quantity" in self.wanted or slot.name == "unit" else None
        if count is None and "quantity" in self.wanted:
            count = self._count_value()
        if count is None:
            return plural if self.rng.random() < 0.4 else singular
        return singular if count == 1 else plural


def _sample_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.5:
        return rng.randint(1, 5)
    if roll < 0.8:
        return rng.randint(6, 12)
    if roll < 0.95:
        return rng.randint(13, 30)
    return rng.randint(31, 100)


def _sample_duration(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.2:
        return rng.choice([5, 10, 15, 20, 30, 40, 45, 50, rng.randint(5, 59)])
    if kind < 0.65:
        return 60 * rng.choice([1, 2, 3, 4, 5, 7, 8, 10, 12, 15, 20, 25, 30, 40, 45, 50, 90, rng.randint(1, 99)])
    if kind < 0.85:
        return 3600 * rng.randint(1, 12)
    if kind < 0.95:
        return 3600 * rng.randint(1, 5) + 60 * rng.choice([10, 15, 20, 30, 40, 45])
    return 60 * rng.randint(1, 20) + rng.choice([10, 15, 20, 30, 45])


def _sample_time(rng: random.Random) -> str:
    hour = rng.randint(0, 23)
    minute = rng.choice([0, 0, 0, 0, 30, 30, 15, 45, rng.randrange(0, 60, 5)])
    return f"{hour:02d}:{minute:02d}"


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _sample_date(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(["today", "tomorrow", "tomorrow", "day_after_tomorrow", "weekend"])
    if roll < 0.85:
        return rng.choice(_WEEKDAYS)
    if roll < 0.9:
        return rng.choice(["12-25", "12-24", "01-01", "12-31", "02-14", "10-31"])
    month = rng.randint(1, 12)
    return f"{month:02d}-{rng.randint(1, 28):02d}"
