"""Read a CSV or TSV for the rules: detect its encoding, keep line breaks and ragged rows.

The encodings a Japanese public body produces are UTF-8 (Excel's "CSV UTF-8" adds a BOM)
and Shift_JIS as Windows extends it (cp932, Excel's plain "CSV"). A strict UTF-8 decode
either succeeds or fails early on cp932 bytes, so trying UTF-8 first and cp932 second gives
a certain answer, never a guess from statistics; a file that is neither is refused.
"""

from __future__ import annotations

import csv
import io

from opendata import errors
from opendata.check.safety import Limits
from opendata.check.sheet import Sheet, Workbook, is_blank

csv.field_size_limit(1 << 24)

ENCODING_NAMES = {
    "ja": {"utf-8-sig": "UTF-8（BOM付き）", "utf-8": "UTF-8（BOMなし）", "cp932": "Shift_JIS（cp932）"},
    "en": {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8 without BOM", "cp932": "Shift_JIS (cp932)"},
}


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """(text, encoding) with encoding one of utf-8-sig, utf-8, cp932."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise errors.UnsupportedFile(
            f"{filename} is UTF-16; save it as UTF-8 or Shift_JIS CSV", parameter="file"
        )
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise errors.UnsupportedFile(
            f"{filename} is neither UTF-8 nor Shift_JIS (byte {exc.start}); save it as UTF-8 CSV",
            parameter="file",
        ) from exc


def read_text(data: bytes, filename: str, kind: str, limits: Limits) -> Workbook:
    text, encoding = decode(data, filename)
    delimiter = "\t" if kind == "tsv" else ","
    sheet = Sheet(name=filename.rsplit("/", 1)[-1])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    budget = limits.max_cells
    width: int | None = None
    last_line = 0
    try:
        for record in reader:
            r = len(sheet.rows)
            lines = reader.line_num - last_line
            last_line = reader.line_num
            for c, value in enumerate(record):
                if "\n" in value or "\r" in value:
                    sheet.multiline.append((r, c))
            if lines > 1 and not any((r, c) in sheet.multiline for c in range(len(record))):
                sheet.multiline.append((r, 0))
            values: list[object] = [v if v != "" else None for v in record]
            while values and is_blank(values[-1]):
                values.pop()
            if width is None and values:
                width = len(record)
            elif width is not None and values and len(record) != width:
                sheet.ragged.append((r, len(record)))
            budget -= sum(1 for v in values if v is not None)
            if budget < 0:
                raise errors.TooManyCells(
                    f"{filename} has more than {limits.max_cells:,} filled cells", parameter="file"
                )
            sheet.rows.append(values)
    except csv.Error as exc:
        raise errors.CorruptFile(f"{filename}: not a readable CSV ({exc})", parameter="file") from exc
    while sheet.rows and not sheet.rows[-1]:
        sheet.rows.pop()
    if not sheet.rows:
        raise errors.UnsupportedFile(f"{filename} is empty", parameter="file")
    return Workbook(kind, [sheet], encoding=encoding, delimiter=delimiter)
