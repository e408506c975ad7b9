"""Typed views of Frictionless descriptors; descriptors are converted here, at the edge."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opendata.catalog.pivot import Pivot


def both_languages(description: str, description_english: str) -> str:
    """One text for places that hold one (CKAN notes): the Japanese, then the English if any."""
    return f"{description}\n\n{description_english}" if description_english else description


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str
    description: str
    unit: str | None
    constraints: dict[str, Any]
    description_english: str = ""  # `description` is Japanese; older descriptors mix both in it

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any]) -> Field:
        return cls(
            name=descriptor["name"],
            type=descriptor.get("type", "string"),
            title=descriptor.get("title", descriptor["name"]),
            description=descriptor.get("description", ""),
            unit=descriptor.get("unit"),
            constraints=dict(descriptor.get("constraints", {})),
            description_english=descriptor.get("descriptionEnglish", ""),
        )

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))


@dataclass(frozen=True)
class ForeignKey:
    """`fields` of this table refer to `reference_fields` of `reference_resource` (same package)."""

    fields: tuple[str, ...]
    reference_resource: str
    reference_fields: tuple[str, ...]

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any]) -> ForeignKey:
        reference = descriptor.get("reference") or {}
        return cls(
            _names(descriptor.get("fields")),
            reference.get("resource", ""),
            _names(reference.get("fields")),
        )


def _names(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Resource:
    name: str
    path: Path
    title: str
    title_english: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    checks: tuple[dict[str, Any], ...]
    descriptor: dict[str, Any]
    digest: str  # sha256 of the data file: changes exactly when the rows change
    description_english: str = ""
    pivot: Pivot | None = None  # how the long table pivots back to the printed layout

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any], base: Path) -> Resource:
        schema = descriptor.get("schema") or {}
        path = base / descriptor["path"]
        primary_key = schema.get("primaryKey") or []
        return cls(
            name=descriptor["name"],
            path=path,
            title=descriptor.get("title", descriptor["name"]),
            title_english=descriptor.get("titleEnglish", ""),
            description=descriptor.get("description", ""),
            fields=tuple(Field.from_descriptor(f) for f in schema.get("fields", [])),
            primary_key=tuple([primary_key] if isinstance(primary_key, str) else primary_key),
            checks=tuple(descriptor.get("reportChecks", [])),
            descriptor=descriptor,
            digest=file_digest(path),
            description_english=descriptor.get("descriptionEnglish", ""),
            pivot=Pivot.from_descriptor(descriptor["pivot"]) if descriptor.get("pivot") else None,
        )

    @property
    def schema(self) -> dict[str, Any]:
        return dict(self.descriptor.get("schema") or {})

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        return tuple(ForeignKey.from_descriptor(k) for k in self.schema.get("foreignKeys") or [])


@dataclass(frozen=True)
class Package:
    name: str
    id: str
    title: str
    title_english: str
    description: str
    keywords: tuple[str, ...]
    theme: str
    version: str
    created: str
    modified: str
    licenses: tuple[dict[str, Any], ...]
    sources: tuple[dict[str, Any], ...]
    attribution: str
    directory: Path
    descriptor: dict[str, Any]
    resources: tuple[Resource, ...] = field(default=())
    description_english: str = ""

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any], directory: Path) -> Package:
        resources = tuple(Resource.from_descriptor(r, directory) for r in descriptor.get("resources", []))
        return cls(
            name=descriptor["name"],
            id=descriptor.get("id", ""),
            title=descriptor.get("title", descriptor["name"]),
            title_english=descriptor.get("titleEnglish", ""),
            description=descriptor.get("description", ""),
            keywords=tuple(descriptor.get("keywords", [])),
            theme=descriptor.get("theme", ""),
            version=descriptor.get("version", "0.0.0"),
            created=descriptor.get("created", ""),
            modified=descriptor.get("modified") or descriptor.get("created", ""),
            licenses=tuple(descriptor.get("licenses", [])),
            sources=tuple(descriptor.get("sources", [])),
            attribution=descriptor.get("attribution", ""),
            directory=directory,
            descriptor=descriptor,
            resources=resources,
            description_english=descriptor.get("descriptionEnglish", ""),
        )

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)

    @property
    def digest(self) -> str:
        """Content hash of the descriptor's data files and version: the package's ETag seed."""
        sha = hashlib.sha256(self.version.encode())
        for resource in self.resources:
            sha.update(resource.name.encode() + b"\0" + resource.digest.encode())
        return sha.hexdigest()

    @property
    def source(self) -> dict[str, Any]:
        return dict(self.sources[0]) if self.sources else {}


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sha.update(chunk)
    except OSError:
        return ""
    return sha.hexdigest()
