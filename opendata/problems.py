"""Render every error as RFC 9457 application/problem+json, including Flask's and webargs'.

Shared by every output (the API and the web pages' non-HTML answers), so it lives beside
errors.py rather than inside one of them.
"""

from __future__ import annotations

import http
import logging

import marshmallow as ma
import orjson
from flask import Flask, Response, g, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from opendata import errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("opendata.api")


class ProblemSchema(ma.Schema):
    """The problem+json body, for the OpenAPI document."""

    type = ma.fields.String(metadata={"description": "URI naming the kind of problem."})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    parameter = ma.fields.String(metadata={"description": "The request parameter at fault, if any."})
    suggestion = ma.fields.String(
        metadata={"description": "For an unknown name: the closest real one (did you mean)."}
    )
    request_id = ma.fields.String()


# Framework errors by status, as our own Problem types.
BY_STATUS: dict[int, type[errors.Problem]] = {
    400: errors.BadRequest,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    406: errors.NotAcceptable,
    413: errors.UploadTooLarge,
    414: errors.QueryTooLong,
}


def render(problem: errors.Problem) -> Response:
    body = problem.to_dict(instance=request.path)
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = Response(orjson.dumps(body), status=problem.status, mimetype=PROBLEM_JSON)
    if isinstance(problem, errors.MethodNotAllowed) and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra.pop("allow"))
    if "retry_after" in problem.extra:
        response.headers["Retry-After"] = str(problem.extra["retry_after"])
    return response


def from_webargs(error: HTTPException) -> errors.Problem:
    """webargs reports {"query": {"name": ["message"]}}; name the first parameter at fault."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    for location in messages.values():
        for name, problems in location.items():
            text = "; ".join(problems) if isinstance(problems, list) else str(problems)
            if "Unknown field" in text:
                return errors.UnknownParameter(f"{name}: not a parameter of this endpoint", parameter=name)
            return errors.InvalidParameter(f"{name}: {text}", parameter=name)
    return errors.BadRequest("the request's parameters are not valid")


def from_http_exception(error: HTTPException) -> errors.Problem:
    if error.code == 422:
        return from_webargs(error)
    if error.code == 500:
        return internal_error(error)
    cls = BY_STATUS.get(error.code or 500)
    detail = error.description or http.HTTPStatus(error.code or 500).phrase
    if cls is errors.NotFound:
        detail = f"nothing at {request.path}; see /api/v1/ for what exists"
    if cls is errors.MethodNotAllowed:
        allowed = sorted(getattr(error, "valid_methods", None) or [])
        return errors.MethodNotAllowed(
            f"{request.method} is not allowed here; use {', '.join(allowed)}", allow=allowed
        )
    if cls is None:
        problem = errors.Problem(detail)
        problem.status = error.code or 500
        problem.title = http.HTTPStatus(problem.status).phrase
        return problem
    return cls(detail)


def internal_error(error: BaseException) -> errors.Problem:
    request_id = getattr(g, "request_id", "-")
    log.error("request %s failed: %s %s", request_id, request.method, request.full_path, exc_info=error)
    return errors.InternalError(
        f"the server failed to answer; quote request id {request_id} when reporting it"
    )


class ProblemApi(Api):
    """flask-smorest's Api, documenting and returning problem+json for every error."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        return render(from_http_exception(error))

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An RFC 9457 problem", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app: Flask) -> None:
    app.register_error_handler(errors.Problem, render)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return render(from_http_exception(error))
        return render(internal_error(error))
