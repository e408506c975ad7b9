"""Being harvested: a read-only CKAN action API, DCAT-AP catalog documents and schema.org JSON-LD.

Everything is built from the DataService's catalog once per process (package dicts and
documents are cached per base URL); nothing here writes, except the modification ledger.
"""

from __future__ import annotations

from flask import Flask

from opendata.harvest import actions, documents
from opendata.harvest.catalog import HarvestCatalog
from opendata.harvest.records import Published


def init_app(app: Flask) -> None:
    catalog = HarvestCatalog.from_service(app.extensions["opendata"], app.config)
    app.extensions["opendata.harvest"] = Published(catalog)
    app.register_blueprint(actions.bp)
    app.register_blueprint(documents.bp)
