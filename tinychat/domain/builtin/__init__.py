"""The built-in domains shipped with tinychat: each a folder with ``domain.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tinychat.domain.spec import DomainSpec, SpecError, load_spec

BUILTIN_DIR = Path(__file__).resolve().parent
BUILTIN_DOMAINS = ("fridge", "wearable")


def builtin_spec_path(name: str) -> Path:
    if name not in BUILTIN_DOMAINS:
        raise SpecError(f"unknown built-in domain {name!r}; built-in domains are {list(BUILTIN_DOMAINS)}")
    return BUILTIN_DIR / name / "domain.yaml"


@cache
def builtin_spec(name: str) -> DomainSpec:
    return load_spec(builtin_spec_path(name))


def other_builtin_specs(name: str) -> list[DomainSpec]:
    """Built-in domains other than ``name``: their requests are negatives for it."""
    return [builtin_spec(other) for other in BUILTIN_DOMAINS if other != name]
