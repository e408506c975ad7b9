"""What a checked file looks like to the rules: sheets of cell values plus what Excel adds.

A CSV becomes one sheet without merges, formulas or styles; an .xlsx gives one sheet per
worksheet. Rows are kept dense (a list per row, trailing blanks trimmed) because that is
what every rule walks, and it costs far less memory than openpyxl's cell objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter


def cell_name(row: int, column: int) -> str:
    """0-based row and column -> A1."""
    return f"{get_column_letter(column + 1)}{row + 1}"


def range_name(top: int, left: int, bottom: int, right: int) -> str:
    first, last = cell_name(top, left), cell_name(bottom, right)
    return first if first == last else f"{first}:{last}"


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # top, left, bottom, right
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    formulas: list[tuple[int, int]] = field(default_factory=list)
    styled: dict[tuple[int, int], str] = field(default_factory=dict)  # cell -> "bold" / "fill #RRGGBB"
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)  # those printing text
    objects: list[str] = field(default_factory=list)  # "image", "chart", "shape", "comment"
    state: str = "visible"  # "hidden" or "veryHidden" for hidden sheets
    multiline: list[tuple[int, int]] = field(default_factory=list)  # CSV: a value spanning lines
    ragged: list[tuple[int, int]] = field(default_factory=list)  # CSV: row, its field count

    def value(self, row: int, column: int) -> Any:
        if row < len(self.rows) and column < len(self.rows[row]):
            return self.rows[row][column]
        return None

    def merged_value(self, row: int, column: int) -> Any:
        """The cell's value, or that of the merged range's top-left cell it belongs to."""
        value = self.value(row, column)
        if not is_blank(value):
            return value
        for top, left, bottom, right in self.merges:
            if top <= row <= bottom and left <= column <= right:
                return self.value(top, left)
        return None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Workbook:
    kind: str  # "xlsx", "csv" or "tsv"
    sheets: list[Sheet]
    encoding: str | None = None  # CSV only: "utf-8", "utf-8-sig" (with BOM) or "cp932"
    delimiter: str | None = None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip(" \u3000\t\r\n") == "")


def column_letter_range(column: int) -> str:
    """0-based column -> its letters (C)."""
    return get_column_letter(column + 1)
