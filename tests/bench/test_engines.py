import numpy as np
import pytest

from tinychat.bench.engines import measure, torch_mini_backend
from tinychat.model.checkpoint import load_model_dir
from tinychat.model.reference import ReferenceModel
from tinychat.runtime.parser import builtin_model_dir


def test_torch_mini_baseline_computes_the_same_model():
    pytest.importorskip("torch")
    model_dir = builtin_model_dir("wearable")
    config, weights, tokenizer, _ = load_model_dir(model_dir)
    mini, reference = torch_mini_backend(model_dir, threads=1), ReferenceModel(config, weights)
    ids = tokenizer.prompt_ids("set a timer for ten minutes")
    np.testing.assert_allclose(mini.prefill(ids), reference.prefill(ids), atol=1e-4)
    np.testing.assert_allclose(mini.extend([5]), reference.extend([5]), atol=1e-4)


def test_measure_reports_medians():
    config, weights, _, _ = load_model_dir(builtin_model_dir("wearable"))
    result = measure(ReferenceModel(config, weights), config.vocab_size, repetitions=1)
    assert result["prefill_ms"] > 0 and result["decode_ms_per_token"] > 0
