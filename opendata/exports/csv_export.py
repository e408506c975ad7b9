"""CSV as a generator of byte chunks, in UTF-8, UTF-8 with BOM, or CP932.

UTF-8 is the default and stays byte-faithful to the data. The two Excel flavours also
neutralise text cells (and header titles) a spreadsheet would run as a formula, and CP932
refuses (rather than replaces) a character Shift_JIS cannot hold, naming the row and field.

Every cell holding a carriage return, a line feed, a comma or a quote is quoted, whatever
the line ends: csv.writer only quotes the characters of its own line terminator, so rows are
always written with CRLF quoting and their terminator is put on afterwards. An unquoted CR
is a row break to Excel and to Python's csv module alike.

Rows come from the table store as typed tuples and are written by csv.writer a batch at a
time: only the cells that need it are converted (booleans; text a spreadsheet would run, in
the lines that may hold one), so an export costs little more than csv.writer itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from opendata.catalog.models import Package, Resource
from opendata.errors import UnencodableValue

if TYPE_CHECKING:
    from opendata.query.engine import Engine
    from opendata.query.params import RowQuery

ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932"}
EXCEL_ENCODINGS = {"utf-8-sig", "cp932"}
NEWLINES = {"lf": "\n", "crlf": "\r\n"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# LibreOffice runs " =1+1" as a formula when its CSV import trims spaces (found by experiment,
# see the README), so a formula character after leading white space is neutralised too.
FORMULA_STARTS = ("=", "+", "-", "@")
LEADING_SPACE = " \t\r\n"
# The terminator rows are written with, so that csv.writer quotes both CR and LF.
QUOTING_TERMINATOR = "\r\n"
CHARSET_LABELS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp932": "Windows-31J"}
# Saved files must tell the flavours apart: the name says which one Excel opens cleanly.
FILE_SUFFIXES = {"utf-8": ("", ""), "utf-8-sig": ("_Excel用", "_excel"), "cp932": ("_ShiftJIS", "_shiftjis")}
FLUSH_ROWS = 2000
# A line holding none of these needs no formula neutralising (a leading space matters only
# before one of the formula characters, which are listed).
EXCEL_MAY_DIFFER = re.compile("[=+\\-@\t\r\n]")


def default_header(encoding: str) -> str:
    """People opening the Excel flavours read Japanese titles; programs reading UTF-8, field names."""
    return "title" if encoding in EXCEL_ENCODINGS else "name"


def file_names(title: str, ascii_stem: str, encoding: str) -> tuple[str, str]:
    """(Japanese file name, ASCII fallback) of a CSV download in `encoding`."""
    japanese, ascii_suffix = FILE_SUFFIXES[encoding]
    return f"{title}{japanese}.csv", f"{ascii_stem}{ascii_suffix}.csv"


@dataclass(frozen=True)
class CsvFormat:
    encoding: str = "utf-8"  # one of utf-8, utf-8-sig, cp932
    header: str = "name"  # name or title
    newline: str | None = None  # lf or crlf; None: lf for utf-8, crlf for the Excel flavours

    @property
    def for_excel(self) -> bool:
        return self.encoding in EXCEL_ENCODINGS

    @property
    def line_terminator(self) -> str:
        if self.newline:
            return NEWLINES[self.newline]
        return "\r\n" if self.for_excel else "\n"

    @property
    def is_default(self) -> bool:
        return self.encoding == "utf-8" and self.header == "name" and self.line_terminator == "\n"

    @property
    def charset(self) -> str:
        return CHARSET_LABELS[self.encoding]


def header_row(resource: Resource, names: Sequence[str], fmt: CsvFormat) -> list[str]:
    row = list(names)
    if fmt.header == "title":
        row = [(f.title if (f := resource.field(n)) else n) for n in names]
    return [neutralise(cell) for cell in row] if fmt.for_excel else row


def neutralise(value: str) -> str:
    """Prefix a formula-looking text cell with an apostrophe, as OWASP advises for CSV injection.

    Full-width ＝＋－＠ are left alone: LibreOffice does not run them (see the README), and
    Japanese tables write － for "none".
    """
    if value.startswith(FORMULA_PREFIXES) or value.lstrip(LEADING_SPACE).startswith(FORMULA_STARTS):
        return "'" + value
    return value


class RowLines:
    """A file for csv.writer keeping each row as one string, quoted as if CRLF ended it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.write = self.lines.append

    def writer(self):
        return csv.writer(self, lineterminator=QUOTING_TERMINATOR)

    def take(self, terminator: str) -> str:
        """The rows written so far, each ended by `terminator`; then forget them."""
        if terminator == QUOTING_TERMINATOR:
            text = "".join(self.lines)
        else:
            end = len(QUOTING_TERMINATOR)
            text = "".join([line[:-end] + terminator for line in self.lines])
        self.lines.clear()
        return text

    def texts(self) -> list[str]:
        """Each row without its terminator; then forget them."""
        end = len(QUOTING_TERMINATOR)
        texts = [line[:-end] for line in self.lines]
        self.lines.clear()
        return texts


def cell_converters(resource: Resource, names: Sequence[str], fmt: CsvFormat):
    """Per field, a function from a stored value to the text csv.writer is given for it."""
    converters = []
    for name in names:
        field = resource.field(name)
        kind = field.type if field else "string"
        if kind == "boolean":
            converters.append(lambda v: "" if v is None else ("true" if v else "false"))
        elif kind == "number":
            converters.append(
                lambda v: "" if v is None else repr(float(v)) if isinstance(v, float) else str(v)
            )
        elif kind == "string" and fmt.for_excel:
            converters.append(lambda v: "" if v is None else neutralise(v))
        else:
            converters.append(lambda v: "" if v is None else v)
    return converters


def find_unencodable(
    resource: Resource, names: Sequence[str], records: Iterable[Sequence[Any]], header: Sequence[str]
) -> None:
    """Raise UnencodableValue for the first cell CP932 cannot hold (row 1 is the header)."""
    for position, value in enumerate(header):
        _check_cp932(value, 1, names[position])
    text_columns = [i for i, n in enumerate(names) if (f := resource.field(n)) is None or f.type == "string"]
    for number, record in enumerate(records, start=2):
        for i in text_columns:
            value = record[i]
            if value:
                _check_cp932(value, number, names[i])


def _check_cp932(value: str, row: int, field: str) -> None:
    try:
        value.encode("cp932")
    except UnicodeEncodeError as exc:
        char = value[exc.start]
        raise UnencodableValue(
            f"row {row}, field {field!r}: {char!r} (U+{ord(char):04X}) cannot be written in cp932; "
            "use encoding=utf-8-sig for Excel instead",
            parameter="encoding",
            row=row,
            field=field,
        ) from None


def csv_chunks(
    resource: Resource, names: Sequence[str], records: Iterable[Sequence[Any]], fmt: CsvFormat
) -> Iterator[bytes]:
    """The CSV, header first, in chunks of about FLUSH_ROWS rows."""
    return batch_chunks(resource, names, _batched(records), fmt)


def _batched(records: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    rows = iter(records)
    while batch := list(islice(rows, FLUSH_ROWS)):
        yield batch


def batch_chunks(
    resource: Resource, names: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], fmt: CsvFormat
) -> Iterator[bytes]:
    """The CSV of rows given in batches, header first, one chunk per batch.

    csv.writer writes None as nothing, integers by str and floats by repr, as the cell
    converters do, so plain lines need only booleans converted; an Excel line is converted
    cell by cell only when it holds a character a formula could start with.
    """
    out = RowLines()
    writer = out.writer()
    codec = "cp932" if fmt.encoding == "cp932" else "utf-8"
    converters = cell_converters(resource, names, fmt)
    plain = cell_converters(resource, names, CsvFormat())
    booleans = [
        i for i, n in enumerate(names) if (f := resource.field(n)) is not None and f.type == "boolean"
    ]
    bom = "\ufeff" if fmt.encoding == "utf-8-sig" else ""
    writer.writerow(header_row(resource, names, fmt))
    pending = bom + out.take(fmt.line_terminator)
    for batch in batches:
        writer.writerows([_converted(row, booleans, plain) for row in batch] if booleans else batch)
        if fmt.for_excel:
            end = len(QUOTING_TERMINATOR)  # each line ends with it: look before it
            for i, line in enumerate(out.lines):
                if EXCEL_MAY_DIFFER.search(line, 0, len(line) - end):
                    writer.writerow([c(v) for c, v in zip(converters, batch[i], strict=True)])
                    out.lines[i] = out.lines.pop()
        yield (pending + out.take(fmt.line_terminator)).encode(codec)
        pending = ""
    if pending:
        yield pending.encode(codec)


def _converted(row: Sequence[Any], positions: list[int], converters: list) -> list[Any]:
    values = list(row)
    for i in positions:
        values[i] = converters[i](values[i])
    return values


def csv_stream(
    engine: Engine, package: Package, resource: Resource, query: RowQuery, fmt: CsvFormat
) -> Iterator[bytes]:
    """Every row `query` matches as CSV chunks in `fmt`, header first.

    For cp932 every cell is checked before this returns, raising UnencodableValue for the
    first one Shift_JIS cannot hold: a response's status cannot change once it streams.
    """
    names = list(query.fields or resource.field_names)
    header = header_row(resource, names, fmt)
    if fmt.encoding == "cp932":
        find_unencodable(resource, names, [], header)
        texts = tuple(n for n in names if (f := resource.field(n)) is None or f.type == "string")
        if texts and not _all_encode(
            engine.iter_batches(package, resource, replace(query, fields=texts)), "cp932"
        ):
            # The slow scan names the row and field.
            find_unencodable(resource, names, engine.iter_records(package, resource, query), header)
    columns = engine.iter_columns(package, resource, query)
    if columns is not None:
        from opendata.exports.csv_columns import column_chunks  # it imports this module

        return column_chunks(resource, names, columns, fmt)
    return batch_chunks(resource, names, engine.iter_batches(package, resource, query, FLUSH_ROWS), fmt)


def _all_encode(batches: Iterable[list[tuple[Any, ...]]], codec: str) -> bool:
    try:
        for batch in batches:
            "\n".join([v for record in batch for v in record if v]).encode(codec)
    except UnicodeEncodeError:
        return False
    return True
