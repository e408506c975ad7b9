"""End to end: a real gunicorn process over HTTP, read by frictionless and plain HTTP clients."""

from __future__ import annotations

import csv
import io
import json
import warnings

import frictionless
import pytest
import requests

from tests.conftest import PACKAGES
from tests.crafted import TRICKY_FIELDS, TRICKY_ROWS, write_not_cp932_package, write_package
from tests.server import running_server

pytestmark = pytest.mark.e2e
SHIPPED = sorted(p.name for p in PACKAGES.iterdir() if (p / "datapackage.json").is_file())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(cache_dir=tmp_path_factory.mktemp("cache")) as base:
        yield base


@pytest.mark.parametrize("name", SHIPPED)
def test_frictionless_reads_the_remote_package_as_the_files_hold_it(server, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        remote = frictionless.Package(f"{server}/api/v1/datasets/{name}/datapackage.json")
        local = frictionless.Package(str(PACKAGES / name / "datapackage.json"))
        report = remote.validate()
        assert report.valid, report.flatten(["type", "note"])
        for resource in local.resources:
            assert remote.get_resource(resource.name).path.startswith(f"{server}/api/v1/datasets/{name}/")
            remote_rows = [dict(row) for row in remote.get_resource(resource.name).read_rows()]
            assert remote_rows == [dict(row) for row in resource.read_rows()]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_excel_flavours_decode_to_the_utf8_table(server, encoding):
    url = f"{server}/api/v1/datasets/key-figures/resources/key-figures/rows.csv"
    utf8 = requests.get(url, params={"figure_type": "actual"}, timeout=30)
    other = requests.get(
        url, params={"figure_type": "actual", "encoding": encoding, "header": "name"}, timeout=30
    )
    assert other.status_code == 200
    codec = "utf-8-sig" if encoding == "utf-8-sig" else "cp932"
    table = list(csv.reader(io.StringIO(utf8.content.decode("utf-8"), newline="")))
    assert list(csv.reader(io.StringIO(other.content.decode(codec), newline=""))) == table


def test_paging_over_http_walks_every_row_once(server):
    url = f"{server}/api/v1/datasets/support-services/resources/support-services/rows?limit=4&sort=-since"
    seen = []
    while url:
        response = requests.get(url, timeout=30)
        seen += [r["service_id"] for r in response.json()["rows"]]
        url = response.links.get("next", {}).get("url")
    with (PACKAGES / "support-services" / "data" / "support-services.csv").open(encoding="utf-8") as handle:
        shipped = [row["service_id"] for row in csv.DictReader(handle)]
    assert len(seen) == len(set(seen)) == response.json()["total"] == len(shipped)
    assert sorted(seen) == sorted(shipped)


def test_answers_with_a_body_and_without_one_pass_the_held_header_worker(server):
    # The worker holds each header back until the first body bytes (opendata/held_header.py):
    # a JSON answer, a header-only 304 and HEAD, and a file sent by sendfile all arrive whole.
    url = f"{server}/api/v1/datasets?limit=1"
    ok = requests.get(url, timeout=10)
    assert ok.status_code == 200 and ok.json()["datasets"]
    again = requests.get(url, headers={"If-None-Match": ok.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert requests.head(url, timeout=10).status_code == 200
    name = SHIPPED[0]
    resource = json.loads((PACKAGES / name / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    download = requests.get(
        f"{server}/api/v1/datasets/{name}/resources/{resource['name']}/download.csv", timeout=10
    )
    assert (
        download.status_code == 200 and download.content == (PACKAGES / name / resource["path"]).read_bytes()
    )


def test_gzip_over_http(server):
    response = requests.get(f"{server}/api/v1/datasets", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert response.headers["Content-Encoding"] == "gzip" and response.json()["total"] == 13


@pytest.fixture(scope="module")
def tricky_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("packages")
    write_package(root, "tricky", TRICKY_FIELDS, TRICKY_ROWS, ["id"])
    write_not_cp932_package(root)
    with running_server(packages_dir=root, cache_dir=tmp_path_factory.mktemp("cache")) as base:
        yield base


def _table(content: bytes, codec: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(codec), newline="")))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
@pytest.mark.parametrize("endpoint", ["rows.csv?id__gte=1&", "download.csv?"])
def test_excel_flavours_neutralise_formulas_and_nothing_else(tricky_server, endpoint, encoding):
    base = f"{tricky_server}/api/v1/datasets/tricky/resources/tricky/"
    plain = _table(requests.get(base + endpoint.rstrip("?&"), timeout=30).content, "utf-8")
    excel = _table(
        requests.get(f"{base}{endpoint}encoding={encoding}&header=name", timeout=30).content,
        "utf-8-sig" if encoding == "utf-8-sig" else "cp932",
    )
    assert plain[1] == ["1", "=SUM(A1:A2)", "-5"]  # UTF-8 stays byte-faithful
    assert excel[0] == plain[0]
    for before, after in zip(plain[1:], excel[1:], strict=True):
        assert after[0] == before[0] and after[2] == before[2]  # numbers untouched, -5 included
        if before[1][:1] in ("=", "+", "-", "@", "\t"):
            assert after[1] == "'" + before[1]
        else:
            assert after[1] == before[1]


@pytest.mark.parametrize("endpoint", ["rows.csv?encoding=cp932&id__gte=1", "download.csv?encoding=cp932"])
def test_cp932_refuses_what_it_cannot_hold_naming_row_and_field(tricky_server, endpoint):
    response = requests.get(
        f"{tricky_server}/api/v1/datasets/not-cp932/resources/not-cp932/{endpoint}", timeout=30
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == "encoding" and problem["row"] == 3 and problem["field"] == "name"
    assert "U+20BB7" in problem["detail"]


def test_cp932_holds_the_nec_and_ibm_extensions(tricky_server):
    response = requests.get(
        f"{tricky_server}/api/v1/datasets/not-cp932/resources/not-cp932/rows.csv?encoding=cp932&id=1",
        timeout=30,
    )
    assert response.status_code == 200 and "髙橋" in response.content.decode("cp932")
