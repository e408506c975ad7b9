"""Row changes between two releases' SQLite files, by set differences (EXCEPT) in SQLite.

Both files are opened read-only in one connection (the old one attached as `old`). EXCEPT
sorts both sides once, so the cost grows as n log n whatever the key, where matching row by
row on a key with few distinct values would not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from opendata.catalog.models import Resource
from opendata.storage.base import CHANGE_KINDS, ROW_POSITION, RowChanges
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
        return _Changes(connection, old, new, list(key), list(compared)).collect(limit, rows)


class _Changes:
    """The keys added, removed and changed in one resource, as temporary tables."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        old: Resource,
        new: Resource,
        key: list[str],
        compared: list[str],
    ) -> None:
        self.run = connection.execute
        self.old, self.new, self.key, self.compared = old, new, key, compared
        self.table = quote(new.name)
        if not key:  # nothing in common: every row is new, every old row gone
            return
        keys = ", ".join(quote(c) for c in key)
        both = ", ".join(quote(c) for c in key + compared)
        t = self.table
        self.run(f"CREATE TEMP TABLE added AS SELECT {keys} FROM main.{t} EXCEPT SELECT {keys} FROM old.{t}")
        self.run(
            f"CREATE TEMP TABLE removed AS SELECT {keys} FROM old.{t} EXCEPT SELECT {keys} FROM main.{t}"
        )
        self.run(
            f"CREATE TEMP TABLE changed AS SELECT {keys} FROM "
            f"(SELECT {both} FROM main.{t} EXCEPT SELECT {both} FROM old.{t}) "
            f"EXCEPT SELECT {keys} FROM temp.added"
        )

    def collect(self, limit: int | None, rows: bool) -> RowChanges:
        counts = {kind: self.count(kind) for kind in CHANGE_KINDS}
        if not rows:
            return RowChanges(counts, [], [], [])
        return RowChanges(counts, self.rows("added", limit), self.rows("removed", limit), self.changed(limit))

    def count(self, kind: str) -> int:
        if not self.key:
            side = {"added": "main", "removed": "old"}.get(kind)
            sql = f"SELECT count(*) FROM {side}.{self.table}" if side else "SELECT 0"
        else:
            sql = f"SELECT count(*) FROM temp.{kind}"
        return self.run(sql).fetchone()[0]

    def rows(self, kind: str, limit: int | None) -> list[dict[str, Any]]:
        """Added rows as they are now, removed rows as they were (whole rows, in file order)."""
        side, resource = ("main", self.new) if kind == "added" else ("old", self.old)
        where = f"WHERE EXISTS (SELECT 1 FROM temp.{kind} k WHERE {_matches(self.key)})" if self.key else ""
        columns = ", ".join(f"r.{quote(n)}" for n in resource.field_names)
        sql = f"SELECT {columns} FROM {side}.{self.table} r {where} ORDER BY r.{ROW_POSITION}{_limit(limit)}"
        convert = row_converter(resource, resource.field_names)
        return [convert(record) for record in self.run(sql)]

    def changed(self, limit: int | None) -> list[tuple[tuple, tuple, tuple]]:
        """Changed rows by key: (key values, old values, new values of the compared fields)."""
        if not self.key:
            return []
        self.run(f"CREATE TEMP TABLE shown AS SELECT * FROM temp.changed{_limit(limit)}")
        columns = ", ".join(f"r.{quote(c)}" for c in self.key + self.compared)
        width = len(self.key)
        values = {}
        for side in ("old", "main"):
            sql = (
                f"SELECT {columns} FROM {side}.{self.table} r WHERE EXISTS "
                f"(SELECT 1 FROM temp.shown k WHERE {_matches(self.key)}) ORDER BY r.{ROW_POSITION}"
            )
            values[side] = {record[:width]: record[width:] for record in self.run(sql)}
        return [
            (key, values["old"][key], after) for key, after in values["main"].items() if key in values["old"]
        ]


def _matches(columns: list[str]) -> str:
    return " AND ".join(f"k.{quote(c)} IS r.{quote(c)}" for c in columns)


def _limit(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"
