"""A data package as CKAN sees it: pure functions from Package to CKAN dicts.

Each table is a CKAN resource per downloadable format: its CSV, then every other format of
opendata.formats.registry written at publish time (XLSX, Parquet ...), with the registry's
`format` and `mimetype`; then datapackage.json and a link to the API.

The same mapping serves the push (`opendata ckan push`) and this service's own
CKAN-compatible read API, so a dataset looks alike whether CKAN received it or harvested it.
Ids are the package's UUID and, for resources, a UUID derived from it: CKAN accepts only
UUIDs, and harvesters import the ids they read.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opendata import metadata
from opendata.catalog.models import Package, Resource, both_languages, file_digest
from opendata.errors import PackageError
from opendata.exports.files import DOWNLOADS
from opendata.formats import registry
from opendata.formats.files import built_file
from opendata.formats.registry import Format
from opendata.views.representations import dataset_url, remote_descriptor, resource_url

# Data Package licence names (SPDX) to CKAN's default licence ids.
LICENSE_IDS = {
    "CC-BY-4.0": "cc-by",
    "CC-BY-SA-4.0": "cc-by-sa",
    "CC0-1.0": "cc-zero",
    "ODC-BY-1.0": "odc-by",
    "ODbL-1.0": "odc-odbl",
    "PDDL-1.0": "odc-pddl",
}
OPENDEFINITION = "http://www.opendefinition.org/licenses/"
LICENSE_TITLES = {
    "cc-by": "Creative Commons Attribution",
    "cc-by-sa": "Creative Commons Attribution Share-Alike",
    "cc-zero": "Creative Commons CCZero",
    "odc-by": "Open Data Commons Attribution License",
    "odc-odbl": "Open Data Commons Open Database License (ODbL)",
    "odc-pddl": "Open Data Commons Public Domain Dedication and License (PDDL)",
    "notspecified": "License not specified",
}
# CKAN's tag rules (ckan.logic.validators): 2 to 100 characters of \w (Unicode, so Japanese
# letters pass), space, hyphen, underscore and dot. "孤独・孤立" fails on the middle dot.
TAG_MIN_LENGTH, TAG_MAX_LENGTH = 2, 100
_NOT_TAG_CHARACTERS = re.compile(r"[^\w \-.]+")
DESCRIPTOR_NAME = "datapackage.json"


@dataclass(frozen=True)
class Upload:
    """A file CKAN stores itself: from a path on disk or from bytes built here."""

    filename: str
    mimetype: str
    sha256: str
    path: Path | None = None
    content: bytes | None = None

    def read(self) -> bytes:
        if self.content is not None:
            return self.content
        assert self.path is not None
        return self.path.read_bytes()


@dataclass(frozen=True)
class ResourceSpec:
    """One CKAN resource as we want it: the fields to store, and the file when it is an upload."""

    fields: dict[str, Any]
    upload: Upload | None = None

    @property
    def id(self) -> str:
        return self.fields["id"]

    @property
    def label(self) -> str:
        return self.upload.filename if self.upload else self.fields["name"]


@dataclass(frozen=True)
class DatasetSpec:
    package: Package
    fields: dict[str, Any]
    resources: tuple[ResourceSpec, ...] = field(default=())


def package_uuid(package: Package) -> uuid.UUID:
    try:
        return uuid.UUID(package.id)
    except ValueError:
        raise PackageError(f"{package.name}: the descriptor's id {package.id!r} is not a UUID") from None


def resource_id(package: Package, key: str) -> str:
    """A stable UUID per resource: uuid5 of the package's UUID and the resource's key."""
    return str(uuid.uuid5(package_uuid(package), key))


def organization_id(name: str) -> str:
    """A stable UUID for the organization this service reports (CKAN assigns its own on push)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:kanagawa-opendata:organization:{name}"))


def tags(keywords: tuple[str, ...] | list[str]) -> list[str]:
    """Keywords as CKAN tags: characters CKAN refuses become spaces; too short ones are dropped."""
    found: list[str] = []
    for keyword in keywords:
        tag = " ".join(_NOT_TAG_CHARACTERS.sub(" ", keyword).split())[:TAG_MAX_LENGTH].strip()
        if len(tag) >= TAG_MIN_LENGTH and tag not in found:
            found.append(tag)
    return found


def license_id(package: Package) -> str:
    names = [licence.get("name", "") for licence in package.licenses]
    return next((LICENSE_IDS[n] for n in names if n in LICENSE_IDS), "notspecified")


def contributor(package: Package, *roles: str) -> str:
    """The first contributor holding one of `roles` (Data Package v2 `roles`, or v1's `role`)."""
    for role in roles:
        for person in package.descriptor.get("contributors", []):
            held = person.get("roles") or [person.get("role")]
            if role in held and person.get("title"):
                return str(person["title"])
    return ""


def extras(package: Package) -> dict[str, str]:
    """What CKAN has no field for, as string extras (keys never repeat a core field's name)."""
    source = package.source
    spatial = package.descriptor.get("spatial") or {}
    values: dict[str, Any] = {
        "title_english": package.title_english,
        "theme": package.theme,
        "source_report": source.get("title"),
        "source_report_english": source.get("titleEnglish"),
        "source_publisher": source.get("publisher"),
        "source_date": source.get("date"),
        "section": source.get("section"),
        "section_title": source.get("sectionTitle"),
        "page": source.get("page"),
        "page_note": source.get("pageNote"),
        "attribution": package.attribution,
        "local_government_code": spatial.get("localGovernmentCode"),
        "local_government_name": spatial.get("localGovernmentName"),
        "content_digest": f"sha256:{package.digest}",
        "release": package.release_id,
        "release_published": package.manifest.get("published"),
        # The keys ckanext-dcat's DCAT-AP profile reads for dct:accrualPeriodicity and dct:language.
        "frequency": (code := metadata.frequency(package)) and metadata.frequency_iri(code),
        "language": ",".join(metadata.languages(package)),
    }
    return {key: str(value) for key, value in values.items() if value not in (None, "")}


def organization_name(package: Package, default: str) -> str:
    """The CKAN organization of a package: one per publisher, named by its slug; `default` for
    a package whose descriptor names no publisher object."""
    publisher = package.publisher
    return (
        publisher.slug if publisher is not None and (publisher.code or publisher.title_english) else default
    )


def organization(name: str, packages: list[Package]) -> dict[str, Any]:
    """The publishing organization: its title is the packages' publisher."""
    first = packages[0] if packages else None
    publisher = first.publisher if first else None
    if publisher is not None and publisher.slug == name:
        described = (
            f"{publisher.title}（全国地方公共団体コード {publisher.code}）"
            if publisher.code
            else publisher.title
        )
        return {"name": name, "title": publisher.title, "description": described}
    title = (first and (contributor(first, "publisher") or first.source.get("publisher"))) or name
    spatial = (first.descriptor.get("spatial") if first else None) or {}
    code = spatial.get("localGovernmentCode")
    description = f"{title}（全国地方公共団体コード {code}）" if code else str(title)
    return {"name": name, "title": title, "description": description}


def dataset_fields(package: Package, organization_name: str, api: str) -> dict[str, Any]:
    """CKAN dataset metadata, without resources (they are created one by one)."""
    author = contributor(package, "creator", "author", "publisher")
    return {
        "id": str(package_uuid(package)),
        "name": package.name,
        "title": package.title,
        "notes": both_languages(package.description, package.description_english),
        "url": dataset_url(api, package),
        "version": package.version,
        "license_id": license_id(package),
        "author": author,
        "maintainer": contributor(package, "dataCurator", "maintainer") or author,
        "owner_org": organization_name,
        "private": False,
        "tags": [{"name": tag} for tag in tags(package.keywords)],
        "extras": [{"key": key, "value": value} for key, value in extras(package).items()],
    }


def descriptor_bytes(package: Package, api: str) -> bytes:
    """datapackage.json as pushed: resource paths are this API's CSV downloads."""
    text = json.dumps(remote_descriptor(api, package), ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8")


def table_resource(package: Package, resource: Resource, api: str, *, upload: bool) -> ResourceSpec:
    size = resource.path.stat().st_size if resource.path.is_file() else None
    fields: dict[str, Any] = {
        "id": resource_id(package, resource.name),
        "name": resource.title,
        "description": both_languages(resource.description, resource.description_english),
        "format": "CSV",
        "mimetype": "text/csv",
        "hash": f"sha256:{resource.digest}",
        "size": size,
        "encoding": "utf-8",
        "title_english": resource.title_english,
        "frictionless_name": resource.name,
        # ckanext-validation reads the Table Schema from `schema`, as a JSON string.
        "schema": json.dumps(resource.schema, ensure_ascii=False, separators=(",", ":")),
    }
    if not upload:
        fields["url"] = f"{resource_url(api, package, resource)}/download.csv"
        return ResourceSpec(_present(fields))
    file = Upload(f"{resource.name}.csv", "text/csv", resource.digest, path=resource.path)
    return ResourceSpec(_present(fields), file)


def format_resource(
    package: Package, resource: Resource, fmt: Format, api: str, *, upload: bool
) -> ResourceSpec | None:
    """The table in `fmt` as the release holds it (`download.<ext>`); None where the format
    could not hold the table, as the API's own download then answers 400."""
    path = built_file(package, resource, fmt)
    if path is None:
        return None
    # The release's manifest holds every file's checksum: no 40 MB workbook is read again.
    recorded = package.manifest.get("files", {}).get(f"{DOWNLOADS}/{path.name}") or {}
    digest = str(recorded.get("sha256") or file_digest(path))
    fields: dict[str, Any] = {
        "id": resource_id(package, f"{resource.name}#{fmt.name}"),
        "name": f"{resource.title} ({fmt.title})",
        "description": both_languages(resource.description, resource.description_english),
        "format": fmt.extension.upper(),
        "mimetype": fmt.media_type,
        "hash": f"sha256:{digest}",
        "size": path.stat().st_size,
        "title_english": resource.title_english and f"{resource.title_english} ({fmt.title})",
        "frictionless_name": resource.name,
    }
    if not upload:
        fields["url"] = f"{resource_url(api, package, resource)}/download.{fmt.extension}"
        return ResourceSpec(_present(fields))
    return ResourceSpec(_present(fields), Upload(path.name, fmt.media_type, digest, path=path))


def table_resources(package: Package, resource: Resource, api: str, *, upload: bool) -> list[ResourceSpec]:
    """The table's CSV, then the table in every other prebuilt format of the registry."""
    formats = (format_resource(package, resource, fmt, api, upload=upload) for fmt in registry.prebuilt())
    return [table_resource(package, resource, api, upload=upload), *filter(None, formats)]


def descriptor_resource(package: Package, api: str, *, upload: bool) -> ResourceSpec:
    fields: dict[str, Any] = {
        "id": resource_id(package, DESCRIPTOR_NAME),
        "name": DESCRIPTOR_NAME,
        "description": "Frictionless Data Package descriptor: metadata, licence, sources and the Table "
        "Schema of every table; its resource paths are this API's CSV downloads.",
        "format": "JSON",
        "mimetype": "application/json",
    }
    if not upload:
        fields["url"] = f"{dataset_url(api, package)}/{DESCRIPTOR_NAME}"
        return ResourceSpec(fields)
    content = descriptor_bytes(package, api)
    digest = hashlib.sha256(content).hexdigest()
    fields.update({"hash": f"sha256:{digest}", "size": len(content)})
    return ResourceSpec(fields, Upload(DESCRIPTOR_NAME, "application/json", digest, content=content))


def api_resource(package: Package, api: str) -> ResourceSpec:
    return ResourceSpec(
        {
            "id": resource_id(package, "api"),
            "name": "API",
            "description": f"Rows and summaries as {', '.join(f.title for f in registry.FORMATS)} "
            f"with filters, sorting and paging; OpenAPI at {api}/docs",
            "format": "API",
            "mimetype": "application/json",
            "resource_type": "api",
            "url": dataset_url(api, package),
        }
    )


def resources(package: Package, api: str, *, upload: bool = True) -> tuple[ResourceSpec, ...]:
    """Each table's CSV and its other prebuilt formats, then datapackage.json, then a link to
    the API (upload=False: all links)."""
    tables = [spec for r in package.resources for spec in table_resources(package, r, api, upload=upload)]
    return (*tables, descriptor_resource(package, api, upload=upload), api_resource(package, api))


def dataset(package: Package, organization_name: str, api: str, *, upload: bool = True) -> DatasetSpec:
    return DatasetSpec(
        package, dataset_fields(package, organization_name, api), resources(package, api, upload=upload)
    )


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value not in (None, "")}
