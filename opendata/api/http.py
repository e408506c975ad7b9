"""HTTP behaviour shared by every response: request ids, ETags, caching, CORS, gzip."""

from __future__ import annotations

import hashlib
import uuid

from flask import Flask, Response, current_app, g, request
from flask_compress import Compress

from opendata import errors
from opendata.query.params import single_values

# CKAN's action API keeps CKAN's rules (a repeated parameter is a list there).
CKAN_PATHS = ("/api/3/", "/api/action/")
EXPOSED = "Link, ETag, X-Total-Count, X-Request-Id, Content-Disposition"
ENCODING_SUFFIXES = (":gzip", ":br", ":deflate", ":zstd")
compress = Compress()


def strong_etag(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def query_etag(digest: str) -> str:
    """ETag of a response fully determined by the data version, the path and the query."""
    return strong_etag(digest, request.path, request.query_string.decode("latin-1"))


def not_modified(etag: str) -> bool:
    """True when the client already holds `etag` (in any of its compressed forms)."""
    held = {tag.removesuffix(s) for tag in request.if_none_match.as_set() for s in ("", *ENCODING_SUFFIXES)}
    return etag in held or request.if_none_match.star_tag


def not_modified_response(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "application/json",
            "application/problem+json",
            "application/ld+json",
            "text/csv",
            "text/html",
            "text/css",
            "application/javascript",
            "text/turtle",
            "text/plain",
        ],
    )
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    compress.init_app(app)

    @app.before_request
    def start() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        if len(request.query_string) > current_app.config["MAX_QUERY_STRING"]:
            raise errors.QueryTooLong(
                f"the query string is over {current_app.config['MAX_QUERY_STRING']} bytes"
            )
        if not (request.path + "/").startswith(CKAN_PATHS):
            single_values(request.args.to_dict(flat=False))

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.headers.setdefault(
                "Cache-Control", f"public, max-age={current_app.config['CACHE_MAX_AGE']}"
            )
            if (
                response.get_etag()[0] is None
                and not response.is_streamed
                and not response.direct_passthrough
            ):
                response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
                response.make_conditional(request)
        if response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
        if not response.direct_passthrough:
            response = compress.after_request(response)
        return response
