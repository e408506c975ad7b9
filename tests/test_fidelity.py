"""The packages and the report agree, in both directions.

The report's text (datapackages/_source, the packages' provenance) is normalised the way the
extraction damaged it (full-width digits, spaces inside numbers such as "8, 582", 3万4千 for
34000). Then:

- every measured value of every table must occur in it as a number (identifiers, years
  derived from labels and row numbers are not figures and are left out);
- every figure listed in tests/report_figures/<package>.csv, written by reading the report,
  must be printed in the report and found in the row and field the list names.

A list row is `resource,match,field,value,section`: `match` (`field=value;field=value`)
locates exactly one row of the resource, `value` is the figure as printed (digits with
commas, 3万4千, or a printed label such as 令和3年9月17日から), `field` the column that must
hold it (a number exactly, 89.1% as 89.1; a label as the whole or a part of the text), and
`section` where the report prints it (checked against the row's own section column, or else
against the sections of the resource's `sources`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache

import pytest

from opendata.catalog import load_catalog
from opendata.catalog.models import Resource
from tests.conftest import PACKAGES, REPORT_FIGURES, REPORT_TEXT, SHARED_REPORT_TEXT

NOT_FIGURES = {
    "fiscal_year",
    "page",
    "term",
    "proposal_number",
    "topic_order",
    "start_year",
    "start_month",
    "call_fiscal_year",
}
CATALOG = load_catalog(PACKAGES)


def fold_numbers(text: str) -> str:
    """NFKC, then join what extraction split: 8, 582 -> 8582, 3 万 4 千 -> 34000."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(\d),\s*(\d{3})", r"\1\2", text)
    text = re.sub(r"(?<=\d) +(?=[万千])|(?<=[万千]) +(?=\d)", "", text)
    text = re.sub(r"(\d+)万(\d+)千", lambda m: str(int(m[1]) * 10000 + int(m[2]) * 1000), text)
    return re.sub(r"(\d)\s+(?=[^\d\s])", r"\1", text)


def fold_text(text: str) -> str:
    """NFKC without any whitespace, so a label compares equal however extraction spaced it."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@cache
def report_text() -> str:
    return REPORT_TEXT.read_text(encoding="utf-8")


@cache
def report_numbers() -> frozenset[str]:
    return frozenset(re.findall(r"\d+(?:\.\d+)?", fold_numbers(report_text())))


def printed_digits(text: str) -> str:
    """8,582 -> 8582, 3万4千 -> 34000, 89.1% -> 89.1: a printed figure as the report's numbers read."""
    return fold_numbers(text).replace(",", "").strip().removesuffix("%")


def as_number(text: str) -> Decimal | None:
    """A printed figure as a number, or None when it is a label rather than a figure."""
    folded = printed_digits(text)
    try:
        return Decimal(folded) if re.fullmatch(r"\d+(\.\d+)?", folded) else None
    except InvalidOperation:
        return None


def test_the_report_text_is_kept_in_the_repository():
    assert REPORT_TEXT.is_file() and "社会問題対策特別委員会資料" in report_text()
    # It sits among the packages but is none: the loader (and so every command) passes it by.
    assert REPORT_TEXT.parent.parent == PACKAGES
    assert REPORT_TEXT.parent not in {package.directory for package in CATALOG}


def test_the_kept_copy_is_the_shared_report_byte_for_byte():
    if not SHARED_REPORT_TEXT.is_file():
        pytest.skip(f"no shared copy at {SHARED_REPORT_TEXT} to compare with (a clone has none)")
    assert REPORT_TEXT.read_bytes() == SHARED_REPORT_TEXT.read_bytes()


# -- direction 1: every published number is printed in the report -----------------------------


def measured_cells():
    for package in CATALOG:
        for resource in package.resources:
            names = [
                f.name
                for f in resource.fields
                if f.type in ("integer", "number") and f.name not in NOT_FIGURES
            ]
            with resource.path.open(encoding="utf-8", newline="") as handle:
                for number, row in enumerate(csv.DictReader(handle), start=2):
                    for name in names:
                        if row[name] != "":
                            yield f"{package.name}/{resource.name}:{number}:{name}", row[name]


CELLS = list(measured_cells())


def test_there_are_figures_to_check():
    assert len(CELLS) > 130


@pytest.mark.parametrize(("where", "value"), CELLS, ids=[c[0] for c in CELLS])
def test_figure_is_printed_in_the_report(where, value):
    assert value in report_numbers(), f"{where}: {value} does not occur in the report"


# -- direction 2: every figure of the report is published, in the right row ---------------------

EXPECTATION_HEADER = ["resource", "match", "field", "value", "section"]


def expectations():
    for path in sorted(REPORT_FIGURES.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == EXPECTATION_HEADER, f"{path.name}: header {reader.fieldnames}"
            for line, row in enumerate(reader, start=2):
                yield pytest.param(path.stem, row, id=f"{path.stem}:{line}:{row['match']}:{row['field']}")


EXPECTATIONS = list(expectations())


def parse_match(text: str) -> dict[str, str]:
    pairs = [part.split("=", 1) for part in text.split(";")]
    assert all(len(pair) == 2 for pair in pairs), f"malformed match {text!r}"
    return {name: value for name, value in pairs}


@cache
def rows_of(package: str, resource: str) -> tuple[Resource, list[dict[str, str]]]:
    found = CATALOG.get(package)
    assert found is not None, f"no package {package!r}"
    table = next((r for r in found.resources if r.name == resource), None)
    assert table is not None, f"{package} has no resource {resource!r}"
    with table.path.open(encoding="utf-8", newline="") as handle:
        return table, list(csv.DictReader(handle))


def same_figure(published: str, printed: str) -> bool:
    number = as_number(printed)
    if number is not None:
        try:
            return Decimal(published) == number
        except InvalidOperation:
            return False
    # A label may be completed around the printed words: 就業相談 is published as 就業相談（母子家庭の母等）.
    return fold_text(printed) in fold_text(published)


def printed_in_report(printed: str) -> bool:
    if as_number(printed) is not None:
        return printed_digits(printed) in report_numbers()
    return fold_text(printed) in fold_text(report_text())


def test_every_package_of_the_two_way_check_has_its_list():
    lists = {p.stem for p in REPORT_FIGURES.glob("*.csv")}
    assert {"key-figures", "support-services"} <= lists
    assert lists <= {p.name for p in CATALOG}, "a list names a package that is not shipped"


# The row key of each resource whose every row must be named by some expectation.
FULLY_LISTED = {
    ("key-figures", "key-figures"): "figure_id",
    ("key-figures", "events"): "event_id",
    ("support-services", "support-services"): "service_id",
}


@pytest.mark.parametrize(("package", "resource", "key"), [(*k, v) for k, v in FULLY_LISTED.items()])
def test_the_lists_cover_every_row_of_the_prose_packages(package, resource, key):
    """Nothing the prose packages publish goes unchecked, and nothing the report states is missed."""
    listed = {
        parse_match(row["match"]).get(key)
        for stem, row in (e.values for e in EXPECTATIONS)
        if stem == package and row["resource"] == resource
    }
    _, rows = rows_of(package, resource)
    published = {r[key] for r in rows}
    assert published - listed == set(), "published rows no expectation names"
    assert listed - published == set(), "expected rows that are not published"


def mismatch(package: str, expected: dict[str, str]) -> str | None:
    """Why the report's figure is not where the list says it is published, or None when it is."""
    if not printed_in_report(expected["value"]):
        return f"{expected['value']!r} is not printed in the report"
    resource, rows = rows_of(package, expected["resource"])
    match = parse_match(expected["match"])
    unknown = (set(match) | {expected["field"]}) - set(resource.field_names)
    if unknown:
        return f"{expected['resource']} has no column {sorted(unknown)}"
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    if len(found) != 1:
        return f"{expected['match']} locates {len(found)} rows, not one"
    [row] = found
    if not same_figure(row[expected["field"]], expected["value"]):
        return f"{expected['field']} is {row[expected['field']]!r}, the report prints {expected['value']!r}"
    if "section" in row:
        if row["section"] != expected["section"]:
            return f"published under {row['section']}, printed under {expected['section']}"
        return None
    # A table's section is its resource's: the figure's section must lie within it.
    sections = [s["section"] for s in resource.descriptor.get("sources", []) if s.get("section")]
    if sections and not any(expected["section"].startswith(s) for s in sections):
        return f"{expected['section']} is not within the resource's sections {sections}"
    return None


@pytest.mark.parametrize(("package", "expected"), EXPECTATIONS)
def test_report_figure_is_published_in_its_row(package, expected):
    assert mismatch(package, expected) is None


def expectation(match: str, field: str, value: str, section: str, resource: str = "key-figures"):
    return {"resource": resource, "match": match, "field": field, "value": value, "section": section}


# Lists that are wrong in each way the check must catch, and the reason it must give.
WRONG = [
    (
        expectation("figure_id=watch-over-agreement-businesses", "value", "63", "1(4)オ(ア)a"),
        "the report prints",
    ),
    (expectation("figure_id=watch-over-agreement-businesses", "value", "62", "1(4)オ(イ)"), "printed under"),
    (expectation("figure_id=watch-over-agreement-businesses", "value", "4321", "1(4)オ(ア)a"), "not printed"),
    (expectation("unit=校", "value", "4", "1(2)イ(オ)"), "locates"),
    (expectation("figure_id=nothing-like-it", "value", "62", "1(4)オ(ア)a"), "locates 0 rows"),
    (expectation("figure_id=watch-over-agreement-businesses", "count", "62", "1(4)オ(ア)a"), "no column"),
    (
        expectation("event_id=helte-agreement", "date_label", "令和3年12月24日", "1(12)イ", "events"),
        "not printed",
    ),
    (
        expectation("event_id=helte-agreement", "date_label", "令和3年6月15日", "1(12)イ", "events"),
        "the report prints",
    ),
]


@pytest.mark.parametrize(("expected", "reason"), WRONG, ids=[w[1] for w in WRONG])
def test_a_wrong_expectation_is_caught_with_its_reason(expected, reason):
    found = mismatch("key-figures", expected)
    assert found is not None and reason in found, found
