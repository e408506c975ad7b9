"""CSV as a generator of byte chunks, in UTF-8, UTF-8 with BOM, or CP932.

UTF-8 is the default and stays byte-faithful to the data. The two Excel flavours also
neutralise text cells a spreadsheet would run as a formula, and CP932 refuses (rather than
replaces) a character Shift_JIS cannot hold, naming the row and field.

`csv_stream` serves rows of all fields from the lines the store rendered at build time
(with these same converters), so an export costs one column read per row; a selection of
fields, or a flavour the store has no lines for, is converted cell by cell (`csv_chunks`).
"""

from __future__ import annotations

import csv
import io
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
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


def header_row(resource: Resource, names: Sequence[str], header: str) -> list[str]:
    if header == "title":
        return [(f.title if (f := resource.field(n)) else n) for n in names]
    return list(names)


def neutralise(value: str) -> str:
    """Prefix a formula-looking text cell with an apostrophe, as OWASP advises for CSV injection."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=fmt.line_terminator)
    codec = "cp932" if fmt.encoding == "cp932" else "utf-8"
    converters = cell_converters(resource, names, fmt)
    if fmt.encoding == "utf-8-sig":
        buffer.write("\ufeff")
    writer.writerow(header_row(resource, names, fmt.header))
    pending = 0
    for record in records:
        writer.writerow([convert(v) for convert, v in zip(converters, record, strict=True)])
        pending += 1
        if pending >= FLUSH_ROWS:
            yield buffer.getvalue().encode(codec)
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    tail = buffer.getvalue()
    if tail:
        yield tail.encode(codec)


def stored_lines(resource: Resource, names: Sequence[str], fmt: CsvFormat) -> str | None:
    """SQL for the line the store rendered for each row in `fmt`, or None when it has none.

    The store renders all fields, with LF quoting for plain UTF-8 and with CRLF quoting
    and formula neutralising for the Excel flavours (the text of utf-8-sig and cp932 is the
    same). Any other choice of fields or line ends is converted per cell.
    """
    if tuple(names) != resource.field_names:
        return None
    if not fmt.for_excel and fmt.line_terminator == "\n":
        return quote(ROW_CSV)
    if fmt.for_excel and fmt.line_terminator == "\r\n":
        return f"ifnull({quote(ROW_CSV_EXCEL)}, {quote(ROW_CSV)})"
    return None


def csv_stream(
    engine: Engine, package: Package, resource: Resource, query: RowQuery, fmt: CsvFormat
) -> Iterator[bytes]:
    """Every row `query` matches as CSV chunks in `fmt`, header first.

    For cp932 every cell is checked before this returns, raising UnencodableValue for the
    first one Shift_JIS cannot hold: a response's status cannot change once it streams.
    """
    names = list(query.fields or resource.field_names)
    header = header_row(resource, names, fmt.header)
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
    buffer = io.StringIO()
    if fmt.encoding == "utf-8-sig":
        buffer.write("\ufeff")
    csv.writer(buffer, lineterminator=fmt.line_terminator).writerow(header)
    transcode = fmt.encoding == "cp932"
    pending = buffer.getvalue().encode("cp932" if transcode else "utf-8")
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
