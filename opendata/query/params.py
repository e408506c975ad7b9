"""Row query parameters: `field=value` or `field__op=value` filters typed by the Table Schema,
`sort=a,-b`, `fields=a,b`, `limit` and `cursor`; anything else is a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from opendata.catalog.models import Field, Resource
from opendata.errors import InvalidParameter, PageTooLarge, UnknownField, UnknownParameter

OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
LIST_OPERATORS = {"in": "IN", "notin": "NOT IN"}
ALL_OPERATORS = (*OPERATORS, *LIST_OPERATORS, "contains", "isnull")
CONTROL_PARAMETERS = {"sort", "fields", "limit", "cursor"}


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class RowQuery:
    filters: tuple[Filter, ...] = ()
    sort: tuple[Sort, ...] = ()
    fields: tuple[str, ...] = ()
    limit: int = 100
    cursor: str | None = None

    def filter_key(self) -> tuple:
        return tuple(
            (f.field, f.op, tuple(f.value) if isinstance(f.value, list) else f.value) for f in self.filters
        )


def coerce(field_: Field, raw: str, parameter: str) -> Any:
    """A request string as the value the schema's type says, or a 400 naming the parameter."""
    kind = field_.type
    try:
        if kind in ("integer", "year"):
            return int(raw)
        if kind == "number":
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return value
        if kind == "boolean":
            lowered = raw.strip().lower()
            if lowered in ("true", "1"):
                return 1
            if lowered in ("false", "0"):
                return 0
            raise ValueError(raw)
        if kind == "date":
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise InvalidParameter(
            f"{parameter}: {raw!r} is not a valid {kind} for field {field_.name!r}", parameter=parameter
        ) from None
    return raw


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_filter(resource: Resource, key: str, raw: str) -> Filter:
    name, _, op = key.partition("__")
    op = op or "eq"
    field_ = resource.field(name)
    if field_ is None:
        if op != "eq" or name in ALL_OPERATORS:
            raise UnknownField(f"{key}: resource {resource.name!r} has no field {name!r}", parameter=key)
        raise UnknownParameter(
            f"{key}: not a field of {resource.name!r} nor a known parameter; fields are "
            f"{', '.join(resource.field_names)}",
            parameter=key,
        )
    if op not in ALL_OPERATORS:
        raise InvalidParameter(
            f"{key}: unknown operator {op!r}; use one of {', '.join(ALL_OPERATORS)}", parameter=key
        )
    if op in LIST_OPERATORS:
        values = _split(raw)
        if not values:
            raise InvalidParameter(f"{key}: give at least one value, separated by commas", parameter=key)
        return Filter(name, op, [coerce(field_, v, key) for v in values])
    if op == "isnull":
        flag = raw.strip().lower()
        if flag not in ("true", "false", "1", "0"):
            raise InvalidParameter(f"{key}: isnull takes true or false, not {raw!r}", parameter=key)
        return Filter(name, op, flag in ("true", "1"))
    if op == "contains":
        if field_.type != "string":
            raise InvalidParameter(f"{key}: contains applies to text fields only", parameter=key)
        return Filter(name, op, raw)
    return Filter(name, op, coerce(field_, raw, key))


def parse_query(
    resource: Resource,
    params: Mapping[str, Sequence[str]],
    *,
    default_limit: int,
    max_limit: int,
    extra_parameters: frozenset[str] = frozenset(),
) -> RowQuery:
    """Turn query parameters into a RowQuery, rejecting anything unknown or malformed."""
    filters: list[Filter] = []
    control: dict[str, str] = {}
    for key, values in params.items():
        if key in extra_parameters:
            continue
        if key in CONTROL_PARAMETERS:
            if len(values) > 1:
                raise InvalidParameter(f"{key}: give it once, not {len(values)} times", parameter=key)
            control[key] = values[0]
            continue
        filters.extend(parse_filter(resource, key, raw) for raw in values)
    return RowQuery(
        filters=tuple(filters),
        sort=_parse_sort(resource, control.get("sort")),
        fields=_parse_fields(resource, control.get("fields")),
        limit=_parse_limit(control.get("limit"), default_limit, max_limit),
        cursor=control.get("cursor") or None,
    )


def _parse_sort(resource: Resource, raw: str | None) -> tuple[Sort, ...]:
    if raw is None:
        return ()
    sort: list[Sort] = []
    for part in _split(raw):
        descending = part.startswith("-")
        name = part.lstrip("-+")
        if resource.field(name) is None:
            raise UnknownField(f"sort: resource {resource.name!r} has no field {name!r}", parameter="sort")
        if any(s.field == name for s in sort):
            raise InvalidParameter(f"sort: field {name!r} is named twice", parameter="sort")
        sort.append(Sort(name, descending))
    return tuple(sort)


def _parse_fields(resource: Resource, raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    names = _split(raw)
    if not names:
        raise InvalidParameter("fields: name at least one field", parameter="fields")
    unknown = [n for n in names if resource.field(n) is None]
    if unknown:
        raise UnknownField(
            f"fields: resource {resource.name!r} has no field {unknown[0]!r}", parameter="fields"
        )
    return tuple(dict.fromkeys(names))


def _parse_limit(raw: str | None, default: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidParameter(f"limit: {raw!r} is not a whole number", parameter="limit") from None
    if limit < 1:
        raise InvalidParameter("limit: must be at least 1", parameter="limit")
    if limit > maximum:
        raise PageTooLarge(f"limit: {limit} is over the maximum page size of {maximum}", parameter="limit")
    return limit


def split(raw: str) -> list[str]:
    """A comma-separated parameter's parts, blanks dropped (as every list parameter reads)."""
    return _split(raw)


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """`limit`, checked as the rows' own (for other paged answers, such as summaries)."""
    return _parse_limit(raw, default, maximum)
