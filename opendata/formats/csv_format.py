"""CSV in every flavour, through the cell codec of opendata.exports.csv_export (the one place
that quotes, encodes and neutralises formulas)."""

from __future__ import annotations

from collections.abc import Iterator

from opendata.exports.csv_export import CsvFormat, csv_chunks
from opendata.formats.table import Table


def write(table: Table, flavour: CsvFormat | None = None) -> Iterator[bytes]:
    return csv_chunks(table.codec_resource, table.names, table.rows, flavour or CsvFormat())
