"""The human catalog through the Flask test client: content in the HTML, languages, JSON-LD, errors."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pyarrow.parquet as pq
import pytest

from opendata.formats import registry
from opendata.web import charts, i18n, listing
from tests.conftest import PACKAGES

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SHIPPED = sorted(p.name for p in PACKAGES.iterdir() if (p / "datapackage.json").is_file())
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(child.has(k, v) for k, v in attrs.items()):
                    found.append(child)
                found.extend(child.find_all(tag, **attrs))
        return found

    def has(self, key: str, value: str) -> bool:
        """class_="x" matches one of the classes; data_testid matches data-testid."""
        name = key.rstrip("_").replace("_", "-")
        if name == "class":
            return value in (self.attrs.get("class") or "").split()
        return self.attrs.get(name) == value

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


class Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(response) -> Node:
    assert response.mimetype == "text/html"
    parser = Parser()
    parser.feed(response.get_data(as_text=True))
    return parser.root


def words(node: Node) -> str:
    return re.sub(r"\s+", " ", node.text).strip()


def get(client, url: str, status: int = 200) -> Node:
    response = client.get(url, headers=HTML)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return parse(response)


# -- the home page --------------------------------------------------------------------


def test_home_is_japanese_with_a_search_box_and_every_dataset(client):
    page = get(client, "/")
    assert page.find("html").attrs["lang"] == "ja"
    search = page.find("form", role="search")
    assert search.find("input", type="search").attrs["name"] == "q"
    assert page.find("label", for_="q").text.startswith("キーワードで検索")
    links = {a.attrs["href"] for a in page.find_all("a")}
    for name in SHIPPED:
        assert f"/datasets/{name}" in links


def test_home_groups_by_report_section_and_by_theme(client):
    page = get(client, "/")
    by_section = page.find("section", class_="by-section")
    headings = [words(h) for h in by_section.find_all("h3")]
    assert headings[0] == "1 孤立・孤独対策について"
    assert "1(4) 孤独・孤立に陥っている方への支援" in headings
    assert headings.index("1(4) 孤独・孤立に陥っている方への支援") < headings.index(
        "1(12) コミュニティの再生・活性化"
    )
    hikikomori = next(g for g in by_section.find_all("section", class_="group") if "1(4)" in words(g))
    assert "ひきこもり地域支援センターの相談実績" in words(hikikomori)
    themes = [words(h) for h in page.find("section", class_="by-theme").find_all("h3")]
    assert any(t.startswith("孤独・孤立対策") for t in themes)


def test_each_card_has_title_summary_period_and_update(client):
    page = get(client, "/")
    cards = page.find_all("article", class_="card")
    assert len(cards) == len(SHIPPED)
    card = next(c for c in cards if "ひきこもり地域支援センター" in words(c))
    facts = {words(div.find("dt")): words(div.find("dd")) for div in card.find("dl").find_all("div")}
    assert facts["対象期間"] == "2020年4月1日〜2021年12月31日"
    assert facts["現行版の公開日"] == "2026年11月26日"
    assert facts["章・節"] == "1(4)ア(ア)（9ページ）"
    assert facts["テーマ"] == "孤独・孤立対策"
    assert card.find("time").attrs["datetime"] == "2026-11-26"
    assert words(card.find("p", class_="card-summary")).endswith("。")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ひきこもり", "hikikomori-consultations"),
        ("ヒキコモリ", "hikikomori-consultations"),  # katakana finds hiragana
        ("hikikomori", "hikikomori-consultations"),
        ("電子決裁", "digital-administration"),
        ("かならいん", "kanarain-consultations"),
    ],
)
def test_search_in_japanese_and_english(client, query, expected):
    page = get(client, f"/?q={query}")
    assert query in words(page.find("h1"))
    results = page.find("section", class_="results")
    hrefs = [a.attrs["href"] for a in results.find_all("a") if "/datasets/" in a.attrs["href"]]
    assert hrefs[0] == f"/datasets/{expected}"
    assert page.find("input", type="search").attrs["value"] == query


def test_search_without_results_says_so(client):
    page = get(client, "/?q=存在しない言葉")
    assert "0件" in words(page.find("h2", id="results-count"))
    assert "該当するデータセットはありません" in words(page.find("main"))


def test_theme_filter(client):
    page = get(client, "/?theme=就労支援")
    hrefs = sorted(a.attrs["href"] for a in page.find("section", class_="results").find_all("a"))
    assert "/datasets/kanagawa-job-terrace" in hrefs and "/datasets/womens-employment-support" in hrefs
    assert "/datasets/hikikomori-consultations" not in hrefs


# -- languages ------------------------------------------------------------------------


def test_english_keeps_the_language_in_every_link_and_marks_japanese_text(client):
    page = get(client, "/?lang=en")
    assert page.find("html").attrs["lang"] == "en"
    assert words(page.find("h1")) == "Find data"
    search = page.find("form", role="search")
    assert search.find("input", type="hidden").attrs == {"type": "hidden", "name": "lang", "value": "en"}
    for a in page.find("main").find_all("a"):
        assert parse_qs(urlsplit(a.attrs["href"]).query).get("lang") == ["en"], a.attrs["href"]
    card = next(c for c in page.find_all("article") if "Hikikomori" in words(c))
    assert card.find("p", class_="other-title").attrs["lang"] == "ja"


@pytest.mark.parametrize(
    "url",
    ["/", "/?q=ひきこもり", "/datasets/key-figures?sort=-value&page=2", "/datasets/hikikomori-consultations"],
)
def test_the_switch_keeps_the_page_and_its_query_and_comes_back(client, url):
    switch = get(client, url).find("a", data_testid="language-switch")
    assert switch.attrs["lang"] == "en" and switch.attrs["hreflang"] == "en"
    english = urlsplit(switch.attrs["href"])
    assert english.path == urlsplit(url).path
    query = parse_qs(english.query)
    assert query.pop("lang") == ["en"]
    assert query == parse_qs(urlsplit(url).query)
    back = get(client, switch.attrs["href"]).find("a", data_testid="language-switch").attrs["href"]
    assert parse_qs(urlsplit(back).query) == parse_qs(urlsplit(url).query)
    assert urlsplit(back).path == urlsplit(url).path


def test_an_unknown_language_falls_back_to_japanese(client):
    assert get(client, "/?lang=fr").find("html").attrs["lang"] == "ja"


# -- the dataset page -------------------------------------------------------------------


def test_dataset_page_works_without_javascript(client):
    page = get(client, "/datasets/hikikomori-consultations")
    main = page.find("main")
    assert words(page.find("h1")) == "ひきこもり地域支援センターの相談実績"
    table = main.find("table", data_testid="preview-hikikomori-consultations")
    rows = [[words(td) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    # long form: one row per fiscal year and channel, in the order the report prints them
    assert [r[3] for r in rows] == ["令和2年度"] * 4 + ["令和3年度(12月末現在)"] * 4
    assert [r[-4] for r in rows] == ["telephone", "visit", "sns", "total"] * 2  # the id beside its label
    assert [r[-3] for r in rows] == ["電話", "来所", "SNS", "計"] * 2
    assert [r[-1] for r in rows] == ["290", "88", "24", "402", "207", "80", "10", "297"]
    assert "神奈川県" in words(main.find("section", id="provenance"))
    assert "9ページ" in words(main.find("section", id="provenance"))
    assert "Creative Commons Attribution 4.0" in words(main.find("section", id="licence"))
    assert words(main.find("p", id="attribution-text")) == (
        "出典：「ひきこもり地域支援センターの相談実績」（神奈川県）"
        "（版 1.0.0、http://localhost/datasets/hikikomori-consultations）、CC BY 4.0"
    )
    assert "1.0.0" in words(main.find("section", id="versions"))
    schema = main.find("table", class_="schema")
    measure = schema.find("tbody").find_all("tr")[10]
    assert [words(c) for c in measure.children if isinstance(c, Node)] == [
        "consultations",
        "相談件数",
        "integer 必須",
        "件",
        "その年度・相談方法の相談件数（主訴：ひきこもり）。",
    ]


def test_the_chart_is_real_svg_with_axes_units_and_a_text_alternative(client):
    page = get(client, "/datasets/hikikomori-consultations")
    figure = page.find("figure", class_="chart")
    svg = figure.find("svg", role="img")
    title_id, desc_id = svg.attrs["aria-labelledby"].split()
    assert words(svg.find("title", id=title_id)) == "相談実績（主訴：ひきこもり件数）"
    description = words(svg.find("desc", id=desc_id))
    assert "電話：令和2年度 290、令和3年度(12月末現在) 207。" in description
    assert "単位：件" in description
    assert len(svg.find_all("rect")) == 8  # 4 series x 2 fiscal years
    ticks = [words(t) for t in svg.find_all("text", class_="tick")]
    assert "0" in ticks and "令和2年度" in ticks
    assert words(svg.find("text", class_="axis-unit")) == "（件）"
    assert "電話" in words(figure.find("ul", class_="legend"))


@pytest.mark.parametrize(
    ("url", "series"),
    [
        ("/datasets/crime-victim-support", ["相談件数", "支援回数"]),
        ("/datasets/crime-victim-support?lang=en", ["consultations", "support sessions"]),
        ("/datasets/hikikomori-consultations?lang=en", ["telephone", "visit", "SNS", "total"]),
        (
            "/datasets/mental-health-consultation",
            [
                "こころの電話相談",
                "いのちのほっとライン@かながわ",
                "自宅・宿泊施設療養者向け",
                "医療関係機関・社会福祉施設従事者向け",
            ],
        ),
        ("/datasets/community-revitalization?lang=en", ["intended participation", "implemented"]),
    ],
)
def test_a_long_table_charts_one_series_per_category_in_the_page_language(client, url, series):
    """The chart pivots the long rows: one series per printed category, never its identifier."""
    page = get(client, url)
    figure = page.find("figure", class_="chart")
    legend = [words(li) for li in figure.find("ul", class_="legend").find_all("li")]
    assert legend == series


def test_downloads_link_every_flavour_and_decode_to_the_table(client):
    page = get(client, "/datasets/hikikomori-consultations")
    links = {
        a.attrs["data-format"]: a.attrs["href"] for a in page.find("section", id="downloads").find_all("a")
    }
    assert set(links) == {
        "csv-utf-8",
        "csv-utf-8-sig",
        "csv-utf-8-sig-names",
        "csv-cp932",
        "json",
        "datapackage",
        "zip",
        # xlsx, parquet ... listed from the registry, and the printed (wide) layout of the long table
        *(f.name for f in registry.prebuilt()),
        "xlsx-wide",
    }
    rows = client.get(links["json"]).get_json()["rows"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(links["xlsx"]).data))["データ"]
    counts = [r["consultations"] for r in rows]
    assert [r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)] == counts
    parquet = pq.read_table(io.BytesIO(client.get(links["parquet"]).data))
    assert parquet.column("consultations").to_pylist() == counts
    # The Excel flavours head their columns with the Japanese titles; plain UTF-8 with the names.
    flavours = [
        ("csv-utf-8", "utf-8", "fiscal_year_label", "consultations"),
        ("csv-utf-8-sig", "utf-8-sig", "年度（原表記）", "相談件数"),
        ("csv-utf-8-sig-names", "utf-8-sig", "fiscal_year_label", "consultations"),
        ("csv-cp932", "cp932", "年度（原表記）", "相談件数"),
    ]
    for flavour, codec, label, count in flavours:
        body = client.get(links[flavour]).data
        assert body.startswith(b"\xef\xbb\xbf") == (codec == "utf-8-sig")
        table = list(csv.DictReader(io.StringIO(body.decode(codec), newline="")))
        assert [r[label] for r in table] == [r["fiscal_year_label"] for r in rows]
        assert [int(r[count]) for r in table] == [r["consultations"] for r in rows]
    assert client.get(links["zip"]).mimetype == "application/zip"
    assert client.get(links["datapackage"]).get_json()["name"] == "hikikomori-consultations"


def test_json_ld_names_the_dataset_and_its_downloads(client):
    page = get(client, "/datasets/hikikomori-consultations")
    block = page.find("script", type="application/ld+json")
    data = json.loads(block.text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["name"] == "ひきこもり地域支援センターの相談実績"
    assert data["url"] == "http://localhost/datasets/hikikomori-consultations"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    # The service that derived the tables publishes them; the prefecture created the report.
    assert data["publisher"]["name"] == data["creator"]["name"] == "Kanagawa open data project"
    assert data["isBasedOn"]["creator"]["name"] == "神奈川県"
    assert data["temporalCoverage"] == "2020-04-01/2021-12-31"
    assert data["spatialCoverage"]["name"] == "神奈川県"
    assert "ひきこもり" in data["keywords"]
    assert data["isBasedOn"]["datePublished"] == "2022-03-10"
    urls = {d["contentUrl"]: d["encodingFormat"] for d in data["distribution"]}
    base = "http://localhost/api/v1/datasets/hikikomori-consultations"
    assert urls[f"{base}/resources/hikikomori-consultations/download.csv?encoding=cp932"] == "text/csv"
    assert urls[f"{base}/download.zip"] == "application/zip"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_dataset_page_renders_in_both_languages(client, name):
    for lang in ("ja", "en"):
        page = get(client, f"/datasets/{name}?lang={lang}")
        assert page.find("html").attrs["lang"] == lang
        assert json.loads(page.find("script", type="application/ld+json").text)["identifier"][-1] == name
        assert page.find_all("table", class_="data")
        code = words(page.find("section", id="api"))
        assert f"/api/v1/datasets/{name}/datapackage.json" in code


def test_english_dataset_page(client):
    page = get(client, "/datasets/hikikomori-consultations?lang=en")
    assert words(page.find("h1")) == "Hikikomori regional support centre: consultations by channel"
    assert page.find("p", class_="other-title").attrs["lang"] == "ja"
    assert words(page.find("p", class_="lead")).startswith("Consultations whose main concern")
    svg = page.find("svg", role="img")
    assert "telephone: FY2020 290; FY2021 (to 2021-12-31) 207." in words(svg.find("desc"))
    header = page.find("th", data_field="consultations")
    assert words(header.find("span", class_="label")) == "consultations (件)"
    schema = page.find("table", class_="schema")
    assert "Consultations with hikikomori as the main concern, for the fiscal year and channel." in words(
        schema
    )


def test_preview_pages_and_sorts_on_the_server(client, app):
    page = get(client, "/datasets/key-figures?sort=-value&page=2")
    table = page.find("table", data_testid="preview-key-figures")
    everything = client.get("/api/v1/datasets/key-figures/resources/key-figures/rows?sort=-value&limit=100")
    assert f"全{everything.get_json()['total']}行中 21〜40行目" in words(table.find("caption"))
    header = table.find("th", data_field="value")
    assert header.attrs["aria-sort"] == "descending"
    assert parse_qs(urlsplit(header.find("a").attrs["href"]).query)["sort"] == ["value"]
    values = [
        float(words(tr.find_all("td")[7]).replace(",", "")) for tr in table.find("tbody").find_all("tr")
    ]
    expected = [r["value"] for r in everything.get_json()["rows"]][20:40]
    assert values == expected
    pager = page.find("nav", class_="pager")
    current = pager.find("a", aria_current="page")
    assert words(current) == "2"
    following = parse_qs(urlsplit(pager.find("a", rel="next").attrs["href"]).query)
    # key-figures has two tables, so the pager names the one it pages
    assert following == {"resource": ["key-figures"], "sort": ["-value"], "page": ["3"]}
    previous = parse_qs(urlsplit(pager.find("a", rel="prev").attrs["href"]).query)
    assert previous == {"resource": ["key-figures"], "sort": ["-value"]}


def test_a_dataset_of_several_tables_pages_each_by_name(client):
    page = get(client, "/datasets/community-revitalization?resource=proposals&sort=-proposal_number")
    table = page.find("table", data_testid="preview-proposals")
    numbers = [words(tr.find_all("td")[2]) for tr in table.find("tbody").find_all("tr")]
    assert numbers == [str(n) for n in range(9, 0, -1)]
    link = page.find("table", data_testid="preview-implementation-status").find("th").find("a").attrs["href"]
    assert parse_qs(urlsplit(link).query)["resource"] == ["implementation-status"]


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/datasets/no-such-dataset", 404, "ページが見つかりません"),
        ("/no-such-page", 404, "ページが見つかりません"),
        ("/no-such-page?lang=en", 404, "Page not found"),
        ("/datasets/key-figures?page=99", 400, "リクエストを処理できません"),
        ("/datasets/key-figures?page=zero", 400, "リクエストを処理できません"),
        ("/datasets/key-figures?sort=nope", 400, "リクエストを処理できません"),
        ("/datasets/key-figures?resource=nope", 404, "ページが見つかりません"),
    ],
)
def test_errors_on_pages_are_pages(client, url, status, text):
    page = get(client, url, status)
    assert words(page.find("h1")) == text
    assert page.find("a", href="/" if "lang=en" not in url else "/?lang=en")


def test_the_api_keeps_problem_json(client):
    for url, headers in [("/api/v1/nope", HTML), ("/no-such-page", {}), ("/no-such-page", {"Accept": "*/*"})]:
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


def test_pages_load_nothing_from_elsewhere(client):
    response = client.get("/datasets/hikikomori-consultations", headers=HTML)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = parse(response)
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        for node in page.find_all(tag):
            value = node.attrs.get(attribute) or ""
            assert (
                not value.startswith(("http:", "https:", "//"))
                or node.attrs.get("rel") == "alternate"
                or (value.startswith("http://localhost/"))
            ), value
    assert client.get("/web/static/site.css").status_code == 200
    assert client.get("/web/static/site.js").status_code == 200


# -- the pieces, without Flask ------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_descriptions_split_into_japanese_and_english(app, name):
    package = app.extensions["opendata"].catalog.get(name)
    japanese, english = i18n.bilingual(package.description, package.description_english)
    assert i18n.is_japanese(japanese) and japanese.endswith("。")
    assert english and english[0].isupper()
    assert not i18n.is_japanese(english[:40])


@pytest.mark.parametrize(
    ("japanese", "english", "lang", "expected"),
    [
        ("日本語。", "English.", "ja", "日本語。"),
        ("日本語。", "English.", "en", "English."),
        ("日本語の説明。 English description.", "", "en", "English description."),
        ("日本語だけ。", "", "en", "日本語だけ。"),
    ],
)
def test_descriptions_in_the_language_of_the_page(japanese, english, lang, expected):
    """description is Japanese and descriptionEnglish English; one-string descriptors still split."""
    assert i18n.in_language(japanese, lang, english) == expected


def test_which_resources_are_charted(app):
    catalog = app.extensions["opendata"].catalog
    charted = sorted(f"{p.name}/{r.name}" for p in catalog for r in p.resources if charts.is_time_series(r))
    assert "hikikomori-consultations/hikikomori-consultations" in charted
    assert "digital-administration/e-approval-rate" in charted
    assert "key-figures/key-figures" not in charted  # one column of mixed units is not a series
    assert "support-services/support-services" not in charted


@pytest.mark.parametrize(
    ("maximum", "percent", "scale"),
    [(402, False, (500, 100)), (8371, False, (10000, 2000)), (89.1, True, (100, 20)), (4, False, (4, 1))],
)
def test_nice_scale(maximum, percent, scale):
    assert charts.nice_scale(maximum, percent) == scale


@pytest.mark.parametrize(
    ("row", "label"),
    [
        ({"period_start": "2020-04-01", "period_end": "2021-03-31"}, "FY2020"),
        ({"period_start": "2021-04-01", "period_end": "2021-12-31"}, "FY2021 (to 2021-12-31)"),
        ({"period_start": "2022-02-01", "period_end": "2022-02-28"}, "2022-02"),
        ({"as_of_date": "2022-01-31"}, "as of 2022-01-31"),
        ({"period_start": None, "period_end": "2022-02-28"}, "as of 2022-02-28"),
        ({"term": 2}, "Term 2"),
    ],
)
def test_english_period_labels(row, label):
    assert charts.period_label(row, "en") == label


def test_sections_order_numerically():
    assert listing.section_key("1(4)ア(ア)") == "1(4)"
    assert listing.section_key("1, 2") == "1, 2"
    keys = ["2(2)", "1(12)", "1, 2", "1", "1(4)"]
    assert sorted(keys, key=listing._section_order) == ["1", "1(4)", "1(12)", "2(2)", "1, 2"]


@pytest.fixture(scope="module")
def unencodable_client(tmp_path_factory):
    """An app serving a package with 𠮷 (U+20BB7), which Shift_JIS cannot hold."""
    from tests.conftest import ClosingClient, published_app
    from tests.crafted import write_not_cp932_package

    root = tmp_path_factory.mktemp("packages")
    write_not_cp932_package(root)
    app = published_app(root, tmp_path_factory.mktemp("served"))
    app.test_client_class = ClosingClient
    return app.test_client()


def test_no_broken_shift_jis_link_where_the_table_cannot_be_written_in_it(unencodable_client):
    page = get(unencodable_client, "/datasets/not-cp932")
    downloads = page.find("section", id="downloads")
    formats = {a.attrs["data-format"] for a in downloads.find_all("a")}
    assert "csv-cp932" not in formats and {"csv-utf-8", "csv-utf-8-sig"} <= formats
    refused = downloads.find("li", class_="refused")
    assert "3行目の name に Shift_JIS で表せない文字があります" in words(refused)
    data = json.loads(page.find("script", type="application/ld+json").text)
    assert not any("encoding=cp932" in d["contentUrl"] for d in data["distribution"])


def test_every_shipped_table_offers_shift_jis(client):
    for package in sorted(p.name for p in PACKAGES.iterdir() if (p / "datapackage.json").is_file()):
        downloads = get(client, f"/datasets/{package}").find("section", id="downloads")
        assert downloads.find_all("li", class_="refused") == [], package
