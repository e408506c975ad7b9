"""Run the API under gunicorn, as `make run` and `opendata serve` do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.config import KNOWN_SETTINGS


class Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from opendata.app import create_app

        return create_app()


# gunicorn's own request limits, answered with its HTML page before the app sees the request.
# They are set above the service's own limits, so the service answers in its own shape: its
# default 4,094-byte request line refused a 4,097-byte query string with an HTML 414 where
# MAX_QUERY_STRING (4,096) should answer a problem+json 414. 8,190 is gunicorn's largest
# request line; header counts and sizes stay generous but bounded.
REQUEST_LIMITS: dict[str, int] = {
    "limit_request_line": 8190,
    "limit_request_fields": 100,
    "limit_request_field_size": 8190,
}


# Newer gunicorn opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): every
# server started takes it over from the one before (several nodes on one machine, test servers),
# so `gunicornc` would reach whichever started last. The service uses none.
NO_CONTROL_SOCKET = (
    {"control_socket_disable": True}
    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)
    else {}
)


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        **NO_CONTROL_SOCKET,
        **REQUEST_LIMITS,
        "bind": f"{host}:{port}",
        "workers": workers,
        # Sync workers: with keep-alive clients, threaded workers here left one process idle.
        # This one also reads a raw UTF-8 request target (curl 'URL?q=就労') as its
        # percent-encoding (opendata/request_targets.py).
        "worker_class": "opendata.request_targets.SyncWorker",
        # Build the catalog and query stores once in the master, before the workers fork.
        "preload_app": True,
        "timeout": 120,
        "accesslog": os.environ.get("OPENDATA_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": "info",
    }


def run_gunicorn(packages_dir: Path, *, host: str, port: int, workers: int) -> None:
    os.environ["OPENDATA_PACKAGES_DIR"] = str(Path(packages_dir).resolve())
    Server(gunicorn_options(host, port, workers)).run()
