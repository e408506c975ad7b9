"""Catalog search that works for Japanese as well as English.

Japanese has no spaces between words, so word tokenisers find nothing in it. The catalog
is small, so each package gets one folded text (NFKC, case-folded, katakana as hiragana)
and a query matches when every one of its space-separated terms occurs in that text.
Title matches rank first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from opendata.catalog.models import Package

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA_TO_HIRAGANA)


@dataclass(frozen=True)
class Indexed:
    package: Package
    title: str
    text: str


def _text(package: Package) -> str:
    parts = [
        package.name,
        package.title,
        package.title_english,
        package.description,
        package.description_english,
        package.theme,
        *package.keywords,
        *(str(v) for v in package.source.values()),
    ]
    for resource in package.resources:
        parts += [resource.name, resource.title, resource.title_english, resource.description]
        parts.append(resource.description_english)
        parts += [f"{f.name} {f.title} {f.description} {f.description_english}" for f in resource.fields]
    return fold(" ".join(parts))


def search_entry(package: Package) -> dict[str, str]:
    """What the index keeps of a package: its folded title text and everything searchable.

    `opendata publish` writes it into the release's manifest; the server reads it from there.
    """
    title = fold(f"{package.title} {package.title_english} {' '.join(package.keywords)}")
    return {"title": title, "text": _text(package)}


class SearchIndex:
    def __init__(self, packages: list[Package]) -> None:
        entries = [(p, p.manifest.get("search") or search_entry(p)) for p in packages]
        self.entries = [Indexed(p, entry["title"], entry["text"]) for p, entry in entries]

    def search(self, query: str = "", keyword: str | None = None, theme: str | None = None) -> list[Package]:
        terms = fold(query).split()
        hits = []
        for position, entry in enumerate(self.entries):
            if keyword and fold(keyword) not in {fold(k) for k in entry.package.keywords}:
                continue
            if theme and fold(theme) != fold(entry.package.theme):
                continue
            if not all(term in entry.text for term in terms):
                continue
            in_title = sum(term in entry.title for term in terms)
            hits.append((-in_title, position, entry.package))
        return [package for *_, package in sorted(hits, key=lambda hit: hit[:2])]
