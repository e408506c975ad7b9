"""The versioned HTTP API: flask-smorest blueprints under /api/v1."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory
from werkzeug.routing import Rule

from opendata import problems
from opendata.api import check, datasets, facets, formats, releases, rows, summaries


def init_app(app: Flask) -> None:
    import swagger_ui_bundle

    app.config.setdefault("API_TITLE", "Kanagawa open data API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    # Swagger UI's assets come from the installed swagger-ui-bundle package, never a CDN.
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/v1/docs/assets/")
    api = problems.ProblemApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Tables of Kanagawa Prefecture's committee report of 2022-03-10 "
                "as Frictionless data packages. Errors are RFC 9457 application/problem+json.",
                "license": {"name": "Data: CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            }
        },
    )
    api.spec.components.security_scheme(
        "publishingToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A publisher's token from `opendata tokens create`.",
        },
    )
    api.register_blueprint(datasets.blp)
    assert formats.blp is rows.blp  # the format paths are routes of the rows blueprint
    api.register_blueprint(rows.blp)
    api.register_blueprint(summaries.blp)
    api.register_blueprint(releases.blp)
    api.register_blueprint(check.blp)
    api.register_blueprint(facets.blp)
    _document_release_paths(api)
    problems.init_app(app)
    assets = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename: str):
        return send_from_directory(assets, filename)


def _document_release_paths(api: problems.ProblemApi) -> None:
    """The release paths are routed by one rule (http.release_paths), so they are described here."""
    parameters = [
        {"in": "path", "name": "name", "required": True, "schema": {"type": "string"}},
        {
            "in": "path",
            "name": "release",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
            "description": "A release id from .../releases.",
        },
    ]
    api.spec.path(
        rule=Rule("/api/v1/datasets/<name>/releases/<release>"),
        parameters=parameters,
        operations={
            "get": {
                "tags": ["releases"],
                "summary": "A dataset as of one release; every dataset path works below this one",
                "description": "`…/releases/{release}/datapackage.json`, `/download.zip`, "
                "`/resources/{resource}`, `/rows`, `/rows.csv` and `/download.csv` answer as their "
                "current paths do, from that release's files, with "
                "`Cache-Control: public, max-age=31536000, immutable`.",
                "responses": {
                    "200": {"description": "The dataset's metadata as of that release"},
                    "404": {"$ref": "#/components/responses/NOT_FOUND"},
                },
            }
        },
    )
