"""Free-text values read around a lead-in or closing word, on plain text (resolve_action decides when)."""

import pytest

from tinychat.domain.free_text import (
    after_lead_in,
    as_task_noun,
    copy_falls_short,
    locate,
    through_closing,
    with_cut_syllable,
    without_dangling,
)


def test_the_words_after_a_lead_in_stop_where_another_value_starts():
    said = "remind me to eat lunch at noon"
    assert after_lead_in(["to"], ["noon"], said) == "eat lunch"  # "at" dangles
    assert after_lead_in(["to"], [], "remind me at noon") is None


@pytest.mark.parametrize(("utterance", "read"), [
    ("remind me to bring my umbrella because it might rain", "bring my umbrella"),
    ("remind me to call the bank since they close early", "call the bank"),
    ("i want you to remind me to buy milk", "buy milk"),  # the lead-in of the request, not of the wish
    ("i need to remember to email john", "email john"),
])
def test_the_words_after_a_lead_in_stop_where_a_reason_starts(utterance, read):
    assert after_lead_in(["to"], [], utterance) == read


def test_a_copy_falls_short_when_it_is_a_part_the_lead_in_or_before_it():
    said = "set a reminder for 8 pm to walk the dog"
    assert copy_falls_short(["to"], "set a", "walk the dog", said)
    assert copy_falls_short(["to"], "dog", "walk the dog", said)
    assert copy_falls_short(["to", "about"], "about", "my pills", "remind me about my pills")
    assert copy_falls_short(["to", "about"], "me about the meeting", "the meeting", "remind me about the meeting")
    assert not copy_falls_short(["to"], "walk the dog at eight", "walk the dog", said)
    assert not copy_falls_short(["to"], "go to the gym", "the gym", "go to the gym reminder")


def test_a_value_runs_to_its_closing_word():
    said = "오후 3시에 택배 찾으러 가라고 알려줘"
    assert through_closing(["라고"], "택배 찾으러", ["오후 3시"], said) == "택배 찾으러 가라고"
    assert through_closing(["라고"], None, ["오후 3시"], said) == "택배 찾으러 가라고"
    assert through_closing(["라고"], "택배 찾으러 가라고", ["오후 3시"], said) is None  # the copy stands
    assert through_closing(["라고"], None, [], "remind me to call mom") is None


def test_helpers():
    assert without_dangling("eat lunch at") == "eat lunch"
    assert locate("두", "두부 두 모") == 3


@pytest.mark.parametrize(("copy", "others", "utterance", "read"), [
    ("갑 챙기라고", ["내일"], "내일 지갑 챙기라고 알려 줘", "지갑 챙기라고"),
    ("일 우유 사라고", ["내"], "내일 우유 사라고 알려 줘", "일 우유 사라고"),  # the date holds "내"
    ("유 사라고", [], "내일우유 사라고 알려 줘", "유 사라고"),  # more than a syllable is missing
    ("take my pills", [], "remind me to take my pills", "take my pills"),
])
def test_a_syllable_cut_off_a_korean_copy_is_taken_back(copy, others, utterance, read):
    assert with_cut_syllable(copy, others, utterance) == read


@pytest.mark.parametrize(("copy", "utterance", "read"), [
    ("약 먹는", "약 먹는 거 잊지 않게 해줘", "약 먹기"),
    ("은행 가", "은행 가는 거 잊지 않게 알려줘", "은행 가기"),  # the copy stopped before 는
    ("우유 사는", "내일 우유 사는 것 까먹지 않게", "우유 사기"),
    ("우유", "우유는 다 먹었어", "우유"),  # a topic particle, no "거" after it
    ("call mom", "remind me to call mom", "call mom"),
])
def test_a_korean_task_said_as_the_thing_of_doing_takes_its_gi_form(copy, utterance, read):
    assert as_task_noun(copy, utterance) == read
