"""A response's header sent in one write with its first body bytes, not on its own.

gunicorn writes a response's header, then its body, in two writes. A node that dies between
them (a crash, SIGKILL, the OOM killer) leaves nginx holding a header it has already passed
on to the client, so the request cannot be retried on another node and the client gets a
cut-off response. Written together, a response smaller than the socket's buffer is in the
kernel whole or not at all: if the process dies after the write the kernel still delivers
it, and if before, nginx has nothing yet and retries on the next node
(`proxy_next_upstream`). A long response (a streamed export) can still be cut by a crash
part way, as with any server.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any


class HeldHeader:
    """The client socket, holding back its first write (gunicorn's header block) until the
    next one, and sending both in one `sendall`. Anything else asked of the socket (sendfile,
    shutdown, close …) sends what is held first."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._first = True
        self._held: bytes | None = None

    def sendall(self, data: Any, *flags: int) -> None:
        if self._first:
            self._first = False
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        self._sock.sendall(data, *flags)

    def flush(self) -> None:
        """Send what is held (a response with no body: its header alone)."""
        if self._held is not None:
            held, self._held = self._held, None
            self._sock.sendall(held)

    def flush_quietly(self) -> None:
        """The same, when a client already gone is no error (gunicorn ignores EPIPE too)."""
        with contextlib.suppress(OSError):
            self.flush()

    def __getattr__(self, name: str) -> Any:
        self.flush()
        return getattr(self._sock, name)
