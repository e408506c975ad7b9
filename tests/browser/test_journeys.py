"""What a resident or a member of municipal staff does, in a real browser, keyboard included."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from opendata.exports.csv_export import neutralise
from tests.browser.conftest import describe_violations, run_axe, screenshot
from tests.conftest import PACKAGES

FLAVOURS = [("csv-utf-8", "utf-8"), ("csv-utf-8-sig", "utf-8-sig"), ("csv-cp932", "cp932")]
SUFFIXES = {"utf-8": ".csv", "utf-8-sig": "_Excel用.csv", "cp932": "_ShiftJIS.csv"}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def column(page, table: str, field: str) -> list[str]:
    """The text of one column of a preview table, by field name."""
    index = page.locator(f"{table} thead th").evaluate_all(
        "(cells, field) => cells.findIndex(c => c.dataset.field === field)", field
    )
    return page.locator(f"{table} tbody tr").evaluate_all(
        "(rows, i) => rows.map(r => r.cells[i].innerText.trim())", index
    )


def test_search_in_japanese_then_open_the_dataset(page):
    page.goto("/")
    box = page.get_by_role("searchbox", name="キーワードで検索（日本語・英語）")
    box.fill("ひきこもり")
    box.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert page.get_by_role("heading", level=1).inner_text() == "「ひきこもり」の検索結果"
    screenshot(page, "search-results")
    page.get_by_role("link", name="ひきこもり地域支援センターの相談実績").first.click()
    page.wait_for_url("**/datasets/hikikomori-consultations")
    assert page.get_by_role("heading", level=1).inner_text() == "ひきこもり地域支援センターの相談実績"
    assert page.locator("html").get_attribute("lang") == "ja"
    chart = page.get_by_role("img", name=re.compile("相談実績"))
    assert chart.count() == 1 and chart.locator("rect").count() == 8
    screenshot(page, "dataset-ja")


def key_figure_rows() -> int:
    with (PACKAGES / "key-figures" / "data" / "key-figures.csv").open(encoding="utf-8") as handle:
        return len(list(csv.DictReader(handle)))


def test_sort_and_page_the_preview(page):
    total = key_figure_rows()
    assert 60 < total <= 80  # four pages of 20, the last one short
    page.goto("/datasets/key-figures")
    table = "table[data-testid=preview-key-figures]"
    header = page.locator(f"{table} th[data-field=value]")
    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=value"))
    assert header.get_attribute("aria-sort") == "ascending"
    ascending = [float(v.replace(",", "")) for v in column(page, table, "value")]
    assert ascending == sorted(ascending) and len(ascending) == 20

    header.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sort=-value"))
    assert header.get_attribute("aria-sort") == "descending"
    first_page = [float(v.replace(",", "")) for v in column(page, table, "value")]
    assert first_page == sorted(first_page, reverse=True)

    # key-figures has two tables (figures and events), each with its own pager
    pager = page.get_by_role("navigation", name="本文中の主要な数値 のページ送り")
    pager.get_by_role("link", name="次のページ").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert query_of(page.url) == {"resource": ["key-figures"], "sort": ["-value"], "page": ["2"]}
    assert f"全{total}行中 21〜40行目" in page.locator(f"{table} caption").inner_text()
    second_page = [float(v.replace(",", "")) for v in column(page, table, "value")]
    assert second_page[0] <= first_page[-1] and second_page == sorted(second_page, reverse=True)
    assert pager.locator("[aria-current=page]").inner_text() == "2"

    pager.get_by_role("link", name="4ページ目").click()
    page.wait_for_url(re.compile(r"page=4"))
    assert f"全{total}行中 61〜{total}行目" in page.locator(f"{table} caption").inner_text()
    pager.get_by_role("link", name="前のページ").click()
    page.wait_for_url(re.compile(r"page=3"))
    screenshot(page, "dataset-preview-sorted-page-3")


def test_switch_language_keeps_the_page_and_back(page):
    page.goto("/datasets/key-figures?sort=-value&page=2")
    page.get_by_role("link", name="Read this page in English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert query_of(page.url) == {"sort": ["-value"], "page": ["2"], "lang": ["en"]}
    assert page.get_by_role("heading", level=1).inner_text() == "Key figures stated in the report's text"
    caption = page.locator("table[data-testid=preview-key-figures] caption").inner_text()
    assert f"rows 21–40 of {key_figure_rows()}" in caption

    page.goto("/datasets/hikikomori-consultations?lang=en")
    screenshot(page, "dataset-en")
    page.get_by_role("link", name="このページを日本語で表示").click()
    page.wait_for_url(re.compile(r"/datasets/hikikomori-consultations$"))
    assert page.locator("html").get_attribute("lang") == "ja"


@pytest.mark.parametrize(
    ("name", "shift_jis"),
    [("hikikomori-consultations", True), ("support-services", True), ("key-figures", True)],
)
def test_each_csv_flavour_downloads_and_decodes_to_the_table(page, name, shift_jis):
    """Click each CSV link as a person would; the file decodes to the rows the JSON API gives.

    Where a table holds a character Shift_JIS cannot, the page offers no Shift_JIS link and
    says why instead (tests/test_web.py checks that with a package made for it).
    """
    page.goto(f"/datasets/{name}")
    downloads = page.locator("#downloads")
    json_link = downloads.locator("a[data-format=json]").first.get_attribute("href")
    body = page.request.get(json_link).json()
    fields, rows = body["fields"], body["rows"]
    schema = page.request.get(json_link.split("/rows")[0]).json()["schema"]
    titles = [next(f.get("title", f["name"]) for f in schema["fields"] if f["name"] == n) for n in fields]
    refused = downloads.locator("li.refused[data-format=csv-cp932]")
    assert refused.count() == (0 if shift_jis else 1)
    if not shift_jis:
        assert "Shift_JIS で表せない文字" in refused.inner_text()
    for flavour, codec in FLAVOURS if shift_jis else FLAVOURS[:2]:
        with page.expect_download() as info:
            downloads.locator(f"a[data-format={flavour}]").first.click()
        download = info.value
        # Each flavour saves under its own name; the Excel ones head columns with the titles.
        assert download.suggested_filename.endswith(SUFFIXES[codec])
        content = Path(download.path()).read_bytes()
        assert content.startswith(b"\xef\xbb\xbf") == (codec == "utf-8-sig")
        table = list(csv.reader(io.StringIO(content.decode(codec), newline="")))
        assert table[0] == (fields if codec == "utf-8" else titles)
        excel = codec != "utf-8"
        assert table[1:] == [[as_csv(row[f], excel) for f in fields] for row in rows], flavour


def as_csv(value, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value) if excel else value
    return str(value)


def test_keyboard_alone_reaches_search_links_and_paging_with_visible_focus(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "本文へスキップ"
    assert focused(page)["visible"]
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "q":
            break
    assert focused(page)["id"] == "q", "Tab never reached the search box"
    assert focused(page)["outline"]
    page.keyboard.type("ひきこもり")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "ひきこもり地域支援センターの相談実績":
            break
    assert focused(page)["text"] == "ひきこもり地域支援センターの相談実績"
    assert focused(page)["outline"]
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/hikikomori-consultations")

    page.goto("/datasets/key-figures")
    seen = []
    for _ in range(300):
        page.keyboard.press("Tab")
        state = focused(page)
        seen.append(state["text"])
        assert state["visible"], f"focus is not visible on {state}"
        if state["text"] == "次のページ":
            break
    assert "次のページ" in seen, "Tab never reached the preview's paging"
    screenshot(page, "keyboard-focus-on-paging", full_page=False)
    assert any("値" in text and "並べ替え" in text for text in seen), "sort links are not reachable"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"page=2"))
    screenshot(page, "keyboard-paged")


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const style = getComputedStyle(e);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
            const shadow = style.boxShadow !== 'none';
            const box = e.getBoundingClientRect();
            return {
                id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').trim().replace(/\\s+/g, ' '),
                outline: outline || shadow, visible: (outline || shadow) && box.width > 0 && box.height > 0,
            };
        }"""
    )


def test_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/datasets/key-figures")
        assert page.locator("table[data-testid=preview-key-figures] tbody tr").count() == 20
        pager = page.get_by_role("navigation", name="本文中の主要な数値 のページ送り")
        pager.get_by_role("link", name="次のページ").click()
        page.wait_for_url(re.compile(r"page=2"))
        assert "21〜40行目" in page.locator("table[data-testid=preview-key-figures] caption").inner_text()
        page.goto("/datasets/hikikomori-consultations")
        assert page.get_by_role("img", name=re.compile("相談実績")).count() == 1
        assert page.locator(".copy-button").count() == 0  # copy buttons come only with JavaScript
    finally:
        context.close()


def test_copy_buttons_copy_the_attribution(browser, live_server):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    try:
        page = context.new_page()
        page.goto("/datasets/hikikomori-consultations")
        section = page.locator("#licence")
        section.get_by_role("button", name="コピー", exact=True).click()
        expect(section.get_by_role("status").first).to_have_text("コピーしました")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("#attribution-text").inner_text()
    finally:
        context.close()


def test_the_python_example_runs_as_printed(page, capsys):
    page.goto("/datasets/hikikomori-consultations")
    code = page.locator("#code-python").inner_text()
    assert "/api/v1/datasets/hikikomori-consultations/datapackage.json" in code
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as out:
        warnings.simplefilter("ignore")
        exec(compile(code, "example.py", "exec"), {})  # the example as a person would paste it
    printed = out.getvalue().splitlines()
    # long form: one row per fiscal year and channel, FY2020's telephone first
    assert (
        len(printed) == 8 and "'channel': 'telephone'" in printed[0] and "'consultations': 290" in printed[0]
    )


def test_axe_after_interaction(page, axe_source):
    """Open the chart's text and focus a control: the page stays free of WCAG AA violations."""
    page.goto("/datasets/mental-health-consultation?lang=en")
    for summary in page.locator("details.chart-values summary").all():
        summary.click()
    page.locator("th[data-field=fiscal_year] a").first.focus()
    violations = run_axe(page, axe_source)
    assert not violations, describe_violations(violations)


def test_keyboard_alone_filters_the_preview_by_a_facet_and_clears_it(page):
    page.goto("/datasets/key-figures")
    for _ in range(300):
        page.keyboard.press("Tab")
        state = focused(page)
        if page.evaluate("() => document.activeElement.dataset.facet === 'figure_type'"):
            break
    else:
        raise AssertionError("Tab never reached a facet")
    assert state["visible"], f"focus is not visible on {state}"
    value = page.evaluate("() => document.activeElement.dataset.value")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"f_figure_type="))
    table = "table[data-testid='preview-key-figures']"
    assert set(column(page, table, "figure_type")) == {value}
    selected = page.locator("a[data-facet='figure_type'][aria-current='true']")
    assert selected.get_attribute("data-value") == value
    selected.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "f_figure_type" not in url)
    assert len(set(column(page, table, "figure_type"))) > 1
