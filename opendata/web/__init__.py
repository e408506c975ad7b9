"""The human catalog: server-rendered pages over the same service and representations as the API.

Japanese by default, English with `?lang=en`; readable without JavaScript; no CDN.
"""

from __future__ import annotations

from flask import Flask

from opendata.web import errors
from opendata.web.views import bp

# Preview limits, overridable like any setting: rows per preview page, pages a preview walks.
DEFAULTS = {"WEB_PREVIEW_ROWS": 20, "WEB_PREVIEW_PAGES": 50}


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
    app.register_error_handler(404, errors.not_found)
