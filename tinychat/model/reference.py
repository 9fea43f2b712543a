"""The model's forward pass in numpy, with a KV cache: the golden reference and the
default backend until compiled bundles exist. Same maths as ``llama.py``, no torch."""

from __future__ import annotations

import numpy as np

from tinychat.model.config import ModelConfig


def _rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


class ReferenceModel:
    """Prefill a prompt, then decode one token at a time; logits are float32."""

    def __init__(self, config: ModelConfig, weights: dict[str, np.ndarray]) -> None:
        self.config = config
        c = config
        self.embed = weights["model.embed_tokens.weight"].astype(np.float32)
        self.lm_head_t = np.ascontiguousarray(weights["lm_head.weight"].astype(np.float32).T)
        self.final_norm = weights["model.norm.weight"]
        self.layers = []
        for i in range(c.num_hidden_layers):
            p = f"model.layers.{i}."
            qkv = np.concatenate([weights[p + f"self_attn.{n}_proj.weight"] for n in "qkv"], axis=0)
            gate_up = np.concatenate([weights[p + "mlp.gate_proj.weight"], weights[p + "mlp.up_proj.weight"]])
            self.layers.append((
                weights[p + "input_layernorm.weight"], np.ascontiguousarray(qkv.T),
                np.ascontiguousarray(weights[p + "self_attn.o_proj.weight"].T),
                weights[p + "post_attention_layernorm.weight"], np.ascontiguousarray(gate_up.T),
                np.ascontiguousarray(weights[p + "mlp.down_proj.weight"].T),
            ))
        inv_freq = 1.0 / (c.rope_theta ** (np.arange(0, c.head_dim, 2, dtype=np.float64) / c.head_dim))
        angles = np.outer(np.arange(c.max_position_embeddings), inv_freq)
        angles = np.concatenate([angles, angles], axis=-1)
        self.cos, self.sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
        shape = (c.num_hidden_layers, c.num_key_value_heads, c.max_position_embeddings, c.head_dim)
        self.k_cache = np.zeros(shape, np.float32)
        self.v_cache = np.zeros(shape, np.float32)
        self.length = 0

    def reset(self) -> None:
        self.length = 0

    def prefill(self, ids: list[int]) -> np.ndarray:
        """Start a new sequence; returns the logits after its last token."""
        self.length = 0
        return self._forward(np.asarray(ids, dtype=np.int64))[-1]

    def extend(self, ids: list[int]) -> np.ndarray:
        """Append tokens to the sequence; returns the logits after the last."""
        return self._forward(np.asarray(ids, dtype=np.int64))[-1]

    def forward_all(self, ids: list[int]) -> np.ndarray:
        """Logits at every position of a fresh sequence (for parity checks)."""
        self.length = 0
        return self._forward(np.asarray(ids, dtype=np.int64))

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        c = self.config
        start, t = self.length, len(ids)
        if start + t > c.max_position_embeddings:
            raise ValueError(f"sequence of {start + t} tokens exceeds the model's {c.max_position_embeddings}")
        nh, nkv, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        cos, sin = self.cos[start : start + t], self.sin[start : start + t]
        x = self.embed[ids]
        end = start + t
        causal = np.triu(np.full((t, end), -np.inf, np.float32), k=start + 1)
        for li, (ln1, w_qkv, w_o, ln2, w_gate_up, w_down) in enumerate(self.layers):
            h = _rms_norm(x, ln1, c.rms_norm_eps) @ w_qkv
            q = h[:, : nh * hd].reshape(t, nh, hd).transpose(1, 0, 2)
            k = h[:, nh * hd : (nh + nkv) * hd].reshape(t, nkv, hd).transpose(1, 0, 2)
            v = h[:, (nh + nkv) * hd :].reshape(t, nkv, hd).transpose(1, 0, 2)
            q, k = _rope(q, cos, sin), _rope(k, cos, sin)
            self.k_cache[li, :, start:end] = k
            self.v_cache[li, :, start:end] = v
            keys = self.k_cache[li, :, :end]
            values = self.v_cache[li, :, :end]
            groups = nh // nkv
            q = q.reshape(nkv, groups * t, hd)
            scores = (q @ keys.transpose(0, 2, 1)) / np.sqrt(hd)
            scores = scores.reshape(nkv, groups, t, end) + causal
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attn = (scores.reshape(nkv, groups * t, end) @ values).reshape(nh, t, hd)
            x = x + attn.transpose(1, 0, 2).reshape(t, nh * hd) @ w_o
            gate_up = _rms_norm(x, ln2, c.rms_norm_eps) @ w_gate_up
            gate, up = gate_up[:, : c.intermediate_size], gate_up[:, c.intermediate_size :]
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w_down
        self.length = end
        return _rms_norm(x, self.final_norm, c.rms_norm_eps) @ self.lm_head_t


def _rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin
