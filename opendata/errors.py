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


class ResultTooLarge(BadRequest):
    slug, title = "result-too-large", "Result too large for this format or summary"


class UnknownFormat(BadRequest):
    slug, title = "unknown-format", "Unknown format"


class UnencodedRequestTarget(BadRequest):
    slug, title = "unencoded-request-target", "Request target not percent-encoded"


class UnknownTheme(Problem):
    # A 404 like an unknown publisher: the value is well formed, it names no theme or keyword.
    slug, title, status = "unknown-theme", "No such theme or keyword", 404


class NotFound(Problem):
    slug, title, status = "not-found", "Not found", 404


class DatasetNotFound(NotFound):
    slug, title = "dataset-not-found", "Dataset not found"


class ResourceNotFound(NotFound):
    slug, title = "resource-not-found", "Resource not found"


class ReleaseNotFound(NotFound):
    slug, title = "release-not-found", "Release not found"


class PublisherNotFound(NotFound):
    slug, title = "publisher-not-found", "Publisher not found"


class InvalidUpload(Problem):
    slug, title, status = "invalid-upload", "Upload not accepted", 422


class InvalidPackage(InvalidUpload):
    """The package failed validation: the problem carries the report's issues."""

    slug, title = "invalid-package", "Data package not valid"


class UploadTooLarge(Problem):
    slug, title, status = "upload-too-large", "Upload too large", 413


class Unauthorized(Problem):
    slug, title, status = "unauthorized", "Publishing token missing or wrong", 401


class Forbidden(Problem):
    slug, title, status = "forbidden", "Not allowed for this token", 403


class MethodNotAllowed(Problem):
    slug, title, status = "method-not-allowed", "Method not allowed", 405


class NotAcceptable(Problem):
    slug, title, status = "not-acceptable", "Not acceptable", 406


class UnencodableValue(Problem):
    slug, title, status = "unencodable-value", "Value cannot be encoded", 422


class QueryTooLong(Problem):
    slug, title, status = "query-too-long", "Query string too long", 414


class QueryTimeout(Problem):
    """A query ran past the QUERY_TIME_LIMIT setting; `retry_after` (seconds) becomes Retry-After."""

    slug, title, status = "query-timeout", "Query took too long", 503


class DatabaseUnavailable(Problem):
    """The table store's database cannot be reached, or none of this worker's connections came
    free within DATABASE_POOL_TIMEOUT; `retry_after` (seconds) becomes Retry-After."""

    slug, title, status = "database-unavailable", "Database unavailable", 503


class InternalError(Problem):
    slug, title, status = "internal-error", "Internal server error", 500


class PackageError(Problem):
    """A data package on disk is missing, malformed or invalid (raised by the catalog)."""

    slug, title, status = "package-error", "Data package error", 500


class OlderRelease(PackageError):
    """A published release whose store and files another version of the service wrote."""


class CkanError(Problem):
    """CKAN could not be reached or refused a call (raised by opendata.ckan)."""

    slug, title, status = "ckan-error", "CKAN error", 502


class UploadProblem(Problem):
    """A file given to `opendata check` or POST /api/v1/check cannot be read safely (opendata.check)."""

    slug, title, status = "unreadable-file", "File cannot be read", 422


class FileTooLarge(UploadProblem):
    slug, title, status = "file-too-large", "File too large", 413


class TooManyCells(UploadProblem):
    slug, title, status = "too-many-cells", "Too many cells", 413


class UnsupportedFile(UploadProblem):
    slug, title, status = "unsupported-file", "Not a spreadsheet this service reads", 415


class UnsafeFile(UploadProblem):
    """Zip bombs and XML entity declarations: refused before any parser expands them."""

    slug, title = "unsafe-file", "File refused as unsafe"


class MacroFile(UploadProblem):
    slug, title = "macro-file", "Workbook contains macros"


class EncryptedFile(UploadProblem):
    slug, title = "encrypted-file", "Workbook is password-protected"


class CorruptFile(UploadProblem):
    slug, title = "corrupt-file", "File is damaged"


def all_problem_types() -> list[type[Problem]]:
    seen: list[type[Problem]] = []
    stack: list[type[Problem]] = [Problem]
    while stack:
        cls = stack.pop(0)
        if cls is not Problem and cls not in seen:
            seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
