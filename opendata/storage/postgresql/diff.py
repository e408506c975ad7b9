"""Row changes between two releases, by set differences (EXCEPT) between their schemas.

Both releases live in the same database, so one transaction compares them; the keys added,
removed and changed go into temporary tables dropped at its commit. Values compare as
PostgreSQL compares them (7 = 7.0 in numeric, as in SQLite), null equal to null.
"""

from __future__ import annotations

from typing import Any

import psycopg

from opendata.catalog.models import Package
from opendata.errors import PackageError
from opendata.storage.base import CHANGE_KINDS, ROW_POSITION, RowChanges
from opendata.storage.postgresql.queries import quote, table


class Changes:
    def __init__(
        self,
        connection: psycopg.Connection,
        old: Package,
        new: Package,
        resource: str,
        key: list[str],
        compared: list[str],
    ) -> None:
        self.connection = connection
        old_resource, new_resource = old.resource(resource), new.resource(resource)
        if old_resource is None or new_resource is None:
            raise PackageError(f"resource {resource!r} is not in both releases")
        self.old, self.new = old_resource, new_resource
        self.tables = {"old": table(old, resource), "new": table(new, resource)}
        self.key, self.compared = key, compared
        if not key:  # nothing in common: every row is new, every old row gone
            return
        keys = ", ".join(quote(c) for c in key)
        both = ", ".join(quote(c) for c in key + compared)
        old_t, new_t = self.tables["old"], self.tables["new"]
        self.keep("added", f"SELECT {keys} FROM {new_t} EXCEPT SELECT {keys} FROM {old_t}")
        self.keep("removed", f"SELECT {keys} FROM {old_t} EXCEPT SELECT {keys} FROM {new_t}")
        self.keep(
            "changed",
            f"SELECT {keys} FROM (SELECT {both} FROM {new_t} EXCEPT SELECT {both} FROM {old_t}) d "
            f"EXCEPT SELECT {keys} FROM added",
        )

    def keep(self, name: str, select: str) -> None:
        """A temporary table of `select`, gone when the comparing transaction ends."""
        self.run(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}")

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql, [])
        return cursor.fetchall() if cursor.description else []

    def collect(self, limit: int | None, rows: bool) -> RowChanges:
        counts = {kind: self.count(kind) for kind in CHANGE_KINDS}
        if not rows:
            return RowChanges(counts, [], [], [])
        return RowChanges(counts, self.rows("added", limit), self.rows("removed", limit), self.changed(limit))

    def count(self, kind: str) -> int:
        if not self.key:
            side = {"added": "new", "removed": "old"}.get(kind)
            return self.run(f"SELECT count(*) FROM {self.tables[side]}")[0][0] if side else 0
        return self.run(f"SELECT count(*) FROM {kind}")[0][0]

    def rows(self, kind: str, limit: int | None) -> list[dict[str, Any]]:
        """Added rows as they are now, removed rows as they were (whole rows, in file order)."""
        side, resource = ("new", self.new) if kind == "added" else ("old", self.old)
        where = f"WHERE EXISTS (SELECT 1 FROM {kind} k WHERE {_matches(self.key)})" if self.key else ""
        names = list(resource.field_names)
        columns = ", ".join(f"r.{quote(n)}" for n in names)
        sql = f"SELECT {columns} FROM {self.tables[side]} r {where} ORDER BY r.{ROW_POSITION}{_limit(limit)}"
        return [dict(zip(names, record, strict=True)) for record in self.run(sql)]

    def changed(self, limit: int | None) -> list[tuple[tuple, tuple, tuple]]:
        """Changed rows by key: (key values, old values, new values of the compared fields).

        Booleans come as 0/1 here, as the SQLite backend gives its raw values."""
        if not self.key:
            return []
        self.keep("shown", f"SELECT * FROM changed{_limit(limit)}")
        columns = ", ".join(f"r.{quote(c)}" for c in self.key + self.compared)
        width = len(self.key)
        values = {}
        for side in ("old", "new"):
            sql = (
                f"SELECT {columns} FROM {self.tables[side]} r WHERE EXISTS "
                f"(SELECT 1 FROM shown k WHERE {_matches(self.key)}) ORDER BY r.{ROW_POSITION}"
            )
            values[side] = {_raw(record[:width]): _raw(record[width:]) for record in self.run(sql)}
        return [
            (key, values["old"][key], after) for key, after in values["new"].items() if key in values["old"]
        ]


def _raw(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(int(v) if isinstance(v, bool) else v for v in values)


def _matches(columns: list[str]) -> str:
    return " AND ".join(f"k.{quote(c)} IS NOT DISTINCT FROM r.{quote(c)}" for c in columns)


def _limit(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"
