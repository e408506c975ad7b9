"""Row changes between two releases' SQLite files (opendata.storage.changes, in SQLite).

Both files are opened read-only in one connection, the old one attached as `old`; the
temporary tables live in the connection's own `temp` schema, which SQLite searches first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from opendata.catalog.models import Resource
from opendata.storage.base import RowChanges
from opendata.storage.changes import SetDifference
from opendata.storage.sqlite.queries import quote, row_converter


def compare(
    paths: tuple[Path, Path],
    old: Resource,
    new: Resource,
    key: Sequence[str],
    compared: Sequence[str],
    limit: int | None,
    rows: bool,
) -> RowChanges:
    old_path, new_path = paths
    connection = sqlite3.connect(f"file:{new_path}?mode=ro&immutable=1", uri=True)
    with closing(connection):
        connection.execute("ATTACH DATABASE ? AS old", (f"file:{old_path}?mode=ro&immutable=1",))
        table = quote(new.name)
        tables = {"old": f"old.{table}", "new": f"main.{table}"}
        return _Changes(connection, tables, old, new, list(key), list(compared)).collect(limit, rows)


class _Changes(SetDifference):
    def __init__(self, connection: sqlite3.Connection, *args: Any) -> None:
        self.connection = connection
        super().__init__(*args)

    def quote(self, identifier: str) -> str:
        return quote(identifier)

    def keep(self, name: str, select: str) -> None:
        self.connection.execute(f"CREATE TEMP TABLE {name} AS {select}")

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql).fetchall()

    def converter(self, resource: Resource, names: list[str]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
        return row_converter(resource, names)  # booleans are stored as 0/1
