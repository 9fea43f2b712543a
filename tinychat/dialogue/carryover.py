"""Short turns that lean on the previous one: corrections, "and X?", pronouns, bare yes and no.

The model reads one utterance at a time; these rules read what it cannot know — that "make it
two" revises the last action and "and butter?" repeats it for another item.
"""

from __future__ import annotations

import re

from tinychat.domain.action import Span, normalise_slot
from tinychat.domain.normalise import parse_quantity
from tinychat.domain.spec import DomainSpec, Slot
from tinychat.domain.utterance import normalise_utterance

_KO_COUNTERS = "개|병|팩|봉지|통|캔|송이|판|줄|장|마리|묶음|그릇|잔"
_CORRECTION = [
    re.compile(r"^(?:no,? |actually,? |sorry,? |oh,? |wait,? )*(?:make (?:it|that)|change (?:it|that) to|"
               r"(?:it|that) should be|i meant|i said) (?P<n>.+?)(?: instead| please)?$"),
    re.compile(r"^(?:no,? |actually,? |sorry,? )+(?P<n>[\w ]+?)(?: instead)?$"),
    re.compile(r"^(?P<n>[\w ]+?) instead$"),
    re.compile(rf"^(?:아니,? ?|아니요,? ?|아니 아니,? ?)?(?P<n>\S+?(?: ?(?:{_KO_COUNTERS}))?)"
               r"(?:로|으로) (?:해 ?줘|해 ?주세요|바꿔 ?줘|바꿔 ?주세요|변경해 ?줘|수정해 ?줘|할게|해)$"),
    re.compile(rf"^아니,? ?(?P<n>\S+?(?: ?(?:{_KO_COUNTERS})))$"),
]
_ELLIPSIS = [
    re.compile(r"^(?:and|also|plus|oh and|and also) (?:some |the |a |an )?(?P<x>.+?)(?: too| as well)?\??$"),
    re.compile(r"^(?:what|how) about (?:some |the |a |an )?(?P<x>.+?)\??$"),
    re.compile(r"^(?:some |the )?(?P<x>.+?) (?:too|as well)\??$"),
    re.compile(r"^(?:그리고|또|그럼) (?P<x>.+?)(?:도|는|은)?\??$"),
    re.compile(r"^(?P<x>.+?)(?:도|는|은)요?\??$"),
]
_PRONOUNS = re.compile(r"\b(?:it|that|them|those|this|these|one)\b|그거|그것|이거|이것|저거|걔")
YES = frozenset("yes yeah yep yup sure ok okay please do do it go ahead correct right "
                "네 예 응 어 그래 좋아 맞아 네 맞아요 응 해 줘 그래 줘 ㅇㅇ".split())
NO = frozenset("no nope nah dont don't stop 아니 아니요 아뇨 아니야 싫어 하지 마 ㄴㄴ".split())


def correction_quantity(text: str) -> int | None:
    """The new count in "make it two", "actually 3", "세 개로 해 줘", or None when it is no correction."""
    utterance = normalise_utterance(text).rstrip("?.! ")
    for pattern in _CORRECTION:
        match = pattern.match(utterance)
        if match:
            value = parse_quantity(match.group("n"))
            if value is not None:
                return value
    return None


def ellipsis_value(spec: DomainSpec, slot: Slot, text: str) -> str | int | None:
    """The new value in "and butter?", "what about eggs", "버터도?", for the given slot, if it names one."""
    utterance = normalise_utterance(text).rstrip("?.! ")
    for pattern in _ELLIPSIS:
        match = pattern.match(utterance)
        if match:
            value = normalise_slot(spec, slot, Span(match.group("x")))
            if value is not None and (slot.catalogue is None or not spec.is_open(slot)
                                      or spec.catalogues[slot.catalogue].id_for_name(str(value))):
                return value
    return None


def refers_back(text: str) -> bool:
    """Whether the utterance points at something said before ("remove it", "그거 빼 줘")."""
    return bool(_PRONOUNS.search(normalise_utterance(text)))


def plain_answer(text: str) -> str | None:
    """"yes" / "no" for a bare yes or no (the model has the final word on anything longer)."""
    words = normalise_utterance(text).strip("?.!, ")
    if words in YES:
        return "yes"
    if words in NO:
        return "no"
    return None
