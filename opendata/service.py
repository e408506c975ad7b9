"""Everything a request needs, built once per process: catalog, query engine, downloads, search.

No Flask here: the CLI, the benchmark and the tests build the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opendata.catalog.loader import Catalog, load_catalog
from opendata.catalog.models import Package, Resource
from opendata.catalog.search import SearchIndex
from opendata.errors import DatasetNotFound, ResourceNotFound
from opendata.exports.files import Downloads
from opendata.query.cursors import cursor_secret
from opendata.query.engine import Engine
from opendata.query.store import Store, quote

PERIOD_COLUMNS = ("period_start", "period_end", "as_of_date", "event_date", "start_date", "end_date")


@dataclass
class DataService:
    catalog: Catalog
    store: Store
    engine: Engine
    downloads: Downloads
    search: SearchIndex
    settings: dict[str, Any]

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> DataService:
        catalog = load_catalog(Path(settings["PACKAGES_DIR"]))
        store = Store(
            Path(settings["CACHE_DIR"]), settings["QUERY_TIME_LIMIT"], settings["QUERY_RETRY_AFTER"]
        )
        for package in catalog:
            store.ensure(package)  # build before workers fork, so start-up cost is paid once
        secret = cursor_secret(settings["CURSOR_SECRET"], Path(settings["CACHE_DIR"]))
        engine = Engine(store, settings["COUNT_CACHE_SIZE"], secret)
        return cls(
            catalog,
            store,
            engine,
            Downloads(Path(settings["CACHE_DIR"]), engine),
            SearchIndex(list(catalog)),
            settings,
        )

    def package(self, name: str) -> Package:
        package = self.catalog.get(name)
        if package is None:
            raise DatasetNotFound(f"no dataset named {name!r}", parameter="name")
        return package

    def resource(self, name: str, resource_name: str) -> tuple[Package, Resource]:
        package = self.package(name)
        resource = package.resource(resource_name)
        if resource is None:
            raise ResourceNotFound(
                f"dataset {name!r} has no resource {resource_name!r}; it has "
                f"{', '.join(r.name for r in package.resources)}",
                parameter="resource",
            )
        return package, resource

    def row_count(self, package: Package, resource: Resource) -> int:
        return self.store.info(package, resource).row_count

    def coverage(self, package: Package) -> dict[str, str | None]:
        """The earliest and latest dates the package's rows cover, from its period columns."""
        first, last = None, None
        connection = self.store.connection(package)
        for resource in package.resources:
            for column in (c for c in PERIOD_COLUMNS if resource.field(c)):
                low, high = connection.execute(
                    f"SELECT min({quote(column)}), max({quote(column)}) FROM {quote(resource.name)}"
                ).fetchone()
                first = min(filter(None, [first, low]), default=None)
                last = max(filter(None, [last, high]), default=None)
        return {"start": first, "end": last}
