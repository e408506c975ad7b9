from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def require(condition: bool, reason: str) -> None:
    """Skip locally when a prerequisite is missing; in CI (CI=true) that is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


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
def shipped_releases(tmp_path_factory) -> Path:
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
