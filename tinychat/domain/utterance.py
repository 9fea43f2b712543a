"""The one way an utterance is cleaned before the model sees it, in training and at run time.

Speech recognisers and keyboards disagree on case, punctuation and apostrophes; folding
them away here means the model never has to learn that "What's" and "whats" are the same.
"""

from __future__ import annotations

import re
import unicodedata

#: longest utterance the model reads, in characters; longer input is cut (the model is tiny)
MAX_UTTERANCE_CHARS = 160

_KEEP_BETWEEN_DIGITS = re.compile(r"(?<=\d)[:.,](?=\d)")
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^\w\s\x00]", re.UNICODE)
_SPACES = re.compile(r"\s+")
_AM_PM = re.compile(r"\b([ap])\.\s?m\b\.?")


def normalise_utterance(text: str) -> str:
    """Lower-case, NFKC, punctuation to spaces (keeping 6:30 and 1.5), single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    text = text.lower()
    text = _APOSTROPHES.sub("", text)
    text = _AM_PM.sub(r"\1m", text)
    text = _KEEP_BETWEEN_DIGITS.sub(lambda m: "\x00" + {":": "c", ".": "p", ",": "k"}[m.group()], text)
    text = _NOT_WORD.sub(" ", text).replace("_", " ")
    text = text.replace("\x00c", ":").replace("\x00p", ".").replace("\x00k", "")
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_UTTERANCE_CHARS].rstrip()
