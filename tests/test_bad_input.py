"""Hostile and malformed requests on every path, parameter and method: never a 5xx.

Each case names the request and the status it must get; every answer must have its area's
error shape (problem+json on /api/v1 and the DCAT documents, CKAN's envelope on /api/3, an
HTML page for the catalog's pages) and must say nothing internal.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATASET = "/api/v1/datasets/sample"
RES = f"{DATASET}/resources/sample"
PROBLEM_JSON = "application/problem+json"
INTERNALS = re.compile(
    r"Traceback|File \"|sqlite|SELECT |OverflowError|ValueError|KeyError|RecursionError|"
    r"/work/|site-packages|opendata/|werkzeug|gunicorn|\.py\b",
    re.IGNORECASE,
)

BAD_INTEGERS = [
    "9223372036854775808",
    "-9223372036854775809",
    "1" * 400,
    "１０",
    "٣",
    "1_0",
    " 1",
    "1 ",
    "1.5",
    "1e3",
    "0x10",
    "",
    "NaN",
    "%2B1",
    "--1",
    "1-",
]
BAD_NUMBERS = ["NaN", "inf", "-Infinity", "1e400", "-1e999", "１", "1,5", "--1", "", "0x1", "1_000", "one"]
BAD_DATES = [
    "2021-13-01",
    "2021-02-30",
    "２０２１-01-01",
    "2021-1-1",
    "99999-01-01",
    "",
    "2021-01-01T00:00",
    "0000-01-01",
    "today",
]
BAD_LIMITS = ["0", "-1", "１０", "1_0", "", "1.0", "9" * 30, "abc", " 5"]
BAD_SORTS = [
    "+-value",
    "--value",
    "%2Bvalue",
    "value,,page",
    "nope",
    "-",
    "value,value",
    "value,-value",
    " value",
    "value,",
    ",",
    "-nope",
    "value__gt",
]
BAD_FIELDS = ["nope", "value,,page", "", ",", " value", "value,", "value,nope"]
BAD_ENUMS = ["plannd", "", "PLANNED", "planned,actual"]
BAD_FLAGS = ["yes", "TRUE", "", "2", "真"]


def _token(payload: object, signature: bytes = b"0" * 16) -> str:
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    encode = base64.urlsafe_b64encode
    return f"{encode(raw).decode().rstrip('=')}.{encode(signature).decode().rstrip('=')}"


FORGED_CURSORS = [
    _token({"s": "x", "k": [{}]}),
    _token({"s": "x", "k": [[1, 2]]}),
    _token({"s": "x", "k": [10**30]}),
    _token({"s": "x", "k": "not a list"}),
    _token([1, 2, 3]),
    _token(b"not json"),
    "",
    "!!!",
    "a.b",
    ".",
    "e30",
    base64.urlsafe_b64encode(b'{"s":"x","k":[1]}').decode(),  # the unsigned form of old cursors
    "A" * 3000,
]


def api_cases() -> list[tuple[str, str, int, str | None]]:
    """(method, url, status, parameter) for /api/v1."""
    cases: list[tuple[str, str, int, str | None]] = []
    for path in ("rows", "rows.csv"):
        for key in ("fiscal_year", "fiscal_year__gt", "fiscal_year__ne"):
            cases += [("GET", f"{RES}/{path}?{key}={v}", 400, key) for v in BAD_INTEGERS]
        for key in ("page__in", "page__notin"):  # list items are trimmed, so " 1" is an item
            cases += [("GET", f"{RES}/{path}?{key}={v}", 400, key) for v in BAD_INTEGERS if v.strip() == v]
        cases += [("GET", f"{RES}/{path}?value__lt={v}", 400, "value__lt") for v in BAD_NUMBERS]
        cases += [("GET", f"{RES}/{path}?as_of_date={v}", 400, "as_of_date") for v in BAD_DATES]
        cases += [("GET", f"{RES}/{path}?sort={v}", 400, "sort") for v in BAD_SORTS]
        cases += [("GET", f"{RES}/{path}?fields={v}", 400, "fields") for v in BAD_FIELDS]
        cases += [("GET", f"{RES}/{path}?figure_type={v}", 400, "figure_type") for v in BAD_ENUMS]
        cases += [("GET", f"{RES}/{path}?figure_type__in={v}", 400, "figure_type__in") for v in BAD_ENUMS[:3]]
        cases += [
            ("GET", f"{RES}/{path}?as_of_date__isnull={v}", 400, "as_of_date__isnull") for v in BAD_FLAGS
        ]
        for key in (
            "nope",
            "value__nope",
            "nope__gt",
            "page__contains",
            "eq",
            "__gt",
            "value__",
            "_rowid",
            "__row_json",
            "value__in",
        ):
            cases.append(
                ("GET", f"{RES}/{path}?{key}=1" if key != "value__in" else f"{RES}/{path}?{key}=,", 400, key)
            )
        for key in ("sort", "fields", "value", "fiscal_year__gte"):
            value = {"sort": "value", "fields": "value"}.get(key, "1")
            cases.append(("GET", f"{RES}/{path}?{key}={value}&{key}={value}", 400, key))
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            cases.append((method, f"{RES}/{path}", 405, None))
        cases.append(("GET", f"/api/v1/datasets/nope/resources/sample/{path}", 404, "name"))
        cases.append(("GET", f"{DATASET}/resources/nope/{path}", 404, "resource"))
    cases += [("GET", f"{RES}/rows?limit={v}", 400, "limit") for v in BAD_LIMITS]
    cases += [("GET", f"{RES}/rows?limit=1001", 400, "limit")]
    cases += [("GET", f"{RES}/rows?cursor={c}", 400, "cursor") for c in FORGED_CURSORS if c]
    cases += [("GET", f"{RES}/rows.csv?{k}=1", 400, k) for k in ("limit", "cursor")]
    for path in ("rows.csv", "download.csv"):
        for key, values in {
            "encoding": ["latin-1", "UTF-8", "", "cp932 "],
            "header": ["x", ""],
            "newline": ["cr", "", "LF"],
        }.items():
            cases += [("GET", f"{RES}/{path}?{key}={v}", 400, key) for v in values]
        cases.append(("GET", f"{RES}/{path}?encoding=utf-8&encoding=cp932", 400, "encoding"))
    cases += [("GET", f"{RES}/download.csv?sort=value", 400, "sort")]
    for key, values in {
        "limit": ["0", "101", "１", "1_0", "-1", "9" * 25, ""],
        "offset": ["-1", "１", "x", "9" * 25],
    }.items():
        cases += [("GET", f"/api/v1/datasets?{key}={v}", 400, key) for v in values]
    cases += [("GET", "/api/v1/datasets?nope=1", 400, "nope"), ("GET", "/api/v1/datasets?q=a&q=b", 400, "q")]
    for path in (
        "/api/v1/",
        "/api/v1/datasets",
        DATASET,
        f"{DATASET}/datapackage.json",
        f"{DATASET}/download.zip",
        RES,
        f"{RES}/download.csv",
        f"{RES}/openapi.json",
        "/api/v1/problems",
        "/api/v1/openapi.json",
    ):
        cases += [(m, path, 405, None) for m in ("POST", "PUT", "DELETE", "PATCH")]
    for path in (
        "/api/v1/nope",
        "/api/v1/datasets/nope",
        "/api/v1/datasets/nope/datapackage.json",
        "/api/v1/datasets/nope/download.zip",
        f"{DATASET}/resources/nope",
        f"{RES}/nope",
        f"{RES}/rows/extra",
        "/api/v1/datasets/%00",
        "/api/v1/datasets/..%2f..%2fetc",
        "/api/v1/datasets/" + "x" * 3000,
    ):
        cases.append(("GET", path, 404, None))
    cases.append(("GET", f"{RES}/rows?" + "x" * 5000, 414, None))
    return cases


def dcat_cases() -> list[tuple[str, str, int, str | None]]:
    cases: list[tuple[str, str, int, str | None]] = []
    for extension in ("ttl", "jsonld", "rdf"):
        url = f"/catalog.{extension}"
        cases += [
            ("GET", f"{url}?page={v}", 400, "page")
            for v in ["0", "-1", "%C2%B2", "１", "1_0", "abc", " 1", "9" * 30]
        ]
        cases += [
            ("GET", f"{url}?modified_since={v}", 400, "modified_since")
            for v in [
                "0001-01-01T00:00:00%2B09:00",
                "9999-12-31T23:59:59-09:00",
                "garbage",
                "2021-02-30",
                "１",
            ]
        ]
        cases += [("GET", f"{url}?nope=1", 400, "nope"), ("GET", f"{url}?page=1&page=2", 400, "page")]
        cases += [("GET", f"{url}?page=999999", 404, None)]
        cases += [(m, url, 405, None) for m in ("POST", "PUT", "DELETE")]
        cases += [("GET", f"/dataset/nope.{extension}", 404, "name")]
    cases += [("GET", "/dataset/nope.schemaorg.jsonld", 404, "name")]
    return cases


ACTIONS = [
    "package_search",
    "package_show",
    "package_list",
    "current_package_list_with_resources",
    "organization_list",
    "organization_show",
    "status_show",
    "tag_list",
    "help_show",
]
DEEP = "(" * 1000 + "a" + ")" * 1000


def ckan_cases() -> list[tuple[str, str, object, int, str]]:
    """(method, url, JSON body or None, status, CKAN __type)."""
    search = "/api/3/action/package_search"
    cases: list[tuple[str, str, object, int, str]] = []
    for q in [
        "(((",
        ")",
        "a:",
        "OR",
        "AND",
        "NOT",
        "nofield:x",
        "nofield:[a TO b]",
        DEEP,
        "NOT " * 1000 + "a",
        "metadata_modified:[NOW-99999999999999DAY TO *]",
    ]:
        cases.append(("GET", f"{search}?q={q}", None, 400, "Search Query Error"))
        cases.append(("POST", search, {"q": q}, 400, "Search Query Error"))
    for fq in [
        "metadata_modified:[NOW-999999999DAY TO *]",
        "metadata_modified:[NOW+999999999DAY TO *]",
        "metadata_modified:[0001-01-01T00:00:00+09:00 TO *]",
        "metadata_modified:[x TO *]",
        "num_resources:[a TO b]",
        DEEP,
    ]:
        cases.append(("GET", f"{search}?fq={fq.replace('+', '%2B')}", None, 400, "Search Query Error"))
        cases.append(("POST", search, {"fq": fq}, 400, "Search Query Error"))
    for key in ("rows", "start"):
        for value in ["1e400", "-1", "１", "1_0", "x", " 1"]:
            cases.append(("GET", f"{search}?{key}={value}", None, 409, "Validation Error"))
        for value in [1e300, -1, 1.5, "x", [1], {"a": 1}, True]:
            cases.append(("POST", search, {key: value}, 409, "Validation Error"))
    cases.append(("POST", search, b'{"rows":1e400}', 409, "Validation Error"))
    cases.append(("GET", f"{search}?nope=1", None, 400, "Search Query Error"))
    cases.append(
        ("GET", f"{search}?fq=metadata_modified:[NOW-%D9%A3DAY TO *]", None, 400, "Search Query Error")
    )
    cases.append(("GET", f"{search}?sort=nope asc", None, 400, "Search Query Error"))
    cases.append(("GET", f'{search}?facet.field=["nope"]', None, 400, "Search Query Error"))
    cases.append(("GET", f"{search}?facet.field=[", None, 409, "Validation Error"))
    for body in [b"{", b"[1]", b'"text"', b"\xff\xfe", b"1" * 70000]:
        cases.append(("POST", search, body, 400, "Bad Request"))
    for action in ACTIONS:
        for method in ("PUT", "DELETE", "PATCH", "TRACE"):
            cases.append((method, f"/api/3/action/{action}", None, 405, "Bad Request"))
    for action in ("package_show", "organization_show"):
        cases.append(("GET", f"/api/3/action/{action}", None, 409, "Validation Error"))
        cases.append(("GET", f"/api/3/action/{action}?id=nope", None, 404, "Not Found Error"))
    for action in ("package_list", "current_package_list_with_resources", "organization_list"):
        for key, value in [("limit", "-1"), ("offset", "x"), ("limit", "1e400"), ("offset", "１")]:
            cases.append(("GET", f"/api/3/action/{action}?{key}={value}", None, 409, "Validation Error"))
    cases += [
        ("GET", "/api/3/action/nope", None, 400, "Bad Request"),
        ("POST", "/api/3/action/package_create", {"name": "x"}, 403, "Authorization Error"),
        ("GET", "/api/3/nope", None, 404, "Not Found Error"),
        ("DELETE", "/api/3", None, 404, "Not Found Error"),
        ("GET", "/api/action/nope/deeper", None, 404, "Not Found Error"),
        ("GET", f"{search}?q=" + "a" * 5000, None, 414, "Bad Request"),
    ]
    return cases


WEB_CASES = [
    ("/datasets/sample?page=０", 400),
    ("/datasets/sample?page=-1", 400),
    ("/datasets/sample?page=0", 400),
    ("/datasets/sample?page=1_0", 400),
    ("/datasets/sample?page=9223372036854775808", 400),
    ("/datasets/sample?page=1&page=2", 400),
    ("/datasets/sample?sort=%2B-fiscal_year", 400),
    ("/datasets/sample?sort=nope", 400),
    ("/datasets/sample?resource=nope", 404),
    ("/datasets/nope", 404),
    ("/no-such-page", 404),
    ("/datasets/nope?lang=en", 404),
    ("/?q=a&q=b", 400),
    ("/?" + "q=" + "a" * 5000, 414),
]


def assert_no_internals(text: str) -> None:
    found = INTERNALS.search(text)
    assert found is None, f"internal detail {found.group(0)!r} in: {text[:300]}"


def problem_of(response) -> dict:
    assert response.status_code < 500
    assert response.content_type == PROBLEM_JSON, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) >= {"type", "title", "status", "detail", "request_id"}
    assert body["status"] == response.status_code
    assert body["type"].startswith("/api/v1/problems#")
    assert_no_internals(json.dumps(body, ensure_ascii=False).replace(body["instance"], ""))
    return body


@pytest.mark.parametrize(("method", "url", "status", "parameter"), api_cases() + dcat_cases())
def test_api_and_dcat_answer_a_problem(sample_client, method, url, status, parameter):
    response = sample_client.open(url, method=method)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = problem_of(response)
    if parameter is not None:
        assert body.get("parameter") == parameter
    if status == 405:
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(("method", "url", "body", "status", "kind"), ckan_cases())
def test_ckan_api_answers_in_ckans_envelope(sample_client, method, url, body, status, kind):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body)
    response = sample_client.open(
        url, method=method, data=data, content_type="application/json" if data else None
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/json"
    envelope = response.get_json()
    assert envelope["success"] is False
    assert envelope["help"].endswith("/api/3/action/help_show?name=" + envelope["help"].rsplit("=", 1)[1])
    assert envelope["error"]["__type"] == kind
    assert_no_internals(json.dumps(envelope["error"], ensure_ascii=False))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("url", ["/", "/datasets", "/datasets/sample"])
def test_catalog_pages_refuse_other_methods_with_an_html_page(sample_client, method, url):
    response = sample_client.open(url, method=method, headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert '<html lang="ja"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "status"), WEB_CASES)
def test_catalog_pages_answer_an_accessible_html_page(sample_client, url, status):
    response = sample_client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert re.search(r'<html lang="(ja|en)"', page)
    assert "<title>" in page and "<main" in page and "<h1" in page
    assert_no_internals(re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S))


def test_the_suite_is_several_hundred_cases():
    assert len(api_cases()) + len(dcat_cases()) + len(ckan_cases()) + len(WEB_CASES) > 600


SOLR_WORDS = ["AND", "OR", "NOT", "TO", "NOW", "-1DAY", "DAY", "name:", "metadata_modified:", "tags:",
              "num_resources:", "9" * 20, "ひきこもり", "a"]  # fmt: skip
QUERY_ALPHABET = st.sampled_from([*'()[]{}":*-+ \\/~^', *SOLR_WORDS])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.lists(QUERY_ALPHABET, max_size=40).map("".join), where=st.sampled_from(["q", "fq"]))
def test_any_solr_query_is_answered_without_a_server_error(sample_client, q, where):
    response = sample_client.post("/api/3/action/package_search", json={where: q})
    assert response.status_code in (200, 400, 409), (q, response.get_data(as_text=True)[:200])
    assert response.get_json()["success"] is (response.status_code == 200)
