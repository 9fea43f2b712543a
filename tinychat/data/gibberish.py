"""Letters that are no request: key mashing, a key held down, made-up words, laughter.

Speech recognisers and keyboards hand these to an assistant; a model trained only on requests
reads them as whatever request they resemble ("mmmm" as cancel). A few in the negatives teach
it they are out of domain.
"""

from __future__ import annotations

import random
import string

_CONSONANTS = "bcdfghjklmnpqrstvwxz"
_KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
#: no ㅇ or ㄴ: "ㅇㅇ", "ㅇㅋ" and "ㄴㄴ" are yes, okay and no in Korean chat
_JAMO = "ㄱㄷㄹㅁㅂㅅㅈㅊㅋㅌㅍㅎㅏㅑㅓㅕㅗㅛㅜㅠㅡㅣ"


def gibberish(lang: str, rng: random.Random) -> str:
    """One utterance of nonsense in ``lang``'s script: 1-4 words of mashed or held keys, or consonant strings."""
    # no random Hangul syllables: two of them read like a short Korean question ("계란 있어"), and a
    # model taught that such strings are nonsense refused real ones
    make = rng.choice([_mashed, _held, _made_up_word] if lang == "en" else [_mashed, _held])
    return " ".join(make(lang, rng) for _ in range(rng.randint(1, 4)))


def _mashed(lang: str, rng: random.Random) -> str:
    if lang == "ko":
        return "".join(rng.choice(_JAMO) for _ in range(rng.randint(3, 8)))
    row = rng.choice(_KEYBOARD_ROWS)
    start = rng.randrange(len(row) - 2)
    return row[start : start + rng.randint(3, len(row) - start)]


def _held(lang: str, rng: random.Random) -> str:
    letters = _JAMO + "하호헤크" if lang == "ko" else string.ascii_lowercase
    return rng.choice(letters) * rng.randint(3, 12)


def _made_up_word(lang: str, rng: random.Random) -> str:
    """Consonants only: random letters with vowels spell real words now and then ("stop")."""
    return "".join(rng.choice(_CONSONANTS) for _ in range(rng.randint(3, 9)))

