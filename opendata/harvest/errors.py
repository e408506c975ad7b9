"""CKAN's action API errors: the `__type` names and HTTP statuses CKAN's api view uses.

These are not the service's problem+json Problems: /api/3/action/ speaks CKAN's envelope,
`{"help", "success": false, "error": {"__type", "message" | field errors}}`, because
harvesters and ckanapi branch on `__type`.
"""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    status = 400
    type_name = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def error(self) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message}


class BadRequest(ActionError):
    """CKAN answers an unknown action or malformed JSON with 400 and a bare string; we keep the envelope."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Bad request - {message}")


class NotFound(ActionError):
    status, type_name = 404, "Not Found Error"

    def __init__(self, what: str = "") -> None:
        super().__init__(f"Not found: {what}" if what else "Not found")


class MethodNotAllowed(ActionError):
    status = 405

    def __init__(self, method: str) -> None:
        super().__init__(f"Bad request - {method} is not allowed; the action API takes GET or POST")


class NotAuthorized(ActionError):
    status, type_name = 403, "Authorization Error"

    def __init__(self, why: str) -> None:
        super().__init__(f"Access denied: {why}")


class ValidationError(ActionError):
    status, type_name = 409, "Validation Error"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))
        self.fields = fields

    def error(self) -> dict[str, Any]:
        return {"__type": self.type_name, **self.fields}


class SearchQueryError(ActionError):
    status, type_name = 400, "Search Query Error"

    def __init__(self, why: str) -> None:
        super().__init__(f"Search Query is invalid: {why}")


class InternalError(ActionError):
    status, type_name = 500, "Internal Server Error"

    def __init__(self) -> None:
        super().__init__("Internal Server Error")
