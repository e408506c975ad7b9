"""The PostgreSQL backend's SQL: names, column types, filters, the keyset order, JSON rows.

Every value reaches PostgreSQL as a bound parameter (psycopg's `%s`); identifiers come only
from schemas. The semantics follow the SQLite backend's so both answer alike: text compares
and sorts byte-wise (COLLATE "C", as SQLite's BINARY), numbers are `numeric` (7 and 85.0 keep
their form), booleans compare as false < true, nulls come first ascending and last descending.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from opendata.catalog.models import Field, Package, Resource
from opendata.query.params import LIST_OPERATORS, OPERATORS, RowQuery
from opendata.storage.base import ROW_POSITION, KeyPart

COLUMN_TYPES = {"integer": "bigint", "year": "bigint", "number": "numeric", "boolean": "boolean"}
TEXT = 'text COLLATE "C"'  # dates and datetimes too: kept as the CSV writes them, like SQLite
INFO_TABLE = "_tables"  # in each release's schema: row count and per-field facts
MAX_IDENTIFIER = 63  # bytes PostgreSQL keeps of a name (NAMEDATALEN - 1); longer is cut
SCHEMA_PREFIX = "od_"
_UNSAFE = re.compile(r"[^a-z0-9_]")


def quote(identifier: str) -> str:
    """Quote an SQL identifier; `%` doubled, so every statement must be run with parameters
    (an empty list when it has none): psycopg then reads `%%` back as `%`."""
    return '"' + identifier.replace('"', '""').replace("%", "%%") + '"'


def schema_name(package: Package) -> str:
    """The schema holding one release: readable dataset name, a hash of it, the release id.

    Datasets may be named with `.` and `-` and up to 100 characters; the hash keeps two names
    that read alike once made safe (a-b, a_b) or once cut apart.
    """
    return dataset_prefix(package.name) + package.release_id


def dataset_prefix(name: str) -> str:
    """What the schema names of every release of dataset `name` begin with."""
    safe = _UNSAFE.sub("_", name.lower())[:32]
    tag = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{SCHEMA_PREFIX}{safe}_{tag}_"


def table(package: Package, resource: Resource | str) -> str:
    name = resource if isinstance(resource, str) else resource.name
    return f"{quote(schema_name(package))}.{quote(name)}"


def column_type(field: Field) -> str:
    return COLUMN_TYPES.get(field.type, TEXT)


def bind(field: Field | None, value: Any) -> Any:
    """A request's typed value as PostgreSQL must compare it with the column.

    Booleans arrive as 0/1 and numbers as int or float: a float would make PostgreSQL
    compare the numeric column as double precision (and skip its index), so it goes as the
    exact decimal of its shortest form, which orders like the float itself.
    """
    if value is None or field is None:
        return value
    if field.type == "boolean":
        return bool(value)
    if field.type == "number" and isinstance(value, float):
        return Decimal(repr(value))
    return value


def count_text(field: Field | None, value: Any) -> str:
    """A value of `field` as the counts table holds it (opendata.storage.counts): the one
    function both the build, for the values loaded, and the store, for a filter's values, use,
    so they meet exactly: booleans true/false, integers in decimal, text and dates as they are
    (a string field's "0123" stays "0123", never the integer 123's "123")."""
    kind = field.type if field is not None else "string"
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("integer", "year"):
        return str(int(value))
    return str(value)


def where_clause(resource: Resource, query: RowQuery) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for f in query.filters:
        column = quote(f.field)
        field_ = resource.field(f.field)
        if f.op == "isnull":
            parts.append(f"{column} IS NULL" if f.value else f"{column} IS NOT NULL")
        elif f.op in LIST_OPERATORS:
            parts.append(f"{column} {LIST_OPERATORS[f.op]} ({', '.join('%s' for _ in f.value)})")
            params.extend(bind(field_, v) for v in f.value)
        elif f.op == "contains":
            parts.append(f"strpos({column}, %s) > 0")
            params.append(f.value)
        else:
            parts.append(f"{column} {OPERATORS[f.op]} %s")
            params.append(bind(field_, f.value))
    return (" AND ".join(parts) or "TRUE"), params


def expression(part: KeyPart, alias: str = "") -> str:
    """The SQL of one keyset part; with `alias`, its columns qualified by it."""
    prefix = f"{alias}." if alias else ""
    if part.field is None:
        return prefix + ROW_POSITION
    if part.flag:
        return f"({prefix}{quote(part.field)} IS NOT NULL)::int"
    return prefix + quote(part.field)


def order_by(parts: Sequence[KeyPart]) -> str:
    """ORDER BY for a keyset. A flag part orders nothing the NULLS clause of its field's part
    does not already: leaving it out lets the (field NULLS FIRST, row) index serve the sort."""
    terms = []
    for p in parts:
        if p.flag:
            continue
        if p.field is None:  # never null: the index's own order (a NULLS clause would lose it)
            terms.append(f"{ROW_POSITION} {'DESC' if p.descending else 'ASC'}")
        else:
            terms.append(f"{quote(p.field)} {'DESC NULLS LAST' if p.descending else 'ASC NULLS FIRST'}")
    return ", ".join(terms)


def after_segments(
    resource: Resource, parts: Sequence[KeyPart], values: Sequence[Any]
) -> list[tuple[str, list[Any]]]:
    """Conditions for the rows strictly after `values` in the order of `parts`, as segments
    to read one after the other (each in that order) until a page is full.

    Each segment is a condition an index range answers: one direction and no null compared
    is a row-value comparison; one nullable sort field is split at its nulls, which come
    before (ascending) or after (descending) the values. Other orders get one condition that
    spells the order out (correct, but read by scanning).
    """
    fields = [resource.field(p.field) if p.field else None for p in parts]
    bound = [bind(f, v) if not p.flag else v for f, p, v in zip(fields, parts, values, strict=True)]
    one_way = len({p.descending for p in parts}) == 1
    if one_way and not any(p.flag for p in parts):
        op = "<" if parts[0].descending else ">"
        columns = ", ".join(expression(p) for p in parts)
        return [(f"({columns}) {op} ({', '.join('%s' for _ in parts)})", bound)]
    if len(parts) == 3 and parts[0].flag and one_way:
        return _nullable_segments(parts[1], bound[1], bound[2], parts[0].descending, values[0])
    ors, params = [], []
    expressions = [expression(p) for p in parts]
    for i, part in enumerate(parts):
        ands = [f"{e} IS NOT DISTINCT FROM %s" for e in expressions[:i]]
        ands.append(f"{expressions[i]} {'<' if part.descending else '>'} %s")
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(bound[: i + 1])
    return [("(" + " OR ".join(ors) + ")", params)]


def _nullable_segments(
    part: KeyPart, value: Any, position: int, descending: bool, is_set: int
) -> list[tuple[str, list[Any]]]:
    column = quote(part.field or "")
    op = "<" if descending else ">"
    nulls_after = (f"{column} IS NULL AND {ROW_POSITION} {op} %s", [position])
    values_after = (f"({column}, {ROW_POSITION}) {op} (%s, %s)", [value, position])
    none: list[Any] = []
    all_nulls, all_values = (f"{column} IS NULL", none), (f"{column} IS NOT NULL", none)
    if not descending:  # nulls, then values
        return [nulls_after, all_values] if not is_set else [values_after]
    return [values_after, all_nulls] if is_set else [nulls_after]


def json_object(names: Sequence[str]) -> str:
    """SQL writing the row of table alias `t` as a JSON object of `names`, as orjson would:
    row_to_json writes no spaces, keeps the order, and escapes as orjson does."""
    columns = ", ".join(f"t.{quote(n)}" for n in names)
    # j.*: the whole row even when a field is itself named j.
    return f"(SELECT row_to_json(j.*) FROM (SELECT {columns}) j)"


def measure(function: str, field: Field | None) -> list[str]:
    """The SQL of one summary measure, as columns `measured` turns into SQLite's answer.

    SQLite sums integers exactly and, once a real is met, answers the sum of every value
    added as a double in row order; avg is always that double sum over the count. So sum
    asks for the exact sum (numeric: written with a point when a real was added) and the
    double one, and avg for the double sum and the count. The double sum adds the rows in
    file order whatever plan PostgreSQL picks, so its last digit is the same on every
    request and every node, and SQLite's when it too reads a group in file order.
    """
    if function == "count" or field is None:
        return ["count(*)"]
    column = quote(field.name) + ("::int" if field.type == "boolean" else "")
    if function == "sum":
        return [f"sum({column})", f"sum({column}::float8 ORDER BY {ROW_POSITION})"]
    if function == "avg":
        return [f"sum({column}::float8 ORDER BY {ROW_POSITION})", f"count({column})"]
    return [f"{function}({column})"]


def measured(record: Sequence[Any], width: int, measures: Sequence[tuple[str, list[str]]]) -> tuple[Any, ...]:
    """A group's row from `measure`'s columns: the `width` group values, then one value per
    measure, then what follows (the pivot's first row position)."""
    out = list(record[:width])
    position = width
    for function, sql in measures:
        values = record[position : position + len(sql)]
        position += len(sql)
        if function == "sum" and len(sql) == 2:
            exact, double = values
            out.append(double if isinstance(exact, float) else exact)
        elif function == "avg" and len(sql) == 2:
            total, count = values
            out.append(None if not count else total / count)
        else:
            out.append(values[0])
    out.extend(record[position:])
    return tuple(out)


def group_order(width: int):
    """Sort key putting groups in SQLite's GROUP BY order (nulls first, then values; Python
    compares text by code point, which is UTF-8 byte order), so that a summary sorted on a
    measure breaks its ties alike on both backends."""
    return lambda row: tuple((row[i] is not None, row[i]) for i in range(width))
