"""DATABASE_URL picks the table store: empty is SQLite; anything else it cannot open is one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from opendata import config
from opendata.errors import PackageError
from opendata.storage import open_store, publishing_store
from opendata.storage.sqlite import SqliteStore
from tests.conftest import ROOT


def settings(url: str) -> dict:
    return {**config.defaults(), "DATABASE_URL": url}


def test_empty_is_the_embedded_sqlite_store_with_the_request_time_limit():
    store = open_store(settings(""))
    assert isinstance(store, SqliteStore)
    assert store.time_limit_ms == config.defaults()["QUERY_TIME_LIMIT"] > 0
    assert publishing_store(settings("")).time_limit_ms == 0  # building is never cut short


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://db.example/opendata", "DATABASE_URL: mysql:// names no backend"),
        ("db.example/opendata", "DATABASE_URL: a URL without a scheme names no backend"),
    ],
)
def test_a_url_naming_no_backend_is_refused(url, message):
    with pytest.raises(PackageError, match=message):
        open_store(settings(url))


def test_a_missing_postgresql_backend_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "opendata.storage.postgresql", None)  # as if not installed
    with pytest.raises(PackageError, match="the PostgreSQL backend is not available here"):
        open_store(settings("postgresql://localhost/opendata"))


def test_the_command_line_says_so_in_one_line(tmp_path):
    env = {
        **os.environ,
        "OPENDATA_DATABASE_URL": "mysql://secret:password@db.example/opendata",
        "OPENDATA_RELEASES_DIR": str(tmp_path / "releases"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "opendata",
            "publish",
            str(ROOT / "datapackages" / "hikikomori-consultations"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "opendata: error: DATABASE_URL: mysql:// names no backend; leave it empty or use postgresql://"
    ]
    assert "password" not in result.stderr  # the URL's credentials are never echoed
    assert not (tmp_path / "releases").exists() or not any((tmp_path / "releases").iterdir())
