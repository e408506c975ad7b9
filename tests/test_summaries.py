"""Grouped summaries and facets through HTTP, checked against a group-by computed here."""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from statistics import mean

import openpyxl
import pytest

from tests import formats_sample as sample
from tests.conftest import ClosingClient, published_app
from tests.test_web import get

BASE = f"/api/v1/datasets/{sample.NAME}/resources/{sample.NAME}"
MAX_GROUPS = 200  # below the sample's 240 ids, so grouping by id is too many groups


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("summaries")
    sample.write(tmp / "packages")
    return published_app(
        tmp / "packages", tmp, SUMMARY_MAX_GROUPS=MAX_GROUPS, FACET_LIMIT=3, SUMMARY_CACHE_SIZE=8
    )


@pytest.fixture
def client(app):
    app.test_client_class = ClosingClient
    return app.test_client()


def group_by(rows, keys, measures, where=lambda r: True):
    """The expected summary, computed in Python over the sample's own rows."""
    groups = defaultdict(list)
    for row in rows:
        if where(row):
            groups[tuple(row[k] for k in keys)].append(row)
    out = []
    for key, members in groups.items():
        result = dict(zip(keys, key, strict=True))
        for measure in measures:
            function, _, name = measure.partition(":")
            values = [m[name] for m in members if name and m[name] is not None]
            if function == "count":
                result["count"] = len(members)
            else:
                column = f"{function}_{name}"
                result[column] = (
                    {"sum": sum, "avg": mean, "min": min, "max": max}[function](values) if values else None
                )
        out.append(result)
    return out


def same(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert a.keys() == e.keys()
        for k in a:
            if isinstance(e[k], float):
                assert math.isclose(a[k], e[k], rel_tol=1e-9)
            else:
                assert a[k] == e[k], k


def ordered(rows, keys):
    return sorted(rows, key=lambda r: tuple((r[k] is not None, r[k]) for k in keys))


CASES = [
    ("group_by=channel", ["channel"], ["count"], lambda r: True),
    (
        "group_by=region,fiscal_year&measures=count,sum:consultations,avg:rate,min:rate,max:consultations",
        ["region", "fiscal_year"],
        ["count", "sum:consultations", "avg:rate", "min:rate", "max:consultations"],
        lambda r: True,
    ),
    (
        "group_by=channel,fiscal_year&measures=sum:consultations&is_partial=true&fiscal_year__gte=2021",
        ["channel", "fiscal_year"],
        ["sum:consultations"],
        lambda r: r["is_partial"] is True and r["fiscal_year"] >= 2021,
    ),
    (
        "group_by=is_partial&measures=count,avg:consultations",
        ["is_partial"],
        ["count", "avg:consultations"],
        lambda r: True,
    ),
    ("measures=count,sum:rate", [], ["count", "sum:rate"], lambda r: True),
]


@pytest.mark.parametrize(("query", "keys", "measures", "where"), CASES)
def test_summary_matches_a_group_by_computed_independently(client, query, keys, measures, where):
    body = client.get(f"{BASE}/summary?{query}&limit=1000").get_json()
    expected = ordered(group_by(sample.reference_rows(), keys, measures, where), keys)
    same(body["rows"], expected)
    assert body["total"] == len(expected) and body["fields"] == list(expected[0].keys())


def test_summary_agrees_with_the_csv_of_the_rows(client):
    """The same figure two ways: summed from the rows' CSV, and asked of the summary."""
    rows = sample.typed(client.get(f"{BASE}/rows.csv?channel=SNS").get_data(as_text=True))
    body = client.get(f"{BASE}/summary?channel=SNS&measures=count,sum:consultations").get_json()
    assert body["rows"] == [
        {"count": len(rows), "sum_consultations": sum(r["consultations"] or 0 for r in rows)}
    ]


def test_sort_on_a_measure_and_paging(client):
    query = "group_by=region,channel&measures=sum:consultations&sort=-sum_consultations,region"
    whole = client.get(f"{BASE}/summary?{query}&limit=1000").get_json()["rows"]
    sums = [r["sum_consultations"] for r in whole]
    assert sums == sorted(sums, reverse=True) and len(whole) == 12
    walked, url = [], f"{BASE}/summary?{query}&limit=5"
    while url:
        body = client.get(url).get_json()
        walked += body["rows"]
        url = body["next_url"]
    assert walked == whole


def test_pivot_spreads_one_group_into_columns(client):
    query = "group_by=region,fiscal_year&measures=sum:consultations&pivot=fiscal_year"
    body = client.get(f"{BASE}/summary?{query}").get_json()
    assert body["fields"][0] == "region" and len(body["fields"]) == 4
    long = group_by(sample.reference_rows(), ["region", "fiscal_year"], ["sum:consultations"])
    for row in body["rows"]:
        for year in (2020, 2021, 2022):
            match = [g for g in long if g["region"] == row["region"] and g["fiscal_year"] == year]
            assert row[f"sum_consultations_{year}"] == (match[0]["sum_consultations"] if match else None)
    # Rows and columns keep the order their values first appear in the table (the printed order).
    firsts = list(dict.fromkeys(r["region"] for r in sample.reference_rows()))
    assert [r["region"] for r in body["rows"]] == firsts
    years = list(dict.fromkeys(r["fiscal_year"] for r in sample.reference_rows()))
    assert body["fields"][1:] == [f"sum_consultations_{y}" for y in years]
    xlsx = client.get(f"{BASE}/summary.xlsx?{query}")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["データ"]
    header, *values = list(sheet.iter_rows(values_only=True))
    assert header == (
        "地域",
        *(str(y) for y in dict.fromkeys(r["fiscal_year"] for r in sample.reference_rows())),
    )
    assert [list(v) for v in values] == [list(r.values()) for r in body["rows"]]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet", "ndjson"])
def test_summary_in_every_format_holds_the_json_values(client, ext):
    query = "group_by=channel,is_partial&measures=count,sum:consultations,avg:rate"
    expected = client.get(f"{BASE}/summary?{query}").get_json()["rows"]
    response = client.get(f"{BASE}/summary.{ext}?{query}")
    assert response.status_code == 200
    if ext == "csv":
        got = sample.typed(response.get_data(as_text=True))
        for row in got:  # the codec's counts are text; typed() reads unknown columns as numbers
            row["count"], row["sum_consultations"] = int(row["count"]), int(row["sum_consultations"])
    elif ext == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data))["データ"]
        header, *values = list(sheet.iter_rows(values_only=True))
        assert header[:3] == ("相談方法", "途中集計", "件数")
        got = [dict(zip(expected[0].keys(), v, strict=True)) for v in values]
    elif ext == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(response.data))
        assert str(table.schema.field("count").type) == "int64"
        assert str(table.schema.field("avg_rate").type) == "double"
        got = table.to_pylist()
    else:
        import json

        got = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    same(got, expected)


ERRORS = [
    ("group_by=nope", "unknown-field", "group_by"),
    ("measures=sum:note", "invalid-parameter", "measures"),
    ("measures=avg:as_of", "invalid-parameter", "measures"),
    ("measures=median:rate", "invalid-parameter", "measures"),
    ("measures=,", "invalid-parameter", "measures"),
    ("measures=count:id", "invalid-parameter", "measures"),
    ("measures=sum:nope", "unknown-field", "measures"),
    ("group_by=id", "result-too-large", "group_by"),
    ("group_by=id,region,channel,fiscal_year,note", "invalid-parameter", "group_by"),
    ("group_by=region&sort=count,nope", "unknown-field", "sort"),
    ("group_by=region&pivot=channel", "invalid-parameter", "pivot"),
    ("group_by=region&limit=5000", "page-too-large", "limit"),
    ("group_by=region&offset=-1", "invalid-parameter", "offset"),
    ("group_by=region&nope=1", "unknown-parameter", "nope"),
    ("group_by=region&fiscal_year=abc", "invalid-parameter", "fiscal_year"),
    ("group_by=region&group_by=channel", "invalid-parameter", "group_by"),
]


@pytest.mark.parametrize(("query", "slug", "parameter"), ERRORS)
@pytest.mark.parametrize("path", ["summary", "summary.xlsx"])
def test_bad_summary_input_is_a_400_naming_the_parameter(client, path, query, slug, parameter):
    response = client.get(f"{BASE}/{path}?{query}")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith(slug) and problem["parameter"] == parameter


def test_facets_count_values_under_the_filters_capped(client):
    body = client.get(f"{BASE}/rows?limit=1&fiscal_year=2021&facet=channel,is_partial,region").get_json()
    rows = [r for r in sample.reference_rows() if r["fiscal_year"] == 2021]
    for name in ("channel", "is_partial", "region"):
        counts = Counter(r[name] for r in rows)
        expected = sorted(counts.items(), key=lambda kv: (-kv[1], (kv[0] is not None, kv[0])))[:3]
        assert body["facets"][name] == [{"value": v, "count": n} for v, n in expected]
    assert len(body["facets"]["region"]) == 3  # four regions, capped by FACET_LIMIT
    assert "facets" not in client.get(f"{BASE}/rows?limit=1").get_json()


@pytest.mark.parametrize(
    ("query", "slug"), [("facet=nope", "unknown-field"), ("facet=region&facet=channel", "invalid-parameter")]
)
def test_bad_facets_are_a_400(client, query, slug):
    problem = client.get(f"{BASE}/rows?{query}").get_json()
    assert problem["type"].endswith(slug) and problem["parameter"] == "facet"


def test_summaries_are_cached_per_release_within_the_bound(app, client, monkeypatch):
    from opendata.context import service

    with app.app_context():
        summaries = service().summaries
        package, _ = service().resource(sample.NAME, sample.NAME, None)
    for year in (2020, 2021, 2022):
        for measure in ("count", "sum:consultations", "max:rate", "min:rate"):
            assert client.get(f"{BASE}/summary?fiscal_year={year}&measures={measure}").status_code == 200
    assert len(summaries.cache) == 8  # SUMMARY_CACHE_SIZE bounds it
    assert {key[1] for key in summaries.cache} == {package.digest}  # keyed by the release

    def no_sql(*args):
        raise AssertionError("a cached summary ran its query again")

    monkeypatch.setattr(summaries, "_summary", no_sql)
    again = client.get(f"{BASE}/summary?fiscal_year=2022&measures=min:rate")
    assert again.status_code == 200 and again.get_json()["fields"] == ["min_rate"]
    assert client.get(f"{BASE}/summary?fiscal_year=2020&measures=count").status_code == 500  # evicted


def test_web_preview_facets_filter_the_table_and_clear_again(client):
    page = get(client, f"/datasets/{sample.NAME}")
    facets = page.find("nav", class_="facets")
    fields = [a.attrs["data-facet"] for a in facets.find_all("a") if "data-facet" in a.attrs]
    assert {"channel", "fiscal_year", "is_partial"} <= set(fields)
    # The key and a measure are left out, and so are regions and dates: more than FACET_LIMIT (3) values.
    # So is a measure (consultations: a number with a unit).
    assert not {"id", "rate", "region", "as_of", "consultations"} & set(fields)
    link = facets.find("a", data_facet="channel", data_value="SNS")
    expected = sum(1 for r in sample.reference_rows() if r["channel"] == "SNS")
    assert f"({expected})" in link.text
    filtered = get(client, link.attrs["href"])
    selected = filtered.find("a", data_facet="channel", aria_current="true")
    assert selected.attrs["data-value"] == "SNS"
    table = filtered.find("table", class_="data")
    assert {tr.find_all("td")[2].text for tr in table.find("tbody").find_all("tr")} == {"SNS"}
    assert all("f_channel=SNS" in a.attrs["href"] for a in table.find_all("a", class_="sort"))  # kept
    cleared = get(client, selected.attrs["href"])  # the selected value again clears the filter
    assert not [a for a in cleared.find_all("a", aria_current="true") if "data-facet" in a.attrs]


def test_web_facet_on_an_unknown_field_is_a_400(client):
    get(client, f"/datasets/{sample.NAME}?f_nope=1", status=400)


ODD = [
    "",
    ",",
    "-",
    "+",
    "１",
    "-1",
    "0",
    "99999999999999999999",
    "nope",
    "channel,channel",
    "sum:",
    ":",
    "%00",
    "é",
]
PARAMETERS = [
    "group_by",
    "measures",
    "sort",
    "limit",
    "offset",
    "pivot",
    "facet",
    "fiscal_year",
    "as_of__gte",
]


@pytest.mark.parametrize(
    "path", ["summary", "summary.xlsx", "summary.parquet", "rows", "rows.xlsx", "rows.arrow"]
)
def test_odd_values_of_every_parameter_never_fail_the_server(client, path):
    for name in PARAMETERS:
        for value in ODD:
            response = client.get(f"{BASE}/{path}", query_string={name: value, "group_by": "channel"})
            assert response.status_code < 500, (path, name, value, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize(
    "path", ["summary?group_by=channel", "summary.xlsx?group_by=channel", "rows.parquet"]
)
def test_summaries_and_streamed_formats_answer_304_to_their_etag(client, path):
    first = client.get(f"{BASE}/{path}")
    again = client.get(f"{BASE}/{path}", headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and again.status_code == 304 and not again.data


def test_the_cache_also_bounds_the_rows_it_holds(app, client):
    from opendata.context import service

    with app.app_context():
        cache = service().summaries.cache
    limit = cache.max_weight
    cache.max_weight = 30
    try:
        for measure in ("count", "sum:consultations", "max:rate"):
            client.get(f"{BASE}/summary?group_by=region,channel&measures={measure}")  # 12 groups each
        assert cache.weight <= 30 and len(cache) == 2  # the first of the three went out
        assert client.get(f"{BASE}/summary?group_by=id,region&limit=5").status_code == 400  # too many groups
        assert cache.weight <= 30
    finally:
        cache.max_weight = limit
