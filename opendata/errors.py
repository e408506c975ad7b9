"""The one error type of the service: a Problem, rendered as RFC 9457 problem+json.

Domain modules raise these; the web layer renders them and the CLI prints them as one
line. Each subclass has a stable `slug`, so clients can branch on `type` without parsing
prose.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "/api/v1/problems"


class Problem(Exception):
    slug = "about:blank"
    title = "Error"
    status = 500

    def __init__(self, detail: str, *, parameter: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.extra = extra

    @property
    def type_uri(self) -> str:
        return f"{PROBLEM_BASE}#{self.slug}"

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.parameter:
            body["parameter"] = self.parameter
        body.update(self.extra)
        return body


class BadRequest(Problem):
    slug, title, status = "bad-request", "Bad request", 400


class UnknownParameter(BadRequest):
    slug, title = "unknown-parameter", "Unknown query parameter"


class InvalidParameter(BadRequest):
    slug, title = "invalid-parameter", "Invalid parameter value"


class UnknownField(BadRequest):
    slug, title = "unknown-field", "Unknown field"


class InvalidCursor(BadRequest):
    slug, title = "invalid-cursor", "Invalid paging cursor"


class PageTooLarge(BadRequest):
    slug, title = "page-too-large", "Page size too large"


class UnencodedRequestTarget(BadRequest):
    slug, title = "unencoded-request-target", "Request target not percent-encoded"


class UnknownTheme(BadRequest):
    slug, title = "unknown-theme", "No such theme or keyword"


class NotFound(Problem):
    slug, title, status = "not-found", "Not found", 404


class DatasetNotFound(NotFound):
    slug, title = "dataset-not-found", "Dataset not found"


class ResourceNotFound(NotFound):
    slug, title = "resource-not-found", "Resource not found"


class MethodNotAllowed(Problem):
    slug, title, status = "method-not-allowed", "Method not allowed", 405


class NotAcceptable(Problem):
    slug, title, status = "not-acceptable", "Not acceptable", 406


class UnencodableValue(Problem):
    slug, title, status = "unencodable-value", "Value cannot be encoded", 422


class QueryTooLong(Problem):
    slug, title, status = "query-too-long", "Query string too long", 414


class InternalError(Problem):
    slug, title, status = "internal-error", "Internal server error", 500


class PackageError(Problem):
    """A data package on disk is missing, malformed or invalid (raised by the catalog)."""

    slug, title, status = "package-error", "Data package error", 500


class CkanError(Problem):
    """CKAN could not be reached or refused a call (raised by opendata.ckan)."""

    slug, title, status = "ckan-error", "CKAN error", 502


def all_problem_types() -> list[type[Problem]]:
    seen: list[type[Problem]] = []
    stack: list[type[Problem]] = [Problem]
    while stack:
        cls = stack.pop(0)
        if cls is not Problem and cls not in seen:
            seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
