"""NDJSON: one JSON object per line, so a client can read a table of any size line by line.

From a release's Arrow columns (Table.batches) each column's distinct values are written once,
`"name":value` as orjson writes them in an object, and Arrow lays the lines out
(opendata.formats.arrow_cells): the same bytes as the objects written row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson

from opendata.formats.arrow_cells import DistinctCells, identity, joined_rows
from opendata.formats.json_format import BATCH, objects
from opendata.formats.table import Table, cell


def write(table: Table) -> Iterator[bytes]:
    if table.batches is not None and table.fields:
        yield from _from_columns(table)
        return
    pending: list[bytes] = []
    for line in objects(table):
        pending.append(line)
        if len(pending) >= BATCH:
            yield b"\n".join(pending) + b"\n"
            pending = []
    if pending:
        yield b"\n".join(pending) + b"\n"


def _from_columns(table: Table) -> Iterator[bytes]:
    assert table.batches is not None
    columns: list[DistinctCells] = []
    for batch in table.batches:
        if not batch.num_rows:
            continue
        if not columns:
            columns = _columns(table, identity(batch))
        cells = [c.cells(c.prepare(column)[0]) for c, column in zip(columns, batch.columns, strict=True)]
        yield bytes(joined_rows(cells, ","))


def _columns(table: Table, published: bytes | None) -> list[DistinctCells]:
    last = len(table.fields) - 1
    made = []
    for i, field_ in enumerate(table.fields):
        start = ("{" if i == 0 else "") + orjson.dumps(field_.name).decode() + ":"
        end = "}\n" if i == last else ""
        memo = (
            None if published is None else ("ndjson", published, field_.name, field_.type, i == 0, i == last)
        )
        made.append(DistinctCells(_member(field_.type, start, end), memo=memo))
    return made


def _member(kind: str, start: str, end: str) -> Callable[[Any], str]:
    """A value as `"name":value` in its row's object, as orjson writes the whole object."""
    return lambda value: (
        start + orjson.dumps(cell("boolean", value) if kind == "boolean" else value).decode() + end
    )
