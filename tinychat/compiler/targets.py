"""Target descriptors: one YAML file per board in ``targets/``, validated here.

A descriptor says what TVM compiles for (target and host as dicts), how the library is
linked (a cross compiler, or object files a Mac links), and how a bundle for it is proved
(run here, under qemu, or only built). LLVM silently ignores a CPU or feature it does not
know; ``check_llvm_target`` turns that into an error before any code is generated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tinychat.compiler.quantization import SCHEMES

TARGETS_DIR = Path(__file__).resolve().parents[2] / "targets"


class TargetError(ValueError):
    """An unknown target, or a descriptor that does not describe a usable one."""


class TargetDescriptor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str
    kind: Literal["cpu", "cuda", "metal"]
    tvm_target: dict[str, Any]
    tvm_host: dict[str, Any] | None = None
    #: C compiler that links the shared library; None: the host's default
    cross_compiler: str | None = None
    #: "so": a shared library; "objects": object files + sources, linked on the device (no macOS linker here)
    library: Literal["so", "objects"] = "so"
    default_quant: str = "q4"
    threads: int = Field(default=2, ge=1)
    memory_budget_mb: int = Field(default=64, ge=1)
    #: how a bundle for this target is proved: run here, under qemu-aarch64, on a lent GPU, or built only
    proof: Literal["host", "qemu", "gpu", "build"] = "build"
    qemu_cpu: str | None = None
    #: Linux /proc/cpuinfo flags a machine must have to run the bundle ("avx2", "asimddp"): checked before
    #: loading, so a bundle built for a newer CPU is refused by name instead of dying of an illegal instruction
    cpu_flags: list[str] = []

    def model_post_init(self, context: Any) -> None:
        if self.default_quant not in SCHEMES:
            raise ValueError(f"default_quant {self.default_quant!r} is not one of {sorted(SCHEMES)}")

    def resolved_tvm_target(self) -> dict[str, Any]:
        """``tvm_target`` with ``mcpu: native`` replaced by this machine's CPU and triple."""
        from tvm.target import codegen

        target_dict = dict(self.tvm_target)
        if target_dict.get("mcpu") == "native":  # the machine compiling is the machine running
            target_dict["mcpu"] = str(codegen.llvm_get_system_cpu())
            target_dict.setdefault("mtriple", str(codegen.llvm_get_system_triple()))
        return target_dict

    def tvm(self) -> Any:
        """The ``tvm.target.Target``, checked (imports the TVM compiler)."""
        import tvm

        target_dict = self.resolved_tvm_target()
        if self.tvm_host is not None:
            target_dict["host"] = dict(self.tvm_host)
        target = tvm.target.Target(target_dict)
        for llvm in [target] if target.kind.name == "llvm" else [target.host] if target.host else []:
            check_llvm_target(llvm, self.name)
        return target


def check_llvm_target(target: Any, name: str) -> None:
    """Refuse a CPU or feature LLVM does not know for the triple (it would silently emit generic code)."""
    from tvm.target import codegen

    triple = str(target.attrs.get("mtriple", "")) or codegen.llvm_get_system_triple()
    cpu = target.attrs.get("mcpu")
    if cpu and str(cpu) != "native":
        known = [str(c) for c in codegen.llvm_get_cpu_archlist(target)]
        if str(cpu) not in known:
            close = sorted(c for c in known if str(cpu).split("-")[0] in c)[:8]
            raise TargetError(f"target {name!r}: LLVM does not know mcpu {str(cpu)!r} for {triple} "
                              f"(similar: {close or 'none'})")
    wanted = [str(f)[1:] for f in target.attrs.get("mattr", []) if str(f).startswith("+")]
    if wanted:
        available = {str(f) for f in codegen.llvm_get_cpu_features(target)}
        missing = [f for f in wanted if f not in available]
        if missing:
            raise TargetError(f"target {name!r}: LLVM does not know feature(s) {missing} for {triple} "
                              f"with mcpu {cpu or 'generic'}")


def list_targets(directory: Path = TARGETS_DIR) -> list[TargetDescriptor]:
    return [load_target_file(path) for path in sorted(directory.glob("*.yaml"))]


def load_target_file(path: Path) -> TargetDescriptor:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise TargetError(f"{path}: cannot read target descriptor: {err}") from None
    try:
        return TargetDescriptor.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors())
        raise TargetError(f"{path}: invalid target descriptor: {problems}") from None


def resolve_target(name_or_path: str) -> TargetDescriptor:
    """A built-in target by name ("cortex-a72") or a maker's descriptor file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_target_file(path)
    builtin = TARGETS_DIR / f"{name_or_path}.yaml"
    if builtin.is_file():
        return load_target_file(builtin)
    known = [t.stem for t in sorted(TARGETS_DIR.glob("*.yaml"))]
    raise TargetError(f"unknown target {name_or_path!r}; known targets: {known} (or pass a descriptor .yaml)")
