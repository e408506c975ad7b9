"""Rows of a resource: JSON pages, CSV of every matching row, and whole-file downloads."""

from __future__ import annotations

from urllib.parse import quote as url_quote
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, request, send_file, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api import representations as rep
from opendata.api.context import api_url, json_response, service
from opendata.api.http import not_modified, not_modified_response, query_etag, strong_etag
from opendata.api.schemas import CsvQuery, RowsPage
from opendata.catalog.models import Package, Resource
from opendata.catalog.suggest import field_suggestion
from opendata.errors import InvalidParameter, UnknownField, UnknownParameter
from opendata.exports.csv_export import ENCODINGS, CsvFormat, csv_stream, default_header, file_names
from opendata.query.params import RowQuery, parse_query

blp = Blueprint(
    "rows",
    __name__,
    url_prefix="/api/v1/datasets/<name>/resources/<resource>",
    description="Rows of a resource, queried and downloaded.",
)

CSV_PARAMETERS = frozenset(CsvQuery().fields)
FILTER_DOC = (
    "Filter on any field: `field=value` (equality) or `field__op=value` with op one of eq, ne, gt, gte, lt, "
    "lte, in (comma-separated), notin, contains (text), isnull (true/false). Values are typed by the "
    "schema; an unknown field, operator or parameter is a 400."
)
QUERY_PARAMETERS = [
    {
        "in": "query",
        "name": "sort",
        "schema": {"type": "string"},
        "description": "Comma-separated fields; a leading minus sorts descending, e.g. `-fiscal_year,total`.",
    },
    {
        "in": "query",
        "name": "fields",
        "schema": {"type": "string"},
        "description": "Comma-separated fields to return.",
    },
    {"in": "query", "name": "{field}[__{op}]", "schema": {"type": "string"}, "description": FILTER_DOC},
]
PAGE_PARAMETERS = [
    {
        "in": "query",
        "name": "limit",
        "schema": {"type": "integer", "minimum": 1},
        "description": "Rows per page; default and maximum are settings (100 and 1000 unless configured).",
    },
    {
        "in": "query",
        "name": "cursor",
        "schema": {"type": "string"},
        "description": "The `next` value of the previous page.",
    },
]


def _row_query(resource: Resource, *, paged: bool) -> RowQuery:
    args = request.args.to_dict(flat=False)
    if not paged:
        for name in ("limit", "cursor"):
            if name in args:
                raise InvalidParameter(
                    f"{name}: rows.csv returns every matching row; page with /rows instead", parameter=name
                )
    config = current_app.config
    try:
        return parse_query(
            resource,
            args,
            default_limit=config["DEFAULT_PAGE_SIZE"],
            max_limit=config["MAX_PAGE_SIZE"],
            extra_parameters=frozenset() if paged else CSV_PARAMETERS,
        )
    except (UnknownField, UnknownParameter) as problem:
        raise field_suggestion(problem, resource, args) from None


def _csv_format() -> CsvFormat:
    raw = {k: v for k, v in request.args.items() if k in CSV_PARAMETERS}
    loaded = CsvQuery(partial=False).load(raw)
    encoding = ENCODINGS[loaded["encoding"]]
    return CsvFormat(encoding, loaded.get("header") or default_header(encoding), loaded.get("newline"))


def _describedby(package: Package, api: str | None = None) -> str:
    return f'<{rep.dataset_url(api or api_url(), package)}/datapackage.json>; rel="describedby"'


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266 with an RFC 5987 UTF-8 name, so Japanese file names survive."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{url_quote(filename, safe='')}"


def csv_disposition(package: Package, resource: Resource, fmt: CsvFormat) -> str:
    return content_disposition(*file_names(resource.title, f"{package.name}_{resource.name}", fmt.encoding))


@blp.route("/rows")
class Rows(MethodView):
    @blp.doc(
        parameters=[*QUERY_PARAMETERS, *PAGE_PARAMETERS],
        responses={
            "200": {"description": "A page of rows", "content": {"application/json": {"schema": RowsPage}}},
            "304": {"description": "Not modified"},
            "400": {"$ref": "#/components/responses/BAD_REQUEST"},
            "404": {"$ref": "#/components/responses/NOT_FOUND"},
        },
    )
    def get(self, name: str, resource: str) -> Response:
        """Rows as JSON: filters, sort, field selection, keyset paging and the total count"""
        data = service()
        package, found = data.resource(name, resource)
        query = _row_query(found, paged=True)
        etag = query_etag(data.store.digest(package))
        if not_modified(etag):
            return not_modified_response(etag)
        page = data.engine.page(package, found, query, as_json=True)
        next_url = None
        headers = {"X-Total-Count": str(page.total), "ETag": f'"{etag}"'}
        api = api_url()
        if page.next_cursor:
            params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"] + [
                ("cursor", page.next_cursor)
            ]
            next_url = f"{rep.resource_url(api, package, found)}/rows?{urlencode(params)}"
            headers["Link"] = f'<{next_url}>; rel="next", {_describedby(package, api)}'
        else:
            headers["Link"] = _describedby(package, api)
        assert page.rows_json is not None  # asked for with as_json=True
        body = {
            "dataset": package.name,
            "resource": found.name,
            "fields": page.fields,
            "rows": orjson.Fragment(page.rows_json),  # written by the engine, not serialised again
            "total": page.total,
            "limit": query.limit,
            "next": page.next_cursor,
            "next_url": next_url,
        }
        return json_response(body, headers=headers)


@blp.route("/rows.csv")
class RowsCsv(MethodView):
    @blp.arguments(CsvQuery, location="query", unknown="include", as_kwargs=True)
    @blp.doc(
        parameters=QUERY_PARAMETERS,
        responses={
            "200": {"description": "Every matching row as CSV, streamed", "content": {"text/csv": {}}},
            "304": {"description": "Not modified"},
            "400": {"$ref": "#/components/responses/BAD_REQUEST"},
            "404": {"$ref": "#/components/responses/NOT_FOUND"},
            "422": {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
        },
    )
    def get(self, name: str, resource: str, **_: str) -> Response:
        """Every matching row as CSV, in UTF-8, UTF-8 with BOM or CP932 for Japanese Excel"""
        package, found = service().resource(name, resource)
        query, fmt = _row_query(found, paged=False), _csv_format()
        etag = query_etag(service().store.digest(package))
        if not_modified(etag):
            return not_modified_response(etag)
        headers = {
            "Link": _describedby(package),
            "ETag": f'"{etag}"',
            "Content-Disposition": csv_disposition(package, found, fmt),
        }
        mimetype = f"text/csv; charset={fmt.charset}; header=present"
        if not query.filters and not query.sort and not query.fields:
            # The whole table in a fixed order: the file built once per version.
            path = service().downloads.csv_file(package, found, fmt)
            response = send_file(path, mimetype="text/csv", etag=etag, conditional=True)
            response.headers.update({k: v for k, v in headers.items() if k != "ETag"})
            response.headers["Content-Type"] = mimetype
            return response
        # For cp932 this refuses before the first byte: a status cannot change mid-stream.
        chunks = csv_stream(service().engine, package, found, query, fmt)
        return Response(stream_with_context(chunks), content_type=mimetype, headers=headers)


@blp.route("/download.csv")
class Download(MethodView):
    @blp.arguments(CsvQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.doc(
        responses={
            "200": {"description": "The whole resource as a file", "content": {"text/csv": {}}},
            "304": {"description": "Not modified"},
            "404": {"$ref": "#/components/responses/NOT_FOUND"},
        }
    )
    def get(self, name: str, resource: str, **_: str) -> Response:
        """The whole resource as a file built once per version (UTF-8 is the package's own file)"""
        package, found = service().resource(name, resource)
        fmt = _csv_format()
        etag = strong_etag(
            service().store.digest(package), found.name, fmt.encoding, fmt.header, fmt.line_terminator
        )
        if not_modified(etag):
            return not_modified_response(etag)
        path = service().downloads.csv_file(package, found, fmt)
        response = send_file(path, mimetype="text/csv", etag=etag, conditional=True)
        response.headers["Content-Type"] = f"text/csv; charset={fmt.charset}; header=present"
        response.headers["Link"] = _describedby(package)
        response.headers["Content-Disposition"] = csv_disposition(package, found, fmt)
        return response
