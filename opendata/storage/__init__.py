"""Table stores: the TableStore protocol (base) and its backends. All SQL lives here.

`open_store(settings)` picks the backend from DATABASE_URL: empty is the embedded SQLite
store (one file per release, nothing to run); a postgresql:// URL is PostgreSQL.
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import urlsplit

from opendata.errors import PackageError
from opendata.storage.base import TableStore

POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def open_store(settings: dict[str, Any]) -> TableStore:
    """The table store DATABASE_URL names, with the request time limit of `settings`."""
    url = str(settings.get("DATABASE_URL") or "")
    time_limit, retry_after = settings["QUERY_TIME_LIMIT"], settings["QUERY_RETRY_AFTER"]
    if not url:
        from opendata.storage.sqlite import SqliteStore

        return SqliteStore(time_limit, retry_after)
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme not in POSTGRESQL_SCHEMES:
        named = f"{scheme}://" if scheme else "a URL without a scheme"
        raise PackageError(f"DATABASE_URL: {named} names no backend; leave it empty or use postgresql://")
    try:
        module = importlib.import_module("opendata.storage.postgresql")
    except ModuleNotFoundError as exc:
        if exc.name not in ("opendata.storage.postgresql", *_driver_modules()):
            raise
        raise PackageError(
            f"DATABASE_URL: the PostgreSQL backend is not available here ({exc.name} is missing)"
        ) from None
    return module.open_store(url, settings)


def publishing_store(settings: dict[str, Any]) -> TableStore:
    """The store `opendata publish` builds into and reads back while writing downloads:
    build-time queries have no request time limit."""
    return open_store({**settings, "QUERY_TIME_LIMIT": 0})


def _driver_modules() -> tuple[str, ...]:
    return ("psycopg", "psycopg_pool")


__all__ = ["TableStore", "open_store", "publishing_store"]
