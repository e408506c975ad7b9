"""NDJSON: one JSON object per line, so a client can read a table of any size line by line."""

from __future__ import annotations

from collections.abc import Iterator

from opendata.formats.json_format import BATCH, objects
from opendata.formats.table import Table


def write(table: Table) -> Iterator[bytes]:
    pending: list[bytes] = []
    for line in objects(table):
        pending.append(line)
        if len(pending) >= BATCH:
            yield b"\n".join(pending) + b"\n"
            pending = []
    if pending:
        yield b"\n".join(pending) + b"\n"
