"""Push the catalog into CKAN: plan per dataset (desired vs package_show), then apply.

A plan is a list of CKAN calls computed from what CKAN holds now, so running the push
again after a failure finishes the job, and a run with nothing to do makes no write call.
Files are compared by the sha256 kept in each resource's `hash`; a changed file, or any
changed field of an uploaded resource, is uploaded again into the same resource (same id).
Datasets are found by id, the package's UUID; a CKAN dataset with our name but another id
is refused rather than overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from opendata.catalog.models import Package
from opendata.ckan.client import TOKEN_VARIABLE, Ckan
from opendata.errors import CkanError
from opendata.views import ckan_mapping as mapping
from opendata.views.ckan_mapping import DatasetSpec, ResourceSpec, Upload

Status = Literal["create", "update", "unchanged"]
# Fields of package_show we set and compare; CKAN adds others (metadata_modified, ...) itself.
DATASET_FIELDS = ("title", "notes", "url", "version", "license_id", "author", "maintainer")


@dataclass(frozen=True)
class Call:
    action: str
    data: dict[str, Any]
    upload: Upload | None = None


@dataclass(frozen=True)
class DatasetPlan:
    name: str
    status: Status
    changes: tuple[str, ...] = ()
    calls: tuple[Call, ...] = ()

    def describe(self, *, done: bool) -> str:
        verb = {"create": "created", "update": "updated", "unchanged": "unchanged"}[self.status]
        if not done and self.status != "unchanged":
            verb = f"would be {verb}"
        detail = f": {'; '.join(self.changes)}" if self.changes else ""
        return f"{self.name}: {verb}{detail}"


@dataclass
class Summary:
    plans: list[DatasetPlan] = field(default_factory=list)
    organization: str = ""  # "created", "updated" or "" when it was already right (per name if several)

    def count(self, status: Status) -> int:
        return sum(plan.status == status for plan in self.plans)

    @property
    def changed(self) -> bool:
        return bool(self.organization) or any(plan.status != "unchanged" for plan in self.plans)

    def describe(self, *, dry_run: bool) -> str:
        total = f"{len(self.plans)} dataset(s)"
        if not self.changed:
            return f"{total} unchanged: CKAN already matches the catalog, nothing to do"
        if dry_run:
            counts = f"{self.count('create')} to create, {self.count('update')} to update"
        else:
            counts = f"{self.count('create')} created, {self.count('update')} updated"
        org = f"; organization {self.organization}" if self.organization else ""
        suffix = " (dry run: nothing was written)" if dry_run else ""
        return f"{total}: {counts}, {self.count('unchanged')} unchanged{org}{suffix}"


def same(key: str, desired: Any, current: Any) -> bool:
    if key == "schema":
        return _json(desired) == _json(current)
    if desired == current:
        return True
    if current is None or desired is None:
        return desired in (None, "") and current in (None, "")
    return str(desired) == str(current)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def dataset_changes(desired: dict[str, Any], current: dict[str, Any], organization_name: str) -> list[str]:
    changes = [key for key in DATASET_FIELDS if not same(key, desired.get(key), current.get(key))]
    if (current.get("organization") or {}).get("name") != organization_name:
        changes.append("organization")
    if bool(current.get("private")) != bool(desired.get("private")):
        changes.append("private")
    if current.get("state", "active") != "active":
        changes.append(f"state {current.get('state')} -> active")
    if sorted(t["name"] for t in desired["tags"]) != sorted(t.get("name") for t in current.get("tags", [])):
        changes.append("tags")
    wanted = {e["key"]: e["value"] for e in desired["extras"]}
    held = {e.get("key"): e.get("value") for e in current.get("extras", [])}
    differing = sorted(k for k in wanted.keys() | held.keys() if wanted.get(k) != held.get(k))
    if differing:
        changes.append(f"extras ({', '.join(differing)})")
    return changes


def resource_changes(spec: ResourceSpec, current: dict[str, Any]) -> list[str]:
    changes = []
    for key, value in spec.fields.items():
        if key != "url" and not same(key, value, current.get(key)):
            changes.append("file" if key == "hash" else key)
    if spec.upload is not None:
        url = str(current.get("url") or "")
        if current.get("url_type") != "upload" or not url.endswith(f"/{spec.upload.filename}"):
            changes.append("upload")
    elif current.get("url_type") or current.get("url") != spec.fields["url"]:
        changes.append("url")
    return changes


def resource_call(action: str, spec: ResourceSpec, package_id: str) -> Call:
    data = {**spec.fields, "package_id": package_id}
    if spec.upload is None:
        data["url_type"] = ""
    return Call(action, data, spec.upload)


def plan_resources(spec: DatasetSpec, current: list[dict[str, Any]]) -> tuple[list[str], list[Call]]:
    package_id = spec.fields["id"]
    held = {r.get("id"): r for r in current}
    wanted_ids = [r.id for r in spec.resources]
    changes: list[str] = []
    calls: list[Call] = []
    for resource in spec.resources:
        found = held.get(resource.id)
        if found is None:
            changes.append(f"new resource {resource.label}")
            calls.append(resource_call("resource_create", resource, package_id))
            continue
        differences = resource_changes(resource, found)
        if differences:
            changes.append(f"resource {resource.label} ({', '.join(differences)})")
            calls.append(resource_call("resource_update", resource, package_id))
    for found in current:
        if found.get("id") not in wanted_ids:
            changes.append(f"remove resource {found.get('name') or found.get('id')}")
            calls.append(Call("resource_delete", {"id": found["id"]}))
    kept = [r.get("id") for r in current if r.get("id") in wanted_ids]
    order = kept + [i for i in wanted_ids if i not in kept]
    if order != wanted_ids:
        changes.append("resource order")
        calls.append(Call("package_resource_reorder", {"id": package_id, "order": wanted_ids}))
    return changes, calls


def plan_dataset(spec: DatasetSpec, current: dict[str, Any] | None, organization_name: str) -> DatasetPlan:
    name = spec.fields["name"]
    if current is None:
        calls = [Call("package_create", spec.fields)]
        calls += [resource_call("resource_create", r, spec.fields["id"]) for r in spec.resources]
        return DatasetPlan(name, "create", (f"{len(spec.resources)} resources",), tuple(calls))
    changes = dataset_changes(spec.fields, current, organization_name)
    calls = []
    if changes:
        patch = {k: v for k, v in spec.fields.items() if k != "name"}
        calls.append(Call("package_patch", {**patch, "state": "active"}))
    resource_notes, resource_calls = plan_resources(spec, current.get("resources", []))
    changes += resource_notes
    calls += resource_calls
    if not calls:
        return DatasetPlan(name, "unchanged")
    return DatasetPlan(name, "update", tuple(changes), tuple(calls))


def current_dataset(client: Ckan, spec: DatasetSpec) -> dict[str, Any] | None:
    """package_show by id; a dataset holding our name under another id is an error, not a match."""
    current = client.show("package_show", id=spec.fields["id"])
    if current is not None:
        return current
    other = client.show("package_show", id=spec.fields["name"])
    if other is not None:
        raise CkanError(
            f"{client.url} already has a dataset named {spec.fields['name']!r} with id {other.get('id')}, "
            f"not this package's id {spec.fields['id']}; rename or purge it in CKAN, then push again"
        )
    return None


def apply(client: Ckan, plan: DatasetPlan) -> None:
    for call in plan.calls:
        result = client.call(call.action, call.data, call.upload)
        if (
            call.action == "package_create"
            and isinstance(result, dict)
            and result.get("id") != call.data["id"]
        ):
            raise CkanError(
                f"{client.url} created {plan.name!r} under id {result.get('id')}, not {call.data['id']}: "
                f"only a sysadmin may choose dataset ids; use a sysadmin's token in {TOKEN_VARIABLE}"
            )


def ensure_organization(client: Ckan, desired: dict[str, Any], *, dry_run: bool) -> str:
    """Create or fix the organization; returns "created", "updated" or ""."""
    current = client.show("organization_show", id=desired["name"])
    if current is None:
        if not dry_run:
            client.call("organization_create", desired)
        return "created"
    if client.token:
        allowed = client.call("organization_list_for_user", {"permission": "create_dataset"}) or []
        if not any(org.get("name") == desired["name"] for org in allowed):
            raise CkanError(
                f"CKAN at {client.url} will not let this token create datasets in organization "
                f"{desired['name']!r}: {client.token_advice()}"
            )
    if all(same(k, v, current.get(k)) for k, v in desired.items()):
        return ""
    if not dry_run:
        client.call("organization_patch", {"id": current["id"], **desired})
    return "updated"


def push(
    client: Ckan,
    packages: Iterable[Package],
    *,
    organization_name: str,
    api: str,
    upload: bool = True,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    per_publisher: bool = True,
) -> Summary:
    """Bring CKAN in line with the packages, one dataset at a time, echoing a line for each.

    Each publisher gets its own organization (`organization_name` for packages naming none);
    with per_publisher=False every dataset goes into `organization_name`.
    """
    packages = list(packages)
    if not client.token and not dry_run:
        raise CkanError(f"no CKAN API token: set {TOKEN_VARIABLE} (it is read from the environment only)")
    summary = Summary()
    groups: dict[str, list[Package]] = {}
    for package in packages:
        name = mapping.organization_name(package, organization_name) if per_publisher else organization_name
        groups.setdefault(name, []).append(package)
    for name, members in groups.items() or {organization_name: []}.items():
        changed = ensure_organization(client, mapping.organization(name, members), dry_run=dry_run)
        if changed:
            said = changed if len(groups) <= 1 else f"{name} {changed}"
            summary.organization = ", ".join(filter(None, [summary.organization, said]))
            echo(f"organization {name}: {'would be ' if dry_run else ''}{changed}")
        for package in members:
            spec = mapping.dataset(package, name, api, upload=upload)
            plan = plan_dataset(spec, current_dataset(client, spec), name)
            if not dry_run:
                apply(client, plan)
            summary.plans.append(plan)
            echo(plan.describe(done=not dry_run))
    return summary
