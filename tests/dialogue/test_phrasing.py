"""Values in words: English plurals and number words, Korean counters, clock times and days."""

from datetime import date

import pytest

from tinychat.dialogue.phrasing import (
    Phrasing,
    addressed,
    day_words,
    detect_language,
    duration_words,
    first_filled,
    time_words,
)
from tinychat.dialogue.when import delay_in, duration_in
from tinychat.domain.builtin import builtin_spec

FRIDGE = Phrasing(builtin_spec("fridge"))


@pytest.mark.parametrize(("item", "quantity", "unit", "lang", "words"), [
    ("egg", 1, None, "en", "one egg"),
    ("egg", 12, None, "en", "12 eggs"),
    ("milk", 2, "bottle", "en", "two bottles of milk"),
    ("milk", 1, "bottle", "en", "one bottle of milk"),
    ("milk", 2, None, "en", "two cartons of milk"),
    ("milk", None, None, "en", "milk"),
    ("egg", None, None, "en", "eggs"),
    ("milk", 2, "bottle", "ko", "우유 2병"),
    ("egg", 10, None, "ko", "계란 10개"),
    ("milk", 3, None, "ko", "우유 3팩"),
    ("jam", None, None, "en", "jam"),  # countable: false in the catalogue
    ("jam", 2, "jar", "en", "two jars of jam"),
    ("jam", 1, None, "en", "one jar of jam"),
    ("cheese", 2, None, "en", "two packs of cheese"),
    ("apple", None, None, "en", "apples"),
])
def test_amounts(item, quantity, unit, lang, words):
    assert FRIDGE.amount("food", item, quantity, unit, lang) == words


@pytest.mark.parametrize(("value", "lang", "words"), [
    ("18:30", "en", "6:30 pm"), ("07:00", "en", "7 am"), ("12:00", "en", "noon"), ("00:00", "en", "midnight"),
    ("15:30", "ko", "오후 3시 30분"), ("07:00", "ko", "오전 7시"),
])
def test_times(value, lang, words):
    assert time_words(value, lang) == words


@pytest.mark.parametrize(("seconds", "lang", "words"), [
    (5400, "en", "one hour and 30 minutes"), (60, "en", "one minute"), (30, "ko", "30초"), (3900, "ko", "1시간 5분"),
])
def test_durations(seconds, lang, words):
    assert duration_words(seconds, lang) == words


def test_days():
    today = date(2026, 11, 23)  # a Monday
    assert day_words(date(2026, 11, 24), today, "en") == "tomorrow"
    assert day_words(date(2026, 11, 27), today, "en") == "on Friday"
    assert day_words(date(2026, 12, 25), today, "ko") == "12월 25일"


@pytest.mark.parametrize(("text", "lang"), [("우유 있어?", "ko"), ("milk please", "en"), ("2", "ko")])
def test_language_of_an_utterance(text, lang):
    assert detect_language(text, fallback="ko") == lang


@pytest.mark.parametrize(("template", "values", "text"), [
    ("Okay, took that out. {left} left.", {"left": "four eggs"}, "Okay, took that out. Four eggs left."),
    ("{day} is a {weekday}.", {"day": "tomorrow", "weekday": "Friday"}, "Tomorrow is a Friday."),
    ("{item|은} 다 떨어졌어요.", {"item": "우유"}, "우유는 다 떨어졌어요."),
    ("I'll remind you: {task}.", {"task": "call mom"}, "I'll remind you: call mom."),
])
def test_each_sentence_of_a_reply_starts_with_a_capital(template, values, text):
    assert first_filled(template, values) == text


@pytest.mark.parametrize(("text", "seconds"), [
    ("remind me in 20 minutes to check the oven", 1200),
    ("remind me to check the oven in an hour and a half", 5400),
    ("an hour from now", 3600),
    ("in half an hour?", 1800),
    ("20분 뒤에 알려 줘", 1200),
    ("한시간 반 후에", 5400),
    ("10분 있다가 알려 줘", 600),
    ("오후 3시에 알려 줘", None),  # the 후 of 오후 is no delay
    ("put the kettle in the oven", None),
    ("in the morning", None),
])
def test_delays_said_from_now(text, seconds):
    assert delay_in(text) == seconds


@pytest.mark.parametrize(("text", "seconds"), [
    ("cancel the 10 minute timer", 600), ("3분 타이머 꺼 줘", 180),
    ("stop the 90 second timer", 90), ("cancel the timer", None),
])
def test_a_length_said_anywhere(text, seconds):
    assert duration_in(text) == seconds


@pytest.mark.parametrize(("said", "lang", "back"), [
    ("take my pills", "en", "take your pills"),
    ("tell mom i'm late and call me", "en", "tell mom you're late and call you"),
    ("mix the dough", "en", "mix the dough"),
    ("약 먹기", "ko", "약 먹기"),
])
def test_the_users_words_are_said_back_to_them(said, lang, back):
    assert addressed(said, lang) == back
