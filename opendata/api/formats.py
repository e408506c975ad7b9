"""Every registry format other than JSON and CSV (which have their own views), for queries
(`rows.<ext>`, streamed) and whole resources (`download.<ext>`, prebuilt at publish time).

The paths are made from opendata.formats.registry: a format added there is served here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Response, request, send_file
from flask.views import MethodView

from opendata.api.http import file_etag, not_modified, not_modified_response, query_etag
from opendata.api.rows import (
    CSV_PARAMETERS,
    QUERY_PARAMETERS,
    _describedby,
    _row_query,
    blp,
    content_disposition,
    export_response,
)
from opendata.catalog.models import Package, Resource
from opendata.context import api_url, release, service
from opendata.errors import UnknownParameter
from opendata.formats import registry
from opendata.formats.files import prebuilt_file, too_many_rows
from opendata.formats.registry import Format
from opendata.formats.table import resource_table
from opendata.query.params import RowQuery
from opendata.views import representations as rep

ERRORS = {
    "304": {"description": "Not modified"},
    "400": {"$ref": "#/components/responses/BAD_REQUEST"},
    "404": {"$ref": "#/components/responses/NOT_FOUND"},
}


def alternatives(package: Package, resource: Resource) -> list[str]:
    """Where a table too large for a format can be had instead: CSV and Parquet of the same query."""
    base = rep.resource_url(api_url(), package, resource)
    query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
    stem = "download" if request.path.rsplit("/", 1)[-1].startswith("download") else "rows"
    return [f"{base}/{stem}.csv{query}", f"{base}/{stem}.parquet{query}"]


def attachment(package: Package, resource: Resource, fmt: Format, stem: str = "") -> dict[str, str]:
    title, fallback = f"{resource.title}{stem}", f"{package.name}_{resource.name}{stem}"
    return {
        "Content-Disposition": content_disposition(f"{title}.{fmt.extension}", f"{fallback}.{fmt.extension}"),
        "Link": _describedby(package),
    }


def _rows_view(fmt: Format) -> type[MethodView]:
    def get(self, name: str, resource: str) -> Response:
        data = service()
        package, found = data.resource(name, resource, release())
        csv_only = next((k for k in request.args if k in CSV_PARAMETERS), None)
        if csv_only is not None:
            raise UnknownParameter(f"{csv_only}: applies to CSV only", parameter=csv_only)
        query = _row_query(found, paged=False)
        etag = query_etag(package.digest)
        if not_modified(etag):
            return not_modified_response(etag)
        # Decided before the first byte: a status cannot change once the body streams. Only a
        # table larger than the format holds needs the query's count (a query of 100,000 rows
        # costs a scan of them first).
        rows = data.engine.count(package, found, RowQuery())
        if fmt.max_rows is not None and rows > fmt.max_rows:
            rows = data.engine.count(package, found, query)
        refusal = too_many_rows(fmt, rows, alternatives(package, found))
        if refusal is not None:
            raise refusal
        if fmt.prebuilt and not query.filters and not query.sort and not query.fields:
            # The whole table in its own order: the file written at publish time, not minutes of work.
            return _send(package, found, fmt, prebuilt_file(package, found, fmt, ()))
        names = list(query.fields or found.field_names)
        headers = {**attachment(package, found, fmt), "ETag": f'"{etag}"'}

        def chunks() -> Iterator[bytes]:
            batches = data.engine.iter_columns(package, found, query) if fmt.columnar else None
            if batches is not None:
                return fmt.chunks(resource_table(package, found, names, (), batches))
            records = data.engine.iter_records(package, found, query)
            return fmt.chunks(resource_table(package, found, names, records))

        return export_response(etag, fmt.media_type, headers, chunks)

    get.__doc__ = f"Every matching row as {fmt.title}, streamed"
    content: dict[str, dict] = {fmt.media_type: {}}
    responses = {"200": {"description": f"Every matching row as {fmt.title}", "content": content}, **ERRORS}
    view = type(
        f"Rows{fmt.name.title()}",
        (MethodView,),
        {"get": blp.doc(parameters=QUERY_PARAMETERS, responses=responses)(get)},
    )
    return blp.route(f"/rows.{fmt.extension}")(view)


def _download_view(fmt: Format) -> type[MethodView]:
    def get(self, name: str, resource: str) -> Response:
        package, found = service().resource(name, resource, release())
        if request.args:
            raise _unknown(next(iter(request.args)))
        path = prebuilt_file(package, found, fmt, alternatives(package, found))
        etag = file_etag(package, path)
        if not_modified(etag):
            return not_modified_response(etag)
        return _send(package, found, fmt, path)

    get.__doc__ = f"The whole resource as {fmt.title}, written at publish time"
    content: dict[str, dict] = {fmt.media_type: {}}
    responses = {"200": {"description": f"The whole resource as {fmt.title}", "content": content}, **ERRORS}
    view = type(f"Download{fmt.name.title()}", (MethodView,), {"get": blp.doc(responses=responses)(get)})
    return blp.route(f"/download.{fmt.extension}")(view)


def _send(package: Package, resource: Resource, fmt: Format, path: Path) -> Response:
    response = send_file(path, mimetype=fmt.media_type, etag=file_etag(package, path), conditional=True)
    response.headers.update(attachment(package, resource, fmt))
    return response


def _unknown(parameter: str) -> UnknownParameter:
    return UnknownParameter(f"{parameter}: download files take no parameters", parameter=parameter)


for _format in registry.streamed():
    if _format.name != "csv":
        _rows_view(_format)
for _format in registry.prebuilt():
    _download_view(_format)
