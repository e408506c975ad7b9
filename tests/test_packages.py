"""The shipped data packages: valid, in sync with schemas/, and true to the report's arithmetic."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest

from opendata.catalog import load_catalog
from opendata.catalog.build import build_packages, schema_drift
from opendata.catalog.validate import validate_path
from tests.conftest import PACKAGES, SCHEMAS

PACKAGE_DIRS = sorted(p for p in PACKAGES.iterdir() if (p / "datapackage.json").is_file())
REQUIRED_PACKAGE_PROPERTIES = [
    "name",
    "id",
    "title",
    "titleEnglish",
    "description",
    "keywords",
    "licenses",
    "sources",
    "contributors",
    "version",
    "created",
    "attribution",
]


def test_every_table_of_the_report_is_shipped():
    assert len(PACKAGE_DIRS) == 13


@pytest.mark.parametrize("directory", PACKAGE_DIRS, ids=lambda p: p.name)
def test_frictionless_validates_each_package_as_shipped(directory):
    report = frictionless.validate(str(directory / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_opendata_validate_passes_on_the_shipped_packages():
    report = validate_path(PACKAGES, SCHEMAS)
    assert report.valid, [i for p in report.packages for i in p.issues]


@pytest.mark.parametrize("directory", PACKAGE_DIRS, ids=lambda p: p.name)
def test_package_metadata_is_complete(directory):
    descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED_PACKAGE_PROPERTIES if not descriptor.get(key)]
    assert not missing
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["sources"][0]["date"] == "2022-03-10"
    assert descriptor["name"] == directory.name
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        assert schema["primaryKey"] and "missingValues" in schema
        names = [f["name"] for f in schema["fields"]]
        assert names[:2] == ["local_government_code", "local_government_name"]
        for field in schema["fields"]:
            assert field["name"].isascii() and field["name"] == field["name"].lower()
            assert field.get("title") and field.get("description")
            if field["type"] == "integer" and field.get("unit"):  # counts cannot be negative
                assert field["constraints"].get("minimum") == 0


@pytest.mark.parametrize("directory", PACKAGE_DIRS, ids=lambda p: p.name)
def test_every_row_carries_the_local_government_code(directory):
    for csv_path in (directory / "data").glob("*.csv"):
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows
        assert {(r["local_government_code"], r["local_government_name"]) for r in rows} == {
            ("140007", "神奈川県")
        }


def test_cells_hold_one_typed_value_each():
    """統一ルール: no units, commas or per-cent signs inside numeric cells."""
    catalog = load_catalog(PACKAGES)
    for package in catalog:
        for resource in package.resources:
            numeric = [f.name for f in resource.fields if f.type in ("integer", "number")]
            with resource.path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    for name in numeric:
                        assert row[name] == "" or row[name].replace(".", "", 1).isdigit(), (
                            resource.name,
                            name,
                            row[name],
                        )


def test_schemas_and_packages_are_in_sync():
    for directory in PACKAGE_DIRS:
        assert schema_drift(directory, SCHEMAS) == []
    every_schema = {p.relative_to(SCHEMAS) for p in SCHEMAS.rglob("*.json")}
    every_resource = {
        Path(d.name) / f"{r['name']}.json"
        for d in PACKAGE_DIRS
        for r in json.loads((d / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    }
    assert every_schema == every_resource


def test_build_is_idempotent_and_embeds_an_edited_schema(package_copy):
    packages, schemas = package_copy / "datapackages", package_copy / "schemas"
    assert build_packages(packages, schemas) == []
    schema_file = schemas / "hikikomori-consultations" / "hikikomori-consultations.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["fields"][-1]["description"] = "Edited."
    schema_file.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    drift = schema_drift(packages / "hikikomori-consultations", schemas)
    assert [d.resource for d in drift] == ["hikikomori-consultations"]
    assert build_packages(packages, schemas) == ["hikikomori-consultations"]
    assert schema_drift(packages / "hikikomori-consultations", schemas) == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opendata", *args], capture_output=True, text=True, timeout=120
    )


def edit_csv(path: Path, row: int, field: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[row - 2][field] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# (package, file, row, field, new value, rule the report must name)
BROKEN_CELLS = [
    # row 5 is FY2020's total (計) in the long form: it must equal the three channels' rows
    ("hikikomori-consultations", "hikikomori-consultations.csv", 5, "consultations", "403", "sum-long"),
    (
        "digital-administration",
        "e-approval-rate.csv",
        3,
        "e_approval_rate_percent",
        "156.8",
        "constraint-error",
    ),
    (
        "hikikomori-consultations",
        "hikikomori-consultations.csv",
        6,
        "period_end",
        "2021-11-30",
        "as-of-date",
    ),
    (
        "addiction-consultations",
        "telephone-consultations.csv",
        3,
        "period_end",
        "2022-04-30",
        "in-fiscal-year",
    ),
    ("crime-victim-support", "crime-victim-support.csv", 5, "fiscal_year", "1989", "period-label"),
    (
        "womens-employment-support",
        "interview-suit-loans.csv",
        2,
        "interview_suit_loans",
        "24件",
        "type-error",
    ),
    ("mental-health-consultation", "consultations.csv", 8, "lines_min", "3", "ordered"),
    ("key-figures", "key-figures.csv", 19, "value", "5", "sum-of-rows"),
    ("dialogue-forum", "dialogue-forum.csv", 2, "event_date", "2022-01-30", "date-label"),
    (
        "kanarain-consultations",
        "kanarain-consultations.csv",
        2,
        "is_partial",
        "false",
        "partial-flag",
    ),
    ("support-services", "support-services.csv", 3, "status", "closed", "constraint-error"),
    ("support-services", "support-services.csv", 3, "channel_phone", "unknown", "type-error"),
    # ISMS certification 平成30年2月9日 and the next KSC 令和5年度から, each a day off or open-ended.
    ("key-figures", "events.csv", 67, "start_date", "2018-02-08", "date-label"),
    ("key-figures", "events.csv", 70, "end_date", "2024-03-31", "date-label"),
    ("key-figures", "events.csv", 70, "start_precision", "day", "date-label"),
    # row 4 is the FY2020 call's implementations: more organisations than intended is impossible
    ("community-revitalization", "implementation-status.csv", 4, "organisations", "94", "ordered-long"),
    ("community-revitalization", "smartphone-classes.csv", 2, "proposal_number", "10", "foreign-key"),
    ("dialogue-forum", "dialogue-forum.csv", 2, "local_government_code", "140001", "check-digit"),
    # FY2021's visit row (7) labelled as telephone: a label the enum allows, paired with the wrong id
    ("hikikomori-consultations", "hikikomori-consultations.csv", 7, "channel_label", "電話", "one-label"),
    # a name the schema allows, but not the name of the service the row's id refers to
    (
        "mental-health-consultation",
        "consultations.csv",
        2,
        "service_name",
        "自宅・宿泊施設療養者向け",
        "reference-name",
    ),
    ("key-figures", "key-figures.csv", 2, "local_government_code", "140008", "check-digit"),
]


@pytest.mark.parametrize(
    ("package", "file", "row", "field", "value", "rule"),
    BROKEN_CELLS,
    ids=[f"{c[0]}-{c[5]}" for c in BROKEN_CELLS],
)
def test_a_broken_cell_is_reported_with_file_row_field_and_rule(
    package_copy, package, file, row, field, value, rule
):
    packages = package_copy / "datapackages"
    edit_csv(packages / package / "data" / file, row, field, value)
    result = run_cli("validate", str(packages), "--json")
    assert result.returncode == 1, result.stderr
    issues = [i for p in json.loads(result.stdout)["packages"] for i in p["issues"]]
    assert any(
        i["rule"] == rule and i["row"] == row and i["field"] == field and i["file"].endswith(file)
        for i in issues
    ), issues


def test_the_broken_key_figure_row_is_a_checked_total():
    """Row 19 of key-figures (the table above edits it) is breakfast-schools, a checked total."""
    with (PACKAGES / "key-figures" / "data" / "key-figures.csv").open(encoding="utf-8") as handle:
        assert list(csv.DictReader(handle))[17]["figure_id"] == "breakfast-schools"
    with (PACKAGES / "key-figures" / "data" / "events.csv").open(encoding="utf-8") as handle:
        events = list(csv.DictReader(handle))
    assert [events[65]["event_id"], events[68]["event_id"]] == ["isms-certification", "next-ksc"]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("malformed-json", "malformed JSON at line 1"),
        ("missing-csv", "hikikomori-consultations.csv"),
        ("not-an-object", "must be a JSON object"),
        ("no-resources", "missing required property 'resources'"),
    ],
)
def test_a_broken_package_gives_a_report_not_a_traceback(package_copy, damage, expected):
    directory = package_copy / "datapackages" / "hikikomori-consultations"
    descriptor = directory / "datapackage.json"
    if damage == "malformed-json":
        descriptor.write_text("{not json", encoding="utf-8")
    elif damage == "missing-csv":
        (directory / "data" / "hikikomori-consultations.csv").unlink()
    elif damage == "not-an-object":
        descriptor.write_text("[1, 2]", encoding="utf-8")
    elif damage == "no-resources":
        descriptor.write_text('{"name": "x"}', encoding="utf-8")
    result = run_cli("validate", str(directory))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert expected in result.stdout
    assert "FAIL" in result.stdout


def test_validate_on_a_missing_folder_is_one_clear_failure(tmp_path):
    result = run_cli("validate", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "no such folder of data packages" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_json_output_is_machine_readable():
    result = run_cli("validate", "--json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["valid"] is True and len(report["packages"]) == 13
