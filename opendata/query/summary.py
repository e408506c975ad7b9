"""Grouped summaries and facet counts from the release's table store, cached per release.

`group_by=a,b`, `measures=count,sum:f,avg:f,min:f,max:f`, the rows' typed filters, `sort`
on any output column, `limit`/`offset` paging and `pivot` (one grouping field spread into
columns, so a long table comes back in the wide layout the report printed). A release never
changes, so each answer is cached under its digest in an LRU of at most SUMMARY_CACHE_SIZE
answers and SUMMARY_CACHE_ROWS rows in all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import ResultTooLarge, UnknownField
from opendata.query.caches import BoundedCache
from opendata.query.params import RowQuery, Sort
from opendata.query.summary_params import SummaryQuery
from opendata.storage.base import TableStore


@dataclass(frozen=True)
class Summary:
    fields: tuple[Field, ...]
    rows: list[tuple[Any, ...]]  # every group, sorted; a page is a slice of it


class Summaries:
    def __init__(
        self, store: TableStore, cache_size: int, cache_rows: int, max_groups: int, facet_limit: int
    ) -> None:
        self.store = store
        # Bounded by answers and by the rows (groups, facet values) they hold in all.
        self.cache = BoundedCache(cache_size, cache_rows)
        self.max_groups = max_groups
        self.facet_limit = facet_limit

    def summary(self, package: Package, resource: Resource, query: SummaryQuery) -> Summary:
        key = ("summary", package.digest, resource.name, query.key())
        found = self.cache.get(key)
        if found is None:
            found = self._summary(package, resource, query)
            self.cache.put(key, found, len(found.rows))
        return found

    def _summary(self, package: Package, resource: Resource, query: SummaryQuery) -> Summary:
        # A pivot keeps the table's own order (the printed one): each group's first row comes along.
        with self.store.time_limit():
            rows = self.store.aggregate(package, resource, query, self.max_groups + 1)
        if len(rows) > self.max_groups:
            raise ResultTooLarge(
                f"group_by: more than {self.max_groups} groups; filter first or group by fewer fields",
                parameter="group_by",
            )
        fields = tuple(resource.field(g) for g in query.group_by) + tuple(
            m.output_field(resource) for m in query.measures
        )
        summary = Summary(tuple(f for f in fields if f is not None), _typed(rows, fields))
        if query.pivot is not None:
            summary = _pivot(summary, query, self.max_groups)
        return Summary(summary.fields, _sorted(summary, query))

    def facets(
        self, package: Package, resource: Resource, query: RowQuery, names: Sequence[str], limit: int = 0
    ) -> dict[str, list[dict[str, Any]]]:
        """The most frequent values of each of `names` under the query's filters (at most `limit`,
        by default facet_limit)."""
        limit = limit or self.facet_limit
        key = ("facets", package.digest, resource.name, query.filter_key(), tuple(names), limit)
        found = self.cache.get(key)
        if found is None:
            found = {n: self._facet(package, resource, query, n, limit) for n in names}
            self.cache.put(key, found, sum(len(v) for v in found.values()))
        return found

    def _facet(
        self, package: Package, resource: Resource, query: RowQuery, name: str, limit: int
    ) -> list[dict[str, Any]]:
        with self.store.time_limit():
            records = self.store.facet(package, resource, query, name, limit)
        boolean = (f := resource.field(name)) is not None and f.type == "boolean"
        return [{"value": bool(v) if boolean and v is not None else v, "count": n} for v, n in records]


def _typed(rows: list[tuple], fields: Sequence[Field | None]) -> list[tuple]:
    booleans = [i for i, f in enumerate(fields) if f is not None and f.type == "boolean"]
    if not booleans:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i in booleans:
            values[i] = None if values[i] is None else bool(values[i])
        out.append(tuple(values))
    return out


def _pivot(summary: Summary, query: SummaryQuery, max_columns: int) -> Summary:
    """Spread the pivot field's values into columns `<measure>_<value>`, one row per other group.

    Columns and rows come in the order their values first appear in the table (each row of
    `summary` ends with its group's first row id), which is the order the report printed.
    """
    position = query.group_by.index(query.pivot or "")
    keys = [i for i in range(len(query.group_by)) if i != position]
    width = len(query.group_by)
    firsts: dict[Any, int] = {}
    for row in summary.rows:
        firsts[row[position]] = min(row[-1], firsts.get(row[position], row[-1]))
    values = sorted(firsts, key=firsts.__getitem__)
    if len(values) * len(query.measures) > max_columns:
        raise ResultTooLarge(f"pivot: {query.pivot!r} has too many values to spread", parameter="pivot")
    measures = summary.fields[width:]
    columns = [summary.fields[i] for i in keys]
    for value in values:
        label = "" if value is None else str(value)
        for m in measures:
            title = label if len(measures) == 1 else f"{m.title} {label}"
            columns.append(Field(f"{m.name}_{label}", m.type, title, m.description, m.unit, {}))
    spread: dict[tuple, list[Any]] = {}
    order: dict[tuple, int] = {}
    slot = {v: i for i, v in enumerate(values)}
    for row in summary.rows:
        group = tuple(row[i] for i in keys)
        cells = spread.setdefault(group, [None] * (len(values) * len(measures)))
        order[group] = min(row[-1], order.get(group, row[-1]))
        for j, measure_value in enumerate(row[width:-1]):
            cells[slot[row[position]] * len(measures) + j] = measure_value
    groups = sorted(spread, key=order.__getitem__)
    return Summary(tuple(columns), [(*group, *spread[group]) for group in groups])


def _order(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def _column_order(i: int) -> Callable[[tuple], tuple[bool, Any]]:
    return lambda row: _order(row[i])


def _sorted(summary: Summary, query: SummaryQuery) -> list[tuple]:
    names = [f.name for f in summary.fields]
    if not query.sort and query.pivot is not None:
        return list(summary.rows)  # the table's own order (see _pivot)
    keys = list(query.sort) or [Sort(n) for n in names if n in query.group_by]
    for s in keys:
        if s.field not in names:
            raise UnknownField(f"sort: {s.field!r} is not an output column", parameter="sort")
    rows = list(summary.rows)
    for s in reversed(keys):  # stable sorts, last key first
        rows.sort(key=_column_order(names.index(s.field)), reverse=s.descending)
    return rows


def page(summary: Summary, query: SummaryQuery) -> list[tuple]:
    return summary.rows[query.offset : query.offset + query.limit]


__all__ = ["Summaries", "Summary", "page"]
