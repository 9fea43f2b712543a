"""The final consonant that picks a Korean particle or ending."""

import pytest

from tinychat.domain.hangul import final_consonant, is_past_stem, is_syllable


@pytest.mark.parametrize(("word", "final"), [
    ("우유", ""), ("계란", "C"), ("물", "ㄹ"), ("사과 ", ""),
    ("3", "C"), ("2", ""), ("10", "C"), ("15", ""),
    ("٣", "C"), ("３", "C"), ("²", ""),  # any script's digit is read by its value; a superscript is not a digit
    ("milk", "C"), ("tea", ""), ("", ""), ("!", ""), ("😀", ""),
])
def test_final_consonant(word: str, final: str) -> None:
    assert final_consonant(word) == final


def test_is_syllable() -> None:
    assert is_syllable("가") and is_syllable("힣")
    assert not is_syllable("ㄱ") and not is_syllable("a")


@pytest.mark.parametrize(("syllable", "past"), [
    ("샀", True), ("었", True), ("했", True), ("뺐", True),
    ("있", False), ("사", False), ("고", False), ("a", False), ("", False),
])
def test_is_past_stem(syllable: str, past: bool) -> None:
    assert is_past_stem(syllable) == past
