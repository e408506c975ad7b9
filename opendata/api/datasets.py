"""The catalog: index, search, dataset metadata, remote datapackage.json, zip."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api import representations as rep
from opendata.api.context import api_url, json_response, service
from opendata.api.http import not_modified, not_modified_response, strong_etag
from opendata.api.schemas import CatalogQuery, DatasetDetail, DatasetList, ResourceDetail
from opendata.catalog.changes import parse_time
from opendata.errors import InvalidParameter, all_problem_types
from opendata.exports.files import ZIP_LAYOUT, package_readme

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
    def get(
        self,
        q: str = "",
        keyword: str | None = None,
        theme: str | None = None,
        modified_since: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ):
        """Search the catalog (Japanese or English), filter by keyword, theme or change date; page it"""
        data = service()
        since = _since(modified_since)
        found = [
            hit
            for hit in data.search.find(q or "", keyword, theme)
            if since is None or rep.content_time(data, hit.package) >= since
        ]
        page = found[offset : offset + limit]
        api = api_url()
        asked = {"q": q, "keyword": keyword, "theme": theme, "modified_since": modified_since}
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


def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    moment = parse_time(raw)
    if moment is None:
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
        return rep.dataset_detail(service(), api_url(), service().package(name))


@blp.route("/datasets/<name>/datapackage.json")
class RemoteDescriptor(MethodView):
    @blp.response(200)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """Frictionless descriptor whose resource paths are URLs of this API"""
        package = service().package(name)
        return json_response(rep.remote_descriptor(api_url(), package))


@blp.route("/datasets/<name>/download.zip")
class PackageZip(MethodView):
    @blp.response(200, content_type="application/zip")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str) -> Response:
        """The whole package as a zip: data, datapackage.json, schemas, README with licence"""
        package = service().package(name)
        etag = strong_etag(package.digest, "zip", ZIP_LAYOUT)
        if not_modified(etag):
            return not_modified_response(etag)
        path = service().downloads.package_zip(
            package, package_readme(package, rep.dataset_url(api_url(), package))
        )
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
        package, found = service().resource(name, resource)
        return rep.resource_detail(service(), api_url(), package, found)
