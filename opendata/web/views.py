"""The catalog's pages: the home page (and its search results) and one page per dataset."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from opendata import errors, schemaorg
from opendata.catalog.models import Package
from opendata.context import api_url, service
from opendata.metadata import Publishing
from opendata.publish import diff as diffs
from opendata.views import representations as rep
from opendata.web import context, dataset_page, listing
from opendata.web import errors as web_errors
from opendata.web.context import current_language, page_url
from opendata.web.preview import FILTER_PREFIX, parse_page

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)
bp.register_error_handler(errors.Problem, web_errors.problem_page)
bp.register_error_handler(Exception, web_errors.unexpected_page)
bp.context_processor(context.template_globals)

# Pages send no inline script or style and load nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def with_args(parse: Callable[[Any], dict[str, Any]]):
    """Parse the query string with `parse` and pass what it returns as keyword arguments."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            return view(**kwargs, **parse(request.args))

        return wrapper

    return decorate


def home_args(args) -> dict[str, Any]:
    return {
        "q": args.get("q", "").strip(),
        "theme": args.get("theme", "").strip() or None,
        "keyword": args.get("keyword", "").strip() or None,
    }


def dataset_args(args) -> dict[str, Any]:
    return {
        "asked": dataset_page.PreviewRequest(
            resource=args.get("resource") or None,
            sort=args.get("sort") or None,
            page=parse_page(args.get("page")),
            filters=tuple(
                (key.removeprefix(FILTER_PREFIX), value)
                for key, value in args.items()
                if key.startswith(FILTER_PREFIX) and value
            ),
        )
    }


@bp.get("/")
@with_args(home_args)
def home(q: str, theme: str | None, keyword: str | None) -> ResponseReturnValue:
    """The catalog grouped by the report's sections and by theme, or the results of a search."""
    lang, data, api = current_language(), service(), api_url()
    summaries = {p.name: rep.dataset_summary(data, api, p) for p in data.catalog}
    searching = bool(q or theme or keyword)
    try:
        hits, unknown = data.search.find(q, keyword, theme) if searching else [], None
    except errors.UnknownTheme as problem:  # said on the page, above the list of what exists
        hits, unknown = [], problem
    page = render_template(
        "home.html",
        q=q,
        theme=theme,
        keyword=keyword,
        searching=searching,
        unknown=unknown,
        results=[(listing.card(summaries[h.package.name], lang), listing.reasons(h)) for h in hits],
        sections=listing.by_section(list(summaries.values()), lang),
        themes=listing.by_theme(list(summaries.values()), lang),
    )
    return page, unknown.status if unknown else 200


@bp.get("/themes")
def themes() -> str:
    """Every theme and keyword with the number of datasets, each linking to its datasets."""
    index = service().search
    return render_template("themes.html", themes=index.themes(), keywords=index.keywords())


@bp.get("/datasets")
def datasets() -> ResponseReturnValue:
    return redirect(page_url("web.home"))


@bp.get("/datasets/<name>")
@with_args(dataset_args)
def dataset(name: str, asked: dataset_page.PreviewRequest) -> str:
    """A dataset: what it is, where it comes from, its data as table and chart, its downloads."""
    data, config = service(), current_app.config
    package = data.package(name)
    page = dataset_page.build(
        data,
        package,
        rep.dataset_detail(data, api_url(), package),
        asked,
        lang=current_language(),
        site=schema_org_site(package),
        page_size=config["WEB_PREVIEW_ROWS"],
        max_pages=config["WEB_PREVIEW_PAGES"],
        max_json_rows=config["MAX_PAGE_SIZE"],
    )
    current = package.release_id
    releases = [rep.release_entry(api_url(), r, current) for r in data.releases(name)]
    return render_template("dataset.html", page=page, api_docs=api_url() + "/docs", releases=releases)


@bp.get("/publishers/<name>")
def publisher(name: str) -> str:
    """A publisher: its code and names, and the datasets it publishes."""
    lang, data, api = current_language(), service(), api_url()
    found, packages = data.publisher(name)
    cards = [listing.card(rep.dataset_summary(data, api, p), lang) for p in packages]
    return render_template("publisher.html", publisher=found, results=cards)


def diff_args(args) -> dict[str, Any]:
    return {"older": args.get("from") or None, "newer": args.get("to") or None}


@bp.get("/datasets/<name>/diff")
@with_args(diff_args)
def diff(name: str, older: str | None, newer: str | None) -> str:
    """What changed between two releases of a dataset, by primary key."""
    data = service()
    old, new = data.release_pair(name, older, newer)
    found = diffs.compare(data.store, old, new, limit=current_app.config["WEB_PREVIEW_ROWS"])
    csv_url = f"{api_url()}/datasets/{name}/diff.csv?from={old.release_id}&to={new.release_id}"
    return render_template("diff.html", package=data.package(name), diff=found, csv_url=csv_url)


def schema_org_site(package: Package) -> schemaorg.Site:
    """Where the page's JSON-LD says the dataset lives: the same as /dataset/<name>.schemaorg.jsonld."""
    harvest = current_app.extensions["opendata.harvest"].catalog.find(package.name)
    return schemaorg.Site(
        api_url().removesuffix("/api/v1"),
        str(current_app.config.get("API_TITLE", "Kanagawa open data")),
        Publishing.from_settings(current_app.config),
        harvest.modified if harvest is not None else None,
    )


@bp.after_request
def security_headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response
