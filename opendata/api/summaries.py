"""Grouped summaries of a resource: `summary` (JSON pages) and `summary.<ext>` in every format."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from opendata.api.formats import ERRORS, attachment
from opendata.api.http import not_modified, not_modified_response, query_etag
from opendata.api.rows import CSV_PARAMETERS, QUERY_PARAMETERS, _csv_format
from opendata.catalog.models import Package, Resource
from opendata.context import api_url, json_response, release, service
from opendata.formats import registry
from opendata.formats.registry import Format
from opendata.formats.table import Table, metadata
from opendata.query.summary import Summary, page
from opendata.query.summary_params import SummaryQuery, parse_summary
from opendata.views import representations as rep

blp = Blueprint(
    "summaries",
    __name__,
    url_prefix="/api/v1/datasets/<name>/resources/<resource>",
    description="Grouped summaries of a resource: counts, sums, averages, minima and maxima by group.",
)

PARAMETERS = [
    {
        "in": "query",
        "name": "group_by",
        "schema": {"type": "string"},
        "description": "Comma-separated fields to group by (at most SUMMARY_MAX_FIELDS, 4 by default).",
    },
    {
        "in": "query",
        "name": "measures",
        "schema": {"type": "string", "default": "count"},
        "description": "Comma-separated `count`, `sum:f`, `avg:f`, `min:f`, `max:f` over numeric fields; "
        "each is an output column named `count`, `sum_f`, `avg_f` ...",
    },
    {
        "in": "query",
        "name": "pivot",
        "schema": {"type": "string"},
        "description": "One of the group_by fields, spread into columns `<measure>_<value>` "
        "(the wide layout).",
    },
    {
        "in": "query",
        "name": "sort",
        "schema": {"type": "string"},
        "description": "Comma-separated output columns; a leading minus sorts descending. "
        "Default: the groups.",
    },
    {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1}},
    {"in": "query", "name": "offset", "schema": {"type": "integer", "minimum": 0}},
    *(p for p in QUERY_PARAMETERS if isinstance(p, dict) and p.get("name") == "filters"),  # the rows' filters
]


def _query(resource: Resource, *, paged: bool, extra: frozenset[str] = frozenset()) -> SummaryQuery:
    config = current_app.config
    query = parse_summary(
        resource,
        request.args.to_dict(flat=False),
        default_limit=config["DEFAULT_PAGE_SIZE"],
        max_limit=config["MAX_PAGE_SIZE"],
        max_group_fields=config["SUMMARY_MAX_FIELDS"],
        extra_parameters=extra,
    )
    if not paged:  # files hold every group: no page size to give
        query = SummaryQuery(**{**query.__dict__, "limit": config["SUMMARY_MAX_GROUPS"], "offset": 0})
    return query


def _request(
    name: str, resource: str, paged: bool, extra: frozenset[str] = frozenset()
) -> tuple[Package, Resource, SummaryQuery, str]:
    data = service()
    package, found = data.resource(name, resource, release())
    return package, found, _query(found, paged=paged, extra=extra), query_etag(package.digest)


def _summary(package: Package, resource: Resource, query: SummaryQuery) -> Summary:
    return service().summaries.summary(package, resource, query)


@blp.route("/summary")
class SummaryJson(MethodView):
    @blp.doc(parameters=PARAMETERS, responses={"200": {"description": "A page of groups"}, **ERRORS})
    def get(self, name: str, resource: str) -> Response:
        """Grouped counts and measures as JSON pages, answered like rows"""
        package, found, query, etag = _request(name, resource, paged=True)
        if not_modified(etag):
            return not_modified_response(etag)
        summary = _summary(package, found, query)
        names = [f.name for f in summary.fields]
        rows = [dict(zip(names, row, strict=True)) for row in page(summary, query)]
        total = len(summary.rows)
        following = query.offset + query.limit
        next_url = None
        if following < total:
            params = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]
            next_url = f"{rep.resource_url(api_url(), package, found)}/summary?" + urlencode(
                [*params, ("offset", str(following))]
            )
        body = {
            "dataset": package.name,
            "resource": found.name,
            "group_by": list(query.group_by),
            "fields": names,
            "rows": rows,
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
            "next_url": next_url,
        }
        return json_response(body, headers={"ETag": f'"{etag}"', "X-Total-Count": str(total)})


def _summary_view(fmt: Format) -> None:
    extra = CSV_PARAMETERS if fmt.name == "csv" else frozenset()

    def get(self, name: str, resource: str) -> Response:
        package, found, query, etag = _request(name, resource, paged=False, extra=extra)
        if not_modified(etag):
            return not_modified_response(etag)
        summary = _summary(package, found, query)
        table = Table(found, summary.fields, summary.rows, metadata(package, found))
        options = {"flavour": _csv_format()} if fmt.name == "csv" else {}
        headers = {**attachment(package, found, fmt, "_summary"), "ETag": f'"{etag}"'}
        content_type = fmt.media_type
        if fmt.name == "csv":
            content_type = f"text/csv; charset={options['flavour'].charset}; header=present"
        chunks = fmt.chunks(table, **options)
        return Response(stream_with_context(chunks), content_type=content_type, headers=headers)

    get.__doc__ = f"Every group as {fmt.title}"
    responses = {
        "200": {"description": f"Every group as {fmt.title}", "content": {fmt.media_type: {}}},
        **ERRORS,
    }
    view = type(
        f"Summary{fmt.name.title()}",
        (MethodView,),
        {"get": blp.doc(parameters=PARAMETERS, responses=responses)(get)},
    )
    blp.route(f"/summary.{fmt.extension}")(view)


for _format in registry.streamed():
    _summary_view(_format)
