"""Releases of a dataset: the list, and diffs between two of them by primary key."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from opendata.api.rows import content_disposition
from opendata.api.schemas import DiffQuery, ReleaseList
from opendata.context import api_url, json_response, service
from opendata.publish import diff
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


@blp.route("/diff")
class Diff(MethodView):
    @blp.arguments(DiffQuery, location="query", unknown=RAISE, as_kwargs=True)
    @blp.response(200)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str, from_release: str | None = None, to_release: str | None = None):
        """What changed between two releases: fields, and rows added, removed and changed by key"""
        old, new = service().release_pair(name, from_release, to_release)
        limit = service().settings["DIFF_MAX_ROWS"]
        return json_response(diff.compare(old, new, limit=limit))


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
            _csv(diff.csv_records(old, new)),
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
