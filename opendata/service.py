"""Everything a request needs: the published catalog, query engine, downloads, search.

No Flask here: the CLI, the benchmark and the tests build the same object. It opens only
published releases (opendata.publish), read-only, and never builds or validates anything.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from opendata.catalog.loader import Catalog
from opendata.catalog.models import Package, Publisher, Resource
from opendata.catalog.search import SearchIndex
from opendata.catalog.suggest import closest
from opendata.errors import (
    DatasetNotFound,
    PackageError,
    PublisherNotFound,
    ReleaseNotFound,
    ResourceNotFound,
)
from opendata.exports.files import Downloads
from opendata.periods import fiscal_year_bounds
from opendata.publish.registry import Registry
from opendata.publish.releases import Release
from opendata.query.caches import ExportCache
from opendata.query.cursors import cursor_secret
from opendata.query.engine import Engine
from opendata.query.summary import Summaries
from opendata.storage import open_store


class DataService:
    def __init__(self, registry: Registry, settings: dict[str, Any]) -> None:
        self.registry = registry
        self.store = open_store(settings)
        secret = cursor_secret(settings["CURSOR_SECRET"], Path(settings["CACHE_DIR"]))
        self.engine = Engine(self.store, settings["COUNT_CACHE_SIZE"], secret, settings["PAGE_CACHE_BYTES"])
        self.downloads = Downloads()
        self.exports = ExportCache(settings["EXPORT_CACHE_BYTES"])
        self.summaries = Summaries(
            self.store,
            settings["SUMMARY_CACHE_SIZE"],
            settings["SUMMARY_CACHE_ROWS"],
            settings["SUMMARY_MAX_GROUPS"],
            settings["FACET_LIMIT"],
        )
        self.settings = settings
        self._search: tuple[int, SearchIndex] | None = None
        self._coverage: dict[str, dict[str, str | None]] = {}
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> DataService:
        return cls(Registry(Path(settings["RELEASES_DIR"]), settings["RELEASE_CHECK_INTERVAL"]), settings)

    @property
    def catalog(self) -> Catalog:
        catalog = self.registry.catalog
        if getattr(self._local, "generation", None) != self.registry.generation:
            # Called between requests' uses of the store (sync workers serve one at a time).
            self._local.generation = self.registry.generation
            self.store.retain(catalog)
        return catalog

    @property
    def generation(self) -> int:
        """Changes whenever a new release becomes current: caches built from the catalog key on it."""
        self.registry.refresh()
        return self.registry.generation

    @property
    def search(self) -> SearchIndex:
        generation = self.generation
        if self._search is None or self._search[0] != generation:
            self._search = (generation, SearchIndex(list(self.catalog)))
        return self._search[1]

    def package(self, name: str, release: str | None = None) -> Package:
        package = self.catalog.get(name)
        if package is None:
            hint = closest(name, [p.name for p in self.catalog])
            raise DatasetNotFound(
                f"no dataset named {name!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                parameter="name",
                **({"suggestion": hint} if hint else {}),
            )
        if release is None:
            return package
        try:
            return self.registry.pinned(name, release)
        except PackageError:
            raise ReleaseNotFound(
                f"dataset {name!r} has no release {release!r}", parameter="release"
            ) from None

    def resource(self, name: str, resource_name: str, release: str | None = None) -> tuple[Package, Resource]:
        package = self.package(name, release)
        resource = package.resource(resource_name)
        if resource is None:
            hint = closest(resource_name, [r.name for r in package.resources])
            raise ResourceNotFound(
                f"dataset {name!r} has no resource {resource_name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; it has {', '.join(r.name for r in package.resources)}",
                parameter="resource",
                **({"suggestion": hint} if hint else {}),
            )
        return package, resource

    def publishers(self) -> list[tuple[Publisher, list[Package]]]:
        """Every publisher with its datasets, in catalog order."""
        found: dict[str, tuple[Publisher, list[Package]]] = {}
        for package in self.catalog:
            publisher = package.publisher
            if publisher is not None:
                found.setdefault(publisher.slug, (publisher, []))[1].append(package)
        return list(found.values())

    def publisher(self, key: str) -> tuple[Publisher, list[Package]]:
        for publisher, packages in self.publishers():
            if publisher.matches(key):
                return publisher, packages
        raise PublisherNotFound(f"no publisher named {key!r}", parameter="publisher")

    def releases(self, name: str) -> list[Release]:
        self.package(name)
        return self.registry.releases(name)

    def release_pair(self, name: str, older: str | None, newer: str | None) -> tuple[Package, Package]:
        """Two releases of `name` to compare: `newer` defaults to the current one, `older` to
        the release that was current before `newer` was published."""
        known = {r.id: r for r in self.releases(name)}
        newer = newer or self.package(name).release_id
        if newer not in known:
            raise ReleaseNotFound(f"dataset {name!r} has no release {newer!r}", parameter="to")
        older = older or known[newer].previous
        if older is None:
            raise ReleaseNotFound(
                f"release {newer} is the first of {name!r}; name one in `from`", parameter="from"
            )
        if older not in known:
            raise ReleaseNotFound(f"dataset {name!r} has no release {older!r}", parameter="from")
        return self.package(name, older), self.package(name, newer)

    def row_count(self, package: Package, resource: Resource) -> int:
        return self.store.info(package, resource).row_count

    def coverage(self, package: Package) -> dict[str, str | None]:
        """The earliest and latest days the package's rows cover, from every period field.

        Period fields are the date fields and the fiscal years (`fiscal_year`, `*_fiscal_year`:
        FY N runs from N-04-01 to N+1-03-31). A row's dates win over its fiscal year (FY2021 up to
        December ends on 12-31), so a fiscal year counts only in rows without a date. A package
        without any period field (a list of services) covers the day of its source report.
        """
        known = self._coverage.get(package.digest)
        if known is not None:
            return known
        days: list[str] = []
        for resource in package.resources:
            dated = [f.name for f in resource.fields if f.type in ("date", "datetime")]
            fiscal = [
                f.name
                for f in resource.fields
                if f.type == "integer" and (f.name == "fiscal_year" or f.name.endswith("_fiscal_year"))
            ]
            for name in dated + fiscal:
                low, high = self.store.bounds(package, resource, name, dated if name in fiscal else ())
                if name in fiscal and low is not None:
                    low = fiscal_year_bounds(int(low))[0].isoformat()
                    high = fiscal_year_bounds(int(high))[1].isoformat()
                days += [str(value)[:10] for value in (low, high) if value not in (None, "")]
        if not days and package.source.get("date"):
            days = [str(package.source["date"])]
        found = {"start": min(days, default=None), "end": max(days, default=None)}
        self._coverage[package.digest] = found  # a release's rows never change
        return found
