"""The embedded SQLite backend (the default): one read-only file per release."""

from opendata.storage.sqlite.store import STORE_FILE, SqliteStore

__all__ = ["STORE_FILE", "SqliteStore"]
