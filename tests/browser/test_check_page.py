"""The machine-readability upload page: a person uploads a sheet and reads the report.

0 axe-core violations (WCAG 2.1 A/AA) on the form, the report and the error state.
"""

from __future__ import annotations

from tests.browser.conftest import describe_violations, run_axe, screenshot
from tests.check import workbooks as wb


def test_upload_a_workbook_and_read_its_report(page, axe_source, tmp_path):
    source = tmp_path / "相談件数.xlsx"
    source.write_bytes(wb.consultations_printed())
    response = page.goto("/check")
    assert response is not None and response.status == 200
    assert not (violations := run_axe(page, axe_source)), describe_violations(violations)
    page.get_by_label("確かめるファイル").set_input_files(str(source))
    page.get_by_role("button", name="チェックする").click()
    page.wait_for_selector("h1:has-text('チェック結果')")
    screenshot(page, "check-report")
    assert not (violations := run_axe(page, axe_source)), describe_violations(violations)
    merged = page.locator("#rule-L1-12")
    assert "不合格" in merged.inner_text() and "A3:A4" in merged.inner_text()
    assert page.get_by_role("table", name="スコア（合格したルールの割合）").is_visible()


def test_a_file_that_is_not_a_spreadsheet_shows_the_reason(page, axe_source, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(b"%PDF-1.7 test")
    page.goto("/check?lang=en")
    page.get_by_label("File to check").set_input_files(str(source))
    with page.expect_response(
        lambda r: r.url.endswith("/check?lang=en") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Check", exact=True).click()
    assert answer.value.status == 415
    alert = page.get_by_role("alert")
    assert "only .xlsx, .csv and .tsv" in alert.inner_text()
    screenshot(page, "check-error")
    assert not (violations := run_axe(page, axe_source)), describe_violations(violations)
