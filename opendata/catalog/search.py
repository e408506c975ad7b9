"""Catalog search that works for Japanese as well as English, and says why a dataset matched.

Japanese has no spaces between words, so word tokenisers find nothing in it. The catalog
is small, so each package gets folded texts (NFKC, case-folded, katakana as hiragana), one
per place a word can be found (title, keywords, description, a table's cells ...), and a
query matches when every one of its space-separated terms, or a synonym of it, occurs in
one of them. Title matches rank first. Themes and keywords filter by exact name or, when
none is exact, by prefix; a theme or keyword that matches nothing is an UnknownTheme.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opendata.catalog.models import Package
from opendata.catalog.suggest import closest
from opendata.errors import UnknownTheme

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}

# Words people type for what this catalog calls otherwise. Each group is one meaning; a
# term matching any word of a group matches every word of it. Kept small on purpose, for
# the words the shipped datasets use (documented in the README).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("就労", "雇用", "就業", "仕事", "就職", "employment", "job"),
    ("相談", "窓口", "consultation", "counselling"),
    ("ひきこもり", "引きこもり", "引き籠もり", "hikikomori"),
    ("自殺", "自死", "suicide"),
    ("犯罪被害", "被害者", "crime victim"),
    ("電子", "デジタル", "オンライン", "digital", "online"),
    ("孤独", "孤立", "loneliness", "isolation"),
)

SNIPPET = 40  # characters of context a match reason quotes


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA_TO_HIRAGANA)


_GROUPS = {fold(word): tuple(fold(w) for w in group) for group in SYNONYMS for word in group}


def variants(term: str) -> tuple[str, ...]:
    """The folded term and its synonyms, the term itself first."""
    folded = fold(term)
    return (folded, *(w for w in _GROUPS.get(folded, ()) if w != folded))


@dataclass(frozen=True)
class Place:
    """One searchable text of a package: where it is (e.g. `title`, `table:services.service_name`)."""

    where: str
    text: str  # as written, for the reason's snippet
    folded: str


@dataclass(frozen=True)
class Indexed:
    package: Package
    title: str  # folded titles and keywords: what ranks first
    text: str  # folded text of the metadata places, for the CKAN-compatible search
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Reason:
    term: str  # as the user typed it
    matched: str  # the word found: the term or one of its synonyms
    where: str
    snippet: str


@dataclass(frozen=True)
class Hit:
    package: Package
    reasons: tuple[Reason, ...]


# (package name, resource name) -> (field name, cell text) of the table's text columns
TableTexts = Mapping[tuple[str, str], Iterable[tuple[str, str]]]


def _places(package: Package, tables: TableTexts) -> list[tuple[str, str]]:
    places = [
        ("name", package.name),
        ("title", package.title),
        ("title", package.title_english),
        ("keywords", " ".join(package.keywords)),
        ("theme", package.theme),
        ("description", package.description),
        ("description", package.description_english),
        ("source", " ".join(str(v) for v in package.source.values())),
    ]
    for resource in package.resources:
        where = f"resource:{resource.name}"
        places += [
            (where, f"{resource.name} {resource.title} {resource.title_english}"),
            (where, f"{resource.description} {resource.description_english}"),
        ]
        for f in resource.fields:
            places.append(
                (
                    f"field:{resource.name}.{f.name}",
                    f"{f.name} {f.title} {f.description} {f.description_english}",
                )
            )
        cells: dict[str, list[str]] = {}
        for field_name, text in tables.get((package.name, resource.name), ()):
            cells.setdefault(field_name, []).append(text)
        places += [(f"table:{resource.name}.{name}", " / ".join(texts)) for name, texts in cells.items()]
    return [(where, text) for where, text in places if text and text.strip()]


def _snippet(place: Place, word: str) -> str:
    at = place.folded.find(word)
    start, end = max(0, at - SNIPPET // 2), min(len(place.text), at + len(word) + SNIPPET // 2)
    # NFKC can change lengths; the folded position is close enough for a quoted snippet.
    text = place.text[start:end].strip()
    return ("…" if start > 0 else "") + text + ("…" if end < len(place.text) else "")


def search_entry(package: Package, tables: TableTexts | None = None) -> dict[str, Any]:
    """What the index keeps of a package: its folded title text, the folded metadata text
    (what the CKAN-compatible search reads) and every place a word can be found, the text
    cells of `tables` included (`table:<resource>.<field>`).

    `opendata publish` writes it into the release's manifest, with the cells of the release's
    own small tables; the server reads it from there and never scans a table.
    """
    places = _places(package, tables or {})
    title = fold(f"{package.title} {package.title_english} {' '.join(package.keywords)}")
    # Table cells are searched, with their reasons, by `find` alone.
    metadata = " ".join(fold(t) for w, t in places if not w.startswith("table:"))
    return {"title": title, "text": metadata, "places": [[w, t] for w, t in places]}


class SearchIndex:
    def __init__(self, packages: list[Package]) -> None:
        self.entries = []
        for package in packages:
            entry = package.manifest.get("search")
            if not entry or "places" not in entry:  # a release published before places were kept
                entry = search_entry(package)
            places = tuple(Place(w, t, fold(t)) for w, t in entry["places"])
            self.entries.append(Indexed(package, entry["title"], entry["text"], places))

    def search(self, query: str = "", keyword: str | None = None, theme: str | None = None) -> list[Package]:
        return [hit.package for hit in self.find(query, keyword, theme)]

    def find(self, query: str = "", keyword: str | None = None, theme: str | None = None) -> list[Hit]:
        themes = self._matching(theme, [e.package.theme for e in self.entries], "theme")
        keywords = self._matching(keyword, [k for e in self.entries for k in e.package.keywords], "keyword")
        ranked = []
        for position, entry in enumerate(self.entries):
            if themes is not None and entry.package.theme not in themes:
                continue
            if keywords is not None and not keywords & set(entry.package.keywords):
                continue
            reasons = [self._reason(entry, term) for term in query.split()]
            if not all(reasons):
                continue
            in_title = sum(any(w in entry.title for w in variants(r.term)) for r in reasons if r)
            ranked.append((-in_title, position, Hit(entry.package, tuple(r for r in reasons if r))))
        return [hit for *_, hit in sorted(ranked, key=lambda item: item[:2])]

    @staticmethod
    def _reason(entry: Indexed, term: str) -> Reason | None:
        for word in variants(term):
            for place in entry.places:
                if word in place.folded:
                    return Reason(term, word, place.where, _snippet(place, word))
        return None

    @staticmethod
    def _matching(asked: str | None, names: list[str], parameter: str) -> set[str] | None:
        """The names `asked` selects: the exact one, else those it begins; None when not asked."""
        if not asked:
            return None
        folded = fold(asked)
        exact = {n for n in names if fold(n) == folded}
        found = exact or {n for n in names if fold(n).startswith(folded)}
        if not found:
            known = sorted(set(names))
            hint = closest(asked, known)
            raise UnknownTheme(
                f"{parameter}: no {parameter} is or begins with {asked!r}"
                + (f"; did you mean {hint!r}?" if hint else "")
                + f"; {parameter}s are {', '.join(known)}",
                parameter=parameter,
                **({"suggestion": hint} if hint else {}),
            )
        return found

    def themes(self) -> list[tuple[str, int]]:
        return _counted(e.package.theme for e in self.entries if e.package.theme)

    def keywords(self) -> list[tuple[str, int]]:
        return _counted(k for e in self.entries for k in e.package.keywords)


def _counted(names: Iterable[str]) -> list[tuple[str, int]]:
    """(name, datasets) most used first, then by name."""
    return sorted(Counter(names).items(), key=lambda item: (-item[1], item[0]))
