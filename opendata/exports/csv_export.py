"""CSV as a generator of byte chunks, in UTF-8, UTF-8 with BOM, or CP932.

UTF-8 is the default and stays byte-faithful to the data. The two Excel flavours also
neutralise text cells a spreadsheet would run as a formula, and CP932 refuses (rather than
replaces) a character Shift_JIS cannot hold, naming the row and field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opendata.catalog.models import Resource
from opendata.errors import UnencodableValue

ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp932": "cp932", "shift_jis": "cp932"}
EXCEL_ENCODINGS = {"utf-8-sig", "cp932"}
NEWLINES = {"lf": "\n", "crlf": "\r\n"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHARSET_LABELS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp932": "Windows-31J"}
FLUSH_ROWS = 2000


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


def _cell_converters(resource: Resource, names: Sequence[str], fmt: CsvFormat):
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
    converters = _cell_converters(resource, names, fmt)
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
