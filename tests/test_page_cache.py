"""JSON pages served again from memory: the same bytes as a query, per release, within a byte bound."""

from __future__ import annotations

import pytest

from opendata.app import create_app
from opendata.publish.pipeline import publish_package
from opendata.query.caches import BoundedCache
from opendata.storage.base import Page
from tests.conftest import ClosingClient
from tests.crafted import write_package

NAME = "sample-pages"  # test sample data, not the report's
API = f"/api/v1/datasets/{NAME}/resources/{NAME}/rows"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "label", "type": "string", "title": "区分"},
]


def client_for(releases, tmp_path, page_cache_bytes):
    settings = {"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache")}
    app = create_app({**settings, "PAGE_CACHE_BYTES": page_cache_bytes, "RELEASE_CHECK_INTERVAL": 0})
    app.test_client_class = ClosingClient
    return app, app.test_client()


@pytest.mark.parametrize("query", ["limit=3", "limit=3&label=b", "sort=-id&limit=2", "fields=label&limit=4"])
def test_a_page_served_again_is_the_page_a_query_gives(tmp_path, query):
    releases = tmp_path / "releases"
    rows = [[i, "ab"[i % 2]] for i in range(1, 11)]
    publish_package(write_package(tmp_path / "a", NAME, FIELDS, rows, ["id"]), releases)
    cached_app, cached = client_for(releases, tmp_path, 1_000_000)
    _, uncached = client_for(releases, tmp_path, 0)
    first = cached.get(f"{API}?{query}")
    again = cached.get(f"{API}?{query}")
    assert first.get_data() == again.get_data() == uncached.get(f"{API}?{query}").get_data()
    cursor = first.get_json()["next"]
    follow = f"{API}?{query}&cursor={cursor}"
    assert cached.get(follow).get_data() == uncached.get(follow).get_data()
    assert cached_app.extensions["opendata"].engine.pages.weight > 0


def test_a_new_release_is_never_answered_from_the_old_ones_pages(tmp_path):
    releases = tmp_path / "releases"
    publish_package(write_package(tmp_path / "a", NAME, FIELDS, [[1, "old"]], ["id"]), releases)
    _, client = client_for(releases, tmp_path, 1_000_000)
    assert client.get(API).get_json()["rows"] == [{"id": 1, "label": "old"}]
    publish_package(write_package(tmp_path / "b", NAME, FIELDS, [[1, "new"]], ["id"]), releases)
    assert client.get(API).get_json()["rows"] == [{"id": 1, "label": "new"}]


def test_the_cache_holds_at_most_its_weight_least_recently_used_out_first():
    cache = BoundedCache(100, 10)
    pages = {key: Page([], [], 0, rows_json=b"x" * 4) for key in "abc"}
    for key, page in pages.items():
        cache.put((key,), page, 4)
        if key == "b":
            assert cache.get(("a",)) is pages["a"]  # a is now the most recently used
    assert cache.weight == 8 and cache.get(("b",)) is None
    assert cache.get(("a",)) is pages["a"] and cache.get(("c",)) is pages["c"]
    cache.put(("d",), Page([], [], 0, rows_json=b"x" * 11), 11)  # heavier than the whole cache
    assert cache.get(("d",)) is None and cache.weight == 8 and len(cache) == 2
