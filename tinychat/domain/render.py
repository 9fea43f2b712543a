"""Value → words: a random way of saying a slot value, for synthesising training text.

The model learns to copy spans, so the corpus must show values said every way people say
them: digits and words, "a dozen", "half past six in the evening", "두 병", "삼십 분". Every
form drawn here is one the normaliser reads back to the same value (the round-trip contract
tested in tests/domain/test_render.py): ``parse_X(render_X(v, lang, rng)) == v``.
"""

from __future__ import annotations

import random

from tinychat.domain.numbers import (
    english_number_words,
    english_ordinal_digits,
    english_ordinal_words,
    korean_native_number,
    korean_sino_number,
)
from tinychat.domain.when import DAYS_IN_MONTH, MONTHS, WEEKDAYS

_KO_WEEKDAYS = dict(zip(WEEKDAYS, "월화수목금토일", strict=True))


def _check_lang(lang: str) -> None:
    if lang not in ("en", "ko"):
        raise ValueError(f"no renderer for language {lang!r}")


def _en_number(n: int, rng: random.Random) -> str:
    """Digits or words; hyphens or spaces inside words ("twenty-one", "twenty one")."""
    return str(n) if n > 999_999 or rng.random() < 0.5 else _en_words(n, rng)


def _en_words(n: int, rng: random.Random) -> str:
    words = english_number_words(n)
    return words.replace("-", " ") if rng.random() < 0.5 else words


def _ko_native(n: int, rng: random.Random, attributive: bool = True) -> str:
    """Native numeral, sometimes spaced after the tens ("열 두"), digits where none exists."""
    if not 1 <= n <= 99:
        return str(n)
    word = korean_native_number(n, attributive)
    if n > 10 and n % 10 and rng.random() < 0.2:
        tens = korean_native_number(n - n % 10, attributive=False)
        return f"{tens} {word[len(tens) :]}"
    return word


def _ko_sino(n: int, rng: random.Random) -> str:
    return str(n) if rng.random() < 0.5 else korean_sino_number(n)


def _article(noun: str) -> str:
    return "an" if noun[:1] in tuple("aeiou") or noun.startswith("hour") else "a"


# --- quantity -----------------------------------------------------------------------------------


def render_quantity(n: int, lang: str, rng: random.Random, counter: str = "", unit_follows: bool = False) -> str:
    """A count, with an optional counter or unit word after it.

    English ``counter`` is "singular|plural" (or one form): "a bottle", "three bottles",
    "a dozen eggs". Korean counters follow native numerals, glued or spaced: "두 병", "두병";
    ``unit_follows``: a unit word is said next, so Korean numerals take their form before a
    counter ("네 팩", not "넷 팩").
    """
    _check_lang(lang)
    if n < 0:
        raise ValueError(f"a quantity cannot be negative: {n}")
    return _ko_quantity(n, rng, counter, unit_follows) if lang == "ko" else _en_quantity(n, rng, counter)


def _en_quantity(n: int, rng: random.Random, counter: str) -> str:
    singular, _, plural = counter.partition("|")
    noun = (singular if n == 1 else plural or singular).strip()
    forms = [str(n), _en_number(n, rng) if n > 999_999 else _en_words(n, rng)]
    if n == 1 and noun:
        forms.append(_article(noun))
    if n == 2:
        forms += ["a couple of" if noun else "a couple", "a pair of" if noun else "a pair"]
    if n == 6:
        forms.append("half a dozen")
    if n == 12:
        forms += ["a dozen", "one dozen"]
    elif n % 12 == 0 and 0 < n <= 120:
        forms.append(f"{_en_number(n // 12, rng)} dozen")
    if n == 100:
        forms.append("a hundred")
    form = rng.choice(forms)
    return f"{form} {noun}" if noun else form


def _ko_quantity(n: int, rng: random.Random, counter: str, unit_follows: bool) -> str:
    if not counter:
        return str(n) if n > 99 or n == 0 or rng.random() < 0.3 else _ko_native(n, rng, attributive=unit_follows)
    if n > 99 or n == 0 or rng.random() < 0.3:
        numeral = str(n) if n == 0 or rng.random() < 0.6 else korean_sino_number(n)
        # digits glue to the counter ("2병"); a glued Sino syllable could read as a word
        glue = "" if numeral.isdigit() and rng.random() < 0.7 else " "
    else:
        numeral, glue = _ko_native(n, rng), rng.choice(["", " "])
    return numeral + glue + counter


# --- duration -----------------------------------------------------------------------------------

_EN_UNITS = {
    3600: (["hour", "hr", "h"], ["hours", "hrs", "h"]),
    60: (["minute", "min", "m"], ["minutes", "mins", "m"]),
    1: (["second", "sec", "s"], ["seconds", "secs", "s"]),
}


def render_duration(seconds: int, lang: str, rng: random.Random) -> str:
    """A length of time: "an hour and a half", "90 minutes", "1h30m", "한 시간 반", "삼십 초"."""
    _check_lang(lang)
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, not {seconds}")
    return _ko_duration(seconds, rng) if lang == "ko" else _en_duration(seconds, rng)


def _en_duration(seconds: int, rng: random.Random) -> str:
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    forms = [_en_parts([(hours, 3600), (minutes, 60), (secs, 1)], rng)]
    if hours and not secs and seconds < 6 * 3600:
        forms.append(_en_parts([(seconds // 60, 60)], rng))  # "90 minutes"
    if not hours and minutes and secs and seconds <= 600:
        forms.append(_en_parts([(seconds, 1)], rng))  # "90 seconds"
    forms += _EN_FRACTIONS.get(seconds, [])
    if seconds % 3600 == 1800 and hours:
        forms += _en_and_a_half(hours, "hour", rng)
    if seconds % 60 == 30 and not hours and minutes:
        forms += _en_and_a_half(minutes, "minute", rng)
    return rng.choice(forms)


_EN_FRACTIONS = {
    1800: ["half an hour", "a half hour", "half hour", "half of an hour"],
    900: ["a quarter of an hour", "quarter of an hour", "a quarter hour", "quarter hour"],
    2700: ["three quarters of an hour", "3 quarters of an hour"],
    30: ["half a minute", "half of a minute"],
}


def _en_and_a_half(n: int, unit: str, rng: random.Random) -> list[str]:
    """Whole units and a half: "an hour and a half", "one and a half hours", "2.5 minutes"."""
    whole = (_article(unit) if rng.random() < 0.6 else "one") if n == 1 else _en_number(n, rng)
    return [
        f"{whole} {unit}{'s' if n > 1 else ''} and a half",
        f"{_en_number(n, rng)} and a half {unit}s",
        f"{n}.5 {unit}s",
    ]


def _en_parts(parts: list[tuple[int, int]], rng: random.Random) -> str:
    """Units largest first: "1 hour 20 minutes", "an hour and twenty mins", "1h20m", "1 hr, 20 min"."""
    parts = [(n, unit) for n, unit in parts if n]
    if rng.random() < 0.2:  # compact: 1h20m, 1h 20m
        return rng.choice(["", " "]).join(f"{n}{_EN_UNITS[unit][1][2]}" for n, unit in parts)
    style = rng.randrange(2)  # 0: hour/minute/second, 1: hr/min/sec
    said = []
    for n, unit in parts:
        names = _EN_UNITS[unit][0 if n == 1 else 1]
        if n == 1 and style == 0 and rng.random() < 0.5:
            said.append(f"{_article(names[0])} {names[0]}")
        else:
            said.append(f"{_en_number(n, rng)} {names[style]}")
    if len(said) == 1:
        return said[0]
    last_joiner = rng.choice([" ", " and ", ", "])
    return " ".join(said[:-1]) + last_joiner + said[-1]


def _ko_duration(seconds: int, rng: random.Random) -> str:
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    sep = rng.choice(["", " "])
    said = []
    if hours:
        numeral = _ko_native(hours, rng) if hours <= 99 and rng.random() < 0.6 else str(hours)
        said.append(f"{numeral}{sep}시간")
    if minutes == 30 and hours and not secs and rng.random() < 0.5:
        said.append("반")
    elif minutes:
        said.append(f"{_ko_sino(minutes, rng)}{sep}분")
    if secs == 30 and minutes and not hours and rng.random() < 0.5:
        said.append("반")
    elif secs:
        said.append(f"{_ko_sino(secs, rng)}{sep}초")
    forms = [rng.choice(["", " "]).join(said)]
    if hours and not secs and seconds < 3 * 3600:
        forms.append(f"{_ko_sino(seconds // 60, rng)}{sep}분")  # "90분"
    if not hours and minutes and secs and seconds <= 300:
        forms.append(f"{_ko_sino(seconds, rng)}{sep}초")
    if seconds == 1800:
        forms.append("반 시간")
    return rng.choice(forms)


# --- time ---------------------------------------------------------------------------------------

#: English day parts: (phrase, where it goes, 24-hour hours it may describe)
_EN_DAY_PARTS = [
    ("am", "after", range(0, 12)),
    ("a.m.", "after", range(0, 12)),
    ("pm", "after", range(12, 24)),
    ("p.m.", "after", range(12, 24)),
    ("in the morning", "after", range(4, 12)),
    ("this morning", "either", range(5, 12)),
    ("in the afternoon", "after", range(12, 18)),
    ("this afternoon", "either", range(12, 18)),
    ("in the evening", "after", range(17, 23)),
    ("this evening", "either", range(17, 23)),
    ("tonight", "either", [*range(19, 24), 0]),
    ("at night", "after", [*range(20, 24), 0, 1, 2, 3]),
]
#: Korean day parts, always before the hour, and the 24-hour hours each may describe
_KO_DAY_PARTS = [
    ("오전", range(1, 12)),
    ("오후", range(12, 24)),
    ("아침", range(5, 11)),
    ("새벽", range(0, 6)),
    ("낮", range(11, 16)),
    ("점심", range(12, 14)),
    ("저녁", range(17, 22)),
    ("밤", [*range(20, 24), 0, 1, 2]),
]


def render_time(hhmm: str, lang: str, rng: random.Random) -> str:
    """A time of day from "HH:MM": "6:30 pm", "half past six in the evening", "오후 6시 반".

    An hour from 1 to 12 said without a day part is read as said (morning), so afternoon
    and evening times always carry a day part or are said on the 24-hour clock ("18:30").
    """
    _check_lang(lang)
    hour, minute = (int(part) for part in hhmm.split(":"))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"not a time of day: {hhmm!r}")
    return _ko_time(hour, minute, rng) if lang == "ko" else _en_time(hour, minute, rng)


def _en_time(hour: int, minute: int, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:  # the 24-hour clock needs no day part
        return f"{hour:02d}:{minute:02d}" if rng.random() < 0.5 else f"{hour}:{minute:02d}"
    if minute == 0 and hour in (0, 12) and roll < 0.35:
        return rng.choice(
            ["noon", "midday", "twelve noon", "12 noon"] if hour else ["midnight", "12 midnight"]
        )
    style = rng.choice(["clock", "past" if 0 < minute <= 30 else "to" if minute >= 35 else "clock"])
    if style == "past":
        stated, clock = hour, _en_minutes(minute, rng) + rng.choice([" past ", " past ", " after "])
    elif style == "to":
        stated, clock = (hour + 1) % 24, _en_minutes(60 - minute, rng) + rng.choice([" to ", " to ", " of "])
    else:
        stated, clock = hour, ""
    if clock and stated in (0, 12) and rng.random() < 0.3:
        return clock + ("noon" if stated else "midnight")
    parts = [p for p in _EN_DAY_PARTS if stated in p[2]]
    bare = 1 <= stated <= 12 or (not clock and stated > 12)
    part = None if bare and (not parts or rng.random() < 0.3) else rng.choice(parts)
    said_hour = stated if part is None and stated > 12 else stated % 12 or 12
    if clock:
        said = clock + _en_number(said_hour, rng)
    else:
        said = _en_clock(said_hour, minute, rng)
    if part is None:
        return said
    phrase, where, _ = part
    if where == "either" and rng.random() < 0.5:
        return f"{phrase} at {said}"
    return f"{said} {phrase}"


def _en_minutes(minutes: int, rng: random.Random) -> str:
    """Minutes before "past"/"to": "half", "a quarter", "twenty", "twenty five minutes"."""
    if minutes == 30 and rng.random() < 0.8:
        return "half"
    if minutes == 15 and rng.random() < 0.8:
        return rng.choice(["quarter", "a quarter"])
    return _en_number(minutes, rng) + rng.choice(["", "", " minutes" if minutes > 1 else " minute"])


def _en_clock(hour: int, minute: int, rng: random.Random) -> str:
    """An hour and minutes read off a clock: "6:30", "six thirty", "seven oh five", "7 o'clock"."""
    if rng.random() < 0.4:
        return f"{hour}:{minute:02d}" if minute or rng.random() < 0.3 else str(hour)
    words = english_number_words(hour).replace("-", " ")
    if not minute:
        return rng.choice([words, f"{words} o'clock", f"{hour} o'clock"])
    if minute < 10:
        return f"{words} {rng.choice(['oh', 'o'])} {english_number_words(minute)}"
    return f"{words} {english_number_words(minute).replace('-', rng.choice(['-', ' ']))}"


def _ko_time(hour: int, minute: int, rng: random.Random) -> str:
    if minute == 0 and hour in (0, 12) and rng.random() < 0.25:
        return "정오" if hour else "자정"
    parts = [name for name, hours in _KO_DAY_PARTS if hour in hours]
    if rng.random() < 0.3 or not parts:  # on the 24-hour clock, said as is
        part, said_hour = "", hour
    else:
        part, said_hour = rng.choice(parts), hour % 12 or 12
    if rng.random() < 0.15:
        clock = f"{said_hour}:{minute:02d}"
    else:
        clock = _ko_clock(said_hour, minute, rng)
    return part + rng.choice(["", " ", " "]) + clock if part else clock


def _ko_clock(hour: int, minute: int, rng: random.Random) -> str:
    """An hour and minutes in Korean: "세 시 반", "3시 15분", "열두시 정각", "십오 시 이십 분"."""
    sep = rng.choice(["", " "])
    if hour > 12 or hour == 0:  # the 24-hour clock is read in Sino-Korean: 십오 시, 영 시
        numeral = _ko_sino(hour, rng)
    else:  # a 12-hour clock hour is native: 세 시, 열두 시
        numeral = str(hour) if rng.random() < 0.4 else _ko_native(hour, rng)
    said = f"{numeral}{sep}시"
    if minute == 30 and rng.random() < 0.6:
        tail = "반"
    elif minute:
        tail = f"{_ko_sino(minute, rng)}{sep}분"
    else:
        tail = "정각" if rng.random() < 0.15 else ""
    return said + rng.choice(["", " "]) + tail if tail else said


# --- date ---------------------------------------------------------------------------------------

_RELATIVE_DATES = {
    "en": {
        "today": ["today", "tonight", "this evening", "later today"],
        "tomorrow": ["tomorrow", "tomorrow morning", "tomorrow evening", "tomorrow night"],
        "day_after_tomorrow": ["the day after tomorrow", "day after tomorrow"],
        "weekend": ["this weekend", "the weekend", "weekend", "over the weekend", "on the weekend"],
    },
    "ko": {
        "today": ["오늘", "오늘 밤", "오늘 저녁", "오늘밤"],
        "tomorrow": ["내일", "내일 아침", "낼"],
        "day_after_tomorrow": ["모레", "내일모레", "내일 모레"],
        "weekend": ["주말", "이번 주말", "이번주 주말", "이번 주 주말"],
    },
}


def render_date(value: str, lang: str, rng: random.Random) -> str:
    """A date value ("tomorrow", "friday", "weekend", "03-05") as said: "next friday", "3월 5일"."""
    _check_lang(lang)
    if value in _RELATIVE_DATES[lang]:
        return rng.choice(_RELATIVE_DATES[lang][value])
    if value in WEEKDAYS:
        if lang == "ko":
            prefix = rng.choice(["", "", "이번 주 ", "다음 주 ", "다음주 ", "오는 ", "이번 "])
            return f"{prefix}{_KO_WEEKDAYS[value]}요일"
        return rng.choice(["", "", "on ", "next ", "this ", "this coming "]) + value
    month, day = _month_day(value)
    if value in _HOLIDAYS[lang] and rng.random() < 0.5:
        return rng.choice(_HOLIDAYS[lang][value])
    if lang == "ko":
        if rng.random() < 0.6:
            return f"{month}월{rng.choice(['', ' '])}{day}일"
        month_word = {6: "유", 10: "시"}.get(month) or korean_sino_number(month)
        return f"{month_word}월 {korean_sino_number(day)}일"
    name = MONTHS[month - 1] if rng.random() < 0.8 else MONTHS[month - 1][:3]
    ordinal = english_ordinal_digits(day) if rng.random() < 0.5 else english_ordinal_words(day)
    return rng.choice(
        [
            f"{name} {day}",
            f"{name} {ordinal}",
            f"{name} the {ordinal}",
            f"the {ordinal} of {name}",
            f"{ordinal} of {name}",
            f"{ordinal} {name}",
            f"{day} {name}",
        ]
    )


_HOLIDAYS = {
    "en": {"12-25": ["christmas", "christmas day"], "12-24": ["christmas eve"], "01-01": ["new year's day"],
           "12-31": ["new year's eve"], "02-14": ["valentine's day"], "10-31": ["halloween"]},
    "ko": {"12-25": ["크리스마스", "성탄절"], "12-24": ["크리스마스 이브"], "01-01": ["새해 첫날", "신정"],
           "02-14": ["발렌타인데이"], "10-31": ["할로윈"]},
}


def _month_day(value: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"not a date value: {value!r}") from None
    if not 1 <= month <= 12 or not 1 <= day <= DAYS_IN_MONTH[month - 1]:
        raise ValueError(f"not a date value: {value!r}")
    return month, day
