"""Loading a release into PostgreSQL: a schema of its own, COPY, indexes, ANALYZE, one commit.

The whole release is written in one transaction: its schema, each table filled with COPY,
an index per field, the facts `info` reads, the row counts of the categorical fields and
their pairs (opendata.storage.counts), and ANALYZE. Until the commit nobody else can
see any of it, and an interrupted load leaves nothing behind; the release is then made
current by the publish pipeline, after the commit, so a reader never meets a half-loaded one.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import orjson
import psycopg

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import PackageError
from opendata.storage import counts
from opendata.storage.base import ROW_POSITION
from opendata.storage.postgresql.queries import (
    INFO_TABLE,
    MAX_IDENTIFIER,
    TEXT,
    column_type,
    count_text,
    quote,
    schema_name,
    table,
)

# Bumped whenever a release's tables are laid out differently, so that a schema written by an
# earlier version of this loader is rebuilt rather than kept (see build_release).
# 2: the counts table (opendata.storage.counts) and _tables.counted.
STORE_FORMAT = 2
TRUES = frozenset({"true", "True", "TRUE", "1", "yes"})
TALLY_BATCH = 10_000  # rows handed to the tally at a time (it groups them in larger batches)
INDEX_MAX_BYTES = 2000  # the longest text indexed, safely under B-tree's entry limit (2,704)


class NumberColumn:
    """Converts a number field's CSV text by the SQLite backend's rule, and notes whether
    PostgreSQL's own text of every value is the JSON orjson writes for it (then the database
    may write the rows' JSON).

    7 stays an integer and 85.0 a float; a float goes to `numeric` as the decimal digits of
    its shortest form with at least one decimal place, so it comes back the same float (and
    still a float: 1e16 as 10000000000000000.0). NaN is stored as null, as SQLite does.
    numeric has no negative zero: the rows holding -0.0 are noted, so that a column of
    floats only can become double precision, which has one (see `_keep_negative_zeros`).
    """

    def __init__(self) -> None:
        self.exact = True
        self.integers = False
        self.row = 0
        self.negative_zeros: list[int] = []

    def __call__(self, text: str) -> str | int | None:
        self.row += 1
        if text == "":
            return None
        if text.lstrip("-").isdigit():
            self.integers = True
            return int(text)
        value = float(text)
        if math.isnan(value):
            return None
        if math.isinf(value):
            self.exact = False
            return "Infinity" if value > 0 else "-Infinity"
        shortest = repr(value)
        if value == 0 and math.copysign(1, value) < 0:
            self.exact = False
            self.negative_zeros.append(self.row)
            return "0.0"
        if "e" in shortest:
            self.exact = False  # numeric writes the digits out
            shortest = format(Decimal(shortest), "f")
            return shortest if "." in shortest else shortest + ".0"
        if self.exact and orjson.dumps(value) != shortest.encode():
            self.exact = False
        return shortest


class TextColumn:
    """Text as it is (empty is null), noting the longest value in characters."""

    def __init__(self) -> None:
        self.longest = 0

    def __call__(self, text: str) -> str | None:
        if text == "":
            return None
        self.longest = max(self.longest, len(text))
        return text


def _converter(field: Field) -> Callable[[str], Any]:
    if field.type in ("integer", "year"):
        return lambda v: int(v) if v != "" else None
    if field.type == "number":
        return NumberColumn()
    if field.type == "boolean":
        return lambda v: (v in TRUES) if v != "" else None
    return TextColumn()


def check_names(resource: Resource) -> None:
    """Refuse names PostgreSQL would cut or that clash with the row position column."""
    for name in [resource.name, *resource.field_names]:
        if len(name.encode()) > MAX_IDENTIFIER:
            raise PackageError(
                f"{resource.name}: name {name!r} is longer than {MAX_IDENTIFIER} bytes, "
                "which PostgreSQL cannot hold"
            )
    if ROW_POSITION in resource.field_names or resource.name in (INFO_TABLE, counts.COUNTS_TABLE):
        raise PackageError(f"{resource.name}: the name {ROW_POSITION!r} is reserved by the query store")


def build_release(connection: psycopg.Connection, package: Package) -> None:
    """Write `package` into its own schema and commit.

    A release is named by the digest of everything it holds, and a schema is only ever seen
    whole (it is committed once, complete), so one already marked with this digest and this
    loader's format holds these very rows: it is kept, not rebuilt under its readers.
    Anything else of that name (an older format) is dropped first.
    """
    for resource in package.resources:
        check_names(resource)
    schema = quote(schema_name(package))
    mark = f"opendata release {package.digest} format {STORE_FORMAT}"
    with connection.transaction():
        if _mark_of(connection, package) == mark:
            return
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE", [])
        connection.execute(f"CREATE SCHEMA {schema}", [])
        connection.execute(f"COMMENT ON SCHEMA {schema} IS {_literal(mark)}", [])
        connection.execute(
            f"CREATE TABLE {schema}.{INFO_TABLE} (name text PRIMARY KEY, row_count bigint, "
            "nullable text[], inexact text[], counted text)",
            [],
        )
        # Values as queries.count_text writes them, for the build and for a filter alike;
        # compared byte-wise, as the columns are.
        connection.execute(
            f"CREATE TABLE {schema}.{counts.COUNTS_TABLE} (key integer, value_a {TEXT}, value_b {TEXT}, "
            "n bigint, PRIMARY KEY (key, value_a, value_b))",
            [],
        )
        keys = itertools.count(1)
        for resource in package.resources:
            _load(connection, package, resource, keys)
        connection.execute(f"ANALYZE {schema}.{INFO_TABLE}", [])
        connection.execute(f"ANALYZE {schema}.{counts.COUNTS_TABLE}", [])


def _mark_of(connection: psycopg.Connection, package: Package) -> str | None:
    found = connection.execute(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
        [schema_name(package)],
    ).fetchone()
    return found[0] if found else None


def _literal(text: str) -> str:
    """An SQL string literal (COMMENT takes no parameter); the text is ours, not a request's."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _load(connection: psycopg.Connection, package: Package, resource: Resource, keys: Iterator[int]) -> None:
    target = table(package, resource)
    names = list(resource.field_names)
    columns = ", ".join(f"{quote(f.name)} {column_type(f)}" for f in resource.fields)
    connection.execute(f"CREATE TABLE {target} ({ROW_POSITION} bigint PRIMARY KEY, {columns})", [])
    converters = [_converter(f) for f in resource.fields]
    tally = counts.Tally.of(resource.fields)
    targets = ", ".join([ROW_POSITION, *(quote(n) for n in names)])
    count = 0
    with resource.path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        positions = [header.index(n) for n in names]
        pairs = list(zip(converters, positions, strict=True))
        try:
            # COPY is sent without parameters (psycopg reads no placeholders in it), so the
            # names' `%%` (see quote) go back to `%` here.
            statement = f"COPY {target} ({targets}) FROM STDIN".replace("%%", "%")
            with connection.cursor().copy(statement) as copy:
                batch: list[list[Any]] = []
                for count, record in enumerate(reader, start=1):
                    row = [convert(record[i]) for convert, i in pairs]
                    copy.write_row([count, *row])
                    batch.append(row)
                    if len(batch) >= TALLY_BATCH:
                        tally.add(batch)
                        batch.clear()
                tally.add(batch)
        except psycopg.DataError as error:  # e.g. a NUL character, which PostgreSQL text cannot hold
            raise PackageError(f"{resource.name}: row {count}: {error}") from None
    for field, convert in zip(resource.fields, converters, strict=True):
        if isinstance(convert, NumberColumn):
            _keep_negative_zeros(connection, target, field.name, convert)
    for name, convert in zip(names, converters, strict=True):
        if isinstance(convert, TextColumn) and _too_long_to_index(connection, target, name, convert):
            continue  # still filtered and sorted, by a scan
        # NULLS FIRST: read forwards the index gives the ascending order (nulls first), read
        # backwards the descending one (nulls last); the row position makes keyset pages exact.
        # fillfactor 100: a release is never written again, so no room is left for updates.
        connection.execute(
            f"CREATE INDEX ON {target} ({quote(name)} NULLS FIRST, {ROW_POSITION}) WITH (fillfactor = 100)",
            [],
        )
    connection.execute(f"ANALYZE {target}", [])
    nullable = [n for n in names if connection.execute(_any_null(target, n), []).fetchone()]
    inexact = [
        f.name
        for f, convert in zip(resource.fields, converters, strict=True)
        if isinstance(convert, NumberColumn) and not convert.exact
    ]
    counted, counted_rows = tally.finish(count, keys)
    fields = {f.name: f for f in resource.fields}
    statement = f"COPY {quote(schema_name(package))}.{counts.COUNTS_TABLE} FROM STDIN".replace("%%", "%")
    with connection.cursor().copy(statement) as copy:
        for c in counted_rows:
            # Each value as count_text writes it, which is how a filter's value is looked up.
            second = counts.ALONE if c.field_b is None else count_text(fields[c.field_b], c.value_b)
            copy.write_row([c.key, count_text(fields[c.field_a], c.value_a), second, c.n])
    connection.execute(
        f"INSERT INTO {quote(schema_name(package))}.{INFO_TABLE} VALUES (%s, %s, %s, %s, %s)",
        [resource.name, count, nullable, inexact, counted.to_json()],
    )


def _keep_negative_zeros(
    connection: psycopg.Connection, target: str, name: str, column: NumberColumn
) -> None:
    """A column of floats holding -0.0 becomes double precision, which keeps the sign (and
    every float exactly); with integers too it stays numeric, the integers' form mattering
    more than the sign of a zero."""
    if not column.negative_zeros or column.integers:
        return
    connection.execute(f"ALTER TABLE {target} ALTER COLUMN {quote(name)} TYPE double precision", [])
    connection.execute(
        f"UPDATE {target} SET {quote(name)} = '-0'::float8 WHERE {ROW_POSITION} = ANY(%s)",
        [column.negative_zeros],
    )


def _too_long_to_index(connection: psycopg.Connection, target: str, name: str, column: TextColumn) -> bool:
    """True when a value is too long for a B-tree entry (PostgreSQL refuses one over about
    2,700 bytes, where SQLite has no such limit); counted in bytes only when it may be."""
    if column.longest * 4 <= INDEX_MAX_BYTES:  # UTF-8 takes at most 4 bytes a character
        return False
    found = connection.execute(f"SELECT max(octet_length({quote(name)})) FROM {target}", []).fetchone()
    return found is not None and found[0] is not None and found[0] > INDEX_MAX_BYTES


def _any_null(target: str, name: str) -> str:
    return f"SELECT 1 FROM {target} WHERE {quote(name)} IS NULL LIMIT 1"


def drop_release(connection: psycopg.Connection, package: Package) -> None:
    connection.execute(f"DROP SCHEMA IF EXISTS {quote(schema_name(package))} CASCADE", [])
