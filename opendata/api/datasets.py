"""The catalog: index, search, dataset metadata, remote datapackage.json, zip."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api.http import file_etag, not_modified, not_modified_response
from opendata.api.schemas import CatalogQuery, DatasetDetail, DatasetList, ResourceDetail
from opendata.catalog.changes import parse_time
from opendata.context import api_url, json_response, release, service
from opendata.errors import InvalidParameter, PublisherNotFound, all_problem_types
from opendata.views import representations as rep

blp = Blueprint("datasets", __name__, url_prefix="/api/v1", description="The catalog of data packages.")


@blp.route("/")
class Index(MethodView):
    @blp.response(200)
    def get(self):
        """API index: what exists and where"""
        api = api_url()
        return {
            "title": "Kanagawa open data API",
            "version": "v1",
            "datasets": len(service().catalog),
            "links": {
                "datasets": f"{api}/datasets",
                "publishers": f"{api}/publishers",
                "openapi": f"{api}/openapi.json",
                "docs": f"{api}/docs",
                "problems": f"{api}/problems",
                "themes": f"{api}/themes",
                "feed": f"{api}/feed.atom",
                "feed_json": f"{api}/feed.json",
                "ckan": f"{api.removesuffix('/api/v1')}/api/3/action/package_list",
                "dcat": f"{api.removesuffix('/api/v1')}/catalog.jsonld",
            },
        }


@blp.route("/problems")
class Problems(MethodView):
    @blp.response(200)
    def get(self):
        """The problem types errors name in their `type`"""
        return {
            "problems": [
                {"type": cls("").type_uri, "slug": cls.slug, "title": cls.title, "status": cls.status}
                for cls in all_problem_types()
            ]
        }


@blp.route("/datasets")
class Datasets(MethodView):
    @blp.arguments(CatalogQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.response(200, DatasetList)
    @blp.alt_response(400, response="BAD_REQUEST")  # modified_since that is not a date-time
    @blp.alt_response(404, response="NOT_FOUND")  # a publisher, theme or keyword naming nothing
    def get(
        self,
        q: str = "",
        keyword: str | None = None,
        theme: str | None = None,
        publisher: str | None = None,
        modified_since: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ):
        """Search the catalog (Japanese or English), filter by keyword, theme, publisher or change
        date; page it"""
        data = service()
        since = _since(modified_since)
        published = _published_by(publisher) if publisher else None
        found = [
            hit
            for hit in data.search.find(q or "", keyword, theme)
            if (published is None or hit.package.name in published)
            and (since is None or rep.content_time(hit.package) >= since)
        ]
        page = found[offset : offset + limit]
        api = api_url()
        asked = {
            "q": q,
            "keyword": keyword,
            "theme": theme,
            "publisher": publisher,
            "modified_since": modified_since,
        }
        next_url = None
        if offset + limit < len(found):
            next_url = f"{api}/datasets?" + _query(asked, limit, offset + limit)
        return {
            "total": len(found),
            "offset": offset,
            "limit": limit,
            "datasets": [
                {**rep.dataset_summary(data, api, hit.package), **rep.match_reasons(hit)} for hit in page
            ],
            "links": {
                "self": f"{api}/datasets?" + _query(asked, limit, offset),
                "next": next_url,
                "feed": f"{api}/feed.atom",
                "feed_json": f"{api}/feed.json",
            },
        }


def _published_by(key: str) -> set[str]:
    try:
        return {p.name for p in service().publisher(key)[1]}
    except PublisherNotFound:
        known = ", ".join(p.slug for p, _ in service().publishers())
        # A 404 like /publishers/{name}: the value is well formed, it names nobody.
        raise PublisherNotFound(
            f"publisher: no publisher {key!r}; there are: {known or 'none'}", parameter="publisher"
        ) from None


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None  # an empty value is not a date-time: refused below, as documented
    moment = parse_time(raw)
    if moment is None:
        try:  # a well-formed moment before year 1 in UTC (0001-01-01T00:00+09:00): no limit
            datetime.fromisoformat(raw.strip())
            return datetime.min
        except ValueError:
            pass
        raise InvalidParameter(
            f"modified_since: {raw!r} is not an ISO 8601 date or date-time (2026-11-26 or "
            "2026-11-26T09:00:00Z)",
            parameter="modified_since",
        )
    return moment


def _query(asked: dict[str, str | None], limit: int, offset: int) -> str:
    params = {k: v for k, v in asked.items() if v}
    return urlencode({**params, "limit": limit, "offset": offset})


@blp.route("/datasets/<name>")
class DatasetView(MethodView):
    @blp.response(200, DatasetDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """A dataset's metadata, versions, and links to every representation"""
        return rep.dataset_detail(service(), api_url(), service().package(name, release()))


@blp.route("/datasets/<name>/datapackage.json")
class RemoteDescriptor(MethodView):
    @blp.response(200)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """Frictionless descriptor whose resource paths are URLs of this API"""
        package = service().package(name, release())
        return json_response(rep.remote_descriptor(api_url(), package))


@blp.route("/datasets/<name>/download.zip")
class PackageZip(MethodView):
    @blp.response(200, content_type="application/zip")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str) -> Response:
        """The whole package as a zip: data, datapackage.json, schemas, README with licence"""
        package = service().package(name, release())
        path = service().downloads.package_zip(package)
        etag = file_etag(package, path)
        if not_modified(etag):
            return not_modified_response(etag)
        response = send_file(
            path,
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"{package.name}-{package.version}.zip",
            etag=etag,
            conditional=True,
        )
        return response


@blp.route("/datasets/<name>/resources/<resource>")
class ResourceView(MethodView):
    @blp.response(200, ResourceDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str, resource: str):
        """A resource's metadata and Table Schema"""
        package, found = service().resource(name, resource, release())
        return rep.resource_detail(service(), api_url(), package, found)


@blp.route("/publishers")
class Publishers(MethodView):
    @blp.response(200)
    def get(self):
        """Every publisher of the catalog (全国地方公共団体コード, names) with its number of datasets"""
        api = api_url()
        listed = [rep.publisher_dict(api, p, len(found)) for p, found in service().publishers()]
        return {"total": len(listed), "publishers": listed}


@blp.route("/publishers/<name>")
class PublisherView(MethodView):
    @blp.response(200)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """A publisher and the datasets it publishes"""
        api = api_url()
        publisher, found = service().publisher(name)
        return {
            **rep.publisher_dict(api, publisher, len(found)),
            "datasets": [rep.dataset_summary(service(), api, p) for p in found],
        }
