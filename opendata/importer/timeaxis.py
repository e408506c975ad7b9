"""Period labels in headings and row labels -> a Western year plus the printed label.

Fiscal years go through opendata.periods (era years, 元年度, as-of tails); a heading row
that names the era once (平成27年度, 28年度, 29年度) lends it to the labels that follow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from opendata import periods

_WESTERN = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年(?P<fiscal>度)?")
_ERA_NAME = re.compile(r"(令和|平成|昭和|大正|明治|[RHS](?=\d))")
_ERA_CALENDAR = re.compile(r"^(令和|平成|昭和|[RHS])(\d+|元)年(?!度)")


@dataclass(frozen=True)
class PeriodLabel:
    kind: str  # "fiscal_year" or "year"
    year: int
    label: str  # as printed
    end: date | None = None  # set when the label names an as-of date inside its fiscal year
    guessed_era: bool = False  # True when no era was printed and the latest reading was taken

    @property
    def start(self) -> date:
        return (
            periods.fiscal_year_bounds(self.year)[0] if self.kind == "fiscal_year" else date(self.year, 1, 1)
        )

    @property
    def last_day(self) -> date:
        if self.end is not None:
            return self.end
        return (
            periods.fiscal_year_bounds(self.year)[1]
            if self.kind == "fiscal_year"
            else date(self.year, 12, 31)
        )


def read_period(label: object, era: str | None = None) -> PeriodLabel | None:
    if not isinstance(label, str | int) or isinstance(label, bool):
        return None
    text = unicodedata.normalize("NFKC", str(label)).strip()
    if isinstance(label, int):
        return PeriodLabel("year", label, str(label)) if 1900 <= label <= 2100 else None
    if match := _WESTERN.match(text):
        return PeriodLabel(
            "fiscal_year" if match["fiscal"] else "year", int(match["year"]), str(label).strip()
        )
    if match := _ERA_CALENDAR.match(text):
        return PeriodLabel("year", periods.era_year(match[1], match[2]), str(label).strip())
    try:
        parsed = periods.parse_fiscal_year(text, era=era)
    except (periods.PeriodError, ValueError):
        return None
    end = parsed.end if parsed.is_partial else None
    return PeriodLabel("fiscal_year", parsed.fiscal_year, str(label).strip(), end)


def era_of(label: object) -> str | None:
    if not isinstance(label, str):
        return None
    match = _ERA_NAME.search(unicodedata.normalize("NFKC", label))
    return periods.ERA_ABBREVIATIONS.get(match.group(1), match.group(1)) if match else None


def read_periods(
    labels: list[object], era: str | None = None, not_after: int | None = None
) -> list[PeriodLabel | None]:
    """Read labels in order, each era-less label taking the era last named (or `era`, from the
    table's title: (H28～R2年度)); a year number that falls back (平成30年度, 元年度) means the
    next era began. With no era anywhere, an era-less label is read in the latest era that
    puts it no later than fiscal year `not_after`."""
    out: list[PeriodLabel | None] = []
    previous: PeriodLabel | None = None
    for label in labels:
        named = era_of(label)
        era = named or era
        period = read_period(label, era)
        if period and not named and previous and period.year <= previous.year and era in ERA_ORDER[:-1]:
            era = ERA_ORDER[ERA_ORDER.index(era) + 1]
            period = read_period(label, era)
        if period is None and era is None and not_after is not None:
            period = _latest_reading(label, not_after)
        out.append(period)
        previous = period or previous
    return out


def _latest_reading(label: object, not_after: int) -> PeriodLabel | None:
    if not isinstance(label, str):
        return None
    try:
        parsed = periods.parse_fiscal_year(unicodedata.normalize("NFKC", label).strip(), not_after=not_after)
    except (periods.PeriodError, ValueError):
        return None
    return PeriodLabel(
        "fiscal_year", parsed.fiscal_year, label.strip(), parsed.end if parsed.is_partial else None, True
    )


ERA_ORDER = ["明治", "大正", "昭和", "平成", "令和"]
