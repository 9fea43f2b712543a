"""Finding where an utterance names a catalogue entry."""

import pytest

from tinychat.domain.builtin import builtin_spec
from tinychat.domain.entities import find_entity, find_mention


@pytest.fixture(scope="module")
def food():
    return builtin_spec("fridge").catalogues["food"]


@pytest.mark.parametrize(("text", "entity", "words"), [
    ("i bought two bottles of milk", "milk", "milk"),
    ("we're out of milk", "milk", "milk"),  # "of" stays with "out"
    ("do we have any orange juice left", "orange_juice", "orange juice"),
    ("계란을 열 개 샀어", "egg", "계란을"),  # the particle is part of the word said
    ("throw away the strawberries", "strawberry", "the strawberries"),
])
def test_a_mention_is_the_words_that_name_the_entry(food, text, entity, words):
    mention = find_mention(food, text)
    assert mention is not None and mention.id == entity
    assert text[mention.start : mention.end] == words


def test_no_name_no_mention(food):
    assert find_mention(food, "what time is it") is None
    assert find_entity(food, "what time is it") is None


def test_the_longest_name_wins_then_the_last(food):
    assert find_entity(food, "i bought milk and orange juice") == "orange_juice"
    assert find_entity(food, "eggs and milk") == "milk"
