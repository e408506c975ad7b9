"""Themes and keywords with their counts, and the feeds of new content versions."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from opendata import feed
from opendata.api.schemas import FacetList
from opendata.context import api_url, service

blp = Blueprint("facets", __name__, url_prefix="/api/v1", description="Themes, keywords and the feed.")


@blp.route("/themes")
class Themes(MethodView):
    @blp.response(200, FacetList)
    def get(self):
        """Every theme and keyword with the number of datasets that have it"""
        api, index = api_url(), service().search

        def facet(parameter: str, name: str, count: int) -> dict:
            return {
                "name": name,
                "datasets": count,
                "url": f"{api}/datasets?{urlencode({parameter: name})}",
            }

        return {
            "themes": [facet("theme", n, c) for n, c in index.themes()],
            "keywords": [facet("keyword", n, c) for n, c in index.keywords()],
        }


@blp.route("/feed.atom")
class Feed(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "RFC 4287 Atom feed, one entry per content version",
                "content": {"application/atom+xml": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self) -> Response:
        """Atom feed of new content versions of the datasets, newest first"""
        api = api_url()
        body = feed.atom(
            feed.content_versions(service()),
            base=api.removesuffix("/api/v1"),
            self_url=f"{api}/feed.atom",
            limit=current_app.config["FEED_ENTRIES"],
        )
        return Response(body, mimetype="application/atom+xml")


@blp.route("/feed.json")
class JsonFeed(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "JSON Feed 1.1, the same entries as feed.atom",
                "content": {"application/feed+json": {"schema": {"type": "object"}}},
            }
        }
    )
    def get(self) -> Response:
        """JSON Feed of new content versions of the datasets, newest first"""
        api = api_url()
        body = feed.json_feed(
            feed.content_versions(service()),
            base=api.removesuffix("/api/v1"),
            self_url=f"{api}/feed.json",
            limit=current_app.config["FEED_ENTRIES"],
        )
        return Response(orjson.dumps(body), mimetype="application/feed+json")
