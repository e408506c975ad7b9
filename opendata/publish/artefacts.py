"""The package zip, built at publish time: the same bytes on every rebuild of a release.

Members are listed by `zip_members` alone (add a member there), written in that order with
a fixed date and mode, so the zip depends on the release and the configured public URL only,
never on a request or the clock.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from opendata.catalog.loader import DESCRIPTOR
from opendata.catalog.models import Package
from opendata.catalog.search import TableTexts
from opendata.exports.files import (
    DOWNLOADS,
    EXCEL_FLAVOUR,
    EXCEL_FOLDER,
    excel_file_name,
    flavour_stem,
    package_readme,
    zip_name,
)
from opendata.formats import registry
from opendata.formats.files import file_name
from opendata.query.engine import Engine
from opendata.query.params import RowQuery

# Zip entries carry a local time without a zone; the release's own date would do, but a
# fixed one keeps equal content equal across time zones and rebuilds.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def dataset_api_path(package: Package, base_url: str) -> str:
    """Where the release lives in the API: absolute with a configured public URL, else a path."""
    return f"{base_url.rstrip('/')}/api/v1/datasets/{package.name}/releases/{package.release_id}"


def zip_members(package: Package, base_url: str) -> list[tuple[str, bytes | Path]]:
    """Every member of the package zip, as (name inside the zip, bytes or file to copy).

    Beside the package's own UTF-8 files (what frictionless and programs read), each table
    as Excel opens it without 文字化け, under excel/: the EXCEL_FLAVOUR file the downloads
    step has already written into the release, copied rather than written a second time.
    """
    prefix = f"{package.name}/"
    members: list[tuple[str, bytes | Path]] = [(prefix + DESCRIPTOR, package.directory / DESCRIPTOR)]
    for resource in package.resources:
        members.append((prefix + resource.descriptor["path"], resource.path))
        excel = package.directory / DOWNLOADS / f"{flavour_stem(resource, EXCEL_FLAVOUR)}.csv"
        members.append((f"{prefix}{EXCEL_FOLDER}/{excel_file_name(resource)}", excel))
        for fmt in registry.prebuilt():  # the same table as XLSX, Parquet ..., where written
            built = package.directory / DOWNLOADS / file_name(resource, fmt)
            if built.is_file():
                inside = Path(resource.descriptor["path"]).with_suffix(f".{fmt.extension}").as_posix()
                members.append((prefix + inside, built))
        schema = json.dumps(resource.schema, ensure_ascii=False, indent=2) + "\n"
        members.append((f"{prefix}schemas/{resource.name}.json", schema.encode()))
    readme = package_readme(package, dataset_api_path(package, base_url))
    members.append((prefix + "README.md", readme.encode()))
    return members


def write_zip(package: Package, folder: Path, base_url: str) -> Path:
    """Write the zip into `folder`, a staging folder no client can read until the release is renamed in."""
    path = folder / zip_name(package)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in zip_members(package, base_url):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if isinstance(content, Path):
                with content.open("rb") as source, archive.open(info, "w") as out:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        out.write(chunk)
            else:
                archive.writestr(info, content)
    return path


def table_texts(engine: Engine, package: Package, max_rows: int) -> TableTexts:
    """The text cells of every table of at most `max_rows` rows, as (field, text), for the
    release's search entry: search finds what the tables say, and says where."""
    texts: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for resource in package.resources:
        names = tuple(f.name for f in resource.fields if f.type == "string")
        if not names or engine.store.info(package, resource).row_count > max_rows:
            continue
        cells = texts.setdefault((package.name, resource.name), [])
        for record in engine.iter_records(package, resource, RowQuery(fields=names)):
            cells += [(n, v) for n, v in zip(names, record, strict=True) if isinstance(v, str) and v]
    return texts
