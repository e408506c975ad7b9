"""Whole-resource downloads and package zips, built once per package version and reused.

The default CSV is the package's own file, byte for byte. Other flavours and the zip are
written to the cache under the package digest, through a temp file and a rename, so a
failure never leaves a half-written download where a client could fetch it.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from opendata.catalog.models import Package, Resource
from opendata.errors import UnencodableValue
from opendata.exports.csv_export import CsvFormat, csv_stream, file_names
from opendata.query.engine import Engine
from opendata.query.params import RowQuery

EXCEL_FOLDER = "excel"
# Names what the zip holds (zip_members): a change to the members changes it, so a zip built
# before the change is neither served from the cache nor under its old ETag.
ZIP_LAYOUT = "excel-1"


class Downloads:
    def __init__(self, cache_dir: Path, engine: Engine) -> None:
        self.directory = Path(cache_dir) / "downloads"
        self.engine = engine

    def _folder(self, package: Package) -> Path:
        return self.directory / f"{package.name}-{package.digest[:20]}"

    def csv_file(self, package: Package, resource: Resource, fmt: CsvFormat) -> Path:
        """The whole resource as a file in `fmt`; raises UnencodableValue for CP932 it cannot hold."""
        if fmt.is_default:
            return resource.path
        folder = self._folder(package)
        newline = "crlf" if fmt.line_terminator == "\r\n" else "lf"
        stem = f"{resource.name}.{fmt.encoding}.{fmt.header}.{newline}"
        path, refusal = folder / f"{stem}.csv", folder / f"{stem}.refused.json"
        if refusal.exists():
            raise UnencodableValue(**json.loads(refusal.read_text(encoding="utf-8")))
        if path.exists():
            return path
        folder.mkdir(parents=True, exist_ok=True)
        try:
            chunks = csv_stream(self.engine, package, resource, RowQuery(), fmt)
        except UnencodableValue as exc:
            _write_atomically(
                refusal,
                [
                    json.dumps(
                        {"detail": exc.detail, "parameter": exc.parameter, **exc.extra},
                        ensure_ascii=False,
                    ).encode()
                ],
            )
            raise
        _write_atomically(path, chunks)
        return path

    def cp932_refusal(self, package: Package, resource: Resource) -> UnencodableValue | None:
        """Why the resource cannot be written in Shift_JIS (CP932), or None when it can."""
        try:
            self.csv_file(package, resource, CsvFormat(encoding="cp932"))
        except UnencodableValue as refusal:
            return refusal
        return None

    def package_zip(self, package: Package, readme: str) -> Path:
        folder = self._folder(package)
        path = folder / f"{package.name}.{ZIP_LAYOUT}.zip"
        if path.exists():
            return path
        folder.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, content in zip_members(package, readme, self.excel_csv):
                    if isinstance(content, Path):
                        archive.write(content, name)
                    else:
                        archive.writestr(name, content)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return path

    def excel_csv(self, package: Package, resource: Resource) -> Path:
        return self.csv_file(package, resource, CsvFormat(encoding="utf-8-sig", header="title"))


def zip_members(
    package: Package, readme: str, excel_csv: Callable[[Package, Resource], Path]
) -> list[tuple[str, Path | str]]:
    """What the zip holds, as (name in the zip, file or text): the one list of its members.

    Beside the package's own UTF-8 files (what frictionless and programs read), each table
    as Excel opens it without 文字化け: UTF-8 with BOM and Japanese headers, under excel/.
    """
    prefix = f"{package.name}/"
    members: list[tuple[str, Path | str]] = [
        (prefix + "datapackage.json", package.directory / "datapackage.json")
    ]
    for resource in package.resources:
        members.append((prefix + resource.descriptor["path"], resource.path))
        members.append((f"{prefix}{EXCEL_FOLDER}/{excel_file_name(resource)}", excel_csv(package, resource)))
        schema = json.dumps(resource.schema, ensure_ascii=False, indent=2) + "\n"
        members.append((f"{prefix}schemas/{resource.name}.json", schema))
    members.append((prefix + "README.md", readme))
    return members


def excel_file_name(resource: Resource) -> str:
    return file_names(resource.title, resource.name, "utf-8-sig")[0]


def _write_atomically(path: Path, chunks: Iterator[bytes] | list[bytes]) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


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
