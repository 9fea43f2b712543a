"""Hangul syllables: the sound a word ends in picks the form of what follows it (우유를, 계란을; 사라고, 먹으라고)."""

from __future__ import annotations

import unicodedata

_FIRST, _COUNT, _FINALS = 0xAC00, 11172, 28
_RIEUL = 8
#: whether each digit read aloud in Sino-Korean (영, 일, 이, 삼, …) ends in a consonant
_DIGIT_HAS_FINAL = (True, True, False, True, False, False, True, True, True, False)


def is_syllable(ch: str) -> bool:
    """Whether ``ch`` is one precomposed Hangul syllable."""
    return 0 <= ord(ch) - _FIRST < _COUNT


_SSANGSIOS = 20


def is_past_stem(ch: str) -> bool:
    """Whether a syllable ends in the past tense's ㅆ (샀, 먹었, 했), not being 있 ("there is")."""
    return len(ch) == 1 and is_syllable(ch) and (ord(ch) - _FIRST) % _FINALS == _SSANGSIOS and ch != "있"


def final_consonant(word: str) -> str:
    """The last syllable's final consonant: "" after a vowel, "ㄹ", or "C" for any other.

    Digits (of any script) and Latin letters count as read aloud ("3을", "2를").
    """
    last = word.rstrip()[-1:] or " "
    if is_syllable(last):
        final = (ord(last) - _FIRST) % _FINALS
        return "" if final == 0 else ("ㄹ" if final == _RIEUL else "C")
    digit = unicodedata.decimal(last, None)
    if digit is not None:
        return "C" if _DIGIT_HAS_FINAL[digit] else ""
    return "C" if last.lower() in "lmnbkpt" else ""
