"""CSV as a generator of byte chunks, in UTF-8, UTF-8 with BOM, or CP932.

UTF-8 is the default and stays byte-faithful to the data. The two Excel flavours also
neutralise text cells (and header titles) a spreadsheet would run as a formula, and CP932
refuses (rather than replaces) a character Shift_JIS cannot hold, naming the row and field.

Every cell holding a carriage return, a line feed, a comma or a quote is quoted, whatever
the line ends: csv.writer only quotes the characters of its own line terminator, so rows are
always written with CRLF quoting and their terminator is put on afterwards. An unquoted CR
is a row break to Excel and to Python's csv module alike.

`csv_stream` serves rows of all fields from the lines the store rendered at build time
(with these same converters), so an export costs one column read per row; a selection of
fields, or a flavour the store has no lines for, is converted cell by cell (`csv_chunks`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opendata.catalog.models import Package, Resource
from opendata.errors import UnencodableValue
from opendata.query.store import ROW_CSV, ROW_CSV_EXCEL, quote

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
    out = RowLines()
    writer = out.writer()
    codec = "cp932" if fmt.encoding == "cp932" else "utf-8"
    converters = cell_converters(resource, names, fmt)
    bom = "\ufeff" if fmt.encoding == "utf-8-sig" else ""
    writer.writerow(header_row(resource, names, fmt))
    for record in records:
        writer.writerow([convert(v) for convert, v in zip(converters, record, strict=True)])
        if len(out.lines) >= FLUSH_ROWS:
            yield (bom + out.take(fmt.line_terminator)).encode(codec)
            bom = ""
    tail = bom + out.take(fmt.line_terminator)
    if tail:
        yield tail.encode(codec)


def stored_lines(resource: Resource, names: Sequence[str], fmt: CsvFormat) -> str | None:
    """SQL for the line the store rendered for each row in `fmt`, or None when it has none.

    The store renders all fields without a terminator, quoted for either line end: plain
    for UTF-8, with formula neutralising for the Excel flavours (the text of utf-8-sig and
    cp932 is the same). A choice of fields is converted per cell.
    """
    if tuple(names) != resource.field_names:
        return None
    if not fmt.for_excel:
        return quote(ROW_CSV)
    return f"ifnull({quote(ROW_CSV_EXCEL)}, {quote(ROW_CSV)})"


def csv_stream(
    engine: Engine, package: Package, resource: Resource, query: RowQuery, fmt: CsvFormat
) -> Iterator[bytes]:
    """Every row `query` matches as CSV chunks in `fmt`, header first.

    For cp932 every cell is checked before this returns, raising UnencodableValue for the
    first one Shift_JIS cannot hold: a response's status cannot change once it streams.
    """
    names = list(query.fields or resource.field_names)
    header = header_row(resource, names, fmt)
    column = stored_lines(resource, names, fmt)
    if fmt.encoding == "cp932":
        find_unencodable(resource, names, [], header)
        batches = engine.iter_batches(package, resource, query, [column]) if column else None
        if batches is None or not _all_encode(batches, "cp932"):
            # The slow scan names the row and field (and checks every cell when no lines are stored).
            find_unencodable(resource, names, engine.iter_records(package, resource, query), header)
    if column is None:
        return csv_chunks(resource, names, engine.iter_records(package, resource, query), fmt)
    return _line_chunks(engine.iter_batches(package, resource, query, [column], FLUSH_ROWS), header, fmt)


def _all_encode(batches: Iterable[list[tuple[bytes]]], codec: str) -> bool:
    try:
        for batch in batches:
            b"\n".join([record[0] for record in batch]).decode("utf-8").encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _line_chunks(
    batches: Iterable[list[tuple[bytes]]], header: Sequence[str], fmt: CsvFormat
) -> Iterator[bytes]:
    """The header, then each batch of stored UTF-8 lines joined by the line terminator."""
    out = RowLines()
    out.writer().writerow(header)
    bom = "\ufeff" if fmt.encoding == "utf-8-sig" else ""
    transcode = fmt.encoding == "cp932"
    pending = (bom + out.take(fmt.line_terminator)).encode("cp932" if transcode else "utf-8")
    end = fmt.line_terminator.encode()
    for batch in batches:
        data = end.join([record[0] for record in batch]) + end
        if transcode:
            data = data.decode("utf-8").encode("cp932")
        if pending:
            data, pending = pending + data, b""
        yield data
    if pending:
        yield pending
