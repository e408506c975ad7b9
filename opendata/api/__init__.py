"""The versioned HTTP API: flask-smorest blueprints under /api/v1."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory

from opendata.api import datasets, facets, problems, rows


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
    api.register_blueprint(datasets.blp)
    api.register_blueprint(rows.blp)
    api.register_blueprint(facets.blp)
    problems.init_app(app)
    assets = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename: str):
        return send_from_directory(assets, filename)
