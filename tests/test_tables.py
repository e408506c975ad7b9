"""The report's tables as published: one printed table per resource, long where printed wide.

Each resource says where it is printed (section, page, caption as printed, order on the
page); a long table's documented pivot rebuilds the printed rows, figure for figure; keys
are identifiers with the human name beside them; every descriptor, resource and field is
described in Japanese and English; and the report checks hold on the long forms.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

import pytest

from opendata.catalog import load_catalog
from opendata.catalog.checks import check_sum
from opendata.catalog.long_checks import (
    check_descriptor_codes,
    check_digit,
    check_ordered_long,
    check_reference_names,
    check_sum_long,
)
from opendata.catalog.pivot import Pivot, pivot
from opendata.errors import PackageError
from opendata.web import i18n
from tests.conftest import PACKAGES, REPORT_TEXT, require

CATALOG = load_catalog(PACKAGES)
FIGURES = Path(__file__).parent / "report_figures"
# The packages of the report's printed tables (key-figures and support-services hold the prose).
TABLES = [
    "addiction-consultations",
    "asunaro-support-station",
    "community-revitalization",
    "crime-victim-support",
    "dialogue-forum",
    "digital-administration",
    "hikikomori-consultations",
    "kanagawa-job-terrace",
    "kanarain-consultations",
    "mental-health-consultation",
    "womens-employment-support",
]
DESCRIPTORS = {
    d.name: json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    for d in sorted(PACKAGES.iterdir())
    if (d / "datapackage.json").is_file()
}


def report_text() -> str:
    require(REPORT_TEXT.is_file(), f"the report text is missing at {REPORT_TEXT}")
    return unicodedata.normalize("NFKC", REPORT_TEXT.read_text(encoding="utf-8"))


def report_lines() -> list[list[str]]:
    """Each line of the report as its numbers, thousands separators (and stray spaces) removed."""
    lines = []
    for line in report_text().splitlines():
        line = re.sub(r"(\d),\s*(\d{3})", r"\1\2", line)
        lines.append(re.findall(r"\d+(?:\.\d+)?", line))
    return lines


def rows_of(package: str, resource: str) -> list[dict[str, str]]:
    path = CATALOG.get(package).resource(resource).path
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- bilingual descriptions: every shipped package ------------------------------------------


def _bilingual_gaps(descriptor: dict) -> list[str]:
    gaps = []

    def look(where: str, node: dict) -> None:
        japanese, english = node.get("description", ""), node.get("descriptionEnglish", "")
        if not i18n.is_japanese(japanese):
            gaps.append(f"{where}: description is not Japanese: {japanese[:40]!r}")
        ascii_share = sum(c.isascii() for c in english) / max(len(english), 1)
        if not english or ascii_share < 0.6:
            gaps.append(f"{where}: descriptionEnglish is missing or not English: {english[:40]!r}")

    look("package", descriptor)
    for resource in descriptor["resources"]:
        look(f"resource {resource['name']}", resource)
        for field in resource["schema"]["fields"]:
            look(f"field {resource['name']}.{field['name']}", field)
    return gaps


@pytest.mark.parametrize("name", sorted(DESCRIPTORS))
def test_package_resources_and_fields_are_described_in_japanese_and_english(name):
    assert _bilingual_gaps(DESCRIPTORS[name]) == []


def test_a_missing_english_description_is_found():
    descriptor = json.loads(json.dumps(DESCRIPTORS["hikikomori-consultations"]))
    del descriptor["resources"][0]["schema"]["fields"][-1]["descriptionEnglish"]
    descriptor["descriptionEnglish"] = "ひきこもり"
    gaps = _bilingual_gaps(descriptor)
    assert len(gaps) == 2 and "package" in gaps[0] and "consultations" in gaps[1]


# -- where each table is printed ----------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_each_resource_says_where_it_is_printed(name):
    text = report_text()
    for resource in DESCRIPTORS[name]["resources"]:
        assert resource["sources"], resource["name"]
        for source in resource["sources"]:
            assert {"title", "section", "page", "caption", "order"} <= set(source)
            assert isinstance(source["page"], int) and isinstance(source["order"], int)
            # the extraction garbled list markers ("(7)" for "(ア)"): find the caption without its own
            caption = re.sub(r"^\([^)]{1,2}\)\s*", "", unicodedata.normalize("NFKC", source["caption"]))
            assert caption in text, source["caption"]


def test_each_printed_table_is_its_own_resource():
    captions = {
        (name, resource["name"]): [s["caption"] for s in resource["sources"]]
        for name in TABLES
        for resource in DESCRIPTORS[name]["resources"]
    }
    assert captions[("womens-employment-support", "career-counselling-users")] == [
        "<キャリアカウンセリング利用者延数> (単位：人)"
    ]
    assert captions[("womens-employment-support", "interview-suit-loans")] == [
        "＜就職面接用スーツの貸出件数＞（単位：件）"
    ]
    assert captions[("addiction-consultations", "telephone-consultations")] == ["【電話相談件数】"]
    assert captions[("addiction-consultations", "interview-consultations")] == ["【面接相談件数】"]
    # two resources share a page position only where one printed table is normalised into two
    positions: dict[tuple, list[str]] = {}
    for name in TABLES:
        for resource in DESCRIPTORS[name]["resources"]:
            for source in resource["sources"]:
                positions.setdefault((source["page"], source["order"]), []).append(source["caption"])
    shared = {k: v for k, v in positions.items() if len(set(v)) > 1}
    assert shared == {(9, 2): ["■ あすなるサポートステーション 令和2年度実績", "＜相談内容＞"]}


# -- long forms and their pivots ------------------------------------------------------------

PIVOTED = [(p.name, r.name) for p in CATALOG for r in p.resources if p.name in TABLES and r.pivot is not None]


def test_the_tables_printed_wide_are_long_with_a_pivot():
    assert set(PIVOTED) == {
        ("hikikomori-consultations", "hikikomori-consultations"),
        ("womens-employment-support", "career-counselling-users"),
        ("womens-employment-support", "interview-suit-loans"),
        ("mental-health-consultation", "consultations"),
        ("crime-victim-support", "crime-victim-support"),
        ("kanarain-consultations", "kanarain-consultations"),
        ("community-revitalization", "implementation-status"),
        ("digital-administration", "e-approval-rate"),
        ("digital-administration", "online-procedures"),
    }


def _in_order(wanted: list[str], numbers: list[str]) -> bool:
    found = iter(numbers)
    return all(any(n == w for n in found) for w in wanted)


@pytest.mark.parametrize(("package", "resource"), PIVOTED)
def test_the_pivot_rebuilds_each_printed_row(package, resource):
    """Every row of the pivoted table is one line of the report, its figures in printed order."""
    spec = CATALOG.get(package).resource(resource).pivot
    table = pivot(spec, rows_of(package, resource))
    lines = report_lines()
    for labels, cells in table.rows:
        figures = [c for c in cells if c != ""]
        assert any(_in_order(figures, numbers) for numbers in lines), (labels, figures)


def test_the_hikikomori_pivot_is_the_printed_table():
    spec = CATALOG.get("hikikomori-consultations").resource("hikikomori-consultations").pivot
    table = pivot(spec, rows_of("hikikomori-consultations", "hikikomori-consultations"))
    assert table.columns == ("電話", "来所", "SNS", "計")
    assert table.rows == (
        (("令和2年度",), ("290", "88", "24", "402")),
        (("令和3年度(12月末現在)",), ("207", "80", "10", "297")),
    )


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "resource", "target", "key", "names"),
    [
        (
            "mental-health-consultation",
            "consultations",
            "services",
            "service_id",
            ["service_name", "service_name_english"],
        ),
        ("community-revitalization", "smartphone-classes", "proposals", "proposal_number", ["proposal_name"]),
    ],
)
def test_foreign_keys_carry_the_referenced_names_beside_the_ids(package, resource, target, key, names):
    table, referenced = CATALOG.get(package).resource(resource), CATALOG.get(package).resource(target)
    assert table.schema["foreignKeys"] == [
        {"fields": [key], "reference": {"resource": target, "fields": [key]}}
    ]
    position = table.field_names.index(key)
    assert list(table.field_names[position + 1 : position + 1 + len(names)]) == names
    assert all(n in referenced.field_names for n in names)
    assert check_reference_names(table, referenced) == []


def test_the_consultations_show_the_service_name():
    rows = rows_of("mental-health-consultation", "consultations")
    assert rows[0]["service_id"] == "kokoro-telephone" and rows[0]["service_name"] == "こころの電話相談"


@pytest.mark.parametrize("name", TABLES)
def test_primary_keys_are_identifiers_not_printed_labels(name):
    for resource in CATALOG.get(name).resources:
        for key in resource.primary_key:
            assert not key.endswith("_label"), (resource.name, key)
            assert not i18n.is_japanese("".join(r[key] for r in rows_of(name, resource.name)))


def test_the_local_government_code_is_an_enum_of_the_codes_it_may_take():
    for name in TABLES:
        for resource in CATALOG.get(name).resources:
            assert resource.field("local_government_code").constraints["enum"] == ["140007"]


@pytest.mark.parametrize(
    ("code", "digit"),
    [("140007", "7"), ("130001", "1"), ("011002", "2"), ("131016", "6"), ("141003", "3"), ("141305", "5")],
)
def test_check_digit_of_real_local_government_codes(code, digit):
    assert check_digit(code) == digit == code[-1]


def test_check_digit_when_the_weighted_sum_leaves_no_or_one_remainder():
    assert check_digit("30100") == "1"  # 22 mod 11 = 0: 11, last digit 1
    assert check_digit("20000") == "0"  # 12 mod 11 = 1: 10, last digit 0


# -- the long-form report checks ----------------------------------------------------------

SUM_RULE = {
    "rule": "sum-long",
    "by": ["year"],
    "category": "part",
    "value": "n",
    "total": "all",
    "parts": ["a", "b"],
}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("1", "a", "2"), ("1", "b", "3"), ("1", "all", "5")], []),
        ([("1", "a", "2"), ("1", "b", "3"), ("1", "all", "6")], [(4, "n", "all is 6 but a + b is 5")]),
        ([("1", "a", "2"), ("1", "all", "2")], [(None, None, "rows ['b'] named by the rule are missing")]),
        ([("1", "a", ""), ("1", "b", "3"), ("1", "all", "5")], []),  # an empty part: nothing to add up
    ],
)
def test_sum_long(rows, expected):
    records = [{"year": y, "part": p, "n": n} for y, p, n in rows]
    findings = list(check_sum_long(SUM_RULE, records))
    assert [(f.row, f.field, f.message.split(": ", 1)[1]) for f in findings] == expected


@pytest.mark.parametrize(("total", "findings"), [("5", []), ("6", [(2, "n", "n is 6 but a + b is 5")])])
def test_the_wide_sum_rule_still_holds_for_wide_tables(total, findings):
    """No shipped table is wide any more, but a package may still declare `sum` across columns."""
    rule = {"rule": "sum", "total": "n", "parts": ["a", "b"]}
    found = check_sum(rule, [{"a": "2", "b": "3", "n": total}])
    assert [(f.row, f.field, f.message) for f in found] == findings


def test_ordered_long_names_the_row_and_field():
    rule = {"by": ["y"], "category": "s", "lower": "done", "upper": "planned", "fields": ["n", "m"]}
    rows = [{"y": "1", "s": "planned", "n": "5", "m": "5"}, {"y": "1", "s": "done", "n": "6", "m": "5"}]
    assert [(f.row, f.field) for f in check_ordered_long(rule, rows)] == [(3, "n")]


# -- the ambiguous reading ------------------------------------------------------------------


def test_the_ambiguous_e_approval_rate_states_the_printed_text_and_the_reading():
    rows = {r["period_id"]: r for r in rows_of("digital-administration", "e-approval-rate")}
    last = rows["2022-02-28"]
    assert last["period_label"] == "令和4年2月" and last["e_approval_rate_percent"] == "89.1"
    assert (
        last["period_start"] == "" and last["period_end"] == "2022-02-28" and last["period_type"] == "as_of"
    )
    assert "89.1%(令和4年2月末時点)" in last["note"] and "89.1%(令和4年2月末時点)" in last["note_english"]
    descriptor = DESCRIPTORS["digital-administration"]
    assert "89.1%(令和4年2月末時点)" in descriptor["description"]
    assert "89.1%(令和4年2月末時点)" in descriptor["descriptionEnglish"]
    assert all(r["note"] == "" for key, r in rows.items() if key != "2022-02-28")


# -- the report's figures, each in its row ------------------------------------------------


def _figures(name: str) -> list[dict[str, str]]:
    with (FIGURES / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", TABLES)
def test_every_printed_figure_is_in_its_row(name):
    text = re.sub(r"(\d),\s+(\d{3})", r"\1,\2", report_text())  # "8, 582" as extracted is 8,582
    for figure in _figures(name):
        assert re.search(rf"(?<![\d.,]){re.escape(figure['value'])}(?![\d]|\.\d)", text), figure
        match = dict(part.split("=", 1) for part in figure["match"].split(";"))
        found = [r for r in rows_of(name, figure["resource"]) if all(r[k] == v for k, v in match.items())]
        assert len(found) == 1, figure
        assert found[0][figure["field"]] == figure["value"].replace(",", ""), figure


@pytest.mark.parametrize("name", TABLES)
def test_every_published_figure_is_one_of_the_report_figures(name):
    listed = {(f["resource"], f["match"], f["field"]) for f in _figures(name)}
    for resource in CATALOG.get(name).resources:
        figures = [f.name for f in resource.fields if f.type in ("integer", "number") and f.unit]
        for row in rows_of(name, resource.name):
            match = ";".join(f"{k}={row[k]}" for k in resource.primary_key)
            for field in figures:
                if row[field] != "":
                    assert (resource.name, match, field) in listed


@pytest.mark.parametrize(
    ("pivot", "message"),
    [
        (
            {"index": ["fiscal_year_label"], "columns": "channel_name", "values": ["consultations"]},
            "channel_name",
        ),
        ({"index": [], "columns": "channel_label", "values": ["consultations"]}, "repeats"),
    ],
)
def test_a_pivot_that_names_no_field_or_repeats_a_cell_is_reported(package_copy, pivot, message):
    from opendata.catalog.build import build_packages
    from opendata.catalog.validate import validate_path

    packages, schemas = package_copy / "datapackages", package_copy / "schemas"
    path = packages / "hikikomori-consultations" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["pivot"] = pivot
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    build_packages(packages, schemas)
    report = validate_path(packages / "hikikomori-consultations", schemas)
    issues = [i for p in report.packages for i in p.issues]
    assert [i.rule for i in issues] == ["pivot"] and message in issues[0].message


def test_a_pivot_without_values_is_a_package_error():
    with pytest.raises(PackageError, match="values"):
        Pivot.from_descriptor({"columns": "fiscal_year_label"})


def test_the_descriptor_codes_pass_the_check_digit_too():
    assert all(check_descriptor_codes(d) == [] for d in DESCRIPTORS.values())
    wrong = {"spatial": {"localGovernmentCode": "140001"}, "publisher": {"localGovernmentCode": "140007"}}
    assert [(f.field, f.message) for f in check_descriptor_codes(wrong)] == [
        ("spatial.localGovernmentCode", "spatial.localGovernmentCode 140001 should end in 7")
    ]
