"""Row queries (parsed by opendata.query.params) as keyset pages over a table store.

What does not depend on the backend lives here, so every backend shares it: filtered counts
and recently served JSON pages cached per release (a release never changes, so neither goes
stale), and cursors signed and checked before a backend sees their values.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from opendata.catalog.models import Package, Resource
from opendata.query.caches import BoundedCache
from opendata.query.cursors import Cursors
from opendata.query.params import RowQuery
from opendata.storage import columns
from opendata.storage.base import Page, TableStore, keyset

COLUMN_BATCH = 8192  # rows an export takes from the columns at once


class Engine:
    def __init__(
        self,
        store: TableStore,
        count_cache_size: int = 4096,
        cursor_secret: bytes = b"",
        page_cache_bytes: int = 0,
    ) -> None:
        self.store = store
        self.counts = BoundedCache(count_cache_size, count_cache_size)
        # JSON pages by query, weighed in bytes: a page asked for again (a dataset's first page,
        # a popular filter) then costs no query and no rendering.
        self.pages = BoundedCache(page_cache_bytes, page_cache_bytes)
        self.cursors = Cursors(cursor_secret)
        self.columns = columns.ColumnFiles()

    def count(self, package: Package, resource: Resource, query: RowQuery) -> int:
        if not query.filters:
            return self.store.info(package, resource).row_count
        key = (package.digest, resource.name, query.filter_key())
        total = self.counts.get(key)
        if total is None:
            with self.store.time_limit():
                total = self.store.count(package, resource, query)
            self.counts.put(key, total)
        return total

    def page(self, package: Package, resource: Resource, query: RowQuery, *, as_json: bool = False) -> Page:
        """One page of rows and the total; with `as_json`, the rows come as one JSON array (UTF-8)."""
        if not as_json or not self.pages.max_weight:
            return self._page(package, resource, query, as_json)
        key = (
            package.digest,
            resource.name,
            query.filter_key(),
            query.sort,
            query.fields,
            query.limit,
            query.cursor,
        )
        page = self.pages.get(key)
        if page is None:
            page = self._page(package, resource, query, as_json)
            self.pages.put(key, page, len(page.rows_json or b""))
        return page

    def _page(self, package: Package, resource: Resource, query: RowQuery, as_json: bool) -> Page:
        after = None
        if query.cursor:
            parts = keyset(resource, query, self.store.info(package, resource).nullable)
            kinds = [(p.kind, p.nullable) for p in parts]
            after = self.cursors.decode(resource, query, query.cursor, kinds)
        with self.store.time_limit():
            found = self.store.page(package, resource, query, after, as_json=as_json)
        next_cursor = None if found.next_key is None else self.cursors.encode(resource, query, found.next_key)
        total = self.count(package, resource, query)
        return Page(found.fields, found.rows, total, next_cursor, rows_json=found.rows_json)

    def iter_batches(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Every matching row in the query's order, as lists of up to `batch` tuples of its fields.

        The first batch is read before this returns, so a query over the time limit raises
        QueryTimeout while a response's status can still say so.
        """
        with self.store.time_limit():
            return self.store.iter_batches(package, resource, query, batch)

    def iter_columns(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = COLUMN_BATCH
    ) -> Iterator[Any] | None:
        """Every matching row in the query's order, as Arrow record batches of query.fields,
        taken from the release's columns; None when the release has none for this table (the
        caller reads rows with iter_batches instead).

        The positions are read before this returns, under the time limit, as iter_batches
        reads its first batch."""
        table = self.columns.table(columns.columns_path(package, resource))
        if table is None:
            return None
        with self.store.time_limit():
            positions = self.store.positions(package, resource, query)
        return columns.take(table, query.fields or resource.field_names, positions, batch)

    def iter_records(
        self, package: Package, resource: Resource, query: RowQuery, batch: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """Every matching row, as tuples in the query's field order (booleans as 0/1 or bool)."""
        return itertools.chain.from_iterable(self.iter_batches(package, resource, query, batch))
