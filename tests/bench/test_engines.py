import numpy as np
import pytest

from tinychat.bench.engines import measure, torch_mini_backend
from tinychat.bench.runner import format_table
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


def test_transformers_engine_computes_the_same_model():
    pytest.importorskip("transformers", reason="transformers is not installed (extra 'bench')")
    from tinychat.bench.engines import transformers_backend

    model_dir = builtin_model_dir("wearable")
    config, weights, tokenizer, _ = load_model_dir(model_dir)
    hf, reference = transformers_backend(model_dir, threads=1), ReferenceModel(config, weights)
    ids = tokenizer.prompt_ids("remind me to call mum at six")
    np.testing.assert_allclose(hf.prefill(ids), reference.prefill(ids), atol=1e-4)
    np.testing.assert_allclose(hf.extend([5, 9]), reference.extend([5, 9]), atol=1e-4)
    np.testing.assert_allclose(hf.prefill(ids[:3]), reference.prefill(ids[:3]), atol=1e-4)  # a fresh cache


def test_table_compares_each_tinychat_row_with_llama_cpp_at_its_quantization_and_the_fastest_torch():
    row = {"prefill_ms": 1.0, "parse_ms_p50": 1.0, "parse_ms_p95": 1.0, "peak_rss_mb": 1.0}
    results = {"threads": 1, "model": {}, "engines": {
        "tinychat-q8": {**row, "decode_ms_per_token": 0.5}, "llama.cpp-q8_0": {**row, "decode_ms_per_token": 1.5},
        "tinychat-q4": {**row, "decode_ms_per_token": 1.0}, "llama.cpp-q4_0": {"error": "not measured"},
        "torch-mini": {**row, "decode_ms_per_token": 2.0}, "torch": {**row, "decode_ms_per_token": 8.0}}}
    table = {line.split(" | ")[0]: line.split(" | ")[-2:] for line in format_table(results).splitlines()}
    assert table["| tinychat-q8"] == ["3.00x", "4.00x |"]
    assert table["| tinychat-q4"] == ["-", "2.00x |"]
    assert table["| torch"] == ["-", "0.25x |"]
    assert "| llama.cpp-q4_0 | not measured |" in format_table(results)
