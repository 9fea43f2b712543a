"""The tiny Llama in ``tvm.relax.frontend.nn``, with TVM's paged KV cache.

Linear layers are written as one ``x · Wᵀ`` tensor expression that reads the weight in its
stored (out, in) layout, dequantizing inline for q8/q4, so no transpose or dequantize kernel
runs per call. q/k/v and gate/up are fused into one matrix each. ``prefill`` returns the
logits after the last prompt token; ``decode`` after one new token.
"""

from __future__ import annotations

from typing import Any

from tvm import relax as rx
from tvm import te, tirx
from tvm.relax.frontend import nn
from tvm.relax.frontend.nn import Tensor, op
from tvm.relax.frontend.nn.llm.kv_cache import PagedKVCache, RopeMode, TIRPagedKVCache
from tvm.target import Target

from tinychat.compiler.quantization import QuantScheme
from tinychat.model.config import ModelConfig


class QuantLinear(nn.Module):
    """y = x · Wᵀ with W (out, in) float32, int8 or packed uint32 nibbles, plus group scales."""

    def __init__(self, in_features: int, out_features: int, quant: QuantScheme) -> None:
        self.in_features, self.out_features, self.quant = in_features, out_features, quant
        if not quant.quantized:
            self.weight = nn.Parameter((out_features, in_features), "float32")
            return
        self.group = quant.group_for(in_features)
        if quant.bits == 8:
            self.qweight = nn.Parameter((out_features, in_features), "int8")
        else:
            self.qweight = nn.Parameter((out_features, in_features // 8), "uint32")
        self.scales = nn.Parameter((out_features, in_features // self.group), "float32")

    def forward(self, x: Tensor) -> Tensor:
        if not self.quant.quantized:
            return op.tensor_expr_op(_nt_matmul, "NT_matmul", [x, self.weight])
        bits, group = self.quant.bits, self.group

        def quant_matmul(x: te.Tensor, w: te.Tensor, s: te.Tensor) -> te.Tensor:
            b, t, k_extent = x.shape
            k = te.reduce_axis((0, k_extent), name="k")

            def weight(n: Any, kk: Any) -> Any:
                if bits == 8:
                    level = w[n, kk].astype("float32")
                else:
                    nibble = (w[n, kk // 8] >> (tirx.const(4, "uint32") * (kk % 8).astype("uint32"))) & 15
                    level = nibble.astype("float32") - tirx.const(8.0, "float32")
                return level * s[n, kk // group]

            return te.compute((b, t, w.shape[0]), lambda i, j, n: te.sum(x[i, j, k] * weight(n, k), axis=k),
                              name="NT_matmul")

        return op.tensor_expr_op(quant_matmul, "NT_matmul_dequant", [x, self.qweight, self.scales])


def _nt_matmul(x: te.Tensor, w: te.Tensor) -> te.Tensor:
    b, t, k_extent = x.shape
    k = te.reduce_axis((0, k_extent), name="k")
    return te.compute((b, t, w.shape[0]), lambda i, j, n: te.sum(x[i, j, k] * w[n, k], axis=k), name="NT_matmul")


class Attention(nn.Module):
    def __init__(self, c: ModelConfig, quant: QuantScheme) -> None:
        self.heads, self.kv_heads, self.head_dim = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.qkv_proj = QuantLinear(c.hidden_size, (self.heads + 2 * self.kv_heads) * self.head_dim, quant)
        self.o_proj = QuantLinear(self.heads * self.head_dim, c.hidden_size, quant)

    def forward(self, x: Tensor, cache: PagedKVCache, layer: int) -> Tensor:
        b, t, _ = x.shape
        qkv = op.reshape(self.qkv_proj(x), (b, t, self.heads + 2 * self.kv_heads, self.head_dim))
        out = cache.attention_with_fused_qkv(layer, qkv, self.heads, sm_scale=self.head_dim**-0.5)
        return self.o_proj(op.reshape(out, (b, t, self.heads * self.head_dim)))


class MLP(nn.Module):
    def __init__(self, c: ModelConfig, quant: QuantScheme) -> None:
        self.gate_up_proj = QuantLinear(c.hidden_size, 2 * c.intermediate_size, quant)
        self.down_proj = QuantLinear(c.intermediate_size, c.hidden_size, quant)

    def forward(self, x: Tensor) -> Tensor:
        gate, up = op.split(self.gate_up_proj(x), 2, axis=-1)
        return self.down_proj(op.silu(gate) * up)


class Layer(nn.Module):
    def __init__(self, c: ModelConfig, quant: QuantScheme) -> None:
        self.input_layernorm = nn.RMSNorm(c.hidden_size, -1, c.rms_norm_eps, bias=False)
        self.self_attn = Attention(c, quant)
        self.post_attention_layernorm = nn.RMSNorm(c.hidden_size, -1, c.rms_norm_eps, bias=False)
        self.mlp = MLP(c, quant)

    def forward(self, x: Tensor, cache: PagedKVCache, layer: int) -> Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cache, layer)
        return x + self.mlp(self.post_attention_layernorm(x))


class RelaxLlama(nn.Module):
    def __init__(self, c: ModelConfig, quant: QuantScheme, target: Target, dtype: str = "float32") -> None:
        self.config, self.target, self.dtype = c, target, dtype
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Layer(c, quant) for _ in range(c.num_hidden_layers)])
        self.norm = nn.RMSNorm(c.hidden_size, -1, c.rms_norm_eps, bias=False)
        self.lm_head = QuantLinear(c.hidden_size, c.vocab_size, quant)

    def _hidden(self, ids: Tensor, cache: PagedKVCache) -> Tensor:
        x = self.embed_tokens(ids)
        for index, layer in enumerate(self.layers):
            x = layer(x, cache, index)
        return x

    def prefill(self, ids: Tensor, cache: PagedKVCache) -> tuple[Tensor, PagedKVCache]:
        x = self._hidden(ids, cache)
        length = x.shape[1]
        last = nn.wrap_nested(rx.op.strided_slice(x._expr, axes=[1], begin=[length - 1], end=[length]), name="last")
        return self.lm_head(self.norm(last)), cache

    def decode(self, ids: Tensor, cache: PagedKVCache) -> tuple[Tensor, PagedKVCache]:
        return self.lm_head(self.norm(self._hidden(ids, cache))), cache

    def create_paged_kv_cache(self, max_batch_size: tirx.Var, max_total_seq_len: tirx.Var,
                              prefill_chunk_size: tirx.Var, page_size: tirx.Var,
                              support_sliding_window: tirx.Var) -> PagedKVCache:
        c = self.config
        return TIRPagedKVCache(
            attn_kind="mha", max_batch_size=max_batch_size, max_total_seq_len=max_total_seq_len,
            prefill_chunk_size=prefill_chunk_size, page_size=page_size,
            support_sliding_window=support_sliding_window,
            layer_partition=rx.ShapeExpr([0, c.num_hidden_layers]), num_hidden_layers=c.num_hidden_layers,
            num_attention_heads=c.num_attention_heads, num_key_value_heads=c.num_key_value_heads,
            qk_head_dim=c.head_dim, v_head_dim=c.head_dim, mla_original_qk_head_dim=0,
            mla_original_v_head_dim=0, rope_mode=RopeMode.NORMAL, rope_scale=1, rope_theta=c.rope_theta,
            rope_scaling={}, rope_ext_factors=rx.prim_value(0), rotary_dim=c.head_dim,
            enable_disaggregation=False, dtype=self.dtype, target=self.target,
        )

    def export_spec(self) -> dict:
        packed = {"param_mode": "packed", "effect_mode": "none"}
        cache = nn.spec.Object(object_type=PagedKVCache)
        return {
            "prefill": {"ids": nn.spec.Tensor([1, "seq_len"], "int32"), "cache": cache, "$": packed},
            "decode": {"ids": nn.spec.Tensor([1, 1], "int32"), "cache": cache, "$": packed},
            "create_paged_kv_cache": {
                "max_batch_size": int, "max_total_seq_len": int, "prefill_chunk_size": int, "page_size": int,
                "support_sliding_window": int, "$": {"param_mode": "none", "effect_mode": "none"},
            },
        }
