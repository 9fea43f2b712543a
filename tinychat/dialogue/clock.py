"""The assistant's sense of time, injectable so tests move it instead of sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current local time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.astimezone()
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
