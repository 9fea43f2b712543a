"""Backends run the model: given token ids, they return next-token logits, keeping a KV cache."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tinychat.model.config import ModelConfig
from tinychat.model.reference import ReferenceModel


class Backend(Protocol):
    config: ModelConfig

    def prefill(self, ids: list[int]) -> np.ndarray:
        """Start a sequence with ``ids``; logits after the last one."""
        ...

    def extend(self, ids: list[int]) -> np.ndarray:
        """Append ``ids`` to the sequence; logits after the last one."""
        ...


def reference_backend(config: ModelConfig, weights: dict[str, np.ndarray]) -> Backend:
    """The numpy forward pass: slow-ish, exact, needs nothing but numpy."""
    return ReferenceModel(config, weights)
