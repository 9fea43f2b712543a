"""The corpus contract: whatever a renderer says, the normaliser reads back to the same value.

Checked on the raw rendering and on it after ``normalise_utterance``, which is what the
model sees and copies spans from.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

import pytest

from tinychat.domain.normalise import parse_date, parse_duration, parse_quantity, parse_time
from tinychat.domain.render import render_date, render_duration, render_quantity, render_time
from tinychat.domain.utterance import normalise_utterance

LANGS = ("en", "ko")
SEEDS = range(6)

DURATIONS = sorted(
    {*range(5, 60)}
    | {60 * m for m in range(1, 121)}
    | {3600 * h + 60 * m for h in range(1, 13) for m in (0, 10, 15, 20, 30, 40, 45)}
    | {60 * m + s for m in range(1, 21) for s in (10, 15, 20, 30, 45)}
)
TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 5)]
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
DATES = ["today", "tomorrow", "day_after_tomorrow", "weekend"]
DATES += ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DATES += [f"{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, _MONTH_DAYS[m - 1] + 1)]
COUNTERS = {
    "en": ["", "bottle|bottles", "egg|eggs", "kg", "pack|packs"],
    "ko": ["", "개", "병", "봉지", "마리", "세트", "공기", "kg"],
}


def _round_trips(
    values: Iterable[object], lang: str, render: Callable[..., str], parse: Callable[[str], object]
) -> list[tuple[object, str, object]]:
    """(value, said, read back) for every rendering that does not come back as the value."""
    failures = []
    for seed in SEEDS:
        rng = random.Random(seed)
        for value in values:
            said = render(value, lang, rng)
            for text in (said, normalise_utterance(said)):
                back = parse(text)
                if back != value:
                    failures.append((value, said, back))
    return failures


@pytest.mark.parametrize("lang", LANGS)
def test_quantities_round_trip(lang: str) -> None:
    failures = []
    for counter in COUNTERS[lang]:

        def render(n: int, lang: str, rng: random.Random, counter: str = counter) -> str:
            return render_quantity(n, lang, rng, counter=counter)

        failures += _round_trips(range(1, 101), lang, render, parse_quantity)
    assert failures == []


@pytest.mark.parametrize("lang", LANGS)
def test_durations_round_trip(lang: str) -> None:
    assert _round_trips(DURATIONS, lang, render_duration, parse_duration) == []


@pytest.mark.parametrize("lang", LANGS)
def test_times_round_trip(lang: str) -> None:
    assert _round_trips(TIMES, lang, render_time, parse_time) == []


@pytest.mark.parametrize("lang", LANGS)
def test_dates_round_trip(lang: str) -> None:
    assert _round_trips(DATES, lang, render_date, parse_date) == []


@pytest.mark.parametrize("lang", LANGS)
def test_renderings_vary(lang: str) -> None:
    """A corpus drawn from one form per value would teach the model one phrasing only."""
    rng = random.Random(0)
    assert len({render_time("18:30", lang, rng) for _ in range(200)}) >= 15
    assert len({render_duration(5400, lang, rng) for _ in range(200)}) >= 6
    assert len({render_quantity(12, lang, rng) for _ in range(100)}) >= 3
    assert len({render_date("friday", lang, rng) for _ in range(100)}) >= 4


def test_forms_people_say_are_drawn() -> None:
    rng = random.Random(1)
    said = {render_time("18:30", "en", rng) for _ in range(2000)}
    assert {"half past six pm", "6:30 pm", "18:30"} <= said
    said = {render_duration(5400, "en", rng) for _ in range(2000)}
    assert {"an hour and a half", "90 minutes", "1.5 hours"} <= said
    said = {render_quantity(2, "ko", rng, counter="병") for _ in range(200)}
    assert {"두 병", "두병", "2병"} <= said
    said = {render_time("15:30", "ko", rng) for _ in range(2000)}
    assert {"오후 3시 반", "오후 세 시 반", "15시 30분"} <= said


@pytest.mark.parametrize(
    ("render", "value"),
    [
        (render_time, "24:00"),
        (render_time, "7:75"),
        (render_date, "13-01"),
        (render_date, "02-30"),
        (render_date, "someday"),
    ],
)
def test_bad_values_raise(render: Callable[..., str], value: str) -> None:
    with pytest.raises(ValueError):
        render(value, "en", random.Random(0))


def test_unknown_language_raises() -> None:
    with pytest.raises(ValueError):
        render_quantity(3, "fr", random.Random(0))
