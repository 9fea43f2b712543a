import numpy as np
import pytest

from tinychat.compiler.quantization import SCHEMES, QuantizationError, dequantize, quantize, scheme


@pytest.mark.parametrize(("name", "tolerance"), [("q8", 0.01), ("q4", 0.15)])
def test_round_trip_error_is_bounded_by_the_step(name, tolerance):
    weight = np.random.default_rng(0).normal(size=(48, 192)).astype(np.float32)
    chosen = scheme(name)
    packed, scales = quantize(weight, chosen)
    restored = dequantize(packed, scales, chosen)
    step = np.repeat(scales, chosen.group_for(192), axis=1)
    assert np.all(np.abs(restored - weight) <= step / 2 + 1e-6)
    assert np.abs(restored - weight).mean() < tolerance


def test_q4_packs_eight_weights_per_word():
    packed, scales = quantize(np.ones((4, 64), np.float32), scheme("q4"))
    assert packed.dtype == np.uint32 and packed.shape == (4, 8) and scales.shape == (4, 2)


def test_unknown_scheme_is_named():
    with pytest.raises(QuantizationError, match="q3"):
        scheme("q3")
    assert set(SCHEMES) == {"q0f32", "q8", "q4"}
