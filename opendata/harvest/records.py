"""Datasets and the organization as CKAN's package_show and organization_show return them.

Built on opendata.views.ckan_mapping, so a harvested dataset carries the same ids, tags, extras
and Table Schemas as a pushed one; resources link to this API (nothing to upload).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from opendata.catalog.changes import ckan_time
from opendata.harvest.catalog import Entry, HarvestCatalog
from opendata.views import ckan_mapping as mapping

T = TypeVar("T")
OPEN_LICENSES = {"cc-by", "cc-by-sa", "cc-zero", "odc-by", "odc-odbl", "odc-pddl"}


def tag_id(name: str) -> str:
    """A stable UUID per tag name (CKAN gives every tag one; harvesters may keep it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:kanagawa-opendata:tag:{name}"))


def organization_dict(
    catalog: HarvestCatalog, *, package_count: int | None = None, organization: dict[str, Any] | None = None
) -> dict[str, Any]:
    org = organization or catalog.organization
    created = min((e.created for e in catalog.entries), default=catalog.modified)
    body = {
        "id": org["id"],
        "name": org["name"],
        "title": org["title"],
        "display_name": org["title"],
        "description": org["description"],
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(created),
    }
    if package_count is not None:
        body["package_count"] = package_count
    return body


def _resource(spec: mapping.ResourceSpec, entry: Entry, position: int) -> dict[str, Any]:
    return {
        "cache_last_updated": None,
        "cache_url": None,
        "created": ckan_time(entry.created),
        "datastore_active": False,
        "hash": "",
        "last_modified": ckan_time(entry.modified),
        "metadata_modified": ckan_time(entry.modified),
        "mimetype_inner": None,
        "resource_type": None,
        "size": None,
        "url_type": None,
        **spec.fields,
        "package_id": entry.package.id,
        "position": position,
        "state": "active",
    }


def package_dict(entry: Entry, catalog: HarvestCatalog, api: str) -> dict[str, Any]:
    """One dataset in CKAN's package_show shape; resource URLs are absolute links to this API."""
    org = catalog.organization_of(entry)
    fields = mapping.dataset_fields(entry.package, org["name"], api)
    specs = mapping.resources(entry.package, api, upload=False)
    resources = [_resource(spec, entry, position) for position, spec in enumerate(specs)]
    # CKAN's package_dictize sorts tags by name and extras by key.
    tags = [
        {"id": tag_id(t["name"]), "name": t["name"], "display_name": t["name"], "state": "active",
         "vocabulary_id": None}
        for t in sorted(fields["tags"], key=lambda t: t["name"])
    ]  # fmt: skip
    license_id = fields["license_id"]
    license_path = next((lic.get("path") for lic in entry.package.licenses if lic.get("path")), "")
    return {
        **fields,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": license_id in OPEN_LICENSES,
        "license_title": mapping.LICENSE_TITLES.get(license_id, license_id),
        "license_url": license_path,
        "author_email": None,
        "maintainer_email": None,
        "creator_user_id": None,
        "metadata_created": ckan_time(entry.created),
        "metadata_modified": ckan_time(entry.modified),
        "owner_org": org["id"],
        "organization": organization_dict(catalog, organization=org),
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "num_resources": len(resources),
        "num_tags": len(tags),
        "resources": resources,
        "tags": tags,
        "extras": sorted(fields["extras"], key=lambda e: e["key"]),
    }


class Published:
    """The catalog's package dicts and search documents per base URL, built once and reused.

    The data is immutable for the life of the process; only the URLs depend on the request's
    host (unless BASE_URL is set), so a few base URLs are remembered.
    """

    def __init__(self, catalog: HarvestCatalog, keep: int = 8) -> None:
        self.catalog = catalog
        self.keep = keep
        self._packages: dict[str, list[dict[str, Any]]] = {}
        self._documents: OrderedDict[Hashable, Any] = OrderedDict()

    def packages(self, api: str) -> list[dict[str, Any]]:
        """package_show dicts in catalog order (the same objects each time: do not modify them)."""
        found = self._packages.get(api)
        if found is None:
            if len(self._packages) >= self.keep:
                self._packages.pop(next(iter(self._packages)))
            found = [package_dict(entry, self.catalog, api) for entry in self.catalog.entries]
            self._packages[api] = found
        return found

    def package(self, api: str, key: str) -> dict[str, Any] | None:
        return next((p for p in self.packages(api) if key in (p["id"], p["name"])), None)

    def memo(self, key: Hashable, build: Callable[[], T], size: int = 64) -> T:
        """A built document, remembered (least recently used first out) since the data cannot change."""
        if key in self._documents:
            self._documents.move_to_end(key)
            return self._documents[key]
        value = build()
        self._documents[key] = value
        if len(self._documents) > size:
            self._documents.popitem(last=False)
        return value


def published(extensions: dict[str, Any], settings: dict[str, Any]) -> Published:
    """The harvest view of the catalog, rebuilt when a new release has become current."""
    service = extensions["opendata"]
    generation = service.generation
    if "opendata.harvest" not in extensions or extensions.get("opendata.harvest.generation") != generation:
        extensions["opendata.harvest"] = Published(HarvestCatalog.from_service(service, settings))
        extensions["opendata.harvest.generation"] = generation
    return extensions["opendata.harvest"]
