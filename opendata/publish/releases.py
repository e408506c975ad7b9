"""Releases on disk, read-only: where they live, their manifests, and opening one as a Package.

<RELEASES_DIR>/<name>/<release>/   one folder per release, never changed once renamed in:
    manifest.json                  what the release is: id, digest, version, time, files
    datapackage.json, data/...     the package as published (copies, not the source files)
    store.sqlite, downloads/...    the query store and every prebuilt download
<RELEASES_DIR>/<name>/current      a symbolic link to the current release's folder
<RELEASES_DIR>/<name>/history.json the releases in the order they were made current
<RELEASES_DIR>/<name>/.staging/    releases being built; never read by the server
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from opendata.catalog.loader import DESCRIPTOR, read_descriptor
from opendata.catalog.models import Package
from opendata.errors import OlderRelease, PackageError

MANIFEST = "manifest.json"
CURRENT = "current"
HISTORY = "history.json"
STAGING = ".staging"
LOCK = ".lock"
ID_LENGTH = 16  # hex digits of the digest that name a release

# Bumped whenever the derived files of a release (store, downloads, zip) are written
# differently, so a new build of the code never reuses a release folder built the old way.
# 2: the zip holds the Excel flavour; search entries hold table text. 3: XLSX, Parquet.
# 4: the store keeps no CSV lines (opendata.storage.sqlite). 5: nor JSON objects; constant
# fields are generated columns, nullable fields have partial indexes; reals SQLite writes with
# an exponent are marked inexact (their JSON is orjson's). 6: the manifest records the layout,
# and open_release refuses a release of another one. 7: the store holds the row counts of its
# categorical fields and their pairs (opendata.storage.counts).
ARTEFACTS_FORMAT = 7


@dataclass(frozen=True)
class Release:
    name: str
    id: str
    digest: str
    version: str
    published: str  # ISO 8601 UTC, when it was first built
    previous: str | None  # the release that was current when this one was published
    changes: dict[str, Any]  # the change summary against `previous`
    files: dict[str, dict[str, Any]]  # relative path -> {"bytes", "sha256"}
    directory: Path

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], directory: Path) -> Release:
        return cls(
            name=manifest["name"],
            id=manifest["release"],
            digest=manifest["digest"],
            version=manifest.get("version", ""),
            published=manifest["published"],
            previous=manifest.get("previous"),
            changes=manifest.get("changes") or {},
            files=manifest.get("files") or {},
            directory=directory,
        )

    @property
    def bytes(self) -> int:
        """Disk the release uses (its files; the manifest itself is small)."""
        return sum(int(f["bytes"]) for f in self.files.values())

    def unshared_bytes(self) -> int:
        """Disk that removing the release would free: its files no other release links to.

        Counted over the same files as `bytes` (the manifest aside), so it is never more."""
        total = 0
        for relative in self.files:
            path = self.directory / relative
            with contextlib.suppress(FileNotFoundError):
                info = path.lstat()
                if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
                    total += info.st_size
        return total

    def file_digest(self, relative: str) -> str:
        entry = self.files.get(relative)
        return str(entry["sha256"]) if entry else ""


def dataset_dir(root: Path, name: str) -> Path:
    return Path(root) / name


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PackageError(f"{directory}: not a published release ({exc})") from exc
    if not isinstance(manifest, dict):
        raise PackageError(f"{directory}: not a published release")
    return manifest


def current_id(root: Path, name: str) -> str | None:
    """The id of the current release of `name`, or None when it has none."""
    try:
        return os.readlink(dataset_dir(root, name) / CURRENT)
    except OSError:
        return None


def dataset_names(root: Path) -> list[str]:
    """Every dataset with a current release."""
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return []
    return [n for n in entries if not n.startswith(".") and os.path.islink(Path(root) / n / CURRENT)]


def open_release(root: Path, name: str, release: str, *, any_layout: bool = False) -> tuple[Release, Package]:
    """The release `release` of `name` and its package, loaded from the release folder alone.

    A release whose derived files (its store above all) were written by another layout than
    this code's ARTEFACTS_FORMAT raises OlderRelease, unless `any_layout` (for what reads only
    its descriptor and manifest, such as prune): querying it would fail on every request.
    """
    if not release or "/" in release or release.startswith("."):
        raise PackageError(f"{name}: no release {release!r}")
    directory = dataset_dir(root, name) / release
    manifest = read_manifest(directory)
    layout = manifest.get("artefactsFormat")
    if not any_layout and layout != ARTEFACTS_FORMAT:
        raise OlderRelease(
            f"{name}: release {release} was built by another version of the service (layout "
            f"{layout or 'before 6'}, this version reads {ARTEFACTS_FORMAT}); "
            "run `opendata publish` to rebuild it"
        )
    descriptor = read_descriptor(directory / DESCRIPTOR)
    package = Package.from_descriptor(descriptor, directory, trusted=True)
    info = Release.from_manifest(manifest, directory)
    return info, replace(package, release=info.digest, manifest=manifest)


def history(root: Path, name: str) -> list[str]:
    """Release ids in the order they were made current (oldest first), the current one last."""
    path = dataset_dir(root, name) / HISTORY
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        ids = []
    ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    current = current_id(root, name)
    # The pointer is switched before the history is written: a crash in between must
    # still list the current release.
    if current and (not ids or ids[-1] != current):
        ids = [i for i in ids if i != current] + [current]
    return ids


def list_releases(root: Path, name: str) -> list[Release]:
    """Every release of `name` still on disk, newest first."""
    found = []
    for release in reversed(history(root, name)):
        directory = dataset_dir(root, name) / release
        try:
            found.append(Release.from_manifest(read_manifest(directory), directory))
        except PackageError:
            continue  # pruned
    return found


@contextmanager
def dataset_lock(folder: Path) -> Iterator[None]:
    """The dataset's lock: one publish or prune at a time. It dies with its process, so a
    killed publish never blocks the next one."""
    with (folder / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def remove_release(root: Path, name: str, release: str) -> None:
    """Delete a release folder: renamed aside first, so no reader sees it half-deleted."""
    folder = dataset_dir(root, name)
    with dataset_lock(folder):
        if current_id(root, name) == release:
            raise PackageError(f"{name}: release {release} is current and is not removed")
        aside = folder / f".pruned-{release}-{os.getpid()}"
        os.replace(folder / release, aside)
        shutil.rmtree(aside, ignore_errors=True)
