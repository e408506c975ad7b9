"""Test-only spreadsheets built in code: a tidy base table and print-layout sheets.

Everything here is made-up sample data labelled as such, except `hikikomori_printed`,
which rebuilds a table of the report (1(4)ア(ア)a) as the prefecture would print it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from opendata import config
from opendata.check import Limits

LIMITS = Limits.from_settings(config.defaults())

# A tidy sample table that every rule judged on its file type passes.
BASE: list[list[Any]] = [
    ["年度", "市区町村名", "区分", "相談件数（件）"],
    [2020, "横浜市", "電話", 12],
    [2020, "川崎市", "電話", 0],
    [2021, "横浜市", "来所", 15],
    [2021, "川崎市", "来所", 7],
]


def grid(
    changes: dict[tuple[int, int], Any] | None = None, extra: list[list[Any]] | None = None
) -> list[list[Any]]:
    rows = [list(r) for r in BASE] + [list(r) for r in extra or []]
    for (r, c), value in (changes or {}).items():
        while len(rows) <= r:
            rows.append([])
        while len(rows[r]) <= c:
            rows[r].append(None)
        rows[r][c] = value
    return rows


def xlsx(rows: list[list[Any]], edit: Callable[[Any], None] | None = None, sheets: int = 1) -> bytes:
    book = openpyxl.Workbook()
    for n in range(sheets):
        sheet = book.active if n == 0 else book.create_sheet(f"Sheet{n + 1}")
        for row in rows:
            sheet.append(row)
        if edit is not None and n == 0:
            edit(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text(rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows]
    )
    return out.getvalue().encode(encoding)


def merge(ref: str) -> Callable[[Any], None]:
    return lambda sheet: sheet.merge_cells(ref)


def hide_column(letter: str) -> Callable[[Any], None]:
    def edit(sheet) -> None:
        sheet.column_dimensions[letter].hidden = True

    return edit


def bold(ref: str) -> Callable[[Any], None]:
    def edit(sheet) -> None:
        sheet[ref].font = Font(bold=True)

    return edit


def formula(ref: str, text_: str) -> Callable[[Any], None]:
    def edit(sheet) -> None:
        sheet[ref] = text_

    return edit


def chart(sheet) -> None:
    bars = BarChart()
    bars.add_data(Reference(sheet, min_col=4, min_row=1, max_row=5), titles_from_data=True)
    sheet.add_chart(bars, "G2")


def hidden_sheet(book_bytes: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    book.create_sheet("作業用").sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(
    book_bytes: bytes, change: Callable[[str, bytes], bytes], add: dict[str, bytes] | None = None
) -> bytes:
    """The same workbook with some parts rewritten (or added): hostile variants for the tests."""
    source = zipfile.ZipFile(io.BytesIO(book_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def hikikomori_printed() -> bytes:
    """Report 1(4)ア(ア)a as a department would print it: a title, a unit, a heading row
    with an empty corner, the as-of note as a footnote, the total typed in a 計 column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "相談実績"
    sheet["A1"] = "a 相談実績（主訴：ひきこもり件数）"
    sheet["E2"] = "（単位：件）"
    sheet.append(["年度", "電話", "来所", "ＳＮＳ", "計"])
    sheet.append(["令和2年度", 290, 88, 24, 402])
    sheet.append(["令和3年度(12月末現在)", "207", 80, 10, "２９７"])
    sheet.append([])
    sheet.append(["※ 令和3年度は12月末現在の件数"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
