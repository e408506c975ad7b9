"""Arrow IPC stream: the columns typed as for Parquet, read straight into pandas, polars,
R's arrow or DuckDB without parsing (and with no footer, so a reader can start at once)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import pyarrow as pa

from opendata.formats.columnar import arrow_schema, batches
from opendata.formats.spool import spooled
from opendata.formats.table import Table


def write(table: Table) -> Iterator[bytes]:
    return spooled(lambda handle: _fill(table, handle))


def _fill(table: Table, handle: IO[bytes]) -> None:
    schema = arrow_schema(table)
    with pa.ipc.new_stream(handle, schema) as writer:
        for batch in batches(table, schema):
            writer.write_table(batch)
