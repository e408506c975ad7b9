"""The `<row>` elements of Arrow record batches: xlsx_cells.rows_writer's bytes, laid out by Arrow.

rows_writer runs a little Python for every row; here Python runs once per distinct value of
a column (its tail, by the same cached tails as rows_writer), and Arrow does the per-row
work: a `take` of each column's tails by the rows' values, then one element-wise join per row
with the row's number as separator. A text column's tails are kept for the whole workbook by
dictionary entry, so a batch whose values were all seen before costs no Python per value.

Texts new to the shared strings get their indices in the order rows_writer meets them (row by
row, left to right), so both writers make the same sheet and the same table of strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from opendata.formats.xlsx_cells import SharedStrings, column_tails, is_text


class _Column:
    """One column's tails: by dictionary entry for a dictionary column (kept while the
    batches share their dictionary, as the columns of one table do), else per batch."""

    def __init__(self, tail: Callable[[Any], str], ordered: bool) -> None:
        self.tail = tail  # a value's tail (cached by value: xlsx_cells._Tails)
        self.ordered = ordered  # its tails may give new texts shared-string indices
        self.empty = tail(None)
        self.dictionary: Any = None
        self.made: list[str | None] = []
        self.tails: Any = None

    def prepare(self, column: Any) -> tuple[Any, list[tuple[int, int, Callable[[], None]]]]:
        """(this batch's indices, the tails still to make: (first row, entry, make))."""
        if not pa.types.is_dictionary(column.type):
            encoded = pc.dictionary_encode(column)
            values = encoded.dictionary.to_pylist()
            self.dictionary, self.made, self.tails = None, [None] * len(values), None
            return encoded.indices, self._pending(encoded.indices, values, range(len(values)))
        if self.dictionary is None or not column.dictionary.equals(self.dictionary):
            self.dictionary, self.made, self.tails = column.dictionary, [None] * len(column.dictionary), None
        present = [e for e in pc.unique(column.indices).to_pylist() if e is not None and self.made[e] is None]
        if not present:
            return column.indices, []
        values = self.dictionary.take(pa.array(present, pa.int32())).to_pylist()
        self.tails = None
        return column.indices, self._pending(column.indices, dict(zip(present, values, strict=True)), present)

    def _pending(self, indices: Any, values: Any, entries: Any) -> list[tuple[int, int, Callable[[], None]]]:
        def maker(entry: int) -> Callable[[], None]:
            def make() -> None:
                self.made[entry] = self.tail(values[entry])

            return make

        if not self.ordered:
            for entry in entries:
                maker(entry)()
            return []
        wanted = set(entries)
        return [
            (row, entry, maker(entry))
            for entry, row in zip(*_first_rows(indices), strict=True)
            if entry in wanted
        ]

    def cells(self, indices: Any) -> Any:
        if self.tails is None:
            self.tails = pa.array([m or "" for m in self.made], pa.string())
        return pc.fill_null(self.tails.take(indices), self.empty)


def batch_writer(
    kinds: Sequence[str], shared: SharedStrings | None = None
) -> Callable[[int, Any], memoryview]:
    """A function writing the `<row>` elements of an Arrow batch, numbered from `first`, as
    rows_writer(kinds, shared) writes the same rows: UTF-8 bytes (the join's own buffer)."""
    tails, opening = column_tails(kinds, shared)
    columns = [
        _Column(tail.__getitem__, shared is not None and is_text(kind))
        for tail, kind in zip(tails, kinds, strict=True)
    ]

    def write(first: int, batch: Any) -> memoryview:
        numbers = pc.cast(pa.array(range(first, first + batch.num_rows), pa.int64()), pa.string())
        prepared = [c.prepare(column) for c, column in zip(columns, batch.columns, strict=True)]
        # New texts in the order of their first cell, row by row, then left to right.
        pending = sorted(
            ((row, i, entry, make) for i, (_, todo) in enumerate(prepared) for row, entry, make in todo),
            key=lambda p: (p[0], p[1]),
        )
        for *_, make in pending:
            make()
        cells = [c.cells(indices) for c, (indices, _) in zip(columns, prepared, strict=True)]
        return _data_of(pc.binary_join_element_wise(*opening, *cells, numbers))

    return write


def _first_rows(indices: Any) -> tuple[list[int], list[int]]:
    """Each index present and the first row it is in: a stable sort, then each run's first."""
    valid = len(indices) - indices.null_count
    if not valid:
        return [], []
    order = pc.array_sort_indices(indices, null_placement="at_end").slice(0, valid)
    ordered = indices.take(order)
    starts = pa.concat_arrays([pa.array([True]), pc.not_equal(ordered.slice(1), ordered.slice(0, valid - 1))])
    return pc.filter(ordered, starts).to_pylist(), pc.filter(order, starts).to_pylist()


def _data_of(strings: Any) -> memoryview:
    """The values of an Arrow string array end to end: its data buffer, not copied."""
    offsets, data = strings.buffers()[1], strings.buffers()[2]
    bounds = memoryview(offsets).cast("i")
    start, end = bounds[strings.offset], bounds[strings.offset + len(strings)]
    return memoryview(data)[start:end] if data is not None else memoryview(b"")
