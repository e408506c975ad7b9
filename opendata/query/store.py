"""One SQLite file per package version, built from its CSVs and indexed on every field.

The file name carries the package's content digest, so a new version builds a new file
and a running server keeps reading the old one until it reloads. Files are built under a
temporary name and renamed into place: a crash leaves no half-built store behind.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from opendata.catalog.models import Field, Package, Resource

# Numbers get no affinity (BLOB): SQLite then keeps 7 an INTEGER and 85.0 a REAL exactly as
# loaded, where REAL or NUMERIC affinity would turn one into the other.
SQL_TYPES = {"integer": "INTEGER", "number": "BLOB", "boolean": "INTEGER", "year": "INTEGER"}
BATCH = 10_000
# Bumped whenever the way a store is built changes, so stale stores are never reused.
STORE_FORMAT = 3


def quote(identifier: str) -> str:
    """Quote an SQL identifier. Identifiers come from schemas, never from requests."""
    return '"' + identifier.replace('"', '""') + '"'


def _converter(field: Field):
    if field.type in ("integer", "year"):
        return lambda v: int(v) if v != "" else None
    if field.type == "number":
        # Keep 7 an integer and 85.0 a real, so JSON and CSV give back the figure as published.
        return lambda v: (int(v) if v.lstrip("-").isdigit() else float(v)) if v != "" else None
    if field.type == "boolean":
        trues = {"true", "True", "TRUE", "1", "yes"}
        return lambda v: (1 if v in trues else 0) if v != "" else None
    return lambda v: v if v != "" else None


@dataclass(frozen=True)
class TableInfo:
    row_count: int
    nullable: frozenset[str]  # fields that hold at least one null
    # Number fields holding a value SQLite's own text form (15 significant digits) would not
    # give back exactly, or an infinity: SQLite must not write these fields' JSON.
    inexact: frozenset[str] = frozenset()


class Store:
    """Builds (once) and opens the SQLite file of each package."""

    def __init__(self, cache_dir: Path) -> None:
        self.directory = Path(cache_dir) / "store"
        self._local = threading.local()
        self._info: dict[tuple[str, str], TableInfo] = {}
        # Built store paths by package object: a package's digest hashes all its resources,
        # too slow to redo on every request. The package is kept, so its id is never reused.
        self._paths: dict[int, tuple[Package, Path]] = {}

    def path_for(self, package: Package) -> Path:
        return self.directory / f"{package.name}-{package.digest[:20]}-v{STORE_FORMAT}.sqlite"

    def ensure(self, package: Package) -> Path:
        known = self._paths.get(id(package))
        if known is not None and known[0] is package:
            return known[1]
        path = self.path_for(package)
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temp.unlink(missing_ok=True)
            try:
                build_database(package, temp)
                os.replace(temp, path)
            finally:
                temp.unlink(missing_ok=True)
        self._paths[id(package)] = (package, path)
        return path

    def connection(self, package: Package) -> sqlite3.Connection:
        """A read-only connection of this thread (connections must not cross a fork)."""
        connections = getattr(self._local, "connections", None)
        if connections is None or getattr(self._local, "pid", None) != os.getpid():
            connections = self._local.connections = {}
            self._local.pid = os.getpid()
        path = self.ensure(package)
        connection = connections.get(path)
        if connection is None:
            connection = sqlite3.connect(
                f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            connection.execute("PRAGMA query_only = 1")
            connection.execute("PRAGMA cache_size = -65536")
            connection.execute("PRAGMA mmap_size = 1073741824")
            connections[path] = connection
        return connection

    def info(self, package: Package, resource: Resource) -> TableInfo:
        key = (package.digest, resource.name)
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
    table = quote(resource.name)
    columns = ", ".join(f"{quote(f.name)} {SQL_TYPES.get(f.type, 'TEXT')}" for f in resource.fields)
    connection.execute(f"CREATE TABLE {table} (_rowid INTEGER PRIMARY KEY, {columns})")
    converters = [_converter(f) for f in resource.fields]
    names = [f.name for f in resource.fields]
    placeholders = ", ".join("?" for _ in names)
    insert = f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES ({placeholders})"
    count = 0
    with resource.path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        positions = [header.index(n) for n in names]
        batch = []
        for record in reader:
            batch.append([convert(record[i]) for convert, i in zip(converters, positions, strict=True)])
            if len(batch) >= BATCH:
                connection.executemany(insert, batch)
                count += len(batch)
                batch.clear()
        connection.executemany(insert, batch)
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


def _inexact(connection: sqlite3.Connection, table: str, name: str) -> bool:
    """True if a real in the column does not survive SQLite's text form, or is infinite."""
    column = quote(name)
    sql = (
        f"SELECT 1 FROM {table} WHERE typeof({column}) = 'real' "
        f"AND (CAST(CAST({column} AS TEXT) AS REAL) != {column} OR abs({column}) > 1e308) LIMIT 1"
    )
    return connection.execute(sql).fetchone() is not None
