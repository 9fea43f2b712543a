"""Span → value: what the words the model copied into a slot mean.

The model copies slot values verbatim ("an hour and a half", "오후 3시 반"); these functions
turn such a span into the value an appliance acts on. Each returns None when the span is
not a value of its kind (and never raises), so the dialogue can ask again instead of acting
on a guess. Spans arrive as ``utterance.normalise_utterance`` leaves them; raw text works too.
Times and dates live in ``when`` and are re-exported here.
"""

from __future__ import annotations

import re
from fractions import Fraction

from tinychat.domain import quoted_command, spans
from tinychat.domain.numbers import (
    ENGLISH_NUMBER_WORDS,
    KOREAN_ATTRIBUTIVE,
    SINO_KOREAN_DIGITS,
    is_korean,
    parse_korean_number,
    split_words,
    take_number,
)
from tinychat.domain.spans import KO_NUM, korean_value, parse_korean, strip_leading
from tinychat.domain.when import parse_date, parse_time

__all__ = ["parse_date", "parse_duration", "parse_quantity", "parse_text", "parse_time"]

# --- quantity -----------------------------------------------------------------------------------

#: words after a number that make it vague ("a few", "a lot") or not a count ("two and a half")
_VAGUE = frozenset("few several some lot lots bit little many more less bunch handful and or to".split())
_EN_QUANTITY_FILLERS = frozenset("about around approximately roughly just only exactly like maybe".split())
#: counters whose first syllable could continue a numeral before them
_KO_NUMBERLIKE_COUNTERS = ("세트", "사람", "사발", "세대", "이닝", "공기")
#: what may follow a Korean numeral in a count: nothing, a Korean counter, or a unit such as "kg"
_COUNTER = re.compile(r"[가-힣]{0,4}|[a-z]{1,6}")
_KO_RANGES = re.compile("^(한두|두세|서너|너덧|네다섯|대여섯|예닐곱|두어|몇)")


def parse_quantity(span: str) -> int | None:
    """A count: "a dozen" → 12, "three bottles" → 3, "두 병" → 2, "2병" → 2, "half a dozen" → 6.

    A counter or unit word after the number is ignored; vague amounts ("a few", "한두 개")
    are None. Korean attributive numerals ("두", "세") need their counter: bare "네" is "yes".
    """
    if is_korean(span):
        return _ko_quantity(span.lower())
    tokens = strip_leading(split_words(span), _EN_QUANTITY_FILLERS)
    got = take_number(tokens) if tokens else None
    if got is None:
        return None
    value, end = got
    rest = tokens[end:]
    if len(rest) > 3 or any(not w.isalpha() or w in ENGLISH_NUMBER_WORDS or w in _VAGUE for w in rest):
        return None
    return value


def _ko_quantity(span: str) -> int | None:
    compact, spaced_at = "", set()
    for word in span.split():
        spaced_at.add(len(compact))
        compact += spans.compact(word)
    glued = len(compact) > 1 and 1 not in spaced_at
    if glued and compact[0] in SINO_KOREAN_DIGITS and parse_korean_number(compact[:2]) is None:
        return None  # a lone Sino digit glued to more Hangul starts a word: 사과, 오후, 오이
    return parse_korean(_ko_count, compact)


def _ko_count(compact: str) -> int | None:
    """A numeral and an optional counter, spaces removed: "두병", "열두개", "100kg"."""
    for counter in _KO_NUMBERLIKE_COUNTERS:  # "서른 세트" is 30 sets, not 33 and a stray "트"
        head, found, _ = compact.partition(counter)
        if found and (value := parse_korean_number(head)) is not None:
            return value
    if _KO_RANGES.match(compact):
        return None
    for cut in range(len(compact), 0, -1):
        head, counter = compact[:cut], compact[cut:]
        value = parse_korean_number(head)
        if value is None or not _COUNTER.fullmatch(counter) or parse_korean_number(counter[:1]) is not None:
            continue  # a counter never starts with a numeral: "한두 개" is not one "두 개"
        return None if head in KOREAN_ATTRIBUTIVE and not counter else value
    return None


# --- duration -----------------------------------------------------------------------------------

_EN_UNIT_SECONDS = {
    **dict.fromkeys(["hour", "hours", "hr", "hrs", "h"], 3600),
    **dict.fromkeys(["minute", "minutes", "min", "mins", "m"], 60),
    **dict.fromkeys(["second", "seconds", "sec", "secs", "s"], 1),
}
#: words after a number that make it a length of time ("in 20 hours"); not the single letters, since
#: "7 p m" is a clock time
DURATION_UNITS = frozenset(word for word in _EN_UNIT_SECONDS if len(word) > 1)
#: the most words a length of time takes ("an hour and a half")
DURATION_WORDS = 5
_EN_DURATION_FILLERS = frozenset("for about around another in just only roughly approximately".split())
_HALF = Fraction(1, 2)
_KO_DURATION = re.compile(
    rf"^(?:(?P<h>{KO_NUM})시간(?P<hh>반)?)?(?:(?P<m>{KO_NUM})분(?P<mh>반)?)?(?:(?P<s>{KO_NUM})초)?$"
)


def parse_duration(span: str) -> int | None:
    """Seconds: "an hour and a half" → 5400, "1 hr 20 min" → 4800, "1시간 반" → 5400, "30초" → 30."""
    if is_korean(span):
        return parse_korean(_ko_duration, span)
    tokens = strip_leading(split_words(span), _EN_DURATION_FILLERS)
    total, last_unit, i = Fraction(0), 10**9, 0
    while i < len(tokens):
        if tokens[i] == "and" and total:
            i += 1
        part = _en_duration_part(tokens, i)
        if part is None:
            return None
        amount, unit, i = part
        if unit >= last_unit:  # "5 minutes 1 hour" is not a duration
            return None
        total, last_unit = total + amount * unit, unit
    return int(total) if total > 0 and total.denominator == 1 else None


def _en_duration_part(tokens: list[str], i: int) -> tuple[Fraction, int, int] | None:
    """One "<amount> <unit>" at ``tokens[i:]``: (amount, seconds per unit, next index)."""
    amount, j = _en_amount(tokens, i)
    if amount is None:
        return None
    if tokens[j : j + 2] in (["of", "an"], ["of", "a"]):
        j += 2
    elif tokens[j : j + 1] in (["an"], ["a"]) and amount < 1:  # "half an hour"
        j += 1
    unit = _EN_UNIT_SECONDS.get(tokens[j]) if j < len(tokens) else None
    if unit is None:
        return None
    j += 1
    if tokens[j : j + 3] == ["and", "a", "half"] and amount.denominator == 1:  # "an hour and a half"
        amount, j = amount + _HALF, j + 3
    return amount, unit, j


def _en_amount(tokens: list[str], i: int) -> tuple[Fraction | None, int]:
    rest = tokens[i : i + 2]
    if rest[:1] == ["a"] and rest[1:2] in (["half"], ["quarter"]):  # "a half hour", "a quarter of an hour"
        i, rest = i + 1, rest[1:]
    if rest[:1] == ["half"]:
        return _HALF, i + 1
    if rest[:1] == ["quarter"]:
        return Fraction(1, 4), i + 1
    if i < len(tokens) and re.fullmatch(r"\d+\.\d+", tokens[i]):
        return Fraction(tokens[i]), i + 1
    got = take_number(tokens, i)
    if got is None:
        return None, i
    value, j = got
    if tokens[j : j + 1] == ["quarters"]:
        return Fraction(value, 4), j + 1
    if tokens[j : j + 3] == ["and", "a", "half"]:  # "one and a half hours"
        return value + _HALF, j + 3
    return Fraction(value), j


def _ko_duration(compact: str) -> int | None:
    if compact == "반시간":
        return 1800
    match = _KO_DURATION.match(compact)
    if not match or not any(match.group(k) for k in "hms"):
        return None
    total = Fraction(0)
    for key, half, seconds in (("h", "hh", 3600), ("m", "mh", 60), ("s", None, 1)):
        if match.group(key) is None:
            continue
        value = korean_value(match.group(key))
        if value is None:
            return None
        total += (value + (_HALF if half and match.group(half) else 0)) * seconds
    return int(total) if total > 0 and total.denominator == 1 else None


# --- text ---------------------------------------------------------------------------------------


#: words that name nothing on their own: free text made only of these is no value ("add to the list")
FUNCTION_WORDS = frozenset(
    "a an the to of for on in at and or some any it this that these those my our me us please more "
    "something stuff things uh um 좀 그거 이거 저거 뭐 거 것 "
    "음 어 아 저기 그 근데 혹시 야 그리고 그러니까 꼭 제발".split()  # Korean fillers and openers
)


#: courtesy said after a request, not part of its free text ("turn on the sprinkler thank you")
_COURTESY_TAIL = re.compile(r"(?:,? (?:please|thanks|thank you|ok|okay|cheers|alright))+$")


def parse_text(span: str) -> str:
    """Free text as said: lower-case, single spaces, a leading "to "/"that "/"about " and trailing
    courtesy dropped; "" if it names nothing.

    "to call mom" → "call mom": the verb the user asked for, not the infinitive marker; "about the
    recital" → "the recital".
    Korean is kept as said, particles and all, since they are part of the message, except that
    a quoted command takes its -기 form ("약 먹으라고" → "약 먹기").
    """
    text = _COURTESY_TAIL.sub("", " ".join(span.lower().split()).strip(" .,!?;:\"'"))
    if all(word in FUNCTION_WORDS for word in text.split()):
        return ""
    for lead in ("to ", "that ", "about "):
        if text.startswith(lead):
            return text[len(lead) :]
    return quoted_command.unquote(text)
