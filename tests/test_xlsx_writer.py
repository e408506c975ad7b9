"""The XLSX writer on the values a spreadsheet gets wrong most easily: markup and control
characters in text, text that reads like a formula or an escape, huge and negative numbers,
dates at the edges of Excel's calendar, booleans and missing cells. Through HTTP, read back
by openpyxl and LibreOffice, and checked against the CSV of the same rows; then the writer
alone, for its memory and its streaming."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import zipfile
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import openpyxl
import pytest

from opendata.catalog.models import Field, Resource
from opendata.formats import xlsx_cells, xlsx_format
from opendata.formats.table import Metadata, Table
from tests import libreoffice
from tests.conftest import ClosingClient, published_app
from tests.crafted import write_package

NAME = "test-sample-xlsx-edges"  # test data, not report data
BASE = f"/api/v1/datasets/{NAME}/resources/{NAME}"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "text", "type": "string", "title": "文字列"},
    {"name": "amount", "type": "integer", "title": "金額"},
    {"name": "ratio", "type": "number", "title": "比率"},
    {"name": "flag", "type": "boolean", "title": "真偽"},
    {"name": "day", "type": "date", "title": "日付"},
]
TEXTS = [
    "a & b < c > d",
    "  leading and trailing  ",
    "line one\nline two",
    "windows\r\nline end",
    "tab\there",
    "control \x01\x08\x0b\x0c\x1f end",
    "_x0041_ reads like an escape",
    '=HYPERLINK("https://example.invalid")',
    "@SUM(1)",
    "+81",
    "-1",
    "#DIV/0!",
    "絵文字 😀 と 𠮷野家",
    "",
]
AMOUNTS = [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), ""]
RATIOS = [-0.5, 1e-300, -1.5e300, 0.1, 123456789.125, ""]
FLAGS = ["true", "false", ""]
DAYS = ["1900-01-01", "1900-02-28", "1900-03-01", "2024-02-29", "9999-12-31", "1899-12-31", ""]
ROWS = [
    [
        i,
        TEXTS[i % len(TEXTS)],
        AMOUNTS[i % len(AMOUNTS)],
        RATIOS[i % len(RATIOS)],
        FLAGS[i % 3],
        DAYS[i % len(DAYS)],
    ]
    for i in range(42)  # every text meets every other column's values at least once
]
# Characters XML 1.0 cannot hold at all: Excel writes them as _xHHHH_ and decodes them on
# reading, as LibreOffice does; openpyxl shows the escape as it is.
OPENPYXL_TEXT = {"control \x01\x08\x0b\x0c\x1f end": "control _x0001__x0008__x000B__x000C__x001F_ end"}
# Calc keeps one line break in a cell, LF: it reads a CR LF (which openpyxl reads as it is) as LF.
LIBREOFFICE_TEXT = {"windows\r\nline end": "windows\nline end"}
# Before it Excel and LibreOffice read a serial number as different days: such dates are text.
FIRST_DATE = date(1900, 3, 1)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xlsx-edges")
    write_package(tmp / "packages", NAME, FIELDS, ROWS, ["id"], lineterminator="\r\n")
    app = published_app(tmp / "packages", tmp)
    app.test_client_class = ClosingClient
    return app.test_client()


def reference(client, query: str = "") -> list[list]:
    """The rows of the CSV answer, typed by the schema: what the workbook must hold."""
    response = client.get(f"{BASE}/rows.csv?{query}")
    assert response.status_code == 200
    header, *lines = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    kinds = [next(f["type"] for f in FIELDS if f["name"] == name) for name in header]
    return [[_typed(kind, text) for kind, text in zip(kinds, line, strict=True)] for line in lines]


def _typed(kind: str, text: str):
    if text == "":
        return None
    converters = {
        "integer": int,
        "number": float,
        "boolean": lambda t: t == "true",
        "date": date.fromisoformat,
    }
    return converters.get(kind, str)(text)


def test_the_csv_holds_the_edge_values_written(client):
    """The reference itself is faithful, so the comparisons below compare with the data."""
    rows = reference(client)
    assert [r[1] or "" for r in rows] == [r[1] for r in ROWS]
    assert {r[2] for r in rows} == {a if a != "" else None for a in AMOUNTS}


@pytest.mark.parametrize("path", ["download.xlsx", "rows.xlsx?sort=-id", "rows.xlsx?fields=day,text,flag"])
def test_openpyxl_reads_the_csv_values_typed(client, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 200
    query = path.partition("?")[2]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["データ"]
    header, *values = list(sheet.iter_rows(values_only=True))
    names = [next(f["name"] for f in FIELDS if f["title"] == t) for t in header]
    kinds = {f["name"]: f["type"] for f in FIELDS}
    expected = reference(client, query)
    assert [[_openpyxl_value(kinds[n], v) for n, v in zip(names, row, strict=True)] for row in values] == [
        [_expected_openpyxl(kinds[n], v) for n, v in zip(names, row, strict=True)] for row in expected
    ]
    assert sheet.auto_filter.ref == f"A1:{xlsx_cells.column_letter(len(names) - 1)}{len(expected) + 1}"


def _openpyxl_value(kind: str, value):
    if kind == "date" and isinstance(value, datetime):
        return value.date()
    return value


def _expected_openpyxl(kind: str, value):
    if kind == "date" and value is not None and value < FIRST_DATE:
        return value.isoformat()
    return OPENPYXL_TEXT.get(value, value) if isinstance(value, str) else value


def test_cells_are_typed_and_text_is_never_a_formula(client):
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{BASE}/download.xlsx").data))["データ"]
    cells = {
        (f["name"], c.value): c
        for row in sheet.iter_rows(min_row=2)
        for f, c in zip(FIELDS, row, strict=True)
    }
    for text in ('=HYPERLINK("https://example.invalid")', "@SUM(1)", "+81", "-1", "#DIV/0!"):
        assert cells["text", text].data_type == "s"
    assert cells["amount", 2**63 - 1].data_type == "n" and cells["amount", -(2**63)].data_type == "n"
    assert cells["flag", True].data_type == "b" and cells["flag", False].data_type == "b"
    leap = cells["day", datetime(2024, 2, 29)]
    assert leap.is_date and leap.number_format == "yyyy-mm-dd"
    assert cells["day", "1900-02-28"].data_type == "s"  # text, not a date one reader gets wrong
    assert ("text", None) in cells and ("amount", None) in cells  # missing values are blank cells


def test_libreoffice_reads_the_csv_values(client, tmp_path):
    data = client.get(f"{BASE}/download.xlsx").data
    header, *lines = libreoffice.csv_rows(data, tmp_path, libreoffice.AS_STORED)
    assert header == [f["title"] for f in FIELDS]
    expected = reference(client)
    kinds = [f["type"] for f in FIELDS]
    assert [[_libreoffice_value(k, t) for k, t in zip(kinds, line, strict=True)] for line in lines] == [
        [_expected_libreoffice(k, v) for k, v in zip(kinds, row, strict=True)] for row in expected
    ]


def _libreoffice_value(kind: str, text: str):
    if text == "":
        return None
    if kind in ("integer", "number"):
        return float(text)  # a spreadsheet number is a double
    if kind == "boolean":
        return text.upper() == "TRUE"
    return text


def _expected_libreoffice(kind: str, value):
    if value is None:
        return None
    if kind in ("integer", "number"):
        return float(f"{float(value):.15g}")  # Calc writes 15 significant digits, as Excel shows
    if kind == "date":
        return value.isoformat()
    return LIBREOFFICE_TEXT.get(value, value)


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (16383, "XFD")],
)
def test_column_letters(index, letters):
    assert xlsx_cells.column_letter(index) == letters


@pytest.mark.parametrize(
    ("day", "serial"),
    [
        (date(1899, 12, 31), None),
        (date(1900, 2, 28), None),  # Excel reads 59 as this day, LibreOffice as 1900-02-27
        (date(1900, 3, 1), 61),  # 60 is Excel's 1900-02-29, a day that never was
        (date(2024, 2, 29), 45351),
        (date(9999, 12, 31), 2958465),  # Excel's last day
    ],
)
def test_serial_numbers_are_excels(day, serial):
    assert xlsx_cells.serial(day) == serial


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain 日本語", "plain 日本語"),
        ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
        ("a\x00b\x1fc", "a_x0000_b_x001F_c"),
        ("cr\r\n", "cr&#13;\n"),
        ("\ufffe\uffff", "_xFFFE__xFFFF_"),
        ("_x0041_ and _x00e9_", "_x005F_x0041_ and _x005F_x00e9_"),
        ("_x41_ and _xZZZZ_", "_x41_ and _xZZZZ_"),  # not an escape: left alone
        ("tab\tand\nline", "tab\tand\nline"),
    ],
)
def test_text_is_escaped_as_excel_does(text, escaped):
    assert xlsx_cells.escape(text) == escaped


def _table(rows, fields=(("n", "integer"), ("s", "string"), ("d", "date"), ("b", "boolean"))) -> Table:
    columns = tuple(Field(name, kind, name, "", None, {}) for name, kind in fields)
    resource = Resource.from_descriptor({"name": "t", "path": "t.csv", "schema": {"fields": []}}, Path("."))
    return Table(resource, columns, rows, Metadata(title="テスト"))


def _generated(count: int):
    for i in range(count):
        yield (i, f"text {i % 5000}", f"20{i % 30:02d}-01-{1 + i % 28:02d}", i % 2)


def test_the_first_bytes_leave_before_the_last_row_is_read():
    read = []

    def rows():
        for row in _generated(300_000):
            read.append(row)  # rows are read on the writer's second thread (formats/ahead.py)
            yield row

    chunks = xlsx_format.write(_table(rows()))
    next(chunks)
    time.sleep(0.3)  # time enough for the reading thread to run ahead as far as it may
    assert len(read) < 200_000
    assert list(chunks) and len(read) == 300_000


def test_memory_stays_constant_while_streaming():
    """The peak of memory allocated while writing does not grow with the rows written."""
    peaks = []
    for count in (20_000, 200_000):
        tracemalloc.start()
        written = sum(len(c) for c in xlsx_format.write(_table(_generated(count))))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert written > count * 10
    assert peaks[1] < peaks[0] * 1.5 and peaks[1] < 20 * 2**20


def test_shared_strings_are_bounded_and_the_rest_inline(monkeypatch):
    monkeypatch.setattr(xlsx_cells, "SHARED_MAX_STRINGS", 10)
    rows = [(i, f"distinct {i}", None, None) for i in range(30)] + [(30, "distinct 3", None, None)]
    data = b"".join(xlsx_format.write(_table(rows)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        shared = archive.read("xl/sharedStrings.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert shared.count("<si>") == 10 and 'uniqueCount="10"' in shared
    assert sheet.count('t="inlineStr"') == 20 + 4  # the header is inline too
    values = list(openpyxl.load_workbook(io.BytesIO(data))["データ"].iter_rows(min_row=2, values_only=True))
    assert [v[1] for v in values] == [r[1] for r in rows]


def test_an_empty_table_is_a_readable_workbook_with_its_header():
    data = b"".join(xlsx_format.write(_table(iter(()))))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["データ"]
    assert list(sheet.iter_rows(values_only=True)) == [("n", "s", "d", "b")]
    assert sheet.auto_filter.ref == "A1:D1" and sheet.freeze_panes == "A2"


def test_a_column_wider_than_its_sample_is_capped():
    rows = [*islice(_generated(10), 10), (10, "長" * 200, None, 1)]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx_format.write(_table(rows)))))["データ"]
    assert sheet.column_dimensions["B"].width == xlsx_format.MAX_WIDTH
    assert sheet.column_dimensions["C"].width >= 12  # a date column is never too narrow to show


def test_a_file_written_at_publish_time_is_deflated_harder():
    streamed = b"".join(xlsx_format.write(_table(_generated(20_000))))
    published = b"".join(xlsx_format.write(_table(_generated(20_000)), **xlsx_format.PUBLISHED))
    assert len(published) < len(streamed) * 0.95
    read = [
        list(openpyxl.load_workbook(io.BytesIO(d))["データ"].iter_rows(values_only=True))
        for d in (streamed, published)
    ]
    assert read[0] == read[1]


def test_the_zip_opens_with_its_content_types_and_declares_every_part():
    """[Content_Types].xml first, as Excel writes it: libmagic (and CKAN's upload check) tell an
    XLSX from any zip by it. Every part is declared there and linked from the workbook."""
    with zipfile.ZipFile(io.BytesIO(b"".join(xlsx_format.write(_table(_generated(10)))))) as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
        links = archive.read("xl/_rels/workbook.xml.rels").decode()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    parts = [n for n in names if n.endswith(".xml") and n != "[Content_Types].xml"]
    assert all(f'PartName="/{n}"' in types for n in parts)
    assert all(f'Target="{n.removeprefix("xl/")}"' in links for n in parts if n != "xl/workbook.xml")


def test_the_same_table_makes_the_same_bytes():
    """Releases rebuild byte-identical: no clock in the zip."""
    first = b"".join(xlsx_format.write(_table(_generated(50))))
    time.sleep(2.1)  # zip times have a resolution of two seconds
    assert b"".join(xlsx_format.write(_table(_generated(50)))) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
