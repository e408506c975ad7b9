"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from opendata import api, config, harvest, web
from opendata.api import http
from opendata.service import DataService


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config.from_environment())
    app.config.update(overrides or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Opens the published releases only: nothing is built or validated here or in a request.
    app.extensions["opendata"] = DataService.from_settings(app.config)
    http.init_app(app)
    api.init_app(app)
    harvest.init_app(app)
    web.init_app(app)
    return app
