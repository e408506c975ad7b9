"""A response's header leaves in one write with its first body bytes (tests/test_cluster.py
kills a node under load through nginx; this is the write that makes that safe)."""

from __future__ import annotations

import socket

import pytest
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

from opendata.held_header import HeldHeader
from opendata.request_targets import SyncWorker

HEADER = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    yield HeldHeader(ours), theirs
    ours.close()
    theirs.close()


def _waiting(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


def test_the_header_waits_for_the_first_body_bytes_and_leaves_with_them(pair):
    held, peer = pair
    held.sendall(HEADER)
    assert _waiting(peer) == b""  # nothing on the wire: a crash now loses nothing half-sent
    held.sendall(b"hello")
    assert _waiting(peer) == HEADER + b"hello"  # one write, one read
    held.sendall(b" more")
    assert _waiting(peer) == b" more"


@pytest.mark.parametrize("then", ["flush", "fileno", "shutdown"])
def test_anything_else_asked_of_the_socket_sends_the_header_first(pair, then):
    held, peer = pair
    held.sendall(HEADER)
    if then == "shutdown":
        held.shutdown(socket.SHUT_WR)
    else:
        getattr(held, then)()
    assert _waiting(peer) == HEADER


def test_the_services_worker_hands_gunicorn_the_held_socket_and_sends_what_is_left(monkeypatch):
    seen = []

    def respond(self, listener, req, client, addr):  # gunicorn writing a header-only answer
        seen.append(client)
        client.sendall(HEADER)

    monkeypatch.setattr(GunicornSyncWorker, "handle_request", respond)
    sender, receiver = socket.socketpair()
    receiver.setblocking(False)
    SyncWorker.handle_request(object.__new__(SyncWorker), None, None, sender, None)
    assert isinstance(seen[0], HeldHeader)
    assert _waiting(receiver) == HEADER  # flushed when the request ended
    sender.close()
    receiver.close()
