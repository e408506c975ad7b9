"""The storage seam: what the API, the exports and publishing need from a table store.

A backend (SQLite embedded, the default; PostgreSQL) holds every published release's rows and
answers the queries below with its own SQL; no SQL lives outside opendata.storage. What does
not depend on the backend stays above it, so every backend shares it: the count and summary
caches (opendata.query.engine, opendata.query.summary), cursor signing (opendata.query.cursors)
and the keyset order itself (`keyset` here), so a cursor means the same row on every backend.

Values cross the seam as Python values of their Table Schema type, as the CSV holds them:
integers and years as int, numbers as int or float (7 stays 7, 85.0 stays 85.0), strings,
dates and datetimes as ISO text, booleans as bool or 0/1 (readers apply bool()), missing as
None. Every table also keeps each row's 1-based position in its CSV (ROW_POSITION): it is the
file order and breaks ties in every sort.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from opendata.catalog.models import Package, Resource
from opendata.query.params import RowQuery
from opendata.query.summary_params import SummaryQuery
from opendata.storage.counts import Counted

ROW_POSITION = "_rowid"  # the row's position in its CSV, from 1; not a field, never served
CHANGE_KINDS = ("added", "removed", "changed")


@dataclass(frozen=True)
class TableInfo:
    row_count: int
    nullable: frozenset[str]  # fields that hold at least one null
    # Number fields whose values the backend's own JSON writer would not give back exactly
    # (or infinities): their JSON is written in Python. A backend without such a writer may
    # name none and write JSON its own way, as long as the bytes are the same.
    inexact: frozenset[str] = frozenset()
    # The fields and pairs whose row counts were taken at publish time (opendata.storage.counts):
    # whether `count` can answer from them is known without a query.
    counted: Counted = field(default_factory=Counted)


@dataclass(frozen=True)
class KeyPart:
    """One component of a keyset order; a cursor holds one value per component.

    A nullable sort field sorts as two parts: first whether it is set (`flag`: false for
    null, true otherwise), then the value itself, so nulls come first ascending and last
    descending on every backend, and comparisons never meet a null in the value part
    except among the null rows. The last part is always ROW_POSITION (`field` None).
    """

    field: str | None  # None: ROW_POSITION
    descending: bool
    kind: str = "integer"  # the Table Schema type of the values, to check cursors against
    nullable: bool = False  # the value may be None (the field part of a nullable field)
    flag: bool = False  # this part is "field IS NOT NULL", an integer 0 or 1


def keyset(resource: Resource, query: RowQuery, nullable: frozenset[str]) -> list[KeyPart]:
    """The total order of `query`'s rows: its sort fields, then the row position."""
    parts = []
    for s in query.sort:
        if s.field in nullable:
            parts.append(KeyPart(s.field, s.descending, flag=True))
        field_ = resource.field(s.field)
        kind = field_.type if field_ is not None else "string"
        parts.append(KeyPart(s.field, s.descending, kind, s.field in nullable))
    parts.append(KeyPart(None, parts[0].descending if parts else False))
    return parts


@dataclass
class Page:
    """One page of rows as the API serves it (built by opendata.query.engine.Engine)."""

    fields: list[str]
    rows: list[dict[str, Any]]
    total: int
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    rows_json: bytes | None = None  # the rows as one JSON array, when asked for as JSON (rows is then empty)


@dataclass(frozen=True)
class Slice:
    """A backend's answer to a page: the rows, and where the next page starts."""

    fields: list[str]
    rows: list[dict[str, Any]]  # JSON-ready objects (booleans as bool); empty when rows_json is set
    rows_json: bytes | None  # with as_json: the rows as one UTF-8 JSON array, as orjson writes it
    next_key: list[Any] | None  # the keyset values of the last row when more rows follow, else None


@dataclass(frozen=True)
class RowChanges:
    """How one resource's rows changed from one release to the next (see TableStore.compare)."""

    counts: dict[str, int]  # added, removed, changed: how many keys
    added: list[dict[str, Any]]  # whole rows as they are now, in file order
    removed: list[dict[str, Any]]  # whole rows as they were, in file order
    # (key values, old values, new values of the compared fields) per changed key, in new file order
    changed: list[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]]


class TableStore(Protocol):
    """Every published release's tables, read-only for requests; written only by `build`.

    A release is named by its package's digest (Package.digest); a package passed in is one
    the registry opened. Methods reading rows for a request run their statements under the
    limit of the enclosing `time_limit()` (none outside one) and raise QueryTimeout past it;
    a database that cannot be reached raises a Problem with Retry-After (503), never a driver
    error. Identifiers come from schemas; every value reaches the database bound.
    """

    # -- reading ---------------------------------------------------------------------

    def info(self, package: Package, resource: Resource) -> TableInfo:
        """Row count and per-field facts, fixed when the release was built."""
        ...

    def page(
        self,
        package: Package,
        resource: Resource,
        query: RowQuery,
        after: Sequence[Any] | None,
        *,
        as_json: bool = False,
    ) -> Slice:
        """At most query.limit rows matching query.filters, of query.fields (all when empty), in
        the order keyset(resource, query, info.nullable) gives, strictly after the keyset values
        `after` (a decoded cursor). With `as_json` the rows come as JSON bytes in rows_json."""
        ...

    def count(self, package: Package, resource: Resource, query: RowQuery) -> int:
        """How many rows match query.filters (uncached: the engine caches): `stored_count` when
        it answers, else a count of the rows."""
        ...

    def stored_count(self, package: Package, resource: Resource, query: RowQuery) -> int | None:
        """The total of query.filters from the counts taken at publish time (0 when no row has
        the values), or None when they do not hold it (see opendata.storage.counts.lookup)."""
        ...

    def iter_batches(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row in the keyset order, as lists of up to `batch` tuples of
        query.fields (all when empty). The first batch is read before this returns, under the
        caller's time limit (so a timeout can still set the response's status); each later
        batch has a time limit of its own."""
        ...

    def positions(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[Any]:
        """The ROW_POSITION of every row matching query.filters, in the keyset order, as Arrow
        int64 arrays: with the release's columns (opendata.storage.columns), all an export
        needs from the database. The first array is read before this returns, as iter_batches
        reads its first batch; each later one has a time limit of its own."""
        ...

    def aggregate(
        self, package: Package, resource: Resource, query: SummaryQuery, limit: int
    ) -> list[tuple[Any, ...]]:
        """At most `limit` groups (any order): the query.group_by values, then each measure
        (count, or sum/avg/min/max of a field; count is an int, avg a float), then, when
        query.pivot is set, the smallest ROW_POSITION of the group. Rows match query.filters."""
        ...

    def facet(
        self, package: Package, resource: Resource, query: RowQuery, name: str, limit: int
    ) -> list[tuple[Any, int]]:
        """The `limit` most frequent values of field `name` among rows matching query.filters,
        as (value, count), by count descending, then value ascending with null first."""
        ...

    def bounds(
        self, package: Package, resource: Resource, name: str, unset: Sequence[str] = ()
    ) -> tuple[Any, Any]:
        """(min, max) of field `name` over the rows in which every field of `unset` is null
        (all rows when empty); (None, None) when there are none. For a release's coverage."""
        ...

    def compare(
        self,
        old: Package,
        new: Package,
        resource: str,
        key: Sequence[str],
        compared: Sequence[str],
        *,
        limit: int | None,
        rows: bool,
    ) -> RowChanges:
        """The resource's rows in `new` against `old`, matched on the `key` fields (shared by
        both): keys only in new are added, only in old removed, and keys whose `compared`
        fields differ (as the database compares them; null equals null) changed. With no key, every
        new row is added and every old row removed. With `rows`, at most `limit` (None: all)
        rows of each kind come along; otherwise only counts."""
        ...

    def time_limit(self) -> AbstractContextManager[None]:
        """Statements run inside have the configured time between them (QUERY_TIME_LIMIT)."""
        ...

    def retain(self, packages: Iterable[Package]) -> None:
        """Let go of what is held open for releases not among `packages` (no longer served),
        so their disk can be given back without a restart."""
        ...

    def close(self) -> None:
        """Close every connection this process holds."""
        ...

    # -- publishing ------------------------------------------------------------------

    def build(self, package: Package, folder: Path) -> None:
        """Load every resource of `package` (its CSVs, already validated) as a new release.

        `folder` is the release's staging folder; a file backend writes there, a server
        backend may ignore it. Readers never see a half-built release: nothing reads it
        before the release is current. A build interrupted and run again starts clean."""
        ...

    def drop(self, package: Package) -> None:
        """Remove the release's tables (prune). A file backend's tables go with the folder."""
        ...

    def drop_unlisted(self, name: str, releases: Collection[str]) -> list[str]:
        """Remove the tables of dataset `name`'s releases whose id is not in `releases` (left by
        a publish stopped between its load and its rename) and say what went. The caller holds
        the dataset's publish lock. A file backend's tables live in release folders: none."""
        ...
