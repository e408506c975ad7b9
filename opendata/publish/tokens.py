"""Per-publisher publishing tokens: created by the CLI, shown once, stored only as SHA-256.

A token lets its holder publish the datasets of one publisher (by its slug, e.g.
kanagawa-prefecture) over HTTP and nothing else. The file holds no secret: a leaked copy
of it cannot be used to publish.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from opendata.atomic import write_atomically
from opendata.errors import PackageError

PREFIX = "odp_"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


@dataclass(frozen=True)
class Token:
    id: str  # short, public: names the token in listings and revocations
    publisher: str
    sha256: str
    created: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def load(path: Path) -> list[Token]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: the token file cannot be read ({exc})") from exc
    return [Token(**entry) for entry in data.get("tokens", [])]


def _save(path: Path, tokens: list[Token]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    body = {"tokens": [asdict(t) for t in tokens]}
    write_atomically(Path(path), json.dumps(body, indent=1) + "\n")


def create(path: Path, publisher: str) -> tuple[Token, str]:
    """A new token for `publisher`; returns it and the secret, which is never stored."""
    if not SLUG.fullmatch(publisher):
        raise PackageError(f"{publisher!r} is not a publisher name (lower-case letters, digits and -)")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = Token(
        id=secrets.token_hex(4),
        publisher=publisher,
        sha256=_digest(secret),
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
    _save(path, [*load(path), token])
    return token, secret


def revoke(path: Path, token_id: str) -> Token:
    tokens = load(path)
    found = next((t for t in tokens if t.id == token_id), None)
    if found is None:
        raise PackageError(f"no token with id {token_id!r}")
    _save(path, [t for t in tokens if t.id != token_id])
    return found


def find(path: Path, secret: str) -> Token | None:
    """The token `secret` is, compared in constant time; None when it is none of them."""
    digest = _digest(secret)
    match = None
    for token in load(path):
        if hmac.compare_digest(token.sha256, digest):
            match = token
    return match
