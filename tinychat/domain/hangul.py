"""Hangul syllables: the sound a word ends in picks the form of what follows it (우유를, 계란을; 사라고, 먹으라고)."""

from __future__ import annotations

_FIRST, _COUNT, _FINALS = 0xAC00, 11172, 28
_RIEUL = 8
_DIGIT_HAS_FINAL = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False,
                    "6": True, "7": True, "8": True, "9": False}


def is_syllable(ch: str) -> bool:
    """Whether ``ch`` is one precomposed Hangul syllable."""
    return 0 <= ord(ch) - _FIRST < _COUNT


def final_consonant(word: str) -> str:
    """The last syllable's final consonant: "" after a vowel, "ㄹ", or "C" for any other.

    Digits and Latin letters count as read aloud ("3을", "2를").
    """
    last = word.rstrip()[-1:] or " "
    if is_syllable(last):
        final = (ord(last) - _FIRST) % _FINALS
        return "" if final == 0 else ("ㄹ" if final == _RIEUL else "C")
    if last.isdigit():
        return "C" if _DIGIT_HAS_FINAL[last] else ""
    return "C" if last.lower() in "lmnbkpt" else ""
