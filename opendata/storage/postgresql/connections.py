"""Connections to PostgreSQL: one pool per worker process, its limits, and its failures as 503s.

The pool is opened on first use in each process (its threads and sockets must not cross a
gunicorn fork) and holds at most `size` connections. Every statement of a serving pool runs
under `statement_timeout`; a statement stopped by it is a QueryTimeout, and a database that
cannot be reached, or whose pool has no free connection within `pool_timeout`, is a
DatabaseUnavailable. Both are 503 problems with Retry-After.

Nothing needs restarting when the database comes back: a connection found broken is thrown
away by the pool, and a read that failed on one is run once more on a fresh connection
(reads are idempotent), so connections killed or lost to a restart cost no request an error;
after an outage, requests are answered again within seconds of the database accepting
connections (a failed connection attempt is given up soon, and the next request tries anew).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg.adapt import Loader

from opendata.errors import DatabaseUnavailable, QueryTimeout

T = TypeVar("T")
# The pool logs each failed connection attempt. Where logging is set up (the server's log),
# those records go there; a command line without it says its one line, not a warning each try.
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())


class NumberLoader(Loader):
    """numeric to the SQLite backend's values: int when written without a point, else float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data)
        if b"." in text or b"Inf" in text:
            return float(text)
        return int(text)


class JsonBytesLoader(Loader):
    """json as the UTF-8 bytes PostgreSQL wrote, to be joined into a response unparsed."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


def configure(connection: psycopg.Connection) -> None:
    connection.adapters.register_loader("numeric", NumberLoader)
    connection.adapters.register_loader("json", JsonBytesLoader)


# The planner's cost of a random page read against a sequential one (default 4, a spinning
# disk's). A published table is read from memory or SSD, where the two cost about the same;
# at 4 the planner pages `municipality_code=X&channel=Y` by scanning the primary key and
# filtering (25,000 rows, 4.8 ms at 10M rows) rather than by the municipality's index (600
# rows, 0.3 ms), measured on the 165 pairs of scripts/bench_scale.py. 1.1 is PostgreSQL's
# usual advice for SSDs.
RANDOM_PAGE_COST = 1.1


def session_options(time_limit_ms: int) -> str:
    """Settings sent with each connection request, so they cost no statement of their own:
    statement_timeout is the time limit (0: none), and the planner's random page cost."""
    return f"-c statement_timeout={int(time_limit_ms)} -c random_page_cost={RANDOM_PAGE_COST}"


class Database:
    """The pool of one process, and the translation of the driver's failures into Problems."""

    def __init__(
        self, url: str, *, time_limit_ms: int = 0, retry_after: int = 1, size: int = 4, timeout: float = 2.0
    ) -> None:
        self.url = url
        self.time_limit_ms = time_limit_ms
        self.retry_after = retry_after
        self.size = size
        self.timeout = timeout
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def pool(self) -> psycopg_pool.ConnectionPool:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = psycopg_pool.ConnectionPool(
                        self.url,
                        min_size=1,
                        max_size=self.size,
                        timeout=self.timeout,
                        kwargs={"autocommit": True, "options": session_options(self.time_limit_ms)},
                        configure=configure,
                        # Give up a failed connection attempt soon: the next request that
                        # needs one tries again at once, so a database back after an outage is
                        # used within seconds instead of after a backoff grown during it.
                        reconnect_timeout=max(self.timeout, 1.0),
                        open=False,
                        name=f"opendata-{os.getpid()}",
                    )
                    self._pool.open(wait=False)
                    self._pid = os.getpid()
        return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            self._pool = None

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """`work` on a pooled connection; run once more on a fresh one if the first was broken."""
        for attempt in (1, 2):
            used: psycopg.Connection | None = None
            try:
                with self.problems(retry=True), self.pool().connection() as used:
                    return work(used)
            except _Broken:
                if attempt == 2 or used is None or not used.broken:
                    raise self.unavailable() from None
                self._drop_broken()
        raise AssertionError("unreachable")

    def _drop_broken(self) -> None:
        """One connection was lost, so the others idle in the pool likely were too (a restart
        of the server): test them all now, rather than fail one request for each."""
        with contextlib.suppress(psycopg.Error, psycopg_pool.PoolTimeout):
            self.pool().check()

    def stream(
        self, sql: str, params: Sequence[Any], batch: int
    ) -> tuple[contextlib.ExitStack, psycopg.Cursor, list[tuple[Any, ...]]]:
        """A server-side cursor over `sql` and its first `batch` rows; closing the stack ends
        the transaction and gives the connection back (a broken one is replaced once, as run)."""
        for attempt in (1, 2):
            held = contextlib.ExitStack()
            used: psycopg.Connection | None = None
            try:
                with self.problems(retry=True):
                    used = held.enter_context(self.pool().connection())
                    held.enter_context(used.transaction())
                    cursor = held.enter_context(used.cursor(name="rows"))
                    cursor.execute(sql, params)
                    return held, cursor, cursor.fetchmany(batch)
            except _Broken:
                held.close()
                if attempt == 2 or used is None or not used.broken:
                    raise self.unavailable() from None
                self._drop_broken()
            except BaseException:
                held.close()
                raise
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def problems(self, retry: bool = False) -> Iterator[None]:
        """The driver's failures as Problems (with `retry`, a lost connection as _Broken)."""
        try:
            yield
        except psycopg.errors.QueryCanceled:
            raise self.timed_out() from None
        except psycopg_pool.PoolTimeout:
            raise self.unavailable() from None
        except psycopg.OperationalError:
            if retry:
                raise _Broken() from None
            raise self.unavailable() from None

    def timed_out(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query took longer than {self.time_limit_ms} ms and was stopped; "
            "narrow the filters or try again later",
            retry_after=self.retry_after,
        )

    def unavailable(self) -> DatabaseUnavailable:
        # The driver's own message names hosts and ports: it is not the client's business.
        return DatabaseUnavailable(
            "the database cannot be reached or is busy; try again later", retry_after=self.retry_after
        )


class _Broken(Exception):
    """A statement failed because its connection was lost (run() then tries a fresh one)."""
