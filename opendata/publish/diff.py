"""What changed between two releases of a dataset: schema, and rows matched by primary key.

The table store compares the rows (TableStore.compare, in the database, not in Python). A
resource without a primary key (or whose key changed) is matched on all the fields both
releases share: its rows can then only be added or removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from opendata.catalog.models import Package, Resource
from opendata.storage.base import CHANGE_KINDS, TableStore

KINDS = CHANGE_KINDS


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


def _key(old: Resource, new: Resource) -> tuple[list[str], list[str]]:
    """The columns rows are matched on, and the other shared columns compared."""
    common = [n for n in new.field_names if n in old.field_names]
    if new.primary_key and new.primary_key == old.primary_key and set(new.primary_key) <= set(common):
        key = list(new.primary_key)
    else:
        key = common
    return key, [n for n in common if n not in key]


def _changed_row(
    key: tuple, names: list[str], compared: list[str], before: tuple, after: tuple
) -> dict[str, Any]:
    changes = {}
    for name, old, new in zip(compared, before, after, strict=True):
        if old != new or type(old) is not type(new):
            changes[name] = {"old": old, "new": new}
    return {"key": dict(zip(names, key, strict=True)), "changes": changes}


def _resource_diff(
    store: TableStore,
    releases: tuple[Package, Package],
    before: Resource,
    resource: Resource,
    limit: int | None,
    rows: bool,
) -> dict:
    old, new = releases
    key, compared = _key(before, resource)
    found = store.compare(old, new, resource.name, key, compared, limit=limit, rows=rows)
    body: dict[str, Any] = {"name": resource.name, "status": "unchanged", "key": key}
    schema = schema_changes(before, resource)
    if schema:
        body["schema"] = schema
    body["counts"] = found.counts
    if schema or any(found.counts.values()):
        body["status"] = "changed"
    if rows:
        body["rows"] = {
            "added": found.added,
            "removed": found.removed,
            "changed": [_changed_row(k, key, compared, b, a) for k, b, a in found.changed],
        }
        body["truncated"] = limit is not None and any(n > limit for n in found.counts.values())
    return body


def compare(
    store: TableStore, old: Package, new: Package, *, limit: int | None = None, rows: bool = True
) -> dict[str, Any]:
    """The diff from release `old` to release `new` of one dataset."""
    resources = []
    for resource in new.resources:
        before = old.resource(resource.name)
        if before is None:
            count = store.info(new, resource).row_count
            resources.append({"name": resource.name, "status": "added", "counts": {"added": count}})
        else:
            resources.append(_resource_diff(store, (old, new), before, resource, limit, rows))
    for resource in old.resources:
        if new.resource(resource.name) is None:
            count = store.info(old, resource).row_count
            resources.append({"name": resource.name, "status": "removed", "counts": {"removed": count}})
    return {
        "dataset": new.name,
        "from": old.release_id,
        "to": new.release_id,
        "resources": resources,
    }


def summary(store: TableStore, old: Package, new: Package) -> dict[str, Any]:
    """Counts only: what a release's change summary records at publish time."""
    found = compare(store, old, new, rows=False)
    totals = {kind: 0 for kind in KINDS}
    schema = 0
    for resource in found["resources"]:
        for kind in KINDS:
            totals[kind] += resource.get("counts", {}).get(kind, 0)
        schema += len(resource.get("schema", {}))
    return {"rows": totals, "schema_changes": schema, "resources": found["resources"]}


CSV_HEADER = ("resource", "change", "key", "field", "old", "new")


def csv_records(store: TableStore, old: Package, new: Package) -> Iterator[tuple[str, ...]]:
    """The diff as CSV records: one per schema change, added or removed row, changed value."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dict | list):
            return orjson.dumps(value).decode()
        return str(value)

    found = compare(store, old, new)
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
