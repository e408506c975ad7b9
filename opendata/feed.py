"""Feeds of new releases (Atom and JSON Feed): watch one to learn when data changed.

`content_versions` is the one place that says what a new version is: every published
release of every dataset, at its publication time (opendata.catalog.changes, the same time
the API's `modified` shows); the feed is written from what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from opendata.catalog.changes import publication_time, stated_time
from opendata.catalog.models import Package
from opendata.service import DataService

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "かながわ社会問題オープンデータ：新しい版 / Kanagawa open data: new versions"
AUTHOR = "神奈川県 (Kanagawa Prefecture)"


@dataclass(frozen=True)
class ContentVersion:
    package: Package
    version: str
    digest: str
    published: datetime  # naive UTC


def content_versions(service: DataService) -> list[ContentVersion]:
    """Every release of every dataset, newest first."""
    versions = []
    for package in service.catalog:
        stated = stated_time(package)
        for release in service.releases(package.name):
            published = publication_time(stated, release.published, release.previous)
            versions.append(ContentVersion(package, release.version, release.digest, published))
    return sorted(versions, key=lambda v: (v.published, v.package.name, v.digest), reverse=True)


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def _summary(version: ContentVersion) -> str:
    package = version.package
    english = package.title_english or package.title
    return f"{english} — version {version.version}, content sha256:{version.digest[:16]}…"


def json_feed(versions: list[ContentVersion], *, base: str, self_url: str, limit: int) -> dict[str, Any]:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1) with the same entries as the Atom feed."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "home_page_url": f"{base}/",
        "feed_url": self_url,
        "language": "ja",
        "authors": [{"name": AUTHOR}],
        "items": [
            {
                "id": f"urn:sha256:{v.digest}",
                "url": f"{base}/datasets/{v.package.name}",
                "external_url": f"{base}/api/v1/datasets/{v.package.name}",
                "title": f"{v.package.title}（版 {v.version}）",
                "content_text": _summary(v),
                "date_published": _stamp(v.published),
            }
            for v in versions[:limit]
        ],
    }


def atom(versions: list[ContentVersion], *, base: str, self_url: str, limit: int) -> bytes:
    """RFC 4287 Atom: one entry per content version, linking the dataset page and its API."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"xml:lang": "ja"})

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        element.text = text
        return element

    add(feed, "title", FEED_TITLE)
    add(feed, "id", self_url)
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    add(feed, "updated", _stamp(versions[0].published) if versions else "1970-01-01T00:00:00Z")
    author = add(feed, "author")
    add(author, "name", AUTHOR)
    for version in versions[:limit]:
        package = version.package
        entry = add(feed, "entry")
        add(entry, "title", f"{package.title}（版 {version.version}）")
        add(entry, "id", f"urn:sha256:{version.digest}")
        add(entry, "updated", _stamp(version.published))
        add(entry, "link", rel="alternate", type="text/html", href=f"{base}/datasets/{package.name}")
        add(
            entry,
            "link",
            rel="related",
            type="application/json",
            href=f"{base}/api/v1/datasets/{package.name}",
        )
        summary = (
            f"{package.title_english} — version {version.version}, content sha256:{version.digest[:16]}…"
        )
        add(entry, "summary", summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="utf-8")
