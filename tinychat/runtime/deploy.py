"""Installing bundles on a device with two slots, so an update is all-or-nothing and can be undone.

Layout under a root (``/`` on a board, any directory in tests)::

    opt/tinychat/slots/a/      a verified bundle
    opt/tinychat/slots/b/      the other one (the previous bundle, after an update)
    opt/tinychat/active        relative symlink to slots/a or slots/b: what the service runs
    etc/tinychat/target        optional: the device's target name; bundles for any other target are refused

A new bundle is checked, copied into a hidden staging directory beside the slots, fsynced, checked again,
renamed into the inactive slot, and only then does ``active`` switch (a new link renamed over the old one).
A crash at any step leaves ``active`` on a complete, verified slot; whatever was half written is either a
staging directory the next deploy deletes or a slot whose hashes fail, which rollback refuses.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tinychat.runtime.bundle import MANIFEST, BundleError, BundleManifest, check_files, read_manifest, verify_bundle

SLOTS = ("a", "b")
INSTALL_DIR = Path("opt/tinychat")
TARGET_FILE = Path("etc/tinychat/target")
STAGING_PREFIX = ".incoming-"
RETIRED_PREFIX = ".retired-"
LINK_PREFIX = ".active-"

Progress = Callable[[str], None]


class DeployError(ValueError):
    """The slot layout cannot do what was asked (nothing to roll back to, a foreign ``active``, ...)."""


@dataclass(frozen=True)
class SlotLayout:
    """Where the slots, the active link and the device's target file are under one root."""

    root: Path

    @property
    def base(self) -> Path:
        return self.root / INSTALL_DIR

    @property
    def slots(self) -> Path:
        return self.base / "slots"

    @property
    def active_link(self) -> Path:
        return self.base / "active"

    @property
    def target_file(self) -> Path:
        return self.root / TARGET_FILE

    def slot(self, name: str) -> Path:
        return self.slots / name


@dataclass(frozen=True)
class SlotStatus:
    """What one slot holds, for ``tinychat deploy --status``."""

    name: str
    active: bool
    #: "empty", "valid" or "invalid"
    state: str
    problem: str | None = None
    manifest: BundleManifest | None = None

    def as_dict(self) -> dict[str, object]:
        held = self.manifest
        return {"slot": self.name, "active": self.active, "state": self.state, "problem": self.problem,
                "domain": held and held.domain, "target": held and held.target_name, "quant": held and held.quant,
                "model_hash": held and held.model_hash}


def active_bundle(root: Path) -> Path:
    """The slot the device runs, resolved (so a switch during loading cannot mix two bundles)."""
    layout = SlotLayout(root)
    name = active_slot(layout)
    if name is None:
        raise DeployError(f"{layout.active_link}: nothing deployed under {root} (run `tinychat deploy BUNDLE`)")
    return layout.slot(name)


def active_slot(layout: SlotLayout) -> str | None:
    link = layout.active_link
    if not link.is_symlink():
        if link.exists():
            raise DeployError(f"{link}: expected a symlink to slots/a or slots/b, found a real file or directory")
        return None
    pointed = Path(os.readlink(link))
    if pointed.parent != Path("slots") or pointed.name not in SLOTS:
        raise DeployError(f"{link}: points to {pointed}, not to slots/a or slots/b")
    return pointed.name


def device_target(layout: SlotLayout, override: str | None = None) -> tuple[str | None, str]:
    """The target this device accepts bundles for, and where that came from.

    ``--target`` and ``etc/tinychat/target`` must agree when both are given: a device has one target.
    """
    recorded = layout.target_file.read_text(encoding="utf-8").strip() if layout.target_file.is_file() else None
    if override and recorded and override != recorded:
        raise DeployError(f"--target {override!r} disagrees with {layout.target_file}, which says {recorded!r}")
    if override:
        return override, "--target"
    if recorded:
        return recorded, str(layout.target_file)
    return None, "no target declared"


def check_target(bundle: Path, manifest: BundleManifest, wanted: str | None, source: str) -> None:
    if wanted is not None and manifest.target_name != wanted:
        raise BundleError(f"{bundle / MANIFEST}: bundle is for target {manifest.target_name!r}, "
                          f"this device is {wanted!r} ({source})")


def check_slot(layout: SlotLayout, name: str, target_override: str | None = None) -> BundleManifest:
    """A slot is usable only when its manifest, every file's size and hash, and its target check out."""
    path = layout.slot(name)
    if not path.is_dir():
        raise DeployError(f"{path}: slot {name} is empty")
    manifest = read_manifest(path)
    check_files(path, manifest)
    check_target(path, manifest, *device_target(layout, target_override))
    return manifest


def deploy(bundle: Path, root: Path, target: str | None = None, progress: Progress = print) -> str:
    """Install ``bundle`` into the inactive slot and make it active; returns the slot's name."""
    layout = SlotLayout(root)
    wanted, source = device_target(layout, target)
    manifest = read_manifest(bundle)
    check_target(bundle, manifest, wanted, source)
    for line in verify_bundle(bundle):
        progress(f"source ok: {line}")
    with _locked(layout):
        _remove_leftovers(layout)
        current = active_slot(layout)
        slot = next(name for name in SLOTS if name != current)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=layout.slots))
        try:
            staging.chmod(0o755)
            _copy_bundle(bundle, manifest, staging)
            check_files(staging, read_manifest(staging))
            progress(f"copy ok: {len(manifest.files)} files re-read from disk, sizes and sha256 match")
            _replace_slot(layout, slot, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if wanted is not None and not layout.target_file.exists():
            _write_target_file(layout, wanted)
        _switch(layout, slot)
    progress(f"active: slot {slot} ({manifest.domain}, {manifest.target_name}, {manifest.quant})"
             + (f"; slot {current} kept for --rollback" if current else ""))
    return slot


def rollback(root: Path, target: str | None = None, progress: Progress = print) -> str:
    """Make the other slot active again, after checking it completely; returns its name."""
    layout = SlotLayout(root)
    with _locked(layout):
        current = active_slot(layout)
        if current is None:
            raise DeployError(f"{layout.active_link}: nothing deployed under {root}, nothing to roll back")
        previous = next(name for name in SLOTS if name != current)
        if not layout.slot(previous).is_dir():
            raise DeployError(f"{layout.slot(previous)}: no previous slot to roll back to (only one deploy so far)")
        try:
            manifest = check_slot(layout, previous, target)
        except BundleError as err:
            raise BundleError(f"cannot roll back to slot {previous}: {err}") from None
        _switch(layout, previous)
    progress(f"active: slot {previous} ({manifest.domain}, {manifest.target_name}, {manifest.quant}); "
             f"slot {current} kept")
    return previous


def slot_status(root: Path) -> list[SlotStatus]:
    """Each slot's contents and whether it would pass the checks a rollback makes."""
    layout = SlotLayout(root)
    current = active_slot(layout)
    statuses = []
    for name in SLOTS:
        if not layout.slot(name).is_dir():
            statuses.append(SlotStatus(name, name == current, "empty"))
            continue
        try:
            statuses.append(SlotStatus(name, name == current, "valid", manifest=check_slot(layout, name)))
        except (BundleError, DeployError) as err:
            held = _readable_manifest(layout.slot(name))
            statuses.append(SlotStatus(name, name == current, "invalid", problem=str(err), manifest=held))
    return statuses


def _readable_manifest(path: Path) -> BundleManifest | None:
    try:
        return read_manifest(path)
    except BundleError:
        return None


@contextmanager
def _locked(layout: SlotLayout) -> Iterator[None]:
    """One deploy or rollback at a time per root."""
    layout.slots.mkdir(parents=True, exist_ok=True)
    with (layout.base / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(layout: SlotLayout) -> None:
    """Staging and retired directories, and temporary links, left by a deploy that crashed."""
    for path in layout.slots.iterdir():
        if path.name.startswith((STAGING_PREFIX, RETIRED_PREFIX)):
            shutil.rmtree(path)
    for path in layout.base.iterdir():
        if path.name.startswith(LINK_PREFIX):
            path.unlink()


def _copy_bundle(bundle: Path, manifest: BundleManifest, staging: Path) -> None:
    """The files the manifest lists, then the manifest itself: a copy cut short has no manifest."""
    for name in [*manifest.files, MANIFEST]:
        if Path(name).name != name or name in ("", ".", ".."):
            raise BundleError(f"{bundle / MANIFEST}: lists {name!r}, which is not a plain file name")
        _copy_file(bundle / name, staging / name)
    _fsync_dir(staging)


def _copy_file(source: Path, destination: Path) -> None:
    with source.open("rb") as reader, destination.open("xb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
        writer.flush()
        os.fsync(writer.fileno())
    # world-readable: the service runs as an unprivileged (dynamic) user; safetensors writes 0600
    destination.chmod(0o755 if source.stat().st_mode & 0o111 else 0o644)


def _replace_slot(layout: SlotLayout, slot: str, staging: Path) -> None:
    """Two renames: the old slot out of the way, the staged copy in; a crash between leaves no half slot."""
    target = layout.slot(slot)
    retired = None
    if target.exists():
        retired = layout.slots / f"{RETIRED_PREFIX}{slot}-{os.getpid()}"
        target.rename(retired)
    staging.rename(target)
    _fsync_dir(layout.slots)
    if retired is not None:
        shutil.rmtree(retired)


def _switch(layout: SlotLayout, slot: str) -> None:
    """Point ``active`` at the slot atomically: a new link under a temporary name renamed over the old one."""
    temporary = layout.base / f"{LINK_PREFIX}{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("slots") / slot)
    os.replace(temporary, layout.active_link)
    _fsync_dir(layout.base)


def _write_target_file(layout: SlotLayout, target: str) -> None:
    """Remember the device's target, so later deploys are checked without ``--target``."""
    layout.target_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = layout.target_file.with_name(layout.target_file.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(target + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, layout.target_file)
    _fsync_dir(layout.target_file.parent)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
