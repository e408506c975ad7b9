"""`opendata import`: each step, whole print-layout sheets with the exact tidy table they
must become, a report table rebuilt as printed, and the draft passing validate and check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata.catalog.validate import validate_path
from opendata.check.cells import read_figure
from opendata.check.package import check_package
from opendata.cli import main
from opendata.importer import draft, import_sheet
from opendata.importer.names import name_for
from opendata.importer.printed import strip_marks
from opendata.importer.timeaxis import read_periods
from tests.check import workbooks as wb
from tests.conftest import PACKAGES


def rows_of(package: Path) -> list[list[str]]:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    with (package / descriptor["resources"][0]["path"]).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def imported(tmp_path: Path, data: bytes, name: str, *args: str) -> tuple[Path, str]:
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(data)
    result = CliRunner().invoke(
        main, ["import", str(source), "--name", name, "--out", str(tmp_path / "out"), *args]
    )
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / name, result.output


# ---- single steps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "mark"),
    [
        ("1,234人", 1234, "人", None),
        ("５６", 56, None, None),
        ("12※1", 12, None, "※1"),
        ("▲3", -3, None, None),
        ("2.5%", 2.5, "%", None),
        (" 7 件", 7, "件", None),
    ],
)
def test_figures_lose_separators_units_and_width(text, value, unit, mark):
    figure = read_figure(text)
    assert figure is not None and (figure.value, figure.unit, figure.mark) == (value, unit, mark)


@pytest.mark.parametrize("text", ["12,34", "横浜市", "令和2年度", "1-2"])
def test_non_figures_stay_text(text):
    assert read_figure(text) is None


@pytest.mark.parametrize(
    ("labels", "years"),
    [
        (["令和2年度", "令和3年度(12月末現在)"], [2020, 2021]),
        (["平成30年度", "元年度", "2年度"], [2018, 2019, 2020]),
        (["平成27年度", "28年度", "29年度"], [2015, 2016, 2017]),
        (["2019年度", "2020年"], [2019, 2020]),
        (["令和元年度", "R2年度"], [2019, 2020]),
    ],
)
def test_period_labels_become_western_years_with_the_era_carried(labels, years):
    assert [p.year if p else None for p in read_periods(labels)] == years


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (["区分"], "category"),
        (["相談件数", "合計"], "consultations_total"),
        (["男性"], "male"),
        (["Email"], "email"),
        (["相談件数合計"], "consultations_total"),
        (["ひきこもり"], None),
    ],
)
def test_names_come_from_the_glossary_or_not_at_all(parts, name):
    assert name_for(parts) == name


def test_footnote_markers_leave_the_heading():
    assert strip_marks("令和3年度※1") == ("令和3年度", ["※1"])


# ---- whole sheets -----------------------------------------------------------------------


def test_print_layout_sheet_becomes_the_exact_tidy_table(tmp_path):
    package, output = imported(tmp_path, wb.consultations_printed(), "consultations")
    assert rows_of(package) == wb.CONSULTATIONS_TIDY
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["value"]["type"] == "integer" and fields["value"]["unit"] == "件"
    assert fields["category"]["title"] == "区分" and fields["fiscal_year"]["type"] == "integer"
    missing = {m["value"]: m["label"] for m in resource["schema"]["missingValues"]}
    assert missing["－"] == "該当数値なし" and missing["…"] == "不詳・データなし" and missing["x"] == "秘匿"
    totals = resource["reportChecks"][0]
    assert totals["rule"] == "printed-total"
    assert {
        "field": "value",
        "where": {"fiscal_year": 2020, "sex": "男"},
        "value": 1253,
        "label": "合計",
    } in totals["totals"]
    assert descriptor["title"] == "表2 相談件数（テスト用の架空データ）"
    assert "skipped hidden row(s) 8" in output and "filled 2 “same as above”" in output
    assert "flattened 2 heading rows" in output and "reshaped to long form" in output
    assert "became column `sex` (性別)" in output and "still to decide:" in output


def test_the_draft_passes_validate_and_check(tmp_path):
    package, _ = imported(tmp_path, wb.consultations_printed(), "consultations")
    assert validate_path(package).valid, validate_path(package).to_dict()
    [(_, report)] = check_package(package, wb.LIMITS)
    assert [(r.id, r.violations[:1]) for r in report.failed] == []
    assert report.score() == {"L1": 100, "L2": 100, "L3": 100}


def test_wide_is_kept_on_request_and_named_by_period(tmp_path):
    package, output = imported(tmp_path, wb.consultations_printed(), "wide", "--wide")
    assert rows_of(package)[0] == [
        "category",
        "channel",
        "fy2020_male",
        "fy2020_female",
        "fy2021_male",
        "fy2021_female",
    ]
    assert rows_of(package)[1] == ["若者", "電話", "1234", "56", "40", "－"]
    assert "L3-09" in output


def test_second_table_on_a_sheet_and_formula_without_saved_value(tmp_path):
    package, output = imported(tmp_path, wb.two_tables(), "districts", "--table", "2")
    assert rows_of(package) == [
        ["district", "sex", "value"],
        ["北部", "男", "3"],
        ["北部", "女", "4"],
        ["南部", "男", "5"],
        ["南部", "女", "6"],
    ]
    checks = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0][
        "reportChecks"
    ]
    assert checks[0]["totals"] == [
        {"field": "value", "where": {"district": "北部"}, "value": 7, "label": "計"}
    ]
    assert "sheet holds 2 tables" in output and "D8" in output and "no saved value" in output
    assert validate_path(package).valid


def test_a_report_table_rebuilt_as_printed_imports_to_the_shipped_figures(tmp_path):
    """Report 1(4)ア(ア)a: compared by value with the shipped package, whatever its layout."""
    package, _ = imported(tmp_path, wb.hikikomori_printed(), "hikikomori-draft")
    header, *rows = rows_of(package)
    assert header == [
        "fiscal_year",
        "fiscal_year_label",
        "period_start",
        "period_end",
        "is_partial",
        "channel",
        "value",
    ]
    assert rows[3][:5] == ["2021", "令和3年度(12月末現在)", "2021-04-01", "2021-12-31", "true"]
    imported_figures = {(int(r[0]), int(r[6])) for r in rows}
    checks = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0][
        "reportChecks"
    ]
    totals = {(t["where"]["fiscal_year"], t["value"]) for t in checks[0]["totals"]}
    assert {r[1] for r in rows} == {"令和2年度", "令和3年度(12月末現在)"}
    shipped = shipped_figures(PACKAGES / "hikikomori-consultations")
    assert imported_figures <= shipped
    assert shipped <= imported_figures | totals
    assert validate_path(package).valid
    [(_, report)] = check_package(package, wb.LIMITS)
    assert [(r.id, r.violations[:1]) for r in report.failed] == []


def shipped_figures(package: Path) -> set[tuple[int, int]]:
    """(fiscal year, figure) for every integer cell of the package's tables but keys and years."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    found = set()
    for resource in descriptor["resources"]:
        numbers = [
            f["name"]
            for f in resource["schema"]["fields"]
            if f["type"] in ("integer", "number") and "year" not in f["name"] and f["name"] != "page"
        ]
        with (package / resource["path"]).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found |= {(int(row["fiscal_year"]), int(float(row[n]))) for n in numbers if row.get(n)}
    return found


# ---- safety of the output ---------------------------------------------------------------


def test_an_existing_package_is_never_overwritten(tmp_path):
    imported(tmp_path, wb.hikikomori_printed(), "again")
    source = tmp_path / "again.xlsx"
    result = CliRunner().invoke(
        main, ["import", str(source), "--name", "again", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1 and "already exists" in result.output


def test_an_interrupted_import_leaves_no_folder(tmp_path, monkeypatch):
    import opendata.importer.writer as writer

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.json, "dumps", interrupt)
    source = tmp_path / "t.xlsx"
    source.write_bytes(wb.hikikomori_printed())
    result = CliRunner().invoke(
        main, ["import", str(source), "--name", "cut", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 130 and "nothing was written" in result.output
    assert list((tmp_path / "out").iterdir()) == []


def test_writing_into_a_project_also_writes_the_schema(tmp_path):
    source = tmp_path / "t.xlsx"
    source.write_bytes(wb.hikikomori_printed())
    result = import_sheet(
        source, None, "hiki", None, tmp_path / "datapackages", wb.LIMITS, tmp_path / "schemas"
    )
    schema = json.loads((tmp_path / "schemas" / "hiki" / "hiki.json").read_text(encoding="utf-8"))
    assert (
        schema
        == json.loads((result.target / "datapackage.json").read_text(encoding="utf-8"))["resources"][0][
            "schema"
        ]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Bad Name"], "--name"),
        (["--name", "ok", "--sheet", "nope"], "--sheet"),
        (["--name", "ok", "--table", "3"], "--table"),
    ],
)
def test_bad_options_are_one_line(tmp_path, args, message):
    source = tmp_path / "t.xlsx"
    source.write_bytes(wb.hikikomori_printed())
    result = CliRunner().invoke(main, ["import", str(source), "--out", str(tmp_path), *args])
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].startswith("opendata: error:")
    assert message in result.output


def test_draft_is_available_without_writing():
    result = draft(wb.hikikomori_printed(), "t.xlsx", "相談実績", "hiki", None, wb.LIMITS)
    assert result.tidy.long and len(result.tidy.rows) == 6


def test_a_printed_total_that_the_rows_do_not_reach_is_reported(tmp_path):
    package, _ = imported(tmp_path, wb.hikikomori_printed(), "wrong-total")
    descriptor_path = package / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["reportChecks"][0]["totals"][0]["value"] = 403
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    issues = validate_path(package).packages[0].issues
    assert [i.rule for i in issues] == ["printed-total"] and "403" in issues[0].message


def test_a_unit_in_the_number_format_and_dates_as_labels(tmp_path):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["実施日", "参加者数"])
    for day, people in ((datetime.datetime(2021, 5, 1), 12), (datetime.datetime(2021, 6, 3), 8)):
        sheet.append([day, people])
        sheet.cell(sheet.max_row, 2).number_format = '#,##0"人"'
    out = io.BytesIO()
    book.save(out)
    package, _ = imported(tmp_path, out.getvalue(), "events")
    assert rows_of(package) == [["col_1", "participants"], ["2021-05-01", "12"], ["2021-06-03", "8"]]
    fields = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"][
        "fields"
    ]
    assert fields[1]["unit"] == "人"


def test_formulas_saved_with_their_values_become_checks(tmp_path):
    """A workbook recalculated and saved by LibreOffice, as a department's Excel would save it."""
    import shutil
    import subprocess

    from tests.conftest import require

    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    source = tmp_path / "two.xlsx"
    source.write_bytes(wb.two_tables())
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "saved"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = (tmp_path / "saved" / "two.xlsx").read_bytes()
    package, output = imported(tmp_path, saved, "districts", "--table", "2")
    checks = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0][
        "reportChecks"
    ]
    assert {"field": "value", "where": {"district": "南部"}, "value": 11, "label": "計"} in checks[0][
        "totals"
    ]
    assert "no saved value" not in output
    from opendata.check import check_bytes

    formulas = check_bytes(saved, "two.xlsx", wb.LIMITS).result("L2-06")
    assert formulas.status == "failed" and formulas.violations[0].cell == "D8"


def test_heading_rows_inside_the_body_become_a_group_column(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["区分", "令和2年度", "令和3年度"],
        ["【相談】", None, None],
        ["電話", 5, 6],
        ["来所", 1, 2],
        ["【講座】", None, None],
        ["電話", 3, 4],
    ):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    package, _ = imported(tmp_path, out.getvalue(), "grouped")
    assert rows_of(package) == [
        ["category", "group", "fiscal_year", "fiscal_year_label", "value"],
        ["電話", "【相談】", "2020", "令和2年度", "5"],
        ["電話", "【相談】", "2021", "令和3年度", "6"],
        ["来所", "【相談】", "2020", "令和2年度", "1"],
        ["来所", "【相談】", "2021", "令和3年度", "2"],
        ["電話", "【講座】", "2020", "令和2年度", "3"],
        ["電話", "【講座】", "2021", "令和3年度", "4"],
    ]
    assert validate_path(package).valid


def test_a_shift_jis_print_layout_csv_imports_too(tmp_path):
    text = (
        '表1 相談件数\n\n区分,令和2年度,令和3年度\n電話,"1,234",56\n来所,10,－\n合計,"1,244",56\n※ 速報値\n'
    )
    source = tmp_path / "p.csv"
    source.write_bytes(text.encode("cp932"))
    result = CliRunner().invoke(
        main, ["import", str(source), "--name", "pcsv", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    package = tmp_path / "out" / "pcsv"
    assert rows_of(package) == [
        ["category", "fiscal_year", "fiscal_year_label", "value"],
        ["電話", "2020", "令和2年度", "1234"],
        ["電話", "2021", "令和3年度", "56"],
        ["来所", "2020", "令和2年度", "10"],
        ["来所", "2021", "令和3年度", "－"],
    ]
    assert "no unit is printed" in result.output
    assert validate_path(package).valid


def test_row_labels_are_read_as_periods_only_when_every_one_is(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["区分", "電話", "来所"], ["令和2年度", 1, 2], ["累計", 3, 4]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    package, _ = imported(tmp_path, out.getvalue(), "mixed")
    assert rows_of(package) == [
        ["category", "telephone", "visit"],
        ["令和2年度", "1", "2"],
        ["累計", "3", "4"],
    ]


def test_a_report_table_with_its_era_only_in_the_title_imports_to_the_shipped_figures(tmp_path):
    """Report 1(9)ア: 28年度…元年度…2年度 under a title naming H28～R2年度."""
    package, output = imported(tmp_path, wb.crime_victim_printed(), "crime-victim-draft")
    header, *rows = rows_of(package)
    assert header == ["category", "fiscal_year", "fiscal_year_label", "value"]
    assert {(int(r[1]), r[2]) for r in rows} == {
        (2016, "28年度"),
        (2017, "29年度"),
        (2018, "30年度"),
        (2019, "元年度"),
        (2020, "2年度"),
    }
    assert {(int(r[1]), int(r[3])) for r in rows} == shipped_figures(PACKAGES / "crime-victim-support")
    fields = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"][
        "fields"
    ]
    assert next(f for f in fields if f["name"] == "value")["unit"] == "件"
    assert "no era is printed" not in output
    assert validate_path(package).valid
    [(_, report)] = check_package(package, wb.LIMITS)
    assert [(r.id, r.violations[:1]) for r in report.failed] == []


def test_era_less_years_with_no_era_anywhere_are_read_as_recent_and_flagged(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["区分", "元年度", "2年度"], ["相談件数（件）", 1, 2]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    package, output = imported(tmp_path, out.getvalue(), "eraless")
    assert [r[1] for r in rows_of(package)[1:]] == ["2019", "2020"]
    assert "no era is printed: read 元年度=2019, 2年度=2020" in output


def test_a_draft_written_into_a_project_builds_and_validates_there(tmp_path):
    from opendata.catalog.build import build_packages

    packages, schemas = tmp_path / "datapackages", tmp_path / "schemas"
    source = tmp_path / "t.xlsx"
    source.write_bytes(wb.crime_victim_printed())
    import_sheet(source, None, "support-draft", None, packages, wb.LIMITS, schemas)
    assert build_packages(packages, schemas) == ["support-draft"]  # adds the data file's bytes and hash
    report = validate_path(packages / "support-draft", schemas)
    assert report.valid, report.to_dict()


def test_long_on_request_for_item_columns_without_periods(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["区分", "男性（人）", "女性（人）"], ["若者", 3, 4], ["高齢者", 5, 6]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    package, _ = imported(tmp_path, out.getvalue(), "by-sex", "--long")
    assert rows_of(package) == [
        ["category", "sex", "value"],
        ["若者", "男性", "3"],
        ["若者", "女性", "4"],
        ["高齢者", "男性", "5"],
        ["高齢者", "女性", "6"],
    ]
    fields = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["schema"][
        "fields"
    ]
    assert fields[-1]["unit"] == "人"
