"""Releases of a dataset: the list, and diffs between two of them by primary key."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api.rows import content_disposition
from opendata.api.schemas import DiffQuery, ReleaseList
from opendata.context import api_url, json_response, service
from opendata.errors import Unauthorized, UploadTooLarge
from opendata.publish import diff, tokens
from opendata.publish.tokens import Token
from opendata.publish.upload import Limits, publish_upload
from opendata.storage import publishing_store
from opendata.views import representations as rep

blp = Blueprint(
    "releases",
    __name__,
    url_prefix="/api/v1/datasets/<name>",
    description="Releases: every published state of a dataset, and what changed between two. "
    "Every dataset path is also served as of a release under `/releases/{release}/`, "
    "with `Cache-Control: public, max-age=31536000, immutable`.",
)


@blp.route("/releases")
class Releases(MethodView):
    @blp.response(200, ReleaseList)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """Every release of a dataset, newest first, with its change summary"""
        data, api = service(), api_url()
        current = data.package(name).release_id
        return {
            "dataset": name,
            "current": current,
            "releases": [rep.release_entry(api, r, current) for r in data.releases(name)],
        }

    @blp.doc(
        security=[{"publishingToken": []}],
        requestBody={
            "required": True,
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        responses={
            "201": {"description": "Published: the new release (or the current one, when unchanged)"},
        },
    )
    # Registered as alternative responses, so each problem response exists in the components.
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, name: str) -> Response:
        """Publish a new release from a zipped data package (Authorization: Bearer <publisher token>)"""
        config = current_app.config
        token = _token(Path(config["PUBLISH_TOKENS_FILE"]))
        limits = Limits(config["MAX_UPLOAD_UNPACKED_BYTES"], config["MAX_UPLOAD_FILES"])
        data, api = service(), api_url()
        outcome = publish_upload(
            _body(config["MAX_UPLOAD_BYTES"]),
            name,
            token,
            data.registry.root,
            limits,
            config["BASE_URL"],
            config["SEARCH_TABLE_ROWS"],
            publishing_store(data.settings),
        )
        release = next(r for r in data.registry.releases(name) if r.id == outcome.release)
        body = {"status": outcome.status, "release": rep.release_entry(api, release, outcome.release)}
        location = rep.release_url(api, name, release.id)
        return json_response(body, status=201, headers={"Location": location})


def _token(path: Path) -> Token:
    given = request.headers.get("Authorization", "")
    scheme, _, secret = given.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(
            "send the publisher's token as `Authorization: Bearer <token>`", parameter="Authorization"
        )
    token = tokens.find(path, secret.strip())
    if token is None:
        raise Unauthorized("this token is not known (or was revoked)", parameter="Authorization")
    return token


def _body(limit: int) -> bytes:
    """The request body, refused as soon as it is known to be over `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise UploadTooLarge(f"the body is over {limit} bytes", parameter="body")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise UploadTooLarge(f"the body is over {limit} bytes", parameter="body")
    return body


@blp.route("/diff")
class Diff(MethodView):
    @blp.arguments(DiffQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.response(200)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str, from_release: str | None = None, to_release: str | None = None):
        """What changed between two releases: fields, and rows added, removed and changed by key"""
        data = service()
        old, new = data.release_pair(name, from_release, to_release)
        return json_response(diff.compare(data.store, old, new, limit=data.settings["DIFF_MAX_ROWS"]))


@blp.route("/diff.csv")
class DiffCsv(MethodView):
    @blp.arguments(DiffQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.response(200, content_type="text/csv")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str, from_release: str | None = None, to_release: str | None = None) -> Response:
        """The same diff as CSV: one line per changed field, added or removed row, or changed value"""
        old, new = service().release_pair(name, from_release, to_release)
        filename = f"{name}_{old.release_id}_{new.release_id}.diff.csv"
        return Response(
            _csv(diff.csv_records(service().store, old, new)),
            content_type="text/csv; charset=utf-8; header=present",
            headers={"Content-Disposition": content_disposition(filename, filename)},
        )


def _csv(records: Iterator[tuple[str, ...]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for record in records:
        writer.writerow(record)
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
