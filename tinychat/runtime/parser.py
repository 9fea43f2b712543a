"""The parser API: text in, a normalised, grammar-valid ``Action`` out."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from tinychat.domain.action import OUT_OF_DOMAIN, Action, parse_target, resolve_action
from tinychat.domain.entities import exact_entity, find_entity
from tinychat.domain.spec import DomainSpec
from tinychat.domain.utterance import normalise_utterance
from tinychat.model.checkpoint import check_model_files, load_model_dir, read_spec
from tinychat.model.tokenizer import Tokenizer
from tinychat.runtime.backend import Backend, reference_backend
from tinychat.runtime.decoder import ConstrainedDecoder
from tinychat.runtime.grammar import ActionGrammar

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
#: below this intent probability the parser answers out_of_domain rather than guess
DEFAULT_THRESHOLD = 0.5

BackendChoice = Literal["auto", "bundle", "reference"]
Progress = Callable[[str], None]


class UnknownModelError(LookupError):
    """Neither a built-in domain nor a model directory goes by that name."""


def builtin_model_dir(name: str) -> Path:
    return MODELS_DIR / name


def resolve_model_dir(name_or_path: str | Path) -> Path:
    """A built-in domain name ("fridge") or a path to a model directory."""
    builtin = builtin_model_dir(str(name_or_path))
    if isinstance(name_or_path, str) and "/" not in name_or_path and builtin.is_dir():
        return builtin
    path = Path(name_or_path)
    if path.is_dir():
        return path
    known = sorted(p.name for p in MODELS_DIR.iterdir() if p.is_dir()) if MODELS_DIR.is_dir() else []
    raise UnknownModelError(f"no model {str(name_or_path)!r}: not a built-in domain {known} nor a directory")


#: the scripts each supported language is written in (Latin also appears in code-switched Korean)
SCRIPTS = {"en": ("LATIN",), "ko": ("HANGUL", "LATIN")}


#: a letter repeated this many times in a row is a key held down or laughter ("ㅋㅋㅋㅋ"), not a word
HELD_KEY_RUN = 4


def has_words(utterance: str) -> bool:
    """Whether the utterance has words: letters, and not mostly one letter held down ("xxxxxxxx").

    Numbers and symbols alone ("8", "!!") ask for nothing, and a model trained on requests reads a
    held-down key as whatever request it resembles. (A bare number can still answer a question the
    dialogue asked; the dialogue reads it there.)"""
    letters = sum(ch.isalpha() for ch in utterance)
    held = sum(length for ch, length in _runs(utterance) if ch.isalpha() and length >= HELD_KEY_RUN)
    return letters > 0 and held * 2 < letters


def _runs(text: str) -> list[tuple[str, int]]:
    return [(ch, len(list(run))) for ch, run in itertools.groupby(text)]


def in_known_script(utterance: str, languages: list[str]) -> bool:
    """False when most letters are in a script none of the domain's languages use (the model never saw one)."""
    scripts = {script for lang in languages for script in SCRIPTS.get(lang, ())}
    letters = [ch for ch in utterance if ch.isalpha()]
    if not letters or not scripts:
        return True
    known = sum(unicodedata.name(ch, "").split(" ")[0] in scripts for ch in letters)
    return known * 2 >= len(letters)


def _find_missing_entities(spec: DomainSpec, action: Action, utterance: str, copied: dict[str, str]) -> None:
    """Fix a catalogue slot when the utterance says a catalogue name and the model left the slot empty
    though it is required, copied words for it that name nothing ("do we have eggs" with "do" copied),
    or copied another slot's words that only read as a misspelling: "party" of the list "party list"
    is no misspelt "patty" when "put beer on the party list" says "beer"."""
    if action.intent == OUT_OF_DOMAIN:
        return
    for slot in spec.intent(action.intent).slots:
        miscopied = slot.name in copied and slot.name not in action.slots
        if not (slot.catalogue and (slot.required or miscopied)):
            continue
        catalogue = spec.catalogues[slot.catalogue]
        value = action.slots.get(slot.name)
        words = copied.get(slot.name, "")
        borrowed = any(other != slot.name and words and words in said for other, said in copied.items())
        guessed = borrowed and exact_entity(catalogue, words) is None
        if value is not None and str(value) in catalogue.by_id() and not guessed:
            continue
        found = find_entity(catalogue, utterance)
        if found is not None:
            action.slots[slot.name] = found


def _finished_part(target: str) -> str | None:
    """What of a cut-off target is whole: the intent and the slots already closed (None: not even the intent)."""
    if " " not in target:
        return None
    closed = target.rfind("]")
    return target[: closed + 1] if closed > 0 else target.split(" ", 1)[0]


class Parser:
    """Turns what a person says into an action of one domain."""

    def __init__(self, spec: DomainSpec, tokenizer: Tokenizer, backend: Backend,
                 threshold: float = DEFAULT_THRESHOLD) -> None:
        self.spec = spec
        self.tokenizer = tokenizer
        self.threshold = threshold
        self.decoder = ConstrainedDecoder(tokenizer, backend)
        self.grammar = ActionGrammar(spec)

    @classmethod
    def load(cls, name_or_path: str | Path = "fridge", threshold: float = DEFAULT_THRESHOLD,
             backend: BackendChoice = "auto", progress: Progress | None = None) -> Parser:
        """Load a built-in domain's model or a model directory.

        ``backend``: "bundle" runs its native host bundle (shipped, or compiled on first use, which
        ``progress`` hears about); "reference" the numpy forward pass; "auto" the bundle where one can
        be had, else the reference (``progress`` hears why).
        """
        from tinychat.runtime.bundle import load_bundle
        from tinychat.runtime.host_bundle import NoHostBundle, host_bundle

        model_dir = resolve_model_dir(name_or_path)
        check_model_files(model_dir)
        if backend != "reference":
            try:
                bundle = host_bundle(model_dir, progress)
            except NoHostBundle as err:
                if backend == "bundle":
                    raise
                if progress:
                    progress(f"tinychat: using the numpy reference backend: {err}")
            else:
                # the model directory's spec, not the bundle's copy: dialogue replies may have been refreshed since
                _, tokenizer, native = load_bundle(bundle)
                return cls(read_spec(model_dir), tokenizer, native, threshold)
        config, weights, tokenizer, spec = load_model_dir(model_dir)
        return cls(spec, tokenizer, reference_backend(config, weights), threshold)

    @classmethod
    def from_bundle(cls, bundle: str | Path, threshold: float = DEFAULT_THRESHOLD,
                    threads: int | None = None) -> Parser:
        """Load a compiled bundle (checked against its manifest); needs only TVM's runtime library."""
        from tinychat.runtime.bundle import load_bundle

        # resolved once: a deploy switching the active link mid-load cannot mix two bundles
        spec, tokenizer, backend = load_bundle(Path(bundle).resolve(), threads=threads)
        return cls(spec, tokenizer, backend, threshold)

    def parse(self, text: str) -> Action:
        return self.read(text)[0]

    def read(self, text: str) -> tuple[Action, dict[str, str]]:
        """The action, and the words the model copied into each slot before they were normalised."""
        utterance = normalise_utterance(text)
        if not has_words(utterance) or not in_known_script(utterance, self.spec.languages):
            return Action(text=text, intent=OUT_OF_DOMAIN, confidence=1.0), {}
        decoded = self.decoder.decode(self.tokenizer.prompt_ids(utterance), self.grammar.for_utterance(utterance))
        target = decoded.target if decoded.complete else _finished_part(decoded.target)
        if target is None:
            return Action(text=text, intent=OUT_OF_DOMAIN, confidence=1.0), {}
        copied = {name: span.text for name, span in parse_target(target)[1].items()}
        action = resolve_action(self.spec, target, text=text, confidence=round(decoded.confidence, 4),
                                utterance=utterance)
        _find_missing_entities(self.spec, action, utterance, copied)
        if action.confidence < self.threshold:
            return Action(text=text, intent=OUT_OF_DOMAIN, confidence=action.confidence), copied
        return action, copied
