"""Keyset paging cursors: opaque to clients, signed, and checked against the sort's types.

A cursor holds the sort-key values of the last row of a page. It is signed with an HMAC, so
a client cannot forge one; and every value is still checked against the type its sort key
has before it reaches SQLite, so a cursor signed under another schema (or a leaked key)
cannot put an object, a list or a 70-digit number into a query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

import orjson

from opendata.catalog.models import Resource
from opendata.errors import InvalidCursor
from opendata.numbers import INT64_MAX, INT64_MIN
from opendata.query.params import RowQuery

SECRET_FILE = "cursor-secret"
FOREIGN = "cursor: not a cursor this API issued"


def cursor_secret(configured: str, cache_dir: Path) -> bytes:
    """The configured key, or one generated once and kept in the cache folder (mode 0600).

    Kept on disk rather than per process, so every worker and every restart signs alike and
    a cursor handed out before a reload still works after it.
    """
    if configured:
        return configured.encode()
    path = Path(cache_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first; read theirs
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def shape(resource: Resource, query: RowQuery) -> str:
    """What a cursor is only valid for: the same resource, sort and filters."""
    text = json.dumps(
        [resource.name, [(s.field, s.descending) for s in query.sort], query.filter_key()], default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Cursors:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()[:16]

    def encode(self, resource: Resource, query: RowQuery, values: list[Any]) -> str:
        payload = orjson.dumps({"s": shape(resource, query), "k": values})
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def decode(self, resource: Resource, query: RowQuery, token: str, kinds: list[tuple[str, bool]]) -> list:
        """The values of `token`, one per sort key; `kinds` gives each key's type and nullability."""
        try:
            encoded, _, signature = token.partition(".")
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(signature), self._signature(payload)):
                raise ValueError("bad signature")
            loaded = orjson.loads(payload)
            values, issued_for = loaded["k"], loaded["s"]
        except (ValueError, TypeError, KeyError, UnicodeError):
            raise InvalidCursor(FOREIGN, parameter="cursor") from None
        if issued_for != shape(resource, query):
            raise InvalidCursor(
                "cursor: issued for a different sort or filter; start again without it", parameter="cursor"
            )
        if not isinstance(values, list) or len(values) != len(kinds):
            raise InvalidCursor(FOREIGN, parameter="cursor")
        if not all(_fits(v, kind, nullable) for v, (kind, nullable) in zip(values, kinds, strict=True)):
            raise InvalidCursor(FOREIGN, parameter="cursor")
        return values


def _fits(value: Any, kind: str, nullable: bool) -> bool:
    """Whether `value` can be a stored value of a column of `kind` (a Table Schema type)."""
    if value is None:
        return nullable
    if isinstance(value, bool):
        return False
    if kind in ("integer", "year", "boolean"):
        return isinstance(value, int) and INT64_MIN <= value <= INT64_MAX
    if kind == "number":
        return isinstance(value, float) or (isinstance(value, int) and INT64_MIN <= value <= INT64_MAX)
    return isinstance(value, str)
