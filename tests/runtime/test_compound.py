"""Utterances that name several things become one action per thing, or stay whole."""

import pytest

from tinychat import Parser
from tinychat.runtime.compound import split_at_joins, split_requests, split_things


@pytest.fixture(scope="module")
def fridge():
    return Parser.load("fridge", 0.0)


def things(parser: Parser, text: str) -> list[tuple[str, dict]] | None:
    actions = split_things(parser, text, parser.parse(text))
    return [(a.intent, a.slots) for a in actions] if actions else None


@pytest.mark.parametrize(("text", "expected"), [
    ("I bought a dozen eggs and two bottles of milk",
     [("inventory_add", {"quantity": 12, "item": "egg"}),
      ("inventory_add", {"quantity": 2, "unit": "bottle", "item": "milk"})]),
    ("add eggs and milk to my shopping list",
     [("list_add", {"item": "egg", "list": "shopping"}), ("list_add", {"item": "milk", "list": "shopping"})]),
    ("put bread, butter and jam on the shopping list",
     [("list_add", {"item": i, "list": "shopping"}) for i in ("bread", "butter", "jam")]),
    ("계란 12개랑 우유 두 병 샀어",
     [("inventory_add", {"item": "egg", "quantity": 12}),
      ("inventory_add", {"item": "milk", "quantity": 2, "unit": "bottle"})]),
    ("장보기 목록에 우유하고 계란 추가해 줘",
     [("list_add", {"list": "shopping", "item": "milk"}), ("list_add", {"list": "shopping", "item": "egg"})]),
    ("we're out of milk and bread",  # the whole sentence's parse names only the bread
     [("inventory_remove", {"item": "milk"}), ("inventory_remove", {"item": "bread"})]),
    ("장보기 목록에 두부하고 파 넣어줘",  # the model copies "기" of 장보기 as an item here: the names decide
     [("list_add", {"list": "shopping", "item": "tofu"}), ("list_add", {"list": "shopping", "item": "green_onion"})]),
])
def test_each_thing_keeps_the_words_around_it(fridge, text, expected):
    assert things(fridge, text) == expected


@pytest.mark.parametrize(("text", "sentences"), [
    ("i bought a dozen eggs and two bottles of milk", ["i bought a dozen eggs", "i bought two bottles of milk"]),
    ("i used 2 carrots and 3 onions", ["i used 2 carrots", "i used 3 onions"]),
    ("계란 열 개랑 우유 두 병 샀어", ["계란 열 개 샀어", "우유 두 병 샀어"]),
])
def test_each_sentence_reads_as_said(fridge, text, sentences):
    assert [a.text for a in split_things(fridge, text, fridge.parse(text))] == sentences


@pytest.mark.parametrize("text", [
    "add mac and cheese to the list",  # one catalogue name with "and" in it
    "I bought eggs",
    "what's on the shopping list and the todo list",  # no thing named
    "play music and turn on the lights",
])
def test_one_request_stays_whole(fridge, text):
    assert things(fridge, text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("I bought eggs and ate two apples",  # "i bought ate two apples" would buy them
     [("inventory_add", {"item": "egg"}), ("inventory_remove", {"quantity": 2, "item": "apple"})]),
    ("i used the butter and bought more milk",
     [("inventory_remove", {"item": "butter"}), ("inventory_add", {"item": "milk"})]),
    ("계란 샀어 그리고 우유 다 먹었어",  # verb last: the first part has its own verb before the shared one
     [("inventory_add", {"item": "egg"}), ("inventory_remove", {"item": "milk"})]),
    ("add milk and remove eggs from the list",  # the split would make "add milk from the list" a removal
     [("list_add", {"item": "milk"}), ("list_remove", {"item": "egg"})]),
    ("remove eggs and add milk to the list",
     [("list_remove", {"item": "egg"}), ("list_add", {"item": "milk"})]),
])
def test_a_part_with_its_own_verb_is_its_own_request(fridge, text, expected):
    assert things(fridge, text) == expected


@pytest.mark.parametrize("text", [
    "i bought a dozen eggs and a big tub of yogurt",  # "a big tub of" says no request alone
    "i bought eggs and some fresh milk",
])
def test_words_of_a_thing_are_no_verb_of_its_own(fridge, text):
    assert {intent for intent, _ in things(fridge, text)} == {"inventory_add"}


@pytest.mark.parametrize(("text", "parts"), [
    ("계란 샀고 우유 다 먹었어", ["계란 샀어", "우유 다 먹었어"]),
    ("계란 있고 우유 없어", ["계란 있고 우유 없어"]),  # "there is … and" joins no requests
    ("우유 사고 싶어", ["우유 사고 싶어"]),  # no past tense
])
def test_a_past_tense_joined_by_go_ends_its_sentence(fridge, text, parts):
    assert split_at_joins(text, fridge.spec) == parts


def test_a_name_with_a_join_still_splits_from_the_next_thing(fridge):
    assert [slots["item"] for _, slots in things(fridge, "add mac and cheese and milk to the list")] == [
        "pasta", "milk"]


@pytest.fixture(scope="module")
def watch():
    return Parser.load("wearable", 0.0)


@pytest.mark.parametrize(("domain", "text", "expected"), [
    ("wearable", "set a timer for 5 minutes and an alarm at 7",
     [("timer_set", {"duration_s": 300}), ("alarm_set", {"time": "07:00"})]),
    ("fridge", "add milk to the shopping list and tell me what's in the fridge",
     [("list_add", {"item": "milk", "list": "shopping"}), ("inventory_query", {})]),
    ("fridge", "I bought eggs and threw out the old cheese",
     [("inventory_add", {"item": "egg"}), ("inventory_remove", {"item": "cheese"})]),
    ("fridge", "김치 다 먹었고 두부 샀어",  # a past tense joined by -고
     [("inventory_remove", {"item": "kimchi"}), ("inventory_add", {"item": "tofu"})]),
    ("fridge", "사과 두 개 먹었고 배 세 개 샀어",
     [("inventory_remove", {"item": "apple", "quantity": 2}), ("inventory_add", {"item": "pear", "quantity": 3})]),
    ("fridge", "목록에 우유 넣고 목록에서 계란 빼 줘",  # a present -고 joins two requests
     [("list_add", {"item": "milk"}), ("list_remove", {"item": "egg"})]),
    ("fridge", "장보기 목록에 두부 넣고 냉장고에 뭐 있는지 알려 줘",
     [("list_add", {"list": "shopping", "item": "tofu"}), ("inventory_query", {})]),
])
def test_whole_requests_joined_by_and_split(fridge, watch, domain, text, expected):
    parser = fridge if domain == "fridge" else watch
    assert [(a.intent, a.slots) for a in split_requests(parser, text)] == expected


@pytest.mark.parametrize(("domain", "text"), [
    ("wearable", "remind me to take out the trash and recycling at 8"),  # "recycling at 8" is no request
    ("fridge", "clear the shopping list and add milk"),  # needs a yes first
    ("fridge", "add eggs"),
    ("fridge", "우유 사고 싶어"),  # "싶어" asks nothing alone
    ("fridge", "계란 빼고 다 지워 줘"),  # "everything but the eggs": the clear needs a yes
])
def test_a_part_that_is_no_sure_whole_request_keeps_it_one(fridge, watch, domain, text):
    assert split_requests(fridge if domain == "fridge" else watch, text) is None


def test_a_part_read_unsure_keeps_it_one(fridge):
    def unsure_of_using(part):
        action, copied = fridge.read(part)
        return (action.model_copy(update={"confidence": 0.5}) if "threw" in part else action), copied

    text = "I bought eggs and threw out the old cheese"
    assert split_requests(fridge, text) is not None
    assert split_requests(fridge, text, read=unsure_of_using) is None
