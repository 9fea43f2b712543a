"""The domain spec: what a maker declares, validated with pydantic.

A spec is a YAML (or JSON) file. Large parts (catalogues, near-miss lists) may live in
sibling files referenced by a relative ``file:`` path, so a catalogue of hundreds of
entries does not bury the intents.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

LANGUAGES = ("en", "ko")
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
SHARED_INTENTS = ("confirm", "deny", "cancel", "help", "out_of_domain")


class SpecError(ValueError):
    """A spec file is unreadable or invalid; the message names the file and the field."""


class SlotType(str, Enum):
    """What a slot holds, and so how its value is extracted and normalised."""

    entity = "entity"  # a catalogue id (or, for open catalogues, free text)
    quantity = "quantity"  # an integer count
    duration = "duration"  # seconds
    time = "time"  # 24-hour "HH:MM"
    date = "date"  # relative keyword or "MM-DD" (see tinychat.domain.normalise)
    text = "text"  # free text as said


#: slot types whose value the model copies from the utterance; a normaliser turns it into a value
SPAN_TYPES = frozenset({SlotType.quantity, SlotType.duration, SlotType.time, SlotType.date, SlotType.text})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entity(_Strict):
    """One catalogue entry. English names are "singular|plural" (or one form for mass nouns)."""

    id: str = Field(pattern=NAME_PATTERN)
    names: dict[str, list[str]]
    counter: dict[str, str] = {}
    shelf_life_days: int | None = Field(default=None, ge=0)
    category: str | None = None
    #: whether replies count it ("apples") or not ("jam", "two jars of jam"); None: countable when its
    #: first English name has a plural. Replies only: the model does not learn it
    countable: bool | None = None

    @field_validator("names")
    @classmethod
    def _has_english(cls, names: dict[str, list[str]]) -> dict[str, list[str]]:
        if not names.get("en"):
            raise ValueError("every entity needs at least one English name")
        return names

    def forms(self, lang: str) -> list[tuple[str, str]]:
        """(singular, plural) pairs of every name in ``lang``."""
        pairs = []
        for name in self.names.get(lang, []):
            singular, _, plural = name.partition("|")
            pairs.append((singular.strip(), (plural or singular).strip()))
        return pairs


class Catalogue(_Strict):
    """A closed set of entities; ``open`` lets values outside it through as free text."""

    open: bool = False
    entities: list[Entity]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        seen: set[str] = set()
        for entity in self.entities:
            if entity.id in seen:
                raise ValueError(f"duplicate entity id {entity.id!r}")
            seen.add(entity.id)
        return self

    _ids: dict[str, Entity] = PrivateAttr(default_factory=dict)
    _names: dict[str, str] = PrivateAttr(default_factory=dict)
    _squashed: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        for entity in self.entities:
            self._ids[entity.id] = entity
            self._names.setdefault(entity.id.replace("_", " "), entity.id)
            for lang in entity.names:
                for singular, plural in entity.forms(lang):
                    self._names.setdefault(singular.lower(), entity.id)
                    self._names.setdefault(plural.lower(), entity.id)
        self._squashed = {name.replace(" ", ""): value for name, value in reversed(self._names.items())}

    def by_id(self) -> dict[str, Entity]:
        return self._ids

    def names(self) -> dict[str, str]:
        """Every name, lower-case, singular and plural, in any language → id."""
        return self._names

    def id_for_name(self, words: str) -> str | None:
        """The id of the entity named exactly ``words`` (any language, singular or plural)."""
        return self._names.get(words.strip().lower())

    def squashed_names(self) -> dict[str, str]:
        """Every name with its spaces removed (Korean spacing varies: "멸치 볶음" / "멸치볶음") → id."""
        return self._squashed


class Slot(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    type: SlotType
    catalogue: str | None = None
    required: bool = False
    #: for entity slots: let free text through (None: as the catalogue says)
    open: bool | None = None
    prompt: dict[str, str] = {}  # follow-up question when a required slot is missing
    #: for free text: words that introduce the value ("to" of "remind me at 6 pm to call mom"). When the
    #: model copies none, the words after the first of them are the value. Parsing only: no retraining
    lead_in: dict[str, list[str]] = {}
    #: for free text: word endings that close the value ("라고" of "약 먹으라고 알려 줘"). A copy that stops
    #: one word short of the closing word runs on to it; with no copy, the words up to it are the value
    closed_by: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _catalogue_matches_type(self) -> Slot:
        if (self.type == SlotType.entity) != (self.catalogue is not None):
            raise ValueError("a slot has a catalogue exactly when its type is 'entity'")
        if (self.lead_in or self.closed_by) and self.type != SlotType.text:
            raise ValueError("only a free-text slot has lead_in or closed_by words")
        return self


class TextValues(_Strict):
    """How a text slot's words become a canonical value ("grocery list" → "shopping")."""

    #: canonical value → phrases that mean it
    aliases: dict[str, list[str]] = {}
    #: words dropped before and after alias lookup ("list", "my", "목록")
    strip: list[str] = []

    def canonical(self, words: str) -> str:
        said = " ".join(words.lower().split())
        return self.known(said) or self._without_strip_words(said) or said

    def known(self, words: str) -> str | None:
        """The canonical value ``words`` say, or None when they are other free text."""
        said = " ".join(words.lower().split())
        lookup = {alias.lower(): value for value, aliases in self.aliases.items() for alias in [value, *aliases]}
        return lookup.get(said) or lookup.get(self._without_strip_words(said))

    def _without_strip_words(self, said: str) -> str:
        """``said`` without the ``strip`` words ("my shopping list" → "shopping")."""
        return " ".join(word for word in said.split() if word not in self.strip)


#: reply texts of one outcome, per language: one template or alternatives (the dialogue uses the
#: first whose placeholders it can fill)
ReplyTexts = dict[str, str | list[str]]


class Intent(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    description: str
    slots: list[Slot] = []
    #: ask for confirmation before acting (clearing a list, cancelling every alarm)
    destructive: bool = False
    #: slots that narrow a destructive intent to one thing, so it needs no confirmation ("cancel the 7am alarm")
    confirm_unless: list[str] = []
    #: phrasings per language; "(a|b|)" picks one alternative, "{slot}" a value,
    #: "{slot|을}" a value followed by the Korean particle that fits it, "{task|으라고}" a -기 task
    #: said as a quoted command ("약 먹으라고"), "{task:event}" a value drawn from ``phrases.event``
    #: instead of the slot's own list
    examples: dict[str, list[str]] = {}
    #: outcome → texts per language; texts given straight under a language are the outcome "done"
    replies: dict[str, ReplyTexts] = {}

    @field_validator("replies", mode="before")
    @classmethod
    def _plain_replies_are_done(cls, replies: Any) -> Any:
        if isinstance(replies, dict) and replies and all(key in LANGUAGES for key in replies):
            return {"done": replies}
        return replies

    def slot(self, name: str) -> Slot:
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(f"intent {self.name!r} has no slot {name!r}")


class DomainSpec(_Strict):
    """A whole domain: its intents, catalogues and the language it is trained on."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str
    languages: list[str] = list(LANGUAGES)
    catalogues: dict[str, Catalogue] = {}
    intents: list[Intent]
    #: values the synthesiser draws for span slots of type text, per catalogue-less slot name (or per
    #: list name a template draws from: "{task:event}")
    phrases: dict[str, dict[str, list[str]]] = {}
    #: canonical forms of text slot values, per slot name
    text_values: dict[str, TextValues] = {}
    #: in-topic requests this domain must refuse (recipes for a fridge), per language
    near_misses: dict[str, list[str]] = {}
    #: the dialogue's own replies (help, out_of_domain, clarify, confirm_destructive, cancelled, ...)
    replies: dict[str, ReplyTexts] = {}

    @model_validator(mode="after")
    def _consistent(self) -> DomainSpec:
        names = [i.name for i in self.intents]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate intent names: {duplicates}")
        missing = [n for n in SHARED_INTENTS if n not in names]
        if missing:
            raise ValueError(f"every domain needs the shared intents; missing: {missing}")
        for intent in self.intents:
            for slot in intent.slots:
                if slot.catalogue is not None and slot.catalogue not in self.catalogues:
                    raise ValueError(
                        f"intent {intent.name!r} slot {slot.name!r} names catalogue "
                        f"{slot.catalogue!r}, which the spec does not declare "
                        f"(declared: {sorted(self.catalogues)})"
                    )
            for lang, templates in intent.examples.items():
                if lang not in self.languages:
                    raise ValueError(f"intent {intent.name!r} has examples in undeclared language {lang!r}")
                for template in templates:
                    _check_placeholders(intent, template, lang, self.phrases)
        return self

    def is_open(self, slot: Slot) -> bool:
        """Whether an entity slot takes values outside its catalogue."""
        if slot.catalogue is None:
            return False
        return self.catalogues[slot.catalogue].open if slot.open is None else slot.open

    def intent(self, name: str) -> Intent:
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(f"domain {self.name!r} has no intent {name!r}")

    @property
    def intent_names(self) -> list[str]:
        return [i.name for i in self.intents]


#: "{slot}", "{slot|을}", "{slot:phrases}": the slot, and the phrase list it draws from if named
_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)(?::([a-z_0-9]+))?(?:\|[^}]*)?\}")


def _check_placeholders(intent: Intent, template: str, lang: str, phrases: dict[str, dict[str, list[str]]]) -> None:
    """Each placeholder names a slot of the intent, and a phrase list it names ("{task:event}") exists
    in the template's language."""
    slot_names = {s.name for s in intent.slots}
    for name, listed in _PLACEHOLDER.findall(template):
        if name not in slot_names:
            raise ValueError(
                f"intent {intent.name!r} example {template!r} uses {{{name}}}, "
                f"which is not one of its slots {sorted(slot_names)}"
            )
        if listed and not phrases.get(listed, {}).get(lang):
            raise ValueError(
                f"intent {intent.name!r} example {template!r} draws from phrases {listed!r}, "
                f"which the spec does not give in {lang!r} (phrases given: {sorted(phrases)})"
            )
    if template.count("(") != template.count(")"):
        raise ValueError(f"intent {intent.name!r} example {template!r} has unbalanced parentheses")


def load_spec(path: str | Path) -> DomainSpec:
    """Read and validate a spec file, resolving ``{file: ...}`` references beside it."""
    path = Path(path)
    raw = _read_document(path)
    try:
        return DomainSpec.model_validate(_resolve_files(raw, path.parent))
    except ValidationError as err:
        raise SpecError(_describe(path, err)) from None


def _read_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SpecError(f"{path}: cannot read spec file: {err.strerror}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{path}:{where}: not valid YAML: {getattr(err, 'problem', err)}") from None
    except json.JSONDecodeError as err:
        raise SpecError(f"{path}: line {err.lineno}, column {err.colno}: not valid JSON: {err.msg}") from None


def _resolve_files(node: Any, base: Path) -> Any:
    if isinstance(node, dict):
        if set(node) == {"file"} and isinstance(node["file"], str):
            return _resolve_files(_read_document(base / node["file"]), base)
        return {key: _resolve_files(value, base) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_files(item, base) for item in node]
    return node


def _describe(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid domain spec ({err.error_count()} problem(s))"]
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
