"""A schema.org `Dataset` (JSON-LD) per data package, for Google Dataset Search and the like.

`schema_org` needs only the Package and a few URLs, so a web page can embed the same object.
"""

from __future__ import annotations

from typing import Any

from opendata.api.representations import dataset_url, resource_url
from opendata.catalog.models import Package
from opendata.ckan import mapping


def _organization(name: str) -> dict[str, Any]:
    return {"@type": "GovernmentOrganization", "name": name}


def schema_org(
    package: Package,
    *,
    api: str,
    page_url: str,
    modified: str | None = None,
    coverage: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """The package as a schema.org Dataset; `api` is this API's /api/v1 URL, `page_url` its landing page."""
    publisher = mapping.contributor(package, "publisher") or package.source.get("publisher") or ""
    author = mapping.contributor(package, "author") or publisher
    licence = next((lic.get("path") for lic in package.licenses if lic.get("path")), None)
    source = package.source
    body: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page_url,
        "url": page_url,
        "name": package.title,
        "alternateName": package.title_english or None,
        "description": package.description,
        "identifier": [f"urn:uuid:{package.id}", package.name] if package.id else [package.name],
        "keywords": list(package.keywords),
        "inLanguage": "ja",
        "version": package.version,
        "dateCreated": package.created or None,
        "dateModified": modified or package.modified or None,
        "license": licence,
        "isAccessibleForFree": True,
        "creditText": package.attribution or None,
        "publisher": _organization(publisher) if publisher else None,
        "creator": _organization(author) if author else None,
        "temporalCoverage": _period(coverage),
        "isBasedOn": {
            "@type": "Report",
            "name": source.get("title"),
            "alternateName": source.get("titleEnglish"),
            "datePublished": source.get("date"),
            "publisher": _organization(source["publisher"]) if source.get("publisher") else None,
        }
        if source
        else None,
        "distribution": [
            {
                "@type": "DataDownload",
                "name": resource.title,
                "encodingFormat": "text/csv",
                "contentUrl": f"{resource_url(api, package, resource)}/download.csv",
                "contentSize": resource.descriptor.get("bytes"),
            }
            for resource in package.resources
        ]
        + [
            {
                "@type": "DataDownload",
                "name": "datapackage.json",
                "encodingFormat": "application/json",
                "contentUrl": f"{dataset_url(api, package)}/datapackage.json",
            }
        ],
        "variableMeasured": [
            {"@type": "PropertyValue", "name": field.title, "propertyID": field.name, "unitText": field.unit}
            for resource in package.resources
            for field in resource.fields
        ],
    }
    return _clean(body)


def _period(coverage: dict[str, str | None] | None) -> str | None:
    if not coverage or not (coverage.get("start") or coverage.get("end")):
        return None
    return f"{coverage.get('start') or '..'}/{coverage.get('end') or '..'}"


def _clean(value: Any) -> Any:
    """Drop empty values, so the document only states what is known."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value if v not in (None, "", [], {})]
    return value
