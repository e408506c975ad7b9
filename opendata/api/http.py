"""HTTP behaviour shared by every response: request ids, ETags, caching, CORS, gzip."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from flask_compress import Compress

from opendata import errors
from opendata.catalog.models import Package
from opendata.context import RELEASE_KEY
from opendata.query.params import single_values

# CKAN's action API keeps CKAN's rules (a repeated parameter is a list there).
CKAN_PATHS = ("/api/3/", "/api/action/")
EXPOSED = "Link, ETag, X-Total-Count, X-Request-Id, Content-Disposition"
ENCODING_SUFFIXES = (":gzip", ":br", ":deflate", ":zstd")
compress = Compress()
IMMUTABLE = "public, max-age=31536000, immutable"
# /api/v1/datasets/{name}/releases/{release}/... is the dataset path as of that release.
RELEASE_PATH = re.compile(r"^(/api/v1/datasets/[^/]+)/releases/([0-9a-f]{16})(/.*)?$")


def release_paths(wsgi_app):
    """Serve every dataset path as of a release by routing it to the plain path, release noted.

    One rule instead of a second route per view: whatever the current path serves, the
    release path serves from that release's own files.
    """

    def route(environ, start_response):
        found = RELEASE_PATH.match(environ.get("PATH_INFO", ""))
        if found:
            environ[RELEASE_KEY] = found.group(2)
            environ["PATH_INFO"] = found.group(1) + (found.group(3) or "")
        return wsgi_app(environ, start_response)

    return route


def strong_etag(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def query_etag(digest: str) -> str:
    """ETag of a response fully determined by the release, the path and the query."""
    pinned = request.environ.get(RELEASE_KEY, "")
    return strong_etag(digest, pinned, request.path, request.query_string.decode("latin-1"))


def file_etag(package: Package, path: Path) -> str:
    """A prebuilt file's ETag: its content digest, as the release's manifest records it."""
    relative = path.relative_to(package.directory).as_posix()
    entry = package.manifest.get("files", {}).get(relative)
    return str(entry["sha256"])[:32] if entry else strong_etag(package.digest, relative)


def not_modified(etag: str) -> bool:
    """True when the client already holds `etag` (in any of its compressed forms)."""
    held = {tag.removesuffix(s) for tag in request.if_none_match.as_set() for s in ("", *ENCODING_SUFFIXES)}
    return etag in held or request.if_none_match.star_tag


def not_modified_response(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    return response


def init_app(app: Flask) -> None:
    app.wsgi_app = release_paths(app.wsgi_app)  # type: ignore[method-assign]
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
        if RELEASE_KEY in request.environ and response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE
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
