"""The PostgreSQL table store (DATABASE_URL=postgresql://...); see store.py."""

from __future__ import annotations

import threading
from typing import Any

from opendata.storage.postgresql.store import PostgresStore

_stores: dict[tuple[Any, ...], PostgresStore] = {}
_lock = threading.Lock()


def open_store(url: str, settings: dict[str, Any]) -> PostgresStore:
    """The store for `url` under `settings`' limits, one per process and set of limits.

    Every DataService and every publish of a process asking alike shares the store, and so
    its pool: the connections a process holds stay within DATABASE_POOL_SIZE per set of
    limits, however many apps or publishes it runs.
    """
    key = (
        url,
        int(settings["QUERY_TIME_LIMIT"]),
        int(settings["QUERY_RETRY_AFTER"]),
        int(settings["DATABASE_POOL_SIZE"]),
        float(settings["DATABASE_POOL_TIMEOUT"]),
    )
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = PostgresStore(
                url, time_limit_ms=key[1], retry_after=key[2], pool_size=key[3], pool_timeout=key[4]
            )
        return store


def close_all() -> None:
    """Close every store's connections (a test dropping its database; a process ending)."""
    with _lock:
        for store in _stores.values():
            store.close()


__all__ = ["PostgresStore", "close_all", "open_store"]
