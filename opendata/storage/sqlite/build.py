"""Writing a release's SQLite file from its CSVs: typed columns, an index per field.

Rows never change under a digest, so each row's JSON object is also rendered once, here, the
way the API serves it: a page of all fields then reads one column per row instead of
converting every cell on every request.
"""

from __future__ import annotations

import csv
import math
import sqlite3
from pathlib import Path

import orjson

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import PackageError
from opendata.storage.base import ROW_POSITION, TableInfo
from opendata.storage.sqlite.queries import booleans_of, quote

# Numbers get no affinity (BLOB): SQLite then keeps 7 an INTEGER and 85.0 a REAL exactly as
# loaded, where REAL or NUMERIC affinity would turn one into the other.
SQL_TYPES = {"integer": "INTEGER", "number": "BLOB", "boolean": "INTEGER", "year": "INTEGER"}
BATCH = 10_000
STORE_FILE = "store.sqlite"  # in each release folder
# The column holding each row's JSON object (all fields, UTF-8). Only a field named exactly
# so could clash, and the build refuses one (a field named with "__" cannot be filtered anyway).
ROW_JSON = "__row_json"
RESERVED = (ROW_JSON, ROW_POSITION)


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
            "CREATE TABLE _tables (name TEXT PRIMARY KEY, row_count INTEGER, nullable TEXT, inexact TEXT)"
        )
        for resource in package.resources:
            _load_resource(connection, resource)
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def read_info(connection: sqlite3.Connection, name: str) -> TableInfo:
    count, nullable, inexact = connection.execute(
        "SELECT row_count, nullable, inexact FROM _tables WHERE name = ?", (name,)
    ).fetchone()
    return TableInfo(
        count, frozenset(filter(None, nullable.split(","))), frozenset(filter(None, inexact.split(",")))
    )


def _load_resource(connection: sqlite3.Connection, resource: Resource) -> None:
    clash = set(resource.field_names).intersection(RESERVED)
    if clash:
        raise PackageError(f"{resource.name}: field name {sorted(clash)[0]!r} is reserved by the query store")
    table = quote(resource.name)
    columns = ", ".join(f"{quote(f.name)} {SQL_TYPES.get(f.type, 'TEXT')}" for f in resource.fields)
    connection.execute(
        f"CREATE TABLE {table} ({ROW_POSITION} INTEGER PRIMARY KEY, {columns}, {quote(ROW_JSON)} BLOB)"
    )
    converters = [_converter(f) for f in resource.fields]
    names = [f.name for f in resource.fields]
    targets = ", ".join(quote(n) for n in [*names, ROW_JSON])
    insert = f"INSERT INTO {table} ({targets}) VALUES ({', '.join('?' for _ in [*names, ROW_JSON])})"
    render = _renderer(resource)
    count = 0
    with resource.path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        positions = [header.index(n) for n in names]
        batch = []
        for record in reader:
            batch.append([convert(record[i]) for convert, i in zip(converters, positions, strict=True)])
            if len(batch) >= BATCH:
                connection.executemany(insert, render(batch))
                count += len(batch)
                batch.clear()
        connection.executemany(insert, render(batch))
        count += len(batch)
    for name in names:
        index = quote(f"{resource.name}__{name}")
        connection.execute(f"CREATE INDEX {index} ON {table} ({quote(name)})")
    nullable = [
        n
        for n in names
        if connection.execute(f"SELECT 1 FROM {table} WHERE {quote(n)} IS NULL LIMIT 1").fetchone()
    ]
    inexact = [f.name for f in resource.fields if f.type == "number" and _inexact(connection, table, f.name)]
    connection.execute(
        "INSERT INTO _tables VALUES (?, ?, ?, ?)",
        (resource.name, count, ",".join(nullable), ",".join(inexact)),
    )


def _renderer(resource: Resource):
    """A function adding to each row of a batch its JSON object, as the API writes it."""
    names = [f.name for f in resource.fields]
    booleans = booleans_of(resource, names)

    def render(batch: list[list]) -> list[list]:
        out = []
        for row in batch:
            values = list(row)
            for i in booleans:
                values[i] = None if values[i] is None else bool(values[i])
            out.append([*row, orjson.dumps(dict(zip(names, values, strict=True)))])
        return out

    return render


def _inexact(connection: sqlite3.Connection, table: str, name: str) -> bool:
    """True if a real in the column does not survive SQLite's text form, or is infinite."""
    column = quote(name)
    sql = (
        f"SELECT 1 FROM {table} WHERE typeof({column}) = 'real' "
        f"AND (CAST(CAST({column} AS TEXT) AS REAL) != {column} OR abs({column}) > 1e308) LIMIT 1"
    )
    return connection.execute(sql).fetchone() is not None
