"""Parquet with the column types of the Table Schema, and the schema and dataset metadata
in the file's key-value metadata (`frictionless:schema`, `opendata:metadata`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import pyarrow.parquet as pq

from opendata.formats.columnar import arrow_schema, batches
from opendata.formats.spool import spooled
from opendata.formats.table import Table


def write(table: Table) -> Iterator[bytes]:
    return spooled(lambda handle: _fill(table, handle))


def _fill(table: Table, handle: IO[bytes]) -> None:
    schema = arrow_schema(table)
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        for batch in batches(table, schema):  # one row group per batch
            writer.write_table(batch)
