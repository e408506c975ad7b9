"""For people using the catalog in Japanese: findable, watchable, Excel-ready, citable.

Through the Flask test client; the README's examples and raw request lines run against a
real gunicorn in test_readme_examples.py, the pages in a real browser in tests/browser.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from tests.conftest import PACKAGES, ClosingClient, published_app
from tests.crafted import write_referring_package
from tests.test_web import HTML, parse, words

API = "/api/v1"
HIKI = f"{API}/datasets/hikikomori-consultations/resources/hikikomori-consultations"
ATOM = "{http://www.w3.org/2005/Atom}"


def get(client, path: str, **params: str):
    response = client.get(path, query_string=params, headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse(response)


def names(client, **params) -> set[str]:
    response = client.get(f"{API}/datasets", query_string={**params, "limit": 100})
    assert response.status_code == 200, response.get_json()
    return {d["name"] for d in response.get_json()["datasets"]}


def shipped() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PACKAGES.glob("*/datapackage.json"))]


# --- search: synonyms, table contents, why it matched ------------------------------------


@pytest.mark.parametrize("word", ["雇用", "就業", "仕事", "就職", "employment"])
def test_synonyms_of_shuro_find_what_shuro_finds(client, word):
    expected = names(client, q="就労")
    assert expected  # the catalog has employment datasets at all
    assert expected <= names(client, q=word)


def test_a_synonym_match_says_which_word_it_found(client):
    body = client.get(f"{API}/datasets", query_string={"q": "雇用"}).get_json()
    for dataset in body["datasets"]:
        (reason,) = dataset["matched"]
        assert reason["term"] == "雇用" and reason["matched"] != "雇用"
        assert reason["matched"] in reason["snippet"].casefold() or reason["where"].startswith("table:")


@pytest.mark.parametrize(
    ("query", "dataset", "where"),
    [
        ("合同就職面接会", "key-figures", "table:key-figures.indicator"),
        ("総合教育センター", "support-services", "table:support-services."),
    ],
)
def test_table_contents_are_searched_and_the_reason_names_the_column(client, query, dataset, where):
    body = client.get(f"{API}/datasets", query_string={"q": query}).get_json()
    found = {d["name"]: d for d in body["datasets"]}
    assert dataset in found
    (reason,) = found[dataset]["matched"]
    assert reason["where"].startswith(where)
    assert query in reason["snippet"]


def test_results_page_shows_why_each_dataset_matched(client):
    page = get(client, "/", q="合同就職面接会")
    reasons = words(page.find("p", data_testid="reasons-key-figures"))
    assert "表の中身" in reasons and "合同就職面接会" in reasons


# --- themes and keywords ---------------------------------------------------------------


def test_themes_and_keywords_are_listed_with_their_counts(client):
    body = client.get(f"{API}/themes").get_json()
    themes: dict[str, int] = {}
    keywords: dict[str, int] = {}
    for descriptor in shipped():
        themes[descriptor["theme"]] = themes.get(descriptor["theme"], 0) + 1
        for keyword in descriptor.get("keywords", []):
            keywords[keyword] = keywords.get(keyword, 0) + 1
    assert {t["name"]: t["datasets"] for t in body["themes"]} == themes
    assert {k["name"]: k["datasets"] for k in body["keywords"]} == keywords
    for theme in body["themes"]:
        assert len(client.get(theme["url"]).get_json()["datasets"]) == theme["datasets"]


def test_themes_page_lists_every_theme_and_keyword_with_counts(client):
    page = get(client, "/themes")
    items = [words(li) for li in page.find("ul", data_testid="themes").find_all("li")]
    assert "就労支援 2件" in items
    assert len(page.find("ul", data_testid="keywords").find_all("li")) == len(
        client.get(f"{API}/themes").get_json()["keywords"]
    )


@pytest.mark.parametrize(
    ("parameter", "prefix", "exact"),
    [
        ("theme", "就労", "就労支援"),
        ("theme", "自殺", "自殺防止・メンタルヘルス"),
        ("keyword", "ひきこ", "ひきこもり"),
    ],
)
def test_a_theme_or_keyword_prefix_matches(client, parameter, prefix, exact):
    assert names(client, **{parameter: prefix}) == names(client, **{parameter: exact}) != set()


@pytest.mark.parametrize("parameter", ["theme", "keyword"])
def test_a_theme_or_keyword_that_matches_nothing_says_so(client, parameter):
    response = client.get(f"{API}/datasets", query_string={parameter: "存在しないテーマ"})
    # 404 as for an unknown publisher: a well-formed value naming nothing (a 400 would say the
    # request was malformed, which the OpenAPI document's schema says it is not).
    assert response.status_code == 404
    body = response.get_json()
    assert body["type"].endswith("#unknown-theme") and body["parameter"] == parameter
    assert "就労支援" in body["detail"] or "就労" in body["detail"]


def test_empty_results_page_shows_the_list_it_points_to(client):
    page = get(client, "/", q="存在しない言葉")
    listing = page.find("section", data_testid="empty-results-list")
    links = {a.attrs["href"] for a in listing.find_all("a") if a.attrs["href"].startswith("/datasets/")}
    assert links == {f"/datasets/{d['name']}" for d in shipped()}


# --- did you mean ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "slug", "suggestion"),
    [
        (f"{API}/datasets/hikikomori", "dataset-not-found", "hikikomori-consultations"),
        (f"{API}/datasets/crime-victim-suport", "dataset-not-found", "crime-victim-support"),
        (f"{API}/datasets/hikikomori-consultations/resources/hikikomori", "resource-not-found", None),
        (f"{HIKI}/rows?fiscal_yaer__gte=2020", "unknown-field", "fiscal_year"),
        (f"{HIKI}/rows?sort=-fiscal_yaer", "unknown-field", "fiscal_year"),
        (f"{HIKI}/rows?fields=consultation,channel", "unknown-field", "consultations"),
        (f"{HIKI}/rows.csv?consultation=3", "unknown-parameter", "consultations"),
    ],
)
def test_unknown_names_suggest_the_closest_real_one(client, path, slug, suggestion):
    response = client.get(path)
    body = response.get_json()
    assert response.status_code in (400, 404) and body["type"].endswith(f"#{slug}")
    expected = suggestion or "hikikomori-consultations"
    assert body["suggestion"] == expected and f"did you mean {expected!r}" in body["detail"]


def test_a_name_close_to_nothing_gets_no_suggestion(client):
    body = client.get(f"{API}/datasets/zzzzzz").get_json()
    assert "suggestion" not in body and "did you mean" not in body["detail"]


# --- CSV for Excel ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "codec", "first_header", "file_name", "fallback"),
    [
        ("utf-8", "utf-8", "local_government_code", "相談実績（主訴：ひきこもり件数）.csv", ".csv"),
        (
            "utf-8-sig",
            "utf-8-sig",
            "全国地方公共団体コード",
            "相談実績（主訴：ひきこもり件数）_Excel用.csv",
            "_excel.csv",
        ),
        (
            "cp932",
            "cp932",
            "全国地方公共団体コード",
            "相談実績（主訴：ひきこもり件数）_ShiftJIS.csv",
            "_shiftjis.csv",
        ),
    ],
)
@pytest.mark.parametrize("endpoint", ["download.csv", "rows.csv"])
def test_csv_flavours_default_headers_and_distinct_file_names(
    client, endpoint, encoding, codec, first_header, file_name, fallback
):
    response = client.get(f"{HIKI}/{endpoint}", query_string={"encoding": encoding})
    assert response.status_code == 200
    assert next(csv.reader(io.StringIO(response.data.decode(codec))))[0] == first_header
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == file_name
    assert f'filename="hikikomori-consultations_hikikomori-consultations{fallback}"' in disposition


def test_excel_flavour_still_gives_field_names_when_asked(client):
    response = client.get(f"{HIKI}/download.csv", query_string={"encoding": "utf-8-sig", "header": "name"})
    assert response.data.decode("utf-8-sig").startswith("local_government_code,")


def test_the_zip_holds_the_excel_flavour_and_says_which_file_to_open(client):
    response = client.get(f"{API}/datasets/mental-health-consultation/download.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    excel = [n for n in archive.namelist() if n.startswith("mental-health-consultation/excel/")]
    assert len(excel) == 2 and all(n.endswith("_Excel用.csv") for n in excel)
    for name in excel:
        data = archive.read(name)
        assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").startswith(
            "全国地方公共団体コード,"
        )
    readme = archive.read("mental-health-consultation/README.md").decode()
    assert "Excel で開くときは excel/" in readme


# --- descriptions in each language, names for ids ---------------------------------------


@pytest.fixture(scope="module")
def crafted_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("packages")
    write_referring_package(root)
    app = published_app(root, tmp_path_factory.mktemp("published"))
    app.test_client_class = ClosingClient
    return app.test_client()


@pytest.mark.parametrize(
    ("lang", "lead", "consultations_description", "services_description", "fields"),
    [
        (
            "ja",
            "試験用の相談件数。",
            "窓口別・年度別の相談件数（試験用）。",
            "The lines, as test data.",  # no Japanese: the English one rather than nothing
            ["窓口の識別子。", "Fiscal year.", "相談の件数。"],
        ),
        (
            "en",
            "Consultations, as test data.",
            "窓口別・年度別の相談件数（試験用）。",  # no English: the Japanese one
            "The lines, as test data.",
            ["窓口の識別子。", "Fiscal year.", "Number of consultations."],
        ),
    ],
)
def test_each_language_shows_its_own_description_falling_back_to_the_other(
    crafted_client, lang, lead, consultations_description, services_description, fields
):
    page = get(crafted_client, "/datasets/referring", lang=lang)
    assert words(page.find("p", class_="lead")) == lead
    section = page.find("section", id="data-referring")
    assert consultations_description in words(section)
    assert services_description in words(page.find("section", id="data-services"))
    schema = section.find("table", class_="schema")
    assert [words(tr.find_all("td")[-1]) for tr in schema.find("tbody").find_all("tr")] == fields


def test_api_carries_both_descriptions(crafted_client):
    body = crafted_client.get(f"{API}/datasets/referring").get_json()
    assert (body["description"], body["description_english"]) == (
        "試験用の相談件数。",
        "Consultations, as test data.",
    )


@pytest.mark.parametrize(("lang", "name"), [("ja", "電話相談窓口"), ("en", "Telephone line")])
def test_ids_into_another_table_show_its_human_name_in_preview_and_chart(crafted_client, lang, name):
    page = get(crafted_client, "/datasets/referring", lang=lang)
    table = page.find("table", data_testid="preview-referring")
    first = table.find("tbody").find("tr").find("td")
    assert words(first) == f"{name} tel"
    legend = words(page.find("ul", class_="legend"))
    assert name in legend and "tel" not in legend.split()


# --- dates, citation, in-page links, small-screen columns --------------------------------


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("ja", ["元資料の公表日", "データセットの公開日", "現行版"]),
        ("en", ["Source report published", "Dataset first published", "Current release"]),
    ],
)
def test_dates_are_labelled_for_what_they_are(client, lang, labels):
    page = get(client, "/datasets/hikikomori-consultations", lang=lang)
    facts = {words(d.find("dt")): d.find("dd") for d in page.find("dl", class_="summary").find_all("div")}
    assert all(label in facts for label in labels)
    assert facts[labels[0]].find("time").attrs["datetime"] == "2022-03-10"
    assert "1.0.0" in words(facts[labels[2]])


@pytest.mark.parametrize(
    ("lang", "as_is", "edited"),
    [
        ("ja", "出典：「ひきこもり地域支援センターの相談実績」（神奈川県）", "を加工して作成"),
        ("en", "Source: Kanagawa Prefecture, “", "Adapted from Kanagawa Prefecture"),
    ],
)
def test_citation_in_the_page_language_with_url_and_version(client, lang, as_is, edited):
    page = get(client, "/datasets/hikikomori-consultations", lang=lang)
    url = "http://localhost/datasets/hikikomori-consultations"
    cited = words(page.find("p", data_testid="citation-as-is"))
    changed = words(page.find("p", data_testid="citation-edited"))
    assert cited.startswith(as_is) and url in cited and "1.0.0" in cited and "CC BY 4.0" in cited
    assert edited in changed and url in changed
    assert "加工" not in cited and "Adapted" not in cited


def test_dataset_page_links_straight_to_the_downloads(client):
    page = get(client, "/datasets/hikikomori-consultations")
    jump = page.find("a", data_testid="jump-downloads")
    assert jump.attrs["href"] == "#downloads" and page.find("section", id="downloads")


def test_constant_columns_are_marked_and_stated_once(client):
    page = get(client, "/datasets/hikikomori-consultations")
    table = page.find("table", data_testid="preview-hikikomori-consultations")
    marked = [
        th.attrs["data-field"] for th in table.find_all("th") if "constant" in th.attrs.get("class", "")
    ]
    assert marked[:2] == ["local_government_code", "local_government_name"]
    assert "consultations" not in marked
    note = words(page.find("p", data_testid="constant-hikikomori-consultations"))
    assert "140007" in note and "神奈川県" in note


# --- watching for changes ----------------------------------------------------------------


@pytest.fixture
def changing(tmp_path):
    """A copy of one shipped package, published and served, then changed and published again
    into the same releases folder (a second release, as `opendata publish` makes it)."""
    root = tmp_path / "packages"
    shutil.copytree(PACKAGES / "hikikomori-consultations", root / "hikikomori-consultations")

    def serve():
        # Looking for new releases on every request, so the first app sees the second one at once.
        app = published_app(root, tmp_path, RELEASE_CHECK_INTERVAL=0)
        app.test_client_class = ClosingClient
        return app.test_client()

    return root / "hikikomori-consultations", serve


def test_modified_tracks_content_and_modified_since_and_the_feed_follow(changing):
    directory, serve = changing
    before = serve()
    listed = before.get(f"{API}/datasets")
    first = listed.get_json()["datasets"][0]
    data = directory / "data" / "hikikomori-consultations.csv"
    # One more telephone consultation and the total with it: the report checks still hold.
    text = data.read_text(encoding="utf-8").replace("telephone,290\n", "telephone,291\n")
    data.write_text(text.replace(",402", ",403"), encoding="utf-8")
    after = serve()
    changed = after.get(f"{API}/datasets", headers={"If-None-Match": listed.headers["ETag"]})
    assert changed.status_code == 200
    second = changed.get_json()["datasets"][0]
    assert second["modified"] > first["modified"] and second["digest"] != first["digest"]
    assert names(after, modified_since=second["modified"]) == {"hikikomori-consultations"}
    assert names(after, modified_since="2999-01-01") == set()
    # Servers read the releases folder, so the first app now serves the new release too (before
    # releases, each app kept what it had loaded); the feed lists both releases, newest first.
    assert names(before, modified_since=second["modified"]) == {"hikikomori-consultations"}
    entries = ElementTree.fromstring(after.get(f"{API}/feed.atom").data).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"urn:{second['digest']}",
        f"urn:{first['digest']}",
    ]
    assert entries[0].find(f"{ATOM}updated").text == second["modified"]
    assert entries[1].find(f"{ATOM}updated").text == first["modified"]


def test_modified_since_must_be_a_date(client):
    body = client.get(f"{API}/datasets?modified_since=yesterday").get_json()
    assert body["status"] == 400 and body["parameter"] == "modified_since"


def test_the_feed_lists_every_dataset_and_is_linked_from_pages_and_api(client):
    response = client.get(f"{API}/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(shipped())
    pages = {e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in entries}
    assert {p.rsplit("/", 1)[1] for p in pages} == {d["name"] for d in shipped()}
    assert client.get(f"{API}/datasets").get_json()["links"]["feed"].endswith("/api/v1/feed.atom")
    assert client.get(f"{API}/").get_json()["links"]["feed"].endswith("/api/v1/feed.atom")
    page = get(client, "/")
    assert page.find("link", type="application/atom+xml").attrs["href"] == f"{API}/feed.atom"
    assert page.find("a", data_testid="feed-link").attrs["href"] == f"{API}/feed.atom"


def test_shipped_consultations_name_the_service_not_only_its_id(client):
    page = get(client, "/datasets/mental-health-consultation")
    section = page.find("section", id="data-consultations")
    assert "こころの電話相談" in words(section.find("table", data_testid="preview-consultations"))
    legend = words(section.find("ul", class_="legend"))
    assert "こころの電話相談" in legend and "kokoro-telephone" not in legend


@pytest.mark.parametrize(
    ("query", "message", "suggested"),
    [
        ({"theme": "就労支援x"}, "「就労支援x」というテーマ", "就労支援"),
        ({"keyword": "ひきこもりz"}, "「ひきこもりz」というキーワード", "ひきこもり"),
        ({"theme": "xyz", "lang": "en"}, "No theme is, or begins with, “xyz”.", None),
    ],
)
def test_the_page_says_there_is_no_such_theme_and_shows_what_exists(client, query, message, suggested):
    response = client.get("/", query_string=query, headers=HTML)
    assert response.status_code == 404  # the page answers as the API does: a theme named nothing
    page = parse(response)
    said = page.find("p", data_testid="unknown-theme")
    assert message in words(said)
    links = [words(a) for a in said.find_all("a")]
    assert (suggested in links) if suggested else len(links) == 1
    assert page.find("section", data_testid="empty-results-list")


def test_the_json_feed_has_the_atom_feeds_entries(client):
    response = client.get(f"{API}/feed.json")
    assert response.mimetype == "application/feed+json"
    body = response.get_json(force=True)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    atom_entries = ElementTree.fromstring(client.get(f"{API}/feed.atom").data).findall(f"{ATOM}entry")
    assert [i["id"] for i in body["items"]] == [e.find(f"{ATOM}id").text for e in atom_entries]
    assert [i["date_published"] for i in body["items"]] == [
        e.find(f"{ATOM}updated").text for e in atom_entries
    ]
    assert get(client, "/").find("link", type="application/feed+json").attrs["href"] == f"{API}/feed.json"


@pytest.mark.parametrize(("lang", "said"), [("ja", "もしかして："), ("en", "Did you mean: ")])
def test_the_dataset_page_for_a_near_miss_links_the_closest_dataset(client, lang, said):
    response = client.get("/datasets/hikikomori", query_string={"lang": lang}, headers=HTML)
    assert response.status_code == 404
    hint = parse(response).find("p", data_testid="did-you-mean")
    assert words(hint) == f"{said}hikikomori-consultations".strip()
    expected = "/datasets/hikikomori-consultations" + ("?lang=en" if lang == "en" else "")
    assert hint.find("a").attrs["href"] == expected


@pytest.mark.parametrize("descriptor", shipped(), ids=[d["name"] for d in shipped()])
def test_every_shipped_page_shows_each_description_in_its_own_language(client, descriptor):
    for lang, key in [("ja", "description"), ("en", "descriptionEnglish")]:
        page = get(client, f"/datasets/{descriptor['name']}", lang=lang)
        assert words(page.find("p", class_="lead")) == " ".join(descriptor[key].split())
        for resource in descriptor["resources"]:
            schema = page.find("section", id=f"data-{resource['name']}").find("table", class_="schema")
            shown = [words(tr.find_all("td")[-1]) for tr in schema.find("tbody").find_all("tr")]
            assert shown == [" ".join(f[key].split()) for f in resource["schema"]["fields"]], (
                lang,
                resource["name"],
            )
