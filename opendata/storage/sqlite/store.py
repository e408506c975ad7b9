"""The embedded backend: one SQLite file per published release, opened read-only.

`opendata publish` writes the file (build.py) into the release's own folder (STORE_FILE)
before the release is made current, so a schema change, an edited CSV or a new version is
a new file, and a running server keeps reading the old one until the new release is current.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from opendata.catalog.models import Package, Resource
from opendata.errors import PackageError, QueryTimeout
from opendata.query.params import RowQuery
from opendata.query.summary_params import SummaryQuery
from opendata.storage import columns, counts
from opendata.storage.base import ROW_POSITION, KeyPart, RowChanges, Slice, TableInfo, keyset
from opendata.storage.sqlite import build, diff
from opendata.storage.sqlite.queries import (
    MAX_JSON_FIELDS,
    MEASURES,
    after_clause,
    expression,
    json_object,
    order_by,
    quote,
    row_converter,
    where_clause,
)

STORE_FILE = build.STORE_FILE
# SQLite calls the progress handler every this many virtual-machine instructions (as Datasette).
PROGRESS_STEPS = 1000


class SqliteStore:
    """A TableStore over the SQLite file of each release; it builds one only when publishing."""

    def __init__(self, time_limit_ms: int = 0, retry_after: int = 1) -> None:
        self.time_limit_ms = time_limit_ms  # 0: no limit
        self.retry_after = retry_after
        self._local = threading.local()
        self._info: dict[tuple[str, str], tuple[TableInfo, frozenset[str]]] = {}

    # -- connections and limits --------------------------------------------------------

    def path_for(self, package: Package) -> Path:
        return package.directory / STORE_FILE

    def connection(self, package: Package) -> sqlite3.Connection:
        """A read-only connection of this thread (connections must not cross a fork)."""
        connections = self._connections()
        path = self.path_for(package)
        connection = connections.get(path)
        if connection is None:
            if not package.release or not path.is_file():
                raise PackageError(f"{package.name}: not published (no query store at {path})")
            connection = sqlite3.connect(
                f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            connection.set_progress_handler(self._past_deadline, PROGRESS_STEPS)
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA cache_size = -65536")
            connection.execute("PRAGMA mmap_size = 1073741824")
            connections[path] = connection
        return connection

    def _connections(self) -> dict[Path, sqlite3.Connection]:
        connections = getattr(self._local, "connections", None)
        if connections is None or getattr(self._local, "pid", None) != os.getpid():
            connections = self._local.connections = {}
            self._local.pid = os.getpid()
        return connections

    def retain(self, packages: Iterable[Package]) -> None:
        paths = {self.path_for(p) for p in packages}
        connections = self._connections()
        for path in [p for p in connections if p not in paths]:
            connections.pop(path).close()

    def close(self) -> None:
        self.retain(())

    def _past_deadline(self) -> bool:
        """SQLite's progress handler: a true answer interrupts the running statement."""
        deadline = getattr(self._local, "deadline", None)
        return deadline is not None and time.monotonic() > deadline

    @contextlib.contextmanager
    def time_limit(self) -> Iterator[None]:
        """Statements run inside have TIME_LIMIT ms between them; over it is a QueryTimeout (503).

        No request can then hold a worker with a pathological filter; the client is told
        when to try again. Build-time queries run outside and are not limited.
        """
        if not self.time_limit_ms:
            yield
            return
        self._local.deadline = time.monotonic() + self.time_limit_ms / 1000
        try:
            yield
        except sqlite3.OperationalError as error:
            if "interrupted" not in str(error):
                raise
            raise QueryTimeout(
                f"the query took longer than {self.time_limit_ms} ms and was stopped; "
                "narrow the filters or try again later",
                retry_after=self.retry_after,
            ) from None
        finally:
            self._local.deadline = None

    # -- reading -------------------------------------------------------------------------

    def info(self, package: Package, resource: Resource) -> TableInfo:
        return self._facts(package, resource)[0]

    def _facts(self, package: Package, resource: Resource) -> tuple[TableInfo, frozenset[str]]:
        key = (package.digest, resource.name)
        facts = self._info.get(key)
        if facts is None:
            facts = self._info[key] = build.read_info(self.connection(package), resource.name)
        return facts

    def _order(
        self, package: Package, resource: Resource, query: RowQuery
    ) -> tuple[list[KeyPart], list[KeyPart]]:
        """The keyset, and the parts of it SQLite sorts on: a field with one value in every row
        (stored as a constant, unindexed) orders nothing, so it is left out of the SQL."""
        info, constant = self._facts(package, resource)
        parts = keyset(resource, query, info.nullable)
        return parts, [p for p in parts if p.field not in constant]

    def page(
        self,
        package: Package,
        resource: Resource,
        query: RowQuery,
        after: Sequence[Any] | None,
        *,
        as_json: bool = False,
    ) -> Slice:
        """For JSON, SQLite writes each row's object (json_object), several times cheaper than a
        dict per row serialised again. Number fields SQLite would not write exactly (see
        TableInfo.inexact), or more fields than its functions take, keep that Python path."""
        info = self.info(package, resource)
        parts, ordered = self._order(package, resource, query)
        names = list(query.fields or resource.field_names)
        where, params = where_clause(query)
        if after is not None:
            kept = [v for p, v in zip(parts, after, strict=True) if p in ordered]
            clause, after_params = after_clause(ordered, kept)
            where, params = f"{where} AND {clause}", [*params, *after_params]
        sqlite_json = as_json
        if as_json and len(names) <= MAX_JSON_FIELDS and not info.inexact.intersection(names):
            values = [json_object(resource, names)]
        else:
            values, sqlite_json = [quote(n) for n in names], False
        select = ", ".join([*values, *(expression(p) for p in parts)])
        sql = (
            f"SELECT {select} FROM {quote(resource.name)} WHERE {where} ORDER BY {order_by(ordered)} LIMIT ?"
        )
        records = self.connection(package).execute(sql, [*params, query.limit + 1]).fetchall()
        has_more = len(records) > query.limit
        if has_more:
            del records[query.limit :]
        width = len(values)
        next_key = list(records[-1][width:]) if has_more and records else None
        if sqlite_json:
            return Slice(names, [], b"[" + b",".join([r[0] for r in records]) + b"]", next_key)
        to_json = row_converter(resource, names)
        rows = [to_json(record[:width]) for record in records]
        if as_json:
            return Slice(names, [], orjson.dumps(rows), next_key)
        return Slice(names, rows, None, next_key)

    def count(self, package: Package, resource: Resource, query: RowQuery) -> int:
        stored = self.stored_count(package, resource, query)
        if stored is not None:
            return stored
        where, params = where_clause(query)
        sql = f"SELECT count(*) FROM {quote(resource.name)} WHERE {where}"
        return self.connection(package).execute(sql, params).fetchone()[0]

    def stored_count(self, package: Package, resource: Resource, query: RowQuery) -> int | None:
        found = counts.lookup(query, self.info(package, resource).counted)
        if found is None:
            return None
        # The table holds each value as the build stored it in the field's column, in columns of
        # no affinity, and a filter's value is bound as where_clause binds it: so each compares
        # as it does with the column ("0123" is text, never the integer 123).
        clauses = [
            f"{column} IN ({', '.join('?' for _ in values)})"
            for column, values in zip(("value_a", "value_b"), found.values, strict=False)
        ]
        sql = (
            f"SELECT coalesce(sum(n), 0) FROM {counts.COUNTS_TABLE} WHERE key = ? AND {' AND '.join(clauses)}"
        )
        params = [found.key, *(v for values in found.values for v in values)]
        return self.connection(package).execute(sql, params).fetchone()[0]

    def iter_batches(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        ordered = self._order(package, resource, query)[1]
        where, params = where_clause(query)
        columns = ", ".join(quote(n) for n in query.fields or resource.field_names)
        sql = f"SELECT {columns} FROM {quote(resource.name)} WHERE {where} ORDER BY {order_by(ordered)}"
        cursor = self.connection(package).execute(sql, params)
        first = cursor.fetchmany(batch)

        def batches() -> Iterator[list[tuple[Any, ...]]]:
            chunk = first
            while chunk:
                yield chunk
                with self.time_limit():
                    chunk = cursor.fetchmany(batch)

        return batches()

    def positions(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[Any]:
        """In file order, a span of positions at a time, each handed over by group_concat as one
        text (the fastest way out of SQLite) and sorted here, as its own order is unspecified. In
        any other order, read as rows."""
        ordered = self._order(package, resource, query)[1]
        if ordered != [KeyPart(None, False)]:
            rows = self.iter_batches(package, resource, replace(query, fields=(ROW_POSITION,)), batch)
            return columns.position_batches(rows)
        where, params = where_clause(query)
        sql = (
            f"SELECT group_concat({ROW_POSITION}) FROM {quote(resource.name)} "
            f"WHERE {where} AND {ROW_POSITION} >= ? AND {ROW_POSITION} < ?"
        )

        # This thread's connection, for the later spans too (read where the export is written):
        # a connection of their own would map the file afresh, its pages faulted in again.
        connection = self.connection(package)

        def span(low: int) -> Any:
            found = connection.execute(sql, [*params, low, low + columns.POSITION_SPAN])
            return columns.sorted_positions(columns.parse_positions(found.fetchone()[0]))

        return columns.spans(span, self.info(package, resource).row_count, self.time_limit)

    def aggregate(
        self, package: Package, resource: Resource, query: SummaryQuery, limit: int
    ) -> list[tuple[Any, ...]]:
        groups = [quote(g) for g in query.group_by]
        measures = [MEASURES[m.function].format(quote(m.field or "")) for m in query.measures]
        where, params = where_clause(RowQuery(filters=query.filters))
        first = [f"min({ROW_POSITION})"] if query.pivot is not None else []
        sql = f"SELECT {', '.join([*groups, *measures, *first])} FROM {quote(resource.name)} WHERE {where}"
        if groups:
            sql += f" GROUP BY {', '.join(groups)}"
        return self.connection(package).execute(f"{sql} LIMIT ?", [*params, limit]).fetchall()

    def facet(
        self, package: Package, resource: Resource, query: RowQuery, name: str, limit: int
    ) -> list[tuple[Any, int]]:
        where, params = where_clause(query)
        column = quote(name)
        sql = (
            f"SELECT {column}, count(*) AS n FROM {quote(resource.name)} WHERE {where} "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?"
        )
        return self.connection(package).execute(sql, [*params, limit]).fetchall()

    def bounds(
        self, package: Package, resource: Resource, name: str, unset: Sequence[str] = ()
    ) -> tuple[Any, Any]:
        column = quote(name)
        where = " AND ".join(f"{quote(n)} IS NULL" for n in unset) or "1"
        sql = f"SELECT min({column}), max({column}) FROM {quote(resource.name)} WHERE {where}"
        low, high = self.connection(package).execute(sql).fetchone()
        return low, high

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
        before, after = old.resource(resource), new.resource(resource)
        if before is None or after is None:
            raise PackageError(f"{new.name}: resource {resource!r} is not in both releases")
        paths = (self.path_for(old), self.path_for(new))
        return diff.compare(paths, before, after, key, compared, limit, rows)

    # -- publishing ----------------------------------------------------------------------

    def build(self, package: Package, folder: Path) -> None:
        build.build_database(package, folder / STORE_FILE)

    def drop(self, package: Package) -> None:
        """Nothing to do: the file goes with the release's folder (and its open connections
        with the next `retain`)."""

    def drop_unlisted(self, name: str, releases: Collection[str]) -> list[str]:
        """Nothing to do: every store file is inside a release folder (an interrupted publish's
        staging folder is removed by the next publish)."""
        return []
