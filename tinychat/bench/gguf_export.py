"""A model directory as a GGUF file, so llama.cpp runs the very weights tinychat compiles.

Written the way llama.cpp's own ``convert_hf_to_gguf.py`` writes a Llama: Q and K rows are
permuted from Hugging Face's rotate-half RoPE layout to llama.cpp's interleaved one. The
quantized files mirror tinychat's bundles: every linear layer and the LM head quantized in
blocks of 32, the embedding table (a lookup, not a matmul) left f32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tinychat.model.checkpoint import TOKENIZER, load_model_dir
from tinychat.model.config import ModelConfig

#: GGUF flavour → tinychat quantization it is measured against
FLAVOURS = {"f32": "q0f32", "q8_0": "q8", "q4_0": "q4"}


def export_gguf(model_dir: Path, out: Path, flavour: str = "f32") -> Path:
    """Write ``model_dir`` as a llama.cpp GGUF of ``flavour`` (f32, q8_0 or q4_0) at ``out``."""
    import gguf

    if flavour not in FLAVOURS:
        raise ValueError(f"unknown GGUF flavour {flavour!r}; choose one of {sorted(FLAVOURS)}")
    config, weights, _, _ = load_model_dir(model_dir)
    qtype = {"f32": gguf.GGMLQuantizationType.F32, "q8_0": gguf.GGMLQuantizationType.Q8_0,
             "q4_0": gguf.GGMLQuantizationType.Q4_0}[flavour]
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
                 "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0}[flavour]
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(out), "llama")
    _write_hparams(writer, config, file_type)
    _write_vocab(writer, model_dir / TOKENIZER, config)
    for name, value, is_matmul in _llama_cpp_tensors(config, weights):
        value = np.ascontiguousarray(value, dtype=np.float32)
        if is_matmul and qtype != gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, gguf.quants.quantize(value, qtype), raw_dtype=qtype)
        else:
            writer.add_tensor(name, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def permute_rope_rows(weight: np.ndarray, heads: int) -> np.ndarray:
    """Hugging Face's Q/K rows (halves rotated) → llama.cpp's (pairs rotated), as its converter does."""
    rows = weight.shape[0]
    return weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _llama_cpp_tensors(config: ModelConfig, weights: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray, bool]]:
    """(GGUF name, value, is a matmul weight) for every tensor llama.cpp's Llama graph loads."""
    tensors = [("token_embd.weight", weights["model.embed_tokens.weight"], False),
               ("output_norm.weight", weights["model.norm.weight"], False),
               # written even when tied, so quantized files quantize the head and keep the lookup table f32
               ("output.weight", weights["lm_head.weight"], True)]
    for i in range(config.num_hidden_layers):
        hf, blk = f"model.layers.{i}.", f"blk.{i}."
        tensors += [
            (blk + "attn_norm.weight", weights[hf + "input_layernorm.weight"], False),
            (blk + "attn_q.weight", permute_rope_rows(weights[hf + "self_attn.q_proj.weight"],
                                                      config.num_attention_heads), True),
            (blk + "attn_k.weight", permute_rope_rows(weights[hf + "self_attn.k_proj.weight"],
                                                      config.num_key_value_heads), True),
            (blk + "attn_v.weight", weights[hf + "self_attn.v_proj.weight"], True),
            (blk + "attn_output.weight", weights[hf + "self_attn.o_proj.weight"], True),
            (blk + "ffn_norm.weight", weights[hf + "post_attention_layernorm.weight"], False),
            (blk + "ffn_gate.weight", weights[hf + "mlp.gate_proj.weight"], True),
            (blk + "ffn_up.weight", weights[hf + "mlp.up_proj.weight"], True),
            (blk + "ffn_down.weight", weights[hf + "mlp.down_proj.weight"], True),
        ]
    return tensors


def _write_hparams(writer: object, config: ModelConfig, file_type: object) -> None:
    w = writer
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(config.hidden_size)
    w.add_block_count(config.num_hidden_layers)
    w.add_feed_forward_length(config.intermediate_size)
    w.add_rope_dimension_count(config.head_dim)
    w.add_head_count(config.num_attention_heads)
    w.add_head_count_kv(config.num_key_value_heads)
    w.add_layer_norm_rms_eps(config.rms_norm_eps)
    w.add_rope_freq_base(config.rope_theta)
    w.add_vocab_size(config.vocab_size)
    w.add_file_type(file_type)


def _write_vocab(writer: object, tokenizer_json: Path, config: ModelConfig) -> None:
    """Our byte-level BPE as a "gpt2" vocab: llama.cpp insists on one, though the bench feeds it token ids."""
    import gguf

    model = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]
    special = {token["id"] for token in json.loads(tokenizer_json.read_text(encoding="utf-8"))["added_tokens"]}
    tokens = [f"<unused{i}>" for i in range(config.vocab_size)]
    for text, token_id in model["vocab"].items():
        tokens[token_id] = text
    types = [gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for i in range(config.vocab_size)]
    merges = [" ".join(pair) if isinstance(pair, list) else pair for pair in model["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(config.bos_token_id)
    writer.add_eos_token_id(config.eos_token_id)
    writer.add_pad_token_id(config.pad_token_id)
    writer.add_add_bos_token(False)
