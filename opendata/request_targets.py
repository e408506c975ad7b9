"""Request lines with raw (unencoded) UTF-8, as curl sends `?q=ひきこもり` typed in a shell.

RFC 9112 asks for a request target of printable ASCII, and gunicorn refuses anything else
with its own HTML "Invalid HTTP request line" before the application sees the request. A
byte 0x80-0xFF cannot end a request line or split one (only SP, CR and LF can), so
percent-encoding exactly those bytes is what the client should have sent and what
browsers send for the same address. Control characters, spaces and every other rule of
gunicorn's parser stay as strict as they are.

`SyncWorker` is gunicorn's sync worker with that change, and one more: each response's
header goes out in one write with its first body bytes (opendata/held_header.py), so a node
killed behind nginx never leaves a client with a header and no body. Should a gunicorn release
stop reading the request line through `Request.parse_request_line` (or a C parser take
over), the same requests get this service's problem+json saying how to encode them,
instead of an HTML page.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from gunicorn.http import parser
from gunicorn.http.errors import InvalidRequestLine
from gunicorn.http.message import Request
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

from opendata.errors import UnencodedRequestTarget
from opendata.held_header import HeldHeader

_RAW_BYTE = re.compile(rb"[\x80-\xff]")
_RAW_CHARACTER = re.compile(r"[\x80-\xff]")  # gunicorn decodes the line as latin-1


def percent_encode_raw_bytes(target: bytes) -> bytes:
    """b'/a?q=\\xe5\\xb0\\xb1' -> b'/a?q=%E5%B0%B1'; ASCII, including existing escapes, untouched."""
    return _RAW_BYTE.sub(lambda match: b"%%%02X" % match.group()[0], target)


class PercentEncodingRequest(Request):
    def parse_request_line(self, line_bytes: bytes) -> None:
        bits = bytes(line_bytes).split(b" ", 2)
        if len(bits) == 3:
            bits[1] = percent_encode_raw_bytes(bits[1])
        super().parse_request_line(b" ".join(bits))


def unencoded_target_problem() -> UnencodedRequestTarget:
    return UnencodedRequestTarget(
        "the request line holds characters that are not percent-encoded; send them as UTF-8 "
        "percent-escapes (q=%E5%B0%B1%E5%8A%B4 for q=就労), for example with "
        "curl -G --data-urlencode 'q=就労' URL",
        parameter="request-target",
    )


def problem_response(problem: UnencodedRequestTarget) -> bytes:
    body = orjson.dumps(problem.to_dict())
    head = (
        f"HTTP/1.1 {problem.status} Bad Request\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class SyncWorker(GunicornSyncWorker):
    """gunicorn's sync worker, reading raw UTF-8 request targets as their percent-encoding."""

    def init_process(self) -> None:
        # Only this worker process reads requests this way; the master parses none.
        parser.RequestParser.mesg_class = PercentEncodingRequest
        super().init_process()

    def handle_request(self, listener: Any, req: Any, client: Any, addr: Any) -> Any:
        held = HeldHeader(client)
        try:
            return super().handle_request(listener, req, held, addr)
        finally:
            held.flush_quietly()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if isinstance(exc, InvalidRequestLine) and _RAW_CHARACTER.search(str(exc)):
            self.log.warning("unencoded request target from %s", (addr or ("",))[0])
            try:
                client.sendall(problem_response(unencoded_target_problem()))
            except OSError:
                self.log.debug("could not send the problem response")
            return
        super().handle_error(req, client, addr, exc)
