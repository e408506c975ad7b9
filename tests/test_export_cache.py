"""Streamed exports sent again from memory: the same bytes as a query, whole or not at all."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from opendata.app import create_app
from opendata.publish.pipeline import publish_package
from tests.conftest import ClosingClient
from tests.crafted import write_package

NAME = "sample-exports"  # test sample data, not the report's
BASE = f"/api/v1/datasets/{NAME}/resources/{NAME}"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "label", "type": "string", "title": "区分"},
]
ROWS = [[i, "ab"[i % 2]] for i in range(1, 5001)]  # 2,500 rows of "a": two CSV chunks


def client_for(releases, tmp_path, export_cache_bytes):
    settings = {
        "RELEASES_DIR": str(releases),
        "CACHE_DIR": str(tmp_path / "cache"),
        "RELEASE_CHECK_INTERVAL": 0,
    }
    app = create_app({**settings, "EXPORT_CACHE_BYTES": export_cache_bytes})
    app.test_client_class = ClosingClient
    return app, app.test_client()


@pytest.fixture
def releases(tmp_path):
    folder = tmp_path / "releases"
    publish_package(write_package(tmp_path / "a", NAME, FIELDS, ROWS, ["id"]), folder)
    return folder


def _no_queries(app, monkeypatch):
    """From here on the store may not be read: an answer must come from the export cache."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the export was queried again")

    monkeypatch.setattr(app.extensions["opendata"].engine, "iter_batches", refuse)


@pytest.mark.parametrize(
    "path",
    [
        "rows.csv?label=a",
        "rows.csv?label=a&encoding=utf-8-sig&header=title",
        "rows.csv?label=a&encoding=cp932",
        "rows.csv?sort=-id&fields=id",
        "rows.xlsx?label=b",
        "rows.ndjson?id__lte=40",
        "rows.parquet?label=a",
    ],
)
def test_an_export_sent_again_is_the_export_a_query_gives(releases, tmp_path, monkeypatch, path):
    cached_app, cached = client_for(releases, tmp_path, 16_000_000)
    _, uncached = client_for(releases, tmp_path, 0)
    first = cached.get(f"{BASE}/{path}")
    assert first.status_code == 200
    _no_queries(cached_app, monkeypatch)
    again = cached.get(f"{BASE}/{path}")
    assert again.get_data() == first.get_data() == uncached.get(f"{BASE}/{path}").get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert len(cached_app.extensions["opendata"].exports.entries) == 1


def test_an_export_whose_client_went_away_is_not_kept(releases, tmp_path):
    app, _ = client_for(releases, tmp_path, 16_000_000)
    response = FlaskClient(app).get(f"{BASE}/rows.csv?label=a", buffered=False)  # not read to its end
    body = iter(response.response)
    assert next(body).startswith(b"id,label\n")
    response.close()  # as a WSGI server does when the client disconnects
    assert len(app.extensions["opendata"].exports.entries) == 0


def test_an_export_over_an_eighth_of_the_bound_streams_whole_and_is_not_kept(releases, tmp_path):
    app, client = client_for(releases, tmp_path, 8 * 1000)  # exports of at most 1,000 bytes kept
    _, uncached = client_for(releases, tmp_path, 0)
    large, small = f"{BASE}/rows.csv?label=a", f"{BASE}/rows.csv?id__lte=3"
    assert client.get(large).get_data() == uncached.get(large).get_data()
    assert len(app.extensions["opendata"].exports.entries) == 0
    assert client.get(small).get_data() == b"id,label\n1,b\n2,a\n3,b\n"
    assert len(app.extensions["opendata"].exports.entries) == 1


def test_a_new_release_is_never_answered_from_the_old_ones_exports(tmp_path):
    releases = tmp_path / "releases"
    publish_package(write_package(tmp_path / "a", NAME, FIELDS, [[1, "old"]], ["id"]), releases)
    _, client = client_for(releases, tmp_path, 16_000_000)
    assert client.get(f"{BASE}/rows.csv?id=1").get_data() == b"id,label\n1,old\n"
    publish_package(write_package(tmp_path / "b", NAME, FIELDS, [[1, "new"]], ["id"]), releases)
    assert client.get(f"{BASE}/rows.csv?id=1").get_data() == b"id,label\n1,new\n"
