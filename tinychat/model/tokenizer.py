"""Byte-level BPE encoding from a ``tokenizer.json``, in plain Python.

Training learns the merges with the ``tokenizers`` library (see ``tokenizer_training``),
but every encoding, in training and on the device, goes through this one class, so the
runtime needs neither ``tokenizers`` nor ``huggingface_hub`` and can never drift from
what the model was trained on.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

PAD, BOS, EOS, SEP = "<pad>", "<s>", "</s>", "<sep>"
SPECIAL_TOKENS = [PAD, BOS, EOS, SEP]

#: pre-tokenisation: an optional space then a run of letters, a single digit, or a run of other symbols
PRETOKEN_PATTERN = r" ?[^\s\d\W]+| ?\d| ?[^\s\w]+|\s+|_+"
_PRETOKEN = re.compile(PRETOKEN_PATTERN)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters, as byte-level BPE stores them."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1)
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {byte: chr(char) for byte, char in zip(printable, chars, strict=True)}


BYTE_TO_CHAR = _bytes_to_unicode()
CHAR_TO_BYTE = {char: byte for byte, char in BYTE_TO_CHAR.items()}


class Tokenizer:
    """Encodes text to ids and back with the vocabulary and merges of a ``tokenizer.json``."""

    def __init__(self, tokenizer_json: str) -> None:
        self.json_text = tokenizer_json
        data = json.loads(tokenizer_json)
        model = data["model"]
        self.vocab: dict[str, int] = dict(model["vocab"])
        for added in data.get("added_tokens", []):
            self.vocab[added["content"]] = added["id"]
        pairs = (m.split(" ", 1) if isinstance(m, str) else m for m in model["merges"])
        self.merge_rank: dict[tuple[str, str], int] = {(a, b): rank for rank, (a, b) in enumerate(pairs)}
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.pad_id, self.bos_id, self.eos_id, self.sep_id = (self.vocab[t] for t in SPECIAL_TOKENS)
        self._encode_word = lru_cache(maxsize=65536)(self._bpe)

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        return cls(Path(path).read_text(encoding="utf-8"))

    @property
    def vocab_size(self) -> int:
        return max(self.id_to_token) + 1

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece in _PRETOKEN.findall(text):
            ids.extend(self._encode_word(piece))
        return ids

    def decode(self, ids: list[int]) -> str:
        data = bytearray()
        for i in ids:
            token = self.id_to_token.get(i, "")
            if token in SPECIAL_TOKENS:
                continue
            data.extend(CHAR_TO_BYTE[ch] for ch in token)
        return data.decode("utf-8", errors="replace")

    def _bpe(self, piece: str) -> tuple[int, ...]:
        symbols = [BYTE_TO_CHAR[b] for b in piece.encode("utf-8")]
        while len(symbols) > 1:
            best_rank, best_at = None, -1
            for at in range(len(symbols) - 1):
                rank = self.merge_rank.get((symbols[at], symbols[at + 1]))
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank, best_at = rank, at
            if best_rank is None:
                break
            symbols[best_at : best_at + 2] = [symbols[best_at] + symbols[best_at + 1]]
        return tuple(self.vocab[s] for s in symbols)

    def prompt_ids(self, utterance: str, max_tokens: int = 80) -> list[int]:
        """What the model reads before it writes the action: <s> utterance <sep>, cut to fit."""
        return [self.bos_id, *self.encode(" " + utterance)[: max_tokens - 2], self.sep_id]
