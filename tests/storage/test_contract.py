"""One contract, every backend: the same requests get the same bytes from SQLite and PostgreSQL.

The same test package (tests/storage/contract_data.py) is published twice, once into each
backend, and two apps serve it with the same cursor key. Each case below is a request made
to both: the status, the body bytes and the headers that carry data (total, next link,
ETag) must be equal, and for row pages every following page is fetched through `next_url`
and compared too, so cursors, tie-breaks and nulls are checked page after page. The
prebuilt downloads, written at publish time from each store, must be equal file for file,
and so must the diff between two releases. Totals answered from the counts taken at publish
time (opendata.storage.counts) must be the number of rows the filters match, on both.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from opendata import config
from opendata.app import create_app
from opendata.publish.pipeline import publish_package
from opendata.query.params import parse_query
from opendata.storage import counts, publishing_store
from tests.conftest import ClosingClient
from tests.storage.contract_data import NAME, write_contract_package

BACKENDS = ("sqlite", "postgresql")
ROWS = f"/api/v1/datasets/{NAME}/resources/{NAME}/rows"
SUMMARY = f"/api/v1/datasets/{NAME}/resources/{NAME}/summary"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_HEADERS = ("X-Total-Count", "Link", "ETag", "Content-Type", "Content-Disposition", "Retry-After")

PAGES = [  # query strings of /rows; every page of each is compared
    "limit=17",
    "limit=1000",
    "sort=amount&limit=13",
    "sort=-amount&limit=13",
    "sort=ratio&limit=11",
    "sort=-ratio&limit=11",
    "sort=grp&limit=9",
    "sort=-grp&limit=9",
    "sort=day,-id&limit=19",
    "sort=-flag,amount&limit=23",
    "sort=fiscal_year,-grp,ratio&limit=29",
    "sort=-note&limit=31",
    "fields=id,ratio&sort=-ratio&limit=20",  # a number field no database writes as orjson
    "fields=grp,flag,day&limit=25",
    "amount=85.0&limit=5",
    "amount=7",
    "amount__gt=1.5&sort=amount&limit=10",
    "amount__lte=0.1&sort=-amount",
    "amount__in=7,85.0,2.5&limit=8",
    "ratio__lt=0.001&sort=ratio",
    "ratio=0",
    "grp=b&limit=4",
    "grp__ne=b&sort=grp&limit=40",
    "grp__contains=y&sort=-id",
    "grp__in=a,B,ア&sort=grp,id",
    "grp__notin=a,b&sort=-grp&limit=50",
    "grp__isnull=true&limit=7",
    "grp__isnull=false&sort=-grp&limit=60",
    "flag=true&sort=-day&limit=15",
    "flag=false&flag__isnull=false",
    "day__gte=2021-01-01&sort=day&limit=12",
    "day__lt=2021-04-01&sort=-day,id",
    "fiscal_year__ne=2020&sort=fiscal_year&limit=33",
    "id__notin=1,2,3&id__lte=40&sort=-id&limit=6",
    "note__contains=%3D&sort=note",
    "share_%25__gte=3&sort=-share_%25,id&limit=21",
    "share_%25__in=1,2&fields=id,share_%25",
    "j=k&fields=j,id&sort=-j,id&limit=30",
    "grp=b&flag=true&limit=3",  # totals from the counts taken at publish time
    "code=0123&j=k&sort=-id&limit=4",
    "code__in=123,7&fiscal_year=2020",
    "facet=grp,flag,fiscal_year&limit=3",
    "facet=amount,day&amount__gt=0&limit=3",
]
ONE_SHOT = [  # other requests compared once
    f"{SUMMARY}?group_by=grp",
    f"{SUMMARY}?group_by=grp&measures=count,sum:amount,avg:amount,min:ratio,max:ratio",
    f"{SUMMARY}?group_by=fiscal_year,flag&measures=sum:amount,avg:ratio&sort=-sum_amount",
    f"{SUMMARY}?group_by=fiscal_year,flag&measures=sum:amount&pivot=flag",
    f"{SUMMARY}?measures=sum:amount,avg:amount&day__gte=2020-01-01",
    f"{SUMMARY}?group_by=fiscal_year,flag&measures=count,min:amount,max:ratio&sort=-max_ratio",
    f"{SUMMARY}?group_by=fiscal_year,flag&measures=max:amount&pivot=flag",
    f"{SUMMARY}?group_by=flag&measures=sum:amount,avg:ratio,sum:fiscal_year&sort=-sum_amount",
    f"{SUMMARY}?group_by=day&measures=count,max:amount&day__gte=2020-01-01&limit=3&offset=1",
    f"{SUMMARY}?measures=count,sum:amount,avg:amount,min:amount,max:ratio",
    f"{SUMMARY}?group_by=grp&measures=avg:fiscal_year&flag=true",
    f"{SUMMARY}?group_by=share_%25&measures=count,sum:amount&sort=-count",
    f"{SUMMARY}.csv?group_by=grp&measures=count,sum:amount",
    f"{ROWS}.csv?sort=-amount",
    f"{ROWS}.csv?fields=note,grp&sort=note",
    f"{ROWS}.csv?grp__isnull=false&encoding=utf-8-sig",
    f"{ROWS}.csv?note__ne=𠮷野家&encoding=cp932&header=title",
    f"{ROWS}.csv?encoding=cp932",  # 𠮷 cannot be written in cp932: the same 422 from both
    f"{ROWS}.csv?sort=day&newline=crlf",
    f"{ROWS}.ndjson?sort=-ratio",
    f"{ROWS}.ndjson?fields=id,amount,ratio&amount__gte=1",
    f"{ROWS}.arrow?sort=-ratio,id",
    f"{ROWS}.parquet?grp__isnull=false",
    f"{ROWS}.xlsx?sort=amount",
    f"{ROWS}?cursor=not-a-cursor",
    f"{ROWS}?amount__gt=abc",
]
DOWNLOADS = ["download.csv", "download.csv?encoding=utf-8-sig", "download.csv?encoding=cp932"]


def publish(packages: Path, releases: Path, url: str) -> None:
    store = publishing_store({**config.defaults(), "DATABASE_URL": url})
    outcome = publish_package(packages / NAME, releases, None, store=store)
    assert outcome.status == "published", outcome.report


@pytest.fixture(scope="module")
def clients(tmp_path_factory, postgres_url):
    """A client per backend, each over its own publication of the same two releases."""
    root = tmp_path_factory.mktemp("contract")
    urls = {"sqlite": "", "postgresql": postgres_url}
    found = {}
    for backend, url in urls.items():
        for version, changed in enumerate((False, True)):
            packages = root / f"v{version}" / backend
            write_contract_package(packages, changed=changed)
            with pytest.MonkeyPatch.context() as patch:
                # 240 rows cannot reach the real bounds: lowered, `id` (240 values) is over the
                # distinct-value bound and the pairs of more than 30 combinations are not kept.
                patch.setattr(counts, "COUNTED_MAX_VALUES", 200)
                patch.setattr(counts, "PAIR_MAX_COMBINATIONS", 30)
                publish(packages, root / backend / "releases", url)
        app = create_app(
            {
                "RELEASES_DIR": str(root / backend / "releases"),
                "CACHE_DIR": str(root / backend / "cache"),
                "CURSOR_SECRET": "contract",  # the same key: a cursor is the same string on both
                "DATABASE_URL": url,
                "TESTING": True,
            }
        )
        app.test_client_class = ClosingClient
        found[backend] = app.test_client()
    return found


def same_answer(clients, url: str):
    """GET `url` from every backend; assert the answers are equal; return one of them."""
    answers = {backend: clients[backend].get(url) for backend in BACKENDS}
    first, second = (answers[b] for b in BACKENDS)
    assert first.status_code == second.status_code, url
    for header in DATA_HEADERS:
        if header == "ETag" and first.mimetype == XLSX:
            continue  # a prebuilt file's ETag is its digest, which the time inside it changes
        assert first.headers.get(header) == second.headers.get(header), (url, header)
    if first.mimetype == "application/problem+json":  # each names its own request
        assert _without_request_id(first) == _without_request_id(second), url
    elif first.mimetype == XLSX:
        assert _workbook_parts(first.data) == _workbook_parts(second.data), url
    else:
        assert first.data == second.data, url
    return first


def _workbook_parts(data: bytes) -> dict[str, bytes]:
    """Every part of an XLSX but docProps/core.xml, which carries the second it was written."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def _without_request_id(response) -> dict:
    body = response.get_json()
    body.pop("request_id", None)
    return body


def pinned(clients, path: str) -> str:
    """`path` under the earlier release (the current one is the changed version). The
    listings themselves differ in the bytes each release takes on disk, not in ids."""
    listings = [clients[b].get(f"/api/v1/datasets/{NAME}/releases").get_json() for b in BACKENDS]
    ids = [[r["id"] for r in listing["releases"]] for listing in listings]
    assert ids[0] == ids[1] and len(ids[0]) == 2
    earlier = next(i for i in ids[0] if i != listings[0]["current"])
    return path.replace(f"/datasets/{NAME}/", f"/datasets/{NAME}/releases/{earlier}/")


@pytest.mark.parametrize("query", PAGES)
def test_every_page_cursor_and_total_is_the_same(clients, query):
    url, pages = f"{ROWS}?{query}", 0
    while url:
        response = same_answer(clients, url)
        assert response.status_code == 200, response.data
        body = response.get_json()
        pages += 1
        assert pages <= 300, "paging does not end"
        next_url = body["next_url"]
        url = None if next_url is None else _path(next_url)
    assert pages >= 1


@pytest.mark.parametrize("url", ONE_SHOT)
def test_summaries_exports_and_problems_are_the_same(clients, url):
    response = same_answer(clients, url)
    assert response.status_code in (200, 400, 422), response.data


@pytest.mark.parametrize("name", DOWNLOADS)
def test_downloads_written_from_each_store_are_the_same(clients, name):
    response = same_answer(clients, f"/api/v1/datasets/{NAME}/resources/{NAME}/{name}")
    assert response.status_code in (200, 422)


def test_prebuilt_formats_written_from_each_store_are_the_same(clients):
    dataset = same_answer(clients, f"/api/v1/datasets/{NAME}/resources/{NAME}").get_json()
    downloads = [d for d in dataset.get("distributions", []) if "/download." in d.get("url", "")]
    for distribution in downloads:
        assert same_answer(clients, _path(distribution["url"])).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/datasets/contract/diff", "/api/v1/datasets/contract/diff.csv"])
def test_the_diff_between_releases_is_the_same(clients, url):
    body = same_answer(clients, url)
    assert body.status_code == 200
    if url.endswith("/diff"):
        (resource,) = body.get_json()["resources"]
        assert resource["counts"] == {"added": 3, "removed": 4, "changed": 14}


def test_the_coverage_read_from_each_store_is_the_same(clients):
    # The rest of the dataset's description holds each publication's own time.
    coverage = [clients[b].get(f"/api/v1/datasets/{NAME}").get_json()["coverage"] for b in BACKENDS]
    assert coverage[0] == coverage[1] == {"start": "2018-04-01", "end": "2024-03-31"}


def test_an_earlier_release_answers_the_same(clients):
    assert same_answer(clients, pinned(clients, f"{ROWS}?sort=-ratio&limit=500")).status_code == 200


# Totals: (query, answered from the counts?). Every other query is counted by count(*).
TOTALS = [
    ("grp=b", True),  # one eq filter
    ("grp=b&flag=true", True),  # two eq filters
    ("fiscal_year=2020&code__in=0123,007", True),  # eq + in
    ("grp__in=a,B,ア&j__in=j,k", True),  # in + in
    ("grp=nothing&flag=true", True),  # a value not present: 0
    ("code=123&fiscal_year=1999", True),
    ("code=0123", True),  # text that reads as a number is not the number
    ("code=123", True),
    ("code__in=7,007&j=k", True),
    ("flag=false", True),  # a boolean
    ("flag=1&day=2021-04-01", True),  # a boolean and a date
    ("day__in=2020-12-31,2022-03-10&j=j", True),  # a date
    ("grp__in=b,b&j=k", True),  # a value given twice counts once, as in SQL
    ("id=7", False),  # over the distinct-value bound
    ("id=7&flag=true", False),
    ("note=plain", False),  # a value longer than COUNTED_MAX_BYTES
    ("grp=b&fiscal_year=2020", False),  # a pair of more combinations than the bound
    ("grp=b&share_%25=3", False),
    ("grp=b&flag=true&j=k", False),  # three filters
    ("grp=b&fiscal_year__gte=2020", False),  # a range
    ("grp__ne=b", False),
    ("grp__isnull=false&flag=true", False),  # nulls are never answered from the counts
    ("fiscal_year=2020&fiscal_year__in=2020,2021", False),  # one field filtered twice
    ("amount=7", False),  # numbers are not counted
]


def _store_query(client, query: str):
    service = client.application.extensions["opendata"]
    package, resource = service.resource(NAME, NAME)
    row_query = parse_query(resource, parse_qs(query), default_limit=100, max_limit=1000)
    return service.store, package, resource, row_query


def test_the_counts_hold_the_categorical_fields_and_their_small_pairs(clients):
    for backend in BACKENDS:
        store, package, resource, _ = _store_query(clients[backend], "")
        counted = store.info(package, resource).counted
        assert set(counted.fields) == {"grp", "fiscal_year", "day", "flag", "share_%", "j", "code"}, backend
        assert ("grp", "flag") in counted.pairs and ("grp", "fiscal_year") not in counted.pairs, backend


@pytest.mark.parametrize(("query", "stored"), TOTALS)
def test_a_total_from_the_counts_is_the_number_of_matching_rows(clients, query, stored):
    totals = set()
    for backend in BACKENDS:
        store, package, resource, row_query = _store_query(clients[backend], query)
        matching = sum(len(batch) for batch in store.iter_batches(package, resource, row_query))
        answered = store.stored_count(package, resource, row_query)
        assert (answered is not None) == stored, (backend, query)
        assert store.count(package, resource, row_query) == matching, (backend, query)
        if stored:
            assert answered == matching, (backend, query)
        totals.add(matching)
    assert len(totals) == 1, query
    if "nothing" in query or "1999" in query:
        assert totals == {0}


def test_a_page_with_two_equality_filters_has_the_total_of_its_rows(clients):
    query = "grp=b&flag=true"
    body = same_answer(clients, f"{ROWS}?{query}&limit=1000").get_json()
    assert body["total"] == len(body["rows"]) > 0
    for backend in BACKENDS:
        store, package, resource, row_query = _store_query(clients[backend], query)
        assert store.stored_count(package, resource, row_query) == body["total"], backend


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
