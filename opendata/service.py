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
from opendata.periods import fiscal_year_bounds
from opendata.query.engine import Engine
from opendata.query.params import RowQuery
from opendata.query.store import Store, quote


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
        """The earliest and latest days the package's rows cover, from every period field.

        Period fields are the date fields and the fiscal years (`fiscal_year`, `*_fiscal_year`:
        FY N runs from N-04-01 to N+1-03-31). A row's dates win over its fiscal year (FY2021 up to
        December ends on 12-31), so a fiscal year counts only in rows without a date. A package
        without any period field (a list of services) covers the day of its source report.
        """
        days: list[str] = []
        connection = self.store.connection(package)
        for resource in package.resources:
            dated = [f.name for f in resource.fields if f.type in ("date", "datetime")]
            fiscal = [
                f.name
                for f in resource.fields
                if f.type == "integer" and (f.name == "fiscal_year" or f.name.endswith("_fiscal_year"))
            ]
            undated = " AND ".join(f"{quote(name)} IS NULL" for name in dated) or "1"
            for name in dated + fiscal:
                low, high = connection.execute(
                    f"SELECT min({quote(name)}), max({quote(name)}) FROM {quote(resource.name)}"
                    + (f" WHERE {undated}" if name in fiscal else "")
                ).fetchone()
                if name in fiscal and low is not None:
                    low = fiscal_year_bounds(int(low))[0].isoformat()
                    high = fiscal_year_bounds(int(high))[1].isoformat()
                days += [str(value)[:10] for value in (low, high) if value not in (None, "")]
        if not days and package.source.get("date"):
            days = [str(package.source["date"])]
        return {"start": min(days, default=None), "end": max(days, default=None)}


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
