"""When each dataset last changed, for `metadata_modified` and DCAT's `dct:modified`.

Harvesters ask for "modified since my last run" and skip datasets whose date has not moved,
so a changed table must get a new date even when nobody edits the descriptor. The date of
a package is the later of:

- the descriptor's `modified` (or `created`), which its author or the build sets, and
- the moment this service first served the package's current content (its digest covers
  the version and every data file), recorded in a small ledger in the cache folder.

A package the ledger has never seen is trusted to be as old as its descriptor says, so a
fresh deployment does not claim that everything just changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from opendata.catalog.models import Package

log = logging.getLogger("opendata.catalog")
EPOCH = datetime(1970, 1, 1)


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as naive UTC (CKAN's convention), or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+09:00 is before year 1 in UTC
        return None
    return value


def ckan_time(value: datetime) -> str:
    """CKAN's timestamp format, datetime.isoformat() of naive UTC: microseconds only when not zero.

    Exactly CKAN's: the CKAN harvester compares these strings, and "…T00:00:00.000000" sorts
    after the "…T00:00:00" CKAN stored, which would re-import an unchanged dataset every run.
    """
    return value.isoformat()


def stated_time(package: Package) -> datetime:
    return parse_time(package.modified) or parse_time(package.created) or EPOCH


def release_time(package: Package) -> datetime:
    """When the package's current release was published; the first release of a dataset is
    trusted to be as old as its descriptor says (a fresh deployment changed nothing)."""
    manifest = package.manifest
    return publication_time(stated_time(package), manifest.get("published"), manifest.get("previous"))


def publication_time(stated: datetime, published: str | None, previous: str | None) -> datetime:
    """When a release's content became what it is: its publication time, or the descriptor's
    date `stated` for the first release (`previous` None) and when that is later."""
    if not previous:
        return stated
    return max(stated, parse_time(published) or stated)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # workers starting together agree on one first-seen time
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, dict[str, str]]) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(temp, path)


def modification_times(
    packages: Iterable[Package], ledger: Path, now: datetime | None = None
) -> dict[str, datetime]:
    """metadata_modified per package name; records newly seen content in the ledger."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    packages = list(packages)
    try:
        with _locked(ledger):
            seen = _read(ledger)
            times = _update(seen, packages, now)
            _write(ledger, seen)
            return times
    except OSError as exc:  # a read-only cache still serves, with the descriptors' dates only
        log.warning("cannot keep the modification ledger %s (%s); using the descriptors' dates", ledger, exc)
        return {p.name: stated_time(p) for p in packages}


def _update(seen: dict[str, dict[str, str]], packages: list[Package], now: datetime) -> dict[str, datetime]:
    times = {}
    for package in packages:
        stated = stated_time(package)
        record = seen.get(package.name)
        if record is None:
            record = {"digest": package.digest, "seen": ckan_time(stated)}
        elif record.get("digest") != package.digest:
            record = {"digest": package.digest, "seen": ckan_time(now)}
        seen[package.name] = record
        times[package.name] = max(stated, parse_time(record.get("seen")) or stated)
    return times
