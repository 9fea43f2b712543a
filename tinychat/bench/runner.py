"""tinychat bench: every engine in its own process, on the same weights and the same token ids."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinychat.runtime.parser import resolve_model_dir

QUANTS = ("q0f32", "q8", "q4")
#: engines that need packages tinychat does not depend on; reported with the reason when missing
OPTIONAL = {"torch": "transformers", "llama.cpp-f32": "llama_cpp", "llama.cpp-q8_0": "llama_cpp",
            "llama.cpp-q4_0": "llama_cpp"}


def benchmark(domain: str, target: str = "host", threads: int = 1, repetitions: int = 20,
              progress: Any = print) -> dict[str, Any]:
    from tinychat.compiler.build import compile_bundle, default_bundle_dir
    from tinychat.compiler.targets import resolve_target

    model_dir = resolve_model_dir(domain)
    texts = _utterances(model_dir)
    engines: dict[str, dict[str, Any]] = {}
    for quant in QUANTS:
        bundle = default_bundle_dir(domain, target, quant)
        if not _bundle_of(bundle, model_dir):
            progress(f"compiling {bundle}")
            compile_bundle(model_dir, resolve_target(target), quant, bundle, progress=lambda _: None)
        engines[f"tinychat-{quant}"] = _in_child(f"tinychat-{quant}", str(bundle), threads, repetitions, texts)
        progress(f"tinychat-{quant}: {engines[f'tinychat-{quant}']}")
    for engine in ("torch-mini", "reference"):
        engines[engine] = _in_child(engine, str(model_dir), threads, repetitions, texts)
        progress(f"{engine}: {engines[engine]}")
    for engine, module in OPTIONAL.items():
        if importlib.util.find_spec(module) is None:
            engines[engine] = {"error": f"not measured: Python package {module!r} is not installed"}
        else:
            engines[engine] = {"error": "not measured: this engine is not wired into tinychat bench yet"}
    config = json.loads((model_dir / "config.json").read_text())
    return {"model": {"domain": domain, "layers": config["num_hidden_layers"], "hidden": config["hidden_size"],
                      "vocab": config["vocab_size"], "target": target},
            "threads": threads, "engines": engines}


def _bundle_of(bundle: Path, model_dir: Path) -> bool:
    """Whether ``bundle`` was compiled from the model now in ``model_dir`` (else it is rebuilt)."""
    from tinychat.model.checkpoint import WEIGHTS
    from tinychat.runtime.bundle import BundleError, read_manifest, sha256_file

    try:
        return read_manifest(bundle).model_hash == sha256_file(model_dir / WEIGHTS)
    except BundleError:
        return False


def _utterances(model_dir: Path) -> list[str]:
    from tinychat.data.synth import CorpusBuilder
    from tinychat.model.checkpoint import load_model_dir

    spec = load_model_dir(model_dir)[3]
    return [example.text for example in CorpusBuilder(spec).build(40, seed=99, split="test")]


def _in_child(engine: str, source: str, threads: int, repetitions: int, texts: list[str]) -> dict[str, Any]:
    request = json.dumps({"engine": engine, "source": source, "threads": threads, "repetitions": repetitions,
                          "texts": texts})
    done = subprocess.run([sys.executable, "-m", "tinychat.bench.engines", request], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": f"engine process failed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(lines[-1])


def format_table(results: dict[str, Any]) -> str:
    columns = ["decode_ms_per_token", "prefill_ms", "parse_ms_p50", "parse_ms_p95", "peak_rss_mb", "bundle_mb"]
    baseline = results["engines"].get("torch-mini", {}).get("decode_ms_per_token")
    lines = [f"threads: {results['threads']}   model: {results['model']}",
             "| engine | " + " | ".join(columns) + " | decode speed-up vs torch-mini |",
             "|---|" + "---|" * (len(columns) + 1)]
    for name, row in results["engines"].items():
        if "error" in row:
            lines.append(f"| {name} | {row['error']} |")
            continue
        speedup = f"{baseline / row['decode_ms_per_token']:.1f}x" if baseline else "-"
        lines.append(f"| {name} | " + " | ".join(str(row.get(c, "-")) for c in columns) + f" | {speedup} |")
    return "\n".join(lines)
