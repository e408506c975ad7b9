"""JSON: one object, the column names and the rows as objects, written a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from opendata.formats.table import Table, cell

BATCH = 2000


def objects(table: Table) -> Iterator[bytes]:
    """Each row as one JSON object (UTF-8): booleans as true/false, numbers as stored."""
    names = table.names
    booleans = [i for i, f in enumerate(table.fields) if f.type == "boolean"]
    for record in table.rows:
        values = list(record)
        for i in booleans:
            values[i] = cell("boolean", values[i])
        yield orjson.dumps(dict(zip(names, values, strict=True)))


def write(table: Table) -> Iterator[bytes]:
    yield b'{"fields":' + orjson.dumps(table.names) + b',"rows":['
    pending: list[bytes] = []
    first = True
    for line in objects(table):
        pending.append(line)
        if len(pending) >= BATCH:
            yield (b"" if first else b",") + b",".join(pending)
            pending, first = [], False
    if pending:
        yield (b"" if first else b",") + b",".join(pending)
    yield b"]}"
