"""Which CPU features this machine has, as Linux names them, to refuse a bundle it cannot run.

A bundle built for a newer CPU would die of an illegal instruction on an older one. On
aarch64 the kernel's hardware-capability bits are read with ``getauxval`` (qemu-user
emulates those for the CPU it pretends to be); elsewhere ``/proc/cpuinfo``'s flags.
"""

from __future__ import annotations

import ctypes
import platform
from functools import cache
from pathlib import Path

_AT_HWCAP, _AT_HWCAP2 = 16, 26
#: Linux aarch64 feature names → (auxv entry, bit) (arch/arm64/include/uapi/asm/hwcap.h)
_AARCH64_HWCAPS = {
    "fp": (_AT_HWCAP, 0), "asimd": (_AT_HWCAP, 1), "aes": (_AT_HWCAP, 3), "pmull": (_AT_HWCAP, 4),
    "sha1": (_AT_HWCAP, 5), "sha2": (_AT_HWCAP, 6), "crc32": (_AT_HWCAP, 7), "atomics": (_AT_HWCAP, 8),
    "fphp": (_AT_HWCAP, 9), "asimdhp": (_AT_HWCAP, 10), "asimdrdm": (_AT_HWCAP, 12), "lrcpc": (_AT_HWCAP, 15),
    "asimddp": (_AT_HWCAP, 20), "sve": (_AT_HWCAP, 22),
    "sve2": (_AT_HWCAP2, 1), "i8mm": (_AT_HWCAP2, 13), "bf16": (_AT_HWCAP2, 14),
}


def missing_cpu_flags(flags: list[str]) -> list[str]:
    """The ``flags`` this machine lacks (none where they cannot be read, as on macOS)."""
    if not flags or platform.system() != "Linux":
        return []
    have = aarch64_hwcaps() | _cpuinfo_flags() if platform.machine().lower() in ("aarch64", "arm64") \
        else _cpuinfo_flags()
    return [flag for flag in flags if flag not in have]


@cache
def _cpuinfo_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


@cache
def aarch64_hwcaps() -> frozenset[str]:
    """The aarch64 features the kernel (or qemu-user, for the core it pretends to be) reports."""
    getauxval = ctypes.CDLL(None).getauxval
    getauxval.restype, getauxval.argtypes = ctypes.c_ulong, [ctypes.c_ulong]
    words = {entry: getauxval(entry) for entry in (_AT_HWCAP, _AT_HWCAP2)}
    return frozenset(name for name, (entry, bit) in _AARCH64_HWCAPS.items() if words[entry] >> bit & 1)
