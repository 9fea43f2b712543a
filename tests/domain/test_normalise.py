"""Span → value, one table row per tricky span: numbers, quantities, durations, times, dates, text."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tinychat.domain.normalise import parse_date, parse_duration, parse_quantity, parse_text, parse_time
from tinychat.domain.numbers import (
    english_number_words,
    english_ordinal_words,
    korean_native_number,
    korean_sino_number,
    parse_number,
)
from tinychat.domain.when import WEEKDAYS

_DATE_WORDS = {"today", "tomorrow", "day_after_tomorrow", "weekend", *WEEKDAYS}

NUMBERS = [
    ("12", 12),
    ("1,000", 1000),
    ("twenty one", 21),
    ("twenty-one", 21),
    ("twentyone", 21),
    ("a hundred and five", 105),
    ("one thousand two hundred and thirty four", 1234),
    ("fifteen hundred", 1500),
    ("a dozen", 12),
    ("two dozen", 24),
    ("half a dozen", 6),
    ("a couple of", 2),
    ("a pair", 2),
    ("an", 1),
    ("a few", None),
    ("two three", None),
    ("하나", 1),
    ("한", 1),
    ("스무", 20),
    ("스물한", 21),
    ("열 두", 12),
    ("석", 3),
    ("삼십오", 35),
    ("육", 6),
    ("륙", 6),
    ("이천이십사", 2024),
    ("2병", 2),
    ("30초", 30),
    ("이삼", None),
    ("스무하나", None),
    ("사과", None),
]

QUANTITIES = [
    ("두 병", 2),
    ("두병", 2),
    ("2병", 2),
    ("2 병", 2),
    ("열 개", 10),
    ("열 두 개", 12),
    ("스무 개", 20),
    ("백 개", 100),
    ("서른 세트", 30),
    ("둘이요", 2),
    ("a dozen", 12),
    ("a dozen eggs", 12),
    ("three bottles", 3),
    ("2 kg", 2),
    ("half a dozen", 6),
    ("a couple of cartons", 2),
    ("an egg", 1),
    ("about 5", 5),
    ("a few", None),
    ("a lot", None),
    ("two and a half", None),
    ("네", None),  # "yes", not four: an attributive numeral needs its counter
    ("네 개", 4),
    ("한두 개", None),
    ("몇 개", None),
    ("사과", None),
    ("오후", None),
    ("", None),
]

DURATIONS = [
    ("an hour and a half", 5400),
    ("one and a half hours", 5400),
    ("1.5 hours", 5400),
    ("half an hour", 1800),
    ("a half hour", 1800),
    ("quarter of an hour", 900),
    ("three quarters of an hour", 2700),
    ("90 minutes", 5400),
    ("1 hr 20 min", 4800),
    ("an hour and 20 minutes", 4800),
    ("2 mins", 120),
    ("a minute", 60),
    ("a couple of minutes", 120),
    ("5 minutes and 30 seconds", 330),
    ("1h30m", 5400),
    ("for 10 minutes", 600),
    ("1시간 반", 5400),
    ("한 시간 이십 분", 4800),
    ("한시간이십분", 4800),
    ("30초", 30),
    ("십오 분", 900),
    ("2분 반", 150),
    ("반 시간", 1800),
    ("30분 동안", 1800),
    ("5", None),  # a bare number has no unit
    ("half a second", None),  # not whole seconds
    ("5 minutes 1 hour", None),
    ("a few minutes", None),
    ("분", None),
]

TIMES = [
    ("half past six pm", "18:30"),
    ("6:30", "06:30"),
    ("6:30pm", "18:30"),
    ("six thirty", "06:30"),
    ("6.30 pm", "18:30"),
    ("6 p.m.", "18:00"),
    ("quarter to seven", "06:45"),
    ("a quarter past 9", "09:15"),
    ("ten past 8 in the evening", "20:10"),
    ("twenty five minutes to one pm", "12:35"),
    ("seven oh five", "07:05"),
    ("7 am", "07:00"),
    ("7 o'clock", "07:00"),
    ("7 oclock", "07:00"),
    ("7", "07:00"),  # no day part: the hour as said
    ("seven", "07:00"),
    ("19:00", "19:00"),
    ("eighteen thirty", "18:30"),
    ("noon", "12:00"),
    ("midday", "12:00"),
    ("midnight", "00:00"),
    ("12 am", "00:00"),
    ("12 pm", "12:00"),
    ("ten to midnight", "23:50"),
    ("tonight at 8", "20:00"),
    ("8 tonight", "20:00"),
    ("1 at night", "01:00"),
    ("this evening at seven", "19:00"),
    ("in the morning at 6", "06:00"),
    ("at 5 in the afternoon", "17:00"),
    ("오후 3시 반", "15:30"),
    ("오후3시반", "15:30"),
    ("아침 7시", "07:00"),
    ("저녁 8시", "20:00"),
    ("밤 11시", "23:00"),
    ("밤 12시", "00:00"),
    ("밤 1시", "01:00"),  # after midnight, as Korean speakers mean it
    ("새벽 5시", "05:00"),
    ("낮 12시", "12:00"),
    ("낮 2시", "14:00"),
    ("정오", "12:00"),
    ("자정", "00:00"),
    ("15시 20분", "15:20"),
    ("세 시 반", "03:30"),
    ("오전 열시", "10:00"),
    ("열두 시 정각", "12:00"),
    ("7시 반에", "07:30"),
    ("3시쯤", "03:00"),
    ("오후 3:30", "15:30"),
    ("25:00", None),
    ("7:75", None),
    ("18 am", None),
    ("7 am pm", None),
    ("5 minutes", None),
    ("30분", None),
    ("hello", None),
]

DATES = [
    ("today", "today"),
    ("tonight", "today"),
    ("this evening", "today"),
    ("tomorrow", "tomorrow"),
    ("tomorrow morning", "tomorrow"),
    ("the day after tomorrow", "day_after_tomorrow"),
    ("friday", "friday"),
    ("next friday", "friday"),
    ("on fridays", "friday"),
    ("this coming tues", "tuesday"),
    ("this weekend", "weekend"),
    ("over the weekend", "weekend"),
    ("march 5", "03-05"),
    ("march 5th", "03-05"),
    ("5th of march", "03-05"),
    ("the fifth of march", "03-05"),
    ("march the fifth", "03-05"),
    ("5 march", "03-05"),
    ("sept twenty first", "09-21"),
    ("february 29", "02-29"),
    ("february 30", None),
    ("3/5", None),  # month first or day first? ambiguous, so not a date
    ("the 5th", None),
    ("last friday", None),
    ("오늘", "today"),
    ("오늘 밤", "today"),
    ("내일", "tomorrow"),
    ("모레", "day_after_tomorrow"),
    ("내일모레", "day_after_tomorrow"),
    ("월요일", "monday"),
    ("일요일", "sunday"),
    ("다음 주 화요일", "tuesday"),
    ("금요일에", "friday"),
    ("주말", "weekend"),
    ("이번 주말", "weekend"),
    ("3월 5일", "03-05"),
    ("삼월 오일", "03-05"),
    ("유월 십일일", "06-11"),
    ("시월 이십일", "10-20"),
    ("13월 5일", None),
    ("5일", None),
]

TEXTS = [
    ("To call Mom", "call mom"),
    ("  that   the door is open ", "the door is open"),
    ("buy milk.", "buy milk"),
    ("turn on the sprinkler thank you", "turn on the sprinkler"),
    ("clean the bathroom ok", "clean the bathroom"),
    ("write a thank you note", "write a thank you note"),
    ("엄마한테 전화하기", "엄마한테 전화하기"),
    ("엄마한테 전화하라고", "엄마한테 전화하기"),
    ("약 먹으라고", "약 먹기"),
    ("우유 사라고", "우유 사기"),
    ("빨래 널라고", "빨래 널기"),
    ("약 먹기라고", "약 먹기"),
    ("라고", "라고"),
    ("to the", ""),
    ("that", ""),
    ("그거 좀", ""),
    ("some of the milk", "some of the milk"),
]


TABLE = [
    (parser, span, value)
    for parser, rows in [(parse_number, NUMBERS), (parse_quantity, QUANTITIES), (parse_duration, DURATIONS),
                         (parse_time, TIMES), (parse_date, DATES), (parse_text, TEXTS)]
    for span, value in rows
]


@pytest.mark.parametrize(("parser", "span", "value"), TABLE, ids=[f"{p.__name__}:{s}" for p, s, _ in TABLE])
def test_normalisers(parser: Callable[[str], object], span: str, value: object) -> None:
    assert parser(span) == value


def test_number_words_round_trip() -> None:
    for n in range(1, 100):
        assert parse_number(english_number_words(n)) == n
        assert parse_number(korean_sino_number(n)) == n
        assert parse_number(korean_native_number(n)) == n
        assert parse_number(korean_native_number(n, attributive=False)) == n
    for n in (100, 105, 999, 1000, 2024, 10_000, 123_456):
        assert parse_number(english_number_words(n)) == n
        assert parse_number(korean_sino_number(n)) == n
    assert [korean_native_number(n) for n in (1, 2, 20, 21)] == ["한", "두", "스무", "스물한"]
    assert english_ordinal_words(21) == "twenty-first"


def test_garbage_never_raises_nor_leaves_range() -> None:
    pieces = [*"abcxyz0123456789 :.,-'/²５", *"시분초반오후전밤일이삼사열두세네월요주말"]
    pieces += "half |past |to |quarter |hour |and |a |pm |dozen |of |minutes |march |the ".split("|")
    rng = random.Random(0)
    for _ in range(3000):
        span = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        time = parse_time(span)
        assert time is None or ("00:00" <= time <= "23:59" and int(time[3:]) < 60)
        duration = parse_duration(span)
        assert duration is None or (isinstance(duration, int) and duration > 0)
        quantity = parse_quantity(span)
        assert quantity is None or quantity >= 0
        date = parse_date(span)
        assert date is None or date in _DATE_WORDS or (len(date) == 5 and date[2] == "-")
        parse_number(span)
        parse_text(span)
