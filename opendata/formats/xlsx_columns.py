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

from opendata.formats.arrow_cells import DistinctCells, joined_rows
from opendata.formats.xlsx_cells import SharedStrings, column_tails, is_text


def batch_writer(
    kinds: Sequence[str], shared: SharedStrings | None = None
) -> Callable[[int, Any], bytes | memoryview]:
    """A function writing the `<row>` elements of an Arrow batch, numbered from `first`, as
    rows_writer(kinds, shared) writes the same rows: UTF-8 bytes (the join's own buffer)."""
    tails, opening = column_tails(kinds, shared)
    columns = [
        DistinctCells(tail.__getitem__, shared is not None and is_text(kind))
        for tail, kind in zip(tails, kinds, strict=True)
    ]

    def write(first: int, batch: Any) -> bytes | memoryview:
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
        return joined_rows([*opening, *cells], numbers)

    return write
