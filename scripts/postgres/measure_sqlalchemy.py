"""Does SQLAlchemy Core cost the PostgreSQL store speed? The figures behind the README's answer.

Runs the store's three hot queries (first page, filtered page with its count, a keyset page
sorted on a field) over a 200,000-row table two ways: SQL text written as opendata's
PostgreSQL backend writes it, run by psycopg; and the same query built with SQLAlchemy Core
expressions on every call (as a backend shared by two dialects would), run by SQLAlchemy's
psycopg dialect. Both use one pooled connection and fetch every row; the median time per
query and the overhead are printed.

SQLAlchemy is not a dependency of the project; this script needs it installed next to psycopg
(`pip install sqlalchemy 'psycopg[binary]'`). Usage:

    python scripts/postgres/measure_sqlalchemy.py postgresql://user:pw@127.0.0.1:5432/db
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import psycopg

try:
    import sqlalchemy as sa
except ModuleNotFoundError:
    sys.exit("measure_sqlalchemy: needs SQLAlchemy (pip install sqlalchemy)")

ROWS = 200_000
CALLS = 2000
TABLE = "measure_sqlalchemy"


def setup(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"DROP TABLE IF EXISTS {TABLE}")
        c.execute(
            f'CREATE TABLE {TABLE} (_rowid bigint PRIMARY KEY, grp text COLLATE "C", amount numeric, '
            "fiscal_year bigint, label text)"
        )
        c.execute(
            f"INSERT INTO {TABLE} SELECT i, 'g' || (i % 50), (i % 997) * 1.5, 2015 + i % 8, 'label ' || i "
            f"FROM generate_series(1, {ROWS}) i"
        )
        for column in ("grp", "amount", "fiscal_year"):
            c.execute(f"CREATE INDEX ON {TABLE} ({column} NULLS FIRST, _rowid)")
        c.execute(f"ANALYZE {TABLE}")


def timed(call: Callable[[int], object]) -> float:
    for i in range(200):  # warm: plans prepared, caches filled
        call(i)
    times = []
    for i in range(CALLS):
        started = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def direct(url: str) -> dict[str, Callable[[int], object]]:
    connection = psycopg.connect(url, autocommit=True)
    names = ["grp", "amount", "fiscal_year", "label"]

    def columns() -> str:
        return ", ".join(f"t.{quote(n)}" for n in names)

    def first(_: int) -> object:
        sql = f"SELECT {columns()}, t._rowid FROM {TABLE} t WHERE TRUE ORDER BY _rowid ASC LIMIT %s"
        return connection.execute(sql, [101]).fetchall()

    def filtered(i: int) -> object:
        where = f"{quote('grp')} = %s"
        rows = connection.execute(
            f"SELECT {columns()}, t._rowid FROM {TABLE} t WHERE {where} ORDER BY _rowid ASC LIMIT %s",
            [f"g{i % 50}", 101],
        ).fetchall()
        count = connection.execute(f"SELECT count(*) FROM {TABLE} WHERE {where}", [f"g{i % 50}"]).fetchone()
        return rows, count

    def keyset(i: int) -> object:
        sql = (
            f"SELECT {columns()}, t.{quote('fiscal_year')}, t._rowid FROM {TABLE} t "
            f"WHERE TRUE AND ({quote('fiscal_year')}, _rowid) > (%s, %s) "
            f"ORDER BY {quote('fiscal_year')} ASC NULLS FIRST, _rowid ASC LIMIT %s"
        )
        return connection.execute(sql, [2018, 1000 + i, 101]).fetchall()

    return {"first page": first, "filtered page + count": filtered, "keyset page, sorted": keyset}


def core(url: str) -> dict[str, Callable[[int], object]]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), pool_size=1)
    connection = engine.connect()
    metadata = sa.MetaData()
    table = sa.Table(
        TABLE,
        metadata,
        sa.Column("_rowid", sa.BigInteger, primary_key=True),
        sa.Column("grp", sa.Text),
        sa.Column("amount", sa.Numeric),
        sa.Column("fiscal_year", sa.BigInteger),
        sa.Column("label", sa.Text),
    )
    shown = [table.c.grp, table.c.amount, table.c.fiscal_year, table.c.label]

    def first(_: int) -> object:
        query = sa.select(*shown, table.c._rowid).order_by(table.c._rowid.asc()).limit(101)
        return connection.execute(query).fetchall()

    def filtered(i: int) -> object:
        condition = table.c.grp == f"g{i % 50}"
        rows = connection.execute(
            sa.select(*shown, table.c._rowid).where(condition).order_by(table.c._rowid.asc()).limit(101)
        ).fetchall()
        count = connection.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar()
        return rows, count

    def keyset(i: int) -> object:
        after = sa.tuple_(table.c.fiscal_year, table.c._rowid) > sa.tuple_(2018, 1000 + i)
        query = (
            sa.select(*shown, table.c.fiscal_year, table.c._rowid)
            .where(after)
            .order_by(table.c.fiscal_year.asc().nulls_first(), table.c._rowid.asc())
            .limit(101)
        )
        return connection.execute(query).fetchall()

    return {"first page": first, "filtered page + count": filtered, "keyset page, sorted": keyset}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    url = sys.argv[1]
    setup(url)
    ours, theirs = direct(url), core(url)
    print(f"{'query':24} {'psycopg, SQL text':>18} {'SQLAlchemy Core':>16} {'overhead':>9}")
    for name in ours:
        a, b = timed(ours[name]), timed(theirs[name])
        print(f"{name:24} {a:15.0f} µs {b:13.0f} µs {100 * (b - a) / a:8.0f}%")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"DROP TABLE {TABLE}")


if __name__ == "__main__":
    main()
