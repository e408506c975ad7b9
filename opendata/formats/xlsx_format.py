"""XLSX in openpyxl's write-only mode: rows go to disk as they come, so memory stays constant.

Cells are typed (numbers, dates, booleans, empty for missing); text is always a text cell,
even when it begins with "=" or reads like an error code, so a spreadsheet never runs it.
The header row holds the Japanese titles, frozen, with an autofilter; widths come from the
titles and the first rows. A data dictionary and the dataset's metadata have their own sheets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from opendata.formats.spool import spooled
from opendata.formats.table import Table, cell, description

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576 - 1  # Excel's sheet limit, less the header row
SAMPLE_ROWS = 200  # rows read ahead to size the columns
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"


def display_width(text: str) -> int:
    """Columns a text takes: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def write(table: Table) -> Iterator[bytes]:
    return spooled(lambda handle: _fill(table, handle))


def _fill(table: Table, handle: IO[bytes]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("データ")
    rows = iter(table.rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    kinds = [f.type for f in table.fields]
    titles = [f.title or f.name for f in table.fields]
    for i, title in enumerate(titles, start=1):
        seen = [display_width(str(r[i - 1])) for r in sample if r[i - 1] is not None]
        width = max([display_width(title), 10 if kinds[i - 1] == "date" else 6, *seen]) + 2
        sheet.column_dimensions[get_column_letter(i)].width = min(width, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text(sheet, t, bold) for t in titles])
    count = 0
    for record in _chain(sample, rows):
        sheet.append([_value(sheet, kind, v) for kind, v in zip(kinds, record, strict=True)])
        count += 1
    last = get_column_letter(max(len(titles), 1))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    _dictionary(book, table)
    _metadata(book, table)
    book.save(handle)


def _chain(sample: Sequence[Sequence[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from sample
    yield from rest


def _value(sheet: Any, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if kind == "date":
            return _date(sheet, value)
        return _text(sheet, value) if value.startswith("=") or value in ERROR_CODES else _clean(value)
    if kind == "boolean":
        return bool(value)
    return value


def _date(sheet: Any, value: str) -> Any:
    written = WriteOnlyCell(sheet, value=cell("date", value))
    written.number_format = DATE_FORMAT
    return written


def _clean(value: str) -> str:
    # XML cannot hold these control characters at all; a spreadsheet would refuse the file.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _text(sheet: Any, value: str, font: Font | None = None) -> WriteOnlyCell:
    """A cell that is text whatever it reads like (openpyxl would take "=..." for a formula)."""
    written = WriteOnlyCell(sheet, value=None)
    written.value = _clean(value)
    written.data_type = "s"
    if font is not None:
        written.font = font
    return written


def _dictionary(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet("項目定義")
    header = ["項目名 / name", "見出し / title", "型 / type", "単位 / unit", "説明 / description"]
    for letter, width in zip("ABCDE", (24, 30, 10, 12, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text(sheet, h, Font(bold=True)) for h in header])
    for f in table.fields:
        texts = [f.name, f.title, f.type, f.unit or "", description(table, f)]
        sheet.append([_text(sheet, t) for t in texts])


def _metadata(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet("メタデータ")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 80
    for label, value in table.metadata.items():
        sheet.append([_text(sheet, label, Font(bold=True)), _text(sheet, value)])
