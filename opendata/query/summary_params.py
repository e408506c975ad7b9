"""Summary query parameters: `group_by`, `measures`, `sort` on output columns, `limit`/`offset`,
`pivot` and the rows' typed filters; anything else is a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from opendata.catalog.models import Field, Resource
from opendata.errors import InvalidParameter, UnknownField
from opendata.numbers import parse_int
from opendata.query.params import Filter, RowQuery, Sort, controls_and_filters, parse_limit, split

NUMERIC = frozenset({"integer", "number", "year"})
FUNCTIONS = ("count", "sum", "avg", "min", "max")
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
    control, filters = controls_and_filters(resource, params, SUMMARY_PARAMETERS, extra_parameters)
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
    try:
        return parse_int(raw, 0, MAX_OFFSET)
    except ValueError as exc:
        raise InvalidParameter(f"offset: {exc}", parameter="offset") from None
