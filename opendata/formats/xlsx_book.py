"""An XLSX package written straight into a zip stream, sheet by sheet, handed on in chunks.

The zip goes to a sink that is emptied after every batch of rows, so memory stays constant
and the first bytes leave before the last row is read: zipfile writes to an unseekable
stream with a data descriptor after each part. The workbook part, which names the sheets'
autofilter ranges, and the shared strings are written last, once every row is.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from zlib_ng import zlib_ng

from opendata.formats.xlsx_cells import SharedStrings, column_letter, escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Deflate levels measured on the benchmark's 100,000 rows (CPU seconds of the writer, MB):
# 0: 0.21 s, 34.7 MB; 1: 0.30 s, 4.99; 2: 0.31 s, 4.48; 3: 0.38 s, 4.36; 4: 0.36 s, 3.95;
# 6: 0.50 s, 3.80; 9: 2.6 s, 3.71. A streamed answer takes level 2, 10 % fewer bytes than
# level 1 for the same CPU; a file written once at publish time and sent many times, level 6.
STREAMED_LEVEL = 2
PUBLISHED_LEVEL = 6
SHARED_STRINGS = "xl/sharedStrings.xml"
CHUNK = 1 << 16  # bytes gathered before they are handed on
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# cellXfs 0 plain, 1 a date (STYLE_DATE), 2 bold (STYLE_BOLD), as opendata.formats.xlsx_cells numbers them.
STYLES = (
    f'{DECLARATION}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class Sheet:
    name: str
    widths: tuple[float, ...]  # of the columns A, B, …
    blocks: Iterable[tuple[int, str | bytes | memoryview]]  # (how many rows, their <row> elements), in order
    frozen_header: bool = True
    autofilter: bool = False  # over the header and every row written


@dataclass(frozen=True)
class _Written:
    name: str
    filter_ref: str | None


class _Sink(io.RawIOBase):
    """Where the zip is written: kept until taken, so it can be sent on in chunks."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return taken


def workbook(
    sheets: Sequence[Sheet], shared: SharedStrings | None = None, level: int = STREAMED_LEVEL
) -> Iterator[bytes]:
    """The XLSX file of `sheets`, deflated at `level`, as byte chunks; `shared` is the table
    their rows fill, if any."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        # First, as Excel writes them: tools that tell an OOXML file from any zip (libmagic,
        # and so CKAN's upload checks) look for these at the start of the file.
        for name, text in _opening_parts(len(sheets), shared is not None):
            book.writestr(_member(name, level), text)
        written = []
        for number, sheet in enumerate(sheets, start=1):
            rows = _Counted(sheet.blocks)
            yield from _part(
                book, sink, f"xl/worksheets/sheet{number}.xml", _sheet_xml(sheet, rows, number == 1)
            )
            written.append(_Written(sheet.name, _filter_ref(sheet, rows.count) if sheet.autofilter else None))
        if shared is not None:  # complete only now that every row is written
            yield from _part(book, sink, SHARED_STRINGS, _shared_xml(shared))
        for name, text in _workbook_parts(written, shared is not None):
            book.writestr(_member(name, level), text)
    yield sink.take()


def _member(name: str, level: int | None) -> zipfile.ZipInfo:
    """A zip entry dated 1980-01-01, so the same table makes the same bytes (byte-identical
    rebuilds of a release; a strong ETag of a query's answer)."""
    member = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    member.compress_type = zipfile.ZIP_DEFLATED
    member._compresslevel = level  # type: ignore[attr-defined]  # what ZipFile.open reads (public in 3.13)
    return member


def _part(
    book: zipfile.ZipFile, sink: _Sink, name: str, pieces: Iterable[str | bytes | memoryview]
) -> Iterator[bytes]:
    """Write the part `name` of `pieces`, handing on what the zip wrote once there is enough.

    No forced Zip64: zipfile wrote forced Zip64 headers of small parts inconsistently before
    Python 3.12 (CPython issue 103861), and Excel is strict about them. A sheet of more than
    4 GiB of XML (1,048,575 rows of over 4 KB each) then stops with an error, never silently."""
    with book.open(_member(name, book.compresslevel), "w") as part:
        _faster_deflate(part, book.compresslevel)
        for piece in pieces:
            part.write(piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else piece)
            if sink.size >= CHUNK:
                yield sink.take()


def _faster_deflate(part: Any, level: int | None) -> None:
    """Deflate the part with zlib-ng instead of zlib: the same format (any unzip reads it), about
    1.7 times as fast at the streamed level for the same size, and a sheet's deflate is most of
    a streamed XLSX's time. zipfile keeps its compressor in `_compressor` (3.11 to 3.13); where
    it does not, the part is deflated by zlib as before."""
    if getattr(part, "_compressor", None) is not None:
        part._compressor = zlib_ng.compressobj(-1 if level is None else level, zlib_ng.DEFLATED, -15)


def _shared_xml(shared: SharedStrings) -> Iterator[str]:
    yield f'{DECLARATION}<sst xmlns="{MAIN}" uniqueCount="{len(shared)}">'
    yield from shared.items()
    yield "</sst>"


class _Counted:
    """The rows of a sheet, counted as they pass: the autofilter's range ends at the last one."""

    def __init__(self, blocks: Iterable[tuple[int, str | bytes | memoryview]]) -> None:
        self._blocks = blocks
        self.count = 0

    def __iter__(self) -> Iterator[str | bytes | memoryview]:
        for rows, text in self._blocks:
            self.count += rows
            yield text


def _filter_ref(sheet: Sheet, rows: int) -> str:
    return f"A1:{column_letter(max(len(sheet.widths), 1) - 1)}{max(rows, 1)}"


def _sheet_xml(sheet: Sheet, rows: _Counted, selected: bool) -> Iterator[str | bytes | memoryview]:
    view = '<sheetView workbookViewId="0" tabSelected="1">' if selected else '<sheetView workbookViewId="0">'
    if sheet.frozen_header:
        view += (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(sheet.widths, 1)
    )
    yield (
        f'{DECLARATION}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<sheetViews>{view}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
    )
    yield from rows
    end = "</sheetData>"
    if sheet.autofilter:  # after the rows: their count is known only now
        end += f'<autoFilter ref="{_filter_ref(sheet, rows.count)}"/>'
    yield end + "</worksheet>"


def _opening_parts(sheets: int, shared: bool) -> list[tuple[str, str]]:
    numbers = range(1, sheets + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{OFFICE_TYPE}.worksheet+xml"/>'
        for n in numbers
    )
    if shared:
        overrides += f'<Override PartName="/{SHARED_STRINGS}" ContentType="{OFFICE_TYPE}.sharedStrings+xml"/>'
    types = (
        f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE_TYPE}.styles+xml"/>{overrides}</Types>'
    )
    root = (
        f'{DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    return [("[Content_Types].xml", types), ("_rels/.rels", root)]


def _workbook_parts(sheets: list[_Written], shared: bool) -> list[tuple[str, str]]:
    numbers = range(1, len(sheets) + 1)
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    links += f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
    if shared:
        target = SHARED_STRINGS.removeprefix("xl/")
        kind = f"{RELATIONSHIPS}/sharedStrings"
        links += f'<Relationship Id="rId{len(sheets) + 2}" Type="{kind}" Target="{target}"/>'
    listed = "".join(
        f'<sheet name={quoteattr(s.name)} sheetId="{n}" r:id="rId{n}"/>' for n, s in enumerate(sheets, 1)
    )
    # Excel keeps each autofilter's range under this hidden name as well; written as Excel does.
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" hidden="1">'
        f"{escape(_absolute(s.name, s.filter_ref))}</definedName>"
        for n, s in enumerate(sheets, 1)
        if s.filter_ref
    )
    book = (
        f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{listed}</sheets>'
        f"{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>"
    )
    relationships = f'{DECLARATION}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}</Relationships>'
    return [
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", relationships),
        ("xl/styles.xml", STYLES),
    ]


def _absolute(sheet: str, ref: str) -> str:
    """`'sheet'!$A$1:$K$9` of the range `A1:K9`."""
    quoted = sheet.replace("'", "''")
    first, last = ref.split(":")
    return f"'{quoted}'!{_dollars(first)}:{_dollars(last)}"


def _dollars(cell: str) -> str:
    letters = cell.rstrip("0123456789")
    return f"${letters}${cell[len(letters) :]}"
