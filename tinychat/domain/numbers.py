"""Number words both ways, in English and Korean.

The normaliser turns copied spans ("twenty one", "스무", "삼십오") into integers, and the
renderer writes integers back out in the many ways people say them, so both directions
live here and share one vocabulary: whatever is rendered is, by construction, parseable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# --- English -------------------------------------------------------------------------------------

_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_ORDINAL_UNITS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_EN_ORDINAL_TENS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()

_UNIT_VALUE = {word: n for n, word in enumerate(_EN_UNITS)}
_TENS_VALUE = {word: 20 + 10 * n for n, word in enumerate(_EN_TENS)}
_ORDINAL_UNIT_VALUE = {word: n for n, word in enumerate(_EN_ORDINAL_UNITS) if n}
_ORDINAL_TENS_VALUE = {word: 20 + 10 * n for n, word in enumerate(_EN_ORDINAL_TENS)}

#: words that only ever belong to a number, so a counter or unit after a number is never one of them
ENGLISH_NUMBER_WORDS = frozenset(
    [*_UNIT_VALUE, *_TENS_VALUE, "hundred", "thousand", "dozen", "half", "quarter", "couple", "pair"]
)

_Taker = Callable[[list[str], int], "tuple[int, int] | None"]
_DIGIT_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")
_HANGUL = re.compile(r"[가-힣]")


def is_korean(text: str) -> bool:
    """True when ``text`` has Hangul in it: such spans go through the Korean grammar."""
    return bool(_HANGUL.search(text))


def split_words(text: str) -> list[str]:
    """Lower-case English words, with digits split from letters ("1h30m" → 1 h 30 m).

    Keeps "6:30", "1.5" and ordinals like "5th" whole; drops other punctuation, so that
    "o'clock" becomes "oclock", "a.m." becomes "am" and "twenty-one" becomes two words.
    """
    text = text.lower().replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000
    text = re.sub(r"\b([ap])\.m\.?", r"\1m", text)
    text = text.replace("'", "")
    text = re.sub(r"(?<![\d])[.:]|[.:](?!\d)", " ", text)  # keep . and : only between digits
    text = re.sub(r"[^\w.:]+|_", " ", text)
    text = re.sub(r"(\d)(?!(?:st|nd|rd|th)\b)(?=[^\W\d_])", r"\1 ", text)
    text = re.sub(r"([^\W\d_])(?=\d)", r"\1 ", text)
    return text.split()


def _below_hundred(tokens: list[str], i: int) -> tuple[int, int] | None:
    if i >= len(tokens):
        return None
    word = tokens[i]
    if word.isdecimal():
        return int(word), i + 1
    if word in _UNIT_VALUE:
        return _UNIT_VALUE[word], i + 1
    if word in _TENS_VALUE:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if 1 <= _UNIT_VALUE.get(nxt, 0) <= 9:
            return _TENS_VALUE[word] + _UNIT_VALUE[nxt], i + 2
        return _TENS_VALUE[word], i + 1
    for tens, value in _TENS_VALUE.items():  # "twentyone", once a hyphen was stripped
        if word.startswith(tens) and 1 <= _UNIT_VALUE.get(word[len(tens) :], 0) <= 9:
            return value + _UNIT_VALUE[word[len(tens) :]], i + 1
    return None


def _with_tail(tokens: list[str], value: int, j: int, take: _Taker) -> tuple[int, int]:
    """Adds an optional "[and] <smaller number>" after "hundred"/"thousand"."""
    k = j + 1 if tokens[j : j + 1] == ["and"] else j
    tail = take(tokens, k)
    return (value + tail[0], tail[1]) if tail else (value, j)


def _below_thousand(tokens: list[str], i: int, article: bool) -> tuple[int, int] | None:
    head = _below_hundred(tokens, i)
    if head is None:
        if not (article and tokens[i : i + 1] in (["a"], ["an"])):
            return None
        head = (1, i + 1)
    value, j = head
    if tokens[j : j + 1] == ["hundred"] and 1 <= value <= 99:
        return _with_tail(tokens, value * 100, j + 1, _below_hundred)
    return value, j


def _cardinal(tokens: list[str], i: int, article: bool) -> tuple[int, int] | None:
    head = _below_thousand(tokens, i, article)
    if head is None:
        return None
    value, j = head
    if tokens[j : j + 1] == ["thousand"] and 1 <= value <= 999:
        return _with_tail(tokens, value * 1000, j + 1, lambda t, k: _below_thousand(t, k, False))
    return value, j


def take_number(tokens: list[str], i: int = 0, *, plain: bool = False) -> tuple[int, int] | None:
    """The longest English number at ``tokens[i:]``, as (value, index after it).

    Counts may say "a"/"an" for one ("a minute", "a hundred") and use the idioms "a dozen",
    "two dozen", "half a dozen", "a couple (of)", "a pair (of)"; vaguer words are not numbers.
    ``plain`` takes a bare cardinal only, as clock hours and days of the month are said.
    """
    if plain:
        return _cardinal(tokens, i, article=False)
    rest = tokens[i : i + 3]
    if rest[:3] == ["half", "a", "dozen"]:
        return 6, i + 3
    if rest[:2] == ["half", "dozen"]:
        return 6, i + 2
    pair_end = None
    if rest[:1] in (["a"], ["an"]) and rest[1:2] in (["couple"], ["pair"]):
        pair_end = i + 2
    elif rest[:2] == ["couple", "of"]:
        pair_end = i + 1
    if pair_end is not None:
        return 2, pair_end + 1 if tokens[pair_end : pair_end + 1] == ["of"] else pair_end
    if rest[:1] == ["dozen"]:
        return 12, i + 1
    head = _cardinal(tokens, i, article=True)
    if head is not None and tokens[head[1] : head[1] + 1] == ["dozen"]:
        return head[0] * 12, head[1] + 1
    return head


def take_ordinal(tokens: list[str], i: int = 0) -> tuple[int, int] | None:
    """An English ordinal at ``tokens[i:]`` ("5th", "fifth", "twenty first"), as (value, next)."""
    if i >= len(tokens):
        return None
    word = tokens[i]
    if match := _DIGIT_ORDINAL.match(word):
        return int(match.group(1)), i + 1
    if word in _ORDINAL_UNIT_VALUE:
        return _ORDINAL_UNIT_VALUE[word], i + 1
    if word in _ORDINAL_TENS_VALUE:
        return _ORDINAL_TENS_VALUE[word], i + 1
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in _TENS_VALUE and 1 <= _ORDINAL_UNIT_VALUE.get(nxt, 0) <= 9:
        return _TENS_VALUE[word] + _ORDINAL_UNIT_VALUE[nxt], i + 2
    for tens, value in _TENS_VALUE.items():
        if word.startswith(tens) and 1 <= _ORDINAL_UNIT_VALUE.get(word[len(tens) :], 0) <= 9:
            return value + _ORDINAL_UNIT_VALUE[word[len(tens) :]], i + 1
    return None


def english_number_words(n: int) -> str:
    """``n`` (0 … 999,999) in words: 21 → "twenty-one", 105 → "one hundred and five"."""
    if not 0 <= n <= 999_999:
        raise ValueError(f"no English words for {n}")
    if n < 20:
        return _EN_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _EN_TENS[tens - 2] + (f"-{_EN_UNITS[unit]}" if unit else "")
    size, name = (1000, "thousand") if n >= 1000 else (100, "hundred")
    head, tail = divmod(n, size)
    words = f"{english_number_words(head)} {name}"
    if not tail:
        return words
    return words + (" and " if tail < 100 else " ") + english_number_words(tail)


def english_ordinal_words(n: int) -> str:
    """``n`` (1 … 99) as an ordinal word: 5 → "fifth", 21 → "twenty-first"."""
    if not 1 <= n <= 99:
        raise ValueError(f"no English ordinal for {n}")
    if n < 20:
        return _EN_ORDINAL_UNITS[n]
    tens, unit = divmod(n, 10)
    if not unit:
        return _EN_ORDINAL_TENS[tens - 2]
    return f"{_EN_TENS[tens - 2]}-{_EN_ORDINAL_UNITS[unit]}"


def english_ordinal_digits(n: int) -> str:
    """``n`` with its ordinal suffix: 1 → "1st", 12 → "12th", 22 → "22nd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- Korean --------------------------------------------------------------------------------------

#: native numerals 1 … 9: (standalone form, attributive form used before a counter)
_KO_NATIVE_UNITS = (
    ("하나", "한"),
    ("둘", "두"),
    ("셋", "세"),
    ("넷", "네"),
    ("다섯", "다섯"),
    ("여섯", "여섯"),
    ("일곱", "일곱"),
    ("여덟", "여덟"),
    ("아홉", "아홉"),
)
_KO_NATIVE_TENS = ("열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
_KO_UNIT_VALUE = {form: n for n, pair in enumerate(_KO_NATIVE_UNITS, 1) for form in pair} | {"석": 3, "넉": 4}
_KO_TENS_VALUE = {word: 10 * n for n, word in enumerate(_KO_NATIVE_TENS, 1)} | {"스무": 20}
_KO_NATIVE = re.compile(
    "^({})?({})?$".format(
        "|".join(sorted(_KO_TENS_VALUE, key=len, reverse=True)),
        "|".join(sorted(_KO_UNIT_VALUE, key=len, reverse=True)),
    )
)
#: native forms that only stand before a counter ("두 개"; alone one says "둘")
KOREAN_ATTRIBUTIVE = frozenset({"한", "두", "세", "석", "네", "넉", "스무"})

_SINO_DIGITS = "일이삼사오육칠팔구"
_SINO_DIGIT_VALUE = {ch: n for n, ch in enumerate(_SINO_DIGITS, 1)} | {"륙": 6}
_SINO_POWER_VALUE = {"십": 10, "백": 100, "천": 1000}
#: Sino-Korean digits, one syllable each and so often a word's first syllable too (사과, 오후, 이거)
SINO_KOREAN_DIGITS = frozenset([*_SINO_DIGIT_VALUE, "영", "공"])

#: every syllable a Korean numeral can contain, for regexes that find numerals inside spans
KOREAN_NUMBER_CHARS = "".join(
    sorted(set("".join([*_KO_UNIT_VALUE, *_KO_TENS_VALUE, *_SINO_DIGIT_VALUE, *_SINO_POWER_VALUE, "만영공"])))
)


def _parse_native(word: str) -> int | None:
    match = _KO_NATIVE.match(word)
    if not match or not word:
        return None
    tens, unit = match.groups()
    if tens == "스무" and unit:  # "스무" is 20 before a counter; 21 is "스물한"
        return None
    return _KO_TENS_VALUE.get(tens or "", 0) + _KO_UNIT_VALUE.get(unit or "", 0)


def _parse_sino(word: str) -> int | None:
    if word in ("영", "공"):
        return 0
    total, section, digit, last_power = 0, 0, None, 10**9
    for ch in word:
        if ch in _SINO_DIGIT_VALUE:
            if digit is not None:  # "이삼" is "two or three", not a number
                return None
            digit = _SINO_DIGIT_VALUE[ch]
        elif ch in _SINO_POWER_VALUE:
            power = _SINO_POWER_VALUE[ch]
            if power >= last_power:
                return None
            section, digit, last_power = section + (digit or 1) * power, None, power
        elif ch == "만" and not total:
            total = ((section + (digit or 0)) or 1) * 10_000
            section, digit, last_power = 0, None, 10**9
        else:
            return None
    return total + section + (digit or 0) if word else None


def parse_korean_number(word: str) -> int | None:
    """A Korean numeral without spaces: native ("열두", "스무"), Sino ("삼십오") or digits."""
    if word.isascii() and word.isdigit():
        return int(word)
    native = _parse_native(word)
    return native if native is not None else _parse_sino(word)


def korean_native_number(n: int, attributive: bool = True) -> str:
    """``n`` (1 … 99) in native Korean: attributive "두", "스무", "스물한"; else "둘", "스물"."""
    if not 1 <= n <= 99:
        raise ValueError(f"native Korean numerals run from 1 to 99, not {n}")
    tens, unit = divmod(n, 10)
    if not unit:
        return "스무" if n == 20 and attributive else _KO_NATIVE_TENS[tens - 1]
    head = _KO_NATIVE_TENS[tens - 1] if tens else ""
    return head + _KO_NATIVE_UNITS[unit - 1][1 if attributive else 0]


def _sino_below_10000(n: int) -> str:
    parts = []
    for power, name in ((1000, "천"), (100, "백"), (10, "십")):
        digit = n // power % 10
        if digit:
            parts.append(("" if digit == 1 else _SINO_DIGITS[digit - 1]) + name)
    if n % 10:
        parts.append(_SINO_DIGITS[n % 10 - 1])
    return "".join(parts)


def korean_sino_number(n: int) -> str:
    """``n`` (0 … 99,999,999) in Sino-Korean: 35 → "삼십오", 100 → "백", 0 → "영"."""
    if not 0 <= n <= 99_999_999:
        raise ValueError(f"no Sino-Korean numeral for {n}")
    if n == 0:
        return "영"
    high, low = divmod(n, 10_000)
    if not high:
        return _sino_below_10000(low)
    return ("" if high == 1 else _sino_below_10000(high)) + "만" + _sino_below_10000(low)


# --- both ----------------------------------------------------------------------------------------


def parse_number(text: str) -> int | None:
    """A whole span as one number: "12", "1,000", "a hundred and five", "두", "삼십오", "2병".

    Digits glued to a Korean counter count as the digits ("30초" → 30); words around a
    number do not ("three bottles" is a quantity, see ``normalise.parse_quantity``).
    """
    text = text.strip().lower()
    if is_korean(text):
        compact = "".join(text.split())
        glued = re.fullmatch(r"(\d+)[가-힣]+", compact)
        return int(glued.group(1)) if glued else parse_korean_number(compact)
    tokens = split_words(text)
    got = take_number(tokens) if tokens else None
    return got[0] if got and got[1] == len(tokens) else None
