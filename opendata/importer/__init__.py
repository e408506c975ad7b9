"""From a print-layout sheet to a draft data package (Flask-free; `opendata import` wraps it).

read the workbook safely (opendata.check) -> find the table (opendata.check.region) ->
read it as printed (printed.py) -> make it tidy (tidy.py) -> write it atomically (writer.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opendata import errors
from opendata.check import Limits, read_book
from opendata.check.region import find_layout
from opendata.importer.printed import read_printed
from opendata.importer.tidy import Tidy, make_tidy
from opendata.importer.writer import descriptor_of, write_package

PACKAGE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Draft:
    tidy: Tidy
    descriptor: dict
    target: Path | None


def draft(
    data: bytes,
    filename: str,
    sheet_name: str | None,
    name: str,
    long: bool | None,
    limits: Limits,
    table_index: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> Draft:
    if not PACKAGE_NAME.match(name):
        raise errors.InvalidParameter(
            f"--name {name!r}: use lower-case ASCII words joined by '-'", parameter="name"
        )
    progress(f"reading {filename}")
    book = read_book(data, filename, limits, progress)
    names = [s.name for s in book.sheets]
    if sheet_name is None:
        sheet = book.sheets[0]
    elif sheet_name in names:
        sheet = book.sheets[names.index(sheet_name)]
    else:
        raise errors.InvalidParameter(f"--sheet {sheet_name!r}: the sheets are {names}", parameter="sheet")
    progress(f"finding the table on sheet {sheet.name} ({len(sheet.rows):,} rows)")
    layout = find_layout(sheet)
    if not layout.tables:
        raise errors.InvalidParameter(f"sheet {sheet.name!r} holds no table", parameter="sheet")
    if not 1 <= table_index <= len(layout.tables):
        raise errors.InvalidParameter(
            f"--table {table_index}: sheet {sheet.name!r} has {len(layout.tables)} table(s)",
            parameter="table",
        )
    table = layout.tables[table_index - 1]
    others = [t for t in layout.tables if t is not table]
    outside = [(r, c) for r, c in layout.outside if not any(t.top <= r <= t.bottom for t in others)]
    printed = read_printed(sheet, table, outside)
    if len(layout.tables) > 1:
        printed.log.append(
            f"sheet holds {len(layout.tables)} tables; imported table {table_index} "
            f"(rows {table.top + 1}-{table.bottom + 1}); import the others with --table"
        )
    if table.header_rows > 1:
        printed.log.append(f"flattened {table.header_rows} heading rows into one field per column")
    progress(f"reshaping {len(printed.rows):,} rows")
    tidy = make_tidy(printed, long)
    title = printed.title or f"{filename} {sheet.name}"
    notes = [*printed.loose_notes, *(f"{k} {v}" for k, v in printed.notes.items())]
    descriptor = descriptor_of(name, title, filename, sheet.name, tidy, notes)
    return Draft(tidy, descriptor, None)


def import_sheet(
    path: Path,
    sheet_name: str | None,
    name: str,
    long: bool | None,
    out_dir: Path,
    limits: Limits,
    schemas_dir: Path | None = None,
    table_index: int = 1,
    progress: Callable[[str], None] = lambda _: None,
) -> Draft:
    result = draft(path.read_bytes(), path.name, sheet_name, name, long, limits, table_index, progress)
    result.target = out_dir / name
    progress(f"writing {result.target}")
    write_package(result.target, result.descriptor, result.tidy, schemas_dir)
    return result
