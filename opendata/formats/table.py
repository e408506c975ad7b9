"""What every writer is given: typed columns, the rows as the store holds them, and metadata."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from opendata.catalog.models import Field, Package, Resource

NUMERIC_TYPES = frozenset({"integer", "number", "year"})


@dataclass(frozen=True)
class Metadata:
    """The dataset's metadata, as the XLSX metadata sheet and the Parquet key-value metadata show it."""

    title: str = ""
    title_english: str = ""
    resource_title: str = ""
    source: str = ""
    section: str = ""
    page: str = ""
    licence: str = ""
    attribution: str = ""
    release: str = ""
    version: str = ""

    def items(self) -> list[tuple[str, str]]:
        labels = [
            ("データセット / dataset", self.title),
            ("Dataset (English)", self.title_english),
            ("表 / table", self.resource_title),
            ("出典 / source", self.source),
            ("項目 / section", self.section),
            ("ページ / page", self.page),
            ("ライセンス / licence", self.licence),
            ("クレジット表記 / attribution", self.attribution),
            ("リリース / release", self.release),
            ("版 / version", self.version),
        ]
        return labels


@dataclass(frozen=True)
class Table:
    resource: Resource  # the table the rows come from (its Table Schema describes the columns)
    fields: tuple[Field, ...]  # the columns: the resource's fields, or a summary's groups and measures
    rows: Iterable[Sequence[Any]]  # stored values: booleans as 0/1, dates as ISO text
    metadata: Metadata = field(default_factory=Metadata)
    # The same rows as Arrow record batches of the same stored values (rows is then empty),
    # given only to a format marked columnar in the registry.
    batches: Iterable[Any] | None = None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def schema(self) -> dict[str, Any]:
        """The Table Schema of these columns (the resource's own fields keep their descriptors)."""
        stated = {f.get("name"): f for f in self.resource.schema.get("fields", [])}
        described = [stated.get(f.name) or column_descriptor(f) for f in self.fields]
        return {**self.resource.schema, "fields": described}

    @property
    def codec_resource(self) -> Resource:
        """The resource with these columns, for the CSV codec, which looks fields up on a resource."""
        return replace(self.resource, fields=self.fields)


def column_descriptor(field_: Field) -> dict[str, Any]:
    described: dict[str, Any] = {"name": field_.name, "type": field_.type, "title": field_.title}
    if field_.description:
        described["description"] = field_.description
    if field_.unit:
        described["unit"] = field_.unit
    return described


def resource_table(
    package: Package,
    resource: Resource,
    names: Sequence[str],
    rows: Iterable,
    batches: Iterable | None = None,
) -> Table:
    """A table of `names` (fields of `resource`) over `rows`, or over Arrow `batches`."""
    fields = tuple(f for n in names if (f := resource.field(n)) is not None)
    return Table(resource, fields, rows, metadata(package, resource), batches)


def metadata(package: Package, resource: Resource) -> Metadata:
    """The metadata of `resource` in its release: source from the resource's own provenance first."""
    stated = resource.descriptor.get("sources")
    source = dict(stated[0]) if isinstance(stated, list) and stated and isinstance(stated[0], dict) else {}
    source = {**package.source, **source}
    first = package.licenses[0] if package.licenses else {}
    licence = " ".join(str(x) for x in (first.get("title") or first.get("name"), first.get("path")) if x)
    section = " ".join(str(x) for x in (source.get("section"), source.get("sectionTitle")) if x)
    return Metadata(
        title=package.title,
        title_english=package.title_english,
        resource_title=resource.title,
        source=str(source.get("title", "")),
        section=section,
        page=str(source.get("page", "")),
        licence=licence,
        attribution=package.attribution,
        release=package.release_id,
        version=package.version,
    )


def description(table: Table, field_: Field) -> str:
    """The field's Japanese description, or its English one when that is all there is."""
    stated: dict[str, Any] = next(
        (f for f in table.schema.get("fields", []) if f.get("name") == field_.name), {}
    )
    return field_.description or str(stated.get("descriptionEnglish") or "")


def cell(kind: str, value: Any) -> Any:
    """A stored value as a Python value of its schema type (booleans True/False, dates as dates)."""
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value
