"""Error pages for people: HTML for the catalog's pages, problem+json everywhere else.

The API keeps its RFC 9457 bodies: only a request outside /api/ whose client prefers HTML
(a browser) gets a page.
"""

from __future__ import annotations

import logging

from flask import Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from opendata import errors, problems
from opendata.web.context import template_globals

log = logging.getLogger("opendata.web")


def wants_html() -> bool:
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match([problems.PROBLEM_JSON, "application/json", "text/html"])
    return best == "text/html"


def page(status: int, detail: str | None = None, suggestion: str | None = None) -> Response:
    if status == 404:
        title_key, text_key = "not_found_title", "not_found_text"
    elif status < 500:
        title_key, text_key = "bad_request_title", "error_text"
    else:
        title_key, text_key = "error_title", "error_text"
    body = render_template(
        "error.html",
        **template_globals(),  # also outside the blueprint, for URLs nothing routes
        status=status,
        title_key=title_key,
        text_key=text_key,
        detail=detail if status < 500 else None,
        suggestion=suggestion,
        request_id=g.get("request_id", ""),
    )
    return Response(body, status=status, mimetype="text/html")


def problem_page(problem: errors.Problem) -> Response:
    """A Problem raised while building a catalog page (unknown dataset, bad sort, bad page)."""
    suggestion = problem.extra.get("suggestion") if isinstance(problem, errors.DatasetNotFound) else None
    return page(problem.status, problem.detail, suggestion)


def unexpected_page(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return page(error.code or 500)
    log.error("request %s failed: %s", g.get("request_id", "-"), request.full_path, exc_info=error)
    return page(500)


def not_found(error: HTTPException) -> Response:
    """Any unrouted URL: an HTML page for browsers, the API's problem+json for the rest."""
    if wants_html():
        return page(404)
    return problems.render(problems.from_http_exception(error))


def method_not_allowed(error: HTTPException) -> Response:
    """A POST or PUT to a page: an HTML page for browsers (with Allow), problem+json for the rest."""
    if not wants_html():
        return problems.render(problems.from_http_exception(error))
    response = page(405)
    response.headers["Allow"] = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
    return response
