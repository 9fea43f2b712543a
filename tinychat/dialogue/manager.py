"""The dialogue manager: one utterance in, one turn out, driven by the domain spec.

It fills required slots with follow-up questions, carries context over ("make it two", "and
butter?", "remove it"), asks before destructive actions, lets "cancel" drop a pending question,
answers help and out-of-domain requests, and asks again rather than guess when the parse is
unsure. What an action *does* is a skill's business (``tinychat.dialogue.skills``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tinychat.dialogue import carryover
from tinychat.dialogue.phrasing import (
    Phrasing,
    count_words,
    day_words,
    detect_language,
    duration_words,
    fill,
    join_words,
    time_words,
)
from tinychat.dialogue.replies import Replies
from tinychat.dialogue.skills import Outcome, Request, Skill
from tinychat.dialogue.turn import ActionSummary, Turn
from tinychat.dialogue.when import delay_in, resolve_date, says_only_a_moment
from tinychat.domain.action import OUT_OF_DOMAIN, Action, SlotValue, Span, normalise_slot
from tinychat.domain.entities import find_entity, resolve_entity
from tinychat.domain.spec import DomainSpec, Slot, SlotType
from tinychat.domain.utterance import normalise_utterance
from tinychat.runtime.compound import split_at_joins
from tinychat.runtime.parser import DEFAULT_THRESHOLD, has_words, in_known_script

#: act on a parse at least this sure of its intent (the parser's own out-of-domain threshold)
ACT_THRESHOLD = DEFAULT_THRESHOLD
#: between this and ACT_THRESHOLD an in-domain parse gets a clarifying question, below it a refusal
CLARIFY_THRESHOLD = 0.2
#: a follow-up question is asked at most this many times before the dialogue lets it go
MAX_ASKS = 2
_CONTROL = ("confirm", "deny", "cancel", "help", OUT_OF_DOMAIN)
#: words that pick one of several offered ("the ten minute one", "10분짜리", "5분 거"), not a unit ("one minute")
_PICK = re.compile(r"\bones?\b(?!\s+(?:minute|hour|second|min|sec|hr))|짜리|(?:^|\s)(?:거|걸|것)(?:\s|$)")
#: the longest delay ("in 12 hours") turned into a clock time: within it, the next such clock time is the one meant
MAX_DELAY_S = 12 * 3600
#: slot types a bare number can answer
_NUMERIC = (SlotType.quantity, SlotType.duration, SlotType.time, SlotType.date)


@dataclass
class Pending:
    """An open question: a missing slot of ``intent`` or a yes/no before a destructive action."""

    kind: str  # "slot", "confirm", "choice" or "clarify"
    intent: str = ""
    slots: dict[str, SlotValue] = field(default_factory=dict)
    slot: str = ""
    question: str = ""
    asks: int = 1


@dataclass
class Context:
    """What the dialogue remembers between turns (stored with the state, so it survives restarts)."""

    lang: str = ""
    pending: Pending | None = None
    last_intent: str = ""
    last_slots: dict[str, SlotValue] = field(default_factory=dict)
    last_undo: dict[str, Any] | None = None

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Context:
        row = db.execute("SELECT value FROM context WHERE key = 'dialogue'").fetchone()
        if row is None:
            return cls()
        data = json.loads(row[0])
        pending = data.pop("pending", None)
        return cls(**data, pending=Pending(**pending) if pending else None)

    def save(self, db: sqlite3.Connection) -> None:
        db.execute("INSERT OR REPLACE INTO context (key, value) VALUES ('dialogue', ?)",
                   (json.dumps(asdict(self), ensure_ascii=False),))


#: a reply's intent, outcome and the values its template was filled with
Filled = tuple[str, str, dict[str, str]]


class DialogueManager:
    def __init__(self, spec: DomainSpec, skills: dict[str, Skill]) -> None:
        self.spec = spec
        self.skills = skills
        self.phrasing = Phrasing(spec)
        self.replies = Replies(spec)

    def respond(self, text: str, action: Action, lang: str | None, now: datetime, db: sqlite3.Connection,
                things: list[Action] | None = None) -> Turn:
        """Answer one utterance (parsed as ``action`` with no threshold applied) inside the caller's
        transaction, so state and context change together.

        ``things``: the utterance read as one action per thing it names ("eggs and milk") or per request
        it joins ("a timer and an alarm"), acted on in turn when each is sure and no question is open
        (then the utterance may be its answer)."""
        context = Context.load(db)
        lang = lang or detect_language(text, context.lang or self.spec.languages[0])
        context.lang = lang
        if things and context.pending is None and all(t.confidence >= ACT_THRESHOLD for t in things):
            turns: list[Turn] = []
            filled: dict[int, Filled] = {}
            for thing in things:  # a question stops it there
                run = _Turn(self, context, thing.text, lang, now, db)
                turns.append(run.run(thing))
                filled.update(run.filled)
                if turns[-1].pending:
                    break
            turn = _merged(turns, self.replies, filled)
        else:
            turn = _Turn(self, context, text, lang, now, db).run(action)
        context.save(db)
        return turn


class _Turn:
    """The work of one ``respond`` call."""

    def __init__(self, manager: DialogueManager, context: Context, text: str, lang: str, now: datetime,
                 db: sqlite3.Connection) -> None:
        self.m, self.context, self.text, self.lang, self.now, self.db = manager, context, text, lang, now, db
        self.spec = manager.spec
        #: how each templated reply of this run was filled, by id of its turn (so several can fold into one)
        self.filled: dict[int, Filled] = {}

    # ------------------------------------------------------------------ entry
    def run(self, action: Action) -> Turn:
        pending, self.context.pending = self.context.pending, None
        if pending is not None and pending.kind == "slot":
            turn = self._answer_slot(pending, action)
            if turn is not None:
                return turn
        if pending is not None and pending.kind == "confirm":
            turn = self._answer_confirm(pending, action)
            if turn is not None:
                return turn
        if pending is not None and pending.kind == "choice":
            turn = self._answer_choice(pending, action)
            if turn is not None:
                return turn
        return self._fresh(action)

    def _fresh(self, action: Action) -> Turn:
        sure = action.confidence >= ACT_THRESHOLD
        if sure and action.intent == "cancel":
            return self._say("cancelled", "cancel")
        revised = self._correction()
        if revised is not None:
            return revised
        repeated = self._ellipsis()  # "and butter?" asks for more of the last action, whatever the model read
        if repeated is not None:
            return self._proceed(repeated[0], repeated[1])
        plain = carryover.plain_answer(self.text)
        model_yes_or_no = sure and action.intent in ("confirm", "deny")
        if model_yes_or_no and plain is None and self._named_catalogues():
            return self._clarify()  # "butter" read as a yes: no answer to anything, and no request either
        if model_yes_or_no or plain:
            return self._say("nothing_pending", action.intent if sure else "confirm")
        if sure and action.intent == "help":
            return self._reply(self.m.replies.capabilities(self.lang), ActionSummary(intent="help"))
        if action.intent == OUT_OF_DOMAIN or action.intent in _CONTROL:
            return self._refuse()
        if not sure:
            return self._clarify() if action.confidence >= CLARIFY_THRESHOLD else self._refuse()
        slots = dict(action.slots)
        self._fill_from_last(action.intent, slots)
        return self._proceed(action.intent, slots)

    # ------------------------------------------------------------------ open questions
    def _answer_slot(self, pending: Pending, action: Action) -> Turn | None:
        """Fill the asked slot from the answer; None hands the utterance on as a fresh request."""
        slot = self.spec.intent(pending.intent).slot(pending.slot)
        # "butter" answering "what should I add?" is the answer, however the model read it
        if action.intent == "cancel" and action.confidence >= ACT_THRESHOLD and self._catalogue_name(slot) is None:
            return self._say("cancelled", "cancel")
        several = self._catalogue_names(slot)
        if several:  # "eggs and milk": the asked action once for each
            turns = [self._proceed(pending.intent, {**pending.slots, slot.name: v}) for v in several]
            return _merged(turns, self.m.replies, self.filled)
        value = self._answer_value(slot, action, pending.intent)
        if value is not None:  # an answer that says more of the same request ("at 9 am to take my pills") adds it
            said_more = action.slots if action.intent == pending.intent else {}
            return self._proceed(pending.intent, {**pending.slots, **said_more, slot.name: value})
        moment = self._moment_answer(slot, action, pending.intent)
        if moment:  # "tomorrow at 9" answering "when?", read as an alarm
            return self._proceed(pending.intent, {**pending.slots, **moment})
        if action.intent not in _CONTROL and action.confidence >= ACT_THRESHOLD:
            return None  # a new request: the question lapses
        if pending.asks >= MAX_ASKS:
            return self._say("gave_up", OUT_OF_DOMAIN)
        question = self.m.replies.dialogue("reask", self.lang, question=self._question(slot, pending.intent))
        self.context.pending = Pending("slot", pending.intent, pending.slots, slot.name, question, pending.asks + 1)
        return self._reply(question, ActionSummary(intent=pending.intent, slots=pending.slots))

    def _moment_answer(self, slot: Slot, action: Action, intent: str) -> dict[str, SlotValue]:
        """The time and date an answer to "when?" says, when it says nothing else ("tomorrow at 9"),
        whichever intent the model read it as; empty otherwise."""
        if slot.type not in (SlotType.time, SlotType.date) or not says_only_a_moment(self.text):
            return {}
        wanted = {s.name for s in self.spec.intent(intent).slots if s.type in (SlotType.time, SlotType.date)}
        moment = {name: value for name, value in action.slots.items() if name in wanted}
        return moment if slot.name in moment else {}

    def _answer_value(self, slot: Slot, action: Action, intent: str) -> SlotValue | None:
        """The answer as the slot's value, unless it is plainly a new request ("I used an egg")."""
        sure = action.confidence >= ACT_THRESHOLD
        if slot.type == SlotType.time and (clock := self._clock_after_delay()) is not None:
            return clock  # "in an hour" answering "when?"
        if action.intent == intent and slot.name in action.slots:
            return action.slots[slot.name]
        if sure and action.intent == intent and action.slots:
            return None  # the request said again with other values, and still not the one asked for
        if (named := self._catalogue_name(slot)) is not None:
            return named
        whole = normalise_slot(self.spec, slot, Span(self.text.strip().rstrip("?.!")))
        if whole is not None and slot.type in _NUMERIC and not has_words(self.text):
            return whole  # a bare number ("7") for the number the question asked
        if whole is not None and set(action.slots.values()) == {whole}:
            return whole  # nothing but the value asked for ("at 6 pm", "버터"), whatever intent it suggests
        if sure and action.intent not in _CONTROL and action.intent != intent:
            return None
        if whole is not None and carryover.plain_answer(self.text) is None and _could_be_a_name(self.text, self.spec):
            return whole
        for name, value in action.slots.items():
            other = self.spec.intent(action.intent).slot(name)
            if other.type == slot.type and other.catalogue == slot.catalogue:
                return value
        return None

    def _clock_after_delay(self) -> str | None:
        """The clock time ("HH:MM") a delay the utterance says comes to ("in 20 minutes"), up to MAX_DELAY.

        Longer delays are left out: a clock time alone cannot say which day they end on.
        """
        seconds = delay_in(self.text)
        if seconds is None or seconds > MAX_DELAY_S:
            return None
        due = self.now + timedelta(seconds=seconds)
        due += timedelta(seconds=(60 - due.second) % 60, microseconds=-due.microsecond)  # never before it
        return f"{due.hour:02d}:{due.minute:02d}"

    def _catalogue_names(self, slot: Slot) -> list[str]:
        """The catalogue ids when the answer lists several entries of the slot's catalogue ("eggs and milk")."""
        if slot.type != SlotType.entity or slot.catalogue is None:
            return []
        catalogue = self.spec.catalogues[slot.catalogue]
        found = [resolve_entity(catalogue, part) for part in split_at_joins(normalise_utterance(self.text), self.spec)]
        ids = [entity for entity in found if entity is not None]
        return ids if len(found) > 1 and len(ids) == len(found) == len(set(ids)) else []

    def _catalogue_name(self, slot: Slot) -> SlotValue | None:
        """The catalogue id when the whole answer names an entry of the slot's catalogue ("butter")."""
        if slot.type != SlotType.entity or slot.catalogue is None:
            return None
        return resolve_entity(self.spec.catalogues[slot.catalogue], self.text.strip().rstrip("?.!"))

    def _answer_confirm(self, pending: Pending, action: Action) -> Turn | None:
        plain = carryover.plain_answer(self.text)
        if plain is None and (carryover.correction_quantity(self.text) is not None or self._ellipsis() is not None):
            return None  # "make it two", "and butter?" go on from the last action; the question lapses
        sure = action.confidence >= ACT_THRESHOLD
        model_yes = sure and action.intent == "confirm" and not self._names_what_is_not_asked(pending.intent)
        if plain == "yes" or (plain is None and model_yes):
            return self._execute(pending.intent, pending.slots)
        if plain == "no" or (plain is None and sure and action.intent in ("deny", "cancel")):
            return self._say("declined", "deny")
        if sure and action.intent not in _CONTROL:
            return None
        if pending.asks >= MAX_ASKS:
            return self._say("declined", "deny")
        self.context.pending = Pending("confirm", pending.intent, pending.slots, "", pending.question, pending.asks + 1)
        return self._reply(pending.question, ActionSummary(intent=pending.intent, slots=pending.slots))

    def _answer_choice(self, pending: Pending, action: Action) -> Turn | None:
        """The pick after "which one?" ("the five minute one", "10분짜리", "both"): the skill runs again on
        these words. A new request with what it needs said ("set a timer for 5 minutes") is no pick."""
        sure = action.confidence >= ACT_THRESHOLD
        new_request = sure and action.intent not in _CONTROL and action.intent != pending.intent and action.slots
        if new_request and not _PICK.search(self.text.lower()):  # "the ten minute one" may read as a timer
            return None
        outcome = self._outcome(pending.intent, pending.slots)
        return None if outcome.choose else self._turn_for(pending.intent, pending.slots, outcome)

    def _names_what_is_not_asked(self, intent: str) -> bool:
        """Whether the answer names a catalogue entry the pending action has no slot for: "butter" is
        no yes to "clear the shopping list?", however the model read it."""
        asked = {slot.catalogue for slot in self.spec.intent(intent).slots}
        return bool(self._named_catalogues() - asked)

    def _named_catalogues(self) -> set[str]:
        """The catalogues the utterance names an entry of ("butter" → food)."""
        utterance = normalise_utterance(self.text)
        return {name for name, catalogue in self.spec.catalogues.items()
                if find_entity(catalogue, utterance) is not None}

    # ------------------------------------------------------------------ carry-over
    def _correction(self) -> Turn | None:
        """"make it two": take the last action back and do it again with the new count."""
        quantity = carryover.correction_quantity(self.text)
        last = self.context.last_intent
        if quantity is None or not last or not any(s.name == "quantity" for s in self.spec.intent(last).slots):
            return None
        skill = self.m.skills.get(last)
        if skill is None or skill.undo is None or self.context.last_undo is None:
            return self._say("cannot_revise", last)
        skill.undo(self._request(last, self.context.last_slots), self.context.last_undo)
        return self._execute(last, {**self.context.last_slots, "quantity": quantity})

    def _ellipsis(self) -> tuple[str, dict[str, SlotValue]] | None:
        """"and butter?": the last action again, for another value of its first entity or text slot."""
        last = self.context.last_intent
        if not last:
            return None
        for slot in self.spec.intent(last).slots:
            if slot.type in (SlotType.entity, SlotType.text) and slot.name in self.context.last_slots:
                value = carryover.ellipsis_value(self.spec, slot, self.text)
                if value is not None:
                    dropped = (slot.name, "quantity", "unit")
                    kept = {k: v for k, v in self.context.last_slots.items() if k not in dropped}
                    return last, {**kept, slot.name: value}
                return None
        return None

    def _fill_from_last(self, intent: str, slots: dict[str, SlotValue]) -> None:
        """"remove it": a missing required slot takes the last action's value of the same kind."""
        if not carryover.refers_back(self.text):
            return
        last_intent, last_slots = self.context.last_intent, self.context.last_slots
        for slot in self.spec.intent(intent).slots:
            if slot.name in slots or not slot.required or not last_intent:
                continue
            for other in self.spec.intent(last_intent).slots:
                if other.type == slot.type and other.catalogue == slot.catalogue and other.name in last_slots:
                    slots[slot.name] = last_slots[other.name]

    # ------------------------------------------------------------------ acting
    def _proceed(self, intent_name: str, slots: dict[str, SlotValue]) -> Turn:
        """Ask for what is missing, confirm what is destructive, else act."""
        intent = self.spec.intent(intent_name)
        for slot in intent.slots:
            if slot.required and slot.name not in slots:
                return self._ask(intent_name, slots, slot)
        narrowed = any(name in slots for name in intent.confirm_unless)
        if intent.destructive and not narrowed:
            values = self.words(intent_name, slots)
            question = (self.m.replies.intent(intent_name, "confirm", self.lang, values)
                        or self.m.replies.dialogue("confirm_destructive", self.lang))
            self.context.pending = Pending("confirm", intent_name, slots, "", question)
            return self._reply(question, ActionSummary(intent=intent_name, slots=slots))
        return self._execute(intent_name, slots)

    def _ask(self, intent: str, slots: dict[str, SlotValue], slot: Slot) -> Turn:
        clock = self._clock_after_delay() if slot.type == SlotType.time else None
        if clock is not None:  # "remind me in 20 minutes to …": the time was said, as a delay
            return self._proceed(intent, {**slots, slot.name: clock})
        question = self._question(slot, intent, slots)
        self.context.pending = Pending("slot", intent, slots, slot.name, question)
        return self._reply(question, ActionSummary(intent=intent, slots=slots))

    def _question(self, slot: Slot, intent: str, slots: dict[str, SlotValue] | None = None) -> str:
        prompt = slot.prompt.get(self.lang) or slot.prompt.get("en")
        if prompt:
            return fill(prompt, self.words(intent, slots or {})) or prompt.split("{")[0].strip() or prompt
        return {"en": f"What {slot.name.replace('_', ' ')}?", "ko": f"{slot.name}은 무엇인가요?"}.get(self.lang, "?")

    def _execute(self, intent: str, slots: dict[str, SlotValue]) -> Turn:
        return self._turn_for(intent, slots, self._outcome(intent, slots))

    def _outcome(self, intent: str, slots: dict[str, SlotValue]) -> Outcome:
        skill = self.m.skills.get(intent)
        return skill.handle(self._request(intent, slots)) if skill is not None else Outcome()

    def _turn_for(self, intent: str, slots: dict[str, SlotValue], outcome: Outcome) -> Turn:
        """The reply to what a skill did (or asks), remembered as the last action."""
        if outcome.ask is not None:
            return self._ask(intent, slots, self.spec.intent(intent).slot(outcome.ask))
        self.context.last_intent, self.context.last_slots, self.context.last_undo = intent, slots, outcome.undo
        values = {**self.words(intent, slots), **outcome.values}
        templated = None if outcome.text else self.m.replies.intent(intent, outcome.key, self.lang, values)
        reply = (outcome.text or templated or self.m.replies.intent(intent, "done", self.lang, values)
                 or self.m.replies.dialogue("done", self.lang))
        if outcome.choose:
            self.context.pending = Pending("choice", intent, slots, question=reply)
        turn = self._reply(reply, ActionSummary(intent=intent, slots=slots))
        if templated is not None:
            self.filled[id(turn)] = (intent, outcome.key, values)
        return turn

    def _request(self, intent: str, slots: dict[str, SlotValue]) -> Request:
        return Request(intent, dict(slots), self.lang, self.text, self.now, self.db, self.m.phrasing)

    def words(self, intent: str, slots: dict[str, SlotValue]) -> dict[str, str]:
        """Each slot value in words of the turn's language, for reply templates."""
        out: dict[str, str] = {}
        count = slots.get("quantity")
        for slot in self.spec.intent(intent).slots:
            value = slots.get(slot.name)
            if value is None:
                continue
            if slot.type == SlotType.entity:
                if isinstance(count, int) and slot.name != "unit":
                    number = count
                else:  # "bottles" of milk; "apples" but "jam" when no count was said
                    number = 2 if slot.name == "unit" or self.m.phrasing.countable(slot.catalogue, str(value)) else 1
                out[slot.name] = self.m.phrasing.name(slot.catalogue, str(value), self.lang, count=number)
            elif slot.type == SlotType.quantity:
                out[slot.name] = str(value) if self.lang == "ko" else count_words(int(value))
            elif slot.type == SlotType.duration:
                out[slot.name] = duration_words(int(value), self.lang)
            elif slot.type == SlotType.time:
                out[slot.name] = time_words(str(value), self.lang)
            elif slot.type == SlotType.date:
                day = resolve_date(str(value), self.now.date())
                out[slot.name] = day_words(day, self.now.date(), self.lang) if day else str(value)
            else:
                out[slot.name] = self.m.phrasing.text_value(slot.name, str(value), self.lang)
        return out

    # ------------------------------------------------------------------ replies
    def _refuse(self) -> Turn:
        reply = self.m.replies.dialogue("out_of_domain", self.lang, capabilities=self.m.replies.capabilities(self.lang))
        return self._reply(reply, ActionSummary(intent=OUT_OF_DOMAIN))

    def _clarify(self) -> Turn:
        question = self.m.replies.dialogue("clarify", self.lang)
        self.context.pending = Pending("clarify", question=question)
        return self._reply(question, ActionSummary(intent=OUT_OF_DOMAIN))

    def _say(self, key: str, intent: str) -> Turn:
        return self._reply(self.m.replies.dialogue(key, self.lang), ActionSummary(intent=intent))

    def _reply(self, text: str, action: ActionSummary) -> Turn:
        pending = self.context.pending
        text = text[:1].upper() + text[1:]
        return Turn(reply=text, lang=self.lang, action=action, pending=pending.question if pending else None)


def _merged(turns: list[Turn], replies: Replies, filled: dict[int, Filled]) -> Turn:
    """Turns acting on several things of one utterance as one: replies in order, the last question.

    Replies filled from one template say it once, with the values that differ listed in order:
    "Added bread, butter and jam to the shopping list.", "Added two apples and three pears to the
    fridge. You have two apples and three pears now."
    """
    reply = _folded(turns, replies, [filled[id(t)] for t in turns if id(t) in filled]) or " ".join(
        t.reply for t in turns)
    return Turn(reply=reply, lang=turns[-1].lang, action=turns[0].action,
                more_actions=[t.action for t in turns[1:]], pending=turns[-1].pending)


def _folded(turns: list[Turn], replies: Replies, filled: list[Filled]) -> str | None:
    if len(filled) != len(turns) or len(turns) < 2 or len({t.lang for t in turns}) > 1:
        return None
    if len({(intent, outcome, tuple(sorted(values))) for intent, outcome, values in filled}) > 1:
        return None  # not one template with the same placeholders
    intent, outcome, first = filled[0]
    listed = dict(first)
    for key in first:
        said = [values[key] for _, _, values in filled]
        if len(set(said)) == len(said):
            listed[key] = join_words(said, turns[0].lang)
        elif len(set(said)) > 1:
            return None  # some alike, some not: listed side by side they would not line up
    return replies.intent(intent, outcome, turns[0].lang, listed) if listed != first else None


#: a free-text answer ("paper towels", "call the plumber") is a phrase, not a paragraph
MAX_FREE_TEXT_WORDS, MAX_FREE_TEXT_CHARS = 8, 60


def _could_be_a_name(text: str, spec: DomainSpec) -> bool:
    """Whether an answer is short words in a script the domain speaks, so it may be taken as free text."""
    words = normalise_utterance(text)
    return (0 < len(words.split()) <= MAX_FREE_TEXT_WORDS and len(words) <= MAX_FREE_TEXT_CHARS
            and has_words(words) and in_known_script(words, spec.languages))
