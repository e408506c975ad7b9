"""The formats, one line each: what every output lists and every path serves.

A new format is one module with a `write(table, **options)` over a `Table` and one line in
FORMATS below; the API paths (`rows.<ext>`, `summary.<ext>`, `download.<ext>`), the web
downloads, the zip, CKAN resources and DCAT/schema.org distributions all follow from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from opendata.errors import UnknownFormat
from opendata.formats import arrow_format, csv_format, json_format, ndjson_format, parquet_format, xlsx_format
from opendata.formats.table import Table


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    write: Callable[..., Iterator[bytes]]  # write(table, **options) -> byte chunks
    title: str  # how people name it, in the web page and catalog distributions
    prebuilt: bool = False  # written for whole resources at publish time (download.<ext>)
    max_rows: int | None = None  # more data rows than this cannot be written (decided before streaming)
    published: Mapping[str, Any] = field(default_factory=dict)  # write()'s options at publish time
    columnar: bool = False  # write() reads Table.batches (Arrow) when given them, instead of rows

    def chunks(self, table: Table, **options: Any) -> Iterator[bytes]:
        return self.write(table, **options)


FORMATS: tuple[Format, ...] = (
    Format("csv", "text/csv", "csv", csv_format.write, "CSV", prebuilt=True),
    Format("json", "application/json", "json", json_format.write, "JSON"),
    Format("ndjson", "application/x-ndjson", "ndjson", ndjson_format.write, "NDJSON", columnar=True),
    Format(
        "xlsx",
        xlsx_format.MEDIA_TYPE,
        "xlsx",
        xlsx_format.write,
        "Excel (XLSX)",
        True,
        xlsx_format.MAX_ROWS,
        xlsx_format.PUBLISHED,
        columnar=True,
    ),
    Format(
        "parquet",
        "application/vnd.apache.parquet",
        "parquet",
        parquet_format.write,
        "Parquet",
        True,
        columnar=True,
    ),
    Format(
        "arrow",
        "application/vnd.apache.arrow.stream",
        "arrow",
        arrow_format.write,
        "Arrow IPC stream",
        columnar=True,
    ),
)
BY_EXTENSION = {f.extension: f for f in FORMATS}


def get(extension: str) -> Format:
    found = BY_EXTENSION.get(extension)
    if found is None:
        raise UnknownFormat(
            f"no format {extension!r}; use one of {', '.join(BY_EXTENSION)}", parameter="format"
        )
    return found


def streamed() -> list[Format]:
    """Formats served by the generic `rows.<ext>` and `summary.<ext>` paths (JSON has its own pages)."""
    return [f for f in FORMATS if f.name not in ("json",)]


def resource_links(base: str) -> dict[str, str]:
    """The API links of one resource's formats: `download_<name>` for every prebuilt file and
    `rows_<name>` for every streamed query format (CSV and JSON keep their own links)."""
    links = {f"download_{f.name}": f"{base}/download.{f.extension}" for f in prebuilt()}
    links |= {f"rows_{f.name}": f"{base}/rows.{f.extension}" for f in streamed() if f.name != "csv"}
    links["summary"] = f"{base}/summary"
    return links


def prebuilt() -> list[Format]:
    """Formats written for whole resources at publish time, other than CSV (whose flavours have their own)."""
    return [f for f in FORMATS if f.prebuilt and f.name != "csv"]
