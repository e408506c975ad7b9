"""Grouped summaries and facet counts: GROUP BY over the release's store, cached per release.

`group_by=a,b`, `measures=count,sum:f,avg:f,min:f,max:f`, the rows' typed filters, `sort`
on any output column, `limit`/`offset` paging and `pivot` (one grouping field spread into
columns, so a long table comes back in the wide layout the report printed). A release never
changes, so each answer is cached under its digest in an LRU of SUMMARY_CACHE_SIZE entries,
each at most SUMMARY_MAX_GROUPS rows: the cache's size is bounded by their product.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import InvalidParameter, ResultTooLarge, UnknownField
from opendata.query.engine import where_clause
from opendata.query.params import Filter, RowQuery, Sort, parse_filter, parse_limit, split
from opendata.query.store import Store, quote

NUMERIC = frozenset({"integer", "number", "year"})
FUNCTIONS = {"count": "count(*)", "sum": "sum({})", "avg": "avg({})", "min": "min({})", "max": "max({})"}
TITLES = {"count": "件数", "sum": "合計", "avg": "平均", "min": "最小", "max": "最大"}
SUMMARY_PARAMETERS = frozenset({"group_by", "measures", "sort", "limit", "offset", "pivot"})


@dataclass(frozen=True)
class Measure:
    function: str
    field: str | None = None

    @property
    def column(self) -> str:
        return self.function if self.field is None else f"{self.function}_{self.field}"

    def output_field(self, resource: Resource) -> Field:
        source = resource.field(self.field) if self.field else None
        if source is None:
            return Field(self.column, "integer", TITLES["count"], "該当する行の数", None, {})
        kind = "number" if self.function == "avg" or source.type == "number" else source.type
        if self.function == "sum" and source.type == "year":
            kind = "integer"
        title = f"{source.title}（{TITLES[self.function]}）"
        return Field(self.column, kind, title, f"{source.name} の{TITLES[self.function]}", source.unit, {})


@dataclass(frozen=True)
class SummaryQuery:
    group_by: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = (Measure("count"),)
    filters: tuple[Filter, ...] = ()
    sort: tuple[Sort, ...] = ()
    limit: int = 100
    offset: int = 0
    pivot: str | None = None

    def key(self) -> tuple:
        """Everything that decides the whole (unpaged) answer."""
        return (
            self.group_by,
            self.measures,
            RowQuery(filters=self.filters).filter_key(),
            self.pivot,
            self.sort,
        )


@dataclass(frozen=True)
class Summary:
    fields: tuple[Field, ...]
    rows: list[tuple[Any, ...]]  # every group, sorted; a page is a slice of it


def wide_layout(resource: Resource) -> str | None:
    """The summary query rebuilding the printed (wide) table from a long resource, from the
    resource's documented `pivot` hint ({"index": [...], "columns": f, "values": [...]}), or None.

    Each printed cell is one row of the long table, so its sum is the cell itself.
    """
    hint = resource.descriptor.get("pivot")
    if not isinstance(hint, dict) or not isinstance(hint.get("columns"), str):
        return None
    index = hint.get("index") or []
    index = [index] if isinstance(index, str) else list(index)
    values = hint.get("values") or []
    values = [values] if isinstance(values, str) else list(values)
    names = [*index, hint["columns"], *values]
    if not values or any(resource.field(n) is None for n in names):
        return None
    if any(f.type not in NUMERIC for v in values if (f := resource.field(v)) is not None):
        return None
    group_by = ",".join([*index, hint["columns"]])
    measures = ",".join(f"sum:{v}" for v in values)
    return urlencode({"group_by": group_by, "measures": measures, "pivot": hint["columns"]}, safe=",:")


def parse_summary(
    resource: Resource,
    params: Mapping[str, Sequence[str]],
    *,
    default_limit: int,
    max_limit: int,
    max_group_fields: int,
    extra_parameters: frozenset[str] = frozenset(),
) -> SummaryQuery:
    control: dict[str, str] = {}
    filters: list[Filter] = []
    for key, values in params.items():
        if key in extra_parameters:
            continue
        if key in SUMMARY_PARAMETERS:
            if len(values) > 1:
                raise InvalidParameter(f"{key}: give it once, not {len(values)} times", parameter=key)
            control[key] = values[0]
            continue
        filters.extend(parse_filter(resource, key, raw) for raw in values)
    group_by = _fields(resource, control.get("group_by"), "group_by")
    if len(group_by) > max_group_fields:
        raise InvalidParameter(
            f"group_by: at most {max_group_fields} fields, not {len(group_by)}", parameter="group_by"
        )
    pivot = control.get("pivot") or None
    if pivot is not None and pivot not in group_by:
        raise InvalidParameter(f"pivot: {pivot!r} must be one of the group_by fields", parameter="pivot")
    measures = _measures(resource, control.get("measures"))
    columns = {*group_by, *(m.column for m in measures)} if pivot is None else None
    return SummaryQuery(
        group_by=group_by,
        measures=measures,
        filters=tuple(filters),
        sort=_sort(control.get("sort"), columns),
        limit=parse_limit(control.get("limit"), default_limit, max_limit),
        offset=_offset(control.get("offset")),
        pivot=pivot,
    )


def _fields(resource: Resource, raw: str | None, parameter: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(split(raw or "")))
    for name in names:
        if resource.field(name) is None:
            raise UnknownField(
                f"{parameter}: resource {resource.name!r} has no field {name!r}", parameter=parameter
            )
    return names


def _measures(resource: Resource, raw: str | None) -> tuple[Measure, ...]:
    measures: list[Measure] = []
    parts = split(raw or "")
    if raw is not None and not parts:
        raise InvalidParameter("measures: name at least one measure, e.g. count", parameter="measures")
    for part in parts or ["count"]:
        function, _, name = part.partition(":")
        if function not in FUNCTIONS:
            raise InvalidParameter(
                f"measures: unknown measure {function!r}; use count, sum:f, avg:f, min:f or max:f",
                parameter="measures",
            )
        if function == "count":
            if name:
                raise InvalidParameter("measures: count takes no field", parameter="measures")
            measure = Measure("count")
        else:
            field_ = resource.field(name)
            if field_ is None:
                raise UnknownField(
                    f"measures: resource {resource.name!r} has no field {name!r}", parameter="measures"
                )
            if field_.type not in NUMERIC:
                raise InvalidParameter(
                    f"measures: {function} needs a numeric field; {name!r} is {field_.type}",
                    parameter="measures",
                )
            measure = Measure(function, name)
        if measure not in measures:
            measures.append(measure)
    return tuple(measures)


def _sort(raw: str | None, columns: set[str] | None) -> tuple[Sort, ...]:
    sort = []
    for part in split(raw or ""):
        name = part.lstrip("-+")
        if columns is not None and name not in columns:
            raise UnknownField(f"sort: {name!r} is not an output column", parameter="sort")
        sort.append(Sort(name, part.startswith("-")))
    return tuple(sort)


MAX_OFFSET = 10**9  # past any summary's groups; a larger one is a typo, not a page


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_OFFSET:
        raise InvalidParameter(
            f"offset: {raw!r} is not a whole number up to {MAX_OFFSET}", parameter="offset"
        )
    return int(raw)


class SummaryCache:
    """Answers by (release digest, resource, query): a release never changes, so they never go stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple, value: Any) -> Any:
        self._items[key] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value


class Summaries:
    def __init__(self, store: Store, cache_size: int, max_groups: int, facet_limit: int) -> None:
        self.store = store
        self.cache = SummaryCache(cache_size)
        self.max_groups = max_groups
        self.facet_limit = facet_limit

    def summary(self, package: Package, resource: Resource, query: SummaryQuery) -> Summary:
        key = ("summary", self.store.digest(package), resource.name, query.key())
        return self.cache.get(key) or self.cache.put(key, self._summary(package, resource, query))

    def _summary(self, package: Package, resource: Resource, query: SummaryQuery) -> Summary:
        groups = [quote(g) for g in query.group_by]
        measures = [FUNCTIONS[m.function].format(quote(m.field or "")) for m in query.measures]
        where, params = where_clause(RowQuery(filters=query.filters))
        # A pivot keeps the table's own order (the printed one): each group's first row comes along.
        first = ["min(_rowid)"] if query.pivot is not None else []
        sql = f"SELECT {', '.join([*groups, *measures, *first])} FROM {quote(resource.name)} WHERE {where}"
        if groups:
            sql += f" GROUP BY {', '.join(groups)}"
        records = self.store.connection(package).execute(f"{sql} LIMIT ?", [*params, self.max_groups + 1])
        rows = records.fetchall()
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
        key = ("facets", self.store.digest(package), resource.name, query.filter_key(), tuple(names), limit)
        found = self.cache.get(key)
        if found is None:
            found = self.cache.put(key, {n: self._facet(package, resource, query, n, limit) for n in names})
        return found

    def _facet(
        self, package: Package, resource: Resource, query: RowQuery, name: str, limit: int
    ) -> list[dict[str, Any]]:
        where, params = where_clause(query)
        column = quote(name)
        sql = (
            f"SELECT {column}, count(*) AS n FROM {quote(resource.name)} WHERE {where} "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?"
        )
        records = self.store.connection(package).execute(sql, [*params, limit]).fetchall()
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


__all__ = ["Summaries", "Summary", "SummaryQuery", "page", "parse_summary"]
