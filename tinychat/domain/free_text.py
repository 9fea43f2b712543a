"""Free-text values read from the words around them, where the model's copy falls short.

A reminder's task is the words after its lead-in ("to" of "remind me at 9 am to eat lunch") or up
to its closing word ("가라고" of "택배 찾으러 가라고 알려 줘"), stopped where another value's words
start. These work on plain text: ``action.resolve_action`` decides when to use them.
"""

from __future__ import annotations

import re

from tinychat.domain.hangul import is_syllable
from tinychat.domain.normalise import FUNCTION_WORDS

#: words a free-text value read after its lead-in does not end on ("eat lunch at" of "… to eat lunch at 9")
_DANGLING = frozenset({"at", "on", "by", "in", "for", "from", "and", "then", "please", "so"})
#: where a reason starts, after the value: "call the bank" of "… to call the bank since they close early"
_REASON = re.compile(r"\s(?:because|since|cause|cuz|coz)\s")
#: words that open a sentence rather than a value ("꼭 약 먹으라고 알려 줘", "나한테 …")
_OPENERS = FUNCTION_WORDS | {"나", "나한테", "저한테"}


def locate(copy: str, utterance: str) -> int:
    """Where a copy came from: a whole-word occurrence first ("두" of "두부 두 모" is the second)."""
    first = utterance.find(copy)
    start = first
    while start >= 0:
        end = start + len(copy)
        if (start == 0 or utterance[start - 1].isspace()) and (end == len(utterance) or utterance[end].isspace()):
            return start
        start = utterance.find(copy, start + 1)
    return first


def with_cut_syllable(copy: str, others: list[str], utterance: str) -> str:
    """A Korean copy that starts one syllable into a word takes it back ("갑 챙기라고" of "지갑 챙기라고"),
    unless another value's words hold it ("일 우유 사라고" of "내일", the date)."""
    at = locate(copy, utterance) if copy.strip() else -1
    if at < 1 or not (is_syllable(utterance[at]) and is_syllable(utterance[at - 1])):
        return copy
    if at >= 2 and not utterance[at - 2].isspace():
        return copy  # more than a syllable is missing: too little to tell it from a run of squashed words
    for other in others:
        found = locate(other, utterance) if other.strip() else -1
        if 0 <= found < at <= found + len(other):
            return copy
    return utterance[at - 1 : at + len(copy)]


def as_task_noun(copy: str, utterance: str) -> str:
    """A Korean task said as "-는 거" (the thing of doing) in its -기 form: "약 먹는" of "약 먹는 거 잊지
    않게" → "약 먹기", "은행 가" of "은행 가는 거" → "은행 가기". Other copies come back unchanged."""
    at = locate(copy, utterance) if copy.strip() else -1
    if at < 0 or not is_syllable(copy[-1]):
        return copy
    rest = utterance[at + len(copy):]
    if copy.endswith("는") and len(copy) > 1 and re.match(r"\s+(?:거|것)(?:\s|$)", rest):
        return copy[:-1] + "기"
    if re.match(r"는\s+(?:거|것)(?:\s|$)", rest):
        return copy + "기"
    return copy


def after_lead_in(lead_ins: list[str], others: list[str], utterance: str) -> str | None:
    """The words after the first lead-in word, up to where another value's words or a reason start:
    "eat lunch" of "remind me at 9 am to eat lunch", "take my pills" where the model copied "pills"."""
    pattern = "|".join(re.escape(word) for word in lead_ins)
    match = re.search(rf"(?:^|\s)(?:{pattern})\s+(?=\S)", utterance)
    if match is None:
        return None
    # "i need to remember to …", "i want you to remind me to …"
    again = re.match(rf"(?:remember|remind me)\s+(?:{pattern})\s+(?=\S)", utterance[match.end():])
    start = match.end() + (again.end() if again else 0)
    reason = _REASON.search(utterance, start)
    end = reason.start() if reason else len(utterance)
    for other in others:
        at = utterance.find(other, start) if other.strip() else -1
        if at >= start:
            end = min(end, at)
    words = without_dangling(utterance[start:end])
    return words or None


def copy_falls_short(lead_ins: list[str], copied: str | None, said: str, utterance: str) -> bool:
    """Whether the model's copy gives way to the words ``said`` after the lead-in: it is none, a part of
    them ("pills" of "take my pills"), the lead-in word itself ("about" of "remind me at 6 pm about my
    dentist appointment"), or words wholly before the lead-in ("set a" of "set a reminder for 8 pm to
    walk the dog")."""
    if copied is None:
        return True
    text = without_dangling(copied)
    for lead_in in lead_ins:  # "about my" of "about my dentist appointment", "me about the meeting"
        head, found, tail = f" {text} ".partition(f" {lead_in} ")
        if found and tail.strip() and all(word in FUNCTION_WORDS for word in head.split()):
            text = tail.strip()
    at = utterance.find(text)
    before = at >= 0 and at + len(text) < utterance.find(said)
    return text in said or before or text in lead_ins


def through_closing(endings: list[str], copied: str | None, others: list[str], utterance: str) -> str | None:
    """A value that ends on the first word with one of the closing ``endings``, where the model's copy
    stops one word short of it ("택배 찾으러" of "택배 찾으러 가라고 알려 줘"), or is missing, the closing
    word alone ("가라고") or starts in it or past it ("라고 알려", "려줘" of "알려줘"): then from where the
    other values' words end.
    None when the copy stands."""
    words = list(re.finditer(r"\S+", utterance))
    closing = next((i for i, word in enumerate(words) if word.group().endswith(tuple(endings))), None)
    if closing is None:
        return None
    close_start, close_end = words[closing].start(), words[closing].end()
    text = copied or ""
    at = locate(text, utterance) if text.strip() else -1
    if 0 <= at < close_start:  # a copy from inside the closing word ("라고 알려") is past it
        copy_end = at + len(text)
        following = [i for i, word in enumerate(words) if word.start() >= copy_end]
        short = copy_end <= close_start and following[:1] == [closing]
        return utterance[at:close_end] if short else None
    start = max((found + len(other) for other in others
                 if other.strip() and 0 <= (found := locate(other, utterance)) < close_start), default=0)
    taken = [word.group() for word in words[:closing + 1] if word.start() >= start]
    while len(taken) > 1 and taken[0] in _OPENERS:
        taken.pop(0)
    return " ".join(taken) if taken else None


def without_dangling(text: str) -> str:
    """``text`` without the prepositions and joiners it ends on ("eat lunch at" → "eat lunch")."""
    words = text.split()
    while words and words[-1] in _DANGLING:
        words.pop()
    return " ".join(words)
