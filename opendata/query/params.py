"""Row query parameters: `field=value` or `field__op=value` filters typed by the Table Schema,
`sort=a,-b`, `fields=a,b`, `limit` and `cursor`; anything else is a 400 naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from opendata.catalog.models import Field, Resource
from opendata.errors import InvalidParameter, PageTooLarge, UnknownField, UnknownParameter
from opendata.numbers import parse_int, parse_number

OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
LIST_OPERATORS = {"in": "IN", "notin": "NOT IN"}
ALL_OPERATORS = (*OPERATORS, *LIST_OPERATORS, "contains", "isnull")
CONTROL_PARAMETERS = {"sort", "fields", "limit", "cursor"}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BOOLEANS = {"true": 1, "1": 1, "false": 0, "0": 0}
# A sort key: an optional minus (descending) and a field name; `+-x` or `--x` is refused.
SORT_KEY = re.compile(r"(-?)([^-+].*)")


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
        """The filters, independent of the order the parameters came in (cursors and counts key on it)."""
        key = [
            (f.field, f.op, tuple(f.value) if isinstance(f.value, list) else f.value) for f in self.filters
        ]
        return tuple(sorted(key, key=repr))


def coerce(field_: Field, raw: str, parameter: str) -> Any:
    """A request string as the value the schema's type says, or a 400 naming the parameter."""
    kind = field_.type
    try:
        if kind in ("integer", "year"):
            return parse_int(raw)
        if kind == "number":
            return parse_number(raw)
        if kind == "boolean":
            return BOOLEANS[raw]
        if kind == "date":
            if not ISO_DATE.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw).isoformat()
    except (ValueError, KeyError):
        raise InvalidParameter(
            f"{parameter}: {raw!r} is not a valid {kind} for field {field_.name!r}", parameter=parameter
        ) from None
    return raw


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _names(raw: str, parameter: str) -> list[str]:
    """A comma-separated list of names, exactly: `a,,b`, `a, b` and a trailing comma are 400s."""
    parts = raw.split(",")
    if any(not part or part != part.strip() for part in parts):
        raise InvalidParameter(
            f"{parameter}: write names separated by single commas, without spaces", parameter=parameter
        )
    return parts


def operators_for(field_: Field) -> tuple[str, ...]:
    """The operators a field can be filtered with (the per-resource OpenAPI lists the same)."""
    if field_.type == "string":
        return ALL_OPERATORS
    return tuple(op for op in ALL_OPERATORS if op != "contains")


def enum_of(field_: Field) -> list[Any] | None:
    """The values a field's `enum` constraint allows, when it has one."""
    enum = field_.constraints.get("enum")
    return list(enum) if isinstance(enum, list) and enum else None


def _in_enum(field_: Field, value: Any, key: str) -> Any:
    allowed = enum_of(field_)
    if allowed is not None and value not in allowed:
        raise InvalidParameter(
            f"{key}: {value!r} is not one of the values of {field_.name!r}: "
            f"{', '.join(str(v) for v in allowed)}",
            parameter=key,
        )
    return value


def parse_filter(resource: Resource, key: str, raw: str) -> Filter:
    name, separator, op = key.partition("__")
    if separator and not op:
        raise InvalidParameter(f"{key}: name an operator after __, e.g. {name}__gte", parameter=key)
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
        return Filter(name, op, [_in_enum(field_, coerce(field_, v, key), key) for v in values])
    if op == "isnull":
        flag = BOOLEANS.get(raw)
        if flag is None:
            raise InvalidParameter(f"{key}: isnull takes true or false, not {raw!r}", parameter=key)
        return Filter(name, op, bool(flag))
    if op not in operators_for(field_):
        raise InvalidParameter(f"{key}: {op} applies to text fields only", parameter=key)
    if op == "contains":
        return Filter(name, op, raw)
    value = coerce(field_, raw, key)
    return Filter(name, op, _in_enum(field_, value, key) if op in ("eq", "ne") else value)


def parse_query(
    resource: Resource,
    params: Mapping[str, Sequence[str]],
    *,
    default_limit: int,
    max_limit: int,
    extra_parameters: frozenset[str] = frozenset(),
) -> RowQuery:
    """Turn query parameters into a RowQuery, rejecting anything unknown or malformed."""
    control, filters = controls_and_filters(resource, params, CONTROL_PARAMETERS, extra_parameters)
    return RowQuery(
        filters=tuple(filters),
        sort=_parse_sort(resource, control.get("sort")),
        fields=_parse_fields(resource, control.get("fields")),
        limit=_parse_limit(control.get("limit"), default_limit, max_limit),
        cursor=control.get("cursor") or None,
    )


def controls_and_filters(
    resource: Resource,
    params: Mapping[str, Sequence[str]],
    controls: frozenset[str] | set[str],
    extra_parameters: frozenset[str] = frozenset(),
) -> tuple[dict[str, str], list[Filter]]:
    """The named control parameters' values, and every other parameter as a typed filter
    (`extra_parameters` are left to the caller); each parameter at most once."""
    filters: list[Filter] = []
    control: dict[str, str] = {}
    for key, raw in single_values(params).items():
        if key in extra_parameters:
            continue
        if key in controls:
            control[key] = raw
            continue
        filters.append(parse_filter(resource, key, raw))
    return control, filters


def single_values(params: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The one rule for repeated parameters, everywhere but CKAN's API: each at most once.

    Taking the first or the last value silently would answer a question the client did not
    ask; two filters on one field are written `field__in=a,b` or with two operators.
    """
    single = {}
    for key, values in params.items():
        if len(values) != 1:
            raise InvalidParameter(f"{key}: give it once, not {len(values)} times", parameter=key)
        single[key] = values[0]
    return single


def _parse_sort(resource: Resource, raw: str | None) -> tuple[Sort, ...]:
    if raw is None:
        return ()
    sort: list[Sort] = []
    for part in _names(raw, "sort"):
        key = SORT_KEY.fullmatch(part)
        if key is None:
            raise InvalidParameter(
                f"sort: {part!r} is not a sort key; write field (ascending) or -field (descending)",
                parameter="sort",
            )
        descending, name = key.group(1) == "-", key.group(2)
        if resource.field(name) is None:
            raise UnknownField(f"sort: resource {resource.name!r} has no field {name!r}", parameter="sort")
        if any(s.field == name for s in sort):
            raise InvalidParameter(f"sort: field {name!r} is named twice", parameter="sort")
        sort.append(Sort(name, descending))
    return tuple(sort)


def _parse_fields(resource: Resource, raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    names = _names(raw, "fields")
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
        limit = parse_int(raw, minimum=1)
    except ValueError as error:
        raise InvalidParameter(f"limit: {error}", parameter="limit") from None
    if limit > maximum:
        raise PageTooLarge(f"limit: {limit} is over the maximum page size of {maximum}", parameter="limit")
    return limit


def split(raw: str) -> list[str]:
    """A comma-separated parameter's parts, blanks dropped (as every list parameter reads)."""
    return _split(raw)


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """`limit`, checked as the rows' own (for other paged answers, such as summaries)."""
    return _parse_limit(raw, default, maximum)
