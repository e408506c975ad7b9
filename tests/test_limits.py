"""Limits answered by the service itself: the query time limit (503 + Retry-After) and, through
a real gunicorn, request lines long enough that gunicorn's own HTML 414 used to answer first."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import ClosingClient, published_app
from tests.crafted import write_package
from tests.server import running_server

ROWS = 60_000
SLOW = "/api/v1/datasets/many/resources/many/rows?label__contains=never"


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory):
    root = tmp_path_factory.mktemp("many")
    fields = [{"name": "id", "type": "integer"}, {"name": "label", "type": "string"}]
    write_package(root / "packages", "many", fields, [[i, f"label {i} " * 4] for i in range(ROWS)], ["id"])
    return root


def app_with(root, **settings):
    app = published_app(root / "packages", root, **settings)
    app.test_client_class = ClosingClient
    return app.test_client()


@pytest.mark.parametrize("path", [SLOW, SLOW.replace("/rows?", "/rows.csv?")])
def test_a_query_over_the_time_limit_is_a_503_with_retry_after(many_rows, path):
    client = app_with(many_rows, QUERY_TIME_LIMIT=1, QUERY_RETRY_AFTER=7)
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"].endswith("#query-timeout")
    # The worker is free again: the next query (under the limit) answers. On a busy machine a
    # 1 ms limit can stop even an index lookup (PostgreSQL counts its parsing and planning;
    # the clean-clone CI once saw three in a row stopped), so it may take more tries; a worker
    # still held by the slow query would never answer.
    fast = "/api/v1/datasets/many/resources/many/rows?id=5"
    assert any(client.get(fast).status_code == 200 for _ in range(10))


def test_the_same_query_under_the_default_limit_answers(many_rows):
    response = app_with(many_rows).get(SLOW)
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(cache_dir=tmp_path_factory.mktemp("cache"), workers=1) as base:
        yield base


@pytest.mark.e2e
@pytest.mark.parametrize("length", [4097, 6000, 8000])
def test_the_services_own_414_wins_over_gunicorns(server, length):
    url = f"{server}/api/v1/datasets?q={'a' * (length - 2)}"
    response = requests.get(url, timeout=10)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/problem+json"
    ckan = requests.get(f"{server}/api/3/action/package_search?q={'a' * (length - 2)}", timeout=10)
    assert ckan.status_code == 414
    assert ckan.json()["success"] is False


@pytest.mark.e2e
def test_a_query_string_at_the_limit_reaches_the_app(server):
    response = requests.get(f"{server}/api/v1/datasets?q={'a' * 4094}", timeout=10)
    assert response.status_code == 200
