"""One resource's own OpenAPI document: its filters are its real fields, typed, with enums.

The global document can only say "a filter on any field"; this one lists every
`field__op` parameter the resource accepts, with the JSON type, the operator and the enum
the query parser (opendata.query.params) will check, so clients and fuzzers know exactly
what each table takes. It is built from the same operator table the parser uses.
"""

from __future__ import annotations

import re
from typing import Any

from opendata.catalog.models import Field, Package, Resource
from opendata.exports.csv_export import ENCODINGS, NEWLINES
from opendata.numbers import INT64_MAX, INT64_MIN
from opendata.query.params import BOOLEANS, LIST_OPERATORS, enum_of, operators_for

PROBLEM_JSON = "application/problem+json"
JSON_TYPES = {"integer": "integer", "year": "integer", "number": "number", "boolean": "boolean"}
OPERATOR_DOC = {
    "eq": "equal to",
    "ne": "not equal to",
    "gt": "greater than",
    "gte": "greater than or equal to",
    "lt": "less than",
    "lte": "less than or equal to",
    "in": "one of (comma-separated)",
    "notin": "none of (comma-separated)",
    "contains": "containing the text",
    "isnull": "empty (true) or not (false)",
}
# An item of an `in` list: the parser splits on commas and trims spaces around each item.
LIST_ITEM_PATTERN = r"^[^,]*[^,\s][^,]*$"


def value_schema(field_: Field, *, with_enum: bool) -> dict[str, Any]:
    """The JSON Schema of one filter value of `field_`, as params.coerce reads it."""
    if field_.type in ("integer", "year"):
        schema: dict[str, Any] = {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX}
    elif field_.type == "number":
        schema = {"type": "number"}
    elif field_.type == "boolean":
        return {"type": "string", "enum": sorted(BOOLEANS)}
    elif field_.type == "date":
        schema = {"type": "string", "format": "date"}
    else:
        schema = {"type": "string"}
    enum = enum_of(field_) if with_enum else None
    if enum is not None:
        schema["enum"] = enum
    return schema


def filter_parameters(resource: Resource) -> list[dict[str, Any]]:
    parameters = []
    for field_ in resource.fields:
        for op in operators_for(field_):
            name = field_.name if op == "eq" else f"{field_.name}__{op}"
            if op == "isnull":
                schema: dict[str, Any] = {"type": "string", "enum": sorted(BOOLEANS)}
            elif op in LIST_OPERATORS:
                item = value_schema(field_, with_enum=True)
                if item.get("type") == "string" and "enum" not in item and "format" not in item:
                    item = {**item, "pattern": LIST_ITEM_PATTERN}
                schema = {"type": "array", "items": item, "minItems": 1}
            elif op == "contains":
                schema = {"type": "string"}
            else:
                schema = value_schema(field_, with_enum=op in ("eq", "ne"))
            parameter: dict[str, Any] = {
                "in": "query",
                "name": name,
                "schema": schema,
                "description": f"{field_.name} ({field_.title}, {field_.type}) {OPERATOR_DOC[op]}",
            }
            if op in LIST_OPERATORS:
                parameter.update(style="form", explode=False)
            parameters.append(parameter)
    return parameters


def _names_pattern(names: list[str], signed: bool) -> str:
    one = "(?:" + "|".join(re.escape(n) for n in names) + ")"
    key = f"-?{one}" if signed else one
    return f"^{key}(?:,{key})*$"


def control_parameters(resource: Resource) -> list[dict[str, Any]]:
    names = list(resource.field_names)
    return [
        {
            "in": "query",
            "name": "sort",
            "schema": {
                "type": "string",
                "pattern": _names_pattern(names, signed=True),
                # Each field at most once: the same name (signed or not) twice is refused.
                "not": {"pattern": r"(?:^|,)-?([^,]+)(?:,.*)?,-?\1(?:,|$)"},
            },
            "description": "Comma-separated field names, each at most once; a leading minus sorts "
            "descending.",
        },
        {
            "in": "query",
            "name": "fields",
            "schema": {"type": "string", "pattern": _names_pattern(names, signed=False)},
            "description": "Comma-separated names of the fields to return.",
        },
    ]


def paging_parameters(max_page_size: int) -> list[dict[str, Any]]:
    return [
        {
            "in": "query",
            "name": "limit",
            "schema": {"type": "integer", "minimum": 1, "maximum": max_page_size},
            "description": "Rows per page.",
        },
        {
            "in": "query",
            "name": "cursor",
            "schema": {"type": "string"},
            "description": "The `next` value of the previous page of this same query (signed; opaque).",
        },
    ]


def csv_parameters() -> list[dict[str, Any]]:
    return [
        {"in": "query", "name": "encoding", "schema": {"type": "string", "enum": sorted(ENCODINGS)},
         "description": "utf-8 (default), utf-8-sig (BOM, for Excel) or cp932 (shift_jis is an alias)."},
        {"in": "query", "name": "header", "schema": {"type": "string", "enum": ["name", "title"]},
         "description": "Header row of field names (default) or titles."},
        {"in": "query", "name": "newline", "schema": {"type": "string", "enum": sorted(NEWLINES)},
         "description": "Line ends; default lf for utf-8, crlf for the Excel flavours."},
    ]  # fmt: skip


def row_schema(resource: Resource) -> dict[str, Any]:
    properties = {}
    for field_ in resource.fields:
        schema: dict[str, Any] = {"type": JSON_TYPES.get(field_.type, "string"), "title": field_.title}
        if not field_.required:
            schema["nullable"] = True
        properties[field_.name] = schema
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    texts = {
        400: "A parameter is unknown or malformed",
        404: "No such dataset or resource",
        414: "Query string too long",
        422: "A value cannot be written in the encoding asked for",
        503: "The query took too long; see Retry-After",
    }
    responses = {str(status): _problem(texts[status]) for status in statuses}
    responses["default"] = _problem("Any other error")
    return responses


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "parameter": {"type": "string"},
        "suggestion": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}


def next_link(resource: Resource) -> dict[str, Any]:
    """The next page: the same query with the `next` cursor (what `next_url` spells out)."""
    names = [p["name"] for p in [*filter_parameters(resource), *control_parameters(resource)]]
    parameters = {f"query.{name}": f"$request.query.{name}" for name in names}
    parameters.update({"query.cursor": "$response.body#/next", "query.limit": "$request.query.limit"})
    return {"operationId": "rows", "parameters": parameters, "description": "The next page of this query."}


def resource_document(package: Package, resource: Resource, *, max_page_size: int, api_version: str) -> dict:
    """The OpenAPI 3.0 document of one resource's rows and rows.csv operations."""
    base = f"/api/v1/datasets/{package.name}/resources/{resource.name}"
    filters = filter_parameters(resource)
    page = {
        "type": "object",
        "properties": {
            "dataset": {"type": "string", "enum": [package.name]},
            "resource": {"type": "string", "enum": [resource.name]},
            "fields": {"type": "array", "items": {"type": "string", "enum": list(resource.field_names)}},
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "next": {"type": "string", "nullable": True},
            "next_url": {"type": "string", "nullable": True},
        },
        "required": ["dataset", "resource", "fields", "rows", "total", "limit", "next", "next_url"],
    }
    rows = {
        "summary": f"Rows of {resource.title} as JSON: filters, sort, fields, keyset paging",
        "operationId": "rows",
        "parameters": [*filters, *control_parameters(resource), *paging_parameters(max_page_size)],
        "responses": {
            "200": {
                "description": "A page of rows",
                "headers": {"X-Total-Count": {"schema": {"type": "integer", "minimum": 0}}},
                "content": {"application/json": {"schema": page}},
                "links": {"next": next_link(resource)},
            },
            "304": {"description": "Not modified"},
            **_errors(400, 404, 414, 503),
        },
    }
    rows_csv = {
        "summary": f"Every matching row of {resource.title} as CSV",
        "operationId": "rows_csv",
        "parameters": [*filters, *control_parameters(resource), *csv_parameters()],
        "responses": {
            "200": {"description": "CSV, streamed", "content": {"text/csv": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified"},
            **_errors(400, 404, 414, 422, 503),
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{package.title} / {resource.title}",
            "version": api_version,
            "description": f"The rows of resource {resource.name!r} of dataset {package.name!r}. "
            "Errors are RFC 9457 application/problem+json.",
        },
        "paths": {f"{base}/rows": {"get": rows}, f"{base}/rows.csv": {"get": rows_csv}},
        "components": {"schemas": {"Problem": PROBLEM_SCHEMA, "Row": row_schema(resource)}},
    }
