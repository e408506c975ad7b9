"""In a real browser, in Japanese and English, at desktop and phone widths: what issue-free use
in Japanese needs (downloads in reach, readable charts, the measures in view, citations,
search that explains itself) and 0 axe violations at 1280 and 640 px."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import describe_violations, run_axe, screenshot
from tests.browser.test_accessibility import PAGE_TYPES
from tests.browser.test_accessibility import STATUS as PAGE_TYPE_STATUS

WIDTHS = [1280, 640]
LANGS = [("ja", ""), ("en", "?lang=en")]
OWN_PAGE_TYPES = [
    ("themes", "/themes"),
    ("themes-en", "/themes?lang=en"),
    ("search-with-reasons", "/?q=合同就職面接会"),
    ("search-synonym-en", "/?q=雇用&lang=en"),
    ("keyword-prefix", "/?keyword=ひきこ"),
    ("no-such-theme", "/?theme=存在しないテーマ"),
    ("search-no-results-en", "/?q=存在しない言葉&lang=en"),
    ("dataset-near-miss", "/datasets/hikikomori"),
    ("dataset-near-miss-en", "/datasets/hikikomori?lang=en"),
]
# The shared page types answer as the accessibility test says (a bad page number is a 400).
STATUS = {
    **PAGE_TYPE_STATUS,
    "dataset-near-miss": 404,
    "dataset-near-miss-en": 404,
    "no-such-theme": 404,
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("name", "path"), PAGE_TYPES + OWN_PAGE_TYPES, ids=[n for n, _ in PAGE_TYPES + OWN_PAGE_TYPES]
)
def test_every_page_type_has_no_axe_violations_at_desktop_and_phone_width(
    page, axe_source, name, path, width
):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(path)
    assert response is not None and response.status == STATUS.get(name, 200)
    screenshot(page, f"{name}-{width}")
    violations = run_axe(page, axe_source)
    assert not violations, describe_violations(violations)


@pytest.mark.parametrize(("lang", "query"), LANGS)
def test_the_downloads_are_two_tabs_from_the_top(page, lang, query):
    page.goto(f"/datasets/hikikomori-consultations{query}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.getAttribute('href'), document.activeElement.innerText]")
    assert focused[0] == "#downloads"
    assert focused[1] == ("ダウンロードへスキップ" if lang == "ja" else "Skip to the downloads")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#downloads"
    heading = page.locator("#downloads-heading")
    assert heading.is_visible()
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < 900


CHART_TEXT_SIZES = """() => {
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  const sizes = [...document.querySelectorAll('.chart-svg text')].map(text => {
    const scale = text.ownerSVGElement.getScreenCTM().a;
    return parseFloat(getComputedStyle(text).fontSize) * scale;
  });
  return {body, sizes};
}"""


@pytest.mark.parametrize("width", [1280, 640, 360])
@pytest.mark.parametrize(("lang", "query"), LANGS)
def test_chart_text_is_at_least_the_body_size_at_any_width(page, width, lang, query):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/datasets/mental-health-consultation{query}")
    measured = page.evaluate(CHART_TEXT_SIZES)
    assert measured["sizes"], "the page has a chart"
    assert min(measured["sizes"]) >= measured["body"] - 0.01, measured
    # Nothing but the chart itself scrolls sideways: the page does not.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"chart-{lang}-{width}", full_page=False)


FIRST_VISIBLE_COLUMN = """table => [...table.querySelectorAll('thead th')]
  .filter(th => th.offsetParent !== null).map(th => th.dataset.field)"""


@pytest.mark.parametrize(("lang", "query"), LANGS)
def test_on_a_phone_the_preview_drops_constant_columns_and_states_them_once(page, lang, query):
    table = "table[data-testid=preview-hikikomori-consultations]"
    note = page.locator("[data-testid=constant-hikikomori-consultations]")
    page.goto(f"/datasets/hikikomori-consultations{query}")
    wide = page.locator(table).evaluate(FIRST_VISIBLE_COLUMN)
    assert wide[0] == "local_government_code" and not note.is_visible()
    page.set_viewport_size({"width": 640, "height": 900})
    narrow = page.locator(table).evaluate(FIRST_VISIBLE_COLUMN)
    assert "local_government_code" not in narrow and "local_government_name" not in narrow
    assert "consultations" in narrow and note.is_visible()
    assert "140007" in note.inner_text() and "神奈川県" in note.inner_text()
    screenshot(page, f"preview-narrow-{lang}", full_page=False)


@pytest.mark.parametrize(
    ("lang", "query", "lead_word", "cited", "edited"),
    [
        ("ja", "", "ひきこもり地域支援センター", "出典：", "を加工して作成"),
        (
            "en",
            "?lang=en",
            "Hikikomori Regional Support Centre",
            "Source: Kanagawa Prefecture",
            "Adapted from",
        ),
    ],
)
def test_description_dates_and_citation_in_the_page_language(page, lang, query, lead_word, cited, edited):
    page.goto(f"/datasets/hikikomori-consultations{query}")
    assert lead_word in page.locator("p.lead").inner_text()
    facts = page.locator("dl.summary").inner_text()
    labels = (
        ["元資料の公表日", "データセットの公開日", "現行版"]
        if lang == "ja"
        else ["Source report published", "Dataset first published", "Current release"]
    )
    assert all(label in facts for label in labels)
    as_is = page.locator("[data-testid=citation-as-is]").inner_text()
    assert as_is.startswith(cited) and "/datasets/hikikomori-consultations" in as_is and "1.0.0" in as_is
    assert edited in page.locator("[data-testid=citation-edited]").inner_text()


def test_the_excel_download_has_japanese_headers_and_its_own_name(page):
    page.goto("/datasets/hikikomori-consultations")
    with page.expect_download() as info:
        page.locator("#downloads a[data-format=csv-utf-8-sig]").first.click()
    download = info.value
    assert download.suggested_filename == "相談実績（主訴：ひきこもり件数）_Excel用.csv"
    header = next(csv.reader(io.StringIO(Path(download.path()).read_bytes().decode("utf-8-sig"))))
    assert header[:2] == ["全国地方公共団体コード", "地方公共団体名"]


@pytest.mark.parametrize(("lang", "query"), [("ja", ""), ("en", "&lang=en")])
def test_search_says_why_and_synonyms_find_shuro(page, lang, query):
    page.goto(f"/?q=雇用{query}")
    reasons = page.locator("[data-testid^=reasons-]")
    assert reasons.count() >= 2
    assert "就労" in reasons.first.inner_text()
    page.goto(f"/?q=合同就職面接会{query}")
    assert page.locator("[data-testid=reasons-key-figures]").is_visible()


@pytest.mark.parametrize(("lang", "query"), [("ja", ""), ("en", "&lang=en")])
def test_the_empty_results_page_shows_the_list_it_points_to(page, lang, query):
    page.goto(f"/?q=存在しない言葉{query}")
    listing = page.locator("[data-testid=empty-results-list]")
    assert listing.is_visible()
    links = listing.locator("a[href^='/datasets/']")
    assert links.count() == page.request.get("/api/v1/datasets").json()["total"]
    links.first.click()
    assert page.url.split("?")[0].rsplit("/", 2)[-2] == "datasets"


@pytest.mark.parametrize(("lang", "query"), LANGS)
def test_themes_page_counts_and_links_and_the_feed_is_linked(page, lang, query):
    page.goto(f"/themes{query}")
    themes = page.locator("[data-testid=themes] li")
    assert themes.count() == len(page.request.get("/api/v1/themes").json()["themes"])
    page.locator("[data-testid=themes] a").first.click()
    assert page.locator("article.card").count() >= 1
    feed = page.locator("[data-testid=feed-link]")
    response = page.request.get(feed.get_attribute("href"))
    assert response.ok and "<feed" in response.text()


def test_the_zip_downloaded_from_the_page_holds_the_excel_csvs(page):
    page.goto("/datasets/mental-health-consultation")
    assert "excel" in page.locator("#downloads-package ~ ul").inner_text()
    with page.expect_download() as info:
        page.locator("#downloads a[data-format=zip]").click()
    archive = zipfile.ZipFile(info.value.path())
    excel = [n for n in archive.namelist() if "/excel/" in n]
    assert len(excel) == 2
    assert all(archive.read(n).startswith(b"\xef\xbb\xbf") for n in excel)


@pytest.mark.parametrize(
    ("lang", "query", "name"), [("ja", "", "こころの電話相談"), ("en", "?lang=en", "Kokoro")]
)
def test_the_chart_legend_and_preview_name_the_service_not_its_id(page, lang, query, name):
    page.goto(f"/datasets/mental-health-consultation{query}")
    section = page.locator("#data-consultations")
    legend = section.locator("ul.legend").first.inner_text()
    assert name in legend and "kokoro-telephone" not in legend
    assert name in section.locator("table[data-testid=preview-consultations]").inner_text()


@pytest.mark.parametrize(("lang", "query"), LANGS)
def test_a_near_miss_dataset_address_offers_the_closest_dataset(page, lang, query):
    response = page.goto(f"/datasets/hikikomori{query}")
    assert response is not None and response.status == 404
    page.locator("[data-testid=did-you-mean] a").click()
    assert page.url.split("?")[0].endswith("/datasets/hikikomori-consultations")
    assert page.locator("h1").is_visible()
