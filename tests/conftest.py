from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "datapackages"
SCHEMAS = ROOT / "schemas"
REPORT_NAME = "kanagawa-2022-03-10-social-issues-committee.txt"
# The report the packages are derived from, kept beside them as their provenance.
REPORT_TEXT = PACKAGES / "_source" / REPORT_NAME
# The working copy shared outside the repository, where one exists.
SHARED_REPORT_TEXT = ROOT.parent / "shared" / "source" / REPORT_NAME
REPORT_FIGURES = ROOT / "tests" / "report_figures"
IN_CI = os.environ.get("CI", "").lower() == "true"
# OPENDATA_TEST_BACKEND=postgresql runs the whole suite on PostgreSQL: every publish and every
# app (and every server a test starts) uses a database of the session's own, made on the
# server OPENDATA_TEST_DATABASE_URL names (else var/postgres/env, which
# scripts/postgres/start.sh writes) and dropped at the end.
TEST_BACKEND = os.environ.get("OPENDATA_TEST_BACKEND", "sqlite")
POSTGRES_ENV = ROOT / "var" / "postgres" / "env"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a prerequisite is missing; in CI (CI=true) that is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def postgres_base_url() -> str:
    url = os.environ.get("OPENDATA_TEST_DATABASE_URL", "")
    if not url and POSTGRES_ENV.is_file():
        for line in POSTGRES_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "OPENDATA_TEST_DATABASE_URL":
                url = value.strip()
    return url


def _reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL database made for this test session alone, dropped at its end."""
    import psycopg

    from opendata.storage import postgresql

    base = postgres_base_url()
    require(bool(base), "no PostgreSQL to test on: run scripts/postgres/start.sh")
    require(_reachable(base), "PostgreSQL does not answer: run scripts/postgres/start.sh")
    name = f"opendata_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        postgresql.close_all()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def test_backend(request) -> Iterator[str]:
    """The backend of this run: with OPENDATA_TEST_BACKEND=postgresql, OPENDATA_DATABASE_URL
    names the session's database for everything the tests publish and serve."""
    if TEST_BACKEND == "sqlite":
        yield TEST_BACKEND
        return
    assert TEST_BACKEND == "postgresql", f"OPENDATA_TEST_BACKEND={TEST_BACKEND!r}: sqlite or postgresql"
    url = request.getfixturevalue("postgres_url")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENDATA_DATABASE_URL", url)
        yield TEST_BACKEND


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped packages and schemas, to break on purpose."""
    shutil.copytree(PACKAGES, tmp_path / "datapackages")
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    return tmp_path


def publish_all(packages: Path, releases: Path, schemas: Path | None = SCHEMAS) -> Path:
    """Publish every package under `packages` into `releases` (as `opendata publish` does)."""
    from opendata.catalog.loader import package_dirs
    from opendata.publish.pipeline import publish_package

    for directory in package_dirs(packages):
        outcome = publish_package(directory, releases, schemas)
        assert outcome.status != "invalid", outcome.report
    return releases


def published_app(packages: Path, tmp: Path, **settings):
    """An app serving `packages`, published first into a releases folder under `tmp`."""
    from opendata.app import create_app

    releases = publish_all(packages, tmp / "releases")
    return create_app(
        {"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp / "cache"), "TESTING": True, **settings}
    )


@pytest.fixture(scope="session")
def shipped_releases(tmp_path_factory, test_backend) -> Path:
    """The shipped packages, published once per test session."""
    return publish_all(PACKAGES, tmp_path_factory.mktemp("releases"))


@pytest.fixture(scope="session", autouse=True)
def serve_shipped_releases(shipped_releases):
    """An app created without RELEASES_DIR serves the session's releases, never var/releases."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENDATA_RELEASES_DIR", str(shipped_releases))
        yield


@pytest.fixture(scope="session")
def app(tmp_path_factory, shipped_releases):
    from opendata.app import create_app

    cache = tmp_path_factory.mktemp("cache")
    return create_app({"RELEASES_DIR": str(shipped_releases), "CACHE_DIR": str(cache), "TESTING": True})


class ClosingClient(FlaskClient):
    """Reads and closes every response, as a WSGI server does, so file handles never leak."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = ClosingClient
    return app.test_client()


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory):
    """An app over the test package tests/crafted.py writes (every field type), not the shipped data."""
    from tests.crafted import write_sample_package

    root = tmp_path_factory.mktemp("sample")
    write_sample_package(root / "packages")
    return published_app(root / "packages", root)


@pytest.fixture
def sample_client(sample_app):
    sample_app.test_client_class = ClosingClient
    return sample_app.test_client()
