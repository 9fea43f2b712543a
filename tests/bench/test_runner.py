import importlib.util

import pytest

from tinychat.bench.gguf_export import export_gguf
from tinychat.bench.runner import _in_child
from tinychat.runtime.parser import builtin_model_dir

NO_LLAMA_CPP = "llama.cpp is not installed: pip install -e '.[bench]' (builds llama-cpp-python from source)"
TEXTS = ["set a timer for ten minutes", "wake me at seven"]


@pytest.mark.slow
def test_transformers_engine_reports_its_own_figures_from_its_own_process():
    pytest.importorskip("transformers", reason="transformers is not installed (extra 'bench')")
    row = _in_child("torch", str(builtin_model_dir("wearable")), threads=1, repetitions=1, texts=TEXTS)
    assert row["decode_ms_per_token"] > 0 and row["parse_ms_p50"] > 0
    assert row["peak_rss_mb"] > 100  # torch itself is loaded in the child, not in this test process


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason=NO_LLAMA_CPP)
def test_llama_cpp_engine_parses_with_our_constrained_decoder_and_reports_the_gguf_size(tmp_path):
    model_dir = builtin_model_dir("wearable")
    gguf = export_gguf(model_dir, tmp_path / "q4_0.gguf", "q4_0")
    row = _in_child("llama.cpp-q4_0", str(model_dir), threads=1, repetitions=1, texts=TEXTS, artifact=gguf)
    assert "error" not in row, row
    assert row["bundle_mb"] == round(gguf.stat().st_size / 2**20, 2)
    assert row["decode_ms_per_token"] > 0 and row["parse_ms_p95"] >= row["parse_ms_p50"] > 0
