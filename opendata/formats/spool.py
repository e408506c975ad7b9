"""Writers whose libraries finish a file before it can be read (a zip, a footer) write it
into an unnamed temporary file, then hand it on in chunks: memory stays constant."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO

CHUNK = 1 << 20


def spooled(fill: Callable[[IO[bytes]], None]) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as handle:
        fill(handle)
        handle.seek(0)
        yield from iter(lambda: handle.read(CHUNK), b"")
