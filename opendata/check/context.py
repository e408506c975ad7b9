"""What every rule needs to know about a file, worked out once: tables, column kinds, schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from opendata.check.cells import SAME_AS_ABOVE, as_number, is_date, missing_symbol, read_figure
from opendata.check.region import Layout, Table, find_layout
from opendata.check.report import Violation
from opendata.check.sheet import Sheet, Workbook, cell_name, is_blank


@dataclass
class FieldInfo:
    """What a Table Schema says about a column, when the file comes with one."""

    name: str
    type: str
    title: str | None = None
    unit: str | None = None
    description: str | None = None
    missing: dict[str, str] = field(default_factory=dict)  # symbol -> meaning
    has_enum: bool = False
    required: bool = False


@dataclass
class Context:
    book: Workbook
    filename: str
    schema: dict[str, FieldInfo] | None = None  # by column heading
    package: dict[str, Any] | None = None  # the descriptor, when checking a data package
    _headings: dict[tuple[str, int], dict[int, str]] = field(default_factory=dict, repr=False)
    _numeric: dict[tuple[str, int], list[int]] = field(default_factory=dict, repr=False)

    @cached_property
    def layouts(self) -> dict[str, Layout]:
        return {sheet.name: find_layout(sheet) for sheet in self.book.sheets}

    def tables(self) -> Iterator[tuple[Sheet, Table]]:
        for sheet in self.book.sheets:
            for table in self.layouts[sheet.name].tables:
                yield sheet, table

    def headings(self, sheet: Sheet, table: Table) -> dict[int, str]:
        """Column -> its heading, the heading rows joined (merged cells carry across)."""
        key = (sheet.name, id(table))
        if key not in self._headings:
            self._headings[key] = self._read_headings(sheet, table)
        return self._headings[key]

    def _read_headings(self, sheet: Sheet, table: Table) -> dict[int, str]:
        out = {}
        for c in range(table.left, table.right + 1):
            parts = []
            for r in range(table.top, table.body_top):
                text = sheet.merged_value(r, c)
                if not is_blank(text) and str(text).strip() not in parts:
                    parts.append(str(text).strip())
            out[c] = "_".join(parts)
        return out

    def numeric_columns(self, sheet: Sheet, table: Table) -> list[int]:
        """Columns whose body is mostly figures (or the schema says number/integer)."""
        key = (sheet.name, id(table))
        if key not in self._numeric:
            self._numeric[key] = self._find_numeric(sheet, table)
        return self._numeric[key]

    def _find_numeric(self, sheet: Sheet, table: Table) -> list[int]:
        if self.schema is not None:
            heads = self.headings(sheet, table)
            return [
                c
                for c, h in heads.items()
                if h in self.schema and self.schema[h].type in ("number", "integer")
            ]
        found = []
        heads = self.headings(sheet, table)
        for c in range(table.left, table.right + 1):
            values = [sheet.value(r, c) for r in range(table.body_top, table.bottom + 1)]
            values = [v for v in values if not is_blank(v) and str(v).strip() not in SAME_AS_ABOVE]
            if TIME_HEADING.search(heads[c]) and years_or_dates(values):
                continue  # a year column is a dimension (a row label), not a measure
            figures = sum(1 for v in values if read_figure(v) is not None)
            symbols = sum(1 for v in values if missing_symbol(v) is not None)
            if figures and figures + symbols >= 0.6 * len(values):
                found.append(c)
        return found

    def text_columns(self, sheet: Sheet, table: Table) -> list[int]:
        numeric = set(self.numeric_columns(sheet, table))
        return [c for c in range(table.left, table.right + 1) if c not in numeric]


TIME_HEADING = re.compile(r"年|月|日|時点|year|date|period|month", re.IGNORECASE)
ISO_DATE = re.compile(r"^(19|20)\d{2}(-\d{2}(-\d{2})?)?$")


def years_or_dates(values: list[Any]) -> bool:
    """Western years (2020) or ISO dates (2020-04, 2020-04-01) in every value given."""
    if not values:
        return False
    for value in values:
        if is_date(value) or (isinstance(value, str) and ISO_DATE.match(value.strip())):
            continue
        number = as_number(value)
        if not (isinstance(number, int) and 1868 <= number <= 2100):
            return False
    return True


def at(sheet: Sheet, r: int, c: int, ja: str, en: str) -> Violation:
    return Violation(sheet.name, r + 1, c + 1, cell_name(r, c), {"ja": ja, "en": en})


def on_row(sheet: Sheet, r: int, ja: str, en: str) -> Violation:
    return Violation(sheet.name, r + 1, None, f"{r + 1}:{r + 1}", {"ja": ja, "en": en})


def on_sheet(sheet: Sheet, ja: str, en: str, cell: str | None = None) -> Violation:
    return Violation(sheet.name, None, None, cell, {"ja": ja, "en": en})
