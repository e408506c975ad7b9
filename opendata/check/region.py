"""Where the tables are on a sheet: blocks of filled rows, their headings and their body.

Printed sheets put a title above the table, a unit at its right, notes under it and
sometimes a second table below; this module finds them the same way for the rules
(L1-02/03/04, L3-01) and the importer. A *wide* row has two or more filled cells; a table
is a run of rows with at least two wide rows. Heading rows are the rows above the first
row that holds a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opendata.check.cells import missing_symbol, read_figure
from opendata.check.sheet import Sheet, is_blank


@dataclass
class Table:
    top: int
    bottom: int  # inclusive
    left: int
    right: int  # inclusive
    header_rows: int  # rows from `top` that are headings
    gaps: list[int] = field(default_factory=list)  # blank rows inside the table
    blank_columns: list[int] = field(default_factory=list)  # blank columns inside the table

    @property
    def body_top(self) -> int:
        return self.top + self.header_rows


@dataclass
class Layout:
    tables: list[Table]
    outside: list[tuple[int, int]]  # filled cells that belong to no table (titles, notes, memos)


def filled(row: list) -> list[int]:
    return [c for c, v in enumerate(row) if not is_blank(v)]


def is_figure(value) -> bool:
    return read_figure(value) is not None or missing_symbol(value) is not None


def find_layout(sheet: Sheet) -> Layout:
    blocks = _blocks(sheet)
    tables: list[Table] = []
    for top, bottom in blocks:
        table = _table_in_block(sheet, top, bottom, 1 if tables else 2)
        if table is None:
            continue
        if tables and _continues(sheet, tables[-1], table):
            previous = tables[-1]
            previous.gaps.extend(range(previous.bottom + 1, table.top))
            previous.bottom = table.bottom
            previous.left, previous.right = min(previous.left, table.left), max(previous.right, table.right)
        elif table.bottom > table.top or not tables:
            tables.append(table)
    for table in tables:
        table.blank_columns = [
            c
            for c in range(table.left, table.right + 1)
            if all(is_blank(sheet.value(r, c)) for r in range(table.top, table.bottom + 1))
        ]
    inside = {(t.top, t.bottom, t.left, t.right) for t in tables}
    outside = [
        (r, c)
        for r, row in enumerate(sheet.rows)
        for c in filled(row)
        if not any(top <= r <= bottom and left <= c <= right for top, bottom, left, right in inside)
    ]
    return Layout(tables, outside)


def _blocks(sheet: Sheet) -> list[tuple[int, int]]:
    blocks, start = [], None
    for r, row in enumerate(sheet.rows):
        if filled(row):
            start = r if start is None else start
        elif start is not None:
            blocks.append((start, r - 1))
            start = None
    if start is not None:
        blocks.append((start, len(sheet.rows) - 1))
    return blocks


def _table_in_block(sheet: Sheet, top: int, bottom: int, min_rows: int) -> Table | None:
    wide = [r for r in range(top, bottom + 1) if len(filled(sheet.rows[r])) >= 2]
    while wide and _is_title_row(sheet.rows[wide[0]]):
        wide.pop(0)
    # A table needs two wide rows; title rows above and note rows below stay outside it.
    if len(wide) < min_rows:
        return None
    first, last = wide[0], wide[-1]
    # A data row whose figures are all blank has one filled cell; only notes end the table.
    while last < bottom and not _is_note_row(sheet.rows[last + 1]):
        last += 1
    columns = [c for r in range(first, last + 1) for c in filled(sheet.rows[r])]
    table = Table(first, last, min(columns), max(columns), 1)
    table.header_rows = _header_rows(sheet, table)
    return table


NOTE_START = ("※", "注", "*", "＊", "（注", "(注", "資料", "出典", "単位", "備考", "（", "(")


def _is_note_row(row: list) -> bool:
    """A line under a table: a footnote, a source, a unit, or long prose in one cell."""
    cells = filled(row)
    if len(cells) != 1:
        return False
    text = str(row[cells[0]]).strip()
    return text.startswith(NOTE_START) or len(text) > 25


def _is_title_row(row: list) -> bool:
    """A title with its unit at the right (表1 … （単位：人）) is no heading row."""
    cells = [str(row[c]) for c in filled(row)]
    return len(cells) <= 2 and any("単位" in text or text.startswith(("表", "図")) for text in cells)


def _header_rows(sheet: Sheet, table: Table) -> int:
    """Rows above the first row holding a figure (at least one); a row naming only a group in
    the first column (【相談】) already belongs to the body."""
    for r in range(table.top, table.bottom + 1):
        cells = [c for c in filled(sheet.rows[r]) if table.left <= c <= table.right]
        if r > table.top and cells == [table.left] and not _in_merge(sheet, r, table):
            return r - table.top
        if any(is_figure(sheet.value(r, c)) for c in range(table.left, table.right + 1)):
            return max(1, r - table.top)
    return 1


def _in_merge(sheet: Sheet, r: int, table: Table) -> bool:
    """Whether a merged cell reaches down into row r inside the table (a heading spanning rows)."""
    return any(
        top < r <= bottom and left <= table.right and right >= table.left
        for top, left, bottom, right in sheet.merges
    )


def _continues(sheet: Sheet, previous: Table, table: Table) -> bool:
    """A block after a blank row that has no headings of its own is the same table, split."""
    starts_with_data = any(
        is_figure(sheet.value(table.top, c)) for c in range(table.left + 1, table.right + 1)
    )
    overlaps = table.left <= previous.right and previous.left <= table.right
    return starts_with_data and overlaps and table.top - previous.bottom <= 3
