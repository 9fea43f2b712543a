"""Date keywords and clock times of the parser's actions → real moments on the device's clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from tinychat.domain.delay import delays_in
from tinychat.domain.normalise import DURATION_WORDS, parse_date, parse_duration, parse_time
from tinychat.domain.utterance import normalise_utterance
from tinychat.domain.when import WEEKDAYS

_OFFSETS = {"today": 0, "tonight": 0, "tomorrow": 1, "day_after_tomorrow": 2}


def resolve_date(keyword: str, today: date) -> date | None:
    """"tomorrow" → the date; a weekday → the next one coming (today counts); "MM-DD" → this year's or next."""
    if keyword in _OFFSETS:
        return today + timedelta(days=_OFFSETS[keyword])
    if keyword == "weekend":
        keyword = "saturday"
    if keyword in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS.index(keyword) - today.weekday()) % 7)
    try:
        month, day = (int(part) for part in keyword.split("-"))
        found = date(today.year, month, day)
    except ValueError:
        return None
    return found if found >= today else _next_year(month, day, today.year + 1)


def _next_year(month: int, day: int, year: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:  # 29 february
            year += 1


def next_moment(hhmm: str | None, keyword: str | None, now: datetime, default_time: str = "09:00") -> datetime:
    """When "7:00" (today if still ahead, else tomorrow), "7:00 friday" or "friday" (at ``default_time``) is due."""
    clock = time.fromisoformat(hhmm or default_time)
    if keyword:
        day = resolve_date(keyword, now.date()) or now.date()
        moment = datetime.combine(day, clock, now.tzinfo)
        if moment <= now and keyword in WEEKDAYS:
            moment += timedelta(days=7)
        elif moment <= now and keyword != "today":
            moment += timedelta(days=1)
        return moment
    moment = datetime.combine(now.date(), clock, now.tzinfo)
    return moment if moment > now else moment + timedelta(days=1)


def duration_in(text: str) -> int | None:
    """Seconds of the longest length the text says anywhere ("cancel the 10 minute timer" → 600), or None."""
    words = normalise_utterance(text).split()
    return _first_duration(" ".join(words[start : start + size])
                           for size in range(min(DURATION_WORDS, len(words)), 0, -1)
                           for start in range(len(words) - size + 1))


def delay_in(text: str) -> int | None:
    """Seconds of a delay the text says from now ("remind me in 20 minutes", "20분 뒤에 알려 줘"), or None."""
    return next((delay.seconds for delay in delays_in(normalise_utterance(text))), None)


def _first_duration(phrases: Iterable[str]) -> int | None:
    """The first of ``phrases`` that reads as a length, in seconds."""
    for phrase in phrases:
        seconds = parse_duration(phrase)
        if seconds:
            return seconds
    return None


#: words that only help say a moment ("at", "next", "in the morning", "오후", "에")
_MOMENT_WORDS = frozenset("at on in the this next by around about morning afternoon evening night tonight "
                          "oclock o'clock half past quarter to am pm a m p m please 에 쯤 오전 오후 아침 저녁 밤 "
                          "다음 주 이번 반".split())


def says_only_a_moment(text: str) -> bool:
    """Whether every word of ``text`` helps say a time or a day ("tomorrow at 9", "내일 9시에"): an
    answer to "when?", not a new request, however the model read it."""
    words = normalise_utterance(text).split()
    return bool(words) and all(word in _MOMENT_WORDS or parse_time(word) is not None or parse_date(word) is not None
                               for word in words)
