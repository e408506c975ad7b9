"""A long shipped table comes back in the layout the report printed, through its pivot hint."""

from __future__ import annotations

import io

import openpyxl

from tests.test_web import get

HIKI = "/api/v1/datasets/hikikomori-consultations"
# 1(4)ア(ア)a, page 9: 相談実績(主訴：ひきこもり件数), as printed.
PRINTED = [
    ["令和2年度", 290, 88, 24, 402],
    ["令和3年度(12月末現在)", 207, 80, 10, 297],
]
CHANNELS = ["電話", "来所", "SNS", "計"]


def test_the_pivot_hint_links_the_printed_wide_layout(client):
    links = client.get(HIKI).get_json()["resources"][0]["links"]
    wide = client.get(links["summary_wide"]).get_json()
    assert wide["fields"] == ["fiscal_year_label", *(f"sum_consultations_{c}" for c in CHANNELS)]
    assert [list(r.values()) for r in wide["rows"]] == PRINTED


def test_the_web_page_offers_the_printed_layout_as_xlsx(client):
    page = get(client, "/datasets/hikikomori-consultations")
    download = page.find("a", data_format="xlsx-wide").attrs["href"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(download).data))["データ"]
    header, *values = list(sheet.iter_rows(values_only=True))
    assert list(header[1:]) == CHANNELS
    assert [list(v) for v in values] == PRINTED


def test_the_long_table_facets_by_its_labels_not_its_measure(client):
    page = get(client, "/datasets/hikikomori-consultations")
    facets = {
        a.attrs["data-facet"]
        for a in page.find("nav", class_="facets").find_all("a")
        if "data-facet" in a.attrs
    }
    assert {"channel_label", "fiscal_year_label"} <= facets
    assert not {"consultations", "channel_label_english"} & facets
