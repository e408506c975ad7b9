"""The CKAN-compatible read API at /api/3/action/: envelope, errors, search semantics, harvest needs."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from datetime import datetime, timedelta

import pytest

from opendata.catalog import load_catalog
from opendata.catalog.changes import modification_times, parse_time
from opendata.catalog.models import file_digest
from opendata.formats import registry
from tests.conftest import PACKAGES

CATALOG = load_catalog(PACKAGES)
IDS = sorted(p.id for p in CATALOG)
CKAN_TAG = re.compile(r"[\w \-.]*$")
CKAN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$")  # datetime.isoformat(), as CKAN


def action(client, act, method="GET", /, *, prefix="/api/3/action", **params):
    if method == "POST":
        response = client.post(f"{prefix}/{act}", json=params)
    else:
        response = client.get(f"{prefix}/{act}", query_string=params)
    return response, response.get_json()


def result(client, act, /, **params):
    response, body = action(client, act, **params)
    assert response.status_code == 200, body
    assert body["success"] is True and body["help"].endswith(f"/api/3/action/help_show?name={act}")
    return body["result"]


@pytest.mark.parametrize(
    ("name", "params", "status", "error_type", "detail"),
    [
        ("no_such_action", {}, 400, "Bad Request", "Action name not known: no_such_action"),
        ("package_create", {"name": "x"}, 403, "Authorization Error", "read-only"),
        ("resource_patch", {"id": "x"}, 403, "Authorization Error", "read-only"),
        ("package_show", {"id": "no-such-dataset"}, 404, "Not Found Error", "Not found"),
        ("package_show", {}, 409, "Validation Error", "name_or_id"),
        ("organization_show", {"id": "someone-else"}, 404, "Not Found Error", "Organization was not found"),
        ("group_show", {"id": "g"}, 404, "Not Found Error", "Group was not found"),
        ("package_search", {"rows": "many"}, 409, "Validation Error", "rows"),
        ("package_search", {"start": "-1"}, 409, "Validation Error", "start"),
        (
            "package_search",
            {"colour": "blue"},
            400,
            "Search Query Error",
            "Invalid search parameters: ['colour']",
        ),
        ("package_search", {"fq": "nosuchfield:x"}, 400, "Search Query Error", "undefined field nosuchfield"),
        ("package_search", {"fq": "(organization:x"}, 400, "Search Query Error", "missing )"),
        ("package_search", {"sort": "colour asc"}, 400, "Search Query Error", "cannot sort on field colour"),
        ("package_search", {"sort": "name upwards"}, 400, "Search Query Error", "use 'field asc'"),
        ("package_search", {"fq": "metadata_modified:[yesterday TO *]"}, 400, "Search Query Error", "date"),
        (
            "package_search",
            {"facet.field": '["colour"]'},
            400,
            "Search Query Error",
            "cannot facet on colour",
        ),
        ("package_list", {"limit": "x"}, 409, "Validation Error", "limit"),
        ("help_show", {"name": "nope"}, 404, "Not Found Error", "Action function not found"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_errors_use_ckans_envelope_type_and_status(client, name, params, status, error_type, detail, method):
    response, body = action(client, name, method, **params)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert body["success"] is False and "result" not in body
    assert body["error"]["__type"] == error_type
    assert detail in json.dumps(body["error"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"{not json", "application/json", "JSON Error"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (b"x" * 70000, "application/json", "request body over"),
    ],
)
def test_a_malformed_post_body_is_a_400_in_the_envelope(client, data, content_type, message):
    response = client.post("/api/3/action/package_list", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["success"] is False and message in response.get_json()["error"]["message"]


@pytest.mark.parametrize("prefix", ["/api/3/action", "/api/action"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_both_paths_and_both_methods_answer(client, prefix, method):
    response, body = action(client, "package_list", method, prefix=prefix)
    assert response.status_code == 200 and body["result"] == sorted(p.name for p in CATALOG)


def test_package_show_has_ckans_shape_with_stable_uuids(client):
    for package in CATALOG:
        by_name = result(client, "package_show", id=package.name)
        assert by_name == result(client, "package_show", id=package.id)
        assert by_name["id"] == package.id and by_name["name"] == package.name
        assert by_name["type"] == "dataset" and by_name["state"] == "active" and by_name["private"] is False
        assert by_name["license_id"] == "cc-by" and by_name["isopen"] is True
        assert by_name["organization"]["name"] == "kanagawa-prefecture"
        assert by_name["owner_org"] == by_name["organization"]["id"]
        assert CKAN_TIME.match(by_name["metadata_modified"]) and CKAN_TIME.match(by_name["metadata_created"])
        assert all(2 <= len(t["name"]) <= 100 and CKAN_TAG.match(t["name"]) for t in by_name["tags"])
        assert by_name["num_tags"] == len(by_name["tags"])
        resources = by_name["resources"]
        per_table = ["CSV", *(f.extension.upper() for f in registry.prebuilt())]  # every shipped table fits
        assert by_name["num_resources"] == len(resources) == len(package.resources) * len(per_table) + 2
        assert [r["position"] for r in resources] == list(range(len(resources)))
        for resource in resources:
            assert uuid.UUID(resource["id"]).version == 5 and resource["package_id"] == package.id
            assert resource["url"].startswith("http://localhost/api/v1/datasets/")
        assert [r["format"] for r in resources] == per_table * len(package.resources) + ["JSON", "API"]


def test_every_csv_resource_url_downloads_the_shipped_file(client):
    for package in CATALOG:
        shown = result(client, "package_show", id=package.id)
        tables = [r for r in shown["resources"] if r["format"] == "CSV"]
        for resource, spec in zip(package.resources, tables, strict=True):
            response = client.get(spec["url"].removeprefix("http://localhost"))
            assert response.status_code == 200
            assert response.data == resource.path.read_bytes()
            assert spec["hash"] == f"sha256:{file_digest(resource.path)}" and spec["size"] == len(
                response.data
            )
            assert json.loads(spec["schema"]) == resource.schema


def test_every_format_resource_downloads_the_file_of_the_release(client):
    """Each table's XLSX, Parquet ...: the registry's format and media type, the release's
    file at its URL, and the size and checksum of what that URL sends."""
    by_media_type = {f.media_type: f for f in registry.prebuilt()}
    for package in CATALOG:
        shown = result(client, "package_show", id=package.id)
        formats = [r for r in shown["resources"] if r["mimetype"] in by_media_type]
        assert len(formats) == len(package.resources) * len(by_media_type)
        for spec in formats:
            fmt = by_media_type[spec["mimetype"]]
            assert spec["format"] == fmt.extension.upper()
            assert spec["url"].endswith(f"/resources/{spec['frictionless_name']}/download.{fmt.extension}")
            response = client.get(spec["url"].removeprefix("http://localhost"))
            assert response.status_code == 200 and response.mimetype == fmt.media_type
            assert spec["size"] == len(response.data)
            assert spec["hash"] == f"sha256:{hashlib.sha256(response.data).hexdigest()}"


def test_package_search_defaults_to_ten_rows_and_counts_all(client):
    found = result(client, "package_search")
    assert found["count"] == 13 and len(found["results"]) == 10


def test_rows_above_1000_are_clamped_as_ckan_clamps_them(client):
    found = result(client, "package_search", rows=5000)
    assert found["count"] == 13 and len(found["results"]) == 13


def test_paging_by_id_as_the_ckan_harvester_pages(client):
    """rows=5, start += 5, sort=id asc until an empty page; no two pages alike."""
    pages, start = [], 0
    while True:
        page = result(client, "package_search", rows=5, start=start, sort="id asc")["results"]
        if not page:
            break
        pages.append([p["id"] for p in page])
        start += 5
    assert len(pages) == 3 and len({tuple(p) for p in pages}) == 3
    assert [i for page in pages for i in page] == IDS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"fq": "organization:kanagawa-prefecture"}, 13),
        ({"fq": "organization:someone-else"}, 0),
        ({"fq": "-organization:kanagawa-prefecture"}, 0),
        ({"fq": "organization:someone-else OR organization:kanagawa-prefecture"}, 13),
        ({"fq": "metadata_modified:[2000-01-01T00:00:00Z TO *]"}, 13),
        ({"fq": "metadata_modified:[2999-01-01T00:00:00Z TO *]"}, 0),
        ({"fq": "organization:kanagawa-prefecture metadata_modified:[2999-01-01T00:00:00Z TO *]"}, 0),
        ({"fq": "metadata_modified:[* TO NOW]"}, 13),
        ({"fq": "metadata_created:{* TO 2000-01-01}"}, 0),
        ({"fq": "+dataset_type:dataset +capacity:public"}, 13),
        ({"fq": "name:key-figures"}, 1),
        ({"fq": "name:key-*"}, 1),
        ({"fq": 'tags:"key figures"'}, 1),
        ({"fq": "res_format:CSV"}, 13),
        ({"fq": "num_resources:[11 TO *]"}, 1),  # 3 tables: CSV, XLSX, Parquet each, and 2 more
        ({"fq": "extras_page:9"}, 2),
        ({"fq_list": '["organization:kanagawa-prefecture", "name:key-figures"]'}, 1),
        ({"q": "*:*"}, 13),
        ({"q": "ひきこもり"}, 1),
        ({"q": "ヒキコモリ"}, 1),  # folded as the catalog search folds it
        ({"q": "相談 依存症"}, 1),
        ({"q": "name:dialogue-forum"}, 1),
        ({"q": "NOT name:dialogue-forum"}, 12),
        ({"q": "hikikomori OR addiction"}, 2),
        ({"q": "(hikikomori OR addiction) AND 相談"}, 2),
    ],
)
def test_package_search_filters(client, params, expected):
    assert result(client, "package_search", rows=1000, **params)["count"] == expected


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("id asc", "id", False),
        ("id desc", "id", True),
        ("name asc", "name", False),
        ("title_string desc", "title", True),
        ("metadata_modified desc, id asc", "metadata_modified", True),
    ],
)
def test_package_search_sorts(client, sort, key, reverse):
    found = result(client, "package_search", rows=100, sort=sort)["results"]
    values = [p[key] for p in found]
    assert values == sorted(values, reverse=reverse) and len(values) == 13


def test_title_matches_rank_first_by_default(client):
    found = result(client, "package_search", q="相談")["results"]
    assert "相談" in found[0]["title"]


def test_facets_and_field_lists(client):
    found = result(client, "package_search", rows=0, **{"facet.field": '["organization", "res_format"]'})
    assert found["facets"]["organization"] == {"kanagawa-prefecture": 13}
    assert found["search_facets"]["organization"]["items"] == [
        {"name": "kanagawa-prefecture", "display_name": "神奈川県", "count": 13}
    ]
    assert found["facets"]["res_format"] == {"CSV": 13, "XLSX": 13, "PARQUET": 13, "JSON": 13, "API": 13}
    slim = result(client, "package_search", fl="id,name", rows=3)["results"]
    assert all(set(p) == {"id", "name"} for p in slim)


def test_lists_and_organization(client):
    assert result(client, "package_list", limit=2, offset=1) == sorted(p.name for p in CATALOG)[1:3]
    recent = result(client, "current_package_list_with_resources")
    assert len(recent) == 13 and all(p["resources"] for p in recent)
    modified = [p["metadata_modified"] for p in recent]
    assert modified == sorted(modified, reverse=True)
    assert result(client, "current_package_list_with_resources", limit=5, page=3) == recent[10:]
    assert result(client, "organization_list") == ["kanagawa-prefecture"]
    [org] = result(client, "organization_list", all_fields="true")
    assert org["name"] == "kanagawa-prefecture" and org["title"] == "神奈川県" and org["package_count"] == 13
    assert uuid.UUID(org["id"])
    shown = result(client, "organization_show", id=org["id"], include_datasets="true")
    assert shown["name"] == org["name"] and len(shown["packages"]) == 13
    assert "packages" not in result(client, "organization_show", id="kanagawa-prefecture")
    assert result(client, "group_list") == []
    assert "相談" in result(client, "tag_list")
    assert result(client, "license_list")[0]["id"] == "cc-by"
    status = result(client, "status_show")
    assert status["site_url"] == "http://localhost" and status["ckan_version"] == "2.12.0"
    assert result(client, "help_show", name="package_search").startswith("Search datasets")


# metadata_modified moves when the content does


def test_the_ledger_keeps_the_stated_date_until_the_content_changes(tmp_path):
    shutil.copytree(PACKAGES / "key-figures", tmp_path / "p" / "key-figures")
    ledger = tmp_path / "ledger.json"
    first = datetime(2030, 1, 1)
    [package] = load_catalog(tmp_path / "p")
    stated = parse_time(package.created)
    assert modification_times([package], ledger, now=first) == {"key-figures": stated}
    assert modification_times([package], ledger, now=first + timedelta(days=1)) == {"key-figures": stated}
    csv = tmp_path / "p" / "key-figures" / "data" / "key-figures.csv"
    csv.write_bytes(csv.read_bytes() + csv.read_bytes().splitlines(keepends=True)[-1])
    [changed] = load_catalog(tmp_path / "p")
    later = first + timedelta(days=2)
    assert modification_times([changed], ledger, now=later) == {"key-figures": later}
    assert modification_times([changed], ledger, now=later + timedelta(days=5)) == {"key-figures": later}


def test_a_read_only_ledger_falls_back_to_the_descriptor_dates(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    package = CATALOG.get("key-figures")
    times = modification_times([package], blocker / "ledger.json")
    assert times == {"key-figures": parse_time(package.created)}
    assert "cannot keep the modification ledger" in caplog.text


def test_changed_data_gets_a_new_metadata_modified_and_the_rest_keep_theirs(tmp_path):
    from opendata.app import create_app
    from tests.conftest import publish_all, published_app

    packages = tmp_path / "datapackages"
    shutil.copytree(PACKAGES, packages)
    app = published_app(packages, tmp_path)
    before = {p["name"]: p["metadata_modified"] for p in _all(app.test_client())}
    descriptor = packages / "dialogue-forum" / "datapackage.json"
    changed = json.loads(descriptor.read_text(encoding="utf-8"))
    changed["descriptionEnglish"] = "Test sample: a corrected description, published as a new release."
    descriptor.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    publish_all(packages, tmp_path / "releases")
    settings = {"RELEASES_DIR": str(tmp_path / "releases"), "CACHE_DIR": str(tmp_path / "cache")}
    after = {p["name"]: p["metadata_modified"] for p in _all(create_app(settings).test_client())}
    assert after["dialogue-forum"] > before["dialogue-forum"]
    assert {k: v for k, v in after.items() if k != "dialogue-forum"} == {
        k: v for k, v in before.items() if k != "dialogue-forum"
    }
    client = create_app(settings).test_client()
    since = before["dialogue-forum"]
    changed = result(client, "package_search", fq=f"metadata_modified:{{{since}Z TO *]")
    assert [p["name"] for p in changed["results"]] == ["dialogue-forum"]


def _all(client):
    return result(client, "package_search", rows=1000)["results"]


def test_an_unexpected_failure_is_ckans_internal_server_error(client, monkeypatch, caplog):
    from opendata.harvest import actions

    def broken(ctx, params):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setitem(actions.ACTIONS, "package_list", broken)
    response, body = action(client, "package_list")
    assert response.status_code == 500
    assert body["error"] == {"__type": "Internal Server Error", "message": "Internal Server Error"}
    assert "secret detail" not in response.get_data(as_text=True) and "boom" in caplog.text
