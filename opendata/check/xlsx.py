"""Read an .xlsx for the rules: every sheet's values through openpyxl (read-only), plus the
merges, hidden rows and columns, formulas, objects and sheet states that read-only mode skips.

Read-only openpyxl streams cells without building its object tree, which keeps a
100,000-row sheet in tens of megabytes; the parts it does not expose are read here with
defusedxml's streaming parser (DTDs forbidden), one pass per sheet.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from typing import IO, Any
from xml.parsers import expat

import openpyxl
from defusedxml.ElementTree import parse
from openpyxl.utils.cell import range_boundaries

from opendata import errors
from opendata.check.safety import Limits, inspect_zip
from opendata.check.sheet import Sheet, Workbook, is_blank

Progress = Callable[[str], None] | None

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
DRAWING_KINDS = {"pic": "image", "graphicFrame": "chart", "sp": "shape", "grpSp": "shape", "cxnSp": "shape"}
PLAIN_FILLS = {None, "none"}
PLAIN_COLOURS = {None, "FFFFFFFF", "00000000", "FF000000"}


PROGRESS_EVERY = 20_000  # rows between progress messages on long sheets
SPARSE_FACTOR = 4  # cells walked, blank ones included, per filled cell allowed


def read_xlsx(source: IO[bytes], filename: str, limits: Limits, progress: Progress = None) -> Workbook:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise errors.CorruptFile(f"{filename} is damaged: {exc}", parameter="file") from exc
    with archive:
        inspect_zip(archive, filename, limits)
        try:
            manifest = _sheet_manifest(archive)
            source.seek(0)
            book = openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)
        except errors.Problem:
            raise
        except Exception as exc:  # openpyxl raises many types for a damaged part
            raise errors.CorruptFile(
                f"{filename} cannot be read as a workbook: {exc}", parameter="file"
            ) from exc
        try:
            sheets = _read_sheets(book, archive, manifest, filename, limits, progress)
        finally:
            book.close()
    return Workbook("xlsx", sheets)


def _sheet_manifest(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(name, state, part path) for every sheet, in workbook order."""
    targets = _relationships(archive, "xl/workbook.xml")
    with archive.open("xl/workbook.xml") as part:
        root = parse(part, forbid_dtd=True).getroot()
    found = []
    for sheet in root.iter(f"{NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{NS_REL}id", ""), ("", ""))[0]
        found.append((sheet.get("name", ""), sheet.get("state", "visible"), target))
    return found


def _relationships(archive: zipfile.ZipFile, part_path: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (resolved part path, relationship type) of one part."""
    folder, name = posixpath.split(part_path)
    rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_path not in archive.namelist():
        return {}
    with archive.open(rels_path) as part:
        root = parse(part, forbid_dtd=True).getroot()
    out = {}
    for rel in root.iter(f"{NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (path, rel.get("Type", "").rsplit("/", 1)[-1])
    return out


def _read_sheets(book, archive, manifest, filename: str, limits: Limits, progress: Progress) -> list[Sheet]:
    sheets: list[Sheet] = []
    budget = [limits.max_cells]
    for name, state, path in manifest:
        sheet = Sheet(name=name, state=state)
        if name in book.sheetnames and "chartsheet" not in path:
            _read_values(book[name], sheet, budget, filename, limits, progress)
        else:
            sheet.objects.append("chart")
        if path in archive.namelist():
            _read_extras(archive, path, sheet)
            _read_objects(archive, path, sheet)
        sheets.append(sheet)
    return sheets


def _read_values(
    ws, sheet: Sheet, budget: list[int], filename: str, limits: Limits, progress: Progress
) -> None:
    styles: dict[int, tuple[str | None, str]] = {}
    # A sheet may declare its size as A1:XFD1048576; openpyxl would then pad every row to 16,384
    # cells. Ignoring the declaration pads only up to each row's own last cell, and every cell
    # walked (blank or not) counts against a bound, so a sparse giant sheet is refused, not walked.
    ws.reset_dimensions()
    walked = 0
    for r, row in enumerate(ws.iter_rows()):
        walked += len(row) + 1
        if walked > limits.max_cells * SPARSE_FACTOR:
            raise errors.TooManyCells(
                f"{filename}: sheet {sheet.name} spans more than {limits.max_cells * SPARSE_FACTOR:,} cells "
                "(mostly empty); delete the unused rows and columns",
                parameter="file",
            )
        if progress is not None and r and r % PROGRESS_EVERY == 0:
            progress(f"sheet {sheet.name}: {r:,} rows read")
        values: list[Any] = []
        for c, cell in enumerate(row):
            value = getattr(cell, "value", None)
            values.append(value)
            if is_blank(value):
                continue
            budget[0] -= 1
            if budget[0] < 0:
                raise errors.TooManyCells(
                    f"{filename} has more than {limits.max_cells:,} filled cells; split it or raise "
                    "CHECK_MAX_CELLS",
                    parameter="file",
                )
            style_id = getattr(cell, "_style_id", 0)  # read-only cells expose only the index
            if style_id:
                if style_id not in styles:
                    styles[style_id] = _describe_style(cell)
                emphasis, number_format = styles[style_id]
                if emphasis:
                    sheet.styled[(r, c)] = emphasis
                if '"' in number_format:  # only formats printing text (a unit) matter to the rules
                    sheet.number_formats[(r, c)] = number_format
        while values and is_blank(values[-1]):
            values.pop()
        sheet.rows.append(values)
    while sheet.rows and not sheet.rows[-1]:
        sheet.rows.pop()


def _describe_style(cell) -> tuple[str | None, str]:
    fill = cell.fill
    colour = getattr(getattr(fill, "fgColor", None), "rgb", None)
    emphasis = None
    if getattr(fill, "patternType", None) not in PLAIN_FILLS and colour not in PLAIN_COLOURS:
        emphasis = f"fill #{str(colour)[-6:]}" if isinstance(colour, str) else "fill"
    elif cell.font is not None and cell.font.b:
        emphasis = "bold"
    elif cell.font is not None and getattr(cell.font.color, "rgb", None) not in PLAIN_COLOURS:
        rgb = cell.font.color.rgb
        emphasis = f"colour #{str(rgb)[-6:]}" if isinstance(rgb, str) else None
    return emphasis, cell.number_format


def _read_extras(archive: zipfile.ZipFile, path: str, sheet: Sheet) -> None:
    """Merges, hidden rows and columns and formula cells, in one streaming pass.

    A bare expat parser with only a start-tag handler is several times faster than building
    elements; DTDs are refused here as well as by the prolog check in safety.py.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    current = [""]

    def refuse(*_args: object) -> None:
        raise errors.UnsafeFile(f"{path} declares a DTD; refused", parameter="file")

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        if tag == "c":
            current[0] = attrs.get("r", "")
        elif tag == "f" and current[0]:
            col, row, _, _ = range_boundaries(current[0])
            sheet.formulas.append((row - 1, col - 1))
            current[0] = ""
        elif tag == "row" and attrs.get("hidden") in ("1", "true"):
            sheet.hidden_rows.append(int(attrs.get("r", "0")) - 1)
        elif tag == "col" and attrs.get("hidden") in ("1", "true"):
            first, last = int(attrs.get("min", "1")), int(attrs.get("max", "1"))
            sheet.hidden_columns.extend(range(first - 1, min(last, 16384)))
        elif tag == "mergeCell":
            left, top, right, bottom = range_boundaries(attrs.get("ref", "A1"))
            sheet.merges.append((top - 1, left - 1, bottom - 1, right - 1))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    with archive.open(path) as part:
        try:
            parser.ParseFile(part)
        except expat.ExpatError as exc:
            raise errors.CorruptFile(f"{path} is not well-formed XML: {exc}", parameter="file") from exc


def _read_objects(archive: zipfile.ZipFile, path: str, sheet: Sheet) -> None:
    for target, kind in _relationships(archive, path).values():
        if kind == "comments":
            sheet.objects.append("comment")
        elif kind == "drawing" and target in archive.namelist():
            with archive.open(target) as part:
                root = parse(part, forbid_dtd=True).getroot()
            for anchor in root:
                for child in anchor:
                    local = child.tag.rsplit("}", 1)[-1]
                    if local in DRAWING_KINDS:
                        sheet.objects.append(DRAWING_KINDS[local])
