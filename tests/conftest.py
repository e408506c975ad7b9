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


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from opendata.app import create_app

    app = create_app({"CACHE_DIR": str(tmp_path_factory.mktemp("cache")), "TESTING": True})
    return app


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
