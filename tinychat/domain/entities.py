"""Copied words → a catalogue id: exact names first, then the forms speech and typing bend them into.

The model copies what was said ("strawberries", "멸치 볶음을", "yoghurt", "게란"); this finds
the entity, so the model never has to memorise which of thousands of synonyms means which id.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from tinychat.domain.spec import Catalogue

#: Korean particles that may cling to a copied name
_KO_PARTICLES = ("으로요", "이요", "로요", "요", "이랑", "하고", "까지", "부터", "에서", "으로",
                 "을", "를", "이", "가", "은", "는", "도", "만", "랑", "로", "에")
_LEADING = re.compile(r"^(?:the|a|an|some|my|our|more|of)\s+")
#: how close a misspelt name must be to a known one (difflib ratio)
FUZZY_CUTOFF = 0.8


def resolve_entity(catalogue: Catalogue, words: str) -> str | None:
    """The id of the entity ``words`` names, or None if it names none closely enough."""
    found = exact_entity(catalogue, words)
    if found:
        return found
    text = " ".join(words.lower().split())
    by_letters = _letters_index(catalogue)
    for candidate in _candidates(text):
        letters = _letters(candidate)
        if len(letters) < 5:  # too short to guess at: "rain" is not "raisin"
            continue
        close = difflib.get_close_matches(letters, list(by_letters), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            return by_letters[close[0]]
    return None


def exact_entity(catalogue: Catalogue, words: str) -> str | None:
    """The id ``words`` name exactly, give or take articles, particles, plurals and spacing."""
    for candidate in _candidates(" ".join(words.lower().split())):
        found = catalogue.id_for_name(candidate) or catalogue.squashed_names().get(candidate.replace(" ", ""))
        if found:
            return found
    return None


def _letters(text: str) -> str:
    """Spaces dropped, Hangul split into jamo, so one wrong vowel is one letter off ("게란" ~ "계란")."""
    return unicodedata.normalize("NFD", text.replace(" ", ""))


_LETTER_INDEXES: dict[int, tuple[Catalogue, dict[str, str]]] = {}


def _letters_index(catalogue: Catalogue) -> dict[str, str]:
    cached = _LETTER_INDEXES.get(id(catalogue))
    if cached is None or cached[0] is not catalogue:
        cached = (catalogue, {_letters(name): value for name, value in catalogue.squashed_names().items()})
        _LETTER_INDEXES[id(catalogue)] = cached
    return cached[1]


def _candidates(text: str) -> list[str]:
    out = [text]
    bare = _LEADING.sub("", text)
    out.append(bare)
    for particle in _KO_PARTICLES:
        if bare.endswith(particle) and len(bare) > len(particle) + 1:
            out.append(bare[: -len(particle)])
    for suffix in ("es", "s"):
        if bare.endswith(suffix) and len(bare) > len(suffix) + 2:
            out.append(bare[: -len(suffix)])
    return out


def find_entity(catalogue: Catalogue, utterance: str, max_words: int = 4) -> str | None:
    """The entity named by the longest run of words in ``utterance`` (exact names only, no guessing).

    A fallback for when the model understood the request but copied the wrong words for its item
    ("2 bottles of milk" with "2 bottles" copied): the name is in the sentence, so look for it.
    """
    mention = find_mention(catalogue, utterance, max_words)
    return mention.id if mention else None


def whole_name(catalogue: Catalogue, text: str, start: int, end: int, reach: int = 2) -> str | None:
    """The longest name in ``text`` that holds the words at ``start``..``end`` and up to ``reach`` words
    either side of them ("napa cabbage" around "cabbage", "orange juice" around "orange"), or None
    when no wider run of words is a name."""
    words = list(re.finditer(r"\S+", text))
    inside = [i for i, word in enumerate(words) if word.start() < end and start < word.end()]
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    widest: tuple[int, str] | None = None
    for low in range(max(0, first - reach), first + 1):
        for high in range(last, min(len(words), last + reach + 1)):
            said = text[words[low].start() : words[high].end()]
            if (low, high) != (first, last) and exact_entity(catalogue, said) and (
                    widest is None or high - low > widest[0]):
                widest = (high - low, said)
    return widest[1] if widest else None


@dataclass(frozen=True)
class Mention:
    """Where ``text`` names entity ``id``: characters ``start``..``end``."""

    id: str
    start: int
    end: int


def find_mention(catalogue: Catalogue, text: str, max_words: int = 4) -> Mention | None:
    """The longest run of words in ``text`` that is a name (the last such run on a tie), and where it is."""
    words = list(re.finditer(r"\S+", text))
    for size in range(min(max_words, len(words)), 0, -1):
        for start in range(len(words) - size, -1, -1):
            first, last = words[start], words[start + size - 1]
            for candidate in _candidates(" ".join(text[first.start() : last.end()].lower().split())):
                found = catalogue.id_for_name(candidate)
                if found:
                    if size > 1 and first.group().lower() == "of":  # it belongs before: "out of", "bottles of"
                        first = words[start + 1]
                    return Mention(found, first.start(), last.end())
    return None
