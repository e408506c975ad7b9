"""A print-layout table as printed: its title, headings per column, row labels, figures,
totals and notes, with hidden rows skipped and "same as above" filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from opendata.check.cells import SAME_AS_ABOVE, UNIT_NOTE, missing_symbol, read_figure
from opendata.check.judges_level3 import format_unit
from opendata.check.region import Table
from opendata.check.sheet import Sheet, cell_name, is_blank

TOTAL = re.compile(r"^\s*(合\s*計|総\s*計|総\s*数|計|全\s*体|県\s*計|全\s*県|total)\s*$", re.IGNORECASE)
SUBTOTAL = re.compile(r"小\s*計")
NOTE_MARK = re.compile(r"(※\s*\d*|\*\d+|注\s*\d+|\(注\s*\d*\)|（注\s*\d*）)")
HEADING_UNIT = re.compile(r"[（(](?P<unit>[^（）()]{1,6})[）)]\s*$")


@dataclass
class Column:
    index: int  # 0-based sheet column
    parts: list[str]  # heading text per heading row, merged cells carried, markers removed
    marks: list[str] = field(default_factory=list)
    unit: str | None = None

    @property
    def title(self) -> str:
        return "_".join(p for p in self.parts if p)


@dataclass
class Printed:
    title: str | None
    unit: str | None
    columns: list[Column]
    stub: list[int]  # indexes into `columns` of the row-label columns
    rows: list[tuple[int, list[Any]]]  # (sheet row, values per column)
    notes: dict[str, str]  # marker (※1) -> note text
    loose_notes: list[str]
    log: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    def is_total_row(self, values: list[Any]) -> bool:
        labels = [values[i] for i in self.stub]
        return any(isinstance(v, str) and TOTAL.match(v) for v in labels)


def strip_marks(text: str) -> tuple[str, list[str]]:
    marks = [m.replace(" ", "") for m in NOTE_MARK.findall(text)]
    return NOTE_MARK.sub("", text).strip(), marks


def read_printed(sheet: Sheet, table: Table, outside: list[tuple[int, int]]) -> Printed:
    above = [str(sheet.value(r, c)).strip() for r, c in outside if r < table.top]
    below = [str(sheet.value(r, c)).strip() for r, c in outside if r > table.bottom]
    title = next((t for t in above if not UNIT_NOTE.search(t)), None)
    unit = next((m["unit"] or m["alone"] for t in above + below if (m := UNIT_NOTE.search(t))), None)
    notes, loose = _notes(below)
    columns = _columns(sheet, table)
    hidden = set(sheet.hidden_rows)
    rows: list[tuple[int, list[Any]]] = []
    printed = Printed(title, unit, columns, [], rows, notes, loose)
    skipped = []
    for r in range(table.body_top, table.bottom + 1):
        if r in hidden:
            skipped.append(r + 1)
            continue
        values = [sheet.merged_value(r, col.index) for col in columns]
        if any(not is_blank(v) for v in values):
            rows.append((r, values))
    if skipped:
        printed.log.append(f"skipped hidden row(s) {', '.join(map(str, skipped))} (not printed, so not data)")
    printed.stub = _stub(columns, rows)
    _fill_down(printed)
    _formulas_without_values(printed, sheet)
    return printed


def _notes(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    notes, loose = {}, []
    for line in lines:
        if UNIT_NOTE.search(line) and len(line) < 20:
            continue
        match = re.match(
            r"^\s*(※\s*\d*|\*\d+|注\s*\d+|\(注\s*\d*\)|（注\s*\d*）)\s*[:：.．、]?\s*(?P<text>.+)$", line
        )
        if match:
            notes[match.group(1).replace(" ", "")] = match["text"].strip()
        else:
            loose.append(line)
    return notes, loose


def _columns(sheet: Sheet, table: Table) -> list[Column]:
    columns = []
    for c in range(table.left, table.right + 1):
        if c in table.blank_columns:
            continue
        parts: list[str] = []
        marks: list[str] = []
        unit: str | None = None
        for r in range(table.top, table.body_top):
            value = sheet.merged_value(r, c)
            if is_blank(value):
                continue
            text, found = strip_marks(re.sub(r"\s+", "", str(value)))
            marks.extend(found)
            if match := HEADING_UNIT.search(text):
                unit = match["unit"]
                text = text[: match.start()].strip()
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        if unit is None:  # a unit the number format prints after each figure: #,##0"人"
            unit = next(
                (
                    u
                    for r in range(table.body_top, table.bottom + 1)
                    if (u := format_unit(sheet.number_formats.get((r, c), "")))
                ),
                None,
            )
        columns.append(Column(c, parts, marks, unit))
    return columns


def _stub(columns: list[Column], rows: list[tuple[int, list[Any]]]) -> list[int]:
    """Leading columns whose body is labels rather than figures."""
    stub = []
    for i, _ in enumerate(columns):
        values = [v[i] for _, v in rows if not is_blank(v[i])]
        figures = sum(1 for v in values if read_figure(v) is not None or missing_symbol(v) is not None)
        if values and figures < 0.5 * len(values):
            stub.append(i)
        else:
            break
    return stub or [0]


def _fill_down(printed: Printed) -> None:
    """Blank or 〃 row labels repeat the label above (printed tables leave them out)."""
    filled_cells = 0
    for i in printed.stub:
        previous = None
        for _, values in printed.rows:
            value = values[i]
            if (is_blank(value) or (isinstance(value, str) and value.strip() in SAME_AS_ABOVE)) and previous:
                if not printed.is_total_row(values):
                    values[i] = previous
                    filled_cells += 1
            elif not is_blank(value):
                previous = value
    if filled_cells:
        printed.log.append(f"filled {filled_cells} “same as above” label cell(s) from the row above")


def _formulas_without_values(printed: Printed, sheet: Sheet) -> None:
    positions = {(r, col.index): col for col in printed.columns for r, _ in printed.rows}
    missing = [
        cell_name(r, c) for r, c in sheet.formulas if (r, c) in positions and is_blank(sheet.value(r, c))
    ]
    if missing:
        printed.undecided.append(
            f"formula cell(s) {', '.join(missing[:10])} have no saved value (the file was never "
            "recalculated); they are read as blank unless they are totals: open and save the "
            "workbook in Excel or LibreOffice and import again"
        )
