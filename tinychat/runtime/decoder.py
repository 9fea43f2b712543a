"""Greedy decoding under the action grammar, with a confidence for the chosen intent."""

from __future__ import annotations

from dataclasses import dataclass

import llguidance
import numpy as np
from llguidance.numpy import allocate_token_bitmask, fill_next_token_bitmask

from tinychat.model.tokenizer import Tokenizer
from tinychat.runtime.backend import Backend


class DecodeError(RuntimeError):
    """The grammar engine refused a grammar or reached a state with no allowed token."""


@dataclass(frozen=True)
class Decoded:
    target: str
    #: probability the model gave the intent it wrote, under the grammar's mask
    confidence: float
    #: how many times the model ran (prefill counts once); forced tokens are batched
    model_calls: int
    #: False when the token budget or the context ran out before the action was finished
    complete: bool = True


class ConstrainedDecoder:
    """Writes the action one token at a time, letting only grammar-valid tokens through.

    Where the grammar allows a single token, it is taken without asking the model and
    queued; queued tokens reach the model in one call when it next has a choice to make.
    """

    def __init__(self, tokenizer: Tokenizer, backend: Backend, max_tokens: int = 48) -> None:
        self.tokenizer = tokenizer
        self.backend = backend
        self.max_tokens = max_tokens
        self.ll_tokenizer = llguidance.LLTokenizer(tokenizer.json_text, n_vocab=backend.config.vocab_size,
                                                   eos_token=tokenizer.eos_id)
        self.vocab_size = backend.config.vocab_size
        self._bitmask = allocate_token_bitmask(1, self.ll_tokenizer.vocab_size)

    def decode(self, prompt_ids: list[int], grammar: str) -> Decoded:
        matcher = llguidance.LLMatcher(self.ll_tokenizer, grammar, log_level=0)
        if matcher.is_error():
            raise DecodeError(f"action grammar rejected: {matcher.get_error()}")
        logits = self.backend.prefill(prompt_ids)
        calls = 1
        written: list[int] = []  # tokens of the action so far
        pending: list[int] = []  # written tokens the model has not read yet (forced ones skip it)
        confidence, intent_done, complete = 1.0, False, False
        room = self.backend.config.max_position_embeddings - len(prompt_ids)
        for _ in range(min(self.max_tokens, room)):
            allowed = self._allowed(matcher)
            if allowed.size == 0:
                raise DecodeError(f"no token allowed after {self.tokenizer.decode(written)!r}")
            if allowed.size == 1 and allowed[0] != self.tokenizer.eos_id:
                token = int(allowed[0])
            else:
                if pending:
                    logits = self.backend.extend(pending)
                    calls += 1
                    pending = []
                token, probability = _pick(logits, allowed)
                if not intent_done:
                    confidence *= probability
            if token == self.tokenizer.eos_id:
                complete = True
                break
            if not matcher.consume_token(token):
                raise DecodeError(f"grammar engine refused token {token}: {matcher.get_error()}")
            written.append(token)
            pending.append(token)
            intent_done = intent_done or " " in self.tokenizer.decode(written)
            if matcher.is_stopped():
                complete = True
                break
        return Decoded(self.tokenizer.decode(written), confidence, calls, complete)

    def _allowed(self, matcher: llguidance.LLMatcher) -> np.ndarray:
        fill_next_token_bitmask(matcher, self._bitmask)
        bits = np.unpackbits(self._bitmask.view(np.uint8), bitorder="little")[: self.vocab_size]
        return np.flatnonzero(bits)


def _pick(logits: np.ndarray, allowed: np.ndarray) -> tuple[int, float]:
    """Greedy choice among ``allowed`` and its probability renormalised over them."""
    scores = logits[allowed].astype(np.float64)
    best = int(np.argmax(scores))
    weights = np.exp(scores - scores[best])
    return int(allowed[best]), float(1.0 / weights.sum())
