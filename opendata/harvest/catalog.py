"""The catalog as harvesters see it, built once per process: dates, coverage, search text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from opendata.catalog.changes import EPOCH, modification_times, parse_time, release_time
from opendata.catalog.models import Package
from opendata.catalog.search import fold
from opendata.publish.releases import Release
from opendata.service import DataService
from opendata.views import ckan_mapping as mapping


@dataclass(frozen=True)
class Entry:
    package: Package
    created: datetime
    modified: datetime
    coverage: dict[str, str | None]
    title_text: str  # folded title, English title and keywords: what "relevance" ranks on
    text: str  # folded text of everything searchable
    releases: tuple[Release, ...] = ()  # every release on disk, newest first


@dataclass(frozen=True)
class HarvestCatalog:
    entries: tuple[Entry, ...]
    organization: dict[str, Any]  # the first publisher's: name, title, description, id
    # One CKAN organization per publisher (the packages' own, as `opendata ckan push` makes).
    organizations: tuple[dict[str, Any], ...] = ()
    owners: dict[str, str] = field(default_factory=dict)  # package name -> organization name

    @classmethod
    def from_service(cls, service: DataService, settings: dict[str, Any]) -> HarvestCatalog:
        packages = list(service.catalog)
        ledger = Path(settings["CACHE_DIR"]) / "harvest" / "modified.json"
        modified = modification_times(packages, ledger)
        texts = {indexed.package.name: indexed for indexed in service.search.entries}
        entries = tuple(
            Entry(
                package=p,
                created=parse_time(p.created) or EPOCH,
                modified=max(modified[p.name], release_time(p)),
                coverage=service.coverage(p),
                title_text=texts[p.name].title if p.name in texts else fold(p.title),
                text=texts[p.name].text if p.name in texts else fold(p.title),
                releases=tuple(service.releases(p.name)),
            )
            for p in packages
        )
        default = settings["CKAN_ORGANIZATION"]
        owners = {p.name: mapping.organization_name(p, default) for p in packages}
        groups: dict[str, list[Package]] = {}
        for p in packages:
            groups.setdefault(owners[p.name], []).append(p)
        organizations = tuple(
            {**mapping.organization(name, members), "id": mapping.organization_id(name)}
            for name, members in (groups or {default: []}).items()
        )
        return cls(entries, organizations[0], organizations, owners)

    def organization_of(self, entry: Entry) -> dict[str, Any]:
        name = self.owners.get(entry.package.name)
        return next((o for o in self.organizations if o["name"] == name), self.organization)

    def find_organization(self, key: str) -> dict[str, Any] | None:
        return next(
            (o for o in self.organizations or (self.organization,) if key in (o["id"], o["name"])), None
        )

    def entries_of(self, organization: dict[str, Any]) -> list[Entry]:
        return [e for e in self.entries if self.organization_of(e)["name"] == organization["name"]]

    def find(self, key: str) -> Entry | None:
        """By id or by name, as CKAN's *_show actions look datasets up."""
        return next((e for e in self.entries if key in (e.package.id, e.package.name)), None)

    def is_organization(self, key: str) -> bool:
        return self.find_organization(key) is not None

    @property
    def modified(self) -> datetime:
        return max((e.modified for e in self.entries), default=EPOCH)
