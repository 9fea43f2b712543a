"""Compiled bundles on the device: the manifest, integrity checks, and loading into a parser.

A bundle is a directory: the native library, quantized parameters, tokenizer, domain spec,
model config, a golden output and ``manifest.json`` naming every file with its size and
sha256. Nothing in a bundle is trusted before its manifest has been checked.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from tinychat.domain.spec import DomainSpec
from tinychat.model.checkpoint import read_spec
from tinychat.model.config import ModelConfig
from tinychat.model.tokenizer import Tokenizer
from tinychat.runtime.cpu_features import missing_cpu_flags
from tinychat.runtime.gpu import CUDA_KERNELS_PREFIX, cuda_mismatch, serve_shipped_kernels

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PARAMS = "params.safetensors"
GOLDEN = "golden.json"
#: how far compiled logits may stray from the reference with the same (dequantized) weights
GOLDEN_TOLERANCE = 1e-3


class BundleError(ValueError):
    """A bundle is missing, corrupted, truncated, mixed up or for another target; the message says which."""


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str
    size: int


class BundleManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int
    domain: str
    target: dict[str, Any]
    quant: str
    tvm_version: str
    tinychat_version: str
    model_hash: str
    library: str
    #: kinds of device code inside the library besides the host's ("cuda", "metal")
    device_modules: list[str] = []
    param_order: list[str]
    files: dict[str, FileEntry]

    @property
    def target_name(self) -> str:
        return str(self.target["name"])

    def runs_here(self) -> bool:
        """This machine can run the bundle's code: its CPU, and for CUDA bundles a GPU the kernels were built for."""
        return self.why_not_here() is None

    def why_not_here(self) -> str | None:
        """Why this machine cannot run the bundle, or None when it can."""
        kind = self.target.get("kind")
        if kind not in ("cpu", "cuda") or not self.library.endswith(".so"):
            return f"it is linked on its {kind} device ({self.library}), not here"
        host = self.target.get("tvm_target" if kind == "cpu" else "tvm_host") or {}
        triple = str(host.get("mtriple", "native"))
        if triple != "native" and triple.split("-")[0] != _machine_arch():
            return f"its {triple.split('-')[0]} code cannot run on this {_machine_arch()} machine"
        missing = self.missing_cpu_flags()
        if missing:
            return f"it needs CPU features {missing} that this machine lacks"
        if kind == "cuda":
            return cuda_mismatch(str(self.target.get("tvm_target", {}).get("arch", "")))
        return None

    def device(self) -> str:
        """Where the model runs: "cuda" for bundles with CUDA kernels, else "cpu"."""
        return "cuda" if "cuda" in self.device_modules else "cpu"

    def missing_cpu_flags(self) -> list[str]:
        return missing_cpu_flags(list(self.target.get("cpu_flags", [])))


def _machine_arch() -> str:
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(bundle: Path) -> BundleManifest:
    path = bundle / MANIFEST
    if not bundle.is_dir():
        raise BundleError(f"{bundle}: not a bundle directory")
    if not path.is_file():
        raise BundleError(f"{bundle}: no {MANIFEST} (not a tinychat bundle, or a cut copy)")
    try:
        manifest = BundleManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as err:
        raise BundleError(f"{path}: unreadable manifest: {str(err).splitlines()[0]}") from None
    if manifest.format_version != FORMAT_VERSION:
        raise BundleError(f"{path}: bundle format {manifest.format_version}, this tinychat reads {FORMAT_VERSION}")
    return manifest


def check_files(bundle: Path, manifest: BundleManifest) -> None:
    """Every file the manifest names is present, of its size, with its hash."""
    for name, entry in manifest.files.items():
        path = bundle / name
        if not path.is_file():
            raise BundleError(f"{bundle}: {name} is missing (manifest lists it)")
        size = path.stat().st_size
        if size != entry.size:
            raise BundleError(f"{bundle}: {name} is truncated or padded: {size} bytes, manifest says {entry.size}")
        if sha256_file(path) != entry.sha256:
            raise BundleError(f"{bundle}: {name} is corrupted or from another bundle: sha256 does not match")
    for required in (manifest.library, PARAMS, "config.json", "tokenizer.json", "domain.json", GOLDEN):
        if required not in manifest.files:
            raise BundleError(f"{bundle}: manifest does not list {required}")
    if manifest.device() == "cuda" and not any(name.startswith(CUDA_KERNELS_PREFIX) for name in manifest.files):
        raise BundleError(f"{bundle}: manifest lists no compiled CUDA kernels ({CUDA_KERNELS_PREFIX}*.fatbin); "
                          "rebuild the bundle with this tinychat")


def check_runs_here(bundle: Path, manifest: BundleManifest) -> None:
    problem = manifest.why_not_here()
    if problem:
        raise BundleError(f"{bundle}: bundle is for target {manifest.target_name!r} "
                          f"({manifest.target.get('tvm_target')}); {problem}")


def load_bundle(bundle: Path, threads: int | None = None) -> tuple[DomainSpec, Tokenizer, Any]:
    """Check a bundle and open it: (spec, tokenizer, backend). Needs only TVM's runtime."""
    from safetensors.numpy import load_file

    from tinychat.runtime.tvm_backend import TVMBackend

    manifest = read_manifest(bundle)
    check_files(bundle, manifest)
    check_runs_here(bundle, manifest)
    config = ModelConfig.load(bundle / "config.json")
    stored = load_file(str(bundle / PARAMS))
    missing = [n for n in manifest.param_order if n not in stored]
    if missing:
        raise BundleError(f"{bundle}: {PARAMS} lacks parameters {missing[:3]}")
    params = [stored[name] for name in manifest.param_order]
    if manifest.device() == "cuda":
        serve_shipped_kernels(bundle, [name for name in manifest.files if name.startswith(CUDA_KERNELS_PREFIX)])
    backend = TVMBackend(bundle / manifest.library, config, params, device=manifest.device(),
                         threads=threads or manifest.target.get("threads"))
    spec = read_spec(bundle)
    return spec, Tokenizer.load(bundle / "tokenizer.json"), backend


def golden_check(bundle: Path, backend: Any) -> float:
    """Largest difference between the bundle's logits and its recorded golden output."""
    golden = json.loads((bundle / GOLDEN).read_text(encoding="utf-8"))
    logits = backend.prefill(golden["prompt_ids"])
    difference = float(np.max(np.abs(logits - np.asarray(golden["logits"], dtype=np.float32))))
    if difference > GOLDEN_TOLERANCE * max(1.0, float(np.max(np.abs(golden["logits"])))):
        raise BundleError(f"{bundle}: golden check failed: logits differ by {difference:.3g} from the reference")
    return difference


def verify_bundle(bundle: Path) -> list[str]:
    """Check a bundle completely; returns what was checked, raises BundleError on the first problem."""
    manifest = read_manifest(bundle)
    check_files(bundle, manifest)
    done = [f"manifest: format {manifest.format_version}, domain {manifest.domain}, target "
            f"{manifest.target_name}, {manifest.quant}, TVM {manifest.tvm_version}",
            f"files: {len(manifest.files)} present, sizes and sha256 match"]
    problem = manifest.why_not_here()
    if problem is None:
        _, _, backend = load_bundle(bundle)
        done.append(f"golden output: max |logit difference| {golden_check(bundle, backend):.2e}")
    else:
        done.append(f"golden output: not run (target {manifest.target_name}: {problem})")
    return done
