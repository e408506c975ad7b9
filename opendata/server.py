"""Run the API under gunicorn, as `make run` and `opendata serve` do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


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


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
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
