"""Period labels in headings and row labels -> a Western year plus the printed label.

Fiscal years go through opendata.periods (era years, 元年度, as-of tails); a heading row
that names the era once (平成27年度, 28年度, 29年度) lends it to the labels that follow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from opendata import periods

_WESTERN = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年(?P<fiscal>度)?")
_ERA_NAME = re.compile(r"(令和|平成|昭和|大正|明治|[RHS](?=\d))")
_ERA_CALENDAR = re.compile(r"^(令和|平成|昭和|[RHS])(\d+|元)年(?!度)")


@dataclass(frozen=True)
class PeriodLabel:
    kind: str  # "fiscal_year" or "year"
    year: int
    label: str  # as printed


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
    return PeriodLabel("fiscal_year", parsed.fiscal_year, str(label).strip())


def era_of(label: object) -> str | None:
    if not isinstance(label, str):
        return None
    match = _ERA_NAME.search(unicodedata.normalize("NFKC", label))
    return match.group(1) if match else None


def read_periods(labels: list[object]) -> list[PeriodLabel | None]:
    """Read labels left to right, each era-less label taking the era last named."""
    era: str | None = None
    out = []
    for label in labels:
        era = era_of(label) or era
        out.append(read_period(label, era))
    return out
