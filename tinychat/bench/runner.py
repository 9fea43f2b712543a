"""tinychat bench: every engine in its own process, on the same weights and the same token ids."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinychat.runtime.parser import resolve_model_dir

#: tinychat quantization → the llama.cpp GGUF flavour measured beside it (same weights, same quantized layers)
PAIRS = {"q0f32": "f32", "q8": "q8_0", "q4": "q4_0"}
#: engines that need packages tinychat does not depend on (the ``bench`` extra)
NEEDS = {"torch": ("torch", "transformers"), "llama.cpp": ("llama_cpp", "gguf")}


def benchmark(domain: str, target: str = "host", threads: int = 1, repetitions: int = 20,
              progress: Any = print) -> dict[str, Any]:
    from tinychat.compiler.build import compile_bundle, default_bundle_dir
    from tinychat.compiler.targets import resolve_target

    model_dir = resolve_model_dir(domain)
    texts = _utterances(model_dir)
    engines: dict[str, dict[str, Any]] = {}

    def run(engine: str, source: Path, artifact: Path | None = None) -> None:
        missing = [m for m in NEEDS.get(engine.split("-")[0], ()) if importlib.util.find_spec(m) is None]
        if missing:
            engines[engine] = {"error": f"not measured: Python package {missing[0]!r} is not installed"}
        else:
            engines[engine] = _in_child(engine, str(source), threads, repetitions, texts, artifact)
        progress(f"{engine}: {engines[engine]}")

    for quant, flavour in PAIRS.items():
        bundle = default_bundle_dir(domain, target, quant)
        if not _bundle_of(bundle, model_dir):
            progress(f"compiling {bundle}")
            compile_bundle(model_dir, resolve_target(target), quant, bundle, progress=lambda _: None)
        run(f"tinychat-{quant}", bundle)
        run(f"llama.cpp-{flavour}", model_dir, _gguf_of(domain, model_dir, flavour))
    for engine in ("torch-mini", "torch", "reference"):
        run(engine, model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    return {"model": {"domain": domain, "layers": config["num_hidden_layers"], "hidden": config["hidden_size"],
                      "vocab": config["vocab_size"], "target": target},
            "threads": threads, "engines": engines}


def _gguf_of(domain: str, model_dir: Path, flavour: str) -> Path | None:
    """The model as a GGUF for llama.cpp, written afresh (a second or so) so it always matches the model."""
    if importlib.util.find_spec("gguf") is None:
        return None
    from tinychat.bench.gguf_export import export_gguf

    return export_gguf(model_dir, Path("compiled") / f"{domain}-llama.cpp" / f"{flavour}.gguf", flavour)


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


def _in_child(engine: str, source: str, threads: int, repetitions: int, texts: list[str],
              artifact: Path | None = None) -> dict[str, Any]:
    request = json.dumps({"engine": engine, "source": source, "threads": threads, "repetitions": repetitions,
                          "texts": texts, "artifact": str(artifact) if artifact else None})
    done = subprocess.run([sys.executable, "-m", "tinychat.bench.engines", request], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": f"engine process failed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(lines[-1])


def format_table(results: dict[str, Any]) -> str:
    """Markdown table; decode ratios > 1 mean the row is faster than what it is compared with."""
    columns = ["decode_ms_per_token", "prefill_ms", "parse_ms_p50", "parse_ms_p95", "peak_rss_mb", "bundle_mb"]
    rows = results["engines"]
    torch_rows = [rows.get(name, {}).get("decode_ms_per_token") for name in ("torch-mini", "torch")]
    fastest_torch = min((ms for ms in torch_rows if ms), default=None)
    lines = [f"threads: {results['threads']}   model: {results['model']}",
             "| engine | " + " | ".join(columns) + " | decode vs llama.cpp (same quant) | decode vs fastest torch |",
             "|---|" + "---|" * (len(columns) + 2)]
    for name, row in rows.items():
        if "error" in row:
            lines.append(f"| {name} | {row['error']} |")
            continue
        decode = row["decode_ms_per_token"]
        rival = rows.get(f"llama.cpp-{PAIRS.get(name.removeprefix('tinychat-'), '')}", {})
        vs_llama = f"{rival['decode_ms_per_token'] / decode:.2f}x" if "decode_ms_per_token" in rival else "-"
        vs_torch = f"{fastest_torch / decode:.2f}x" if fastest_torch else "-"
        figures = " | ".join(str(row.get(c, "-")) for c in columns)
        lines.append(f"| {name} | {figures} | {vs_llama} | {vs_torch} |")
    return "\n".join(lines)
