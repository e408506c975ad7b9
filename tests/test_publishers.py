"""Publishers: each dataset names one; the catalog lists them and filters by them everywhere.

The shipped catalog has one publisher, 神奈川県. A second one appears only here, in test
sample data labelled as such: サンプル市 is no real municipality, and 999997 no real code
(there is no prefecture 99; the 7 is the check digit the code's first five digits give).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opendata.catalog import load_catalog
from opendata.ckan.client import Ckan
from opendata.ckan.sync import push
from tests.ckan.fake import FakeCkan
from tests.conftest import ClosingClient, published_app
from tests.crafted import write_package

KANAGAWA = {"localGovernmentCode": "140007", "title": "神奈川県", "titleEnglish": "Kanagawa Prefecture"}
SAMPLE = {
    "localGovernmentCode": "999997",
    "title": "サンプル市（テスト用）",
    "titleEnglish": "Sample City (test data)",
}
FIELDS = [{"name": "id", "type": "integer"}, {"name": "count", "type": "integer"}]


def write_published_by(root: Path, name: str, publisher: dict) -> Path:
    directory = write_package(root, name, FIELDS, [[1, 10], [2, 20]], ["id"])
    descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["publisher"] = publisher
    (directory / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("packages")
    write_published_by(root, "sample-prefecture-table", KANAGAWA)
    write_published_by(root, "sample-city-table", SAMPLE)
    write_published_by(root, "sample-city-other-table", SAMPLE)
    return root


@pytest.fixture(scope="module")
def client(packages, tmp_path_factory):
    app = published_app(packages, tmp_path_factory.mktemp("served"))
    app.test_client_class = ClosingClient
    return app.test_client()


def test_the_api_lists_publishers_with_their_datasets(client):
    body = client.get("/api/v1/publishers").get_json()
    assert {(p["name"], p["local_government_code"], p["datasets"]) for p in body["publishers"]} == {
        ("kanagawa-prefecture", "140007", 1),
        ("sample-city-test-data", "999997", 2),
    }
    one = client.get("/api/v1/publishers/999997").get_json()
    assert one["title"] == SAMPLE["title"] and [d["name"] for d in one["datasets"]] == [
        "sample-city-other-table",
        "sample-city-table",
    ]
    assert client.get("/api/v1/publishers/nobody").status_code == 404


@pytest.mark.parametrize(
    ("publisher", "names"),
    [
        ("kanagawa-prefecture", ["sample-prefecture-table"]),
        ("140007", ["sample-prefecture-table"]),
        ("sample-city-test-data", ["sample-city-other-table", "sample-city-table"]),
    ],
)
def test_the_catalog_filters_by_publisher(client, publisher, names):
    body = client.get(f"/api/v1/datasets?publisher={publisher}").get_json()
    assert [d["name"] for d in body["datasets"]] == names
    assert all(d["organization"]["name"] for d in body["datasets"])
    assert f"publisher={publisher}" in body["links"]["self"]


def test_an_unknown_publisher_filter_is_a_404_naming_it(client):
    response = client.get("/api/v1/datasets?publisher=nobody")
    assert response.status_code == 404 and response.get_json()["parameter"] == "publisher"
    assert "kanagawa-prefecture" in response.get_json()["detail"]


def test_each_publisher_has_a_web_page_linked_from_its_datasets(client):
    page = client.get("/publishers/sample-city-test-data").get_data(as_text=True)
    assert (
        "サンプル市（テスト用）" in page
        and "sample-city-table" in page
        and "sample-prefecture-table" not in page
    )
    assert client.get("/publishers/nobody").status_code == 404
    dataset = client.get("/datasets/sample-city-table").get_data(as_text=True)
    assert 'href="/publishers/sample-city-test-data"' in dataset


def test_the_ckan_push_makes_one_organization_per_publisher(packages):
    fake = FakeCkan()
    lines: list[str] = []
    catalog = load_catalog(packages)
    client = Ckan(fake, url=fake.address, token="secret-token-0123456789", timeout=7)
    push(
        client,
        catalog,
        organization_name="kanagawa-prefecture",
        api="https://x.example/api/v1",
        echo=lines.append,
    )
    assert "organization kanagawa-prefecture: created" in lines
    assert "organization sample-city-test-data: created" in lines
    owners = {p.name: fake.package_show({"id": p.id}, None)["organization"]["name"] for p in catalog}
    assert owners == {
        "sample-prefecture-table": "kanagawa-prefecture",
        "sample-city-table": "sample-city-test-data",
        "sample-city-other-table": "sample-city-test-data",
    }
    org = fake.organization_show({"id": "sample-city-test-data"}, None)
    assert org["title"] == SAMPLE["title"] and "999997" in org["description"]


def test_every_shipped_package_names_its_publisher():
    from tests.conftest import PACKAGES

    for package in load_catalog(PACKAGES):
        assert package.descriptor["publisher"] == KANAGAWA, package.name


def test_the_ckan_api_has_one_organization_per_publisher(client):
    def action(name, **params):
        return client.get(f"/api/3/action/{name}", query_string=params).get_json()["result"]

    assert action("organization_list") == ["kanagawa-prefecture", "sample-city-test-data"]
    city = action("organization_show", id="sample-city-test-data", include_datasets="true")
    assert city["title"] == SAMPLE["title"] and city["package_count"] == 2
    assert sorted(p["name"] for p in city["packages"]) == ["sample-city-other-table", "sample-city-table"]
    shown = action("package_show", id="sample-city-table")
    assert shown["organization"]["name"] == "sample-city-test-data" and shown["owner_org"] == city["id"]
    found = action("package_search", fq="organization:kanagawa-prefecture")
    assert [p["name"] for p in found["results"]] == ["sample-prefecture-table"]
