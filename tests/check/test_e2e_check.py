"""The check over a real gunicorn: uploads, a chunked upload over the limit, a zip bomb."""

from __future__ import annotations

import pytest
import requests

from tests.check import workbooks as wb
from tests.check.test_uploads import zip_bomb
from tests.server import running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"OPENDATA_CHECK_MAX_UPLOAD_BYTES": "2000000"}
    with running_server(cache_dir=tmp_path_factory.mktemp("cache"), env=env, workers=1) as base:
        yield base


def test_an_upload_is_checked_over_http(server):
    files = {"file": ("相談.xlsx", wb.consultations_printed())}
    response = requests.post(f"{server}/api/v1/check?lang=en", files=files, timeout=60)
    assert response.status_code == 200 and response.json()["score"] == {"L1": 77, "L2": 50, "L3": 33}


def test_a_chunked_upload_over_the_limit_is_refused(server):
    def body():
        boundary = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        yield boundary
        for _ in range(40):
            yield b"a,b\n" * 25_000  # 100 KB per chunk, 4 MB in all, no Content-Length
        yield b"\r\n--b--\r\n"

    response = requests.post(
        f"{server}/api/v1/check",
        data=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_zip_bomb_is_refused_and_the_server_keeps_answering(server):
    response = requests.post(f"{server}/api/v1/check", files={"file": ("bomb.xlsx", zip_bomb())}, timeout=60)
    assert response.status_code == 422 and response.json()["type"].endswith("#unsafe-file")
    assert requests.get(f"{server}/api/v1/", timeout=10).status_code == 200
