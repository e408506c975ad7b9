"""The one boundary to a CKAN: every call has a timeout, every failure becomes a CkanError.

Callers get plain dicts or a CkanError whose message says what failed and what to do, and
never contains the API token. The ckanapi object is injected: `connect` builds a real
RemoteCKAN, tests pass a fake with the same `call_action` signature.
"""

from __future__ import annotations

import ast
import io
from typing import Any, Protocol

import ckanapi
import requests

from opendata import __version__
from opendata.errors import CkanError
from opendata.views.ckan_mapping import Upload

TOKEN_VARIABLE = "CKAN_API_TOKEN"


class ActionCaller(Protocol):
    def call_action(
        self,
        action: str,
        data_dict: dict[str, Any] | None = None,
        context: Any = None,
        apikey: str | None = None,
        files: dict[str, Any] | None = None,
        requests_kwargs: dict[str, Any] | None = None,
    ) -> Any: ...


class Missing(CkanError):
    """CKAN answered Not Found: a normal answer to a lookup, handled inside this package."""


class Ckan:
    def __init__(self, remote: ActionCaller, *, url: str, token: str | None, timeout: float) -> None:
        self.remote = remote
        self.url = url.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    def call(self, action: str, data: dict[str, Any] | None = None, upload: Upload | None = None) -> Any:
        files = None
        if upload is not None:
            files = {"upload": (upload.filename, io.BytesIO(upload.read()), upload.mimetype)}
        try:
            return self.remote.call_action(
                action, data or {}, files=files, requests_kwargs={"timeout": self.timeout}
            )
        except Exception as exc:  # the boundary: nothing from ckanapi or requests gets past here
            raise self.translate(action, exc) from None

    def show(self, action: str, **data: Any) -> dict[str, Any] | None:
        """A *_show call; None when CKAN has no such thing."""
        try:
            return self.call(action, data)
        except Missing:
            return None

    def translate(self, action: str, exc: Exception) -> CkanError:
        where = f"CKAN at {self.url}"
        if isinstance(exc, ckanapi.NotFound):
            return Missing(self.scrub(f"{where}: {action}: not found ({exc})"))
        if isinstance(exc, ckanapi.NotAuthorized):
            return CkanError(self.scrub(f"{where} refused {action} (HTTP 403): {self.token_advice()}"))
        if isinstance(exc, ckanapi.ValidationError):
            return CkanError(self.scrub(f"{where} rejected {action}: {validation_message(exc)}"))
        if isinstance(exc, requests.Timeout):
            return CkanError(self.scrub(f"{where} did not answer {action} within {self.timeout:g} s"))
        if isinstance(exc, requests.ConnectionError):
            return CkanError(self.scrub(f"cannot reach {where} ({type(exc).__name__}); is it running?"))
        if isinstance(exc, requests.RequestException):
            return CkanError(self.scrub(f"{where}: {action} failed: {exc}"))
        if isinstance(exc, ckanapi.ServerIncompatibleError):
            return CkanError(self.scrub(f"{self.url} does not answer like a CKAN API ({action})"))
        if isinstance(exc, ckanapi.CKANAPIError):
            return CkanError(self.scrub(self.http_message(action, exc)))
        return CkanError(self.scrub(f"{where}: {action} failed: {type(exc).__name__}: {exc}"))

    def http_message(self, action: str, exc: ckanapi.CKANAPIError) -> str:
        """ckanapi reports an unrecognised answer as repr([url, status, body])."""
        try:
            _, status, body = ast.literal_eval(str(exc.extra_msg))
        except (ValueError, SyntaxError, TypeError):
            return f"CKAN at {self.url}: {action} failed: {exc}"
        if status in (401, 403):
            return f"CKAN at {self.url} refused {action} (HTTP {status}): {self.token_advice()}"
        if status == 404:
            return f"{self.url} has no CKAN action API (HTTP 404 for {action}); check the CKAN URL"
        snippet = " ".join(str(body).split())[:200]
        return f"CKAN at {self.url}: {action} failed with HTTP {status}: {snippet}"

    def token_advice(self) -> str:
        if not self.token:
            return f"no API token; set {TOKEN_VARIABLE}"
        return (
            f"the token in {TOKEN_VARIABLE} is not accepted (unknown, revoked or expired) or its user "
            "may not do this; pushing needs a sysadmin's token"
        )

    def scrub(self, message: str) -> str:
        return message.replace(self.token, "[token]") if self.token else message


def validation_message(exc: Any) -> str:
    errors = dict(getattr(exc, "error_dict", {}) or {})
    errors.pop("__type", None)
    if not errors:
        return str(exc)
    parts = []
    for key, value in errors.items():
        text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{key}: {text}")
    return ", ".join(parts)


def connect(url: str, token: str | None, timeout: float) -> Ckan:
    """A Ckan over ckanapi's RemoteCKAN (which has no timeout of its own: Ckan.call passes one)."""
    if not url:
        raise CkanError("no CKAN URL: pass --url or set CKAN_URL")
    if not url.startswith(("http://", "https://")):
        raise CkanError(f"the CKAN URL must start with http:// or https://, not {url!r}")
    remote = ckanapi.RemoteCKAN(
        url.rstrip("/"), apikey=token or None, user_agent=f"kanagawa-opendata/{__version__}"
    )
    return Ckan(remote, url=url, token=token, timeout=timeout)
