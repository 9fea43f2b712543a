"""Engines the benchmark compares, each measured in its own process (so peak RSS is its own).

Every engine implements the backend protocol (``prefill``/``extend`` → logits), so the same
token ids and the same constrained decoder drive all of them: like for like. Beside tinychat's
bundles: llama.cpp on a GGUF of the same weights (f32, q8_0, q4_0), Hugging Face transformers
(what a prototyper runs), a hand-tuned PyTorch loop, and the numpy reference.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

PROMPT_TOKENS = 24
DECODE_TOKENS = 32


def torch_mini_backend(model_dir: Path, threads: int) -> Any:
    """The best plain PyTorch does: one hand-written loop over a preallocated KV cache."""
    import torch
    from torch.nn import functional as F

    from tinychat.model.checkpoint import load_model_dir

    torch.set_num_threads(threads)
    config, weights, _, _ = load_model_dir(model_dir)
    w = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}
    c, heads, kv_heads, hd = config, config.num_attention_heads, config.num_key_value_heads, config.head_dim
    layers = []
    for i in range(c.num_hidden_layers):
        p = f"model.layers.{i}."
        layers.append((w[p + "input_layernorm.weight"],
                       torch.cat([w[p + f"self_attn.{n}_proj.weight"] for n in "qkv"]).contiguous(),
                       w[p + "self_attn.o_proj.weight"], w[p + "post_attention_layernorm.weight"],
                       torch.cat([w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"]]).contiguous(),
                       w[p + "mlp.down_proj.weight"]))
    inv = 1.0 / (c.rope_theta ** (torch.arange(0, hd, 2).float() / hd))
    angles = torch.outer(torch.arange(c.max_position_embeddings).float(), inv)
    cos, sin = torch.cat([angles, angles], -1).cos(), torch.cat([angles, angles], -1).sin()
    keys = torch.zeros(c.num_hidden_layers, kv_heads, c.max_position_embeddings, hd)
    values = torch.zeros_like(keys)

    def rms(x: Any, weight: Any) -> Any:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + c.rms_norm_eps) * weight

    def rotate(x: Any) -> Any:
        return torch.cat([-x[..., hd // 2:], x[..., : hd // 2]], -1)

    class TorchMini:
        config = c
        length = 0

        @torch.inference_mode()
        def _forward(self, ids: list[int]) -> np.ndarray:
            start, t = self.length, len(ids)
            end = start + t
            x = w["model.embed_tokens.weight"][torch.tensor(ids)]
            cs, sn = cos[start:end, None, :], sin[start:end, None, :]
            mask = torch.full((t, end), float("-inf")).triu(start + 1)
            for li, (n1, qkv_w, o_w, n2, gu_w, d_w) in enumerate(layers):
                qkv = F.linear(rms(x, n1), qkv_w).view(t, heads + 2 * kv_heads, hd)
                q, k, v = qkv[:, :heads], qkv[:, heads:heads + kv_heads], qkv[:, heads + kv_heads:]
                q, k = q * cs + rotate(q) * sn, k * cs + rotate(k) * sn
                keys[li, :, start:end], values[li, :, start:end] = k.transpose(0, 1), v.transpose(0, 1)
                group = heads // kv_heads
                qg = q.transpose(0, 1).reshape(kv_heads, group * t, hd)
                scores = (qg @ keys[li, :, :end].transpose(1, 2)) * hd**-0.5
                scores = scores.view(kv_heads, group, t, end) + mask
                out = (scores.softmax(-1).view(kv_heads, group * t, end) @ values[li, :, :end])
                x = x + F.linear(out.view(heads, t, hd).transpose(0, 1).reshape(t, -1), o_w)
                gate, up = F.linear(rms(x, n2), gu_w).chunk(2, -1)
                x = x + F.linear(F.silu(gate) * up, d_w)
            self.length = end
            return F.linear(rms(x[-1:], w["model.norm.weight"]), w["lm_head.weight"])[0].numpy()

        def prefill(self, ids: list[int]) -> np.ndarray:
            self.length = 0
            return self._forward(ids)

        def extend(self, ids: list[int]) -> np.ndarray:
            return self._forward(ids)

    return TorchMini()


def transformers_backend(model_dir: Path, threads: int) -> Any:
    """What a prototyper runs: Hugging Face ``LlamaForCausalLM``, eager attention, its own KV cache."""
    import torch
    from transformers import DynamicCache, LlamaForCausalLM

    from tinychat.model.config import ModelConfig

    torch.set_num_threads(threads)
    model = LlamaForCausalLM.from_pretrained(str(model_dir), attn_implementation="eager", dtype=torch.float32).eval()

    class Transformers:
        config = ModelConfig.load(model_dir / "config.json")
        cache: Any = None

        @torch.inference_mode()
        def _forward(self, ids: list[int]) -> np.ndarray:
            out = model(input_ids=torch.tensor([ids]), past_key_values=self.cache, use_cache=True, logits_to_keep=1)
            self.cache = out.past_key_values
            return out.logits[0, -1].numpy()

        def prefill(self, ids: list[int]) -> np.ndarray:
            self.cache = DynamicCache(config=model.config)
            return self._forward(ids)

        def extend(self, ids: list[int]) -> np.ndarray:
            return self._forward(ids)

    return Transformers()


def llama_cpp_backend(gguf: Path, model_dir: Path, threads: int) -> Any:
    """llama.cpp through its C API (llama-cpp-python): logits of the last token only, f32 KV cache."""
    import ctypes

    import llama_cpp

    from tinychat.model.config import ModelConfig

    config = ModelConfig.load(model_dir / "config.json")
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=config.max_position_embeddings,
                          n_batch=config.max_position_embeddings, n_threads=threads, n_threads_batch=threads,
                          logits_all=False, type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32,
                          verbose=False)
    ctx = llm._ctx.ctx
    memory = llama_cpp.llama_get_memory(ctx)

    class LlamaCpp:
        engine = llm  # keeps the model and context alive as long as the backend

        def __init__(self) -> None:
            self.config = config

        def _decode(self, ids: list[int]) -> np.ndarray:
            tokens = (llama_cpp.llama_token * len(ids))(*ids)
            if llama_cpp.llama_decode(ctx, llama_cpp.llama_batch_get_one(tokens, len(ids))):
                raise RuntimeError(f"llama_decode failed on {len(ids)} tokens")
            logits = llama_cpp.llama_get_logits_ith(ctx, -1)
            return np.ctypeslib.as_array(ctypes.cast(logits, ctypes.POINTER(ctypes.c_float)),
                                         shape=(config.vocab_size,)).copy()

        def prefill(self, ids: list[int]) -> np.ndarray:
            llama_cpp.llama_memory_clear(memory, True)
            return self._decode(ids)

        def extend(self, ids: list[int]) -> np.ndarray:
            return self._decode(ids)

    return LlamaCpp()


def measure(backend: Any, vocab_size: int, repetitions: int) -> dict[str, float]:
    """Median prefill (24 tokens) and decode (32 single-token steps) over the same fixed ids."""
    prompt = [(i * 7919 + 13) % vocab_size for i in range(PROMPT_TOKENS)]
    steps = [(i * 104729 + 7) % vocab_size for i in range(DECODE_TOKENS)]
    prefill, decode = [], []
    for round_ in range(repetitions + 3):
        started = time.perf_counter()
        backend.prefill(prompt)
        middle = time.perf_counter()
        for token in steps:
            backend.extend([token])
        done = time.perf_counter()
        if round_ >= 3:  # warm-up rounds are not counted
            prefill.append((middle - started) * 1e3)
            decode.append((done - middle) * 1e3 / DECODE_TOKENS)
    return {"prefill_ms": round(statistics.median(prefill), 3),
            "decode_ms_per_token": round(statistics.median(decode), 4)}


def parse_latency(parser: Any, texts: list[str], repetitions: int) -> dict[str, float]:
    """Utterance → action (tokenize, prefill, constrained decode, normalise), p50 and p95 in ms."""
    for text in texts[:5]:
        parser.parse(text)
    times = []
    for _ in range(max(1, repetitions // 10)):
        for text in texts:
            started = time.perf_counter()
            parser.parse(text)
            times.append((time.perf_counter() - started) * 1e3)
    times.sort()
    return {"parse_ms_p50": round(times[len(times) // 2], 3), "parse_ms_p95": round(times[int(len(times) * 0.95)], 3)}


def run_engine(engine: str, source: str, threads: int, repetitions: int, texts: list[str],
               artifact: str | None = None) -> dict[str, Any]:
    """Runs in a child process: build the engine, measure, report peak RSS of this process.

    ``source`` is the bundle (tinychat) or the model directory (the others); ``artifact`` the
    GGUF file llama.cpp engines load.
    """
    os.environ["TVM_NUM_THREADS"] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    model_dir = Path(source)
    builders: dict[str, Callable[[], Any]] = {
        "tinychat": lambda: _tinychat_parser(model_dir, threads),
        "torch-mini": lambda: _parser_on(model_dir, torch_mini_backend(model_dir, threads)),
        "torch": lambda: _parser_on(model_dir, transformers_backend(model_dir, threads)),
        "llama.cpp": lambda: _parser_on(model_dir, llama_cpp_backend(Path(str(artifact)), model_dir, threads)),
        "reference": lambda: _reference_parser(model_dir),
    }
    parser = builders[engine.split("-")[0] if engine.startswith(("tinychat-", "llama.cpp-")) else engine]()
    backend = parser.decoder.backend
    result: dict[str, Any] = measure(backend, backend.config.vocab_size, repetitions)
    result.update(parse_latency(parser, texts, repetitions))
    result["peak_rss_mb"] = peak_rss_mb()
    if engine.startswith("tinychat"):
        result["bundle_mb"] = round(sum(p.stat().st_size for p in model_dir.iterdir()) / 2**20, 2)
    if artifact:
        result["bundle_mb"] = round(Path(artifact).stat().st_size / 2**20, 2)
    return result


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _tinychat_parser(bundle: Path, threads: int) -> Any:
    from tinychat.runtime.parser import Parser

    return Parser.from_bundle(bundle, threads=threads)


def _reference_parser(model_dir: Path) -> Any:
    from tinychat.runtime.parser import Parser

    return Parser.load(model_dir, backend="reference")


def _parser_on(model_dir: Path, backend: Any) -> Any:
    from tinychat.model.checkpoint import load_model_dir
    from tinychat.runtime.parser import Parser

    _, _, tokenizer, spec = load_model_dir(model_dir)
    return Parser(spec, tokenizer, backend)


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    try:
        print(json.dumps(run_engine(**request)))
    except Exception as err:  # noqa: BLE001 - reported in the table as this engine's error
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}))
