"""What changed between two releases of a dataset: schema, and rows matched by primary key.

Both releases' query stores are opened read-only in one SQLite connection (the old one
attached), and rows are compared by set differences (EXCEPT) in SQLite, not in Python. A resource without a
primary key (or whose key changed) is matched on all the fields both releases share: its
rows can then only be added or removed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import orjson

from opendata.catalog.models import Package, Resource
from opendata.query.store import ROW_JSON, STORE_FILE, quote

KINDS = ("added", "removed", "changed")


def schema_changes(old: Resource, new: Resource) -> dict[str, list[Any]]:
    before = {f.name: f for f in old.fields}
    after = {f.name: f for f in new.fields}
    common = [n for n in after if n in before]
    changes: dict[str, list[Any]] = {
        "added": [n for n in after if n not in before],
        "removed": [n for n in before if n not in after],
        "retyped": [
            {"field": n, "old": before[n].type, "new": after[n].type}
            for n in common
            if before[n].type != after[n].type
        ],
        "retitled": [
            {"field": n, "old": before[n].title, "new": after[n].title}
            for n in common
            if before[n].title != after[n].title
        ],
    }
    if old.primary_key != new.primary_key:
        changes["primary_key"] = [{"old": list(old.primary_key), "new": list(new.primary_key)}]
    return {k: v for k, v in changes.items() if v}


class _Pair:
    """One connection over the new release's store with the old one attached as `old`."""

    def __init__(self, old: Package, new: Package) -> None:
        self.connection = sqlite3.connect(
            f"file:{new.directory / STORE_FILE}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self.connection.execute(
            "ATTACH DATABASE ? AS old", (f"file:{old.directory / STORE_FILE}?mode=ro&immutable=1",)
        )

    def rows(self, sql: str, limit: int | None) -> Iterator[tuple]:
        cursor = self.connection.execute(sql + ("" if limit is None else f" LIMIT {int(limit)}"))
        yield from cursor

    def close(self) -> None:
        self.connection.close()

    def count(self, sql: str) -> int:
        return self.connection.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]


def _key(old: Resource, new: Resource) -> tuple[list[str], list[str]]:
    """The columns rows are matched on, and the other shared columns compared."""
    common = [n for n in new.field_names if n in old.field_names]
    if new.primary_key and new.primary_key == old.primary_key and set(new.primary_key) <= set(common):
        key = list(new.primary_key)
    else:
        key = common
    return key, [n for n in common if n not in key]


def _matches(alias: str, other: str, columns: list[str]) -> str:
    return " AND ".join(f"{alias}.{quote(c)} IS {other}.{quote(c)}" for c in columns)


class _ResourcePair:
    """The keys added, removed and changed in one resource, as temporary tables.

    Set differences (EXCEPT) sort both sides once, so the cost grows as n log n whatever
    the key, where matching row by row on a key with few distinct values would not.
    """

    def __init__(self, pair: _Pair, old: Resource, new: Resource) -> None:
        self.pair, self.table = pair, quote(new.name)
        self.key, self.compared = _key(old, new)
        run = pair.connection.execute
        for kind in KINDS:
            run(f"DROP TABLE IF EXISTS temp.{kind}")
        if not self.key:  # nothing in common: every row is new, every old row gone
            return
        keys = ", ".join(quote(c) for c in self.key)
        both = ", ".join(quote(c) for c in self.key + self.compared)
        t = self.table
        run(f"CREATE TEMP TABLE added AS SELECT {keys} FROM main.{t} EXCEPT SELECT {keys} FROM old.{t}")
        run(f"CREATE TEMP TABLE removed AS SELECT {keys} FROM old.{t} EXCEPT SELECT {keys} FROM main.{t}")
        run(
            f"CREATE TEMP TABLE changed AS SELECT {keys} FROM "
            f"(SELECT {both} FROM main.{t} EXCEPT SELECT {both} FROM old.{t}) "
            f"EXCEPT SELECT {keys} FROM temp.added"
        )

    def count(self, kind: str) -> int:
        if not self.key:
            side = {"added": "main", "removed": "old"}.get(kind)
            return self.pair.count(f"SELECT 1 FROM {side}.{self.table}") if side else 0
        return self.pair.count(f"SELECT 1 FROM temp.{kind}")

    def rows(self, kind: str, limit: int | None) -> list[dict[str, Any]]:
        """Added rows as they are now, removed rows as they were (whole rows, in file order)."""
        side = "main" if kind == "added" else "old"
        where = (
            f"WHERE EXISTS (SELECT 1 FROM temp.{kind} k WHERE {_matches('k', 'r', self.key)})"
            if self.key
            else ""
        )
        sql = f"SELECT r.{quote(ROW_JSON)} FROM {side}.{self.table} r {where} ORDER BY r._rowid"
        return [orjson.loads(r[0]) for r in self.pair.rows(sql, limit)]

    def changed(self, limit: int | None) -> list[dict[str, Any]]:
        """Changed rows by key, with the old and new value of each field that changed."""
        if not self.key:
            return []
        run = self.pair.connection.execute
        run("DROP TABLE IF EXISTS temp.shown")
        run(
            "CREATE TEMP TABLE shown AS SELECT * FROM temp.changed"
            + ("" if limit is None else f" LIMIT {int(limit)}")
        )
        columns = ", ".join(f"r.{quote(c)}" for c in self.key + self.compared)
        values = {}
        for side in ("old", "main"):
            sql = (
                f"SELECT {columns} FROM {side}.{self.table} r WHERE EXISTS "
                f"(SELECT 1 FROM temp.shown k WHERE {_matches('k', 'r', self.key)}) ORDER BY r._rowid"
            )
            values[side] = {record[: len(self.key)]: record[len(self.key) :] for record in run(sql)}
        return [
            _changed_row(key, self.key, self.compared, values["old"][key], after)
            for key, after in values["main"].items()
            if key in values["old"]
        ]


def _changed_row(
    key: tuple, names: list[str], compared: list[str], before: tuple, after: tuple
) -> dict[str, Any]:
    changes = {}
    for name, old, new in zip(compared, before, after, strict=True):
        if old != new or type(old) is not type(new):
            changes[name] = {"old": old, "new": new}
    return {"key": dict(zip(names, key, strict=True)), "changes": changes}


def _resource_diff(pair: _Pair, old: Resource, new: Resource, limit: int | None, rows: bool) -> dict:
    sets = _ResourcePair(pair, old, new)
    body: dict[str, Any] = {"name": new.name, "status": "unchanged", "key": sets.key}
    schema = schema_changes(old, new)
    if schema:
        body["schema"] = schema
    counts = {kind: sets.count(kind) for kind in KINDS}
    body["counts"] = counts
    if schema or any(counts.values()):
        body["status"] = "changed"
    if rows:
        body["rows"] = {
            "added": sets.rows("added", limit),
            "removed": sets.rows("removed", limit),
            "changed": sets.changed(limit),
        }
        body["truncated"] = limit is not None and any(n > limit for n in counts.values())
    return body


def compare(old: Package, new: Package, *, limit: int | None = None, rows: bool = True) -> dict[str, Any]:
    """The diff from release `old` to release `new` of one dataset."""
    resources = []
    with closing(_Pair(old, new)) as pair:
        for resource in new.resources:
            before = old.resource(resource.name)
            if before is None:
                count = pair.connection.execute(
                    f"SELECT count(*) FROM main.{quote(resource.name)}"
                ).fetchone()[0]
                resources.append({"name": resource.name, "status": "added", "counts": {"added": count}})
            else:
                resources.append(_resource_diff(pair, before, resource, limit, rows))
        for resource in old.resources:
            if new.resource(resource.name) is None:
                count = pair.connection.execute(
                    f"SELECT count(*) FROM old.{quote(resource.name)}"
                ).fetchone()[0]
                resources.append({"name": resource.name, "status": "removed", "counts": {"removed": count}})
    return {
        "dataset": new.name,
        "from": old.release_id,
        "to": new.release_id,
        "resources": resources,
    }


def summary(old: Package, new: Package) -> dict[str, Any]:
    """Counts only: what a release's change summary records at publish time."""
    found = compare(old, new, rows=False)
    totals = {kind: 0 for kind in KINDS}
    schema = 0
    for resource in found["resources"]:
        for kind in KINDS:
            totals[kind] += resource.get("counts", {}).get(kind, 0)
        schema += len(resource.get("schema", {}))
    return {"rows": totals, "schema_changes": schema, "resources": found["resources"]}


CSV_HEADER = ("resource", "change", "key", "field", "old", "new")


def csv_records(old: Package, new: Package) -> Iterator[tuple[str, ...]]:
    """The diff as CSV records: one per schema change, added or removed row, changed value."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dict | list):
            return orjson.dumps(value).decode()
        return str(value)

    found = compare(old, new)
    yield CSV_HEADER
    for resource in found["resources"]:
        name = resource["name"]
        if resource["status"] in ("added", "removed"):
            yield (name, f"resource {resource['status']}", "", "", "", "")
            continue
        for kind, items in resource.get("schema", {}).items():
            for item in items:
                if isinstance(item, str):
                    yield (name, f"field {kind}", "", item, "", "")
                else:
                    yield (
                        name,
                        f"field {kind}",
                        "",
                        text(item.get("field")),
                        text(item["old"]),
                        text(item["new"]),
                    )
        key = resource["key"]
        for row in resource["rows"]["added"]:
            yield (name, "row added", _key_text(row, key), "", "", text(row))
        for row in resource["rows"]["removed"]:
            yield (name, "row removed", _key_text(row, key), "", text(row), "")
        for row in resource["rows"]["changed"]:
            for field, change in row["changes"].items():
                yield (
                    name,
                    "value changed",
                    _key_text(row["key"], key),
                    field,
                    text(change["old"]),
                    text(change["new"]),
                )


def _key_text(row: dict[str, Any], key: list[str]) -> str:
    return ";".join(f"{k}={'' if row.get(k) is None else row.get(k)}" for k in key)
