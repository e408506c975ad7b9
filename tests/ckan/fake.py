"""An in-memory CKAN behind ckanapi's `call_action` signature, for unit tests of the push.

It keeps the CKAN rules the push relies on: ids must be UUIDs and unique, names unique,
tags and extras validated as CKAN validates them, owner_org must exist, uploads become
`url_type: upload` with a download URL, writes need an accepted token. Every call is
recorded with its requests_kwargs, so tests can check that each one had a timeout.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import ckanapi

WRITE_ACTIONS = {
    "organization_create",
    "organization_patch",
    "package_create",
    "package_patch",
    "resource_create",
    "resource_update",
    "resource_delete",
    "package_resource_reorder",
}
CORE_FIELDS = {
    "id", "name", "title", "notes", "url", "version", "license_id", "author", "author_email",
    "maintainer", "maintainer_email", "owner_org", "private", "state", "type", "tags", "extras",
    "resources", "groups",
}  # fmt: skip
TAG = re.compile(r"[\w \-.]*$")


@dataclass
class Recorded:
    action: str
    data: dict[str, Any]
    filename: str | None
    timeout: Any


@dataclass
class FakeCkan:
    address: str = "http://ckan.test"
    token_accepted: bool = True
    sysadmin: bool = True
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[Recorded] = field(default_factory=list)
    fail_on_write: int | None = None  # raise ConnectionError on this write (1-based)
    writes: int = 0

    def call_action(
        self, action, data_dict=None, context=None, apikey=None, files=None, requests_kwargs=None
    ):
        data = copy.deepcopy(data_dict or {})
        upload = (files or {}).get("upload")
        self.calls.append(
            Recorded(action, data, upload[0] if upload else None, (requests_kwargs or {}).get("timeout"))
        )
        if action in WRITE_ACTIONS:
            self.writes += 1
            if self.fail_on_write == self.writes:
                import requests

                raise requests.ConnectionError("connection reset by peer")
            if not self.token_accepted:
                raise ckanapi.NotAuthorized({"message": "Access denied"})
        handler = getattr(self, action, None)
        if handler is None:
            raise ckanapi.CKANAPIError(repr([f"{self.address}/api/action/{action}", 400, '"Bad request"']))
        return handler(data, upload)

    @property
    def write_calls(self) -> list[Recorded]:
        return [c for c in self.calls if c.action in WRITE_ACTIONS]

    # organizations
    def _org(self, key: str) -> dict[str, Any]:
        for org in self.organizations.values():
            if key in (org["id"], org["name"]):
                return org
        raise ckanapi.NotFound("Organization was not found.")

    def organization_show(self, data, _):
        return copy.deepcopy(self._org(data["id"]))

    def organization_create(self, data, _):
        org = {"id": str(uuid.uuid4()), "type": "organization", "state": "active", **data}
        self.organizations[org["id"]] = org
        return copy.deepcopy(org)

    def organization_patch(self, data, _):
        self._org(data["id"]).update({k: v for k, v in data.items() if k != "id"})
        return copy.deepcopy(self._org(data["id"]))

    def organization_list_for_user(self, data, _):
        return [copy.deepcopy(o) for o in self.organizations.values()] if self.token_accepted else []

    # datasets
    def _package(self, key: str) -> dict[str, Any]:
        for package in self.packages.values():
            if key in (package["id"], package["name"]):
                return package
        raise ckanapi.NotFound("Dataset not found")

    def package_show(self, data, _):
        package = copy.deepcopy(self._package(data["id"]))
        org = self.organizations[package["owner_org"]]
        package["organization"] = {k: org[k] for k in ("id", "name", "title")}
        for position, resource in enumerate(package["resources"]):
            resource["position"] = position
        return package

    def _validate(self, package: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        try:
            package["owner_org"] = self._org(package.get("owner_org", ""))["id"]
        except ckanapi.NotFound:
            errors["owner_org"] = ["Organization does not exist"]
        for tag in package.get("tags", []):
            if not (2 <= len(tag["name"]) <= 100) or not TAG.match(tag["name"]):
                errors.setdefault("tags", []).append(f'Tag "{tag["name"]}" is not valid')
        for extra in package.get("extras", []):
            if extra["key"] in CORE_FIELDS:
                errors.setdefault("extras", []).append(
                    f"There is a schema field with the same name: {extra['key']}"
                )
        if errors:
            raise ckanapi.ValidationError(errors)
        return package

    def package_create(self, data, _):
        if not self.sysadmin:
            data.pop("id", None)
        data.setdefault("id", str(uuid.uuid4()))
        uuid.UUID(data["id"])
        if any(p["name"] == data["name"] for p in self.packages.values()):
            raise ckanapi.ValidationError({"name": ["That URL is already in use."]})
        package = self._validate({"state": "active", "type": "dataset", **data, "resources": []})
        self.packages[package["id"]] = package
        return copy.deepcopy(package)

    def package_patch(self, data, _):
        package = copy.deepcopy(self._package(data["id"]))
        package.update(data)
        self.packages[package["id"]] = self._validate(package)
        return copy.deepcopy(package)

    # resources
    def _stored(self, data: dict[str, Any], upload: Any) -> dict[str, Any]:
        resource = {k: v for k, v in data.items() if k != "package_id"}
        if upload is not None:
            filename, handle, _ = upload
            self.files[resource["id"]] = handle.read()
            resource["url"] = (
                f"{self.address}/dataset/{data['package_id']}/resource/{resource['id']}/download/{filename}"
            )
            resource["url_type"] = "upload"
        resource.setdefault("url_type", None)
        for key in ("size",):
            if key in resource:
                resource[key] = int(resource[key])
        return resource

    def resource_create(self, data, upload):
        uuid.UUID(data["id"])
        if any(r["id"] == data["id"] for p in self.packages.values() for r in p["resources"]):
            raise ckanapi.ValidationError({"id": ["Resource id already exists."]})
        package = self._package(data["package_id"])
        package["resources"].append(self._stored(data, upload))
        return copy.deepcopy(package["resources"][-1])

    def resource_update(self, data, upload):
        for package in self.packages.values():
            for index, resource in enumerate(package["resources"]):
                if resource["id"] == data["id"]:
                    package["resources"][index] = self._stored({**data, "package_id": package["id"]}, upload)
                    return copy.deepcopy(package["resources"][index])
        raise ckanapi.NotFound("Resource was not found.")

    def resource_delete(self, data, _):
        for package in self.packages.values():
            package["resources"] = [r for r in package["resources"] if r["id"] != data["id"]]

    def package_resource_reorder(self, data, _):
        package = self._package(data["id"])
        by_id = {r["id"]: r for r in package["resources"]}
        package["resources"] = [by_id[i] for i in data["order"]] + [
            r for r in package["resources"] if r["id"] not in data["order"]
        ]
