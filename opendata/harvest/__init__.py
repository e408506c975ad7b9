"""Being harvested: a read-only CKAN action API, DCAT-AP catalog documents and schema.org JSON-LD.

Everything is built from the DataService's catalog once per set of current releases (package dicts and
documents are cached per base URL); nothing here writes, except the modification ledger.
"""

from __future__ import annotations

from flask import Flask

from opendata.harvest import actions, documents
from opendata.harvest.records import published


def init_app(app: Flask) -> None:
    published(app.extensions, app.config)  # built before workers fork; rebuilt per new release

    @app.before_request
    def current_harvest_view() -> None:
        # Every output (the pages' JSON-LD too) reads extensions["opendata.harvest"]: keep it current.
        published(app.extensions, app.config)

    app.register_blueprint(actions.bp)
    app.register_blueprint(documents.bp)
