"""Everything a request needs, built once per process: catalog, query engine, downloads, search.

No Flask here: the CLI, the benchmark and the tests build the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opendata.catalog.changes import modification_times
from opendata.catalog.loader import Catalog, load_catalog
from opendata.catalog.models import Package, Resource
from opendata.catalog.search import SearchIndex, TableTexts
from opendata.catalog.suggest import closest
from opendata.errors import DatasetNotFound, ResourceNotFound
from opendata.exports.files import Downloads
from opendata.query.engine import Engine
from opendata.query.params import RowQuery
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
    # When each package's current content was first served (or its descriptor's date, if later).
    content_modified: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> DataService:
        catalog = load_catalog(Path(settings["PACKAGES_DIR"]))
        store = Store(Path(settings["CACHE_DIR"]))
        for package in catalog:
            store.ensure(package)  # build before workers fork, so start-up cost is paid once
        engine = Engine(store, settings["COUNT_CACHE_SIZE"])
        return cls(
            catalog,
            store,
            engine,
            Downloads(Path(settings["CACHE_DIR"]), engine),
            SearchIndex(list(catalog), table_texts(engine, list(catalog), settings["SEARCH_TABLE_ROWS"])),
            settings,
            modification_times(list(catalog), Path(settings["CACHE_DIR"]) / "harvest" / "modified.json"),
        )

    def package(self, name: str) -> Package:
        package = self.catalog.get(name)
        if package is None:
            hint = closest(name, [p.name for p in self.catalog])
            raise DatasetNotFound(
                f"no dataset named {name!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                parameter="name",
                **({"suggestion": hint} if hint else {}),
            )
        return package

    def resource(self, name: str, resource_name: str) -> tuple[Package, Resource]:
        package = self.package(name)
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


def table_texts(engine: Engine, packages: list[Package], max_rows: int) -> TableTexts:
    """The text cells of every table of at most `max_rows` rows, for search (field, text)."""
    texts: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for package in packages:
        for resource in package.resources:
            names = tuple(f.name for f in resource.fields if f.type == "string")
            if not names or engine.store.info(package, resource).row_count > max_rows:
                continue
            cells = texts.setdefault((package.name, resource.name), [])
            for record in engine.iter_records(package, resource, RowQuery(fields=names)):
                cells += [(n, v) for n, v in zip(names, record, strict=True) if isinstance(v, str) and v]
    return texts
