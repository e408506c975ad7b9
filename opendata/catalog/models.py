"""Typed views of Frictionless descriptors; descriptors are converted here, at the edge."""

from __future__ import annotations

import hashlib
import re
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
    def from_descriptor(cls, descriptor: dict[str, Any], base: Path, trusted: bool = False) -> Resource:
        """`trusted`: the descriptor's `hash` was checked when its release was published, so the
        data file is not read again (a server opening 100 releases must not hash every file)."""
        schema = descriptor.get("schema") or {}
        path = base / descriptor["path"]
        stated = str(descriptor.get("hash") or "")
        digest = stated.removeprefix("sha256:") if trusted and stated.startswith("sha256:") else ""
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
            digest=digest or file_digest(path),
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
class Publisher:
    """The body that publishes a package: its 全国地方公共団体コード and names (descriptor `publisher`)."""

    code: str
    title: str
    title_english: str
    contact_point: dict[str, Any] | None = None

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any]) -> Publisher | None:
        stated = descriptor.get("publisher")
        if isinstance(stated, dict) and stated.get("title"):
            return cls(
                code=str(stated.get("localGovernmentCode") or ""),
                title=str(stated["title"]),
                title_english=str(stated.get("titleEnglish") or ""),
                contact_point=stated.get("contactPoint")
                if isinstance(stated.get("contactPoint"), dict)
                else None,
            )
        sources = descriptor.get("sources") or [{}]
        named = sources[0].get("publisher") if isinstance(sources[0], dict) else None
        return cls(code="", title=str(named), title_english="") if named else None

    @property
    def slug(self) -> str:
        """URL and CKAN organization name: from the English name, else the code."""
        words = re.sub(r"[^a-z0-9]+", "-", self.title_english.lower()).strip("-")
        return words or (f"lg-{self.code}" if self.code else "publisher")

    def matches(self, key: str) -> bool:
        return key in (self.slug, self.code, self.title, self.title_english) and bool(key)


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
    # Set when the package is opened from a published release (opendata.publish): the
    # release's digest (of descriptor, schemas and data), its manifest, and whether links
    # should name the release (a `/releases/{id}` path) rather than the current one.
    release: str = ""
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    pinned: bool = False

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any], directory: Path, trusted: bool = False) -> Package:
        resources = tuple(
            Resource.from_descriptor(r, directory, trusted) for r in descriptor.get("resources", [])
        )
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
    def release_id(self) -> str:
        """The short name of the release (its digest's first 16 hex digits), or "" when unpublished."""
        return self.release[:16]

    @property
    def digest(self) -> str:
        """The package's ETag seed: its release digest when published, else a hash of its data."""
        if self.release:
            return self.release
        sha = hashlib.sha256(self.version.encode())
        for resource in self.resources:
            sha.update(resource.name.encode() + b"\0" + resource.digest.encode())
        return sha.hexdigest()

    @property
    def publisher(self) -> Publisher | None:
        return Publisher.from_descriptor(self.descriptor)

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
