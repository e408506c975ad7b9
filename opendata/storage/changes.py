"""Row changes between two releases of one resource, by set differences (EXCEPT) in SQL.

Both backends compare the same way: EXCEPT sorts both sides once, so the cost grows as
n log n whatever the key, where matching row by row on a key with few distinct values would
not. The keys added, removed and changed go into temporary tables. A backend subclass says
only what differs between dialects: how a temporary table is made, how statements run, the
null-safe equality and how rows come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opendata.catalog.models import Resource
from opendata.storage.base import CHANGE_KINDS, ROW_POSITION, RowChanges


class SetDifference:
    SAME = "IS"  # null-safe equality: a null key matches a null key

    def __init__(
        self,
        tables: dict[str, str],  # "old" and "new": each release's table, as SQL
        old: Resource,
        new: Resource,
        key: list[str],
        compared: list[str],
    ) -> None:
        self.tables, self.old, self.new, self.key, self.compared = tables, old, new, key, compared
        if not key:  # nothing in common: every row is new, every old row gone
            return
        keys = ", ".join(self.quote(c) for c in key)
        both = ", ".join(self.quote(c) for c in key + compared)
        old_t, new_t = tables["old"], tables["new"]
        self.keep("added", f"SELECT {keys} FROM {new_t} EXCEPT SELECT {keys} FROM {old_t}")
        self.keep("removed", f"SELECT {keys} FROM {old_t} EXCEPT SELECT {keys} FROM {new_t}")
        self.keep(
            "changed",
            f"SELECT {keys} FROM (SELECT {both} FROM {new_t} EXCEPT SELECT {both} FROM {old_t}) d "
            f"EXCEPT SELECT {keys} FROM added",
        )

    # -- what a dialect gives --------------------------------------------------------------

    def quote(self, identifier: str) -> str:
        raise NotImplementedError

    def keep(self, name: str, select: str) -> None:
        """A temporary table `name` of `select`, for the rest of this comparison."""
        raise NotImplementedError

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def converter(self, resource: Resource, names: list[str]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
        """Whole rows of `names` as the API serves them (booleans as bool)."""
        return lambda values: dict(zip(names, values, strict=True))

    def raw(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Values as the seam passes them (booleans as 0/1)."""
        return values

    # -- the comparison ----------------------------------------------------------------------

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
        where = f"WHERE EXISTS (SELECT 1 FROM {kind} k WHERE {self._matches()})" if self.key else ""
        names = list(resource.field_names)
        columns = ", ".join(f"r.{self.quote(n)}" for n in names)
        sql = f"SELECT {columns} FROM {self.tables[side]} r {where} ORDER BY r.{ROW_POSITION}{_limit(limit)}"
        convert = self.converter(resource, names)
        return [convert(record) for record in self.run(sql)]

    def changed(self, limit: int | None) -> list[tuple[tuple, tuple, tuple]]:
        """Changed rows by key: (key values, old values, new values of the compared fields)."""
        if not self.key:
            return []
        self.keep("shown", f"SELECT * FROM changed{_limit(limit)}")
        columns = ", ".join(f"r.{self.quote(c)}" for c in self.key + self.compared)
        width = len(self.key)
        values = {}
        for side in ("old", "new"):
            sql = (
                f"SELECT {columns} FROM {self.tables[side]} r WHERE EXISTS "
                f"(SELECT 1 FROM shown k WHERE {self._matches()}) ORDER BY r.{ROW_POSITION}"
            )
            values[side] = {self.raw(record[:width]): self.raw(record[width:]) for record in self.run(sql)}
        return [
            (key, values["old"][key], after) for key, after in values["new"].items() if key in values["old"]
        ]

    def _matches(self) -> str:
        return " AND ".join(f"k.{self.quote(c)} {self.SAME} r.{self.quote(c)}" for c in self.key)


def _limit(limit: int | None) -> str:
    return "" if limit is None else f" LIMIT {int(limit)}"
