"""Speech-like noise on the literal words of a phrasing: fillers, typos, dropped spaces.

Slot values are never touched here: their words must stay exactly as rendered so that
the copied span in the target is a substring of the utterance.
"""

from __future__ import annotations

import random

from tinychat.data.template import Segment

_OPENERS = {
    "en": ["um", "uh", "hey", "ok", "okay", "so", "well", "hmm", "oh", "hey there", "excuse me",
           "quick question", "alright", "right", "er", "like", "and"],
    "ko": ["음", "어", "저기", "그", "아", "근데", "혹시", "저기요", "야", "있잖아", "그러니까", "그리고"],
}
_CLOSERS = {
    "en": ["please", "thanks", "thank you", "ok", "now", "i think", "right", "cheers"],
    "ko": ["고마워", "부탁해", "좀", "요", "알았지", "빨리", "부탁해요"],
}


def add_noise(segments: list[Segment], lang: str, rng: random.Random, strength: float = 1.0) -> list[Segment]:
    """Apply a random mix of noise operators; ``strength`` scales every probability."""
    segments = list(segments)
    if rng.random() < 0.18 * strength:
        segments.insert(0, rng.choice(_OPENERS[lang]) + " ")
    if rng.random() < 0.08 * strength:
        segments.append(" " + rng.choice(_CLOSERS[lang]))
    typo_rate = 0.04 * strength if rng.random() < 0.35 else 0.0
    squash = lang == "ko" and rng.random() < 0.15 * strength
    out: list[Segment] = []
    for segment in segments:
        if isinstance(segment, str):
            if typo_rate:
                segment = " ".join(_typo(word, rng) if rng.random() < typo_rate else word
                                   for word in segment.split(" "))
            if squash:
                segment = _drop_spaces(segment, rng)
        out.append(segment)
    return out


def _typo(word: str, rng: random.Random) -> str:
    """One keyboard or recogniser slip in a Latin word of 4+ letters."""
    if len(word) < 4 or not word.isascii() or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def _drop_spaces(text: str, rng: random.Random) -> str:
    """Korean writers often skip word spacing inside a phrase; keep the edges."""
    inner = text.strip()
    if " " not in inner:
        return text
    squashed = "".join(ch for ch in inner if ch != " " or rng.random() < 0.5)
    lead = " " if text.startswith(" ") else ""
    trail = " " if text.endswith(" ") else ""
    return lead + squashed + trail
