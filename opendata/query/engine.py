"""Row queries (parsed by opendata.query.params) run as keyset pages over the SQLite store.

Every value reaches SQLite as a bound parameter; identifiers come only from the schema.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from opendata.catalog.models import Package, Resource
from opendata.query.cursors import Cursors
from opendata.query.params import LIST_OPERATORS, OPERATORS, RowQuery
from opendata.query.store import ROW_JSON, Store, quote

# SQLite functions take at most 127 arguments: json_object gets a name and a value per field.
MAX_JSON_FIELDS = 63


@dataclass
class Page:
    fields: list[str]
    rows: list[dict[str, Any]]
    total: int
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    rows_json: bytes | None = None  # the rows as one JSON array, when asked for as JSON (rows is then empty)


# -- SQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    expression: str
    descending: bool
    kind: str = "integer"  # the Table Schema type of the values, to check cursors against
    nullable: bool = False


def where_clause(query: RowQuery) -> tuple[str, list[Any]]:
    parts, params = [], []
    for f in query.filters:
        column = quote(f.field)
        if f.op == "isnull":
            parts.append(f"{column} IS NULL" if f.value else f"{column} IS NOT NULL")
        elif f.op in LIST_OPERATORS:
            parts.append(f"{column} {LIST_OPERATORS[f.op]} ({', '.join('?' for _ in f.value)})")
            params.extend(f.value)
        elif f.op == "contains":
            parts.append(f"instr({column}, ?) > 0")
            params.append(f.value)
        else:
            parts.append(f"{column} {OPERATORS[f.op]} ?")
            params.append(f.value)
    return (" AND ".join(parts) or "1"), params


def sort_keys(resource: Resource, query: RowQuery, nullable: frozenset[str]) -> list[SortKey]:
    """Sort keys that never hold NULL, so keyset comparisons stay exact.

    A nullable column sorts as (column IS NOT NULL, column): nulls first ascending, last
    descending, the way SQLite orders them. `_rowid` breaks ties, so the order is total.
    """
    keys = []
    for s in query.sort:
        if s.field in nullable:
            keys.append(SortKey(f"({quote(s.field)} IS NOT NULL)", s.descending))
        field_ = resource.field(s.field)
        kind = field_.type if field_ is not None else "string"
        keys.append(SortKey(quote(s.field), s.descending, kind, s.field in nullable))
    tie_descending = keys[0].descending if keys else False
    keys.append(SortKey("_rowid", tie_descending))
    return keys


def after_clause(keys: list[SortKey], values: list[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after `values` in the order of `keys`."""
    if len({k.descending for k in keys}) == 1 and None not in values:
        # One direction and no nulls: a row-value comparison, which SQLite answers from an index.
        op = "<" if keys[0].descending else ">"
        columns = ", ".join(k.expression for k in keys)
        return f"({columns}) {op} ({', '.join('?' for _ in keys)})", list(values)
    ors, params = [], []
    for i, key in enumerate(keys):
        ands = [f"{k.expression} IS ?" for k in keys[:i]]
        ands.append(f"{key.expression} {'<' if key.descending else '>'} ?")
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(values[: i + 1])
    return "(" + " OR ".join(ors) + ")", params


# -- execution ---------------------------------------------------------------------


class CountCache:
    """Filtered row counts by (package digest, resource, filters): the data never changes under a digest."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._counts: OrderedDict[tuple, int] = OrderedDict()

    def get(self, key: tuple) -> int | None:
        value = self._counts.get(key)
        if value is not None:
            self._counts.move_to_end(key)
        return value

    def put(self, key: tuple, value: int) -> None:
        self._counts[key] = value
        if len(self._counts) > self.size:
            self._counts.popitem(last=False)


class Engine:
    def __init__(self, store: Store, count_cache_size: int = 4096, cursor_secret: bytes = b"") -> None:
        self.store = store
        self.counts = CountCache(count_cache_size)
        self.cursors = Cursors(cursor_secret)

    def count(self, package: Package, resource: Resource, query: RowQuery) -> int:
        info = self.store.info(package, resource)
        if not query.filters:
            return info.row_count
        key = (self.store.digest(package), resource.name, query.filter_key())
        total = self.counts.get(key)
        if total is None:
            where, params = where_clause(query)
            sql = f"SELECT count(*) FROM {quote(resource.name)} WHERE {where}"
            with self.store.time_limit():
                total = self.store.connection(package).execute(sql, params).fetchone()[0]
            self.counts.put(key, total)
        return total

    def page(self, package: Package, resource: Resource, query: RowQuery, *, as_json: bool = False) -> Page:
        """One page of rows and the total; with `as_json`, the rows come as one JSON array (UTF-8).

        For JSON, rows of all fields are the objects the store rendered at build time; for
        a selection of fields SQLite writes each object (json_object). Both are several times
        cheaper than a dict per row serialised again. Number fields SQLite would not write
        exactly (see TableInfo.inexact) keep that Python path.
        """
        info = self.store.info(package, resource)
        keys = sort_keys(resource, query, info.nullable)
        names = list(query.fields or resource.field_names)
        where, params = where_clause(query)
        if query.cursor:
            kinds = [(k.kind, k.nullable) for k in keys]
            after, after_params = after_clause(
                keys, self.cursors.decode(resource, query, query.cursor, kinds)
            )
            where, params = f"{where} AND {after}", [*params, *after_params]
        key_columns = [k.expression for k in keys]
        sqlite_json = as_json
        if as_json and tuple(names) == resource.field_names:
            values = [quote(ROW_JSON)]  # rendered when the store was built
        elif as_json and len(names) <= MAX_JSON_FIELDS and not info.inexact.intersection(names):
            values = [json_object(resource, names)]
        else:
            values, sqlite_json = [quote(n) for n in names], False
        select = ", ".join([*values, *key_columns])
        order = ", ".join(f"{k.expression} {'DESC' if k.descending else 'ASC'}" for k in keys)
        sql = f"SELECT {select} FROM {quote(resource.name)} WHERE {where} ORDER BY {order} LIMIT ?"
        with self.store.time_limit():
            records = self.store.connection(package).execute(sql, [*params, query.limit + 1]).fetchall()
        has_more = len(records) > query.limit
        if has_more:
            del records[query.limit :]
        width = len(values)
        next_cursor = None
        if has_more and records:
            next_cursor = self.cursors.encode(resource, query, list(records[-1][width:]))
        total = self.count(package, resource, query)
        if sqlite_json:
            rows_json = b"[" + b",".join([record[0] for record in records]) + b"]"
            return Page(names, [], total, next_cursor, rows_json=rows_json)
        to_json = row_converter(resource, names)
        rows = [to_json(record[:width]) for record in records]
        if as_json:
            return Page(names, [], total, next_cursor, rows_json=orjson.dumps(rows))
        return Page(names, rows, total, next_cursor)

    def iter_batches(
        self, package: Package, resource: Resource, query: RowQuery, columns: list[str], batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row in the query's order, as lists of up to `batch` tuples of `columns`.

        `columns` are SQL expressions built by this package from the schema, never from a request.
        The first batch is read before this returns, so a query over the time limit raises
        QueryTimeout while a response's status can still say so; each later batch has the
        time limit to itself.
        """
        info = self.store.info(package, resource)
        keys = sort_keys(resource, query, info.nullable)
        where, params = where_clause(query)
        order = ", ".join(f"{k.expression} {'DESC' if k.descending else 'ASC'}" for k in keys)
        sql = f"SELECT {', '.join(columns)} FROM {quote(resource.name)} WHERE {where} ORDER BY {order}"
        with self.store.time_limit():
            cursor = self.store.connection(package).execute(sql, params)
            first = cursor.fetchmany(batch)

        def batches() -> Iterator[list[tuple[Any, ...]]]:
            chunk = first
            while chunk:
                yield chunk
                with self.store.time_limit():
                    chunk = cursor.fetchmany(batch)

        return batches()

    def iter_records(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """Every matching row, as tuples in the query's field order (booleans as 0/1)."""
        columns = [quote(n) for n in query.fields or resource.field_names]
        return itertools.chain.from_iterable(self.iter_batches(package, resource, query, columns, batch))


def row_converter(resource: Resource, names: list[str]):
    """SQLite tuples to JSON objects; only booleans need converting back from 0/1."""
    booleans = [
        i for i, n in enumerate(names) if (f := resource.field(n)) is not None and f.type == "boolean"
    ]
    if not booleans:
        return lambda record: dict(zip(names, record, strict=True))

    def convert(record: tuple) -> dict[str, Any]:
        values = list(record)
        for i in booleans:
            if values[i] is not None:
                values[i] = bool(values[i])
        return dict(zip(names, values, strict=True))

    return convert


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_object(resource: Resource, names: list[str]) -> str:
    """SQL writing one row as a JSON object of `names`; booleans become true and false."""
    parts = []
    for name in names:
        column = quote(name)
        field_ = resource.field(name)
        if field_ is not None and field_.type == "boolean":
            column = (
                f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"
            )
        parts.append(f"{sql_string(name)}, {column}")
    # As a BLOB: Python gets the UTF-8 bytes as they are, with no decoding and encoding again.
    return f"CAST(json_object({', '.join(parts)}) AS BLOB)"
