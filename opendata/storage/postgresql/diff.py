"""Row changes between two releases in PostgreSQL (opendata.storage.changes, in PostgreSQL).

Both releases live in the same database, so one transaction compares them; the temporary
tables are dropped at its commit. Values compare as PostgreSQL compares them (7 = 7.0 in
numeric, as in SQLite), null equal to null.
"""

from __future__ import annotations

from typing import Any

import psycopg

from opendata.catalog.models import Package
from opendata.errors import PackageError
from opendata.storage.changes import SetDifference
from opendata.storage.postgresql.queries import quote, table


class Changes(SetDifference):
    SAME = "IS NOT DISTINCT FROM"

    def __init__(
        self,
        connection: psycopg.Connection,
        old: Package,
        new: Package,
        resource: str,
        key: list[str],
        compared: list[str],
    ) -> None:
        self.connection = connection
        old_resource, new_resource = old.resource(resource), new.resource(resource)
        if old_resource is None or new_resource is None:
            raise PackageError(f"resource {resource!r} is not in both releases")
        tables = {"old": table(old, resource), "new": table(new, resource)}
        super().__init__(tables, old_resource, new_resource, key, compared)

    def quote(self, identifier: str) -> str:
        return quote(identifier)

    def keep(self, name: str, select: str) -> None:
        self.run(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}")

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql, [])
        return cursor.fetchall() if cursor.description else []

    def raw(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Booleans as 0/1, as the SQLite backend gives its raw values."""
        return tuple(int(v) if isinstance(v, bool) else v for v in values)
