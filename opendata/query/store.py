"""One SQLite file per published release, built from its CSVs and indexed on every field.

`opendata publish` builds it (build_database) inside the release's folder before the
release is made current; the server only opens it, read-only.

Rows never change under a digest, so each row is also rendered once, at build time, the
way the API serves it: its JSON object and its CSV line (plus the Excel flavour's line
where that differs). Pages and CSV exports of all fields then read one column per row
instead of converting every cell on every request.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import PackageError, QueryTimeout

# Numbers get no affinity (BLOB): SQLite then keeps 7 an INTEGER and 85.0 a REAL exactly as
# loaded, where REAL or NUMERIC affinity would turn one into the other.
SQL_TYPES = {"integer": "INTEGER", "number": "BLOB", "boolean": "INTEGER", "year": "INTEGER"}
BATCH = 10_000
STORE_FILE = "store.sqlite"  # in each release folder
# SQLite calls the progress handler every this many virtual-machine instructions (as Datasette).
PROGRESS_STEPS = 1000
# Columns holding each row as rendered at build time. Only a field named exactly so could
# clash, and the build refuses one (a field named with "__" cannot be filtered anyway).
ROW_JSON = "__row_json"  # the row's JSON object, all fields, UTF-8
ROW_CSV = "__row_csv"  # the row's CSV line in UTF-8, all fields, no terminator (CR and LF quoted)
ROW_CSV_EXCEL = "__row_csv_excel"  # the line for the Excel flavours (neutralised); NULL when the same
RENDERED_COLUMNS = (ROW_JSON, ROW_CSV, ROW_CSV_EXCEL)


def quote(identifier: str) -> str:
    """Quote an SQL identifier. Identifiers come from schemas, never from requests."""
    return '"' + identifier.replace('"', '""') + '"'


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


@dataclass(frozen=True)
class TableInfo:
    row_count: int
    nullable: frozenset[str]  # fields that hold at least one null
    # Number fields holding a value SQLite's own text form (15 significant digits) would not
    # give back exactly, or an infinity: SQLite must not write these fields' JSON.
    inexact: frozenset[str] = frozenset()


class Store:
    """Opens the SQLite file of each published release, read-only; it never builds one.

    The file is written once, by `opendata publish`, into the release's own folder
    (STORE_FILE), so a schema change, an edited CSV or a new version is a new file and a
    running server keeps reading the old one until the new release is current.
    """

    def __init__(self, time_limit_ms: int = 0, retry_after: int = 1) -> None:
        self.time_limit_ms = time_limit_ms  # 0: no limit
        self.retry_after = retry_after
        self._local = threading.local()
        self._info: dict[tuple[str, str], TableInfo] = {}

    def digest(self, package: Package) -> str:
        return package.digest

    def path_for(self, package: Package) -> Path:
        return package.directory / STORE_FILE

    def ensure(self, package: Package) -> Path:
        path = self.path_for(package)
        if not package.release or not path.is_file():
            raise PackageError(f"{package.name}: not published (no query store at {path})")
        return path

    def connection(self, package: Package) -> sqlite3.Connection:
        """A read-only connection of this thread (connections must not cross a fork)."""
        connections = getattr(self._local, "connections", None)
        if connections is None or getattr(self._local, "pid", None) != os.getpid():
            connections = self._local.connections = {}
            self._local.pid = os.getpid()
        path = self.path_for(package)
        connection = connections.get(path)
        if connection is None:
            path = self.ensure(package)
            connection = sqlite3.connect(
                f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            connection.set_progress_handler(self._past_deadline, PROGRESS_STEPS)
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA cache_size = -65536")
            connection.execute("PRAGMA mmap_size = 1073741824")
            connections[path] = connection
        return connection

    def retain(self, paths: set[Path]) -> None:
        """Close this thread's connections to stores not in `paths` (releases no longer served),
        so a pruned release's disk is given back without a restart."""
        connections = getattr(self._local, "connections", None) or {}
        for path in [p for p in connections if p not in paths]:
            connections.pop(path).close()

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

    def info(self, package: Package, resource: Resource) -> TableInfo:
        key = (self.digest(package), resource.name)
        info = self._info.get(key)
        if info is None:
            connection = self.connection(package)
            count, nullable, inexact = connection.execute(
                "SELECT row_count, nullable, inexact FROM _tables WHERE name = ?", (resource.name,)
            ).fetchone()
            info = self._info[key] = TableInfo(
                count,
                frozenset(filter(None, nullable.split(","))),
                frozenset(filter(None, inexact.split(","))),
            )
        return info


def build_database(package: Package, path: Path) -> None:
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


def _load_resource(connection: sqlite3.Connection, resource: Resource) -> None:
    clash = set(resource.field_names).intersection(RENDERED_COLUMNS)
    if clash:
        raise PackageError(f"{resource.name}: field name {sorted(clash)[0]!r} is reserved by the query store")
    table = quote(resource.name)
    columns = ", ".join(f"{quote(f.name)} {SQL_TYPES.get(f.type, 'TEXT')}" for f in resource.fields)
    rendered = ", ".join(f"{quote(c)} BLOB" for c in RENDERED_COLUMNS)
    connection.execute(f"CREATE TABLE {table} (_rowid INTEGER PRIMARY KEY, {columns}, {rendered})")
    converters = [_converter(f) for f in resource.fields]
    names = [f.name for f in resource.fields]
    targets = ", ".join(quote(n) for n in [*names, *RENDERED_COLUMNS])
    placeholders = ", ".join("?" for _ in [*names, *RENDERED_COLUMNS])
    insert = f"INSERT INTO {table} ({targets}) VALUES ({placeholders})"
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


# A line holding none of these needs no formula neutralising (a leading space matters only
# before one of the formula characters, which are listed).
_EXCEL_MAY_DIFFER = re.compile("[=+\\-@\t\r\n]")


def _renderer(resource: Resource):
    """A function adding to each row of a batch its JSON object and CSV lines, as the API writes them.

    The same converters and csv.writer as the per-request path (csv_export.csv_chunks and
    Engine.page), so the bytes are identical whichever path serves a request. For the plain
    line csv.writer gets the values themselves, which it writes exactly as those converters
    do (None as nothing, floats by repr), except booleans.
    """
    from opendata.exports.csv_export import CsvFormat, RowLines, cell_converters  # it imports this module

    names = [f.name for f in resource.fields]
    booleans = [i for i, f in enumerate(resource.fields) if f.type == "boolean"]
    plain, excel = CsvFormat(), CsvFormat("utf-8-sig")  # cp932 writes the same text as utf-8-sig
    plain_cells, excel_cells = (
        cell_converters(resource, names, plain),
        cell_converters(resource, names, excel),
    )
    plain_out, excel_out = RowLines(), RowLines()
    plain_writer, excel_writer = plain_out.writer(), excel_out.writer()

    def with_booleans(row: list, convert) -> list:
        values = list(row)
        for i in booleans:
            values[i] = convert(values[i])
        return values

    def render(batch: list[list]) -> list[list]:
        if booleans:
            plain_writer.writerows([with_booleans(row, plain_cells[booleans[0]]) for row in batch])
        else:
            plain_writer.writerows(batch)
        out = []
        for row, plain_text in zip(batch, plain_out.texts(), strict=True):
            excel_line = None
            if _EXCEL_MAY_DIFFER.search(plain_text):
                excel_writer.writerow([c(v) for c, v in zip(excel_cells, row, strict=True)])
                excel_text = excel_out.texts()[0]
                if excel_text != plain_text:
                    excel_line = excel_text.encode()
            values = with_booleans(row, lambda v: v if v is None else bool(v)) if booleans else row
            out.append(
                [*row, orjson.dumps(dict(zip(names, values, strict=True))), plain_text.encode(), excel_line]
            )
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
