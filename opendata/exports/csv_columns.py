"""CSV of Arrow record batches: batch_chunks' bytes, laid out by Arrow.

batch_chunks hands csv.writer a tuple per row; here each column's distinct values in a batch
become their fields once (converted as batch_chunks converts them, quoted by csv.writer itself)
and Arrow lays the rows out (opendata.formats.arrow_cells). CP932 fields are encoded once per
value too; a value CP932 cannot hold was refused before the first byte (csv_stream).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from opendata.catalog.models import Resource
from opendata.exports.csv_export import CsvFormat, RowLines, cell_converters, header_row
from opendata.formats.arrow_cells import DistinctCells, identity, joined_rows

CACHE_SIZE = 4096  # fields remembered per column across batches (emptied when full)
# What makes csv.writer (QUOTE_MINIMAL, CRLF terminator) quote a field: its delimiter, its
# quote character, or a character of the line terminator.
QUOTED = re.compile('[,"\r\n]')


def column_chunks(
    resource: Resource, names: Sequence[str], batches: Iterable[Any], fmt: CsvFormat
) -> Iterator[bytes]:
    """The CSV of the rows of `batches` (Arrow, of the fields `names`), header first, one chunk
    per batch: the bytes batch_chunks writes for the same rows."""
    codec = "cp932" if fmt.encoding == "cp932" else "utf-8"
    out = RowLines()
    writer = out.writer()
    writer.writerow(header_row(resource, names, fmt))
    pending = ("\ufeff" if fmt.encoding == "utf-8-sig" else "") + out.take(fmt.line_terminator)
    converters = cell_converters(resource, names, fmt)
    columns: list[DistinctCells] = []
    for batch in batches:
        if not batch.num_rows:
            continue
        if not columns:
            columns = _columns(names, converters, fmt, identity(batch))
        cells = [c.cells(c.prepare(column)[0]) for c, column in zip(columns, batch.columns, strict=True)]
        separator = pa.scalar(b",") if codec == "cp932" else ","
        rows = joined_rows(cells, separator) if cells else b""
        yield pending.encode(codec) + bytes(rows) if pending else bytes(rows)
        pending = ""
    if pending:
        yield pending.encode(codec)


def _columns(
    names: Sequence[str], converters: list[Callable[[Any], Any]], fmt: CsvFormat, table: bytes | None
) -> list[DistinctCells]:
    """Each field's cells; those of a published table's dictionaries are kept between exports
    under what they depend on (the flavour's conversion, the terminator, the encoding)."""
    codec = "cp932" if fmt.encoding == "cp932" else None  # UTF-8: Arrow's own strings
    alone, last = len(names) == 1, len(names) - 1
    made = []
    for i, (name, convert) in enumerate(zip(names, converters, strict=True)):
        end = fmt.line_terminator if i == last else ""
        memo = None if table is None else ("csv", table, name, fmt.for_excel, alone, end, codec)
        made.append(DistinctCells(_cached(_field(convert, alone, end)), codec=codec, memo=memo))
    return made


def _field(convert: Callable[[Any], Any], alone: bool, end: str) -> Callable[[Any], str]:
    """A value's field as csv.writer writes it (quoted when it must be), then `end`."""
    out = RowLines()
    writer = out.writer()

    def field(value: Any) -> str:
        converted = convert(value)
        text = converted if isinstance(converted, str) else "" if converted is None else _text(converted)
        if not QUOTED.search(text) and (text or not alone):
            return text + end  # what csv.writer leaves as it is
        # Beside a second, empty field csv.writer quotes this one as in any row; alone, an empty
        # field is written "" (a row of nothing would be a blank line).
        writer.writerow([converted] if alone else [converted, ""])
        line = out.texts()[0]
        return (line if alone else line[:-1]) + end

    return field


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)  # as csv.writer writes them


def _cached(field: Callable[[Any], str]) -> Callable[[Any], str]:
    made: dict[Any, str] = {}

    def cached(value: Any) -> str:
        key = (type(value), value)  # 1 and True, 0.0 and -0.0 are written apart
        found = made.get(key) if not isinstance(value, float) else None
        if found is None:
            if len(made) >= CACHE_SIZE:
                made.clear()
            found = field(value)
            if not isinstance(value, float):
                made[key] = found
        return found

    return cached
