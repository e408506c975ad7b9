"""A schema.org Dataset (JSON-LD) per data package, for search engines and Dataset Search.

Built from the API's dataset detail (representations.dataset_detail), whose links are the
download URLs the API and the pages offer. The dataset pages embed it and the harvest
endpoint /dataset/<name>.schemaorg.jsonld serves it: one document, one builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opendata import metadata
from opendata.catalog.models import Package

# Downloadable files only: the paged rows API is not a distribution a crawler can fetch whole.
ENCODINGS = (
    ("download_csv", "text/csv", "UTF-8"),
    ("download_csv_excel", "text/csv", "UTF-8 with BOM (Excel)"),
    ("download_csv_shift_jis", "text/csv", "Shift_JIS (CP932)"),
)


@dataclass(frozen=True)
class Site:
    """What a dataset's document says about where it is published, the same for page and file."""

    root: str  # base URL, no trailing slash
    catalog_name: str
    publishing: metadata.Publishing
    modified: datetime | None = None  # when the content last changed (naive = UTC), if known


def dataset(
    detail: dict[str, Any], package: Package, site: Site, unavailable: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`unavailable`: download URLs to leave out (a Shift_JIS file the data cannot be written in)."""
    source = detail.get("source") or {}
    coverage = detail.get("coverage") or {}
    page_url = f"{site.root}/datasets/{package.name}"
    publisher = organization(site.publishing.publisher(package))
    body: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page_url,
        "name": detail["title"],
        "alternateName": detail["title_english"] or None,
        "description": detail["description"],
        "url": page_url,
        "sameAs": detail["links"]["self"],  # the same dataset as the API's JSON metadata
        "identifier": [detail["id"] and f"urn:uuid:{detail['id']}", detail["name"]],
        "keywords": detail["keywords"],
        "about": detail["theme"] or None,
        "inLanguage": metadata.languages(package),
        "version": detail["version"],
        "dateCreated": zoned(detail["created"]),
        "dateModified": zoned(site.modified) if site.modified else zoned(detail["modified"]),
        "license": detail["license"]["url"],
        "creditText": detail["license"]["attribution"] or None,
        "isAccessibleForFree": True,
        "creator": publisher,
        "publisher": publisher,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": site.catalog_name, "url": f"{site.root}/"},
        "spatialCoverage": _place(package),
        "temporalCoverage": _temporal(coverage),
        "isBasedOn": _report(source, package),
        "citation": detail["license"]["attribution"] or None,
        "distribution": [d for d in _distribution(detail) if d["contentUrl"] not in unavailable],
        "variableMeasured": _variables(detail),
    }
    body["identifier"] = [i for i in body["identifier"] if i]
    return {k: v for k, v in body.items() if v not in (None, "", [])}


def zoned(value: str | datetime | None) -> str | None:
    """An ISO 8601 date-time with its zone (UTC when none is given), as Dataset Search asks."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


def organization(who: metadata.Agent) -> dict[str, Any]:
    """An Organization with what is set of it: never a URL or contact that nobody gave."""
    contact = {"@type": "ContactPoint", "email": who.email or None, "telephone": who.phone or None,
               "url": who.url or None}  # fmt: skip
    body = {
        "@type": "GovernmentOrganization" if who.kind == metadata.PREFECTURE_TYPE else "Organization",
        "name": who.name,
        "alternateName": who.name_english or None,
        "url": who.url or None,
        "contactPoint": {k: v for k, v in contact.items() if v} if (who.email or who.phone) else None,
    }
    return {k: v for k, v in body.items() if v}


def _place(package: Package) -> dict[str, Any] | None:
    found = metadata.area(package)
    if found is None:
        return None
    iri, code, name = found
    place: dict[str, Any] = {"@type": "Place", "name": name, "identifier": code}
    if iri:
        place["sameAs"] = iri
    point = metadata.COORDINATES.get(code)
    if point is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": point[0], "longitude": point[1]}
    return place


def _temporal(coverage: dict[str, str | None]) -> str | None:
    start, end = coverage.get("start"), coverage.get("end")
    if start and end:
        return start if start == end else f"{start}/{end}"
    return start or end


def _report(source: dict[str, Any], package: Package) -> dict[str, Any] | None:
    if not source:
        return None
    body = organization(metadata.report_body(package))
    report = {
        "@type": "Report",
        "name": source.get("title"),
        "alternateName": source.get("titleEnglish"),
        "datePublished": source.get("date"),
        "creator": body,
        "publisher": body,
        "pagination": str(source["page"]) if source.get("page") else None,
        "description": " ".join(str(source[k]) for k in ("section", "sectionTitle") if source.get(k)) or None,
    }
    return {k: v for k, v in report.items() if v}


def _distribution(detail: dict[str, Any]) -> list[dict[str, Any]]:
    downloads = []
    for resource in detail["resources"]:
        for link, media_type, flavour in ENCODINGS:
            downloads.append(
                {
                    "@type": "DataDownload",
                    "name": f"{resource['title']} ({flavour})",
                    "contentUrl": resource["links"][link],
                    "encodingFormat": media_type,
                }
            )
    downloads.append(
        {
            "@type": "DataDownload",
            "name": "datapackage.json",
            "contentUrl": detail["links"]["datapackage"],
            "encodingFormat": "application/json",
        }
    )
    downloads.append(
        {
            "@type": "DataDownload",
            "name": f"{detail['name']}.zip",
            "contentUrl": detail["links"]["zip"],
            "encodingFormat": "application/zip",
        }
    )
    return downloads


def _variables(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Every column is a variable the tables record (a directory's too), with its unit where given."""
    seen: dict[str, dict[str, Any]] = {}
    for resource in detail["resources"]:
        for field in resource["schema"].get("fields", []):
            if field["name"] not in seen:
                variable = {
                    "@type": "PropertyValue",
                    "name": field.get("title", field["name"]),
                    "alternateName": field["name"],
                    "description": field.get("description") or None,
                    "unitText": field.get("unit") or None,
                }
                seen[field["name"]] = {k: v for k, v in variable.items() if v}
    return list(seen.values())
