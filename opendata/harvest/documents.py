"""DCAT and schema.org documents at the paths ckanext-dcat uses.

- /catalog.{ttl,jsonld,rdf,xml,n3}?page=&modified_since=  the catalog, paged with Hydra
- /dataset/<id or name>.{ttl,jsonld,rdf,xml,n3}           one dataset
- /dataset/<id or name>.schemaorg.jsonld                  one dataset as a schema.org Dataset

Errors are the service's problem+json; unknown parameters are a 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, current_app, request

from opendata import errors, schemaorg
from opendata.catalog.changes import parse_time
from opendata.harvest import dcat, records
from opendata.harvest.records import Published
from opendata.metadata import Publishing
from opendata.numbers import parse_int
from opendata.views.representations import dataset_detail

bp = Blueprint("dcat", __name__)
EXTENSIONS = "any(ttl, jsonld, rdf, xml, n3)"
CATALOG_PARAMETERS = ("page", "modified_since")


def published() -> Published:
    return records.published(current_app.extensions, current_app.config)


def catalog_title() -> str:
    return str(current_app.config.get("API_TITLE", "Kanagawa open data"))


def publishing() -> Publishing:
    return Publishing.from_settings(current_app.config)


def root_url() -> str:
    return (current_app.config.get("BASE_URL") or request.host_url).rstrip("/")


def document(body: bytes, extension: str) -> Response:
    _, media_type = dcat.FORMATS[extension]
    return Response(body, mimetype=media_type, content_type=f"{media_type}; charset=utf-8")


def catalog_arguments() -> tuple[int, Any]:
    for name in request.args:
        if name not in CATALOG_PARAMETERS:
            raise errors.UnknownParameter(
                f"{name}: not a parameter here; use {', '.join(CATALOG_PARAMETERS)}", parameter=name
            )
    try:
        page = parse_int(request.args.get("page", "1"), minimum=1)
    except ValueError:
        raise errors.InvalidParameter("page: must be a whole number from 1", parameter="page") from None
    since = None
    if request.args.get("modified_since"):
        since = parse_time(request.args["modified_since"])
        if since is None:
            raise errors.InvalidParameter(
                "modified_since: use an ISO 8601 date or date-time, e.g. 2026-01-31T00:00:00Z",
                parameter="modified_since",
            )
    return page, since


@bp.get(f"/catalog.<{EXTENSIONS}:extension>")
def catalog(extension: str) -> Response:
    """The catalog as DCAT-AP, DATASETS_PER_PAGE datasets a page, newest first (as ckanext-dcat)."""
    number, since = catalog_arguments()
    root, store = root_url(), published()
    size = current_app.config["DCAT_DATASETS_PER_PAGE"]

    def build() -> bytes:
        api = f"{root}/api/v1"
        items = [
            (entry, package)
            for entry, package in zip(store.catalog.entries, store.packages(api), strict=True)
            if since is None or entry.modified >= since
        ]
        items.sort(key=lambda item: (item[0].modified, item[0].package.id), reverse=True)
        query = f"?{urlencode({'modified_since': request.args['modified_since']})}" if since else ""
        base = f"{root}/catalog.{extension}{query}"
        paging = dcat.Paging(number, size, len(items), base)
        if number > paging.last:
            raise errors.NotFound(f"page {number} does not exist; the last page is {paging.last}")
        page = items[(number - 1) * size : number * size]
        title = catalog_title()
        entries = store.catalog.entries
        graph = dcat.catalog_graph(
            root,
            title,
            publishing(),
            page,
            paging,
            store.catalog.modified,
            min((e.created for e in entries), default=store.catalog.modified),
            [e.package for e in entries],
        )
        return dcat.serialize(graph, extension)

    key = ("catalog", root, extension, number, since, size)
    return document(store.memo(key, build), extension)


@bp.get("/dataset/<key>.schemaorg.jsonld")
def dataset_schema_org(key: str) -> Response:
    """One dataset as a schema.org Dataset (JSON-LD)."""
    root, store = root_url(), published()
    entry = store.catalog.find(key)
    if entry is None:
        raise errors.DatasetNotFound(f"no dataset with id or name {key!r}", parameter="name")
    service, package = current_app.extensions["opendata"], entry.package
    detail = dataset_detail(service, f"{root}/api/v1", package)
    unavailable = frozenset(
        resource["links"]["download_csv_shift_jis"]
        for resource in detail["resources"]
        if service.downloads.cp932_refusal(package, package.resource(resource["name"])) is not None
    )
    site = schemaorg.Site(root, catalog_title(), publishing(), entry.modified)
    body = schemaorg.dataset(detail, package, site, unavailable)
    return Response(orjson.dumps(body), mimetype="application/ld+json")


@bp.get(f"/dataset/<key>.<{EXTENSIONS}:extension>")
def dataset(key: str, extension: str) -> Response:
    """One dataset and its distributions as DCAT-AP."""
    root, store = root_url(), published()
    entry = store.catalog.find(key)
    if entry is None:
        raise errors.DatasetNotFound(f"no dataset with id or name {key!r}", parameter="name")

    def build() -> bytes:
        package = store.package(f"{root}/api/v1", entry.package.id)
        assert package is not None
        graph = dcat.dataset_graph(root, catalog_title(), publishing(), entry, package)
        return dcat.serialize(graph, extension)

    return document(store.memo(("dataset", root, extension, entry.package.id), build), extension)
