"""Korean reminders say the task as a quoted command: "약 먹으라고 알려 줘" (tell me to take my pills).

The task is stored in its -기 form ("약 먹기"), the way a to-do list reads. ``quote`` makes the
command form the corpus teaches; ``unquote`` turns what the model copied back into the -기 form.
"""

from __future__ import annotations

from tinychat.domain.hangul import final_consonant, is_syllable

#: verbs whose stem ends in 기 (챙기다, 맡기다): "챙기라고" is their command, not a -기 task plus 라고.
#: Stems that are also a -기 noun of another verb (감기, 씻기) are left out: that reading is commoner.
_STEMS_ENDING_IN_GI = frozenset("챙기 맡기 남기 옮기 넘기 숨기 즐기 튀기".split())


def quote(task: str) -> str:
    """"약 먹기" → "약 먹으라고", "우유 사기" → "우유 사라고", "빨래 널기" → "빨래 널라고"."""
    if not task.endswith("기") or len(task) < 2:
        return task + "라고"
    stem = task[:-1]
    return stem + ("으라고" if is_syllable(stem[-1]) and final_consonant(stem) == "C" else "라고")


def unquote(text: str) -> str:
    """The -기 form of a quoted command; text that is not one comes back unchanged.

    "약 먹으라고" → "약 먹기", "엄마한테 전화하라고" → "엄마한테 전화하기". A task already in its
    -기 form keeps it ("약 먹기라고" → "약 먹기"), unless its last word is a verb whose stem ends in
    기 ("우산 챙기라고" → "우산 챙기기").
    """
    if not text.endswith("라고") or len(text) < 3 or not is_syllable(text[-3]):
        return text
    stem = text[:-2]
    if stem.endswith("기"):
        return stem + "기" if stem.split()[-1] in _STEMS_ENDING_IN_GI else stem
    if stem.endswith("으") and len(stem) >= 2 and is_syllable(stem[-2]) and final_consonant(stem[:-1]) == "C":
        stem = stem[:-1]
    return stem + "기"
