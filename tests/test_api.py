"""The /api/v1 contract, through the Flask test client."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest

from tests.conftest import PACKAGES

V1 = "/api/v1"
HIKI = f"{V1}/datasets/hikikomori-consultations/resources/hikikomori-consultations"
KEY = f"{V1}/datasets/key-figures/resources/key-figures"
CRIME = f"{V1}/datasets/crime-victim-support/resources/crime-victim-support"
ALL_RESOURCES = [
    (p.name, r["name"])
    for p in sorted(PACKAGES.iterdir())
    if (p / "datapackage.json").is_file()
    for r in json.loads((p / "datapackage.json").read_text(encoding="utf-8"))["resources"]
]


def shipped_rows(package: str, resource: str) -> list[dict[str, str]]:
    with (PACKAGES / package / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- index, docs, catalog -------------------------------------------------------------


def test_index_links_everything(client):
    body = client.get(f"{V1}/").get_json()
    assert body["datasets"] == 13
    for name in ("datasets", "openapi", "docs", "problems"):
        assert body["links"][name].startswith("http://localhost/api/v1/")


def test_openapi_documents_problem_json_errors(client):
    spec = client.get(f"{V1}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{name}/resources/{resource}/rows",
        "/api/v1/datasets/{name}/resources/{resource}/rows.csv",
    ):
        assert path in paths
    responses = spec["components"]["responses"]
    assert set(responses["NOT_FOUND"]["content"]) == {"application/problem+json"}
    assert set(responses["DEFAULT_ERROR"]["content"]) == {"application/problem+json"}
    rows = paths["/api/v1/datasets/{name}/resources/{resource}/rows"]["get"]
    assert "400" in rows["responses"] and "404" in rows["responses"]


def test_docs_are_served_without_a_cdn(client):
    page = client.get(f"{V1}/docs").get_data(as_text=True)
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert client.get(f"{V1}/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_problem_types_are_listed(client):
    slugs = {p["slug"] for p in client.get(f"{V1}/problems").get_json()["problems"]}
    assert {"unknown-parameter", "invalid-cursor", "dataset-not-found", "unencodable-value"} <= slugs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ひきこもり", "hikikomori-consultations"),
        ("ヒキコモリ", "hikikomori-consultations"),  # katakana finds hiragana
        ("hikikomori", "hikikomori-consultations"),
        ("suicide prevention", "mental-health-consultation"),
        ("電子決裁", "digital-administration"),
        ("かならいん", "kanarain-consultations"),
        ("ＳＮＳ いじめ", "support-services"),  # full-width letters, two terms
        ("dated event", "key-figures"),  # words of a descriptionEnglish only
        ("unknown channel", "support-services"),
    ],
)
def test_catalog_search_works_in_japanese_and_english(client, query, expected):
    body = client.get(f"{V1}/datasets", query_string={"q": query}).get_json()
    assert expected in [d["name"] for d in body["datasets"]]
    assert body["total"] == len(body["datasets"])


def test_catalog_search_with_no_match_is_empty(client):
    assert client.get(f"{V1}/datasets?q=存在しない言葉").get_json()["total"] == 0


def test_catalog_keyword_filter_and_paging(client):
    body = client.get(f"{V1}/datasets?keyword=相談&limit=2").get_json()
    assert body["total"] > 2 and len(body["datasets"]) == 2
    second = client.get(body["links"]["next"].removeprefix("http://localhost")).get_json()
    assert {d["name"] for d in second["datasets"]}.isdisjoint(d["name"] for d in body["datasets"])
    assert all("相談" in d["keywords"] for d in body["datasets"] + second["datasets"])


def test_dataset_metadata_has_versions_and_links(client):
    body = client.get(f"{V1}/datasets/hikikomori-consultations").get_json()
    assert body["title"] == "ひきこもり地域支援センターの相談実績"
    assert body["description"].startswith("ひきこもり地域支援センター")
    assert body["description_english"].startswith("Consultations whose main concern was hikikomori")
    assert body["license"]["id"] == "CC-BY-4.0" and "出典" in body["license"]["attribution"]
    assert body["source"]["section"] == "1(4)ア(ア)" and body["source"]["page"] == 9
    assert body["versions"][0]["version"] == "1.0.0" and body["versions"][0]["current"] is True
    assert body["coverage"] == {"start": "2020-04-01", "end": "2021-12-31"}
    resource = body["resources"][0]
    assert resource["rows"] == 8 and resource["schema"]["primaryKey"] == ["fiscal_year", "channel"]
    assert resource["sources"][0]["caption"] == "a 相談実績(主訴：ひきこもり件数)"
    assert resource["pivot"]["columns"] == "channel_label"
    assert resource["description_english"].startswith("One row per fiscal year and channel")
    for link in ("rows", "rows_csv", "download_csv", "download_csv_excel", "download_csv_shift_jis"):
        assert resource["links"][link].startswith(
            "http://localhost/api/v1/datasets/hikikomori-consultations/"
        )


def test_remote_datapackage_points_at_this_api(client):
    descriptor = client.get(f"{V1}/datasets/hikikomori-consultations/datapackage.json").get_json()
    path = descriptor["resources"][0]["path"]
    assert path == f"http://localhost{HIKI}/download.csv"
    assert descriptor["resources"][0]["schema"]["fields"][0]["name"] == "local_government_code"


def test_package_zip_holds_data_schemas_and_licence(client):
    response = client.get(f"{V1}/datasets/mental-health-consultation/download.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    prefix = "mental-health-consultation/"
    assert {
        prefix + "datapackage.json",
        prefix + "data/services.csv",
        prefix + "data/consultations.csv",
        prefix + "schemas/services.json",
        prefix + "README.md",
    } <= names
    readme = archive.read(prefix + "README.md").decode()
    assert "CC BY" in readme or "Creative Commons" in readme
    assert "出典" in readme
    assert (
        archive.read(prefix + "data/services.csv")
        == (PACKAGES / "mental-health-consultation" / "data" / "services.csv").read_bytes()
    )


# -- rows --------------------------------------------------------------------------------


def test_rows_are_typed_by_the_schema(client):
    assert client.get(f"{HIKI}/rows").get_json()["total"] == 8  # 2 fiscal years x (3 channels + total)
    body = client.get(f"{HIKI}/rows?channel=total").get_json()
    assert body["total"] == 2 and body["next"] is None
    first = body["rows"][0]
    assert first["fiscal_year"] == 2020 and first["consultations"] == 402 and first["is_partial"] is False
    assert first["channel_label"] == "計" and first["local_government_code"] == "140007"


@pytest.mark.parametrize(("package", "resource"), ALL_RESOURCES)
def test_every_resource_serves_exactly_its_csv_rows(client, package, resource):
    body = client.get(f"{V1}/datasets/{package}/resources/{resource}/rows?limit=1000").get_json()
    expected = shipped_rows(package, resource)
    assert body["total"] == len(expected)
    as_text = [{k: _csv_text(v) for k, v in row.items()} for row in body["rows"]]
    assert as_text == expected


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(
    ("query", "expected_ids"),
    [
        (
            "figure_type=planned",
            {
                "school-counsellors-increase-fy2022",
                "school-counsellors-prefectural-high-schools-fy2022",
                "school-social-workers-increase-fy2022",
                "school-social-workers-public-schools-fy2022",
                "breakfast-schools",
                "breakfast-schools-full-time",
                "breakfast-schools-daytime-part-time",
            },
        ),
        (
            "value__gte=13000",
            {
                "sanitary-pads-distributed",
                "sanitary-pad-sets-distributed",
                "safety-net-housing-units",
                "mobile-pcs-deployed",
            },
        ),
        ("value__gt=17000&value__lt=30000", {"safety-net-housing-units"}),
        ("figure_id__in=rpa-operations,ai-ocr-forms", {"rpa-operations", "ai-ocr-forms"}),
        ("as_of_date=2022-01-31&unit=業務", {"rpa-operations"}),
        (
            "fiscal_year__isnull=true",
            {"e-approval-rate-target", "cashless-facility-threshold", "security-audits-per-year"},
        ),
        ("indicator__contains=RPA", {"rpa-operations"}),
        ("figure_type__ne=actual&figure_type__notin=planned,target", {"safety-net-housing-units"}),
    ],
)
def test_filters(client, query, expected_ids):
    body = client.get(f"{KEY}/rows?{query}&limit=1000").get_json()
    assert {r["figure_id"] for r in body["rows"]} == expected_ids
    assert body["total"] == len(expected_ids)


def test_boolean_and_date_filters(client):
    body = client.get(
        f"{V1}/datasets/support-services/resources/support-services/rows?"
        "channel_phone=true&channel_sns=true&fields=service_id"
    ).get_json()
    assert {r["service_id"] for r in body["rows"]} == {
        "unplanned-pregnancy-consultation",
        "hikikomori-support-center",
        "carer-call-center",
    }
    assert body["fields"] == ["service_id"]
    # two fiscal years x two categories (相談件数, 支援回数)
    assert client.get(f"{CRIME}/rows?period_start__gte=2019-04-01").get_json()["total"] == 4


def test_multi_field_sort(client):
    rows = client.get(f"{KEY}/rows?sort=unit,-value&fields=unit,value&limit=1000").get_json()["rows"]
    keys = [(r["unit"], -r["value"]) for r in rows]
    assert keys == sorted(keys)


def test_sort_on_a_nullable_field_puts_nulls_first_ascending(client):
    rows = client.get(f"{KEY}/rows?sort=as_of_date&limit=1000").get_json()["rows"]
    dates = [r["as_of_date"] for r in rows]
    nulls = dates.count(None)
    assert nulls and all(d is None for d in dates[:nulls])
    assert dates[nulls:] == sorted(dates[nulls:])


PAGING = [
    ("key-figures", "key-figures", "", 7),
    ("key-figures", "key-figures", "sort=-value", 5),
    ("key-figures", "key-figures", "sort=as_of_date,-fiscal_year", 4),
    ("key-figures", "key-figures", "sort=-as_of_date", 6),
    ("key-figures", "key-figures", "sort=unit,-value&figure_type=actual", 3),
    ("support-services", "support-services", "sort=-channel_phone,since", 4),
    ("crime-victim-support", "crime-victim-support", "sort=-value", 3),
]


@pytest.mark.parametrize(("package", "resource", "query", "limit"), PAGING)
def test_paging_walks_the_whole_table_with_no_gap_and_no_duplicate(client, package, resource, query, limit):
    base = f"{V1}/datasets/{package}/resources/{resource}/rows"
    everything = client.get(f"{base}?{query}&limit=1000").get_json()
    url = f"{base}?{query}&limit={limit}"
    seen, pages = [], 0
    while url:
        response = client.get(url)
        body = response.get_json()
        assert body["total"] == everything["total"] and len(body["rows"]) <= limit
        seen.extend(body["rows"])
        pages += 1
        url = body["next_url"] and body["next_url"].removeprefix("http://localhost")
        if url:
            assert f'<{body["next_url"]}>; rel="next"' in response.headers["Link"]
    assert seen == everything["rows"]
    assert pages == -(-everything["total"] // limit)


def test_rows_headers(client):
    response = client.get(f"{HIKI}/rows?limit=1")
    assert response.headers["X-Total-Count"] == "8"
    assert 'rel="next"' in response.headers["Link"] and 'rel="describedby"' in response.headers["Link"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]
    assert "max-age" in response.headers["Cache-Control"]


def test_etag_and_not_modified(client):
    response = client.get(f"{HIKI}/rows")
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(f"{HIKI}/rows", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(f"{HIKI}/rows?limit=1", headers={"If-None-Match": etag})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{V1}/",
        f"{V1}/datasets",
        f"{V1}/datasets/dialogue-forum",
        f"{HIKI}/rows.csv",
        f"{HIKI}/download.csv",
        f"{HIKI}/rows.csv?fiscal_year=2020",
        f"{V1}/datasets/dialogue-forum/download.zip",
    ],
)
def test_every_get_has_a_strong_etag_and_answers_304(client, path):
    response = client.get(path)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert not etag.startswith("W/")
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_head_returns_headers_only(client):
    response = client.head(f"{HIKI}/rows")
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["X-Total-Count"] == "8"


def test_gzip_when_accepted(client):
    response = client.get(f"{KEY}/rows?limit=100", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    total = json.loads(gzip.decompress(response.get_data()))["total"]
    assert total == len(shipped_rows("key-figures", "key-figures")) == 62
    assert response.headers["ETag"].endswith(':gzip"')


# -- CSV ---------------------------------------------------------------------------------


def test_default_csv_is_the_package_file_byte_for_byte(client):
    for path in (f"{HIKI}/rows.csv", f"{HIKI}/download.csv"):
        response = client.get(path)
        assert (
            response.get_data()
            == (PACKAGES / "hikikomori-consultations/data/hikikomori-consultations.csv").read_bytes()
        )
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
        assert 'rel="describedby"' in response.headers["Link"]
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("encoding", "codec", "bom", "newline", "charset"),
    [
        ("utf-8", "utf-8", b"", b"\n", "utf-8"),
        ("utf-8-sig", "utf-8-sig", b"\xef\xbb\xbf", b"\r\n", "utf-8"),
        ("cp932", "cp932", b"", b"\r\n", "Windows-31J"),
        ("shift_jis", "cp932", b"", b"\r\n", "Windows-31J"),
    ],
)
@pytest.mark.parametrize("endpoint", ["rows.csv?sort=-fiscal_year&", "download.csv?"])
def test_csv_flavours_decode_to_the_same_table(client, endpoint, encoding, codec, bom, newline, charset):
    response = client.get(f"{HIKI}/{endpoint}encoding={encoding}&header=name")
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith(bom) and (bom or not data.startswith(b"\xef\xbb\xbf"))
    assert data.splitlines(keepends=True)[0].endswith(newline)
    assert f"charset={charset}" in response.headers["Content-Type"]
    rows = list(csv.DictReader(io.StringIO(data.decode(codec), newline="")))
    expected = shipped_rows("hikikomori-consultations", "hikikomori-consultations")

    def key(row):
        return row["fiscal_year"], row["channel"]

    assert sorted(rows, key=key) == sorted(expected, key=key)


def test_csv_header_titles_and_newline_choice(client):
    data = (
        client.get(f"{HIKI}/rows.csv?header=title&newline=lf&encoding=utf-8-sig")
        .get_data()
        .decode("utf-8-sig")
    )
    assert data.splitlines()[0].startswith("全国地方公共団体コード,地方公共団体名,年度（西暦）")
    assert "\r\n" not in data


def test_filtered_csv_returns_every_matching_row_not_a_page(client):
    data = client.get(f"{KEY}/rows.csv?figure_type=actual&fields=figure_id,value").get_data().decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert (
        len(rows)
        == sum(r["figure_type"] == "actual" for r in shipped_rows("key-figures", "key-figures"))
        > 40
    )
    assert list(rows[0]) == ["figure_id", "value"]


# -- errors ------------------------------------------------------------------------------

ERRORS = [
    # path, status, type slug, parameter
    (f"{V1}/datasets/nope", 404, "dataset-not-found", "name"),
    (f"{V1}/datasets/nope/datapackage.json", 404, "dataset-not-found", "name"),
    (f"{V1}/datasets/nope/download.zip", 404, "dataset-not-found", "name"),
    (f"{V1}/datasets/dialogue-forum/resources/nope", 404, "resource-not-found", "resource"),
    (f"{V1}/datasets/dialogue-forum/resources/nope/rows", 404, "resource-not-found", "resource"),
    (f"{V1}/datasets/dialogue-forum/resources/nope/rows.csv", 404, "resource-not-found", "resource"),
    (f"{V1}/nowhere", 404, "not-found", None),
    (f"{V1}/datasets?bogus=1", 400, "unknown-parameter", "bogus"),
    (f"{V1}/datasets?limit=0", 400, "invalid-parameter", "limit"),
    (f"{V1}/datasets?limit=x", 400, "invalid-parameter", "limit"),
    (f"{HIKI}/rows?totl=1", 400, "unknown-parameter", "totl"),
    (f"{HIKI}/rows?totl__gt=1", 400, "unknown-field", "totl__gt"),
    (f"{HIKI}/rows?consultations__between=1", 400, "invalid-parameter", "consultations__between"),
    (f"{HIKI}/rows?consultations=abc", 400, "invalid-parameter", "consultations"),
    (f"{HIKI}/rows?consultations__gt=1.5", 400, "invalid-parameter", "consultations__gt"),
    (f"{HIKI}/rows?period_end=2021-13-01", 400, "invalid-parameter", "period_end"),
    (f"{HIKI}/rows?is_partial=maybe", 400, "invalid-parameter", "is_partial"),
    (f"{HIKI}/rows?consultations__isnull=perhaps", 400, "invalid-parameter", "consultations__isnull"),
    (f"{HIKI}/rows?consultations__in=", 400, "invalid-parameter", "consultations__in"),
    (f"{HIKI}/rows?consultations__contains=4", 400, "invalid-parameter", "consultations__contains"),
    (f"{HIKI}/rows?sort=nope", 400, "unknown-field", "sort"),
    (f"{HIKI}/rows?sort=consultations,-consultations", 400, "invalid-parameter", "sort"),
    (f"{HIKI}/rows?fields=consultations,nope", 400, "unknown-field", "fields"),
    (f"{HIKI}/rows?fields=", 400, "invalid-parameter", "fields"),
    (f"{HIKI}/rows?limit=100000", 400, "page-too-large", "limit"),
    (f"{HIKI}/rows?limit=-1", 400, "invalid-parameter", "limit"),
    (f"{HIKI}/rows?limit=ten", 400, "invalid-parameter", "limit"),
    (f"{HIKI}/rows?limit=1&limit=2", 400, "invalid-parameter", "limit"),
    (f"{HIKI}/rows?cursor=!!!", 400, "invalid-cursor", "cursor"),
    (f"{HIKI}/rows?cursor=eyJzIjoiMTIzIiwiayI6WzFdfQ", 400, "invalid-cursor", "cursor"),
    (f"{HIKI}/rows.csv?encoding=latin-1", 400, "invalid-parameter", "encoding"),
    (f"{HIKI}/rows.csv?header=both", 400, "invalid-parameter", "header"),
    (f"{HIKI}/rows.csv?limit=5", 400, "invalid-parameter", "limit"),
    (f"{HIKI}/rows.csv?cursor=abc", 400, "invalid-parameter", "cursor"),
    (f"{HIKI}/rows.csv?totl=1", 400, "unknown-parameter", "totl"),
    (f"{HIKI}/download.csv?fiscal_year=2020", 400, "unknown-parameter", "fiscal_year"),
    (f"{HIKI}/rows?" + "x" * 5000, 414, "query-too-long", None),
]


@pytest.mark.parametrize(("path", "status", "slug", "parameter"), ERRORS, ids=[e[0][-60:] for e in ERRORS])
def test_every_error_is_problem_json_naming_the_parameter(client, path, status, slug, parameter):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"/api/v1/problems#{slug}"
    assert body["status"] == status and body["title"] and body["detail"]
    assert body.get("parameter") == parameter
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_cursor_from_another_sort_is_refused(client):
    cursor = client.get(f"{KEY}/rows?sort=value&limit=2").get_json()["next"]
    body = client.get(f"{KEY}/rows?sort=-value&limit=2&cursor={cursor}").get_json()
    assert body["type"].endswith("#invalid-cursor") and "different sort" in body["detail"]


def test_method_not_allowed_is_a_problem_with_allow(client):
    response = client.post(f"{HIKI}/rows")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_a_server_fault_says_nothing_internal(app, client, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret database path /var/lib/x")

    monkeypatch.setattr(app.extensions["opendata"].engine, "page", explode)
    response = client.get(f"{HIKI}/rows")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "secret" not in response.get_data(as_text=True)
    assert body["request_id"] in body["detail"]
    assert "secret database path" in caplog.text and body["request_id"] in caplog.text


# -- the rows rendered when the store is built equal the cell-by-cell path ---------------


@pytest.mark.parametrize(("package", "resource"), ALL_RESOURCES)
def test_stored_csv_lines_are_the_package_file_byte_for_byte(client, package, resource):
    """A filter matching every row takes the streamed path, which must give the file itself."""
    base = f"{V1}/datasets/{package}/resources/{resource}"
    streamed = client.get(f"{base}/rows.csv?local_government_code=140007").get_data()
    assert streamed == (PACKAGES / package / "data" / f"{resource}.csv").read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        streamed = client.get(f"{base}/rows.csv?local_government_code=140007&encoding={encoding}").get_data()
        assert streamed == client.get(f"{base}/download.csv?encoding={encoding}").get_data()


@pytest.mark.parametrize(("package", "resource"), ALL_RESOURCES)
def test_stored_json_equals_json_built_per_field(client, package, resource):
    base = f"{V1}/datasets/{package}/resources/{resource}/rows?limit=1000"
    stored = client.get(base).get_json()
    by_field = client.get(f"{base}&fields={','.join(stored['fields'])}").get_json()
    assert by_field["rows"] == stored["rows"] and by_field["fields"] == stored["fields"]
