"""The published catalog as one server process sees it, picked up without a restart.

Each process reads the `current` pointers at most once per `interval` (a readlink per
dataset, no file is parsed unless a pointer moved), so a release published while the
server runs is served by every worker within about a second, and a request never waits
for more than the opening of the manifests that changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

from opendata.catalog.loader import Catalog
from opendata.catalog.models import Package
from opendata.errors import PackageError
from opendata.publish.releases import Release, current_id, dataset_names, list_releases, open_release

log = logging.getLogger("opendata.publish")
PINNED_KEPT = 64  # past releases kept open per process


class Registry:
    def __init__(self, root: Path, interval: float = 1.0) -> None:
        self.root = Path(root)
        self.interval = interval
        self.generation = 0  # bumped whenever the set of current releases changes
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._pointers: dict[str, str | None] = {}
        self._catalog = Catalog({})
        self._pinned: OrderedDict[tuple[str, str], Package] = OrderedDict()
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.interval:
            return
        with self._lock:
            self._checked = now
            pointers = {name: current_id(self.root, name) for name in dataset_names(self.root)}
            if pointers == self._pointers:
                return
            packages = {}
            for name, release in pointers.items():
                known = self._catalog.get(name)
                if known is not None and self._pointers.get(name) == release:
                    packages[name] = known
                    continue
                try:
                    packages[name] = open_release(self.root, name, release or "")[1]
                except PackageError as exc:  # keep serving what was open, if anything
                    log.error("cannot open the current release of %s: %s", name, exc.detail)
                    if known is not None:
                        packages[name] = known
            self._pointers, self._catalog = pointers, Catalog(packages)
            self.generation += 1

    @property
    def catalog(self) -> Catalog:
        self.refresh()
        return self._catalog

    def pinned(self, name: str, release: str) -> Package:
        """Release `release` of `name` with links naming it; raises PackageError if there is none."""
        key = (name, release)
        package = self._pinned.get(key)
        if package is None:
            from dataclasses import replace

            package = replace(open_release(self.root, name, release)[1], pinned=True)
            with self._lock:
                self._pinned[key] = package
                while len(self._pinned) > PINNED_KEPT:
                    self._pinned.popitem(last=False)
        return package

    def releases(self, name: str) -> list[Release]:
        return list_releases(self.root, name)
