"""Each rule: a sample file that breaks it, and the tidy base file that does not."""

from __future__ import annotations

import pytest

from opendata.check import check_bytes
from opendata.check.rules import catalogue, resolve
from tests.check import workbooks as wb

X = "book.xlsx"
C = "table.csv"
BASE_X = wb.xlsx(wb.BASE)
BASE_C = wb.text(wb.BASE)

# rule, file name, the bytes that break it, the cell (or range) of the first violation
BREAKERS = [
    ("L1-02", X, wb.xlsx(wb.grid(extra=[[], [], ["区分", "件数（件）"], ["A", 1], ["B", 2]])), "A8:B10"),
    ("L1-03", X, wb.xlsx(wb.grid(extra=[[], [2022, "横浜市", "電話", 3]])), "6:6"),
    ("L1-03", C, wb.text([[*r[:2], None, *r[2:]] for r in wb.BASE]), "C:C"),
    ("L1-04", X, wb.xlsx(wb.grid(extra=[[], ["※ 速報値"]])), "A7"),
    ("L1-05", X, wb.xlsx(wb.grid({(0, 2): None})), "C1"),
    ("L1-06", C, wb.text(wb.grid({(1, 1): "横浜 市"})), "B2"),
    ("L1-07", X, wb.xlsx(wb.grid({(1, 3): "12(3)"})), "D2"),
    ("L1-08", X, wb.xlsx(wb.grid({(1, 2): "電話①"})), "C2"),
    ("L1-09", X, wb.xlsx(wb.grid({(3, 3): None})), "D4"),
    ("L1-10", X, wb.xlsx(wb.BASE, wb.chart), None),
    ("L1-11", X, wb.xlsx(wb.BASE, wb.bold("D3")), "D3"),
    ("L1-12", X, wb.xlsx(wb.grid({(2, 0): None}), wb.merge("A2:A3")), "A2:A3"),
    ("L1-13", X, wb.xlsx(wb.BASE, wb.hide_column("C")), "C:C"),
    ("L1-13", X, wb.hidden_sheet(BASE_X), None),
    ("L1-14", C, wb.text(wb.grid({(2, 2): "電話\n（夜間）"})), "C3"),
    ("L1-15", C, BASE_C + "2022,横浜市,電話,来所,3\r\n".encode(), "6:6"),
    ("L2-01", X, wb.xlsx(wb.grid({(1, 3): "1,234件"})), "D2"),
    ("L2-01", C, wb.text(wb.grid({(1, 3): "１２"})), "D2"),
    ("L2-02", X, wb.xlsx(wb.grid({(2, 0): "〃"})), "A3"),
    ("L2-02", X, wb.xlsx(wb.grid({(2, 0): None})), "A3"),
    ("L2-03", X, wb.xlsx(wb.grid({(0, 2): "年度"})), "C1"),
    ("L2-04", X, wb.xlsx(wb.grid({(1, 2): "実施済", (2, 2): "実施済み"})), None),
    ("L2-05", X, wb.xlsx(wb.grid({(1, 2): "その他（出張相談）"})), "C2"),
    ("L2-06", X, wb.xlsx(wb.BASE, wb.formula("D5", "=D4-8")), "D5"),
    ("L3-01", X, wb.xlsx([["表1 相談件数"], *wb.BASE]), "A2"),
    ("L3-03", X, wb.xlsx(wb.grid({(2, 3): "x"})), None),
    ("L3-04", X, wb.xlsx(wb.grid({(0, 3): "相談件数"})), "D1"),
    (
        "L3-05",
        X,
        wb.xlsx(
            wb.grid({(1, 0): "令和2年度", (2, 0): "令和2年度", (3, 0): "令和3年度", (4, 0): "令和3年度"})
        ),
        "A2",
    ),
    ("L3-06", X, wb.xlsx(wb.grid({(1, 1): "横浜"})), "B2"),
    (
        "L3-09",
        X,
        wb.xlsx([["市区町村名", "2020年度（件）", "2021年度（件）"], ["横浜市", 1, 2], ["川崎市", 3, 4]]),
        "B1:C1",
    ),
    (
        "L3-09",
        X,
        wb.xlsx(
            [["市区町村名", "電話（件）", "来所（件）", "計（件）"], ["横浜市", 1, 2, 3], ["川崎市", 3, 4, 7]]
        ),
        None,
    ),
]


@pytest.mark.parametrize(
    ("kind", "data"), [(X, BASE_X), (C, BASE_C), ("table.tsv", wb.text(wb.BASE, delimiter="\t"))]
)
def test_the_tidy_base_passes_every_rule_judged_on_its_type(kind, data):
    report = check_bytes(data, kind, wb.LIMITS)
    assert [r.id for r in report.failed] == []
    assert all(v == 100 for v in report.score().values())


@pytest.mark.parametrize(
    ("rule", "name", "data", "where"), BREAKERS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BREAKERS)]
)
def test_a_file_that_breaks_the_rule_fails_it_with_the_place(rule, name, data, where):
    report = check_bytes(data, name, wb.LIMITS)
    result = report.result(rule)
    assert result.status == "failed", [(r.id, r.violations[:1]) for r in report.results]
    assert result.violations[0].message["ja"] and result.violations[0].message["en"]
    if where is not None:
        assert result.violations[0].cell == where
    # the same file passes when the breaking change is absent: the base passes that rule
    base = BASE_X if name.endswith(".xlsx") else BASE_C
    assert check_bytes(base, name, wb.LIMITS).result(rule).status == "passed"


def test_every_rule_is_listed_with_a_status_never_silently_passed():
    for data, name, not_applicable in (
        (BASE_X, X, {"L1-14", "L1-15"}),
        (BASE_C, C, {"L1-10", "L1-11", "L1-12", "L1-13", "L2-06"}),
    ):
        report = check_bytes(data, name, wb.LIMITS)
        statuses = {r.id: r.status for r in report.results}
        assert set(statuses) == set(catalogue()) and len(statuses) == 30
        assert {k for k, v in statuses.items() if v == "not-applicable"} == not_applicable
        assert {k for k, v in statuses.items() if v == "not-judged"} == {"L3-02", "L3-07", "L3-08"}
        assert all(r.reason for r in report.results if r.passed is None)


def test_every_rule_has_both_languages_and_old_ids_resolve():
    rules = catalogue()
    assert len(rules) == 30 and {r.level for r in rules.values()} == {"L1", "L2", "L3"}
    for rule in rules.values():
        assert all(rule.title[lang] and rule.what[lang] and rule.fix[lang] for lang in ("ja", "en"))
    assert resolve("1-4").id == "L1-12" and resolve("2-2").id == "L1-02" and resolve("l3-09").id == "L3-09"


def test_score_is_the_share_of_judged_rules_passed():
    report = check_bytes(wb.xlsx(wb.BASE, wb.merge("B2:B3")), X, wb.LIMITS)
    judged_l1 = [r for r in report.results if r.id.startswith("L1") and r.passed is not None]
    assert report.score()["L1"] == round(100 * (len(judged_l1) - 1) / len(judged_l1))


def test_a_symbol_defined_on_the_sheet_passes_l3_03():
    rows = wb.grid({(2, 3): "x"}, extra=[[], ["「x」は秘匿"]])
    assert check_bytes(wb.xlsx(rows), X, wb.LIMITS).result("L3-03").status == "passed"


def test_a_rule_broken_on_every_row_keeps_a_bounded_list_and_the_full_count():
    rows = [["地区", "件数（件）"], *[[f"地区{n}", f"{n:,}件"] for n in range(1500)]]
    report = check_bytes(wb.xlsx(rows), X, wb.LIMITS)
    result = report.result("L2-01")
    assert result.violation_count == 1500 and len(result.violations) == 1000
    listed = next(r for r in report.to_dict()["rules"] if r["id"] == "L2-01")
    assert listed["violationCount"] == 1500 and len(listed["violations"]) == 200


def test_a_unit_shown_by_the_number_format_counts_for_l3_04():
    def unit_format(sheet) -> None:
        for row in range(2, 6):
            sheet.cell(row, 4).number_format = '#,##0"件"'

    rows = wb.grid({(0, 3): "相談件数"})
    assert check_bytes(wb.xlsx(rows), X, wb.LIMITS).result("L3-04").status == "failed"
    assert check_bytes(wb.xlsx(rows, unit_format), X, wb.LIMITS).result("L3-04").status == "passed"


PACKAGE_BREAKERS = [
    ("L1-01", lambda d: d["resources"].append({"name": "report", "path": "report.pdf", "format": "pdf"})),
    (
        "L3-02",
        lambda d: d["resources"][0]["schema"]["fields"].append(
            {"name": "area_code", "type": "string", "description": "地域コード"}
        ),
    ),
    ("L3-08", lambda d: d["resources"][0].pop("encoding")),
    ("L3-08", lambda d: d["resources"][0]["schema"]["fields"][0].pop("description")),
    ("L3-08", lambda d: d.pop("sources")),
    ("L3-03", lambda d: d["resources"][0]["schema"].update(missingValues=[""])),
    (
        "L3-04",
        lambda d: next(f for f in d["resources"][0]["schema"]["fields"] if f["name"] == "value").pop("unit"),
    ),
]


@pytest.mark.parametrize(
    ("rule", "breaks"), PACKAGE_BREAKERS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(PACKAGE_BREAKERS)]
)
def test_package_rules_are_judged_from_the_metadata(tmp_path, rule, breaks):
    import csv
    import json

    from opendata.check.package import check_package
    from opendata.importer import import_sheet

    source = tmp_path / "t.xlsx"
    source.write_bytes(wb.consultations_printed())
    package = import_sheet(source, None, "sample", None, tmp_path / "out", wb.LIMITS).target
    [(_, report)] = check_package(package, wb.LIMITS)
    assert report.result(rule).status == "passed"
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    breaks(descriptor)
    if rule == "L3-02":  # the new column needs its values in the CSV too
        path = package / "data" / "sample.csv"
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([[*rows[0], "area_code"], *[[*r, "141003"] for r in rows[1:]]])
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    [(_, report)] = check_package(package, wb.LIMITS)
    assert report.result(rule).status == "failed"


def test_a_blank_the_schema_labels_is_no_l1_09_violation(tmp_path):
    import json

    from opendata.check.package import check_package

    package = tmp_path / "p"
    (package / "data").mkdir(parents=True)
    (package / "data" / "t.csv").write_text("area,count\n横浜市,0\n川崎市,\n", encoding="utf-8")
    fields = [
        {"name": "area", "type": "string", "description": "市"},
        {"name": "count", "type": "integer", "unit": "件", "description": "件数"},
    ]
    resource = {"name": "t", "path": "data/t.csv", "encoding": "utf-8", "schema": {"fields": fields}}
    descriptor = {
        "name": "p",
        "description": "d",
        "sources": [{"title": "s"}],
        "version": "1",
        "resources": [resource],
    }
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert check_package(package, wb.LIMITS)[0][1].result("L1-09").status == "failed"
    resource["schema"]["missingValues"] = [{"value": "", "label": "調査なし"}]
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert check_package(package, wb.LIMITS)[0][1].result("L1-09").status == "passed"


@pytest.mark.parametrize(
    ("rule", "value", "status"),
    [
        ("L3-05", "令和2年度から継続", "passed"),
        ("L3-05", "令和3年度(12月末現在)", "failed"),
        ("L3-05", "R2年4月", "failed"),
        ("L3-05", "2020年度（令和2年度）", "passed"),
        ("L1-06", "横 浜 市", "failed"),
        ("L1-06", "東京都", "passed"),
        ("L1-06", "「同年」は前文の令和3年。 同年 refers to the year before.", "passed"),
        ("L1-06", "二重  空白", "failed"),
    ],
)
def test_time_labels_and_layout_spaces_are_told_from_prose(rule, value, status):
    rows = [["区分", "備考", "件数（件）"], ["電話", value, 1], ["来所", "なし", 2]]
    assert check_bytes(wb.text(rows), C, wb.LIMITS).result(rule).status == status


def _drawing_as(kind: str):
    """The chart's drawing anchor rewritten as a picture or a shape (no image library needed)."""

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/drawings/drawing"):
            return data.replace(b"graphicFrame", kind.encode())
        return data

    return wb.rezip(wb.xlsx(wb.BASE, wb.chart), change)


def _commented(sheet) -> None:
    from openpyxl.comments import Comment

    sheet["A2"].comment = Comment("速報値", "担当")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (wb.xlsx(wb.BASE, wb.chart), "1 × a chart."),
        (_drawing_as("pic"), "1 × an image."),
        (_drawing_as("sp"), "1 × a shape or text box."),
        (wb.xlsx(wb.BASE, _commented), "1 × cell comments."),
    ],
    ids=["chart", "image", "shape", "comment"],
)
def test_each_kind_of_object_is_named(data, message):
    result = check_bytes(data, X, wb.LIMITS).result("L1-10")
    assert result.status == "failed" and [v.message["en"] for v in result.violations] == [message]


def test_a_hidden_block_is_one_violation():
    def hide(sheet) -> None:
        for letter in "BCD":
            sheet.column_dimensions[letter].hidden = True
        for row in (3, 4):
            sheet.row_dimensions[row].hidden = True

    result = check_bytes(wb.xlsx(wb.BASE, hide), X, wb.LIMITS).result("L1-13")
    assert [(v.cell, v.message["en"]) for v in result.violations] == [
        ("3:4", "row(s) 3-4 hidden."),
        ("B:D", "column(s) B:D hidden."),
    ]
