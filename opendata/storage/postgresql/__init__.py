"""The PostgreSQL table store (OPENDATA_DATABASE_URL=postgresql://...); see store.py."""

from opendata.storage.postgresql.store import PostgresStore

__all__ = ["PostgresStore"]
