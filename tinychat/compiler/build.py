"""compile_bundle: a model directory + a target + a quantization → a verified bundle directory."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from tinychat.compiler.quantization import QuantScheme, dequantize, quantize, scheme
from tinychat.compiler.targets import TargetDescriptor
from tinychat.compiler.tuning import Tuning, has_records
from tinychat.compiler.weights import compiled_parameters
from tinychat.model.checkpoint import WEIGHTS, load_model_dir
from tinychat.model.config import ModelConfig
from tinychat.model.reference import ReferenceModel
from tinychat.runtime.bundle import FORMAT_VERSION, GOLDEN, MANIFEST, PARAMS, BundleManifest, FileEntry, sha256_file
from tinychat.runtime.gpu import cuda_kernels_name

GOLDEN_PROMPT = "i bought a dozen eggs and 우유 두 병"

Progress = Callable[[str], None]


def default_bundle_dir(domain: str, target: str, quant: str) -> Path:
    return Path("compiled") / f"{domain}-{target}-{quant}"


def compile_bundle(model_dir: Path, target: TargetDescriptor, quant_name: str, out: Path,
                   progress: Progress = print, tuning: Tuning | None = None) -> BundleManifest:
    """Compile, write and self-check a bundle; returns its manifest.

    ``tuning`` names the target's tuning database (its records are applied) and how many new
    trials to measure into it first; None compiles with our schedule rules alone.
    """
    import tvm

    from tinychat.compiler.pipeline import relax_pipeline
    from tinychat.compiler.relax_model import RelaxLlama

    quant = scheme(quant_name)
    config, weights, tokenizer, spec = load_model_dir(model_dir)
    tvm_target = target.tvm()
    started = time.time()
    progress(f"[1/4] exporting {spec.name} ({config.num_hidden_layers} layers, {quant.name}) to Relax")
    model = RelaxLlama(config, quant, tvm_target)
    module, named = model.export_tvm(spec=model.export_spec())
    progress(f"[2/4] compiling for {target.name} ({tvm_target.kind.name})")
    if tuning is not None and has_records(tuning.database):
        progress(f"      with the tuning records in {tuning.database}")
    pipeline = relax_pipeline(tvm_target, tuning, progress)
    executable = tvm.compile(module, target=tvm_target, relax_pipeline=pipeline)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    progress(f"[3/4] writing the library and {quant.name} weights")
    library = _export_library(executable, target, staging)
    for source in _cuda_sources(executable.mod):
        progress("      compiling its CUDA kernels with nvcc")
        (staging / cuda_kernels_name(source)).write_bytes(_compile_cuda_kernels(source, tvm_target))
    names = [name for name, _ in named]
    save_file(compiled_parameters(config, weights, quant, names), str(staging / PARAMS))
    for name in ("config.json", "tokenizer.json", "domain.json"):
        shutil.copyfile(model_dir / name, staging / name)
    prompt = tokenizer.prompt_ids(GOLDEN_PROMPT)
    golden = ReferenceModel(config, dequantized_weights(config, weights, quant)).prefill(prompt)
    (staging / GOLDEN).write_text(json.dumps({"prompt_ids": prompt, "logits": golden.tolist()}))
    manifest = BundleManifest(
        format_version=FORMAT_VERSION, domain=spec.name,
        target={**target.model_dump(), "tvm_target": target.resolved_tvm_target()}, quant=quant.name,
        tvm_version=tvm.__version__, tinychat_version=_tinychat_version(), model_hash=sha256_file(model_dir / WEIGHTS),
        library=library, device_modules=_device_module_kinds(executable.mod), param_order=names,
        files={p.name: FileEntry(sha256=sha256_file(p), size=p.stat().st_size)
               for p in sorted(staging.iterdir()) if p.is_file()},
    )
    (staging / MANIFEST).write_text(manifest.model_dump_json(indent=1))
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    progress(f"[4/4] bundle written to {out} in {time.time() - started:.0f}s")
    return manifest


def _export_library(executable, target: TargetDescriptor, staging: Path) -> str:  # noqa: ANN001
    if target.library == "objects":
        from tvm.support import tar

        executable.export_library(str(staging / "model.tar"), fcompile=tar.tar)
        return "model.tar"
    if target.cross_compiler:
        from tvm.support import cc

        executable.export_library(str(staging / "model.so"), fcompile=cc.cross_compiler(target.cross_compiler))
    else:
        executable.export_library(str(staging / "model.so"))
    return "model.so"


def _compile_cuda_kernels(source: str, tvm_target) -> bytes:  # noqa: ANN001
    """nvcc → a fatbin: machine code for the target's GPU, and its PTX for the driver to compile on newer GPUs.

    TVM 0.27 stores CUDA kernels as source and compiles them when the library is loaded, which
    would need a CUDA compiler on the device; the bundle carries them compiled instead.
    """
    from tvm.support import nvcc

    if shutil.which("nvcc") is None:
        raise RuntimeError("compiling for a CUDA target needs nvcc (the CUDA 13 toolkit) on PATH")
    version = str(tvm_target.attrs["arch"]).removeprefix("sm_")
    arch = ["-gencode", f"arch=compute_{version},code=sm_{version}",
            "-gencode", f"arch=compute_{version},code=compute_{version}"]
    with tvm_target:
        return bytes(nvcc.compile_cuda(source, target_format="fatbin", arch=arch, compiler="nvcc"))


def _imported_modules(module):  # noqa: ANN001, ANN202
    """Every module the library imports, depth first (device code, packed objects)."""
    for imported in module.imports:
        yield imported
        yield from _imported_modules(imported)


def _cuda_sources(module) -> list[str]:  # noqa: ANN001
    return [str(m.inspect_source("cuda")) for m in _imported_modules(module) if m.kind == "cuda"]


def _device_module_kinds(module) -> list[str]:  # noqa: ANN001
    return sorted({m.kind for m in _imported_modules(module) if m.kind not in ("llvm", "static_library")})


def dequantized_weights(config: ModelConfig, weights: dict[str, np.ndarray], quant: QuantScheme) -> dict:
    """Hugging Face weights as the quantized bundle sees them: linear layers through quantize/dequantize."""
    if not quant.quantized:
        return weights
    out = dict(weights)
    for name, value in weights.items():
        if name.endswith("_proj.weight") or name == "lm_head.weight":
            out[name] = dequantize(*quantize(value, quant), quant)
    return out


def _tinychat_version() -> str:
    from tinychat import __version__

    return __version__
