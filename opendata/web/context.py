"""Per-request helpers for the templates: the language, links that keep it, the switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from markupsafe import Markup

from opendata.web import i18n


def current_language() -> str:
    return i18n.language(request.args.get("lang"))


def other_language(lang: str) -> str:
    return "en" if lang == "ja" else "ja"


def page_url(endpoint: str, **params: Any) -> str:
    """url_for that keeps the page's language and drops empty parameters."""
    if current_language() != i18n.DEFAULT_LANGUAGE:
        params["lang"] = current_language()
    return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})


def language_url(lang: str) -> str:
    """This very page (path and query) in `lang`."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if lang != i18n.DEFAULT_LANGUAGE:
        args.append(("lang", lang))
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def lang_attribute(text: str | None) -> Markup:
    """` lang="ja"` or ` lang="en"` when `text` is not in the page's language (WCAG 3.1.2)."""
    if not text:
        return Markup("")
    text_lang = "ja" if i18n.is_japanese(text) else "en"
    return Markup(f' lang="{text_lang}"') if text_lang != current_language() else Markup("")


def template_globals() -> dict[str, Any]:
    lang = current_language()
    return {
        "lang": lang,
        "other_lang": other_language(lang),
        "t": lambda key, **values: i18n.translate(lang, key, **values),
        "url": page_url,
        "language_url": language_url,
        "lang_attr": lang_attribute,
        "format_date": lambda value: i18n.format_date(value, lang),
        "format_number": i18n.format_number,
        "theme_name": lambda theme: i18n.theme_name(theme, lang),
        # Anything with description / description_english (package, resource, field).
        "described": lambda item: i18n.in_language(item.description, lang, item.description_english),
    }
