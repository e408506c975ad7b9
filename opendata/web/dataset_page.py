"""Everything the dataset page shows, assembled from the service and the API's representations.

No Flask here: the view passes in what the request asked for and renders the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opendata import schemaorg
from opendata.catalog import citation
from opendata.catalog.models import Field, Package, Resource
from opendata.errors import ResourceNotFound, ResultTooLarge
from opendata.formats import registry
from opendata.formats.files import prebuilt_file
from opendata.query.params import RowQuery, Sort
from opendata.service import DataService
from opendata.web import charts, i18n, references
from opendata.web.examples import Example, examples
from opendata.web.preview import Preview, build_preview


@dataclass(frozen=True)
class Download:
    key: str  # message key of its label
    url: str
    format: str  # csv-utf-8, csv-utf-8-sig, csv-cp932, json, ...
    attachment: bool
    size: int | None = None  # bytes, where known
    limit: int | None = None  # rows a JSON link returns at most
    refused: dict[str, Any] | None = None  # why this flavour cannot be offered (row, field)


@dataclass(frozen=True)
class ResourceSection:
    name: str
    title: str
    other_title: str
    description: str
    rows: int
    fields: tuple[Field, ...]
    charts: list[charts.Chart]
    preview: Preview
    downloads: list[Download]
    names: references.Names  # id field -> {id -> human name}, for ids into another table
    constant: dict[str, Any]  # fields with one value on every previewed row, hidden on small screens


@dataclass(frozen=True)
class PreviewRequest:
    resource: str | None
    sort: str | None
    page: int
    filters: tuple[tuple[str, str], ...] = ()  # the preview's facet filters (field, value)


@dataclass(frozen=True)
class DatasetPage:
    detail: dict[str, Any]
    title: str
    other_title: str
    description: str
    other_description: str
    resources: list[ResourceSection]
    package_downloads: list[Download]
    examples: list[Example]
    jsonld: dict[str, Any]
    multiple: bool  # more than one resource: preview links name theirs
    citation: citation.Citation


def build(
    service: DataService,
    package: Package,
    detail: dict[str, Any],
    asked: PreviewRequest,
    *,
    lang: str,
    site: schemaorg.Site,
    page_size: int,
    max_pages: int,
    max_json_rows: int,
) -> DatasetPage:
    selected = asked.resource or package.resources[0].name
    if package.resource(selected) is None:
        raise ResourceNotFound(f"dataset {package.name!r} has no resource {selected!r}", parameter="resource")
    sections = []
    for resource, resource_detail in zip(package.resources, detail["resources"], strict=True):
        chosen = resource.name == selected
        preview = build_preview(
            service.engine,
            package,
            resource,
            sort=asked.sort if chosen else None,
            page=asked.page if chosen else 1,
            page_size=page_size,
            max_pages=max_pages,
            filters=asked.filters if chosen else (),
            summaries=service.summaries,
        )
        sections.append(_section(service, package, resource, resource_detail, preview, lang, max_json_rows))
    other_lang = "ja" if lang == "en" else "en"
    description = i18n.in_language(package.description, lang, package.description_english)
    other_description = i18n.in_language(package.description, other_lang, package.description_english)
    titles = (detail["title"], detail["title_english"] or detail["title"])
    return DatasetPage(
        detail=detail,
        title=titles[1] if lang == "en" else titles[0],
        other_title=titles[0] if lang == "en" else titles[1],
        description=description,
        other_description="" if other_description == description else other_description,
        resources=sections,
        package_downloads=[
            Download("datapackage", detail["links"]["datapackage"], "datapackage", attachment=False),
            Download("zip", detail["links"]["zip"], "zip", attachment=True),
        ],
        examples=examples(detail),
        jsonld=schemaorg.dataset(
            detail, package, site, frozenset(d.url for r in sections for d in r.downloads if d.refused)
        ),
        multiple=len(package.resources) > 1,
        citation=citation.cite(package, lang, f"{site.root}/datasets/{package.name}"),
    )


def _section(
    service: DataService,
    package: Package,
    resource: Resource,
    detail: dict[str, Any],
    preview: Preview,
    lang: str,
    max_json_rows: int,
) -> ResourceSection:
    links = detail["links"]
    series_rows = []
    if charts.is_time_series(resource):
        query = RowQuery(sort=tuple(Sort(n) for n in charts.time_sort(resource)), limit=charts.MAX_POINTS + 1)
        series_rows = service.engine.page(package, resource, query).rows
    names = references.reference_names(service.engine, package, resource, lang)
    return ResourceSection(
        name=resource.name,
        title=(resource.title_english or resource.title) if lang == "en" else resource.title,
        other_title=resource.title if lang == "en" else resource.title_english,
        description=i18n.in_language(resource.description, lang, resource.description_english),
        rows=detail["rows"],
        fields=resource.fields,
        charts=charts.resource_charts(resource, series_rows, lang, names),
        preview=preview,
        names=names,
        constant=constant_columns(preview),
        downloads=[
            Download("csv_utf8", links["download_csv"], "csv-utf-8", True, detail.get("bytes")),
            Download("csv_excel", links["download_csv_excel"], "csv-utf-8-sig", True),
            Download(
                "csv_excel_names", f"{links['download_csv_excel']}&header=name", "csv-utf-8-sig-names", True
            ),
            Download(
                "csv_sjis",
                links["download_csv_shift_jis"],
                "csv-cp932",
                True,
                refused=_cp932_refusal(service, package, resource),
            ),
            *_format_downloads(service, package, resource, links),
            Download(
                "json_rows", f"{links['rows']}?limit={max_json_rows}", "json", False, limit=max_json_rows
            ),
        ],
    )


def _format_downloads(
    service: DataService, package: Package, resource: Resource, links: dict[str, str]
) -> list[Download]:
    """A link per prebuilt registry format (XLSX, Parquet ...), left out where the format cannot hold
    the table (more rows than a sheet): the API's answer there points to CSV and Parquet."""
    offered = []
    for fmt in registry.prebuilt():
        try:
            path = prebuilt_file(package, resource, fmt, ())
        except ResultTooLarge:
            continue
        size = path.stat().st_size
        offered.append(Download(f"download_{fmt.name}", links[f"download_{fmt.name}"], fmt.name, True, size))
    if "summary_wide" in links:  # the printed layout, spread from the long table by its pivot hint
        wide = links["summary_wide"].replace("/summary?", "/summary.xlsx?", 1)
        offered.append(Download("download_wide_xlsx", wide, "xlsx-wide", True))
    return offered


def _cp932_refusal(service: DataService, package: Package, resource: Resource) -> dict[str, Any] | None:
    """Where the table holds a character Shift_JIS cannot, the page says so instead of a broken link.

    Publishing wrote the file, or the refusal naming the row and field, into the release.
    """
    refusal = service.downloads.cp932_refusal(package, resource)
    if refusal is None:
        return None
    return {"row": refusal.extra.get("row"), "field": refusal.extra.get("field"), "detail": refusal.detail}


def constant_columns(preview: Preview) -> dict[str, Any]:
    """Columns holding one value on every row shown (団体コード, 団体名): on a small screen the
    page states them once above the table and hides them, so the measures come into view."""
    if len(preview.rows) < 2:
        return {}
    measures = {f.name for f in charts.measures(preview.resource)}
    return {
        f.name: preview.rows[0][f.name]
        for f in preview.fields
        if f.name not in measures and all(row[f.name] == preview.rows[0][f.name] for row in preview.rows)
    }
