"""Packages and resources as the API shows them: plain dicts with absolute links.

`api` is the absolute URL of /api/v1 for this request, so every link a client gets can be
followed as it is.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from opendata import metadata
from opendata.catalog.changes import release_time
from opendata.catalog.models import Package, Publisher, Resource
from opendata.catalog.search import Hit
from opendata.formats import registry
from opendata.publish.releases import Release
from opendata.query.summary_params import wide_layout
from opendata.service import DataService


def dataset_url(api: str, package: Package) -> str:
    """The dataset's API path; for a package opened as a past release, that release's path."""
    if package.pinned:
        return f"{api}/datasets/{package.name}/releases/{package.release_id}"
    return f"{api}/datasets/{package.name}"


def resource_url(api: str, package: Package, resource: Resource) -> str:
    return f"{dataset_url(api, package)}/resources/{resource.name}"


def resource_links(api: str, package: Package, resource: Resource) -> dict[str, str]:
    base = resource_url(api, package, resource)
    download = f"{base}/download.csv"
    return {
        "self": base,
        "rows": f"{base}/rows",
        "rows_csv": f"{base}/rows.csv",
        "download_csv": download,
        "download_csv_excel": f"{download}?encoding=utf-8-sig",
        "download_csv_shift_jis": f"{download}?encoding=cp932",
        "datapackage": f"{dataset_url(api, package)}/datapackage.json",
        **registry.resource_links(base),
        **({"summary_wide": f"{base}/summary?{wide}"} if (wide := wide_layout(resource)) else {}),
    }


def dataset_links(api: str, package: Package) -> dict[str, str]:
    base = dataset_url(api, package)
    return {
        "self": base,
        "datapackage": f"{base}/datapackage.json",
        "zip": f"{base}/download.zip",
        "html": f"{api.removesuffix('/api/v1')}/datasets/{package.name}",
    }


def licence(package: Package) -> dict[str, Any]:
    first = package.licenses[0] if package.licenses else {}
    return {
        "id": first.get("name"),
        "title": first.get("title"),
        "url": first.get("path"),
        "attribution": package.attribution,
    }


def content_time(package: Package) -> datetime:
    """When the package's content last changed, naive UTC: the publication time of its
    release (a dataset's first release is as old as its descriptor says)."""
    return release_time(package)


def content_modified(package: Package) -> str:
    return content_time(package).replace(microsecond=0).isoformat() + "Z"


def match_reasons(hit: Hit) -> dict[str, Any]:
    """Why a search found the dataset: per term, the word found (a synonym, perhaps) and where."""
    if not hit.reasons:
        return {}
    return {
        "matched": [
            {"term": r.term, "matched": r.matched, "where": r.where, "snippet": r.snippet}
            for r in hit.reasons
        ]
    }


def dataset_summary(service: DataService, api: str, package: Package) -> dict[str, Any]:
    return {
        "name": package.name,
        "id": package.id,
        "title": package.title,
        "title_english": package.title_english,
        "description": package.description,
        "description_english": package.description_english,
        "keywords": list(package.keywords),
        "theme": package.theme,
        "version": package.version,
        "created": package.created,
        "modified": content_modified(package),
        "digest": f"sha256:{package.digest}",
        "coverage": service.coverage(package),
        "license": licence(package),
        "source": package.source,
        # The publishing body the catalog lists and filters by (/publishers); `publisher` in a
        # dataset's detail is who publishes the dataset in DCAT's sense (opendata.metadata).
        "organization": publisher_dict(api, package.publisher) if package.publisher else None,
        "resources": [
            {
                "name": r.name,
                "title": r.title,
                "title_english": r.title_english,
                "rows": service.row_count(package, r),
                "url": resource_url(api, package, r),
            }
            for r in package.resources
        ],
        "links": dataset_links(api, package),
    }


def dataset_detail(service: DataService, api: str, package: Package) -> dict[str, Any]:
    body = dataset_summary(service, api, package)
    body["contributors"] = package.descriptor.get("contributors", [])
    body["release"] = release_summary(api, package)
    body.update(metadata.describe(package, metadata.Publishing.from_settings(service.settings)))
    body["versions"] = [
        {
            "version": package.version,
            "created": package.created,
            "modified": content_modified(package),
            "digest": f"sha256:{package.digest}",
            "current": not package.pinned,
            "datapackage": f"{dataset_url(api, package)}/datapackage.json",
        }
    ]
    body["resources"] = [resource_detail(service, api, package, r) for r in package.resources]
    return body


def resource_detail(service: DataService, api: str, package: Package, resource: Resource) -> dict[str, Any]:
    return {
        "name": resource.name,
        "dataset": package.name,
        "title": resource.title,
        "title_english": resource.title_english,
        "description": resource.description,
        "description_english": resource.description_english,
        "rows": service.row_count(package, resource),
        "format": "csv",
        "mediatype": "text/csv",
        "bytes": resource.descriptor.get("bytes"),
        "hash": resource.descriptor.get("hash"),
        "schema": resource.schema,
        "sources": list(resource.descriptor.get("sources", [])),  # where the table is printed
        "pivot": resource.descriptor.get("pivot"),
        "links": resource_links(api, package, resource),
    }


def remote_descriptor(api: str, package: Package) -> dict[str, Any]:
    """The package's datapackage.json with each resource path an absolute URL of this API."""
    descriptor = copy.deepcopy(package.descriptor)
    for resource_descriptor in descriptor.get("resources", []):
        resource = package.resource(resource_descriptor["name"])
        if resource is not None:
            resource_descriptor["path"] = f"{resource_url(api, package, resource)}/download.csv"
    descriptor["homepage"] = dataset_url(api, package)
    return descriptor


def release_url(api: str, name: str, release: str) -> str:
    return f"{api}/datasets/{name}/releases/{release}"


def release_summary(api: str, package: Package) -> dict[str, Any]:
    manifest = package.manifest
    return {
        "id": package.release_id,
        "published": manifest.get("published"),
        "digest": f"sha256:{package.digest}",
        "url": release_url(api, package.name, package.release_id),
        "releases": f"{api}/datasets/{package.name}/releases",
    }


def release_entry(api: str, release: Release, current: str | None) -> dict[str, Any]:
    """One release as the releases list shows it."""
    base = release_url(api, release.name, release.id)
    links = {"self": base, "datapackage": f"{base}/datapackage.json", "zip": f"{base}/download.zip"}
    if release.previous:
        diff = f"{api}/datasets/{release.name}/diff?from={release.previous}&to={release.id}"
        links.update({"diff": diff, "diff_csv": diff.replace("/diff?", "/diff.csv?")})
    return {
        "id": release.id,
        "version": release.version,
        "published": release.published,
        "digest": f"sha256:{release.digest}",
        "current": release.id == current,
        "previous": release.previous,
        "changes": change_summary(release.changes),
        "bytes": release.bytes,
        "links": links,
    }


def change_summary(changes: dict[str, Any]) -> dict[str, Any]:
    """Counts of what a release changed against the one before it (empty for the first)."""
    if not changes:
        return {"first": True}
    return {
        "rows": changes.get("rows", {}),
        "schema_changes": changes.get("schema_changes", 0),
        "resources": {
            r["name"]: {k: v for k, v in r.items() if k != "name" and k != "key"}
            for r in changes.get("resources", [])
            if r.get("status") != "unchanged"
        },
    }


def publisher_dict(api: str, publisher: Publisher, datasets: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": publisher.slug,
        "local_government_code": publisher.code or None,
        "title": publisher.title,
        "title_english": publisher.title_english,
        "links": {
            "self": f"{api}/publishers/{publisher.slug}",
            "datasets": f"{api}/datasets?publisher={publisher.slug}",
            "html": f"{api.removesuffix('/api/v1')}/publishers/{publisher.slug}",
        },
    }
    if publisher.contact_point:
        body["contact_point"] = publisher.contact_point
    if datasets is not None:
        body["datasets"] = datasets
    return body
