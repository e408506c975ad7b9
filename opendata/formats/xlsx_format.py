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

import pyarrow as pa

from opendata.formats.ahead import read_ahead
from opendata.formats.table import Table, description
from opendata.formats.xlsx_book import PUBLISHED_LEVEL, STREAMED_LEVEL, Sheet, workbook
from opendata.formats.xlsx_cells import SharedStrings, rows_writer, text_row
from opendata.formats.xlsx_columns import batch_writer

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
    book = workbook([_data(table, shared), _dictionary(table), _metadata(table)], shared, level)
    return book if table.batches is None else _returning_arrow_memory(book)


def _returning_arrow_memory(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """`chunks`, then Arrow's allocator gives back what the workbook's batches used: kept, it
    would stay in the worker's memory (60 MB after one 100,000-row sheet, measured)."""
    try:
        yield from chunks
    finally:
        pa.default_memory_pool().release_unused()


def _data(table: Table, shared: SharedStrings) -> Sheet:
    titles = [f.title or f.name for f in table.fields]
    if table.batches is not None:
        # Three threads: one reads the batches (the database's positions, Arrow's take), one
        # lays out their XML, this one deflates; each lets go of the GIL for most of its work.
        batches = read_ahead(table.batches, depth=2)
        opening = next(batches, None)
        sample = _sample(opening)
        blocks = _column_blocks(
            table, titles, chain([opening] if opening is not None else [], batches), shared
        )
    else:
        rows: Iterator[Sequence[Any]] = iter(table.rows)
        sample = list(islice(rows, SAMPLE_ROWS))
        blocks = _data_blocks(table, titles, chain(sample, rows), shared)
    widths = tuple(
        min(MAX_WIDTH, 2 + max([display_width(t), 10 if f.type == "date" else 6, *_seen(sample, i)]))
        for i, (t, f) in enumerate(zip(titles, table.fields, strict=True))
    )
    return Sheet("データ", widths, read_ahead(blocks), autofilter=True)


def _sample(batch: Any) -> list[Sequence[Any]]:
    """The first SAMPLE_ROWS rows of an Arrow batch, as rows (to size the columns by)."""
    if batch is None:
        return []
    columns = [c.to_pylist() for c in batch.slice(0, SAMPLE_ROWS).columns]
    return list(zip(*columns, strict=True)) if columns else []


def _seen(sample: Sequence[Sequence[Any]], column: int) -> list[int]:
    return [display_width(str(r[column])) for r in sample if r[column] is not None]


def _data_blocks(
    table: Table, titles: Sequence[str], records: Iterator[Sequence[Any]], shared: SharedStrings
) -> Iterator[tuple[int, str | bytes | memoryview]]:
    """The header row, then the records in blocks of BATCH_ROWS rows, serialised and
    compressed at once."""
    yield 1, text_row(1, titles, bold=len(titles))
    write = rows_writer([f.type for f in table.fields], shared)
    first = 2
    while batch := list(islice(records, BATCH_ROWS)):
        yield len(batch), write(first, batch)
        first += len(batch)


def _column_blocks(
    table: Table, titles: Sequence[str], batches: Iterator[Any], shared: SharedStrings
) -> Iterator[tuple[int, str | bytes | memoryview]]:
    """The header row, then each Arrow batch's rows, written by Arrow (xlsx_cells.batch_writer)."""
    yield 1, text_row(1, titles, bold=len(titles))
    write = batch_writer([f.type for f in table.fields], shared)
    first = 2
    for batch in batches:
        if batch.num_rows:
            yield batch.num_rows, write(first, batch)
            first += batch.num_rows


def _dictionary(table: Table) -> Sheet:
    texts = [[f.name, f.title, f.type, f.unit or "", description(table, f)] for f in table.fields]
    rows = [DICTIONARY_HEADER, *texts]
    blocks = [(1, text_row(n, t, bold=len(t) if n == 1 else 0)) for n, t in enumerate(rows, 1)]
    return Sheet("項目定義", (24, 30, 10, 12, 60), blocks)


def _metadata(table: Table) -> Sheet:
    blocks = [(1, text_row(n, pair, bold=1)) for n, pair in enumerate(table.metadata.items(), 1)]
    return Sheet("メタデータ", (30, 80), blocks, frozen_header=False)
