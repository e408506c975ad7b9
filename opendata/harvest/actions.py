"""A read-only CKAN action API at /api/3/action/<name> (and /api/action/<name>, as ckanapi calls it).

Enough of CKAN's API for ckanext-harvest's CKAN harvester and for ckanapi's RemoteCKAN:
package_search, package_show, package_list, current_package_list_with_resources,
organization_list, organization_show, status_show and a few small lookups. GET query
parameters and POST JSON bodies are both read, as CKAN reads them. Answers use CKAN's
envelope; errors carry CKAN's `__type` and HTTP status. Write actions are refused with
CKAN's "Authorization Error": the catalog is published from data packages, not edited here.

As in CKAN, package_search refuses unknown parameters and the other actions ignore them.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from opendata import __version__
from opendata.harvest import search
from opendata.harvest.catalog import HarvestCatalog
from opendata.harvest.errors import (
    ActionError,
    BadRequest,
    InternalError,
    NotAuthorized,
    NotFound,
    ValidationError,
)
from opendata.harvest.records import Published, organization_dict, tag_id

log = logging.getLogger("opendata.harvest")
bp = Blueprint("ckan_action_api", __name__)
MAX_BODY = 64 * 1024
# The CKAN release this read API is checked against (tests/ckan harvests it with CKAN 2.12.0):
# ckanapi and harvesters read `ckan_version` to decide which API features to use.
CKAN_API_VERSION = "2.12.0"
WRITE_ACTION = re.compile(r"(_(create|update|patch|delete|purge|reorder|revise|upsert|insert|clear)$|^bulk_)")


@dataclass(frozen=True)
class Context:
    published: Published
    root: str  # this service's base URL, no trailing slash

    @property
    def api(self) -> str:
        return f"{self.root}/api/v1"

    @property
    def catalog(self) -> HarvestCatalog:
        return self.published.catalog

    def packages(self) -> list[dict[str, Any]]:
        return self.published.packages(self.api)


Action = Callable[[Context, dict[str, Any]], Any]
ACTIONS: dict[str, Action] = {}


def action(function: Action) -> Action:
    ACTIONS[function.__name__] = function
    return function


def flag(params: dict[str, Any], key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def window(items: list[Any], params: dict[str, Any], default_limit: int | None = None) -> list[Any]:
    offset = search.natural(params, "offset", 0) or 0
    limit = search.natural(params, "limit", default_limit)
    return items[offset:] if limit is None else items[offset : offset + limit]


def required(params: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if params.get(key) not in (None, ""):
            return str(params[key])
    raise ValidationError({keys[-1]: ["Missing value"]})


@action
def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets with q, fq, sort, rows (at most 1,000), start and facet.field, as in CKAN."""
    query = search.parse(params)
    packages = ctx.packages()
    docs = [
        (entry, search.document(entry, p)) for entry, p in zip(ctx.catalog.entries, packages, strict=True)
    ]
    result = search.run(query, docs)
    by_id = {p["id"]: p for p in packages}
    results = [by_id[entry.package.id] for entry in result.entries]
    if query.fields:
        results = [{key: p.get(key) for key in query.fields} for p in results]
    org = ctx.catalog.organization
    titles = {"organization": {org["name"]: org["title"]}}
    return {
        "count": result.count,
        "results": results,
        "sort": query.raw_sort,
        "facets": {name: dict(counts) for name, counts in result.facets.items()},
        "search_facets": {
            name: {
                "title": name,
                "items": [
                    {"name": value, "display_name": titles.get(name, {}).get(value, value), "count": count}
                    for value, count in counts.items()
                ],
            }
            for name, counts in result.facets.items()
        },
    }


@action
def package_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One dataset by id or name."""
    key = required(params, "id", "name_or_id")
    found = ctx.published.package(ctx.api, key)
    if found is None:
        raise NotFound("Dataset not found")
    return found


@action
def package_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    """The names of all datasets, sorted; limit and offset page through them."""
    return window(sorted(p["name"] for p in ctx.packages()), params)


@action
def current_package_list_with_resources(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Datasets with their resources, most recently modified first; limit, offset (or page)."""
    packages = sorted(ctx.packages(), key=lambda p: (p["metadata_modified"], p["id"]), reverse=True)
    if "offset" not in params and params.get("page") not in (None, ""):
        limit = search.natural(params, "limit", None) or len(packages) or 1
        page = search.natural(params, "page", 1) or 1
        params = {**params, "offset": (page - 1) * limit, "limit": limit}
    return window(packages, params)


def _organization(ctx: Context, *, with_packages: bool) -> dict[str, Any]:
    body = organization_dict(ctx.catalog, package_count=len(ctx.catalog.entries))
    body.update({"users": [], "groups": [], "tags": [], "extras": [], "num_followers": 0})
    if with_packages:
        body["packages"] = ctx.packages()
    return body


@action
def organization_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """The one publishing organization: its name, or with all_fields=true its dict."""
    wanted = params.get("organizations")
    if wanted:
        names = wanted if isinstance(wanted, list) else re.split(r"[\s,]+", str(wanted))
        if ctx.catalog.organization["name"] not in names:
            return []
    if flag(params, "all_fields"):
        return window([_organization(ctx, with_packages=False)], params)
    return window([ctx.catalog.organization["name"]], params)


@action
def organization_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The publishing organization by id or name; include_datasets=true adds its datasets."""
    key = required(params, "id")
    if not ctx.catalog.is_organization(key):
        raise NotFound("Organization was not found.")
    return _organization(ctx, with_packages=flag(params, "include_datasets"))


@action
def group_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Groups: there are none."""
    return []


@action
def group_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Groups: there are none, so every lookup is Not Found."""
    required(params, "id")
    raise NotFound("Group was not found.")


@action
def tag_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Every tag in use, sorted; all_fields=true gives dicts."""
    names = sorted({t["name"] for p in ctx.packages() for t in p["tags"]})
    query = str(params.get("query") or params.get("q") or "")
    names = [n for n in names if query.lower() in n.lower()]
    if flag(params, "all_fields"):
        return [{"id": tag_id(n), "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


@action
def license_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The licences the datasets use."""
    used = sorted({(p["license_id"], p["license_title"], p["license_url"]) for p in ctx.packages()})
    return [{"id": i, "title": t, "url": u, "status": "active"} for i, t, u in used]


@action
def status_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """What this site is: the CKAN version whose action API it answers like, and its own version."""
    return {
        "ckan_version": CKAN_API_VERSION,
        "site_title": current_app.config.get("API_TITLE", "Kanagawa open data API"),
        "site_description": "Read-only, CKAN-compatible view of the catalog; the API proper is /api/v1/.",
        "site_url": ctx.root,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": [],
        "opendata_version": __version__,
    }


@action
def site_read(ctx: Context, params: dict[str, Any]) -> bool:
    """Whether the site may be read: always."""
    return True


@action
def help_show(ctx: Context, params: dict[str, Any]) -> str:
    """The description of an action."""
    name = required(params, "name")
    if name not in ACTIONS:
        raise NotFound(f"Action function not found: {name}")
    return inspect.getdoc(ACTIONS[name]) or ""


def request_data() -> dict[str, Any]:
    """POSTed JSON (or form) fields, then the query string, as CKAN's api view reads them."""
    data: dict[str, Any] = {}
    if request.method == "POST":
        if (request.content_length or 0) > MAX_BODY:
            raise BadRequest(f"request body over {MAX_BODY} bytes")
        if request.form:
            data.update(request.form.to_dict())
        else:
            body = request.get_data(cache=False)[: MAX_BODY + 1]
            if len(body) > MAX_BODY:
                raise BadRequest(f"request body over {MAX_BODY} bytes")
            if body.strip():
                try:
                    loaded = json.loads(body)
                except ValueError as exc:
                    raise BadRequest(f"JSON Error: {exc}") from None
                if not isinstance(loaded, dict):
                    raise BadRequest("JSON Error: request data must be a JSON object")
                data.update(loaded)
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[0] if len(values) == 1 else values
    return data


def envelope(name: str, root: str, status: int, **body: Any) -> Response:
    payload = {"help": f"{root}/api/3/action/help_show?name={name}", **body}
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def base_url() -> str:
    return (current_app.config.get("BASE_URL") or request.host_url).rstrip("/")


@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>", methods=["GET", "POST"])
def call(name: str) -> Response:
    root = base_url()
    try:
        function = ACTIONS.get(name)
        if function is None:
            if WRITE_ACTION.search(name):
                raise NotAuthorized("this catalog is read-only; it is published from data packages")
            raise BadRequest(f"Action name not known: {name}")
        context = Context(current_app.extensions["opendata.harvest"], root)
        result = function(context, request_data())
    except ActionError as error:
        return envelope(name, root, error.status, success=False, error=error.error())
    except Exception:
        log.exception("CKAN action %s failed", name)
        internal = InternalError()
        return envelope(name, root, internal.status, success=False, error=internal.error())
    return envelope(name, root, 200, success=True, result=result)
