import importlib.util

import numpy as np
import pytest

from tinychat.bench.gguf_export import export_gguf, permute_rope_rows
from tinychat.model.checkpoint import load_model_dir
from tinychat.model.reference import ReferenceModel
from tinychat.runtime.parser import builtin_model_dir

NO_LLAMA_CPP = "llama.cpp is not installed: pip install -e '.[bench]' (builds llama-cpp-python from source)"


def _rope_half(x: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Hugging Face: dimension i turns with i + d/2."""
    half = x.shape[-1] // 2
    cos, sin = np.cos(np.concatenate([angle, angle])), np.sin(np.concatenate([angle, angle]))
    return x * cos + np.concatenate([-x[..., half:], x[..., :half]], -1) * sin


def _rope_pairs(x: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """llama.cpp (GGML_ROPE_TYPE_NORM): dimension 2i turns with 2i + 1."""
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * np.cos(angle) - odd * np.sin(angle)
    out[..., 1::2] = even * np.sin(angle) + odd * np.cos(angle)
    return out


def test_permuted_rows_make_llama_cpp_rope_compute_the_same_attention_scores():
    rng = np.random.default_rng(0)
    heads, head_dim, hidden = 3, 8, 12
    wq, wk = rng.normal(size=(heads * head_dim, hidden)), rng.normal(size=(heads * head_dim, hidden))
    x_q, x_k = rng.normal(size=hidden), rng.normal(size=hidden)
    angle_q, angle_k = 5 * 10000.0 ** -(np.arange(head_dim // 2) * 2 / head_dim), 2 * 10000.0 ** -(
        np.arange(head_dim // 2) * 2 / head_dim)

    def scores(wq: np.ndarray, wk: np.ndarray, rope) -> np.ndarray:
        q, k = (wq @ x_q).reshape(heads, head_dim), (wk @ x_k).reshape(heads, head_dim)
        return np.einsum("hd,hd->h", rope(q, angle_q), rope(k, angle_k))

    hf = scores(wq, wk, _rope_half)
    np.testing.assert_allclose(scores(permute_rope_rows(wq, heads), permute_rope_rows(wk, heads), _rope_pairs), hf)
    assert not np.allclose(scores(wq, wk, _rope_pairs), hf)  # without the permutation the scores differ


def test_quantized_gguf_keeps_the_lookup_table_f32_and_quantizes_every_matmul(tmp_path):
    gguf = pytest.importorskip("gguf", reason="the gguf package is not installed (extra 'bench')")
    model_dir = builtin_model_dir("wearable")
    config, weights, _, _ = load_model_dir(model_dir)
    reader = gguf.GGUFReader(export_gguf(model_dir, tmp_path / "m.gguf", "q4_0"))
    types = {t.name: t.tensor_type for t in reader.tensors}
    assert len(types) == 3 + 9 * config.num_hidden_layers
    assert types["token_embd.weight"] == types["blk.0.attn_norm.weight"] == gguf.GGMLQuantizationType.F32
    assert types["output.weight"] == types["blk.3.ffn_down.weight"] == gguf.GGMLQuantizationType.Q4_0
    tokens = reader.fields["tokenizer.ggml.tokens"]
    assert len(tokens.data) == config.vocab_size
    embed = next(t for t in reader.tensors if t.name == "token_embd.weight")
    np.testing.assert_array_equal(np.asarray(embed.data).reshape(weights["model.embed_tokens.weight"].shape),
                                  weights["model.embed_tokens.weight"])


@pytest.fixture(scope="module")
def wearable():
    config, weights, tokenizer, _ = load_model_dir(builtin_model_dir("wearable"))
    return config, weights, tokenizer.prompt_ids("set a timer for ten minutes")


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason=NO_LLAMA_CPP)
def test_llama_cpp_f32_logits_match_the_numpy_reference(tmp_path, wearable):
    from tinychat.bench.engines import llama_cpp_backend

    config, weights, ids = wearable
    model_dir = builtin_model_dir("wearable")
    llama = llama_cpp_backend(export_gguf(model_dir, tmp_path / "f32.gguf", "f32"), model_dir, threads=1)
    reference = ReferenceModel(config, weights)
    np.testing.assert_allclose(llama.prefill(ids), reference.prefill(ids), atol=1e-3)
    np.testing.assert_allclose(llama.extend([5, 17]), reference.extend([5, 17]), atol=1e-3)
    np.testing.assert_allclose(llama.prefill(ids[:4]), reference.prefill(ids[:4]), atol=1e-3)  # cache cleared


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason=NO_LLAMA_CPP)
def test_llama_cpp_q8_0_stays_close_to_the_reference(tmp_path, wearable):
    from tinychat.bench.engines import llama_cpp_backend

    config, weights, ids = wearable
    model_dir = builtin_model_dir("wearable")
    llama = llama_cpp_backend(export_gguf(model_dir, tmp_path / "q8.gguf", "q8_0"), model_dir, threads=1)
    logits, expected = llama.prefill(ids), ReferenceModel(config, weights).prefill(ids)
    assert np.abs(logits - expected).max() < 0.05 * np.abs(expected).max()
    assert int(np.argmax(logits)) == int(np.argmax(expected))
