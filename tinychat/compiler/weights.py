"""Hugging Face weight names → the compiled model's parameters (fused and quantized)."""

from __future__ import annotations

import numpy as np

from tinychat.compiler.quantization import QuantScheme, quantize
from tinychat.model.config import ModelConfig


def fused_float_weights(config: ModelConfig, hf: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float weights under the compiled model's names, q/k/v and gate/up concatenated."""
    out = {
        "embed_tokens.weight": hf["model.embed_tokens.weight"],
        "norm.weight": hf["model.norm.weight"],
        "lm_head.weight": hf["lm_head.weight"],
    }
    for i in range(config.num_hidden_layers):
        hf_layer, layer = f"model.layers.{i}.", f"layers.{i}."
        out[layer + "input_layernorm.weight"] = hf[hf_layer + "input_layernorm.weight"]
        out[layer + "post_attention_layernorm.weight"] = hf[hf_layer + "post_attention_layernorm.weight"]
        out[layer + "self_attn.qkv_proj.weight"] = np.concatenate(
            [hf[hf_layer + f"self_attn.{p}_proj.weight"] for p in "qkv"], axis=0)
        out[layer + "self_attn.o_proj.weight"] = hf[hf_layer + "self_attn.o_proj.weight"]
        out[layer + "mlp.gate_up_proj.weight"] = np.concatenate(
            [hf[hf_layer + "mlp.gate_proj.weight"], hf[hf_layer + "mlp.up_proj.weight"]], axis=0)
        out[layer + "mlp.down_proj.weight"] = hf[hf_layer + "mlp.down_proj.weight"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def compiled_parameters(config: ModelConfig, hf: dict[str, np.ndarray], quant: QuantScheme,
                        names: list[str]) -> dict[str, np.ndarray]:
    """Every parameter the compiled module asks for, by name: linear layers quantized, the rest float."""
    floats = fused_float_weights(config, hf)
    params: dict[str, np.ndarray] = {}
    for name in names:
        if name in floats:
            params[name] = floats[name]
            continue
        base, _, kind = name.rpartition(".")
        packed, scales = quantize(floats[base + ".weight"], quant)
        params[name] = packed if kind == "qweight" else scales
    return params
