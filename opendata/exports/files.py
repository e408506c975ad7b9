"""Whole-resource downloads: every CSV flavour, written into a release at publish time.

The default CSV is the package's own file, byte for byte. The other flavours are written
by `opendata publish` into the release's `downloads/` folder before the release becomes
current, so no request ever builds one and every rebuild of a release has the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from opendata.atomic import write_atomically
from opendata.catalog.models import Package, Resource
from opendata.errors import PackageError, UnencodableValue
from opendata.exports.csv_export import CsvFormat, csv_stream, file_names
from opendata.query.engine import Engine
from opendata.query.params import RowQuery

DOWNLOADS = "downloads"  # the folder of a release holding its prebuilt files
EXCEL_FOLDER = "excel"  # where the package zip keeps each table as Excel opens it
# The flavour Excel opens without 文字化け: UTF-8 with BOM and Japanese headers.
EXCEL_FLAVOUR = CsvFormat(encoding="utf-8-sig", header="title")


def csv_flavours() -> list[CsvFormat]:
    """Every whole-file CSV flavour a client can ask for, other than the package's own file."""
    every = [
        CsvFormat(encoding, header, newline)
        for encoding in ("utf-8", "utf-8-sig", "cp932")
        for header in ("name", "title")
        for newline in ("lf", "crlf")
    ]
    return [fmt for fmt in every if not fmt.is_default]


def flavour_stem(resource: Resource, fmt: CsvFormat) -> str:
    newline = "crlf" if fmt.line_terminator == "\r\n" else "lf"
    return f"{resource.name}.{fmt.encoding}.{fmt.header}.{newline}"


def write_flavour(engine: Engine, package: Package, resource: Resource, fmt: CsvFormat, folder: Path) -> Path:
    """Write the whole resource in `fmt` into `folder` (at publish time); returns the file written.

    A flavour CP932 cannot hold is written as a refusal naming the row and field, which the
    server answers with instead of the file.
    """
    stem = flavour_stem(resource, fmt)
    try:
        chunks = csv_stream(engine, package, resource, RowQuery(), fmt)
    except UnencodableValue as exc:
        refusal = folder / f"{stem}.refused.json"
        body = {"detail": exc.detail, "parameter": exc.parameter, **exc.extra}
        write_atomically(refusal, json.dumps(body, ensure_ascii=False, sort_keys=True).encode())
        return refusal
    path = folder / f"{stem}.csv"
    write_atomically(path, chunks)
    return path


class Downloads:
    """The files prebuilt for each release; nothing is built here, only found."""

    def csv_file(self, package: Package, resource: Resource, fmt: CsvFormat) -> Path:
        """The whole resource as a file in `fmt`; raises UnencodableValue for CP932 it cannot hold."""
        if fmt.is_default:
            return resource.path
        folder, stem = package.directory / DOWNLOADS, flavour_stem(resource, fmt)
        refusal = folder / f"{stem}.refused.json"
        if refusal.exists():
            raise UnencodableValue(**json.loads(refusal.read_text(encoding="utf-8")))
        path = folder / f"{stem}.csv"
        if not path.is_file():
            raise PackageError(f"{package.name}: release {package.release_id} has no {path.name}")
        return path

    def cp932_refusal(self, package: Package, resource: Resource) -> UnencodableValue | None:
        """Why the resource cannot be written in Shift_JIS (CP932), or None when it can."""
        try:
            self.csv_file(package, resource, CsvFormat(encoding="cp932"))
        except UnencodableValue as refusal:
            return refusal
        return None

    def package_zip(self, package: Package) -> Path:
        return package.directory / DOWNLOADS / zip_name(package)


def excel_file_name(resource: Resource) -> str:
    return file_names(resource.title, resource.name, "utf-8-sig")[0]


def zip_name(package: Package) -> str:
    return f"{package.name}.zip"


def package_readme(package: Package, api_url: str) -> str:
    """README.md for the zip: what the package is, where it came from, and how to credit it."""
    source = package.source
    lines = [
        f"# {package.title}",
        "",
        package.title_english,
        "",
        package.description,
        "",
        *([package.description_english, ""] if package.description_english else []),
        "## Source / 出典",
        "",
        f"- {source.get('title', '')}",
        f"- Publisher / 発行: {source.get('publisher', '')}, {source.get('date', '')}",
        f"- Section / 項目: {source.get('section', '')} {source.get('sectionTitle', '')}",
    ]
    if source.get("page"):
        lines.append(f"- Page / ページ: {source['page']}")
    lines += ["", "## Licence / ライセンス", ""]
    for licence in package.licenses:
        lines.append(f"- {licence.get('title', licence.get('name'))} ({licence.get('path', '')})")
    lines += ["", "Attribution / クレジット表記:", "", f"> {package.attribution}", "", "## Files", ""]
    for resource in package.resources:
        lines.append(f"- `{resource.descriptor['path']}`: {resource.title} — {resource.title_english}")
        lines.append(f"  (schema: `schemas/{resource.name}.json`)")
        lines.append(f"  Excel: `{EXCEL_FOLDER}/{excel_file_name(resource)}`")
    lines += [
        "",
        f"Excel で開くときは {EXCEL_FOLDER}/ の CSV（BOM付きUTF-8・日本語の見出し）を開いてください。"
        "データ直下の CSV は BOM なしの UTF-8 で、プログラムや frictionless 向けです。",
        f"To open a table in Excel, open the CSV under {EXCEL_FOLDER}/ (UTF-8 with BOM, Japanese headers); "
        "the CSVs beside datapackage.json are plain UTF-8 for programs.",
    ]
    lines += ["", f"Version {package.version}. API: {api_url}", ""]
    return "\n".join(lines)
