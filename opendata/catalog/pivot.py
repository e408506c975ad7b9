"""The documented pivot that turns a long table back into the layout the report prints.

Long tables (one observation per row, L3-09) say in their descriptor how the printed table
is laid out: `pivot: {index: [...], columns: name, values: [...]}`, with optional English
twins (`indexEnglish`, `columnsEnglish`) naming the fields that hold the same labels in
English. A table printed as a list (one line per index, no column dimension) has no
`columns`. Charts use it to draw one series per category; tests use it to rebuild the printed
rows and compare them with the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opendata.errors import PackageError


@dataclass(frozen=True)
class Pivot:
    index: tuple[str, ...]
    columns: str | None
    values: tuple[str, ...]
    index_english: tuple[str, ...]
    columns_english: str | None

    @classmethod
    def from_descriptor(cls, descriptor: Mapping[str, Any]) -> Pivot:
        try:
            index = tuple(descriptor.get("index", ()))
            return cls(
                index=index,
                columns=descriptor.get("columns"),
                values=tuple(descriptor["values"]),
                index_english=tuple(descriptor.get("indexEnglish", index)),
                columns_english=descriptor.get("columnsEnglish"),
            )
        except (KeyError, TypeError) as exc:
            raise PackageError(f"pivot needs a list of values: {exc}") from exc

    def fields(self) -> tuple[str, ...]:
        """Every field the pivot reads."""
        names = (*self.index, self.columns, *self.values, *self.index_english, self.columns_english)
        return tuple(dict.fromkeys(n for n in names if n))

    def dimensions(self, lang: str) -> tuple[str, ...]:
        """The label fields of the printed rows and columns, in `lang` where an English twin exists."""
        columns = (self.columns_english or self.columns) if lang == "en" else self.columns
        index = self.index_english if lang == "en" else self.index
        return (*index, *([columns] if columns else []))


@dataclass(frozen=True)
class PivotTable:
    columns: tuple[str, ...]  # the printed column headings, in the order rows first show them
    rows: tuple[tuple[tuple[Any, ...], tuple[Any, ...]], ...]  # (index labels, one cell per column x value)


def pivot(spec: Pivot, rows: Iterable[Mapping[str, Any]]) -> PivotTable:
    """The printed layout: one row per index, one column per `columns` label (times each value)."""
    headings: dict[Any, None] = {}
    cells: dict[tuple[Any, ...], dict[tuple[Any, str], Any]] = {}
    for row in rows:
        key = tuple(row[name] for name in spec.index)
        heading = row[spec.columns] if spec.columns else None
        headings.setdefault(heading, None)
        line = cells.setdefault(key, {})
        for value in spec.values:
            if (heading, value) in line:
                raise PackageError(f"pivot is not one cell per row: {key} x {heading!r} repeats")
            line[(heading, value)] = row[value]
    order = [(h, v) for h in headings for v in spec.values]
    return PivotTable(
        columns=tuple(headings),
        rows=tuple((key, tuple(line.get(c) for c in order)) for key, line in cells.items()),
    )
