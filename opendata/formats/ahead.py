"""Items produced on a second thread, a few ahead of the one consuming them.

For a writer whose own work releases the GIL: while this thread deflates a block of an XLSX
sheet (zlib lets go of the GIL), the other reads the next rows and writes their XML, so the
two overlap on a second core instead of taking turns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
DEPTH = 4  # items made ahead at most: memory stays a few blocks
_END = object()
_POLL = 0.1  # seconds between a blocked producer's looks at whether it should stop


def read_ahead(items: Iterable[T], depth: int = DEPTH) -> Iterator[T]:
    """`items` in their order, made by a thread at most `depth` ahead of the caller.

    An exception raised making them is raised here, where the next item would have come.
    Closing this iterator early (a client gone mid-download) stops the thread, which closes
    `items` before it ends, so a database cursor is never left open."""
    handoff: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def offer(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        failure: BaseException | None = None
        try:
            for item in source:
                if not offer((item, None)):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            failure = error
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        offer((_END, failure))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, failure = handoff.get()
            if item is _END:
                if failure is not None:
                    raise failure
                return
            yield item
    finally:
        stop.set()
        thread.join()
