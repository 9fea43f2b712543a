import pytest

from tinychat.domain.utterance import MAX_UTTERANCE_CHARS, normalise_utterance


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("What's in the FRIDGE?!", "whats in the fridge"),
        ("Wake me at 6:30 p.m.", "wake me at 6:30 pm"),
        ("add 1,000 eggs", "add 1000 eggs"),
        ("a 1.5 hour timer", "a 1.5 hour timer"),
        ("우유 2병 넣었어~", "우유 2병 넣었어"),
        ("twenty-one", "twenty one"),
        ("tab\tand\x00null", "tab and null"),
        ("   ", ""),
        ("ＦＵＬＬ　ｗｉｄｔｈ", "full width"),
    ],
)
def test_normalise(raw, clean):
    assert normalise_utterance(raw) == clean


def test_long_input_is_cut():
    assert len(normalise_utterance("milk " * 5000)) <= MAX_UTTERANCE_CHARS
