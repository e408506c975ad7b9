"""Rows of a resource: JSON pages, CSV of every matching row, and whole-file downloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from http import HTTPStatus
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, request, send_file, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api.http import file_etag, not_modified, not_modified_response, query_etag
from opendata.api.resource_openapi import resource_document
from opendata.api.schemas import CsvQuery, RowsPage
from opendata.catalog.models import Package, Resource
from opendata.catalog.suggest import field_suggestion
from opendata.context import api_url, json_response, release, service
from opendata.errors import InvalidParameter, UnknownField, UnknownParameter
from opendata.exports.csv_export import ENCODINGS, CsvFormat, csv_stream, default_header, file_names
from opendata.query.params import RowQuery, parse_query, split
from opendata.views import representations as rep

blp = Blueprint(
    "rows",
    __name__,
    url_prefix="/api/v1/datasets/<name>/resources/<resource>",
    description="Rows of a resource, queried and downloaded.",
)

CSV_PARAMETERS = frozenset(CsvQuery().fields)
FILTER_DOC = (
    "Filters on any field, one query parameter each: `field=value` (equality) or `field__op=value` with op "
    "one of eq, ne, gt, gte, lt, lte, in and notin (comma-separated values), contains (text fields) and "
    "isnull (true or false). Values are typed by the schema and checked against its enum; an unknown "
    "field, operator or parameter is a 400. Each resource's own OpenAPI document "
    "(`…/resources/{resource}/openapi.json`) lists its fields, types, operators and enums."
)
QUERY_PARAMETERS = [
    {
        "in": "query",
        "name": "sort",
        "schema": {"type": "string"},
        "description": "Comma-separated field names; a leading minus sorts descending, e.g. "
        "`-fiscal_year,total`. Each field at most once.",
    },
    {
        "in": "query",
        "name": "fields",
        "schema": {"type": "string"},
        "description": "Comma-separated names of the fields to return, in that order.",
    },
    {
        "in": "query",
        "name": "filters",
        "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        "style": "form",
        "explode": True,
        "description": FILTER_DOC,
    },
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
        "description": "The `next` value of the previous page of the same query (signed; opaque).",
    },
]
ROWS_HEADERS = {
    "X-Total-Count": {"schema": {"type": "integer"}, "description": "Rows matching the filters."},
    "ETag": {"schema": {"type": "string"}},
    "Link": {
        "schema": {"type": "string"},
        "description": '`rel="next"` (when there is more) and `rel="describedby"`.',
    },
}
CSV_CONTENT = {"content": {"text/csv": {"schema": {"type": "string"}}}}
CSV_HEADERS = {
    "Content-Disposition": {"schema": {"type": "string"}, "description": "RFC 6266 file name, UTF-8."},
    "ETag": {"schema": {"type": "string"}},
    "Link": {"schema": {"type": "string"}, "description": '`rel="describedby"`: the datapackage.json.'},
}


def documented_errors(*statuses: int):
    """Document 304 and these error statuses, each as its problem+json component response."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return blp.alt_response(304, description="Not modified")(view)

    return decorate


FACET_PARAMETER = {
    "in": "query",
    "name": "facet",
    "schema": {"type": "string"},
    "description": "Comma-separated fields whose value counts under the current filters are answered "
    "under `facets` as `{field: [{value, count}]}`, most frequent first, at most FACET_LIMIT (20) "
    "values each.",
}


def export_response(
    etag: str, content_type: str, headers: dict[str, str], chunks: Callable[[], Iterator[bytes]]
) -> Response:
    """A streamed export of a query: sent again from the export cache when it holds `etag` (the
    same release, path and query: the same bytes), else `chunks()` streamed and kept."""
    exports = service().exports
    kept = exports.get(etag)
    if kept is not None:
        return Response(kept, content_type=content_type, headers=headers)
    streamed = stream_with_context(exports.keep(etag, chunks()))
    return Response(streamed, content_type=content_type, headers=headers)


def _row_query(resource: Resource, *, paged: bool) -> RowQuery:
    args = request.args.to_dict(flat=False)
    if not paged:
        for name in ("limit", "cursor"):
            if name in args:
                path = request.path.rsplit("/", 1)[-1]  # rows.csv, rows.xlsx …
                raise InvalidParameter(
                    f"{name}: {path} returns every matching row; page with /rows instead", parameter=name
                )
    config = current_app.config
    try:
        return parse_query(
            resource,
            args,
            default_limit=config["DEFAULT_PAGE_SIZE"],
            max_limit=config["MAX_PAGE_SIZE"],
            extra_parameters=frozenset({"facet"}) if paged else CSV_PARAMETERS,
        )
    except (UnknownField, UnknownParameter) as problem:
        raise field_suggestion(problem, resource, args) from None


def _facets(resource: Resource) -> list[str]:
    raw = request.args.getlist("facet")
    if len(raw) > 1:
        raise InvalidParameter(f"facet: give it once, not {len(raw)} times", parameter="facet")
    names = list(dict.fromkeys(split(raw[0]))) if raw else []
    for name in names:
        if resource.field(name) is None:
            raise UnknownField(f"facet: resource {resource.name!r} has no field {name!r}", parameter="facet")
    return names


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
    @blp.doc(parameters=[*QUERY_PARAMETERS, *PAGE_PARAMETERS, FACET_PARAMETER])
    @blp.response(200, RowsPage, description="A page of rows", headers=ROWS_HEADERS)
    @documented_errors(400, 404, 414, 503)
    def get(self, name: str, resource: str) -> Response:
        """Rows as JSON: filters, sort, field selection, keyset paging and the total count"""
        data = service()
        package, found = data.resource(name, resource, release())
        query = _row_query(found, paged=True)
        etag = query_etag(package.digest)
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
        facets = _facets(found)
        if facets:
            body["facets"] = data.summaries.facets(package, found, query, facets)
        return json_response(body, headers=headers)


@blp.route("/rows.csv")
class RowsCsv(MethodView):
    @blp.arguments(CsvQuery, location="query", unknown="include", as_kwargs=True)
    @blp.doc(parameters=[{"in": "query", "schema": CsvQuery}, *QUERY_PARAMETERS])
    @blp.response(
        200, content_type="text/csv", description="Every matching row as CSV, streamed", headers=CSV_HEADERS
    )
    @blp.doc(responses={200: CSV_CONTENT})
    @documented_errors(400, 404, 414, 422, 503)
    def get(self, name: str, resource: str, **_: str) -> Response:
        """Every matching row as CSV, in UTF-8, UTF-8 with BOM or CP932 for Japanese Excel"""
        package, found = service().resource(name, resource, release())
        query, fmt = _row_query(found, paged=False), _csv_format()
        etag = query_etag(package.digest)
        if not_modified(etag):
            return not_modified_response(etag)
        headers = {
            "Link": _describedby(package),
            "ETag": f'"{etag}"',
            "Content-Disposition": csv_disposition(package, found, fmt),
        }
        mimetype = f"text/csv; charset={fmt.charset}; header=present"
        if not query.filters and not query.sort and not query.fields:
            # The whole table in a fixed order: the file written when the release was published.
            path = service().downloads.csv_file(package, found, fmt)
            response = send_file(path, mimetype="text/csv", etag=etag, conditional=True)
            response.headers.update({k: v for k, v in headers.items() if k != "ETag"})
            response.headers["Content-Type"] = mimetype
            return response
        # For cp932 this refuses before the first byte: a status cannot change mid-stream.
        chunks = partial(csv_stream, service().engine, package, found, query, fmt)
        return export_response(etag, mimetype, headers, chunks)


@blp.route("/download.csv")
class Download(MethodView):
    @blp.arguments(CsvQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.response(
        200, content_type="text/csv", description="The whole resource as a file", headers=CSV_HEADERS
    )
    @blp.doc(responses={200: CSV_CONTENT})
    @documented_errors(400, 404, 422)
    def get(self, name: str, resource: str, **_: str) -> Response:
        """The whole resource as a file written at publish time (UTF-8 is the package's own file)"""
        package, found = service().resource(name, resource, release())
        fmt = _csv_format()
        path = service().downloads.csv_file(package, found, fmt)
        etag = file_etag(package, path)
        if not_modified(etag):
            return not_modified_response(etag)
        response = send_file(path, mimetype="text/csv", etag=etag, conditional=True)
        response.headers["Content-Type"] = f"text/csv; charset={fmt.charset}; header=present"
        response.headers["Link"] = _describedby(package)
        response.headers["Content-Disposition"] = csv_disposition(package, found, fmt)
        return response


@blp.route("/openapi.json")
class ResourceOpenApi(MethodView):
    @blp.response(200, description="An OpenAPI 3.0 document")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str, resource: str) -> Response:
        """This resource's own OpenAPI document: every filter with its field's type, operators and enum"""
        package, found = service().resource(name, resource, release())
        config = current_app.config
        document = resource_document(
            package, found, max_page_size=config["MAX_PAGE_SIZE"], api_version=config["API_VERSION"]
        )
        return json_response(document)
