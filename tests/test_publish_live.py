"""A release published while a real gunicorn serves under load: no failed request, every
worker on the new release within 5 s, no restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import requests

from opendata.publish.pipeline import publish_package
from tests.conftest import PACKAGES, ROOT, SCHEMAS
from tests.server import free_port, running_server

pytestmark = pytest.mark.e2e
NAME = "crime-victim-support"


def _load(url: str, stop: threading.Event, results: list) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            try:
                response = session.get(url, timeout=10)
                results.append((time.monotonic(), response.status_code, response.json()["release"]["id"]))
            except (requests.RequestException, ValueError, KeyError) as exc:
                results.append((time.monotonic(), 0, repr(exc)))


def test_publishing_under_load_fails_no_request_and_reaches_every_worker_within_5_s(tmp_path):
    packages, schemas = tmp_path / "datapackages", tmp_path / "schemas"
    shutil.copytree(PACKAGES / NAME, packages / NAME)
    shutil.copytree(SCHEMAS, schemas)
    cache = tmp_path / "cache"
    env = {"OPENDATA_SCHEMAS_DIR": str(schemas)}
    with running_server(packages_dir=packages, cache_dir=cache, workers=2, env=env) as base:
        url = f"{base}/api/v1/datasets/{NAME}"
        first = requests.get(url, timeout=10)
        old_release, old_etag = first.json()["release"]["id"], first.headers["ETag"]
        stop, results = threading.Event(), []
        clients = [threading.Thread(target=_load, args=(url, stop, results)) for _ in range(4)]
        for client in clients:
            client.start()
        time.sleep(1)
        path = schemas / NAME / f"{NAME}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["fields"][0]["title"] = "公開中に改題"
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
        outcome = publish_package(packages / NAME, cache / "releases", schemas)
        published_at = time.monotonic()
        time.sleep(6)
        stop.set()
        for client in clients:
            client.join()
        assert outcome.status == "published" and outcome.release != old_release
        failed = [r for r in results if r[1] != 200]
        assert not failed, failed[:3]
        late = [r for r in results if r[0] > published_at + 5 and r[2] != outcome.release]
        assert not late and any(r[0] > published_at + 5 for r in results)
        assert requests.get(url, timeout=10).headers["ETag"] != old_etag


def test_plain_gunicorn_serves_what_is_published_and_builds_nothing(tmp_path):
    releases = tmp_path / "releases"
    publish_package(PACKAGES / NAME, releases, SCHEMAS)
    before = sorted(str(p) for p in releases.rglob("*"))
    port = free_port()
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(releases), "OPENDATA_CACHE_DIR": str(tmp_path / "c")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = requests.get(f"http://127.0.0.1:{port}/api/v1/datasets", timeout=2).json()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn wsgi:app did not answer"
                time.sleep(0.2)
        assert [d["name"] for d in body["datasets"]] == [NAME]
        csv = requests.get(
            f"http://127.0.0.1:{port}/api/v1/datasets/{NAME}/resources/{NAME}/download.csv?encoding=cp932",
            timeout=5,
        )
        assert csv.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert sorted(str(p) for p in releases.rglob("*")) == before
