"""The real CKAN of scripts/ckan/ (its URL and token from the environment or var/ckan/env).

Locally these tests skip when that CKAN is not running; with CI=true they fail instead.
Helpers here: an action caller with a timeout, the `ckan` command line of CKAN's own venv,
relabelled copies of the shipped packages (new ids and names, so a scenario never touches
another's datasets) and a gunicorn of this service on a fixed loopback port.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import PACKAGES, ROOT, require
from tests.server import running_server

CKAN_VAR = ROOT / "var" / "ckan"
CKAN_BIN = CKAN_VAR / "venv" / "bin" / "ckan"
CKAN_INI = CKAN_VAR / "ckan.ini"
TIMEOUT = 30
LOCK = Path(tempfile.gettempdir()) / "kanagawa-opendata-ckan-tests.lock"


def ckan_settings() -> dict[str, str]:
    values: dict[str, str] = {}
    env_file = CKAN_VAR / "env"
    if env_file.is_file():
        for line in env_file.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip().strip("'\"")
    for key in ("CKAN_URL", "CKAN_API_TOKEN"):
        if os.environ.get(key):
            values[key] = os.environ[key]
    return values


@dataclass
class Ckan:
    url: str
    token: str = field(repr=False)

    def call(self, action: str, **data: Any) -> Any:
        response = requests.post(
            f"{self.url}/api/3/action/{action}",
            json=data,
            headers={"Authorization": self.token},
            timeout=TIMEOUT,
        )
        body = response.json()
        if not body.get("success"):
            raise CkanCallFailed(action, response.status_code, body.get("error"))
        return body["result"]

    def show(self, action: str, **data: Any) -> Any | None:
        try:
            return self.call(action, **data)
        except CkanCallFailed as failure:
            if failure.status == 404:
                return None
            raise

    def purge(self, dataset_id: str) -> None:
        with contextlib.suppress(CkanCallFailed):
            self.call("dataset_purge", id=dataset_id)

    def organization(self, name: str) -> dict[str, Any]:
        return self.show("organization_show", id=name) or self.call(
            "organization_create", name=name, title=f"Integration tests: {name}"
        )


class CkanCallFailed(Exception):
    def __init__(self, action: str, status: int, error: Any) -> None:
        super().__init__(f"{action}: HTTP {status}: {error}")
        self.status = status


@pytest.fixture(scope="session")
def ckan() -> Iterator[Ckan]:
    """The CKAN, held for this test session alone.

    Its database belongs to the machine and every clone's `make test` runs these tests, so
    sessions take turns (an exclusive lock) instead of purging each other's datasets.
    """
    settings = ckan_settings()
    url, token = settings.get("CKAN_URL", ""), settings.get("CKAN_API_TOKEN", "")
    require(bool(url and token), "no CKAN_URL/CKAN_API_TOKEN (run scripts/ckan/start.sh)")
    try:
        up = requests.get(f"{url}/api/3/action/status_show", timeout=5).ok
    except requests.RequestException:
        up = False
    require(up, f"CKAN is not answering at {url} (run scripts/ckan/start.sh)")
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield Ckan(url.rstrip("/"), token)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ckan_command(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """CKAN's own command line (`ckan -c var/ckan/ckan.ini ...`), as the harvester is run."""
    require(CKAN_BIN.is_file() and CKAN_INI.is_file(), f"CKAN's command line is missing at {CKAN_BIN}")
    return subprocess.run(
        [str(CKAN_BIN), "-c", str(CKAN_INI), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=CKAN_VAR,
        check=False,
    )


def relabel(target: Path, prefix: str, names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Copy shipped packages under new names and ids; returns the new descriptors by name."""
    descriptors = {}
    for source in sorted(p for p in PACKAGES.iterdir() if (p / "datapackage.json").is_file()):
        if names and source.name not in names:
            continue
        directory = target / f"{prefix}-{source.name}"
        shutil.copytree(source, directory)
        descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["id"] = str(uuid.uuid5(uuid.UUID(descriptor["id"]), prefix))
        descriptor["name"] = f"{prefix}-{descriptor['name']}"
        write_descriptor(directory, descriptor)
        descriptors[descriptor["name"]] = descriptor
    return descriptors


def write_descriptor(directory: Path, descriptor: dict[str, Any]) -> None:
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    (directory / "datapackage.json").write_text(text, encoding="utf-8")


@contextlib.contextmanager
def serving(packages: Path, cache: Path, port: int) -> Iterator[str]:
    """`opendata serve` on 127.0.0.1:port (a fixed port, so URLs survive a restart)."""
    with running_server(packages, cache, port=port, env={"OPENDATA_BASE_URL": ""}, timeout=120) as base:
        yield base
