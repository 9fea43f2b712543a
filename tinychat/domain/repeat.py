"""How often an alarm or reminder repeats, as said: "every day", "on weekdays", "매주 월요일".

One reader for the dialogue, which stores the repeat with the alarm or reminder, and for the parser,
which cuts a repeat said last off a copied task ("take my vitamins every morning" → "take my
vitamins"): no slot holds it, so it must not stay in the task's words.
"""

from __future__ import annotations

import re

from tinychat.domain.when import WEEKDAYS

_WEEKDAY = "|".join(WEEKDAYS)
_KO_WEEKDAY = "(?:월|화|수|목|금|토|일)요일"

#: repeat name → how it is said; weekdays before weekly, so "every weekday" is no weekly repeat
_SAID = (
    ("daily", r"\b(?:every ?day|daily|each day|(?:every|each) (?:morning|evening|night)|nightly)\b|매일|날마다"),
    ("weekdays", r"\bweek ?days?\b|\bduring the week\b|\bmonday to friday\b|평일|주중"),
    ("weekends", r"\b(?:every weekend|weekends)\b|주말마다"),
    ("weekly",
     rf"\b(?:(?:every|each) (?:{_WEEKDAY})|(?:on )?(?:{_WEEKDAY})s|every week|weekly)\b|매주|{_KO_WEEKDAY}마다"),
)
_REPEATS = tuple((name, re.compile(words)) for name, words in _SAID)
#: a repeat said at the end of free text, with the day it names ("every sunday" → sunday), or the
#: "every" left of it when the day went to the date slot
_SAID_LAST = re.compile(
    rf"\s+(?:(?:every|each) (?P<day>{_WEEKDAY})|on (?P<days>{_WEEKDAY})s"
    rf"|(?:every|each) (?:day|morning|evening|night|weekday|weekend|week)"
    rf"|daily|nightly|weekly|on (?:weekdays|weekends)|(?:매일|날마다|평일마다|주말마다|매주)"
    rf"|every|each"  # its day copied apart: "call grandma every" of "... every sunday"
    rf"|(?P<ko_day>{_KO_WEEKDAY})마다)$"
)
_KO_WEEKDAYS = dict(zip("월화수목금토일", WEEKDAYS, strict=True))


def repeat_in(said: str) -> str | None:
    """The repeat ``said`` asks for: "daily", "weekdays", "weekends" or "weekly"; None for once."""
    lowered = said.lower()
    return next((name for name, pattern in _REPEATS if pattern.search(lowered)), None)


def repeat_said_last(value: str) -> tuple[str, str | None] | None:
    """``value`` without the repeat it ends on, and the weekday that repeat names ("every sunday");
    None when it ends on none."""
    match = _SAID_LAST.search(value.lower())
    if match is None or not value[: match.start()].strip():
        return None
    day = match.group("day") or match.group("days")
    if match.group("ko_day"):
        day = _KO_WEEKDAYS[match.group("ko_day")[0]]
    return value[: match.start()].strip(), day
