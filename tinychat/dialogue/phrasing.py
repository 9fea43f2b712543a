"""Values in words, per language: item names with plurals and counters, amounts, durations, times, dates.

English says "two bottles of milk", "12 eggs", "an egg"; Korean puts the count after the noun with
its counter, "우유 2병", "계란 12개". Reply templates get these ready-made, so a maker's template
only places them.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from tinychat.data.template import attach_particle
from tinychat.domain.numbers import english_number_words
from tinychat.domain.spec import Catalogue, DomainSpec
from tinychat.domain.when import MONTHS, WEEKDAYS

_KO_WEEKDAYS = dict(zip(WEEKDAYS, ["월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"], strict=True))
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def detect_language(text: str, fallback: str = "en") -> str:
    """Korean when the text has Hangul, English when it has other letters, else ``fallback`` ("2", "ok?")."""
    if _HANGUL.search(text):
        return "ko"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return fallback


def count_words(n: int) -> str:
    """English count: words up to ten ("two"), digits above ("12")."""
    return english_number_words(n) if 0 <= n <= 10 else str(n)


def join_words(parts: list[str], lang: str) -> str:
    """"milk, eggs and butter" / "우유, 계란, 버터"."""
    if lang == "ko" or len(parts) < 2:
        return ", ".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


class Phrasing:
    """How one domain's values read in each of its languages."""

    def __init__(self, spec: DomainSpec) -> None:
        self.spec = spec

    def name(self, catalogue: str | None, value: str, lang: str, count: int = 1) -> str:
        """A catalogue value's name ("egg"/"eggs"/"계란"); free text and unknown ids read as they are."""
        entity = self._entity(catalogue, value)
        if entity is None:
            return value.replace("_", " ")
        forms = entity.forms(lang) or entity.forms("en")
        singular, plural = forms[0]
        return singular if count == 1 else plural

    def amount(self, catalogue: str | None, item: str, quantity: int | None, unit: str | None, lang: str,
               units: str | None = "unit") -> str:
        """"two bottles of milk", "12 eggs", "some milk" / "우유 2병", "계란 12개", "우유"."""
        if lang == "ko":
            noun = self.name(catalogue, item, "ko")
            if quantity is None:
                return noun
            counter = self.name(units, unit, "ko") if unit else self.counter(catalogue, item, "ko") or "개"
            return f"{noun} {quantity}{counter}"
        countable = self.countable(catalogue, item)
        mass = self.name(catalogue, item, "en", count=2 if countable else 1)  # "apples", "jam"
        if quantity is None:
            return mass
        if unit:
            container = self.name(units, unit, "en", count=quantity)
            return f"{count_words(quantity)} {container} of {mass}"
        if not countable:
            container = self.counter(catalogue, item, "en")
            if container:
                return f"{count_words(quantity)} {container}{'' if quantity == 1 else 's'} of {mass}"
        return f"{count_words(quantity)} {self.name(catalogue, item, 'en', count=quantity)}"

    def _entity(self, catalogue: str | None, value: str):  # noqa: ANN202
        if catalogue is None or catalogue not in self.spec.catalogues:
            return None
        return self.spec.catalogues[catalogue].by_id().get(value)

    def countable(self, catalogue: str | None, value: str) -> bool:
        """Whether English counts it: "apples" said without a number, but "jam"."""
        entity = self._entity(catalogue, value)
        if entity is None:
            return False
        return entity.countable if entity.countable is not None else "|" in entity.names["en"][0]

    def counter(self, catalogue: str | None, value: str, lang: str) -> str:
        """What it is counted in: "jar" (of jam), "병"; "" where the catalogue names none."""
        entity = self._entity(catalogue, value)
        return entity.counter.get(lang, "") if entity is not None else ""

    def text_value(self, slot: str, value: str, lang: str) -> str:
        """A canonical text value in ``lang``: Korean reads its first Korean alias ("shopping" → "장보기 목록")."""
        values = self.spec.text_values.get(slot)
        if lang != "en" and values is not None:
            for alias in values.aliases.get(value, []):
                if not alias.isascii():
                    return alias
        return value

    def catalogue(self, name: str) -> Catalogue:
        return self.spec.catalogues[name]


def duration_words(seconds: int, lang: str) -> str:
    """"1 hour 30 minutes", "90 seconds" / "1시간 30분"."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "hour", "시간"), (minutes, "minute", "분"), (secs, "second", "초")]
    if lang == "ko":
        return " ".join(f"{n}{ko}" for n, _, ko in parts if n) or "0초"
    words = [f"{count_words(n)} {en}{'' if n == 1 else 's'}" for n, en, _ in parts if n]
    return join_words(words, "en") if words else "zero seconds"


def time_words(hhmm: str, lang: str) -> str:
    """"6:30 pm", "7 am", "noon" / "오후 6시 30분", "오전 7시"."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    if lang == "ko":
        part = "오전" if hour < 12 else "오후"
        clock = hour % 12 or 12
        return f"{part} {clock}시" + (f" {minute}분" if minute else "")
    if (hour, minute) == (12, 0):
        return "noon"
    if (hour, minute) == (0, 0):
        return "midnight"
    clock = hour % 12 or 12
    return f"{clock}{f':{minute:02d}' if minute else ''} {'am' if hour < 12 else 'pm'}"


def weekday_words(day: date, lang: str) -> str:
    """"Friday" / "금요일" (not strftime, whose names follow the process locale)."""
    weekday = WEEKDAYS[day.weekday()]
    return _KO_WEEKDAYS[weekday] if lang == "ko" else weekday.capitalize()


def date_words(day: date, lang: str) -> str:
    """"Monday, November 23" / "11월 23일 월요일"."""
    if lang == "ko":
        return f"{day.month}월 {day.day}일 {weekday_words(day, lang)}"
    return f"{weekday_words(day, lang)}, {MONTHS[day.month - 1].capitalize()} {day.day}"


def day_words(day: date, today: date, lang: str) -> str:
    """"today", "tomorrow", "on friday", "on march 5" / "오늘", "내일", "금요일", "3월 5일"."""
    offset = (day - today).days
    relative = {0: ("today", "오늘"), 1: ("tomorrow", "내일"), -1: ("yesterday", "어제")}
    if offset in relative:
        return relative[offset][lang == "ko"]
    if 1 < offset < 7:
        return weekday_words(day, lang) if lang == "ko" else f"on {weekday_words(day, lang)}"
    if lang == "ko":
        return f"{day.month}월 {day.day}일"
    return f"on {MONTHS[day.month - 1].capitalize()} {day.day}"


#: the user's words said back to them: "take my pills" → "take your pills"
_ADDRESSED = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "i'm": "you're",
              "im": "you're", "i've": "you've", "i'll": "you'll"}


def addressed(text: str, lang: str) -> str:
    """``text`` the user said about themselves, as the assistant says it back ("call my sister" → "call
    your sister"); Korean tasks name no person, so they come back as said."""
    if lang != "en":
        return text
    return " ".join(_ADDRESSED.get(word, word) for word in text.split())


def moment_words(when: datetime, now: datetime, lang: str) -> str:
    """A due time: "at 7 am tomorrow" / "내일 오전 7시"."""
    clock = time_words(f"{when.hour:02d}:{when.minute:02d}", lang)
    day = day_words(when.date(), now.date(), lang)
    if lang == "ko":
        return f"{day} {clock}"
    return f"at {clock}" if day == "today" else f"at {clock} {day}"


_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)(?:\|([^}]*))?\}")


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with ``{name}`` / ``{name|을}`` filled, or None when a value is missing."""
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None or value == "":
            missing = True
            return ""
        return attach_particle(value, match.group(2)) if match.group(2) else value

    text = _PLACEHOLDER.sub(one, template)
    return None if missing else text


def first_filled(templates: str | list[str], values: dict[str, str]) -> str | None:
    """The first template whose placeholders ``values`` can all fill, each sentence starting with a capital."""
    for template in [templates] if isinstance(templates, str) else templates:
        text = fill(template, values)
        if text is not None:
            return _SENTENCE_START.sub(lambda m: m.group().upper(), " ".join(text.split()))
    return None


#: a lower-case letter that starts a sentence: "{left} left." → "Four eggs left."
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?] ))[a-z]")
