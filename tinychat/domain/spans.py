"""Shared span clean-up for the normalisers: Korean spacing, trailing particles, numerals.

Korean numerals and counters may be spaced any way ("한 시간", "한시간"), so Korean spans are
matched with their spaces removed; English spans are matched as words (``numbers.split_words``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import TypeVar

from tinychat.domain.numbers import KOREAN_NUMBER_CHARS, parse_korean_number

T = TypeVar("T")

#: a Korean numeral (or digits, or a decimal) inside a span whose spaces were removed
KO_NUM = rf"\d+(?:\.\d+)?|[{KOREAN_NUMBER_CHARS}]+"

#: Korean particles and postpositions that may trail a span ("3시에", "30분 동안", "금요일까지")
_KO_TRAILERS = sorted(
    "에서 까지 부터 동안 정도 쯤 경 에는 에 으로 로 은 는 을 를 이 가 도 만 요 짜리 후 뒤 안에 이내".split(),
    key=len,
    reverse=True,
)


def compact(span: str) -> str:
    """A Korean span without spaces or stray punctuation (Korean numerals may be spaced either way)."""
    span = re.sub(r"(?<=\d),(?=\d)", "", span.lower())
    span = re.sub(r"(?<!\d)[.:]|[.:](?!\d)", "", span)
    return re.sub(r"[^\w.:]|_", "", span)


def parse_korean(parse: Callable[[str], T | None], span: str) -> T | None:
    """``parse`` of the compacted span, else of it with up to two trailing particles cut ("7시반에")."""
    text = compact(span)
    for _ in range(3):
        value = parse(text)
        if value is not None:
            return value
        cut = next((p for p in _KO_TRAILERS if text.endswith(p) and len(text) > len(p)), None)
        if cut is None:
            return None
        text = text[: -len(cut)]
    return None


def strip_leading(tokens: list[str], fillers: frozenset[str]) -> list[str]:
    """``tokens`` without the filler words in front ("for", "about", "at")."""
    while tokens and tokens[0] in fillers:
        tokens = tokens[1:]
    return tokens


def korean_value(text: str | None) -> Fraction | None:
    """A group matched by ``KO_NUM`` as a number: digits, a decimal ("1.5"), or a numeral."""
    if not text:
        return None
    if re.fullmatch(r"\d+\.\d+", text):
        return Fraction(text)
    value = parse_korean_number(text)
    return None if value is None else Fraction(value)
