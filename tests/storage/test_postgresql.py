"""What only the PostgreSQL backend has: a server that can go away, a pool that can fill up,
schemas per release, and a load that must be all or nothing.

The outage test stops and restarts a PostgreSQL of its own (initdb in a temporary folder on
a free port), never the shared one other suites and services use.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from opendata import config
from opendata.app import create_app
from opendata.catalog.loader import read_descriptor
from opendata.catalog.models import Package
from opendata.publish.pipeline import publish_package
from opendata.publish.releases import open_release
from opendata.query.params import RowQuery
from opendata.storage import open_store, publishing_store
from opendata.storage.postgresql import PostgresStore, build
from opendata.storage.postgresql.queries import schema_name
from tests.conftest import ROOT, ClosingClient, require
from tests.crafted import write_package
from tests.server import free_port

NAME = "pg-sample"  # test data, not the report's
FIELDS = [{"name": "id", "type": "integer"}, {"name": "label", "type": "string"}]
ROWS_URL = f"/api/v1/datasets/{NAME}/resources/{NAME}/rows"


def publish(root: Path, url: str, rows: int = 50, label: str = "row") -> tuple[Path, str]:
    """Publish the sample (`rows` rows) into `url`; return the releases folder and release id."""
    directory = write_package(
        root / f"src-{label}-{rows}-{time.monotonic_ns()}",
        NAME,
        FIELDS,
        [[i, f"{label} {i}"] for i in range(rows)],
    )
    store = publishing_store({**config.defaults(), "DATABASE_URL": url})
    outcome = publish_package(directory, root / "releases", None, store=store)
    assert outcome.status == "published", outcome.report
    return root / "releases", str(outcome.release)


def opendata_cli(*args: str, releases: Path, url: str) -> subprocess.CompletedProcess[str]:
    """Run the `opendata` command line on `releases` and the database at `url`."""
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(releases), "OPENDATA_DATABASE_URL": url}
    command = [sys.executable, "-m", "opendata", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def client_for(root: Path, releases: Path, url: str, **settings):
    app = create_app(
        {
            "RELEASES_DIR": str(releases),
            "CACHE_DIR": str(root / "cache"),
            "DATABASE_URL": url,
            "TESTING": True,
            **settings,
        }
    )
    app.test_client_class = ClosingClient
    return app, app.test_client()


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'od\\_%'").fetchall()
    return {name for (name,) in rows}


def assert_unavailable(response, retry_after: str) -> None:
    assert response.status_code == 503, response.data
    assert response.headers["Retry-After"] == retry_after
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("#database-unavailable")
    assert "127.0.0.1" not in body["detail"]  # the driver's words, hosts and ports, stay inside


class OwnServer:
    """A throwaway PostgreSQL cluster on a free loopback port, owned by the postgres user."""

    def __init__(self) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        require(bool(versions) and os.geteuid() == 0, "initdb (Debian's postgresql) and root are needed")
        self.bin = versions[-1].parent
        self.data = Path(tempfile.mkdtemp(prefix="opendata-pg-"))
        shutil.chown(self.data, "postgres")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(
            "initdb", "-D", str(self.data / "db"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"
        )

    def _as_postgres(self, tool: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl", "-D", str(self.data / "db"), "-o", options, "-w", "-l", str(self.data / "log"), "start"
        )

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data / "db"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def own_server() -> Iterator[OwnServer]:
    server = OwnServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def test_a_stopped_database_is_a_503_and_the_service_recovers_when_it_is_back(own_server, tmp_path):
    releases, _ = publish(tmp_path, own_server.url)
    _, client = client_for(tmp_path, releases, own_server.url, DATABASE_POOL_TIMEOUT=0.5, QUERY_RETRY_AFTER=3)
    assert client.get(f"{ROWS_URL}?id=1").status_code == 200
    own_server.stop()
    started = time.monotonic()
    assert_unavailable(client.get(f"{ROWS_URL}?id=2"), "3")  # a count never asked before
    assert time.monotonic() - started < 5  # answered within the pool timeout, not hanging
    assert_unavailable(client.get(f"{ROWS_URL}?label__contains=9"), "3")
    own_server.start()
    back = time.monotonic()
    # No restart: the same app answers again within seconds of the database coming back.
    while (response := client.get(f"{ROWS_URL}?id=3")).status_code != 200:
        assert_unavailable(response, "3")
        assert time.monotonic() - back < 10, "the service did not recover"
        time.sleep(0.2)
    assert response.get_json()["rows"] == [{"id": 3, "label": "row 3"}]


def test_killed_connections_are_replaced_without_an_error(postgres_url, tmp_path):
    releases, _ = publish(tmp_path, postgres_url)
    _, client = client_for(tmp_path, releases, postgres_url)
    assert client.get(f"{ROWS_URL}?id=1").status_code == 200
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    for id_ in (2, 3, 4):  # each a statement of its own on a connection that was killed
        response = client.get(f"{ROWS_URL}?id={id_}")
        assert response.status_code == 200, response.data


def test_a_full_pool_is_a_503_until_a_connection_is_free(postgres_url, tmp_path):
    releases, _ = publish(tmp_path, postgres_url)
    limits = {"DATABASE_POOL_SIZE": 1, "DATABASE_POOL_TIMEOUT": 0.3, "QUERY_RETRY_AFTER": 2}
    app, client = client_for(tmp_path, releases, postgres_url, **limits)
    package, resource = app.extensions["opendata"].resource(NAME, NAME)
    store = open_store({**app.config, **limits})  # the app's own store: the same pool
    batches = store.iter_batches(package, resource, RowQuery(), batch=1)  # holds the one connection
    try:
        assert next(batches)
        assert_unavailable(client.get(f"{ROWS_URL}?id=7"), "2")
    finally:
        batches.close()  # type: ignore[attr-defined]
    assert client.get(f"{ROWS_URL}?id=7").status_code == 200


def test_an_interrupted_load_leaves_nothing_and_the_current_release_serves_on(
    postgres_url, tmp_path, monkeypatch
):
    releases, first = publish(tmp_path, postgres_url)
    before = schemas(postgres_url)

    def fail(*_args):
        raise OSError("disk gone during the load")

    monkeypatch.setattr(build, "_any_null", fail)  # after COPY and the indexes, before the commit
    with pytest.raises(OSError):
        publish(tmp_path, postgres_url, rows=60, label="second")
    assert schemas(postgres_url) == before  # the second release's schema was never committed
    monkeypatch.undo()
    _, client = client_for(tmp_path, releases, postgres_url, RELEASE_CHECK_INTERVAL=0)
    body = client.get(f"{ROWS_URL}?limit=1000").get_json()
    assert body["total"] == 50 and body["rows"][-1] == {"id": 49, "label": "row 49"}
    _, again = publish(tmp_path, postgres_url, rows=60, label="second")  # the next try starts clean
    assert again != first and client.get(ROWS_URL).headers["X-Total-Count"] == "60"


def test_each_release_is_a_schema_of_its_own_named_apart(tmp_path):
    def package(name: str, release: str) -> Package:
        directory = write_package(tmp_path / release / name, name, FIELDS, [[1, "x"]])
        found = Package.from_descriptor(read_descriptor(directory / "datapackage.json"), directory)
        return replace(found, release=release * 64)

    names = [
        schema_name(package(n, r))
        for n, r in [("a-b", "1"), ("a_b", "1"), ("a-b", "2"), ("x" * 99 + "1", "1"), ("x" * 99 + "2", "1")]
    ]
    assert len(set(names)) == len(names)
    assert all(len(n.encode()) <= 63 and n.startswith("od_") for n in names)


def test_prune_drops_the_schemas_of_the_releases_it_removes(postgres_url, tmp_path):
    releases, first = publish(tmp_path, postgres_url)
    _, second = publish(tmp_path, postgres_url, rows=60, label="second")
    old = schema_name(open_release(releases, NAME, first)[1])
    current = schema_name(open_release(releases, NAME, second)[1])
    assert {old, current} <= schemas(postgres_url)
    result = opendata_cli("releases", "prune", "--keep", "1", releases=releases, url=postgres_url)
    assert result.returncode == 0, result.stderr
    assert old not in schemas(postgres_url) and current in schemas(postgres_url)


def test_publishing_to_an_unreachable_database_is_one_line_and_publishes_nothing(tmp_path):
    directory = write_package(tmp_path / "src", NAME, FIELDS, [[1, "x"]])
    url = f"postgresql://opendata:secret-word@127.0.0.1:{free_port()}/opendata"  # nothing listens
    result = opendata_cli("publish", str(directory), releases=tmp_path / "releases", url=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    progress, error = result.stderr.strip().splitlines()
    assert progress.startswith(f"[1/1] {NAME} ...") and progress.endswith(" store failed")
    assert error == "opendata: error: the database cannot be reached or is busy; try again later"
    assert "secret-word" not in result.stdout + result.stderr
    assert not list((tmp_path / "releases").glob(f"{NAME}/*/manifest.json"))


def test_a_release_already_loaded_is_kept_and_one_of_another_format_rebuilt(postgres_url, tmp_path):
    directory = write_package(tmp_path / "src", NAME, FIELDS, [[i, f"row {i}"] for i in range(20)])
    store = publishing_store({**config.defaults(), "DATABASE_URL": postgres_url})

    def publish_into(folder: str) -> str:
        outcome = publish_package(directory, tmp_path / folder, None, store=store)
        assert outcome.status == "published", outcome.report
        return schema_name(open_release(tmp_path / folder, NAME, str(outcome.release))[1])

    def schema_oid(schema: str) -> int:
        with psycopg.connect(postgres_url) as connection:
            found = connection.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
        assert found is not None
        return int(found[0])

    schema = publish_into("first")
    loaded = schema_oid(schema)
    assert publish_into("second") == schema and schema_oid(schema) == loaded  # the same rows: kept
    with psycopg.connect(postgres_url) as connection:
        connection.execute(f"COMMENT ON SCHEMA \"{schema}\" IS 'opendata release written by an older loader'")
    assert publish_into("third") == schema and schema_oid(schema) != loaded  # rebuilt
    _, client = client_for(tmp_path, tmp_path / "second", postgres_url)
    assert client.get(ROWS_URL).headers["X-Total-Count"] == "20"


def test_a_forked_worker_opens_its_own_pool_and_leaves_the_parents_sessions_alone(postgres_url):
    store = PostgresStore(postgres_url)
    backend = "SELECT pg_backend_pid()"
    parent_session = store.database.run(lambda c: c.execute(backend, []).fetchone())
    child = os.fork()
    if child == 0:  # a gunicorn worker after the fork, as far as the pool is concerned
        try:
            own = store.database.run(lambda c: c.execute(backend, []).fetchone())
            store.close()
            gc.collect()  # psycopg never ends a session from a process that did not open it
            os._exit(0 if own != parent_session else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with psycopg.connect(postgres_url) as admin:
        alive = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", parent_session).fetchone()
    assert alive, "the child ended the parent's session"
    store.close()


def test_prune_drops_the_tables_a_publish_stopped_before_its_release_left(postgres_url, tmp_path):
    releases, first = publish(tmp_path, postgres_url)
    # A publish killed after its load's commit, before the release folder was renamed in:
    # its schema exists, no release names it.
    directory = write_package(tmp_path / "stopped", NAME, FIELDS, [[1, "stopped"]])
    stopped = replace(
        Package.from_descriptor(read_descriptor(directory / "datapackage.json"), directory),
        release="f" * 64,
    )
    publishing_store({**config.defaults(), "DATABASE_URL": postgres_url}).build(stopped, directory)
    kept = schema_name(open_release(releases, NAME, first)[1])
    assert {kept, schema_name(stopped)} <= schemas(postgres_url)
    result = opendata_cli("releases", "prune", "--keep", "3", releases=releases, url=postgres_url)
    assert result.returncode == 0, result.stderr
    assert f"dropped {NAME} tables {schema_name(stopped)}" in result.stdout
    assert schema_name(stopped) not in schemas(postgres_url) and kept in schemas(postgres_url)
    _, client = client_for(tmp_path, releases, postgres_url)
    assert client.get(ROWS_URL).headers["X-Total-Count"] == "50"


def test_the_services_sessions_plan_for_tables_in_memory_and_stop_at_the_time_limit(postgres_url, tmp_path):
    releases, _ = publish(tmp_path, postgres_url)
    app, _ = client_for(tmp_path, releases, postgres_url, QUERY_TIME_LIMIT=1234)
    store = app.extensions["opendata"].store
    shown = store.database.run(
        lambda c: c.execute(
            "SELECT current_setting('random_page_cost'), current_setting('statement_timeout')"
        ).fetchone()
    )
    assert shown == ("1.1", "1234ms")
