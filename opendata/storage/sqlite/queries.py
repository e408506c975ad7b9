"""The SQLite backend's SQL: filters, keyset order and bounds, JSON objects, measures.

Every value reaches SQLite as a bound parameter; identifiers come only from the schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opendata.catalog.models import Resource
from opendata.query.params import LIST_OPERATORS, OPERATORS, RowQuery
from opendata.storage.base import ROW_POSITION, KeyPart

# SQLite functions take at most 127 arguments: json_object gets a name and a value per field.
MAX_JSON_FIELDS = 63
MEASURES = {"count": "count(*)", "sum": "sum({})", "avg": "avg({})", "min": "min({})", "max": "max({})"}


def quote(identifier: str) -> str:
    """Quote an SQL identifier. Identifiers come from schemas, never from requests."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def where_clause(query: RowQuery) -> tuple[str, list[Any]]:
    parts, params = [], []
    for f in query.filters:
        column = quote(f.field)
        if f.op == "isnull":
            parts.append(f"{column} IS NULL" if f.value else f"{column} IS NOT NULL")
        elif f.op in LIST_OPERATORS:
            parts.append(f"{column} {LIST_OPERATORS[f.op]} ({', '.join('?' for _ in f.value)})")
            params.extend(f.value)
        elif f.op == "contains":
            parts.append(f"instr({column}, ?) > 0")
            params.append(f.value)
        else:
            parts.append(f"{column} {OPERATORS[f.op]} ?")
            params.append(f.value)
    return (" AND ".join(parts) or "1"), params


def expression(part: KeyPart) -> str:
    if part.field is None:
        return ROW_POSITION
    return f"({quote(part.field)} IS NOT NULL)" if part.flag else quote(part.field)


def order_by(parts: Sequence[KeyPart]) -> str:
    # SQLite sorts nulls first ascending and last descending, as KeyPart's order wants.
    return ", ".join(f"{expression(p)} {'DESC' if p.descending else 'ASC'}" for p in parts)


def after_clause(parts: Sequence[KeyPart], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after `values` in the order of `parts`."""
    expressions = [expression(p) for p in parts]
    if len({p.descending for p in parts}) == 1 and None not in values:
        # One direction and no nulls: a row-value comparison, which SQLite answers from an index.
        op = "<" if parts[0].descending else ">"
        return f"({', '.join(expressions)}) {op} ({', '.join('?' for _ in parts)})", list(values)
    ors: list[str] = []
    params: list[Any] = []
    for i, part in enumerate(parts):
        ands = [f"{e} IS ?" for e in expressions[:i]]
        ands.append(f"{expressions[i]} {'<' if part.descending else '>'} ?")
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(values[: i + 1])
    return "(" + " OR ".join(ors) + ")", params


def json_object(resource: Resource, names: Sequence[str]) -> str:
    """SQL writing one row as a JSON object of `names`; booleans become true and false."""
    parts = []
    for name in names:
        column = quote(name)
        field_ = resource.field(name)
        if field_ is not None and field_.type == "boolean":
            column = (
                f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"
            )
        parts.append(f"{sql_string(name)}, {column}")
    # As a BLOB: Python gets the UTF-8 bytes as they are, with no decoding and encoding again.
    return f"CAST(json_object({', '.join(parts)}) AS BLOB)"


def booleans_of(resource: Resource, names: Sequence[str]) -> list[int]:
    return [i for i, n in enumerate(names) if (f := resource.field(n)) is not None and f.type == "boolean"]


def row_converter(resource: Resource, names: Sequence[str]):
    """SQLite tuples to JSON objects; only booleans need converting back from 0/1."""
    names = list(names)
    booleans = booleans_of(resource, names)
    if not booleans:
        return lambda record: dict(zip(names, record, strict=True))

    def convert(record: tuple) -> dict[str, Any]:
        values = list(record)
        for i in booleans:
            if values[i] is not None:
                values[i] = bool(values[i])
        return dict(zip(names, values, strict=True))

    return convert
