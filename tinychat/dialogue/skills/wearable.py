"""The watch's skills: timers, alarms and reminders on the scheduler, and the time here or elsewhere."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tinychat.dialogue import scheduler
from tinychat.dialogue.phrasing import (
    addressed,
    date_words,
    day_words,
    duration_words,
    join_words,
    moment_words,
    time_words,
    weekday_words,
)
from tinychat.dialogue.skills import Outcome, Request, Skill
from tinychat.dialogue.when import duration_in, next_moment, resolve_date
from tinychat.domain.repeat import repeat_in
from tinychat.domain.utterance import normalise_utterance

#: waking up is a morning thing: "wake me at 7" keeps 7 am
_WAKE = re.compile(r"\bwake|\bget up|깨워|일어나")
_PLURAL_TIMERS = re.compile(r"\btimers\b|타이머들")
_ALL = re.compile(r"\b(?:all|every|everything|both)\b|전부|모두|모든|(?:^| )다(?: |$)")
#: a stated day part means the hour is meant as said ("5 am"); without one, "at 5" is the next 5 o'clock
_DAY_PART = re.compile(r"\b(?:am|pm|a m|p m|morning|afternoon|evening|night|tonight|noon|midnight)\b|"
                       r"오전|오후|아침|저녁|밤|새벽|낮|점심|정오|자정")


#: an evening beside a bare hour makes it pm, when the model copied the day part apart ("tonight" as
#: the date, "8" as the time, of "remind me tonight at 8")
_EVENING = re.compile(r"\b(?:tonight|evening|night)\b|저녁|밤")
_MORNING = re.compile(r"\b(?:am|a m|morning)\b|오전|아침|새벽")
#: when a day said with no clock time is due: "remind me tonight" at 7 pm, not at 9 am
_UNSAID_HOURS = ((_EVENING, "19:00"), (re.compile(r"\bafternoon\b|오후"), "15:00"))


def _beside_task(req: Request) -> str:
    """What was said around the task: the task "watch the evening news" says no time, "send the weekly
    update" no repeat."""
    said, task = req.text.lower(), str(req.slots.get("task", "")).lower()
    return said.replace(task, " ") if task else said


def _due(req: Request) -> datetime:
    hhmm, day = req.slots.get("time"), req.slots.get("date")
    said = req.text.lower()
    beside_task = _beside_task(req)
    default_time = next((hour for part, hour in _UNSAID_HOURS if part.search(beside_task)), "09:00")
    hour = int(str(hhmm)[:2]) if hhmm else 0
    if 1 <= hour <= 11 and _EVENING.search(beside_task) and not _MORNING.search(said):
        hhmm = f"{hour + 12:02d}{str(hhmm)[2:]}"
    due = next_moment(str(hhmm) if hhmm else None, str(day) if day else None, req.now, default_time)
    if hhmm and not day and not _DAY_PART.search(said) and not _WAKE.search(said) and 1 <= due.hour <= 11:
        evening = datetime.combine(req.now.date(), time(due.hour + 12, due.minute), req.now.tzinfo)
        if req.now < evening < due:
            due = evening  # "at 5" said at 14:00 means 17:00 today, not 05:00 tomorrow
    return due


def _repeat(req: Request) -> str | None:
    return repeat_in(_beside_task(req))


# ------------------------------------------------------------------ timers
def timer_set(req: Request) -> Outcome:
    seconds = int(req.slots["duration_s"])
    if seconds <= 0:
        return Outcome(key="invalid")
    words = duration_words(seconds, req.lang)
    timer = scheduler.schedule(req.db, "timer", req.now + timedelta(seconds=seconds), req.now, req.lang,
                               intent="timer_set", values={"duration": words, "duration_s": words}, label=words)
    return Outcome(values={"duration": words}, undo={"ids": [timer]})


def timer_cancel(req: Request) -> Outcome:
    """One timer running, or "all": cancel. Several: the one whose length is said ("the 10 minute timer"),
    else say which there are, cancel none, and take the next words as the pick ("the five minute one")."""
    timers = scheduler.active(req.db, "timer")
    said = normalise_utterance(req.text)
    if len(timers) < 2 or _ALL.search(said) or _PLURAL_TIMERS.search(said):
        return _cancelled(req, timers)
    length = duration_in(said)
    chosen = [timer for timer in timers if length is not None and _set_for(timer) == length]
    if not chosen:
        labels = [duration_words(_set_for(timer), req.lang) for timer in timers]
        return Outcome(key="which", values={"count": str(len(timers)), "timers": join_words(labels, req.lang),
                                            "first": labels[0]}, choose=True)
    return _cancelled(req, chosen)


def _set_for(timer: Any) -> int:
    """The length a timer was set for, in seconds."""
    set_at, due = datetime.fromisoformat(timer["created_at"]), datetime.fromisoformat(timer["due_at"])
    return round((due - set_at).total_seconds())


def _cancelled(req: Request, rows: list[Any]) -> Outcome:
    """Cancel ``rows``; the outcome says none, one or how many."""
    count = scheduler.cancel(req.db, [row["id"] for row in rows])
    if count == 0:
        return Outcome(key="none")
    return Outcome(key="done" if count == 1 else "done_many", values={"count": str(count)})


def timer_query(req: Request) -> Outcome:
    timers = scheduler.active(req.db, "timer")
    if not timers:
        return Outcome(key="none")
    parts = []
    for timer in timers:
        left = max(0, round((scheduler.local(timer["due_at"], req.now) - req.now).total_seconds()))
        parts.append((duration_words(left, req.lang), duration_words(_set_for(timer), req.lang)))
    if len(parts) == 1:
        return Outcome(key="remaining", values={"remaining": parts[0][0], "duration": parts[0][1]})
    joined = join_words([left if left == label else f"{left} ({label})" for left, label in parts], req.lang)
    return Outcome(key="many", values={"count": str(len(parts)), "timers": joined})


def _undo_schedule(req: Request, undo: dict[str, Any]) -> None:
    scheduler.cancel(req.db, undo["ids"])


# ------------------------------------------------------------------ alarms
def alarm_set(req: Request) -> Outcome:
    repeat = _repeat(req)
    due = scheduler.first_repeat(_due(req), repeat)
    when = moment_words(due, req.now, req.lang)
    clock = time_words(f"{due.hour:02d}:{due.minute:02d}", req.lang)
    if any(a["due_at"] == scheduler.utc(due) and a["repeat"] == repeat for a in scheduler.active(req.db, "alarm")):
        return Outcome(key="exists", values={"when": when})  # a second identical alarm would ring as one
    alarm = scheduler.schedule(req.db, "alarm", due, req.now, req.lang, intent="alarm_set",
                               values={"time": clock, "when": when}, label=clock, repeat=repeat)
    values = {"when": when, "repeat": _repeat_words(repeat, req.lang) if repeat else ""}
    return Outcome(key="repeat" if repeat else "done", values=values, undo={"ids": [alarm]})


def _repeat_words(repeat: str, lang: str) -> str:
    words = {"daily": ("every day", "매일"), "weekdays": ("on weekdays", "평일마다"),
             "weekends": ("on weekends", "주말마다"), "weekly": ("every week", "매주")}
    return words[repeat][lang == "ko"]


def alarm_cancel(req: Request) -> Outcome:
    alarms = scheduler.active(req.db, "alarm")
    hhmm = req.slots.get("time")
    if hhmm is not None:
        hour, minute = (int(p) for p in str(hhmm).split(":"))
        # "cancel the 7 alarm" may mean 7 am or 7 pm: match either half of the day when no part was said
        either = not _DAY_PART.search(req.text.lower()) and hour < 12
        wanted = {(hour, minute), ((hour + 12) % 24, minute)} if either else {(hour, minute)}
        alarms = [a for a in alarms if _clock(scheduler.local(a["due_at"], req.now)) in wanted]
        if not alarms:
            return Outcome(key="missing", values={"time": time_words(str(hhmm), req.lang)})
    return _cancelled(req, alarms)


def _clock(moment: datetime) -> tuple[int, int]:
    return moment.hour, moment.minute


def alarm_query(req: Request) -> Outcome:
    alarms = scheduler.active(req.db, "alarm")
    if not alarms:
        return Outcome(key="none")
    parts = [_next_firing(a, req) for a in alarms]
    return Outcome(key="list", values={"alarms": join_words(parts, req.lang), "count": str(len(parts))})


def _next_firing(row: Any, req: Request) -> str:
    """When a scheduled item is due next, and how it repeats: "at 6:30 am on Monday (on weekdays)"."""
    when = moment_words(scheduler.local(row["due_at"], req.now), req.now, req.lang)
    return f"{when} ({_repeat_words(row['repeat'], req.lang)})" if row["repeat"] else when


# ------------------------------------------------------------------ reminders
#: an English task said as a thing rather than a deed: "about the meeting", "my dentist appointment"
_ABOUT = re.compile(r"^(?:about|of) ")
_THING_START = re.compile(r"^(?:the|my|a|an|our|his|her|their|this|that)\b")


def _topic(task: str, lang: str, said: str) -> str | None:
    """What a reminder is about when its task is a noun phrase ("the meeting", or "dinner with sarah"
    said after "about", "for" or "i have"), so the reply says "remind you about the meeting", not
    "remind you to about the meeting"; None for a deed."""
    if lang != "en":
        return None
    thing = _ABOUT.sub("", task)
    named = re.search(rf"\b(?:about|of|for|have|got|there's|theres) {re.escape(thing)}\b", said.lower())
    return thing if thing != task or _THING_START.match(thing) or named else None


def reminder_set(req: Request) -> Outcome:
    """A reminder when a time, a day or a repeat is said ("every morning" is due at the day's default
    hour); otherwise ask when."""
    repeat = _repeat(req)
    if "time" not in req.slots and "date" not in req.slots and repeat is None:
        return Outcome(ask="time")
    due = _due(req)
    if due <= req.now and "time" not in req.slots:
        if repeat is None:
            return Outcome(ask="time")  # "today" said at 3 pm: 9 am has gone
        due = scheduler.next_repeat(due, repeat, req.now)  # "every morning" said at noon: from tomorrow
    due = scheduler.first_repeat(due, repeat)
    when = moment_words(due, req.now, req.lang)
    task = str(req.slots["task"])
    topic = _topic(task, req.lang, req.text)
    label = topic or task
    reminder = scheduler.schedule(req.db, "reminder", due, req.now, req.lang, intent="reminder_set",
                                  values={"task": label, "when": when}, label=label, repeat=repeat)
    said_back = {"task": addressed(task, req.lang)} | ({"about": addressed(topic, req.lang)} if topic else {})
    values = {"when": when, "repeat": _repeat_words(repeat, req.lang) if repeat else "", **said_back}
    return Outcome(key="repeat" if repeat else "done", values=values, undo={"ids": [reminder]})


def reminder_query(req: Request) -> Outcome:
    reminders = scheduler.active(req.db, "reminder")
    if not reminders:
        return Outcome(key="none")
    # "call mom at 6 pm" / "엄마한테 전화하기 오후 6시"
    parts = [f"{r['label']} {_next_firing(r, req)}" for r in reminders]
    return Outcome(key="list", values={"reminders": join_words(parts, req.lang), "count": str(len(parts))})


def reminder_cancel(req: Request) -> Outcome:
    reminders = scheduler.active(req.db, "reminder")
    if not reminders:
        return Outcome(key="none")
    task = req.slots.get("task")
    if task is None:
        if len(reminders) > 1 and not _ALL.search(req.text.lower()):
            return Outcome(ask="task")
        chosen = reminders
    else:
        words = set(str(task).split())
        chosen = [r for r in reminders if words & set(r["label"].split())]
        if not chosen:
            return Outcome(key="missing")
    scheduler.cancel(req.db, [r["id"] for r in chosen])
    if len(chosen) > 1:
        return Outcome(key="done_many", values={"count": str(len(chosen))})
    return Outcome(values={"task": chosen[0]["label"]})


# ------------------------------------------------------------------ time
@cache
def _place_zones() -> dict[str, str]:
    """Place name → IANA zone: the curated names, then every zone's city ("lisbon" → Europe/Lisbon)."""
    zones = {zone.rsplit("/", 1)[-1].replace("_", " ").lower(): zone for zone in zoneinfo.available_timezones()}
    curated = yaml.safe_load((Path(__file__).with_name("places.yaml")).read_text(encoding="utf-8"))
    for zone, names in curated.items():
        for name in names:
            zones[str(name).lower()] = zone
    return zones


def zone_for(place: str) -> str | None:
    words = place.lower().strip()
    for candidate in (words, re.sub(r"^(?:the )|(?:에서|에는|은|는|의|에)$", "", words).strip()):
        zone = _place_zones().get(candidate) or _place_zones().get(candidate.replace(" ", ""))
        if zone:
            return zone
    return None


def time_query(req: Request) -> Outcome:
    place, day = req.slots.get("place"), req.slots.get("date")
    resolved = resolve_date(str(day), req.now.date()) if day is not None else None
    if day is not None and place is None and resolved != req.now.date():  # "today": the date in full, below
        if resolved is None:
            return Outcome(key="unknown_date")
        return Outcome(key="weekday", values={"day": day_words(resolved, req.now.date(), req.lang).removeprefix("on "),
                                              "weekday": weekday_words(resolved, req.lang)})
    if place is not None:
        zone = zone_for(str(place))
        if zone is None:
            return Outcome(key="unknown_place", values={"place": str(place)})
        there = req.now.astimezone(zoneinfo.ZoneInfo(zone))
        same_day = there.date() == req.now.date()
        values = {"place": str(place).title() if req.lang == "en" else str(place),
                  "time": time_words(f"{there.hour:02d}:{there.minute:02d}", req.lang),
                  "day": "" if same_day else day_words(there.date(), req.now.date(), req.lang)}
        return Outcome(key="there", values=values)
    values = {"time": time_words(f"{req.now.hour:02d}:{req.now.minute:02d}", req.lang),
              "day": day_words(req.now.date(), req.now.date(), req.lang),
              "date": date_words(req.now.date(), req.lang)}
    return Outcome(key="now", values=values)


SKILLS = {
    "timer_set": Skill(timer_set, _undo_schedule),
    "timer_cancel": Skill(timer_cancel),
    "timer_query": Skill(timer_query),
    "alarm_set": Skill(alarm_set, _undo_schedule),
    "alarm_cancel": Skill(alarm_cancel),
    "alarm_query": Skill(alarm_query),
    "reminder_set": Skill(reminder_set, _undo_schedule),
    "reminder_query": Skill(reminder_query),
    "reminder_cancel": Skill(reminder_cancel),
    "time_query": Skill(time_query),
}


def snapshot(db: Any, now: datetime) -> dict[str, Any]:
    """Active timers (with seconds left), alarms and reminders."""
    out: dict[str, Any] = {}
    for kind in ("timer", "alarm", "reminder"):
        rows = scheduler.active(db, kind)
        out[kind + "s"] = [{"id": r["id"], "label": r["label"], "due": scheduler.local(r["due_at"], now).isoformat(),
                            "repeat": r["repeat"],
                            **({"remaining_s": max(0, round((scheduler.local(r["due_at"], now) - now).total_seconds()))}
                               if kind == "timer" else {})} for r in rows]
    return out
