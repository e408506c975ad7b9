"""Whole-resource files in every prebuilt format, written into a release at publish time.

`download.<ext>` then only finds the file. A resource a format cannot hold (more rows than
XLSX allows) gets a refusal instead, which the server answers with as a 400 problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from opendata.atomic import write_atomically
from opendata.catalog.models import Package, Resource
from opendata.errors import PackageError, ResultTooLarge
from opendata.exports.files import DOWNLOADS
from opendata.formats.registry import Format
from opendata.formats.table import resource_table


def file_name(resource: Resource, fmt: Format) -> str:
    return f"{resource.name}.{fmt.extension}"


def too_many_rows(fmt: Format, rows: int, alternatives: Sequence[str] = ()) -> ResultTooLarge | None:
    """The refusal for `rows` data rows in `fmt`, or None when the format holds them."""
    if fmt.max_rows is None or rows <= fmt.max_rows:
        return None
    return ResultTooLarge(
        f"{rows} rows is more than {fmt.title} can hold ({fmt.max_rows} data rows per sheet); "
        "ask for CSV or Parquet instead",
        parameter=None,
        rows=rows,
        max_rows=fmt.max_rows,
        alternatives=list(alternatives),
    )


def write_prebuilt(
    package: Package,
    resource: Resource,
    fmt: Format,
    rows: Iterable[Sequence[Any]],
    count: int,
    folder: Path,
    batches: Iterable[Any] | None = None,
) -> Path:
    """Write every row of `resource` in `fmt` into `folder`, from `rows` or, for a columnar
    format, the same rows as Arrow `batches`; returns the file written."""
    refusal = too_many_rows(fmt, count)
    if refusal is not None:
        path = folder / f"{file_name(resource, fmt)}.refused.json"
        body = {"detail": refusal.detail, **refusal.extra}
        write_atomically(path, json.dumps(body, ensure_ascii=False, sort_keys=True).encode())
        return path
    path = folder / file_name(resource, fmt)
    table = resource_table(package, resource, resource.field_names, rows, batches)
    write_atomically(path, fmt.chunks(table, **fmt.published))
    return path


def built_file(package: Package, resource: Resource, fmt: Format) -> Path | None:
    """The file of `resource` in `fmt` written at publish time, or None: the format could not
    hold the table (more rows than a sheet), or `package` is a source folder, not a release."""
    path = package.directory / DOWNLOADS / file_name(resource, fmt)
    return path if path.is_file() else None


def prebuilt_file(package: Package, resource: Resource, fmt: Format, alternatives: Sequence[str]) -> Path:
    """The file written at publish time; a ResultTooLarge when the format could not hold it."""
    folder = package.directory / DOWNLOADS
    refusal = folder / f"{file_name(resource, fmt)}.refused.json"
    if refusal.exists():
        body = json.loads(refusal.read_text(encoding="utf-8"))
        body["alternatives"] = list(alternatives)
        raise ResultTooLarge(body.pop("detail"), parameter=None, **body)
    path = folder / file_name(resource, fmt)
    if not path.is_file():
        raise PackageError(f"{package.name}: release {package.release_id} has no {path.name}")
    return path
