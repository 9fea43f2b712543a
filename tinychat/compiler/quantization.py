"""Weight quantization schemes, in one registry.

Group-wise, weight-only, symmetric: each run of ``group_size`` input weights of an output
row shares one float scale. Activations stay float (f32 on CPUs). ``q4`` packs eight
signed nibbles (stored +8) into a uint32; ``q8`` stores int8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QuantScheme:
    name: str
    bits: int | None  # None: float32 weights
    group_size: int = 32

    @property
    def quantized(self) -> bool:
        return self.bits is not None

    @property
    def max_level(self) -> int:
        assert self.bits is not None
        return 2 ** (self.bits - 1) - 1

    def group_for(self, in_features: int) -> int:
        """The group size used for a row of ``in_features``: the scheme's, or the largest divisor below it."""
        group = self.group_size
        while in_features % group:
            group //= 2
        if self.bits == 4 and group % 8:
            raise QuantizationError(f"q4 needs rows divisible by 8; this one has {in_features} weights")
        return group


class QuantizationError(ValueError):
    """A scheme does not exist or does not fit a weight's shape."""


SCHEMES: dict[str, QuantScheme] = {
    "q0f32": QuantScheme("q0f32", None),
    "q8": QuantScheme("q8", 8),
    "q4": QuantScheme("q4", 4),
}


def scheme(name: str) -> QuantScheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise QuantizationError(f"unknown quantization {name!r}; choose one of {sorted(SCHEMES)}") from None


def quantize(weight: np.ndarray, chosen: QuantScheme) -> tuple[np.ndarray, np.ndarray]:
    """(packed weights, scales) of a (out, in) float matrix."""
    out_features, in_features = weight.shape
    group = chosen.group_for(in_features)
    grouped = weight.astype(np.float32).reshape(out_features, in_features // group, group)
    scales = np.abs(grouped).max(axis=-1) / chosen.max_level
    scales = np.where(scales == 0, 1.0, scales).astype(np.float32)
    levels = np.clip(np.rint(grouped / scales[..., None]), -chosen.max_level, chosen.max_level)
    levels = levels.reshape(out_features, in_features).astype(np.int32)
    if chosen.bits == 8:
        return levels.astype(np.int8), scales
    nibbles = (levels + 8).astype(np.uint32).reshape(out_features, in_features // 8, 8)
    shifts = (4 * np.arange(8, dtype=np.uint32))[None, None, :]
    return np.bitwise_or.reduce(nibbles << shifts, axis=-1).astype(np.uint32), scales


def dequantize(packed: np.ndarray, scales: np.ndarray, chosen: QuantScheme) -> np.ndarray:
    """The float matrix a quantized one stands for (for checks and the reference)."""
    if chosen.bits == 8:
        levels = packed.astype(np.float32)
    else:
        shifts = 4 * np.arange(8, dtype=np.uint32)
        nibbles = (packed[..., None] >> shifts) & 15
        levels = (nibbles.reshape(packed.shape[0], -1).astype(np.int32) - 8).astype(np.float32)
    group = levels.shape[1] // scales.shape[1]
    return levels * np.repeat(scales, group, axis=1)
