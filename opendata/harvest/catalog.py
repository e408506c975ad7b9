"""The catalog as harvesters see it, built once per process: dates, coverage, search text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opendata.catalog.changes import EPOCH, modification_times, parse_time
from opendata.catalog.models import Package
from opendata.catalog.search import fold
from opendata.ckan import mapping
from opendata.service import DataService


@dataclass(frozen=True)
class Entry:
    package: Package
    created: datetime
    modified: datetime
    coverage: dict[str, str | None]
    title_text: str  # folded title, English title and keywords: what "relevance" ranks on
    text: str  # folded text of everything searchable


@dataclass(frozen=True)
class HarvestCatalog:
    entries: tuple[Entry, ...]
    organization: dict[str, Any]  # name, title, description, id

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
                modified=modified[p.name],
                coverage=service.coverage(p),
                title_text=texts[p.name].title if p.name in texts else fold(p.title),
                text=texts[p.name].text if p.name in texts else fold(p.title),
            )
            for p in packages
        )
        name = settings["CKAN_ORGANIZATION"]
        organization = {**mapping.organization(name, packages), "id": mapping.organization_id(name)}
        return cls(entries, organization)

    def find(self, key: str) -> Entry | None:
        """By id or by name, as CKAN's *_show actions look datasets up."""
        return next((e for e in self.entries if key in (e.package.id, e.package.name)), None)

    def is_organization(self, key: str) -> bool:
        return key in (self.organization["id"], self.organization["name"])

    @property
    def modified(self) -> datetime:
        return max((e.modified for e in self.entries), default=EPOCH)
