"""`opendata publish`: a package folder in, a validated release made current, or nothing.

Every step works inside a staging folder the server never reads; the release appears by
one rename of that folder and becomes current by one rename of a symbolic link. A crash,
a kill -9 or a Ctrl-C at any step therefore leaves the previous release current and no
partial state visible, and the next publish starts clean (it holds the dataset's lock and
removes whatever an interrupted run left in staging). `hook(step)` runs before each step,
so tests can interrupt the pipeline at every one of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opendata.atomic import point_atomically, sync_directory, write_atomically
from opendata.catalog.build import built_descriptor, dumps
from opendata.catalog.loader import DESCRIPTOR, read_descriptor
from opendata.catalog.models import Package, Resource
from opendata.catalog.search import search_entry
from opendata.catalog.validate import Issue, PackageReport, validate_package
from opendata.config import defaults, from_environment
from opendata.errors import OlderRelease, PackageError
from opendata.exports.files import DOWNLOADS, csv_flavours, write_flavour
from opendata.formats import registry
from opendata.formats.files import write_prebuilt
from opendata.publish import artefacts, diff
from opendata.publish.releases import (
    ARTEFACTS_FORMAT,
    CURRENT,
    HISTORY,
    ID_LENGTH,
    MANIFEST,
    STAGING,
    current_id,
    dataset_dir,
    dataset_lock,
    history,
    open_release,
    read_manifest,
)
from opendata.query.engine import Engine
from opendata.query.params import RowQuery
from opendata.storage import columns, publishing_store
from opendata.storage.base import TableStore

STEPS = (
    "stage",
    "validate",
    "store",
    "columns",
    "downloads",
    "zip",
    "search",
    "changes",
    "manifest",
    "rename",
    "current",
)
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
Hook = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "published", "unchanged" (already the current release) or "invalid"
    release: str | None = None
    report: PackageReport | None = None
    seconds: float = 0.0
    changes: dict[str, Any] | None = None


def publish_package(
    source: Path,
    root: Path,
    schemas_dir: Path | None = None,
    *,
    base_url: str = "",
    hook: Hook | None = None,
    search_table_rows: int | None = None,
    store: TableStore | None = None,
) -> Outcome:
    """Publish the package in `source` under `root`; an invalid package changes nothing.

    Tables of at most `search_table_rows` rows (default: the SEARCH_TABLE_ROWS setting's
    default) have their text cells put into the release's search entry. The rows go into
    `store` (default: the one DATABASE_URL in the environment names).
    """
    if search_table_rows is None:
        search_table_rows = int(defaults()["SEARCH_TABLE_ROWS"])
    if store is None:
        store = publishing_store(from_environment())
    started = time.monotonic()
    hook = hook or (lambda step: None)
    name = _name(source)
    if isinstance(name, PackageReport):
        return Outcome(source.name, "invalid", report=name)
    folder = dataset_dir(root, name)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder) as staging:
        hook("stage")
        try:
            # Hashing the source in place answers "unchanged" without copying it; a release
            # is only ever named by the hash of its own copies, taken next.
            if current_id(root, name) == _stage(source, None, schemas_dir)[:ID_LENGTH]:
                return Outcome(name, "unchanged", current_id(root, name), seconds=time.monotonic() - started)
            digest = _stage(source, staging, schemas_dir)
        except PackageError as exc:
            return Outcome(name, "invalid", report=_failed(name, source, exc.detail))
        release = digest[:ID_LENGTH]
        if current_id(root, name) == release:
            return Outcome(name, "unchanged", release, seconds=time.monotonic() - started)
        if not (folder / release / MANIFEST).is_file():
            hook("validate")
            report = validate_package(staging, None)
            if not report.valid:
                return Outcome(name, "invalid", report=_relabel(report, source, staging))
            changes = _build(staging, root, name, digest, base_url, hook, search_table_rows, store)
            hook("rename")
            os.replace(staging, folder / release)
            sync_directory(folder)
        else:  # built before (a crash after the rename, or a return to an earlier state)
            changes = json.loads((folder / release / MANIFEST).read_text("utf-8")).get("changes")
        hook("current")
        make_current(root, name, release)
    return Outcome(name, "published", release, seconds=time.monotonic() - started, changes=changes)


def make_current(root: Path, name: str, release: str) -> None:
    """Switch the pointer (the one atomic step readers see), then record it in the history."""
    folder = dataset_dir(root, name)
    point_atomically(folder / CURRENT, release)
    ids = [i for i in history(root, name) if i != release] + [release]
    write_atomically(folder / HISTORY, json.dumps(ids, indent=1) + "\n")


def _name(source: Path) -> str | PackageReport:
    try:
        name = read_descriptor(source / DESCRIPTOR).get("name")
    except PackageError as exc:
        return _failed(source.name, source, exc.detail)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return _failed(source.name, source, f"{source / DESCRIPTOR}: invalid package name {name!r}")
    return name


def _failed(name: str, source: Path, detail: str) -> PackageReport:
    path = str(source / DESCRIPTOR)
    return PackageReport(name, path, issues=[Issue(name, path, "package-error", detail)])


def _relabel(report: PackageReport, source: Path, staging: Path) -> PackageReport:
    """Name the source files in the report, not their staged copies."""
    report.path = report.path.replace(str(staging), str(source))
    report.issues = [replace(i, file=i.file.replace(str(staging), str(source))) for i in report.issues]
    return report


@contextmanager
def _locked(folder: Path) -> Iterator[Path]:
    """Hold the dataset's publish lock; yield a fresh staging folder, removed afterwards.

    The lock dies with its process, so a killed publish never blocks the next one, and
    whatever it left in staging is removed here, by the only process allowed to.
    """
    with dataset_lock(folder):
        for leftover in [folder / STAGING, *folder.glob(".pruned-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
        staging = folder / STAGING / f"build-{os.getpid()}"
        staging.mkdir(parents=True)
        try:
            yield staging
        finally:
            shutil.rmtree(folder / STAGING, ignore_errors=True)


def _stage(source: Path, staging: Path | None, schemas_dir: Path | None) -> str:
    """Copy the package into staging with its schemas embedded; return the release digest.

    The digest covers the descriptor as published (schemas embedded) and every data byte,
    hashed from the copies, so editing the source afterwards changes nothing published.
    With no staging folder, the digest the source would have, copying nothing.
    """
    descriptor = read_descriptor(source / DESCRIPTOR)
    name = descriptor["name"]
    if schemas_dir is not None and (Path(schemas_dir) / name).is_dir():
        descriptor = built_descriptor(source, Path(schemas_dir))
    sha = hashlib.sha256(b"artefacts\0%d\0" % ARTEFACTS_FORMAT)
    for resource in descriptor.get("resources", []):
        relative = _relative_path(resource)
        target = source / relative if staging is None else staging / relative
        try:
            if staging is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / relative, target)
            data = _file_sha256(target)
        except OSError as exc:
            raise PackageError(f"{source / relative}: data file cannot be read ({exc.strerror})") from exc
        resource["bytes"], resource["hash"] = target.stat().st_size, f"sha256:{data}"
        sha.update(b"data\0" + relative.encode() + b"\0" + data.encode())
    if staging is not None:
        write_atomically(staging / DESCRIPTOR, dumps(descriptor))
    canonical = json.dumps(descriptor, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    sha.update(b"descriptor\0" + canonical.encode())
    return sha.hexdigest()


def _relative_path(resource: Any) -> str:
    path = resource.get("path") if isinstance(resource, dict) else None
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in Path(path).parts:
        raise PackageError(f"resource path {path!r} must be a relative path inside the package")
    return path


def _build(
    staging: Path,
    root: Path,
    name: str,
    digest: str,
    base_url: str,
    hook: Hook,
    search_table_rows: int,
    store: TableStore,
) -> dict[str, Any]:
    package = replace(
        Package.from_descriptor(read_descriptor(staging / DESCRIPTOR), staging, trusted=True),
        release=digest,
    )
    hook("store")
    store.build(package, staging)
    engine = Engine(store, count_cache_size=16)
    hook("columns")
    for resource in package.resources:
        write_table_columns(engine, package, resource)
    hook("downloads")
    (staging / DOWNLOADS).mkdir()
    for resource in package.resources:
        for fmt in csv_flavours():
            write_flavour(engine, package, resource, fmt, staging / DOWNLOADS)
        for other in registry.prebuilt():  # download.xlsx, download.parquet ...
            count = engine.count(package, resource, RowQuery())
            batches = engine.iter_columns(package, resource, RowQuery()) if other.columnar else None
            rows = () if batches is not None else engine.iter_records(package, resource, RowQuery())
            write_prebuilt(package, resource, other, rows, count, staging / DOWNLOADS, batches)
    hook("zip")
    artefacts.write_zip(package, staging / DOWNLOADS, base_url)
    hook("search")
    search = search_entry(package, artefacts.table_texts(engine, package, search_table_rows))
    hook("changes")
    previous = current_id(root, name)
    changes = _changes(store, root, name, previous, package)
    hook("manifest")
    manifest = {
        "name": name,
        "release": digest[:ID_LENGTH],
        "digest": digest,
        "artefactsFormat": ARTEFACTS_FORMAT,
        "version": package.version,
        "published": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "previous": previous,
        "changes": changes,
        "search": search,
        "files": _inventory(staging, dataset_dir(root, name) / previous if previous else None),
    }
    write_atomically(staging / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return changes


def write_table_columns(engine: Engine, package: Package, resource: Resource) -> bool:
    """Write the columns of `resource` (opendata.storage.columns) from the store just built,
    when its positions run 1, 2 … n without a gap (so position p is the p-th value)."""
    expected = 1
    for chunk in engine.store.positions(package, resource, RowQuery()):  # ascending, each once
        if len(chunk) and (
            chunk[0].as_py() != expected or chunk[len(chunk) - 1].as_py() != expected + len(chunk) - 1
        ):
            return False
        expected += len(chunk)
    if expected - 1 != engine.store.info(package, resource).row_count:
        return False
    return columns.write_columns(
        resource.field_names,
        lambda: engine.iter_batches(package, resource, RowQuery(), batch=columns.BUILD_BATCH),
        columns.columns_path(package, resource),
        f"{package.digest}/{resource.name}",
    )


def _changes(
    store: TableStore, root: Path, name: str, previous: str | None, package: Package
) -> dict[str, Any]:
    """The change summary against the previous release, when this code can read that release.

    A release built by an older layout (see ARTEFACTS_FORMAT) has tables this code cannot
    query: the new release then records no change summary rather than failing to publish.
    """
    if not previous:
        return {}
    try:
        before = open_release(root, name, previous)[1]
    except OlderRelease:
        return {}
    return diff.summary(store, before, package)


def _inventory(staging: Path, previous: Path | None) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file of the release (each also flushed to disk).

    A file with the same bytes in the previous release becomes a hard link to it: releases
    are never changed in place, so sharing is safe, and a release that changes a title or
    a few rows does not cost another copy of every unchanged download.
    """
    before = read_manifest(previous).get("files", {}) if previous is not None else {}
    files = {}
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = path.relative_to(staging).as_posix()
        entry = {"bytes": path.stat().st_size, "sha256": _file_sha256(path, sync=True)}
        if previous is not None and before.get(relative) == entry:
            _link(previous / relative, path)
        files[relative] = entry
    return files


def _link(existing: Path, path: Path) -> None:
    temp = path.with_name(f".{path.name}.link")
    try:
        os.link(existing, temp)
        os.replace(temp, path)
    except OSError:  # another file system, or the old release just pruned: keep the copy
        temp.unlink(missing_ok=True)


def _file_sha256(path: Path, sync: bool = False) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
        if sync:
            os.fsync(handle.fileno())
    return sha.hexdigest()
