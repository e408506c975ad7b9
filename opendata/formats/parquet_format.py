"""Parquet with the column types of the Table Schema, and the schema and dataset metadata
in the file's key-value metadata (`frictionless:schema`, `opendata:metadata`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from itertools import islice
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from opendata.formats.spool import spooled
from opendata.formats.table import Table

ARROW_TYPES = {
    "integer": pa.int64(),
    "year": pa.int32(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}
ROW_GROUP = 65_536


def arrow_schema(table: Table) -> pa.Schema:
    metadata = {
        "frictionless:schema": json.dumps(table.schema, ensure_ascii=False),
        "opendata:metadata": json.dumps(asdict(table.metadata), ensure_ascii=False),
    }
    columns = [pa.field(f.name, ARROW_TYPES.get(f.type, pa.string())) for f in table.fields]
    return pa.schema(columns, metadata=metadata)


def write(table: Table) -> Iterator[bytes]:
    return spooled(lambda handle: _fill(table, handle))


def _fill(table: Table, handle: IO[bytes]) -> None:
    schema = arrow_schema(table)
    rows = iter(table.rows)
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        written = False
        while batch := list(islice(rows, ROW_GROUP)):
            columns = list(zip(*batch, strict=True))
            arrays = [_array(c, f.type) for c, f in zip(columns, schema, strict=True)]
            writer.write_table(pa.table(arrays, schema=schema))
            written = True
        if not written:  # a table of no rows still has its columns
            writer.write_table(schema.empty_table())


def _array(values: tuple, kind: pa.DataType) -> pa.Array:
    if pa.types.is_date32(kind):
        return pa.array(values, type=pa.string()).cast(kind)
    if pa.types.is_boolean(kind):
        return pa.array([None if v is None else bool(v) for v in values], type=kind)
    if pa.types.is_floating(kind):
        return pa.array([None if v is None else float(v) for v in values], type=kind)
    return pa.array(values, type=kind)
