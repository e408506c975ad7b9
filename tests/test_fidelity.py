"""Every figure in the packages is printed in the report.

The report's text (../shared/source) is normalised the way the extraction damaged it
(full-width digits, spaces inside numbers such as "8, 582", 3万4千 for 34000); then every
measured value of every table must occur in it as a number. Identifiers, years derived
from labels and row numbers are not figures and are left out.
"""

from __future__ import annotations

import csv
import re
import unicodedata

import pytest

from opendata.catalog import load_catalog
from tests.conftest import PACKAGES, REPORT_TEXT, require

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


def report_numbers() -> set[str]:
    require(REPORT_TEXT.is_file(), f"the report text is missing at {REPORT_TEXT}")
    text = unicodedata.normalize("NFKC", REPORT_TEXT.read_text(encoding="utf-8"))
    text = re.sub(r"(\d),\s*(\d{3})", r"\1\2", text)  # 8, 582 and 1,007 -> 8582 and 1007
    text = re.sub(r"(?<=\d) +(?=[万千])|(?<=[万千]) +(?=\d)", "", text)  # 3 万 4 千 -> 3万4千
    text = re.sub(r"(\d+)万(\d+)千", lambda m: str(int(m[1]) * 10000 + int(m[2]) * 1000), text)
    text = re.sub(r"(\d)\s+(?=[^\d\s])", r"\1", text)
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def measured_cells():
    for package in load_catalog(PACKAGES):
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
