"""Machine-readability check of a spreadsheet against the Digital Agency's 30 rules.

`check_bytes(data, filename, limits)` reads an .xlsx, .csv or .tsv (refusing unsafe or
unreadable files with a 4xx Problem) and returns a Report; `check_file` does the same for a
path. Flask-free: the CLI, the API and the web page all call these.
"""

from __future__ import annotations

import io
from pathlib import Path

from opendata import errors
from opendata.check.context import Context, FieldInfo
from opendata.check.judges import judge
from opendata.check.report import Report
from opendata.check.safety import Limits, sniff_kind
from opendata.check.sheet import Workbook
from opendata.check.text import read_text
from opendata.check.xlsx import Progress, read_xlsx

__all__ = ["Context", "FieldInfo", "Limits", "Report", "check_bytes", "check_file", "read_book"]


def read_book(data: bytes, filename: str, limits: Limits, progress: Progress = None) -> Workbook:
    if len(data) > limits.max_bytes:
        raise errors.FileTooLarge(
            f"{filename} is {len(data):,} bytes; the limit is {limits.max_bytes:,}", parameter="file"
        )
    kind = sniff_kind(data[:4096], filename)
    if kind == "xlsx":
        return read_xlsx(io.BytesIO(data), filename, limits, progress)
    return read_text(data, filename, kind, limits)


def check_bytes(
    data: bytes,
    filename: str,
    limits: Limits,
    schema: dict[str, FieldInfo] | None = None,
    progress: Progress = None,
) -> Report:
    book = read_book(data, filename, limits, progress)
    if progress is not None:
        progress(f"judging {sum(len(s.rows) for s in book.sheets):,} rows against the rules")
    return judge(Context(book, filename, schema))


def check_file(path: Path, limits: Limits, progress: Progress = None) -> Report:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise errors.FileTooLarge(
            f"{path.name} is {size:,} bytes; the limit is {limits.max_bytes:,} (CHECK_MAX_UPLOAD_BYTES)",
            parameter="file",
        )
    return check_bytes(path.read_bytes(), path.name, limits, progress=progress)
