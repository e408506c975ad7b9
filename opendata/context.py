"""Small helpers views share: the service, this API's absolute URL, fast JSON responses."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, request

from opendata.service import DataService

# Set by release_paths for a /datasets/{name}/releases/{release}/... request.
RELEASE_KEY = "opendata.release"


def service() -> DataService:
    return current_app.extensions["opendata"]


def release() -> str | None:
    """The release a request asks for by its path, or None for the current one."""
    return request.environ.get(RELEASE_KEY)


def api_url() -> str:
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + "/api/v1"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json", headers=headers)
