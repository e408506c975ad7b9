"""Writing a release's SQLite file from its CSVs: typed columns, indexed where queries use them.

The file holds each value once, so it stays within a small multiple of the CSV it comes from
(nothing is stored pre-rendered: SQLite writes a page's JSON with json_object, and CSV is
written from the values). What makes it small without making queries slower:

- a field holding one value in every row (a publisher's code on every line) is a virtual
  generated column: no bytes per row and no index, yet filters, JSON and diffs see it as
  any other column, and sorting on it is sorting on nothing (see SqliteStore);
- every other field has an index, on its non-null values only when it holds nulls: an
  equality, range or IN filter implies "not null", so SQLite uses the partial index for
  them, and a sort on a nullable field sorts on (is not null, value), which no index of
  the column serves anyway;
- the row counts of the categorical fields and of their pairs (opendata.storage.counts) are
  one WITHOUT ROWID table keyed by small integers, a few bytes a count.
"""

from __future__ import annotations

import csv
import itertools
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import PackageError
from opendata.storage import counts
from opendata.storage.base import ROW_POSITION, TableInfo
from opendata.storage.sqlite.queries import quote, sql_string

# Numbers get no affinity (BLOB): SQLite then keeps 7 an INTEGER and 85.0 a REAL exactly as
# loaded, where REAL or NUMERIC affinity would turn one into the other.
SQL_TYPES = {"integer": "INTEGER", "number": "BLOB", "boolean": "INTEGER", "year": "INTEGER"}
BATCH = 10_000
STORE_FILE = "store.sqlite"  # in each release folder
RESERVED = (ROW_POSITION,)


def _converter(field: Field):
    if field.type in ("integer", "year"):
        return lambda v: int(v) if v != "" else None
    if field.type == "number":
        # Keep 7 an integer and 85.0 a real, so JSON and CSV give back the figure as published.
        return _number
    if field.type == "boolean":
        trues = {"true", "True", "TRUE", "1", "yes"}
        return lambda v: (1 if v in trues else 0) if v != "" else None
    return lambda v: v if v != "" else None


def _number(v: str) -> int | float | None:
    if v == "":
        return None
    if v.lstrip("-").isdigit():
        return int(v)
    value = float(v)
    return None if math.isnan(value) else value  # SQLite stores NaN as NULL


def build_database(package: Package, path: Path) -> None:
    path.unlink(missing_ok=True)  # what an interrupted build left
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute(
            "CREATE TABLE _tables (name TEXT PRIMARY KEY, row_count INTEGER, nullable TEXT, inexact TEXT, "
            "constant TEXT, counted TEXT)"
        )
        # No affinity for the values: each keeps the storage class of its column (the text
        # "0123" is not the integer 123), so it compares with a filter's value as the column does.
        connection.execute(
            f"CREATE TABLE {counts.COUNTS_TABLE} (key INTEGER, value_a, value_b, n INTEGER, "
            "PRIMARY KEY (key, value_a, value_b)) WITHOUT ROWID"
        )
        keys = itertools.count(1)
        for resource in package.resources:
            _load_resource(connection, resource, keys)
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def read_info(connection: sqlite3.Connection, name: str) -> tuple[TableInfo, frozenset[str]]:
    """The table's TableInfo, and its fields stored as constants (generated columns)."""
    count, nullable, inexact, constant, counted = connection.execute(
        "SELECT row_count, nullable, inexact, constant, counted FROM _tables WHERE name = ?", (name,)
    ).fetchone()
    info = TableInfo(count, _names(nullable), _names(inexact), counts.Counted.from_json(counted))
    return info, _names(constant)


def _names(text: str) -> frozenset[str]:
    return frozenset(filter(None, text.split(",")))


def _rows(resource: Resource) -> Iterator[list[Any]]:
    """The CSV's rows as typed values, in the schema's field order."""
    converters = [_converter(f) for f in resource.fields]
    with resource.path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        positions = [header.index(f.name) for f in resource.fields]
        for record in reader:
            yield [convert(record[i]) for convert, i in zip(converters, positions, strict=True)]


def _constants(resource: Resource) -> dict[int, Any]:
    """Positions of the fields with one value in every row (of a type SQL can spell exactly)."""
    candidates: dict[int, Any] | None = None
    for row in _rows(resource):
        if candidates is None:
            candidates = {i: v for i, v in enumerate(row) if not isinstance(v, float)}
        else:
            for i in [i for i, v in candidates.items() if row[i] != v or type(row[i]) is not type(v)]:
                del candidates[i]
            if not candidates:
                break
    return candidates or {}


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return sql_string(str(value))


def _load_resource(connection: sqlite3.Connection, resource: Resource, keys: Iterator[int]) -> None:
    clash = set(resource.field_names).intersection(RESERVED)
    if clash:
        raise PackageError(f"{resource.name}: field name {sorted(clash)[0]!r} is reserved by the query store")
    if resource.name in ("_tables", counts.COUNTS_TABLE):
        raise PackageError(f"{resource.name}: the name is reserved by the query store")
    table = quote(resource.name)
    constants = _constants(resource)
    columns = []
    for i, f in enumerate(resource.fields):
        column = f"{quote(f.name)} {SQL_TYPES.get(f.type, 'TEXT')}"
        if i in constants:
            column += f" GENERATED ALWAYS AS ({_literal(constants[i])}) VIRTUAL"
        columns.append(column)
    connection.execute(f"CREATE TABLE {table} ({ROW_POSITION} INTEGER PRIMARY KEY, {', '.join(columns)})")
    stored = [i for i in range(len(resource.fields)) if i not in constants]
    tally = counts.Tally.of([resource.fields[i] for i in stored])  # constants are not counted
    targets = ", ".join(quote(resource.fields[i].name) for i in stored)
    insert = f"INSERT INTO {table} ({targets}) VALUES ({', '.join('?' for _ in stored)})"
    if not stored:  # every field is a constant: rows are only their positions
        insert = f"INSERT INTO {table} DEFAULT VALUES"
    count, batch = 0, []
    for row in _rows(resource):
        batch.append([row[i] for i in stored])
        if len(batch) >= BATCH:
            tally.add(batch)
            connection.executemany(insert, batch)
            count += len(batch)
            batch.clear()
    tally.add(batch)
    connection.executemany(insert, batch)
    count += len(batch)
    names = [f.name for f in resource.fields]
    nullable = [
        n
        for n in names
        if connection.execute(f"SELECT 1 FROM {table} WHERE {quote(n)} IS NULL LIMIT 1").fetchone()
    ]
    for i in stored:
        name = names[i]
        index = quote(f"{resource.name}__{name}")
        partial = f" WHERE {quote(name)} IS NOT NULL" if name in nullable else ""
        connection.execute(f"CREATE INDEX {index} ON {table} ({quote(name)}){partial}")
    inexact = [f.name for f in resource.fields if f.type == "number" and _inexact(connection, table, f.name)]
    counted, counted_rows = tally.finish(count, keys)
    # Each value as the build stored it in its column (no affinity keeps its storage class).
    connection.executemany(
        f"INSERT INTO {counts.COUNTS_TABLE} VALUES (?, ?, ?, ?)",
        ((c.key, c.value_a, c.value_b, c.n) for c in counted_rows),
    )
    connection.execute(
        "INSERT INTO _tables VALUES (?, ?, ?, ?, ?, ?)",
        (
            resource.name,
            count,
            ",".join(nullable),
            ",".join(inexact),
            ",".join(names[i] for i in constants),
            counted.to_json(),
        ),
    )


def _inexact(connection: sqlite3.Connection, table: str, name: str) -> bool:
    """True if a real in the column does not survive SQLite's text form, is infinite, or is
    written with an exponent (SQLite's JSON writes 1.0e+16 where orjson writes 1e+16), or is
    -0.0 (which SQLite writes 0.0 and cannot tell from 0.0 in SQL: Python can)."""
    column = quote(name)
    sql = (
        f"SELECT 1 FROM {table} WHERE typeof({column}) = 'real' "
        f"AND (CAST(CAST({column} AS TEXT) AS REAL) != {column} OR abs({column}) > 1e308 "
        f"OR instr(CAST({column} AS TEXT), 'e') > 0) LIMIT 1"
    )
    if connection.execute(sql).fetchone() is not None:
        return True
    zeros = connection.execute(
        f"SELECT {column} FROM {table} WHERE typeof({column}) = 'real' AND {column} = 0"
    )
    return any(math.copysign(1.0, value) < 0 for (value,) in zeros)
