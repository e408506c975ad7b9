"""Arrow columns for the columnar formats: the Table Schema's types, the schema and the
dataset's metadata as key-value metadata, and the rows in batches of Arrow record batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from itertools import islice

import pyarrow as pa
import pyarrow.compute as pc

from opendata.formats.table import Table

ARROW_TYPES = {
    "integer": pa.int64(),
    "year": pa.int32(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}
BATCH_ROWS = 65_536


def arrow_schema(table: Table) -> pa.Schema:
    metadata = {
        "frictionless:schema": json.dumps(table.schema, ensure_ascii=False),
        "opendata:metadata": json.dumps(asdict(table.metadata), ensure_ascii=False),
    }
    columns = [pa.field(f.name, ARROW_TYPES.get(f.type, pa.string())) for f in table.fields]
    return pa.schema(columns, metadata=metadata)


def batches(table: Table, schema: pa.Schema) -> Iterator[pa.Table]:
    """The rows as Arrow tables of up to BATCH_ROWS rows; one empty table when there are none."""
    if table.batches is not None:
        yield from _cast(table.batches, schema)
        return
    rows = iter(table.rows)
    written = False
    while batch := list(islice(rows, BATCH_ROWS)):
        columns = list(zip(*batch, strict=True))
        yield pa.table([_array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
        written = True
    if not written:  # a table of no rows still has its columns
        yield schema.empty_table()


def _array(values: tuple, kind: pa.DataType) -> pa.Array:
    if pa.types.is_date32(kind):
        return pa.array(values, type=pa.string()).cast(kind)
    if pa.types.is_boolean(kind):
        return pa.array([None if v is None else bool(v) for v in values], type=kind)
    if pa.types.is_floating(kind):
        return pa.array([None if v is None else float(v) for v in values], type=kind)
    return pa.array(values, type=kind)


def _cast(taken: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.Table]:
    """Batches of stored values (opendata.storage.columns) as the tables `batches` makes of the
    same rows: BATCH_ROWS rows each, every column cast as `_array` converts its values."""
    pending: list[pa.RecordBatch] = []
    size = 0
    written = False
    for batch in taken:
        pending.append(batch)
        size += batch.num_rows
        while size >= BATCH_ROWS:
            joined = pa.Table.from_batches(pending)
            yield _typed(joined.slice(0, BATCH_ROWS), schema)
            rest = joined.slice(BATCH_ROWS)
            pending, size = rest.to_batches(), rest.num_rows
            written = True
    if size:
        yield _typed(pa.Table.from_batches(pending), schema)
    elif not written:  # a table of no rows still has its columns
        yield schema.empty_table()


def _typed(stored: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for column, target in zip(stored.columns, schema, strict=True):
        values = column.combine_chunks()
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if pa.types.is_boolean(target.type) and not pa.types.is_boolean(values.type):
            values = pc.not_equal(values, 0)  # stored 0/1, as bool() reads it
        columns.append(values.cast(target.type, safe=False))  # a huge integer rounds as float() does
    return pa.table(columns, schema=schema)
