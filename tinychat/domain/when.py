"""When: times of day ("HH:MM") and dates (relative keywords or "MM-DD"), from spans.

Split from ``normalise`` because clock talk has its own grammar: day parts that move the
hour ("pm", "밤"), minutes counted to or past an hour, ordinals and month names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from tinychat.domain.numbers import is_korean, split_words, take_number, take_ordinal
from tinychat.domain.spans import KO_NUM, korean_value, parse_korean, strip_leading

#: how a day-part marker moves a stated hour (1 … 12) onto the 24-hour clock
_DAY_PARTS: dict[str, Callable[[int], int]] = {
    "am": lambda h: 0 if h == 12 else h,  # "12 am" is midnight
    "pm": lambda h: h if h == 12 else h + 12,
    "evening": lambda h: 0 if h == 12 else h + 12,
    "night": lambda h: 0 if h == 12 else h if h <= 4 else h + 12,  # "밤 1시", "2 at night" are after midnight
    "day": lambda h: h + 12 if h <= 6 else h,  # 낮/점심: "낮 2시" is 14:00, "낮 11시" 11:00
}
_EN_DAY_PARTS = [
    (words.split(), kind)
    for words, kind in [
        ("in the morning", "am"),
        ("in the afternoon", "pm"),
        ("in the evening", "evening"),
        ("at night", "night"),
        ("in the night", "night"),
        ("this morning", "am"),
        ("this afternoon", "pm"),
        ("this evening", "evening"),
        ("tomorrow morning", "am"),
        ("tomorrow afternoon", "pm"),
        ("tomorrow evening", "evening"),
        ("tomorrow night", "night"),
        ("tonight", "night"),
        ("am", "am"),
        ("pm", "pm"),
        ("a m", "am"),
        ("p m", "pm"),
        ("morning", "am"),
        ("afternoon", "pm"),
        ("evening", "evening"),
        ("night", "night"),
    ]
]
_EN_TIME_FILLERS = frozenset("at around about by approximately roughly exactly sharp oclock".split())
_EN_PAST = frozenset({"past", "after"})
_EN_TO = frozenset({"to", "before", "till", "til", "of"})
_KO_DAY_PARTS = {
    "오전": "am",
    "아침": "am",
    "새벽": "am",
    "오후": "pm",
    "낮": "day",
    "점심": "day",
    "저녁": "evening",
    "밤": "night",
}
_KO_TIME = re.compile(
    rf"^(?:오늘|내일|모레)?(?P<part>{'|'.join(_KO_DAY_PARTS)})?"
    rf"(?:(?P<h>{KO_NUM})시(?:(?P<half>반)|(?P<m>{KO_NUM})분|정각)?|(?P<hc>\d{{1,2}})[:.](?P<mc>\d\d)|(?P<word>정오|자정))$"
)


def _on_clock(hour: int, part: str | None) -> int | None:
    """The 24-hour hour for a stated hour and optional day part; None if they disagree."""
    if part is None or hour == 0:
        return hour if 0 <= hour <= 23 else None
    if hour > 12:  # "18:30 pm" is redundant but clear; "18 am" is not
        return hour if hour <= 23 and part != "am" else None
    return _DAY_PARTS[part](hour)


def _hhmm(minutes: int) -> str:
    hours, mins = divmod(minutes % 1440, 60)
    return f"{hours:02d}:{mins:02d}"


def parse_time(span: str) -> str | None:
    """A time of day as "HH:MM": "half past six pm" → "18:30", "오후 3시 반" → "15:30".

    An hour said without a day part stays as said ("7" → "07:00", "19" → "19:00");
    pm/evening/오후/저녁 add 12 to 1 … 11; night/tonight/밤 do so from 5 on ("밤 1시" → 01:00).
    """
    if is_korean(span):
        return parse_korean(_ko_time, span)
    tokens, part = _en_day_part(split_words(span))
    if tokens is None:
        return None
    tokens = [t for t in tokens if t not in _EN_TIME_FILLERS]
    if tokens[-2:] == ["o", "clock"]:
        tokens = tokens[:-2]
    if tokens in (["noon"], ["midday"], ["12", "noon"], ["twelve", "noon"]):
        return "12:00"
    if tokens in (["midnight"], ["12", "midnight"], ["twelve", "midnight"]):
        return "00:00"
    relation = next((k for k, t in enumerate(tokens) if t in _EN_PAST | _EN_TO), None)
    if relation is not None:
        return _en_relative_time(tokens[:relation], tokens[relation], tokens[relation + 1 :], part)
    stated = _en_clock(tokens)
    if stated is None:
        return None
    hour = _on_clock(stated[0], part)
    return None if hour is None else _hhmm(hour * 60 + stated[1])


def _en_day_part(tokens: list[str]) -> tuple[list[str] | None, str | None]:
    """Removes day-part words ("pm", "tonight", "in the morning"); None if they disagree.

    "am"/"pm" may sharpen a vaguer part ("tonight at 1 am", "this evening at 7 pm").
    """
    kinds = set()
    for words, kind in _EN_DAY_PARTS:
        for k in range(len(tokens) - len(words) + 1):
            if tokens[k : k + len(words)] == words:
                kinds.add(kind)
                tokens = tokens[:k] + tokens[k + len(words) :]
                break
    if len(kinds) <= 1:
        return tokens, next(iter(kinds), None)
    for exact, vaguer in (("am", {"night"}), ("pm", {"evening", "night"})):
        if exact in kinds and kinds - {exact} <= vaguer:
            return tokens, exact
    return None, None


def _en_clock(tokens: list[str]) -> tuple[int, int] | None:
    """(hour, minute) as stated: "6:30", "6 30", "630", "six thirty", "seven oh five", "7"."""
    if len(tokens) == 1 and (match := re.fullmatch(r"(\d{1,2})[:.](\d\d)|(\d{1,2})(\d\d)", tokens[0])):
        hour, minute = (int(g) for g in (match.groups()[:2] if match.group(1) else match.groups()[2:]))
        return (hour, minute) if hour <= 23 and minute <= 59 else None
    got = take_number(tokens, plain=True) if tokens else None
    if got is None or got[0] > 23:
        return None
    hour, rest = got[0], tokens[got[1] :]
    if not rest:
        return hour, 0
    if rest[0] in ("oh", "o") and len(rest) == 2 and rest[1] in _SINGLE_DIGITS:
        return hour, _SINGLE_DIGITS[rest[1]]
    if len(rest) == 1 and re.fullmatch(r"\d\d", rest[0]):
        minute = int(rest[0])
    else:
        minutes = take_number(rest, plain=True)
        if minutes is None or minutes[1] != len(rest) or rest[0].isdecimal() or minutes[0] < 10:
            return None
        minute = minutes[0]
    return (hour, minute) if minute <= 59 else None


_SINGLE_DIGITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine".split())} | {
    str(n): n for n in range(10)
}


def _en_relative_time(left: list[str], relation: str, right: list[str], part: str | None) -> str | None:
    """Minutes to or past an hour: "half past six", "quarter to seven", "ten to noon"."""
    if left[:1] == ["a"]:
        left = left[1:]
    if left and left[-1] in ("minute", "minutes", "mins", "min"):
        left = left[:-1]
    if left == ["half"]:
        minutes = 30 if relation in _EN_PAST else None
    elif left == ["quarter"]:
        minutes = 15
    else:
        got = take_number(left, plain=True) if left else None
        minutes = got[0] if got and got[1] == len(left) and 1 <= got[0] <= 59 else None
    if right in (["noon"], ["midday"]):
        hour: int | None = 12
    elif right == ["midnight"]:
        hour = 0
    else:
        got = take_number(right, plain=True) if right else None
        hour = _on_clock(got[0], part) if got and got[1] == len(right) else None
    if minutes is None or hour is None:
        return None
    return _hhmm(hour * 60 + (minutes if relation in _EN_PAST else -minutes))


def _ko_time(compact: str) -> str | None:
    match = _KO_TIME.match(compact)
    if not match:
        return None
    if match.group("word"):
        return "12:00" if match.group("word") == "정오" else "00:00"
    if match.group("hc"):
        stated, minute = int(match.group("hc")), int(match.group("mc"))
    else:
        hour_value = _whole(korean_value(match.group("h")))
        minute_value = 30 if match.group("half") else _whole(korean_value(match.group("m") or "0"))
        if hour_value is None or minute_value is None:
            return None
        stated, minute = hour_value, minute_value
    hour = _on_clock(stated, part=_KO_DAY_PARTS.get(match.group("part") or ""))
    return None if hour is None or minute > 59 else _hhmm(hour * 60 + minute)


# --- dates ----------------------------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = "january february march april may june july august september october november december".split()
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_EN_MONTHS = (
    {name: n for n, name in enumerate(MONTHS, 1)}
    | {name[:3]: n for n, name in enumerate(MONTHS, 1)}
    | {"sept": 9}
)
_EN_WEEKDAYS = (
    {day: day for day in WEEKDAYS}
    | {day + "s": day for day in WEEKDAYS}
    | {
        short: day
        for day, shorts in zip(
            WEEKDAYS, ["mon", "tue tues", "wed weds", "thu thur thurs", "fri", "sat", "sun"], strict=True
        )
        for short in shorts.split()
    }
)
_EN_DATE_PHRASES = {
    phrase: value
    for value, phrases in [
        ("today", "today|tonight|this morning|this afternoon|this evening|later today"),
        ("tomorrow", "tomorrow|tomorrow morning|tomorrow afternoon|tomorrow evening|tomorrow night"),
        ("day_after_tomorrow", "the day after tomorrow|day after tomorrow|overmorrow"),
        ("weekend", "weekend|the weekend|this weekend|next weekend|this coming weekend"),
        ("12-25", "christmas|christmas day|xmas"),
        ("12-24", "christmas eve|xmas eve"),
        ("01-01", "new years|new years day|new year"),
        ("12-31", "new years eve"),
        ("02-14", "valentines|valentines day|valentine|valentine day"),
        ("10-31", "halloween"),
    ]
    for phrase in phrases.split("|")
}
_EN_DATE_FILLERS = frozenset("on for by until till at over".split())
_EN_WEEK_PREFIXES = frozenset({"this", "next", "coming"})
_KO_DATE_WORDS = {
    **dict.fromkeys(["오늘", "오늘밤", "오늘저녁", "오늘아침", "오늘오후", "오늘낮"], "today"),
    **dict.fromkeys(["내일", "낼", "내일아침", "내일저녁", "내일밤", "내일오후", "내일낮"], "tomorrow"),
    **dict.fromkeys(["모레", "내일모레", "낼모레"], "day_after_tomorrow"),
    **dict.fromkeys(["크리스마스", "성탄절"], "12-25"),
    **dict.fromkeys(["크리스마스이브"], "12-24"),
    **dict.fromkeys(["새해첫날", "새해", "신정"], "01-01"),
    **dict.fromkeys(["발렌타인데이", "밸런타인데이"], "02-14"),
    **dict.fromkeys(["할로윈", "핼러윈"], "10-31"),
}
_KO_WEEK = "(?:(?:이번|다음|오는|담)주?)?"  # "다음 주 화요일" is still a Tuesday: the value names the weekday
_KO_WEEKDAY = re.compile(rf"^{_KO_WEEK}([월화수목금토일])요일$")
_KO_WEEKEND = re.compile(rf"^{_KO_WEEK}주말$")
_KO_CALENDAR = re.compile(rf"^(?:(?P<m>{KO_NUM})|(?P<special>유|시))월(?P<d>{KO_NUM})일$")


def parse_date(span: str) -> str | None:
    """A date: "today", "tomorrow", "day_after_tomorrow", a weekday, "weekend", or "MM-DD".

    "next friday", "this friday" and "다음 주 금요일" all give "friday": the caller resolves
    a weekday to the next one coming. "march 5th", "the fifth of march", "3월 5일" → "03-05".
    """
    if is_korean(span):
        return parse_korean(_ko_date, span)
    tokens = strip_leading(split_words(span), _EN_DATE_FILLERS)
    phrase = " ".join(tokens)
    if phrase in _EN_DATE_PHRASES:
        return _EN_DATE_PHRASES[phrase]
    words = tokens
    while words and words[0] in _EN_WEEK_PREFIXES:
        words = words[1:]
    if len(words) == 1 and words[0] in _EN_WEEKDAYS:
        return _EN_WEEKDAYS[words[0]]
    return _en_calendar(tokens)


def _en_calendar(tokens: list[str]) -> str | None:
    """A month and a day either way round: "march the fifth", "the 5th of march", "5 march"."""
    where = [k for k, word in enumerate(tokens) if word in _EN_MONTHS]
    if len(where) != 1:
        return None
    before, after = tokens[: where[0]], tokens[where[0] + 1 :]
    if before and after:
        return None
    day_words = after or before
    if day_words[:1] == ["the"]:
        day_words = day_words[1:]
    if before and day_words[-1:] == ["of"]:
        day_words = day_words[:-1]
    return _month_day(_EN_MONTHS[tokens[where[0]]], _day_number(day_words))


def _day_number(words: list[str]) -> int | None:
    for got in (take_ordinal(words), take_number(words, plain=True)):
        if got and got[1] == len(words):
            return got[0]
    return None


def _month_day(month: int | None, day: int | None) -> str | None:
    if month is None or day is None or not 1 <= month <= 12 or not 1 <= day <= DAYS_IN_MONTH[month - 1]:
        return None
    return f"{month:02d}-{day:02d}"


def _ko_date(compact: str) -> str | None:
    if compact in _KO_DATE_WORDS:
        return _KO_DATE_WORDS[compact]
    if match := _KO_WEEKDAY.match(compact):
        return WEEKDAYS["월화수목금토일".index(match.group(1))]
    if _KO_WEEKEND.match(compact):
        return "weekend"
    if not (match := _KO_CALENDAR.match(compact)):
        return None
    month = {"유": 6, "시": 10}.get(match.group("special") or "") or _whole(korean_value(match.group("m")))
    return _month_day(month, _whole(korean_value(match.group("d"))))


def _whole(value: Fraction | None) -> int | None:
    """``value`` as an int when it is a whole number ("1.5시" is no hour)."""
    return int(value) if value is not None and value.denominator == 1 else None
