"""The human catalog: server-rendered pages over the same service and representations as the API.

Japanese by default, English with `?lang=en`; readable without JavaScript; no CDN.
"""

from __future__ import annotations

from flask import Flask

from opendata.web import check_page, errors
from opendata.web.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(check_page.bp)
    app.register_error_handler(404, errors.not_found)
    app.register_error_handler(405, errors.method_not_allowed)
