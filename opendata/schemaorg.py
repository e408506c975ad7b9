"""A schema.org Dataset (JSON-LD) per data package, for search engines and Dataset Search.

Built from the API's dataset detail (representations.dataset_detail), whose links are the
download URLs the API and the pages offer. The dataset pages embed it and the harvest
endpoint /dataset/<name>.schemaorg.jsonld serves it: one document, one builder.
"""

from __future__ import annotations

from typing import Any

from opendata.formats import registry

PREFECTURE = {"@type": "GovernmentOrganization", "name": "神奈川県", "alternateName": "Kanagawa Prefecture"}
ENCODINGS = (
    ("download_csv", "text/csv", "UTF-8"),
    ("download_csv_excel", "text/csv", "UTF-8 with BOM (Excel)"),
    ("download_csv_shift_jis", "text/csv", "Shift_JIS (CP932)"),
    ("rows", "application/json", "JSON"),
)


def dataset(
    detail: dict[str, Any],
    page_url: str,
    unavailable: frozenset[str] = frozenset(),
    modified: str | None = None,
) -> dict[str, Any]:
    """`unavailable`: download URLs to leave out (a Shift_JIS file the data cannot be written in).

    `modified`: when the content last changed, if known better than the descriptor says.
    """
    source = detail.get("source") or {}
    coverage = detail.get("coverage") or {}
    body: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page_url,
        "name": detail["title"],
        "alternateName": detail["title_english"] or None,
        "description": detail["description"],
        "url": page_url,
        "identifier": [detail["id"] and f"urn:uuid:{detail['id']}", detail["name"]],
        "keywords": detail["keywords"],
        "about": detail["theme"] or None,
        "inLanguage": "ja",
        "version": detail["version"],
        "dateCreated": detail["created"] or None,
        "dateModified": modified or detail["modified"] or None,
        "license": detail["license"]["url"],
        "creditText": detail["license"]["attribution"] or None,
        "isAccessibleForFree": True,
        "creator": PREFECTURE,
        "publisher": PREFECTURE,
        "spatialCoverage": {
            "@type": "Place",
            "name": "神奈川県",
            "identifier": "140007",
            "address": {"@type": "PostalAddress", "addressRegion": "神奈川県", "addressCountry": "JP"},
        },
        "temporalCoverage": _temporal(coverage),
        "isBasedOn": _report(source),
        "citation": detail["license"]["attribution"] or None,
        "distribution": [d for d in _distribution(detail) if d["contentUrl"] not in unavailable],
        "variableMeasured": _variables(detail),
    }
    body["identifier"] = [i for i in body["identifier"] if i]
    return {k: v for k, v in body.items() if v not in (None, "", [])}


def _temporal(coverage: dict[str, str | None]) -> str | None:
    start, end = coverage.get("start"), coverage.get("end")
    if start and end:
        return start if start == end else f"{start}/{end}"
    return start or end


def _report(source: dict[str, Any]) -> dict[str, Any] | None:
    if not source:
        return None
    report = {
        "@type": "Report",
        "name": source.get("title"),
        "alternateName": source.get("titleEnglish"),
        "datePublished": source.get("date"),
        "publisher": PREFECTURE,
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
        for fmt in registry.prebuilt():  # download.xlsx, download.parquet ...
            downloads.append(
                {
                    "@type": "DataDownload",
                    "name": f"{resource['title']} ({fmt.title})",
                    "contentUrl": resource["links"][f"download_{fmt.name}"],
                    "encodingFormat": fmt.media_type,
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
    seen: dict[str, dict[str, Any]] = {}
    for resource in detail["resources"]:
        for field in resource["schema"].get("fields", []):
            if field.get("unit") and field["name"] not in seen:
                seen[field["name"]] = {
                    "@type": "PropertyValue",
                    "name": field.get("title", field["name"]),
                    "alternateName": field["name"],
                    "description": field.get("description") or None,
                    "unitText": field["unit"],
                }
    return list(seen.values())
