"""XLSX, written by this service's own sheet writer: rows stream into the zip as they come,
so memory stays constant and the first bytes leave before the last row is read.

Cells are typed (numbers, dates with a date style, booleans, empty for missing); text is
always an inline string, never a formula, even when it begins with "=" or reads like an
error code (opendata.formats.xlsx_cells). The header row holds the Japanese titles, bold and
frozen, with an autofilter over the data; widths come from the titles and the first rows. A
data dictionary and the dataset's metadata have their own sheets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from itertools import chain, islice
from typing import Any

from opendata.formats.ahead import read_ahead
from opendata.formats.table import Table, description
from opendata.formats.xlsx_book import PUBLISHED_LEVEL, STREAMED_LEVEL, Sheet, workbook
from opendata.formats.xlsx_cells import SharedStrings, rows_writer, text_row

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576 - 1  # Excel's sheet limit, less the header row
SAMPLE_ROWS = 200  # rows read ahead to size the columns
MAX_WIDTH = 60
BATCH_ROWS = 1000  # rows serialised and compressed at once
PUBLISHED = {"level": PUBLISHED_LEVEL}  # the options of the file written at publish time
DICTIONARY_HEADER = ("項目名 / name", "見出し / title", "型 / type", "単位 / unit", "説明 / description")


def display_width(text: str) -> int:
    """Columns a text takes: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def write(table: Table, level: int = STREAMED_LEVEL) -> Iterator[bytes]:
    """The workbook of `table`, deflated at `level` (files written at publish time take more)."""
    shared = SharedStrings()
    return workbook([_data(table, shared), _dictionary(table), _metadata(table)], shared, level)


def _data(table: Table, shared: SharedStrings) -> Sheet:
    rows = iter(table.rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    titles = [f.title or f.name for f in table.fields]
    widths = tuple(
        min(MAX_WIDTH, 2 + max([display_width(t), 10 if f.type == "date" else 6, *_seen(sample, i)]))
        for i, (t, f) in enumerate(zip(titles, table.fields, strict=True))
    )
    blocks = read_ahead(_data_blocks(table, titles, chain(sample, rows), shared))
    return Sheet("データ", widths, blocks, autofilter=True)


def _seen(sample: Sequence[Sequence[Any]], column: int) -> list[int]:
    return [display_width(str(r[column])) for r in sample if r[column] is not None]


def _data_blocks(
    table: Table, titles: Sequence[str], records: Iterator[Sequence[Any]], shared: SharedStrings
) -> Iterator[tuple[int, str]]:
    """The header row, then the records in blocks of BATCH_ROWS rows, serialised and
    compressed at once."""
    yield 1, text_row(1, titles, bold=len(titles))
    write = rows_writer([f.type for f in table.fields], shared)
    first = 2
    while batch := list(islice(records, BATCH_ROWS)):
        yield len(batch), write(first, batch)
        first += len(batch)


def _dictionary(table: Table) -> Sheet:
    texts = [[f.name, f.title, f.type, f.unit or "", description(table, f)] for f in table.fields]
    rows = [DICTIONARY_HEADER, *texts]
    blocks = [(1, text_row(n, t, bold=len(t) if n == 1 else 0)) for n, t in enumerate(rows, 1)]
    return Sheet("項目定義", (24, 30, 10, 12, 60), blocks)


def _metadata(table: Table) -> Sheet:
    blocks = [(1, text_row(n, pair, bold=1)) for n, pair in enumerate(table.metadata.items(), 1)]
    return Sheet("メタデータ", (30, 80), blocks, frozen_header=False)
