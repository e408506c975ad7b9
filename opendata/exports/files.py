"""Whole-resource downloads and package zips, built once per package version and reused.

The default CSV is the package's own file, byte for byte. Other flavours and the zip are
written to the cache under the package digest, through a temp file and a rename, so a
failure never leaves a half-written download where a client could fetch it.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from opendata.catalog.models import Package, Resource
from opendata.errors import UnencodableValue
from opendata.exports.csv_export import CsvFormat, csv_stream
from opendata.query.engine import Engine
from opendata.query.params import RowQuery


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
        path = folder / f"{package.name}.zip"
        if path.exists():
            return path
        folder.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                prefix = f"{package.name}/"
                archive.write(package.directory / "datapackage.json", prefix + "datapackage.json")
                for resource in package.resources:
                    archive.write(resource.path, prefix + resource.descriptor["path"])
                    schema = json.dumps(resource.schema, ensure_ascii=False, indent=2) + "\n"
                    archive.writestr(f"{prefix}schemas/{resource.name}.json", schema)
                archive.writestr(prefix + "README.md", readme)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return path


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
    lines += ["", f"Version {package.version}. API: {api_url}", ""]
    return "\n".join(lines)
