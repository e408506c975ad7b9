"""The home page's view of the catalog: dataset cards grouped by report section and by theme.

Works on the API's dataset summaries (representations.dataset_summary), so the page and the
API describe a dataset the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from opendata.catalog.search import Hit, fold
from opendata.web import i18n

# "1(4)ア(ア)" -> "1(4)": the report's numbered section, without its lettered sub-items.
_TOP_SECTION = re.compile(r"^\s*(\d+(?:\(\d+\))?)")
SUMMARY_LENGTH = {"ja": 80, "en": 150}


@dataclass(frozen=True)
class Card:
    name: str
    title: str
    other_title: str  # the title in the other language, shown smaller
    summary: str
    period: str
    updated: str
    updated_iso: str
    section: str
    page: int | None
    theme: str
    theme_label: str


@dataclass
class Group:
    key: str
    title: str
    cards: list[Card] = field(default_factory=list)


def card(summary: dict[str, Any], lang: str) -> Card:
    source = summary.get("source") or {}
    titles = (summary["title"], summary["title_english"] or summary["title"])
    title, other = (titles[1], titles[0]) if lang == "en" else titles
    description = i18n.in_language(summary["description"], lang, summary.get("description_english", ""))
    return Card(
        name=summary["name"],
        title=title,
        other_title=other if other != title else "",
        summary=i18n.first_sentence(description, lang, SUMMARY_LENGTH[lang]),
        period=period_text(summary["coverage"], lang),
        updated=i18n.format_date(summary["modified"], lang),
        updated_iso=(summary["modified"] or "")[:10],
        section=str(source.get("section", "")),
        page=source.get("page"),
        theme=summary["theme"],
        theme_label=i18n.theme_name(summary["theme"], lang),
    )


@dataclass(frozen=True)
class MatchReason:
    term: str
    word: str  # the word found, when a synonym of the term
    where: str  # message key of the place
    snippet: str


def reasons(hit: Hit) -> list[MatchReason]:
    """Why a search found the dataset, one line per term, for the results page."""
    return [
        MatchReason(
            r.term,
            r.matched if fold(r.term) != r.matched else "",
            f"where_{r.where.split(':')[0]}",
            r.snippet,
        )
        for r in hit.reasons
    ]


def period_text(coverage: dict[str, str | None], lang: str) -> str:
    start, end = coverage.get("start"), coverage.get("end")
    if not start and not end:
        return i18n.translate(lang, "no_period")
    if start == end or not start or not end:
        return i18n.format_date(start or end, lang)
    separator = "〜" if lang == "ja" else " to "
    return f"{i18n.format_date(start, lang)}{separator}{i18n.format_date(end, lang)}"


def section_key(section: str) -> str:
    if "," in section:  # a dataset drawn from several chapters keeps its own group
        return section.strip()
    match = _TOP_SECTION.match(section)
    return match.group(1) if match else section.strip()


def _section_order(key: str) -> tuple[int, tuple[int, ...]]:
    numbers = tuple(int(n) for n in re.findall(r"\d+", key))
    return (1 if "," in key else 0, numbers)


def by_section(summaries: list[dict[str, Any]], lang: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for summary in summaries:
        source = summary.get("source") or {}
        key = section_key(str(source.get("section", "")))
        heading = str(source.get("sectionTitle", "")).split(" ― ")[0].strip()
        group = groups.setdefault(key, Group(key, heading))
        group.cards.append(card(summary, lang))
    for group in groups.values():
        group.cards.sort(key=lambda c: _section_order(c.section))
    return [groups[k] for k in sorted(groups, key=_section_order)]


def by_theme(summaries: list[dict[str, Any]], lang: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for summary in summaries:
        theme = summary["theme"]
        group = groups.setdefault(theme, Group(theme, i18n.theme_name(theme, lang)))
        group.cards.append(card(summary, lang))
    return sorted(groups.values(), key=lambda g: (-len(g.cards), g.key))
