"""Proof for aarch64 Linux boards without a board: the real runtime runs the bundle under qemu-aarch64.

The guest is Debian arm64's python3.11 in a sysroot built here: arm64 .debs unpacked with
``dpkg-deb -x`` (a private apt state, so the host's apt is untouched), and the runtime's aarch64
wheels, pinned to the host's versions, installed beside them. qemu-aarch64 starts it directly
with ``QEMU_CPU`` set to the target's core, so neither binfmt_misc, debootstrap nor a board is
needed. In the guest the product code (``Parser.from_bundle``) loads the bundle on TVM's runtime
library alone, checks the golden logits and parses; the host compares with its own reference.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from tinychat.runtime.bundle import (
    BundleError,
    BundleManifest,
    check_files,
    read_manifest,
    sha256_file,
    verify_bundle,
)
from tinychat.runtime.parser import MODELS_DIR, Parser

DEBIAN_RELEASE = "bookworm"
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
#: the guest's interpreter and the C/C++ libraries the aarch64 wheels link against
DEBIAN_PACKAGES = ("python3.11", "libstdc++6", "libgcc-s1")
GUEST_PYTHON_VERSION = "3.11"
#: what the runtime imports, installed as aarch64 wheels at the host's versions (the bundle's TVM included)
RUNTIME_DISTRIBUTIONS = ("apache-tvm", "apache-tvm-ffi", "numpy", "pydantic", "pyyaml", "llguidance", "safetensors")
#: bookworm's glibc is 2.36: any manylinux wheel up to that runs in the guest
WHEEL_PLATFORMS = ("manylinux2014_aarch64", *(f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)))
#: a board ships TVM's runtime only; dropping the 230 MB compiler also proves the guest never loads it
COMPILER_LIBRARY = Path("tvm/lib/libtvm_compiler.so")
QEMU_PROGRAMS = ("qemu-aarch64-static", "qemu-aarch64")
#: the aarch64 features that tell the emulated cores apart, reported from inside the guest
TELLING_HWCAPS = ("asimd", "atomics", "asimdhp", "asimdrdm", "lrcpc", "asimddp")
#: utterances ``verify_emulated`` parses in the guest and on the host
VERIFY_UTTERANCES = 20
GUEST_TIMEOUT_S = 600


class EmulationError(OSError):
    """qemu-aarch64 or the arm64 sysroot is missing or cannot be made, or the guest failed to run."""


@dataclass(frozen=True)
class EmulatedRun:
    """What the bundle did inside the emulated board."""

    cpu: str
    #: why ``cpu`` is not the target's own core ("" when it is)
    cpu_note: str
    machine: str
    hwcaps: list[str]
    golden_difference: float
    actions: list[dict[str, Any]]
    seconds: float


def sysroot_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "tinychat" / "aarch64-sysroot"


def find_qemu() -> str:
    for program in QEMU_PROGRAMS:
        found = shutil.which(program)
        if found:
            return found
    raise EmulationError("qemu-aarch64 is not installed: `sudo apt-get install qemu-user-static` "
                         "(or run .ci/aarch64_sysroot.sh)")


def qemu_cpus(qemu: str) -> list[str]:
    """The CPU models this qemu-aarch64 emulates (``-cpu help``, which exits with status 1)."""
    listing = subprocess.run([qemu, "-cpu", "help"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in listing.splitlines()[1:] if line.strip()]


def emulated_cpu(target: dict[str, Any], known: list[str]) -> tuple[str, str]:
    """The target's core if qemu has it, else ``max`` (every feature qemu has), with the reason."""
    wanted = target.get("qemu_cpu") or target.get("tvm_target", {}).get("mcpu")
    if wanted in known:
        return str(wanted), ""
    return "max", f"qemu has no model of {wanted!r} (it has {known}); ran on 'max', a superset of its features"


def runtime_pins() -> list[str]:
    """``name==version`` of each runtime distribution as installed here, so guest and host run the same code."""
    pins = []
    for name in RUNTIME_DISTRIBUTIONS:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            raise EmulationError(f"{name} is not installed here; the guest needs the host's version "
                                 "(pip install -e .)") from None
    return sorted(pins)


def ensure_sysroot(root: Path | None = None, progress: Any = print) -> Path:
    """The arm64 sysroot at ``root`` (default: the user cache), built once and rebuilt when the pins change."""
    root = root or sysroot_dir()
    stamp = json.dumps({"debian": DEBIAN_RELEASE, "packages": DEBIAN_PACKAGES, "wheels": runtime_pins()})
    if (root / "stamp.json").is_file() and (root / "stamp.json").read_text() == stamp:
        return root
    staging = root.with_name(f"{root.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        progress(f"building the arm64 sysroot in {root} (Debian {DEBIAN_RELEASE} .debs and aarch64 wheels)")
        for deb in _download_debs(staging / "apt"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
        shutil.rmtree(staging / "apt")
        _install_wheels(staging / "site", runtime_pins())
        (staging / "site" / COMPILER_LIBRARY).unlink(missing_ok=True)
        (staging / "stamp.json").write_text(stamp)
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    except (OSError, subprocess.CalledProcessError) as err:
        raise EmulationError(f"cannot build the arm64 sysroot in {root}: {err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _download_debs(apt: Path) -> list[Path]:
    """The packages and all they depend on, fetched with a private apt state (empty: nothing is installed)."""
    if not DEBIAN_KEYRING.is_file():
        raise EmulationError(f"{DEBIAN_KEYRING} is missing: `sudo apt-get install debian-archive-keyring`")
    for folder in ("lists/partial", "archives/partial"):
        (apt / folder).mkdir(parents=True)
    (apt / "status").touch()
    sources = apt / "sources.list"
    sources.write_text("".join(
        f"deb [arch=arm64 signed-by={DEBIAN_KEYRING}] http://deb.debian.org/{archive} {suite} main\n"
        for archive, suite in [("debian", DEBIAN_RELEASE), ("debian", f"{DEBIAN_RELEASE}-updates"),
                               ("debian-security", f"{DEBIAN_RELEASE}-security")]))
    options = {"APT::Architecture": "arm64", "APT::Architectures": "arm64", "Dir::State": apt,
               "Dir::State::Lists": apt / "lists", "Dir::State::status": apt / "status", "Dir::Cache": apt,
               "Dir::Cache::archives": apt / "archives", "Dir::Etc::SourceList": sources,
               "Dir::Etc::SourceParts": "/dev/null", "Debug::NoLocking": "1", "APT::Sandbox::User": "root"}
    apt_get = ["apt-get", "-q"] + [f"-o{key}={value}" for key, value in options.items()]
    for command in (["update"], ["install", "-y", "--download-only", "--no-install-recommends", *DEBIAN_PACKAGES]):
        done = subprocess.run(apt_get + command, capture_output=True, text=True)
        if done.returncode:
            raise EmulationError(f"apt-get {command[0]} (arm64) failed: {done.stderr.strip()[-500:]}")
    return sorted((apt / "archives").glob("*.deb"))


def _install_wheels(site: Path, pins: list[str]) -> None:
    platforms = [argument for tag in WHEEL_PLATFORMS for argument in ("--platform", tag)]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-warn-conflicts", "--only-binary=:all:",
               "--implementation", "cp", "--python-version", GUEST_PYTHON_VERSION, *platforms,
               "--target", str(site), *pins]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise EmulationError(f"pip could not install the aarch64 wheels {pins}: {done.stderr.strip()[-800:]}")


def check_emulatable(bundle: Path, manifest: BundleManifest) -> None:
    triple = str(manifest.target.get("tvm_target", {}).get("mtriple", ""))
    if manifest.target.get("kind") != "cpu" or not manifest.library.endswith(".so") or \
            not triple.startswith("aarch64-") or "linux" not in triple:
        raise BundleError(f"{bundle}: bundle is for target {manifest.target_name!r} ({triple or 'native'}, "
                          f"{manifest.library}); only aarch64 Linux CPU bundles run under qemu-aarch64")


def run_emulated(bundle: Path, texts: list[str], sysroot: Path | None = None, progress: Any = print) -> EmulatedRun:
    """Load ``bundle`` in the emulated board (its target's core), check its golden output, parse ``texts``."""
    manifest = read_manifest(bundle)
    check_files(bundle, manifest)
    check_emulatable(bundle, manifest)
    qemu = find_qemu()
    root = ensure_sysroot(sysroot, progress)
    chosen, note = emulated_cpu(manifest.target, qemu_cpus(qemu))
    request = json.dumps({"bundle": str(bundle.resolve()), "texts": texts})
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as packages:  # the tinychat package alone, not the host's site-packages
        (Path(packages) / "tinychat").symlink_to(Path(__file__).resolve().parents[1])
        env = {"QEMU_CPU": chosen, "PYTHONPATH": f"{root / 'site'}{os.pathsep}{packages}", "PYTHONNOUSERSITE": "1",
               "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        guest = [qemu, "-L", str(root), str(root / "usr/bin/python3.11"), "-S", "-m", "tinychat.compiler.emulation"]
        try:
            done = subprocess.run(guest, input=request, capture_output=True, text=True, env=env, cwd=packages,
                                  timeout=GUEST_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise EmulationError(f"{bundle}: the emulated run ({chosen}) took over {GUEST_TIMEOUT_S}s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        raise EmulationError(f"{bundle}: the emulated run ({chosen}) failed with status {done.returncode}: "
                             f"{done.stderr.strip()[-1500:]}")
    result = json.loads(lines[-1])
    return EmulatedRun(cpu=chosen, cpu_note=note, seconds=round(time.monotonic() - started, 1), **result)


def quantized_reference_parser(model_dir: Path, quant: str) -> Parser:
    """The host's numpy reference on the weights as the bundle sees them (quantized, then dequantized)."""
    from tinychat.compiler.build import dequantized_weights
    from tinychat.compiler.quantization import scheme
    from tinychat.model.checkpoint import load_model_dir
    from tinychat.runtime.backend import reference_backend

    config, weights, tokenizer, spec = load_model_dir(model_dir)
    return Parser(spec, tokenizer, reference_backend(config, dequantized_weights(config, weights, scheme(quant))))


def builtin_model_of(manifest: BundleManifest) -> Path | None:
    """The built-in model directory the bundle was compiled from, if it is one."""
    from tinychat.model.checkpoint import WEIGHTS

    for model_dir in sorted(MODELS_DIR.iterdir()) if MODELS_DIR.is_dir() else []:
        if (model_dir / WEIGHTS).is_file() and sha256_file(model_dir / WEIGHTS) == manifest.model_hash:
            return model_dir
    return None


def verify_emulated(bundle: Path, progress: Any = print) -> list[str]:
    """``verify_bundle``, then the golden check and some parses under qemu, compared with the host."""
    from tinychat.data.synth import CorpusBuilder
    from tinychat.model.checkpoint import read_spec

    done = verify_bundle(bundle)
    manifest = read_manifest(bundle)
    spec = read_spec(bundle)
    texts = [example.text for example in CorpusBuilder(spec).build(VERIFY_UTTERANCES, seed=0, split="test")]
    run = run_emulated(bundle, texts, progress=progress)
    done.append(f"emulated: qemu-aarch64 QEMU_CPU={run.cpu} ({run.machine}, hwcaps {' '.join(run.hwcaps)})"
                + (f"; {run.cpu_note}" if run.cpu_note else ""))
    done.append(f"golden output under emulation: max |logit difference| {run.golden_difference:.2e}")
    model_dir = builtin_model_of(manifest)
    if model_dir is None:
        done.append(f"actions: {len(texts)} parsed under emulation, not compared (its model is not built in here)")
        return done
    reference = quantized_reference_parser(model_dir, manifest.quant)
    for text, action in zip(texts, run.actions, strict=True):
        expected = reference.parse(text).model_dump(exclude={"confidence"})
        if {k: v for k, v in action.items() if k != "confidence"} != expected:
            raise BundleError(f"{bundle}: under emulation {text!r} gives {action}, the host's reference {expected}")
    done.append(f"actions: {len(texts)} of {len(texts)} under emulation equal the host's {manifest.quant} reference "
                f"({run.seconds:.0f}s in qemu)")
    return done


def _hwcaps() -> list[str]:
    from tinychat.runtime.cpu_features import aarch64_hwcaps

    return [name for name in TELLING_HWCAPS if name in aarch64_hwcaps()]


def _run_in_guest(request: dict[str, Any]) -> dict[str, Any]:
    """Inside qemu: the product runtime loads the bundle, checks its golden output, parses the texts."""
    from tinychat.runtime.bundle import golden_check

    bundle = Path(request["bundle"])
    parser = Parser.from_bundle(bundle)
    difference = golden_check(bundle, parser.decoder.backend)
    return {"machine": platform.machine(), "hwcaps": _hwcaps(), "golden_difference": difference,
            "actions": [parser.parse(text).model_dump() for text in request["texts"]]}


if __name__ == "__main__":
    print(json.dumps(_run_in_guest(json.load(sys.stdin)), ensure_ascii=False))
