"""The one in-process cache of answers: a release never changes, so nothing in it goes stale.

Keys start with the release digest, so a new release is never answered from an old one's
entries; those age out, least recently used first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any


class BoundedCache:
    """At most `size` answers weighing at most `max_weight` in all (rows, bytes), least recently
    used out first, so a few huge answers cannot fill memory. An answer heavier than the whole
    bound is not kept (and pushes nothing out)."""

    def __init__(self, size: int, max_weight: int) -> None:
        self.size, self.max_weight = size, max_weight
        self.weight = 0
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()

    def get(self, key: tuple) -> Any:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: tuple, value: Any, weight: int = 1) -> Any:
        if weight > self.max_weight or self.size < 1:
            return value
        if key in self._items:
            self.weight -= self._items.pop(key)[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while self._items and (len(self._items) > self.size or self.weight > self.max_weight):
            self.weight -= self._items.popitem(last=False)[1][1]
        return value

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[tuple]:
        return iter(list(self._items))


class ExportCache:
    """Whole streamed exports (a filtered CSV, an XLSX of a query), kept by their strong ETag.

    The same ETag is the same bytes (it names the release, the path and the query), so an
    export asked for again is sent from memory. An export is kept only once every chunk has
    been sent, so one whose client went away mid-stream is never kept half-written, and only
    when it weighs at most an eighth of the whole bound: many small exports fit, and a large
    one streams as before without pushing them out.
    """

    def __init__(self, max_bytes: int) -> None:
        self.entries = BoundedCache(max_bytes, max_bytes)
        self.max_entry = max_bytes // 8

    def get(self, etag: str) -> bytes | None:
        return self.entries.get((etag,))

    def keep(self, etag: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """`chunks` passed on as they come, and kept under `etag` once the last has gone."""
        if self.max_entry < 1:
            yield from chunks
            return
        parts: list[bytes] | None = []
        size = 0
        for chunk in chunks:
            yield chunk
            if parts is not None:
                size += len(chunk)
                if size > self.max_entry:
                    parts = None  # too large to keep: sent, and forgotten as it goes
                else:
                    parts.append(chunk)
        if parts is not None:
            self.entries.put((etag,), b"".join(parts), size)
