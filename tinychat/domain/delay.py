"""A delay said from now ("in 20 minutes", "an hour from now", "20분 뒤에"): how long, and where it was said.

One reader for the dialogue, which counts a reminder's delay from it, and for the parser, which
cuts a delay said last off a copied task ("check the oven in 10 minutes" → "check the oven").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tinychat.domain.normalise import DURATION_WORDS, parse_duration

#: the words that make a length a delay: "in" before it; "from now", 뒤에, 후에, 있다가, 지나서 after it
_MARKS = re.compile(r"(?:^|\s)in\s|\sfrom now\b|\s?(?:뒤|후|있다가|지나서)(?=에|\s|$)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Delay:
    """A length of time said as from now, and the characters it was said in, its mark included."""

    seconds: int
    start: int
    end: int


def delays_in(said: str) -> Iterator[Delay]:
    """The delays of ``said`` (lower case, as utterances are normalised), in the order they are said.
    The "후" of "오후 3시" is no delay: no length comes before it."""
    for mark in _MARKS.finditer(said):
        mark_start = mark.start() + (len(mark.group()) - len(mark.group().lstrip()))
        if mark.group().strip() == "in":  # the length follows: "in 20 minutes"
            words = [(word.start() + mark.end(), word.end() + mark.end())
                     for word in _WORD.finditer(said[mark.end():])][:DURATION_WORDS]
            spans = (words[:size] for size in range(len(words), 0, -1))
            mark_end = mark.end()
        else:  # the length comes before: "an hour from now", "20분 뒤에"
            words = [(word.start(), word.end()) for word in _WORD.finditer(said[:mark.start()])][-DURATION_WORDS:]
            spans = (words[-size:] for size in range(len(words), 0, -1))
            mark_end = mark.end() + said.startswith("에", mark.end())
        for span in spans:
            seconds = parse_duration(said[span[0][0]:span[-1][1]])
            if seconds:
                yield Delay(seconds, min(mark_start, span[0][0]), max(mark_end, span[-1][1]))
                break
