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


def consultations_printed() -> bytes:
    """Made-up sample data in a typical print layout: title and unit above, a two-row
    heading with merged period cells, merged and omitted row labels, 〃, a hidden row,
    full-width digits, thousands separators, symbols, a 合計 row and footnotes below."""
    book = openpyxl.Workbook()
    s = book.active
    s.title = "表2"
    s["A1"] = "表2 相談件数（テスト用の架空データ）"
    s["F1"] = "（単位：件）"
    s.append([])
    s.append(["区分", "相談方法", "令和2年度", None, "令和3年度※1", None])
    s.append([None, None, "男", "女", "男", "女"])
    for ref in ("A3:A4", "B3:B4", "C3:D3", "E3:F3"):
        s.merge_cells(ref)
    s.append(["若者", "電話", "1,234", "５６", 40, "－"])
    s.append([None, "来所", 10, 5, 3, "…"])
    s.append(["〃", "SNS", 2, 0, "x", 1])
    s.append(["若者", "旧集計", 99, 99, 99, 99])
    s.row_dimensions[8].hidden = True
    s.append(["高齢者", "電話", 7, 8, 9, 10])
    s.append(["合計", None, 1253, 69, 52, 11])
    s.append([])
    s.append(["※1 令和3年度は12月末現在"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CONSULTATIONS_TIDY = [
    ["category", "channel", "fiscal_year", "fiscal_year_label", "sex", "value", "note"],
    *[
        [cat, ch, str(fy), label, sex, value, "※1 令和3年度は12月末現在" if fy == 2021 else ""]
        for cat, ch, figures in (
            ("若者", "電話", ("1234", "56", "40", "－")),
            ("若者", "来所", ("10", "5", "3", "…")),
            ("若者", "SNS", ("2", "0", "x", "1")),
            ("高齢者", "電話", ("7", "8", "9", "10")),
        )
        for (fy, label, sex), value in zip(
            (
                (2020, "令和2年度", "男"),
                (2020, "令和2年度", "女"),
                (2021, "令和3年度", "男"),
                (2021, "令和3年度", "女"),
            ),
            figures,
            strict=True,
        )
    ],
]


def two_tables() -> bytes:
    """Made-up sample data: two tables on one sheet, the second with a total column formula."""
    book = openpyxl.Workbook()
    s = book.active
    s.title = "施設"
    s.append(["施設名", "定員（人）"])
    s.append(["A館", 30])
    s.append(["B館", 20])
    s.append([])
    s.append([])
    s.append(["地区", "男（人）", "女（人）", "計（人）"])
    s.append(["北部", 3, 4, 7])
    s.append(["南部", 5, 6, "=B8+C8"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def crime_victim_printed() -> bytes:
    """Report 1(9)ア as printed: the era only in the title (H28～R2年度), the unit on its own
    line, era-less fiscal years as column heads with 元年度 starting 令和, separators typed in."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "支援実績"
    sheet.append(["〈サポートステーションにおける犯罪被害者等支援実績等〉(H28～R2年度)"])
    sheet.append(["(件)"])
    sheet.append([])
    sheet.append(["区分", "28年度", "29年度", "30年度", "元年度", "2年度"])
    sheet.append(["相談件数", 922, 986, "1,007", 999, 875])
    sheet.append(["支援回数", "1,044", "1,272", "1,058", 872, 505])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
