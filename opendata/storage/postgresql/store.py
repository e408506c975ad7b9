"""The PostgreSQL backend: every release in a schema of its own, shared by every app node.

Chosen by OPENDATA_DATABASE_URL=postgresql://... . Publishing loads a release (build.py) and
commits it before the pipeline makes the release current; prune drops its schema. Requests
read through a pool per worker process (connections.py), each statement under
statement_timeout (QUERY_TIME_LIMIT), and get the same answers, byte for byte, as from the
SQLite backend: the rows' JSON is written by PostgreSQL (row_to_json) where its text of every
value is orjson's, and by orjson from the same Python values otherwise.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import psycopg

from opendata.catalog.models import Package, Resource
from opendata.errors import PackageError
from opendata.query.params import RowQuery
from opendata.query.summary_params import SummaryQuery
from opendata.storage import columns
from opendata.storage.base import ROW_POSITION, KeyPart, RowChanges, Slice, TableInfo, keyset
from opendata.storage.counts import COUNTS_TABLE, Counted, lookup
from opendata.storage.postgresql import build, diff
from opendata.storage.postgresql.connections import Database
from opendata.storage.postgresql.queries import (
    INFO_TABLE,
    after_segments,
    count_text,
    dataset_prefix,
    expression,
    group_order,
    json_object,
    measure,
    measured,
    order_by,
    quote,
    schema_name,
    table,
    where_clause,
)

RELEASE_ID = re.compile("[0-9a-f]{16}")


class PostgresStore:
    """A TableStore over one PostgreSQL database (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        *,
        time_limit_ms: int = 0,
        retry_after: int = 1,
        pool_size: int = 4,
        pool_timeout: float = 2.0,
    ) -> None:
        self.database = Database(
            url, time_limit_ms=time_limit_ms, retry_after=retry_after, size=pool_size, timeout=pool_timeout
        )
        self._info: dict[tuple[str, str], TableInfo] = {}

    # -- limits and connections ------------------------------------------------------------

    @contextlib.contextmanager
    def time_limit(self) -> Iterator[None]:
        """Every statement of this store already runs under statement_timeout (set on each
        connection, QUERY_TIME_LIMIT); a stopped one is a QueryTimeout wherever it runs."""
        yield

    def retain(self, packages: Iterable[Package]) -> None:
        """Nothing is held open per release; forget the facts of releases no longer served."""
        kept = {p.digest for p in packages}
        for key in [k for k in self._info if k[0] not in kept]:
            del self._info[key]

    def close(self) -> None:
        self.database.close()

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.database.run(lambda c: c.execute(sql, params).fetchall())

    # -- reading ----------------------------------------------------------------------------

    def info(self, package: Package, resource: Resource) -> TableInfo:
        key = (package.digest, resource.name)
        info = self._info.get(key)
        if info is None:
            sql = (
                "SELECT row_count, nullable, inexact, counted "
                f"FROM {quote(schema_name(package))}.{INFO_TABLE} WHERE name = %s"
            )
            try:
                found = self._rows(sql, [resource.name])
            except psycopg.errors.UndefinedTable:
                found = []
            if not found:
                raise PackageError(
                    f"{package.name}: release {package.release_id} has no table {resource.name}"
                )
            count, nullable, inexact, counted = found[0]
            info = TableInfo(count, frozenset(nullable), frozenset(inexact), Counted.from_json(counted))
            self._info[key] = info
        return info

    def page(
        self,
        package: Package,
        resource: Resource,
        query: RowQuery,
        after: Sequence[Any] | None,
        *,
        as_json: bool = False,
    ) -> Slice:
        info = self.info(package, resource)
        parts = keyset(resource, query, info.nullable)
        names = list(query.fields or resource.field_names)
        where, params = where_clause(resource, query)
        segments = after_segments(resource, parts, after) if after is not None else [("TRUE", [])]
        database_json = as_json and not info.inexact.intersection(names)
        values = [json_object(names)] if database_json else [f"t.{quote(n)}" for n in names]
        keys = [expression(p, "t") for p in parts]
        head = f"SELECT {', '.join([*values, *keys])} FROM {table(package, resource)} t WHERE {where}"
        tail = f" ORDER BY {order_by(parts)} LIMIT %s"

        def read(connection: psycopg.Connection) -> list[tuple[Any, ...]]:
            records: list[tuple[Any, ...]] = []
            for condition, extra in segments:  # in order, until the page and one more row are read
                wanted = query.limit + 1 - len(records)
                sql = f"{head} AND {condition}{tail}"
                records += connection.execute(sql, [*params, *extra, wanted]).fetchall()
                if len(records) > query.limit:
                    break
            return records

        records = self.database.run(read)
        has_more = len(records) > query.limit
        del records[query.limit :]
        width = len(values)
        next_key = _cursor_values(records[-1][width:]) if has_more and records else None
        if database_json:
            return Slice(names, [], b"[" + b",".join([r[0] for r in records]) + b"]", next_key)
        rows = [dict(zip(names, record[:width], strict=True)) for record in records]
        if as_json:
            return Slice(names, [], orjson.dumps(rows), next_key)
        return Slice(names, rows, None, next_key)

    def count(self, package: Package, resource: Resource, query: RowQuery) -> int:
        stored = self.stored_count(package, resource, query)
        if stored is not None:
            return stored
        where, params = where_clause(resource, query)
        return self._rows(f"SELECT count(*) FROM {table(package, resource)} WHERE {where}", params)[0][0]

    def stored_count(self, package: Package, resource: Resource, query: RowQuery) -> int | None:
        found = lookup(query, self.info(package, resource).counted)
        if found is None:
            return None
        clauses: list[str] = ["key = %s"]
        params: list[Any] = [found.key]
        # The table holds each value as count_text writes it (see build._load): the filter's too.
        for column, name, values in zip(("value_a", "value_b"), found.fields, found.values, strict=False):
            field_ = resource.field(name)
            clauses.append(f"{column} IN ({', '.join('%s' for _ in values)})")
            params.extend([count_text(field_, v) for v in values])
        sql = f"SELECT coalesce(sum(n), 0)::bigint FROM {quote(schema_name(package))}.{COUNTS_TABLE} WHERE "
        return self._rows(sql + " AND ".join(clauses), params)[0][0]

    def iter_batches(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Read through a server-side cursor: each FETCH is a statement with its own time limit,
        and a table of any size streams in batches instead of arriving whole. The connection is
        held until the batches are read or the iterator is closed."""
        parts = keyset(resource, query, self.info(package, resource).nullable)
        where, params = where_clause(resource, query)
        columns = ", ".join(quote(n) for n in query.fields or resource.field_names)
        sql = f"SELECT {columns} FROM {table(package, resource)} WHERE {where} ORDER BY {order_by(parts)}"
        held, cursor, first = self.database.stream(sql, params, batch)
        return Batches(self.database, held, cursor, first, batch)

    def positions(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[Any]:
        """In file order, a span of positions at a time, each handed over by string_agg as one
        text; in any other order, read as rows through a cursor."""
        parts = keyset(resource, query, self.info(package, resource).nullable)
        if parts != [KeyPart(None, False)]:
            rows = self.iter_batches(package, resource, replace(query, fields=(ROW_POSITION,)), batch)
            return columns.position_batches(rows)
        where, params = where_clause(resource, query)
        sql = (
            f"SELECT string_agg({ROW_POSITION}::text, ',' ORDER BY {ROW_POSITION}) "
            f"FROM {table(package, resource)} WHERE {where} AND {ROW_POSITION} >= %s AND {ROW_POSITION} < %s"
        )

        def span(low: int) -> Any:
            return columns.parse_positions(self._rows(sql, [*params, low, low + columns.POSITION_SPAN])[0][0])

        return columns.spans(span, self.info(package, resource).row_count, self.time_limit)

    def aggregate(
        self, package: Package, resource: Resource, query: SummaryQuery, limit: int
    ) -> list[tuple[Any, ...]]:
        groups = [quote(g) for g in query.group_by]
        measures = [
            (m.function, measure(m.function, resource.field(m.field) if m.field else None))
            for m in query.measures
        ]
        where, params = where_clause(resource, RowQuery(filters=query.filters))
        first = [f"min({ROW_POSITION})"] if query.pivot is not None else []
        columns = [*groups, *(sql for _, m in measures for sql in m), *first]
        sql = f"SELECT {', '.join(columns)} FROM {table(package, resource)} WHERE {where}"
        if groups:
            sql += f" GROUP BY {', '.join(groups)}"
        records = self._rows(f"{sql} LIMIT %s", [*params, limit])
        rows = [measured(record, len(groups), measures) for record in records]
        return sorted(rows, key=group_order(len(groups)))

    def facet(
        self, package: Package, resource: Resource, query: RowQuery, name: str, limit: int
    ) -> list[tuple[Any, int]]:
        where, params = where_clause(resource, query)
        column = quote(name)
        sql = (
            f"SELECT {column}, count(*) AS n FROM {table(package, resource)} WHERE {where} "
            f"GROUP BY {column} ORDER BY n DESC, {column} ASC NULLS FIRST LIMIT %s"
        )
        return [(value, n) for value, n in self._rows(sql, [*params, limit])]

    def bounds(
        self, package: Package, resource: Resource, name: str, unset: Sequence[str] = ()
    ) -> tuple[Any, Any]:
        column = quote(name)
        where = " AND ".join(f"{quote(n)} IS NULL" for n in unset) or "TRUE"
        sql = f"SELECT min({column}), max({column}) FROM {table(package, resource)} WHERE {where}"
        low, high = self._rows(sql, [])[0]
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
        def work(connection: psycopg.Connection) -> RowChanges:
            with connection.transaction():
                return diff.Changes(connection, old, new, resource, list(key), list(compared)).collect(
                    limit, rows
                )

        return self.database.run(work)

    # -- publishing -------------------------------------------------------------------------

    def build(self, package: Package, folder: Path) -> None:
        """Load the release into its schema and commit (the folder is not used). The load is
        one transaction that starts by dropping what an earlier try left, so running it again
        on a fresh connection after a lost one is safe."""
        self.database.run(lambda connection: build.build_release(connection, package))

    def drop(self, package: Package) -> None:
        self.database.run(lambda connection: build.drop_release(connection, package))
        self._info = {k: v for k, v in self._info.items() if k[0] != package.digest}

    def drop_unlisted(self, name: str, releases: Collection[str]) -> list[str]:
        prefix = dataset_prefix(name)

        def work(connection: psycopg.Connection) -> list[str]:
            found = connection.execute(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [prefix]
            ).fetchall()
            # The rest of a name is a release id (16 hex digits): any other is not a release's.
            gone = [
                s
                for (s,) in found
                if RELEASE_ID.fullmatch(s[len(prefix) :]) and s[len(prefix) :] not in releases
            ]
            for schema in gone:
                connection.execute(f"DROP SCHEMA {quote(schema)} CASCADE", [])
            return gone

        return self.database.run(work)


class Batches(Iterator[list[tuple[Any, ...]]]):
    """The batches of a server-side cursor. The connection goes back to the pool when the
    last batch is read, when closed (a client that went away), or when dropped unread."""

    def __init__(
        self,
        database: Database,
        held: contextlib.ExitStack,
        cursor: psycopg.Cursor,
        first: list[tuple[Any, ...]],
        size: int,
    ) -> None:
        self.database, self.held, self.cursor, self.size = database, held, cursor, size
        self.pending: list[tuple[Any, ...]] | None = first

    def __next__(self) -> list[tuple[Any, ...]]:
        chunk, self.pending = self.pending, None
        if chunk is None and not self.cursor.closed:
            try:
                with self.database.problems():
                    chunk = self.cursor.fetchmany(self.size)
            except BaseException:
                self.close()
                raise
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        self.pending = None
        self.held.close()

    def __del__(self) -> None:
        self.close()


def _cursor_values(values: Sequence[Any]) -> list[Any]:
    """Keyset values as the SQLite backend gives them (booleans 0/1), so cursors are the same."""
    return [int(v) if isinstance(v, bool) else v for v in values]
