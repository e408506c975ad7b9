"""The several-node deployment of scripts/cluster/: three gunicorn nodes behind nginx.

Bounded: one cluster for the module (three nodes of one worker, started once), a few hundred
requests in all, every wait with a deadline. The nodes share the releases folder, the cache
folder and (when OPENDATA_DATABASE_URL is set) the database, as in production.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from opendata.storage.sqlite.build import STORE_FILE
from tests.conftest import PACKAGES, ROOT, SCHEMAS, require
from tests.server import free_port, running_server

pytestmark = pytest.mark.e2e
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NAME, RESOURCE = "crime-victim-support", "crime-victim-support"
SHIPPED = (NAME, "hikikomori-consultations")
DATASET = f"/api/v1/datasets/{NAME}"
ROWS = f"{DATASET}/resources/{RESOURCE}/rows"
START, STOP = ROOT / "scripts" / "cluster" / "start.sh", ROOT / "scripts" / "cluster" / "stop.sh"


@dataclass
class Node:
    url: str
    pidfile: Path
    access_log: Path

    @property
    def pid(self) -> int:
        return int(self.pidfile.read_text())

    def requests_served(self) -> int:
        return len(self.access_log.read_text().splitlines()) if self.access_log.exists() else 0


@dataclass
class Cluster:
    url: str
    host: str  # the Host nginx passes on: asked directly, a node must answer as if through nginx
    nodes: list[Node]
    directory: Path
    env: dict[str, str]
    published: dict[str, int]  # the shared releases folder as start.sh left it: path -> mtime

    def node_get(self, node: Node, path: str, **kwargs) -> requests.Response:
        return requests.get(node.url + path, headers={"Host": self.host}, timeout=10, **kwargs)

    def served(self) -> int:
        return sum(node.requests_served() for node in self.nodes)


def run_script(script: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    require(os.access(NGINX, os.X_OK), "nginx is not installed (apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("cluster")
    for name in SHIPPED:
        shutil.copytree(PACKAGES / name, tmp / "datapackages" / name)
    shutil.copytree(SCHEMAS, tmp / "schemas")
    port = free_port()
    env = {
        **os.environ,
        "CLUSTER_DIR": str(tmp / "cluster"),
        "CLUSTER_PORT": str(port),
        "NODE_WORKERS": "1",
        "NGINX_WORKERS": "1",
        "OPENDATA_PACKAGES_DIR": str(tmp / "datapackages"),
        "OPENDATA_SCHEMAS_DIR": str(tmp / "schemas"),
        "OPENDATA_RELEASES_DIR": str(tmp / "releases"),
        "OPENDATA_CACHE_DIR": str(tmp / "cache"),
        # Current URLs may be reused for 1 s, so a new release is visible through the cache
        # within the test's 5 s; release URLs stay immutable for a year.
        "OPENDATA_CACHE_MAX_AGE": "1",
    }
    env_file = Path(run_script(START, env, "3").strip().splitlines()[-1])
    try:
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        urls = values["CLUSTER_NODES"].strip('"').split()
        directory = tmp / "cluster"
        nodes = [
            Node(url, directory / f"node-{i}.pid", directory / f"node-{i}.access.log")
            for i, url in enumerate(urls, 1)
        ]
        yield Cluster(
            values["CLUSTER_URL"], f"127.0.0.1:{port}", nodes, directory, env, tree(tmp / "releases")
        )
    finally:
        run_script(STOP, env)


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.lstat().st_mtime_ns for p in folder.rglob("*")}


def release_path(cluster: Cluster) -> str:
    release = requests.get(cluster.url + DATASET, timeout=10).json()["release"]["id"]
    return f"{DATASET}/releases/{release}/resources/{RESOURCE}/rows?limit=3"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets",
        DATASET,
        f"{DATASET}/datapackage.json",
        f"{ROWS}?limit=2&sort=-fiscal_year",
        f"{ROWS}.csv",
        f"{DATASET}/resources/{RESOURCE}/download.csv",
        f"/datasets/{NAME}",
        "/catalog.ttl",
    ],
)
def test_every_node_answers_the_same_url_with_the_same_body_and_etag(cluster, path):
    answers = [cluster.node_get(node, path) for node in cluster.nodes]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1, path
    assert len({a.headers["ETag"] for a in answers}) == 1, path


def test_no_node_takes_over_a_control_socket_shared_with_the_others(cluster):
    for i in range(1, len(cluster.nodes) + 1):
        log = (cluster.directory / f"node-{i}.log").read_text()
        assert "Booting worker" in log and "Control socket listening" not in log


def test_the_tables_are_where_the_one_setting_says_for_every_node(cluster):
    stores = list(Path(cluster.env["OPENDATA_RELEASES_DIR"]).rglob(STORE_FILE))
    if cluster.env.get("OPENDATA_DATABASE_URL"):
        assert not stores  # every node reads the shared PostgreSQL database
    else:
        assert len(stores) == len(SHIPPED)  # the shared releases folder holds each store once


def test_a_cursor_from_one_node_pages_on_every_other(cluster):
    first = cluster.node_get(cluster.nodes[0], f"{ROWS}?limit=2").json()
    assert first["next"]
    pages = [
        cluster.node_get(node, f"{ROWS}?limit=2", params={"cursor": first["next"]}) for node in cluster.nodes
    ]
    assert {p.status_code for p in pages} == {200}
    assert len({p.content for p in pages}) == 1
    assert pages[0].json()["rows"] and pages[0].json()["rows"] != first["rows"]


def test_an_immutable_release_url_is_served_from_the_cache_without_reaching_a_node(cluster):
    path = release_path(cluster)
    first = requests.get(cluster.url + path, timeout=10)
    assert first.status_code == 200 and first.headers["X-Cache-Status"] in {"MISS", "HIT"}
    assert "immutable" in first.headers["Cache-Control"]
    time.sleep(0.3)  # the nodes' access logs are written after the response
    before = cluster.served()
    with requests.Session() as session:
        again = [session.get(cluster.url + path, timeout=10) for _ in range(50)]
        revalidated = session.get(cluster.url + path, headers={"If-None-Match": first.headers["ETag"]})
    assert [a.headers["X-Cache-Status"] for a in again] == ["HIT"] * 50
    assert {a.content for a in again} == {first.content}
    assert {a.headers["ETag"] for a in again} == {first.headers["ETag"]}
    assert revalidated.status_code == 304 and revalidated.headers["X-Cache-Status"] == "HIT"
    time.sleep(0.3)
    assert cluster.served() == before


def test_gzip_and_plain_answers_are_cached_apart(cluster):
    release = requests.get(cluster.url + DATASET, timeout=10).json()["release"]["id"]
    url = f"{cluster.url}{DATASET}/releases/{release}/datapackage.json"
    encodings = {"gzip": "gzip", "identity": None}
    for _ in range(2):  # the first round may fill the cache; the second must come from it
        answers = {
            name: requests.get(url, headers={"Accept-Encoding": name}, timeout=10) for name in encodings
        }
    for name, encoding in encodings.items():
        assert answers[name].headers["X-Cache-Status"] == "HIT"
        assert answers[name].headers.get("Content-Encoding") == encoding
    assert answers["gzip"].content == answers["identity"].content  # requests decodes the gzip one


def test_what_the_service_marks_no_store_is_never_cached(cluster):
    before = cluster.served()
    answers = [requests.get(f"{cluster.url}{ROWS}?no_such_field=1", timeout=10) for _ in range(3)]
    assert [a.status_code for a in answers] == [400] * 3
    assert {a.headers["Cache-Control"] for a in answers} == {"no-store"}
    assert {a.headers["X-Cache-Status"] for a in answers} == {"MISS"}
    assert answers[0].headers["Content-Type"] == "application/problem+json"
    time.sleep(0.3)
    assert cluster.served() == before + 3


def test_a_request_id_names_the_request_asking_not_the_one_that_filled_the_cache(cluster):
    path = release_path(cluster)
    ids = [requests.get(cluster.url + path, timeout=10).headers["X-Request-Id"] for _ in range(3)]
    assert len(set(ids)) == 3
    mine = requests.get(cluster.url + path, headers={"X-Request-Id": "trace-1234"}, timeout=10)
    assert mine.headers["X-Request-Id"] == "trace-1234"


def test_the_nodes_write_nothing_into_the_shared_releases(cluster):
    for node in cluster.nodes:
        for path in (
            DATASET,
            f"{ROWS}?limit=3",
            f"{ROWS}.csv",
            f"/datasets/{NAME}",
            f"{DATASET}/download.zip",
        ):
            assert cluster.node_get(node, path).status_code == 200
    assert tree(Path(cluster.env["OPENDATA_RELEASES_DIR"])) == cluster.published


class Load:
    """Clients GETting, through nginx, URLs no cache holds (each URL asked once in the module)."""

    asked = 0  # URLs asked by every Load so far, so no two ask the same one

    def __init__(self, cluster: Cluster, limit: int, clients: int = 4) -> None:
        self.cluster, self.limit = cluster, limit
        self.results: list[tuple[float, int, str]] = []
        self.lock = threading.Lock()
        self.issued = 0
        self.threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def _next(self) -> int | None:
        with self.lock:
            if self.issued >= self.limit:
                return None
            self.issued += 1
            Load.asked += 1
            return Load.asked

    def _client(self) -> None:
        with requests.Session() as session:
            while (number := self._next()) is not None:
                url = f"{self.cluster.url}/api/v1/datasets?limit={number % 50 + 1}&offset={number // 50}"
                try:
                    response = session.get(url, timeout=30)
                    outcome = (time.monotonic(), response.status_code, response.headers["X-Cache-Status"])
                except (requests.RequestException, KeyError) as exc:
                    outcome = (time.monotonic(), 0, repr(exc))
                with self.lock:
                    self.results.append(outcome)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        for thread in self.threads:
            thread.join(timeout=120)

    def done(self) -> int:
        with self.lock:
            return len(self.results)

    def failed(self) -> list[tuple[float, int, str]]:
        return [r for r in self.results if r[1] != 200]


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_release_published_while_serving_reaches_every_node_within_5_s(cluster):
    old = requests.get(cluster.url + DATASET, timeout=10).json()["release"]["id"]
    schema_path = Path(cluster.env["OPENDATA_SCHEMAS_DIR"]) / NAME / f"{RESOURCE}.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][0]["title"] = "公開中に改題"
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    package = Path(cluster.env["OPENDATA_PACKAGES_DIR"]) / NAME
    with Load(cluster, limit=150, clients=2) as load:
        wait_for(lambda: load.done() >= 10, 30, "no answers under load")
        subprocess.run(
            [sys.executable, "-m", "opendata", "publish", str(package)],
            env=cluster.env,
            capture_output=True,
            timeout=120,
            check=True,
        )
        published = time.monotonic()
        new = (Path(cluster.env["OPENDATA_RELEASES_DIR"]) / NAME / "current").resolve().name
        assert new != old
        seen: dict[str, float] = {}
        bases = [("nginx", cluster.url)] + [(node.url, node.url) for node in cluster.nodes]

        def everywhere() -> bool:
            for label, base in bases:
                if label not in seen:
                    body = requests.get(base + DATASET, headers={"Host": cluster.host}, timeout=10).json()
                    if body["release"]["id"] == new:
                        seen[label] = time.monotonic() - published
            return len(seen) == len(bases)

        wait_for(everywhere, 5, "the new release did not reach every node and nginx within 5 s")
    assert load.done() == 150 and not load.failed(), load.failed()[:3]
    assert max(seen.values()) < 5


def test_a_node_killed_under_load_costs_no_client_request(cluster):
    victim = cluster.nodes[1]
    with Load(cluster, limit=400) as load:
        wait_for(lambda: load.done() >= 80, 60, "no answers under load")
        os.killpg(victim.pid, signal.SIGKILL)  # the whole node at once, as a crashed machine
        killed_at, killed_after = time.monotonic(), load.done()
    assert not load.failed(), load.failed()[:3]
    assert len(load.results) == 400 and killed_after <= 200 and victim.requests_served() > 0
    assert sum(1 for r in load.results if r[0] > killed_at) >= 150  # served by the two left
    assert {r[2] for r in load.results} == {"MISS"}  # every one of them reached a node
    wait_for(lambda: not Path(f"/proc/{victim.pid}").exists(), 10, "the killed node still runs")


def test_stop_stops_what_start_started_and_nothing_else(cluster, tmp_path):
    pids = [node.pid for node in cluster.nodes] + [
        int((cluster.directory / "nginx" / "nginx.pid").read_text())
    ]
    with running_server(cache_dir=tmp_path, workers=1) as bystander:
        run_script(STOP, cluster.env)
        assert requests.get(f"{bystander}/api/v1/", timeout=10).status_code == 200
    for pid in pids:
        wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists(), 10, f"pid {pid} still runs")
    assert (
        not list(cluster.directory.glob("*.pid")) and not (cluster.directory / "nginx" / "nginx.pid").exists()
    )
    with pytest.raises(requests.ConnectionError):
        requests.get(cluster.url + "/api/v1/", timeout=5)
