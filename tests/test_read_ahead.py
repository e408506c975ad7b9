"""Items made on a second thread: in order, errors raised where they happen, closed when left."""

from __future__ import annotations

import threading
import time

import pytest

from opendata.formats.ahead import read_ahead


def test_items_come_in_their_order_made_on_another_thread():
    makers = []

    def items():
        for i in range(1000):
            makers.append(threading.current_thread())
            yield i

    assert list(read_ahead(items())) == list(range(1000))
    assert makers and all(t is not threading.current_thread() for t in makers)


def test_an_error_making_an_item_is_raised_where_that_item_would_have_come():
    def items():
        yield 1
        yield 2
        raise ValueError("row 3 unreadable")

    seen = []
    with pytest.raises(ValueError, match="row 3 unreadable"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_thread_and_closes_the_items():
    made, closed = [], threading.Event()

    def items():
        try:
            for i in range(10_000):
                made.append(i)
                yield i
        finally:
            closed.set()

    ahead = read_ahead(items(), depth=2)
    assert next(ahead) == 0
    time.sleep(0.3)  # the thread fills the queue, then waits
    assert len(made) <= 1 + 2 + 1  # the one taken, the queue's two, the one being offered
    ahead.close()
    assert closed.is_set()
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
