"""Korean reminders say the task as a quoted command: "약 먹으라고 알려 줘" (tell me to take my pills).

The task is stored in its -기 form ("약 먹기"), the way a to-do list reads. ``quote`` makes the
command form the corpus teaches; ``unquote`` turns what the model copied back into the -기 form.
"""

from __future__ import annotations

_HANGUL_FIRST, _HANGUL_COUNT, _FINALS = 0xAC00, 11172, 28
_RIEUL = 8  # the final ㄹ: 널다 → 널라고, not 널으라고


def _final(syllable: str) -> int | None:
    """Index of a Hangul syllable's final consonant (0: none), None for anything else."""
    code = ord(syllable) - _HANGUL_FIRST
    return code % _FINALS if 0 <= code < _HANGUL_COUNT else None


def quote(task: str) -> str:
    """"약 먹기" → "약 먹으라고", "우유 사기" → "우유 사라고", "빨래 널기" → "빨래 널라고"."""
    if not task.endswith("기") or len(task) < 2:
        return task + "라고"
    stem = task[:-1]
    final = _final(stem[-1])
    return stem + ("으라고" if final not in (None, 0, _RIEUL) else "라고")


def unquote(text: str) -> str:
    """The -기 form of a quoted command; text that is not one comes back unchanged.

    "약 먹으라고" → "약 먹기", "엄마한테 전화하라고" → "엄마한테 전화하기". A task already in its
    -기 form keeps it ("약 먹기라고" → "약 먹기"), so a stem ending in 기 loses one ("맡기라고" →
    "맡기"); the rarer reading loses least.
    """
    if not text.endswith("라고") or len(text) < 3 or _final(text[-3]) is None:
        return text
    stem = text[:-2]
    if stem.endswith("기"):
        return stem
    if stem.endswith("으") and len(stem) >= 2 and _final(stem[-2]) not in (None, 0, _RIEUL):
        stem = stem[:-1]
    return stem + "기"
