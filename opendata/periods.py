"""Japanese era dates, fiscal years and as-of phrases, as the report prints them.

The report writes time in several ways: 令和2年度 (a fiscal year, April to March),
28年度 under a heading that says the era once (H28～R2年度), 令和3年度(12月末現在) (a fiscal
year counted to an as-of date), 令和3年度 上期 (its first half), 令和元年度末 (the last day of a
fiscal year), R2年4月 and S52年 (abbreviated eras), 1/31時点 (a day inside a fiscal year), and
the periods of events (令和3年7月1日から8月30日, 令和元年度から4年度まで, 令和4年度以降).
Every table turns these into Western-calendar integers and ISO dates through this module
alone, so the rules live in one tested place.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# First Gregorian year of each era; year N of an era is first_year + N - 1.
ERAS: dict[str, int] = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
ERA_ABBREVIATIONS: dict[str, str] = {
    "M": "明治",
    "T": "大正",
    "S": "昭和",
    "H": "平成",
    "R": "令和",
}


class PeriodError(ValueError):
    """A label this module cannot read; the message names the label."""


@dataclass(frozen=True)
class Period:
    """A span of time a figure covers, with the label the report printed."""

    label: str
    start: date
    end: date
    fiscal_year: int
    is_partial: bool  # True when the span is shorter than the whole fiscal year


def normalise(text: str) -> str:
    """NFKC-fold full-width digits and brackets and drop the spaces PDF extraction inserts."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def era_year(era: str, year: str) -> int:
    """令和 + 2 -> 2020; 元 (the first year of an era) -> its first year; R, H, S abbreviations."""
    era = ERA_ABBREVIATIONS.get(era.upper(), era) if len(era) == 1 else era
    if era not in ERAS:
        raise PeriodError(f"unknown era {era!r}")
    number = 1 if year == "元" else int(year)
    if number < 1:
        raise PeriodError(f"era year must be 1 or more, got {year!r}")
    return ERAS[era] + number - 1


def fiscal_year_of(day: date) -> int:
    """Japanese public bodies' fiscal year: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _day_in_fiscal_year(fiscal_year: int, month: int, day: int | None) -> date:
    """A month (and day) printed without a year inside a fiscal year: 1–3 fall in the next year."""
    if not 1 <= month <= 12:
        raise PeriodError(f"month {month} out of range")
    year = fiscal_year if month >= 4 else fiscal_year + 1
    try:
        return month_end(year, month) if day is None else date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"no such day: {year}-{month}-{day}") from exc


_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])?"
_YEAR = r"(?P<year>元|\d{1,2})"
_FISCAL = re.compile(
    rf"^{_ERA}{_YEAR}年度(?P<tail>.*)$",
)
# The as-of part that may follow a fiscal year: (12月末現在), (2月末現在), (1月末時点実績), (1/31時点).
_AS_OF_MONTH_END = re.compile(r"^\(?(?P<month>\d{1,2})月末(現在|時点)?(実績)?\)?$")
_AS_OF_SLASH = re.compile(r"^\(?(?P<month>\d{1,2})/(?P<day>\d{1,2})(現在|時点)\)?$")


def parse_fiscal_year(label: str, *, era: str | None = None, not_after: int | None = None) -> Period:
    """Read a fiscal-year label; `era` supplies the era when the label leaves it out (28年度).

    Without `era`, an era-less label is read in the latest era that puts it no later than
    fiscal year `not_after` (a report of March 2022 printing 元年度 means 令和元年度).

    >>> parse_fiscal_year("令和3年度(12月末現在)").end
    datetime.date(2021, 12, 31)
    """
    text = normalise(label)
    match = _FISCAL.match(text)
    if not match:
        raise PeriodError(f"not a fiscal-year label: {label!r}")
    era_name = match["era"] or era
    if era_name is not None:
        fiscal_year = era_year(era_name, match["year"])
    elif not_after is not None:
        fiscal_year = _latest_reading(match["year"], not_after, label)
    else:
        raise PeriodError(f"fiscal year {label!r} names no era and none was given")
    start, end = fiscal_year_bounds(fiscal_year)
    tail = match["tail"]
    if tail in ("", "実績"):
        return Period(label, start, end, fiscal_year, is_partial=False)
    if tail == "末":
        return Period(label, end, end, fiscal_year, is_partial=False)
    if tail == "上期":
        return Period(label, start, date(fiscal_year, 9, 30), fiscal_year, is_partial=True)
    if tail == "下期":
        return Period(label, date(fiscal_year, 10, 1), end, fiscal_year, is_partial=True)
    as_of = parse_as_of(tail, fiscal_year)
    return Period(label, start, as_of, fiscal_year, is_partial=as_of != end)


def _latest_reading(year: str, not_after: int, label: str) -> int:
    readings = [era_year(name, year) for name in ERAS]
    candidates = [y for y in readings if y <= not_after]
    if not candidates:
        raise PeriodError(f"{label!r} falls after fiscal year {not_after} in every era")
    return max(candidates)


def parse_as_of(phrase: str, fiscal_year: int) -> date:
    """(12月末現在) or (1/31時点) inside `fiscal_year` -> the date it names."""
    text = normalise(phrase)
    if match := _AS_OF_MONTH_END.match(text):
        return _day_in_fiscal_year(fiscal_year, int(match["month"]), None)
    if match := _AS_OF_SLASH.match(text):
        return _day_in_fiscal_year(fiscal_year, int(match["month"]), int(match["day"]))
    raise PeriodError(f"not an as-of phrase: {phrase!r}")


_DATE = re.compile(
    rf"^{_ERA}{_YEAR}年((?P<month>\d{{1,2}})月((?P<day>\d{{1,2}})日|(?P<end>末))?)?"
    r"(\((?P<weekday>[月火水木金土日])\))?(現在|時点)?$"
)


@dataclass(frozen=True)
class EraDate:
    """A date as precise as the report prints it: a year, a month, or a day."""

    label: str
    year: int
    month: int | None
    day: int | None

    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        if self.day is not None and self.month is not None:
            return date(self.year, self.month, self.day)
        return month_end(self.year, self.month or 12)

    def iso(self) -> str:
        """ISO 8601 at the printed precision: 1977, 2020-04 or 2022-01-31."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def parse_era_date(label: str) -> EraDate:
    """令和4年1月31日(月), R2年4月, S52年, 令和4年1月末 -> a date at the precision printed.

    A month end (末) is returned as its last day, since that is the date it names.
    """
    text = normalise(label)
    match = _DATE.match(text)
    if not match or not match["era"]:
        raise PeriodError(f"not an era date: {label!r}")
    year = era_year(match["era"], match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is not None and not 1 <= month <= 12:
        raise PeriodError(f"month out of range in {label!r}")
    if match["end"] and month is not None:
        day = month_end(year, month).day
    return _checked_date(label, year, month, day, match["weekday"])


def _checked_date(label: str, year: int, month: int | None, day: int | None, weekday: str | None) -> EraDate:
    """The date, once it is known to exist and to fall on the weekday printed beside it."""
    try:
        parsed = EraDate(label, year, month, day)
        parsed.first_day()
    except ValueError as exc:
        raise PeriodError(f"no such day: {label!r}") from exc
    if weekday and day is not None:
        actual = "月火水木金土日"[parsed.last_day().weekday()]
        if actual != weekday:
            raise PeriodError(f"{label!r} says {weekday} but that day is a {actual}")
    return parsed


def parse_month(label: str) -> Period:
    """令和4年2月 -> that calendar month, placed in its fiscal year."""
    parsed = parse_era_date(label)
    if parsed.month is None or parsed.day is not None:
        raise PeriodError(f"not a month: {label!r}")
    start = parsed.first_day()
    fiscal_year = fiscal_year_of(start)
    return Period(label, start, parsed.last_day(), fiscal_year, is_partial=True)


@dataclass(frozen=True)
class Moment:
    """One printed point in time as the span it names: a day, a month, a year or a fiscal year."""

    start: date
    end: date
    precision: str  # "day", "month", "year" or "fiscal_year"


@dataclass(frozen=True)
class Span:
    """When an event happened or is planned: a point, a period, or a period open at one end."""

    label: str
    start: date | None
    start_precision: str | None
    end: date | None
    end_precision: str | None


_FISCAL_POINT = re.compile(rf"^{_ERA}{_YEAR}年度(?P<end>末)?$")
_ERA_AT_START = re.compile(r"^(?P<era>明治|大正|昭和|平成|令和|[MTSHR])(?=元|\d)")
# A later part of a range may leave out what the earlier part printed: 12月24日(金), 8月30日, 3月.
_MONTH_DAY = re.compile(r"^(?P<month>\d{1,2})月((?P<day>\d{1,2})日)?(\((?P<weekday>[月火水木金土日])\))?$")


def _moment(text: str, previous: Moment | None, era: str | None, label: str) -> Moment:
    """One point of a span; `previous` and `era` fill in the year or era a later point omits."""
    fiscal = _FISCAL_POINT.match(text)
    if fiscal:
        era_name = fiscal["era"] or era
        if era_name is None:
            raise PeriodError(f"fiscal year in {label!r} names no era")
        first, last = fiscal_year_bounds(era_year(era_name, fiscal["year"]))
        return Moment(last, last, "day") if fiscal["end"] else Moment(first, last, "fiscal_year")
    short = _MONTH_DAY.match(text)
    if short and previous is not None:
        month = int(short["month"])
        if not 1 <= month <= 12:
            raise PeriodError(f"month out of range in {label!r}")
        # A range runs forward: a month before the start's month is in the following year.
        year = previous.start.year + (1 if month < previous.start.month else 0)
        day = int(short["day"]) if short["day"] else None
        return _era_moment(_checked_date(label, year, month, day, short["weekday"]))
    return _era_moment(parse_era_date(text))


def _era_moment(parsed: EraDate) -> Moment:
    precision = "day" if parsed.day is not None else "month" if parsed.month is not None else "year"
    return Moment(parsed.first_day(), parsed.last_day(), precision)


_RANGE = re.compile(r"^(?P<start>.+?)(～|~|から)(?P<end>.*?)(まで(に)?)?$")
_OPEN_END = re.compile(r"^(?P<start>.+?)(から|より|以降|～|~)$")
_OPEN_START = re.compile(r"^(?P<end>.+?)まで(に)?$")


def parse_span(label: str) -> Span:
    """令和3年1月～令和8年3月, 令和元年度から4年度まで, 令和4年1月20日～, 令和4年1月7日まで, 令和5年度.

    A point is the whole span it names (a month runs from its first day to its last); each end
    keeps its own precision, since the report may print a fiscal year at one end and a day at
    the other.

    >>> parse_span("令和3年7月1日から8月30日").end
    datetime.date(2021, 8, 30)
    """
    text = normalise(label)
    if match := _OPEN_END.match(text):
        start = _moment(match["start"], None, None, label)
        return Span(label, start.start, start.precision, None, None)
    if (match := _OPEN_START.match(text)) and not _RANGE.match(match["end"]):
        end = _moment(match["end"], None, None, label)
        return Span(label, None, None, end.end, end.precision)
    if (match := _RANGE.match(text)) and match["end"]:
        start = _moment(match["start"], None, None, label)
        era = _ERA_AT_START.match(match["start"])
        end = _moment(match["end"], start, era["era"] if era else None, label)
        if end.end < start.start:
            raise PeriodError(f"{label!r} ends before it starts")
        return Span(label, start.start, start.precision, end.end, end.precision)
    point = _moment(text, None, None, label)
    return Span(label, point.start, point.precision, point.end, point.precision)
