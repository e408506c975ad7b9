"""Checks that encode the report's own arithmetic and calendar, beyond what frictionless knows.

A resource declares arithmetic rules in `reportChecks`: `sum` and `ordered` compare columns of
one row (a wide table), `sum-of-rows` compares rows named by a key, and `sum-long` and
`ordered-long` do the same for a long table, where each observation is a row and one column
(the category) says which part it is, within each group of rows sharing the `by` columns;
`one-label` keeps each category's identifier and printed label paired.
The calendar rules and the local government code's check digit apply wherever a resource
has the conventional columns, so a new table gets them by naming its columns the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from opendata import periods
from opendata.catalog.findings import Finding, Row, read_rows, wrong_sum
from opendata.catalog.findings import number as _number
from opendata.catalog.long_checks import (
    check_local_government_codes,
    check_one_label,
    check_ordered_long,
    check_pivot,
    check_sum_long,
)
from opendata.catalog.models import Resource

# The report is dated 2022-03-10: an era-less year label means the latest reading up to FY2021.
REPORT_FISCAL_YEAR = 2021


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def check_sum(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    total, parts = rule["total"], rule["parts"]
    for number, row in enumerate(rows, start=2):
        expected = _number(row.get(total))
        actual = wrong_sum(expected, [_number(row.get(p)) for p in parts])
        if actual is not None:
            yield Finding(
                "sum",
                f"{total} is {expected:g} but {' + '.join(parts)} is {actual:g}",
                number,
                total,
            )


def check_sum_of_rows(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    key, value = rule["key"], rule["field"]
    index = {row.get(key): (number, row) for number, row in enumerate(rows, start=2)}
    wanted = [rule["total"], *rule["parts"]]
    missing = [k for k in wanted if k not in index]
    if missing:
        yield Finding("sum-of-rows", f"rows {missing} named by the rule are missing", None, key)
        return
    number, total_row = index[rule["total"]]
    expected = _number(total_row.get(value)) or 0.0
    actual = sum(_number(index[k][1].get(value)) or 0.0 for k in rule["parts"])
    if abs(actual - expected) > 1e-9:
        yield Finding(
            "sum-of-rows",
            f"{rule['total']} is {expected:g} but {' + '.join(rule['parts'])} is {actual:g}",
            number,
            value,
        )


def check_ordered(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    lower, upper = rule["lower"], rule["upper"]
    for number, row in enumerate(rows, start=2):
        low, high = _number(row.get(lower)), _number(row.get(upper))
        if low is not None and high is not None and low > high:
            yield Finding("ordered", f"{lower} ({low:g}) is greater than {upper} ({high:g})", number, lower)


RULES: dict[str, Callable[[dict[str, Any], list[Row]], Iterator[Finding]]] = {
    "sum": check_sum,
    "sum-of-rows": check_sum_of_rows,
    "ordered": check_ordered,
    "sum-long": check_sum_long,
    "ordered-long": check_ordered_long,
    "one-label": check_one_label,
}


def check_periods(rows: list[Row], names: set[str]) -> Iterator[Finding]:
    """Period columns agree with their printed labels and stay inside their fiscal year."""
    for number, row in enumerate(rows, start=2):
        yield from _check_period_row(row, names, number)


def _check_period_row(row: Row, names: set[str], number: int) -> Iterator[Finding]:
    fiscal_year = int(row["fiscal_year"]) if row.get("fiscal_year") else None
    if "fiscal_year_label" in names and fiscal_year is not None:
        try:
            parsed = periods.parse_fiscal_year(row["fiscal_year_label"], not_after=REPORT_FISCAL_YEAR)
        except periods.PeriodError as exc:
            yield Finding("period-label", str(exc), number, "fiscal_year_label")
            return
        if parsed.fiscal_year != fiscal_year:
            yield Finding(
                "period-label",
                f"label {row['fiscal_year_label']!r} is fiscal year {parsed.fiscal_year}, not {fiscal_year}",
                number,
                "fiscal_year",
            )
        if parsed.is_partial and row.get("period_end") != parsed.end.isoformat():
            yield Finding(
                "as-of-date",
                f"label {row['fiscal_year_label']!r} gives {parsed.end}, "
                f"but period_end is {row.get('period_end')}",
                number,
                "period_end",
            )
    if "period_label" in names and row.get("period_label"):
        yield from _check_labelled_span(row, number)
    if fiscal_year is None:
        return
    first, last = periods.fiscal_year_bounds(fiscal_year)
    for name in ("period_start", "period_end", "as_of_date"):
        day = _date(row.get(name))
        if day is not None and not first <= day <= last:
            yield Finding(
                "in-fiscal-year",
                f"{name} {day} falls outside fiscal year {fiscal_year} ({first} to {last})",
                number,
                name,
            )
    start, end = _date(row.get("period_start")), _date(row.get("period_end"))
    if start and end and start > end:
        yield Finding(
            "period-order",
            f"period_start {start} is after period_end {end}",
            number,
            "period_start",
        )
    if "is_partial" in names and start and end:
        partial = row.get("is_partial") == "true"
        if partial != (start != first or end != last):
            yield Finding(
                "partial-flag",
                f"is_partial is {row.get('is_partial')} but the period is {start} to {end}",
                number,
                "is_partial",
            )
    if "as_of_label" in names and row.get("as_of_label"):
        yield from _check_as_of_label(row, number)


def _check_labelled_span(row: Row, number: int) -> Iterator[Finding]:
    label = row["period_label"]
    try:
        parsed = periods.parse_fiscal_year(label)
    except periods.PeriodError:
        try:
            parsed = periods.parse_month(label)
        except periods.PeriodError:
            return  # a free-form span (第1期 dates and the like) is checked by frictionless types only
    for name, expected in (("period_start", parsed.start), ("period_end", parsed.end)):
        # an empty cell is a day the report does not give (an as-of rate's start): unknown, not wrong
        if row.get(name) and row[name] != expected.isoformat():
            yield Finding(
                "period-label",
                f"label {label!r} gives {name} {expected}, not {row[name]}",
                number,
                name,
            )


def _check_as_of_label(row: Row, number: int) -> Iterator[Finding]:
    label = row["as_of_label"]
    try:
        expected = periods.parse_fiscal_year(label).end
    except periods.PeriodError:
        expected = periods.parse_era_date(label).last_day()
    if row.get("as_of_date") != expected.isoformat():
        yield Finding(
            "as-of-date",
            f"label {label!r} gives {expected}, not {row.get('as_of_date')}",
            number,
            "as_of_date",
        )


def check_dates_against_labels(rows: list[Row], names: set[str]) -> Iterator[Finding]:
    """Event dates and start years agree with the era dates printed beside them."""
    for number, row in enumerate(rows, start=2):
        if {"event_date", "event_date_label"} <= names:
            try:
                parsed = periods.parse_era_date(row["event_date_label"])
            except periods.PeriodError as exc:
                yield Finding("date-label", str(exc), number, "event_date_label")
            else:
                if parsed.iso() != row["event_date"]:
                    yield Finding(
                        "date-label",
                        f"{row['event_date_label']!r} is {parsed.iso()}, not {row['event_date']}",
                        number,
                        "event_date",
                    )
        if {"start_label", "start_year"} <= names:
            try:
                parsed = periods.parse_era_date(row["start_label"])
            except periods.PeriodError as exc:
                yield Finding("date-label", str(exc), number, "start_label")
                continue
            month = int(row["start_month"]) if row.get("start_month") else None
            if (parsed.year, parsed.month) != (int(row["start_year"]), month):
                yield Finding("date-label", f"{row['start_label']!r} is {parsed.iso()}", number, "start_year")
        if names >= SPAN_COLUMNS:
            yield from _check_span(row, number)


# An event table dates each row by its printed label (or the reading of a relative one).
SPAN_COLUMNS = {"date_label", "start_date", "start_precision", "end_date", "end_precision"}


def _check_span(row: Row, number: int) -> Iterator[Finding]:
    source = "date_reading" if row.get("date_reading") else "date_label"
    try:
        span = periods.parse_span(row[source])
    except periods.PeriodError as exc:
        yield Finding("date-label", str(exc), number, source)
        return
    expected = {
        "start_date": span.start.isoformat() if span.start else "",
        "start_precision": span.start_precision or "",
        "end_date": span.end.isoformat() if span.end else "",
        "end_precision": span.end_precision or "",
    }
    for name, value in expected.items():
        if row.get(name, "") != value:
            yield Finding(
                "date-label",
                f"{row[source]!r} gives {name} {value or '(none)'}, not {row.get(name) or '(none)'}",
                number,
                name,
            )


def check_resource(resource: Resource) -> list[Finding]:
    try:
        rows = read_rows(resource)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [Finding("source-error", f"cannot read {resource.path.name}: {exc}")]
    names = set(resource.field_names)
    findings: list[Finding] = []
    for rule in resource.checks:
        check = RULES.get(rule.get("rule", ""))
        if check is None:
            findings.append(
                Finding("unknown-rule", f"reportChecks names an unknown rule {rule.get('rule')!r}")
            )
            continue
        try:
            findings.extend(check(rule, rows))
        except KeyError as exc:
            findings.append(Finding(rule["rule"], f"rule is missing the key {exc}"))
    findings.extend(check_pivot(resource, rows))
    if "local_government_code" in names:
        findings.extend(check_local_government_codes(rows))
    findings.extend(check_periods(rows, names))
    findings.extend(check_dates_against_labels(rows, names))
    return findings
