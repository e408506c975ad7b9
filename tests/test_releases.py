"""Releases over HTTP and the CLI: the list, past releases' paths, diffs by key, pruning."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opendata.app import create_app
from opendata.publish.pipeline import publish_package
from tests.conftest import ROOT, ClosingClient
from tests.crafted import write_package

NAME = "sample-counts"  # test sample data, not the report's
API = f"/api/v1/datasets/{NAME}"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "label", "type": "string", "title": "区分"},
    {"name": "amount", "type": "integer", "title": "件数"},
]


@pytest.fixture
def two_releases(tmp_path: Path):
    """Release A, then B: row 2 changed, row 3 removed, row 4 added, a field retitled and one added."""
    releases = tmp_path / "releases"
    directory = write_package(
        tmp_path / "a", NAME, FIELDS, [[1, "x", 10], [2, "y", 20], [3, "z", 30]], ["id"]
    )
    a = publish_package(directory, releases).release
    fields = [*FIELDS[:2], {**FIELDS[2], "title": "相談件数"}, {"name": "note", "type": "string"}]
    rows = [[1, "x", 10, ""], [2, "y", 25, "訂正"], [4, "w", 40, ""]]
    b = publish_package(write_package(tmp_path / "b", NAME, fields, rows, ["id"]), releases).release
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache")})
    app.test_client_class = ClosingClient
    return a, b, releases, app.test_client()


def test_the_releases_list_names_each_release_with_its_changes(two_releases):
    a, b, _, client = two_releases
    body = client.get(f"{API}/releases").get_json()
    assert body["current"] == b
    assert [r["id"] for r in body["releases"]] == [b, a]
    newest, oldest = body["releases"]
    assert newest["current"] and not oldest["current"]
    assert newest["changes"]["rows"] == {"added": 1, "removed": 1, "changed": 1}
    assert newest["changes"]["schema_changes"] == 2  # a field added, one retitled
    assert oldest["changes"] == {"first": True}
    assert newest["digest"].startswith(f"sha256:{b}") and newest["bytes"] > 0 and newest["published"]
    assert newest["links"]["diff"].endswith(f"/diff?from={a}&to={b}")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/datapackage.json",
        "/download.zip",
        f"/resources/{NAME}",
        f"/resources/{NAME}/rows",
        f"/resources/{NAME}/rows.csv",
        f"/resources/{NAME}/download.csv?encoding=cp932",
    ],
)
def test_every_dataset_path_is_served_as_of_a_release_and_is_immutable(two_releases, path):
    a, _, _, client = two_releases
    response = client.get(f"{API}/releases/{a}{path}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    current = client.get(f"{API}{path}")
    assert current.status_code == 200 and "immutable" not in current.headers["Cache-Control"]
    assert response.headers["ETag"] != current.headers["ETag"]


def test_a_past_release_serves_its_own_rows_and_links(two_releases):
    a, _, _, client = two_releases
    body = client.get(f"{API}/releases/{a}/resources/{NAME}/rows").get_json()
    assert [r["amount"] for r in body["rows"]] == [10, 20, 30]
    detail = client.get(f"{API}/releases/{a}").get_json()
    assert detail["links"]["self"].endswith(f"{API}/releases/{a}") and detail["release"]["id"] == a
    assert client.get(f"{API}/resources/{NAME}/rows").get_json()["rows"][1]["note"] == "訂正"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/releases/0123456789abcdef", "release"),
        ("/diff?from=0123456789abcdef", "from"),
        ("/diff?to=0123456789abcdef", "to"),
        ("/diff?colour=red", None),
    ],
)
def test_unknown_releases_are_problems(two_releases, path, parameter):
    client = two_releases[3]
    response = client.get(f"{API}{path}")
    assert response.status_code in (400, 404)
    assert response.content_type == "application/problem+json"
    if parameter:
        assert response.get_json()["parameter"] == parameter


def test_the_diff_lists_schema_changes_and_rows_by_primary_key(two_releases):
    a, b, _, client = two_releases
    body = client.get(f"{API}/diff?from={a}&to={b}").get_json()
    assert (body["from"], body["to"]) == (a, b)
    (resource,) = body["resources"]
    assert resource["schema"]["added"] == ["note"]
    assert resource["schema"]["retitled"] == [{"field": "amount", "old": "件数", "new": "相談件数"}]
    assert resource["rows"]["added"] == [{"id": 4, "label": "w", "amount": 40, "note": None}]
    assert resource["rows"]["removed"] == [{"id": 3, "label": "z", "amount": 30}]
    assert resource["rows"]["changed"] == [{"key": {"id": 2}, "changes": {"amount": {"old": 20, "new": 25}}}]
    assert client.get(f"{API}/diff").get_json() == body  # defaults: the current release and the one before


def test_the_diff_as_csv_and_on_the_command_line(two_releases):
    a, b, releases, client = two_releases
    response = client.get(f"{API}/diff.csv?from={a}&to={b}")
    records = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert records[0] == ["resource", "change", "key", "field", "old", "new"]
    assert [NAME, "value changed", "id=2", "amount", "20", "25"] in records
    assert [NAME, "field added", "", "note", "", ""] in records
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(releases)}
    result = subprocess.run(
        [sys.executable, "-m", "opendata", "diff", NAME, a, b],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "value changed  sample-counts id=2 amount: 20 -> 25" in result.stdout
    assert "row removed" in result.stdout and "row added" in result.stdout
    wrong = subprocess.run(
        [sys.executable, "-m", "opendata", "diff", NAME, a, "feedfeedfeedfeed"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr and "feedfeedfeedfeed" in wrong.stderr


def test_prune_keeps_the_newest_and_never_the_current(two_releases):
    a, b, releases, client = two_releases
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(releases)}
    result = subprocess.run(
        [sys.executable, "-m", "opendata", "releases", "prune", "--keep", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert f"removed {NAME} {a}" in result.stdout and f"kept    {NAME} {b}" in result.stdout
    assert " kB" in result.stdout and "freed" in result.stdout
    assert not (releases / NAME / a).exists() and (releases / NAME / b).exists()
    assert client.get(f"{API}/releases/{a}").status_code == 404
    assert [r["id"] for r in client.get(f"{API}/releases").get_json()["releases"]] == [b]
    shutil.rmtree(releases / NAME / b / "downloads")  # the current release is still served from the store
    assert client.get(f"{API}/resources/{NAME}/rows").status_code == 200


def test_the_dataset_page_lists_the_releases_and_links_a_diff_view(two_releases):
    a, b, _, client = two_releases
    page = client.get(f"/datasets/{NAME}?lang=en").get_data(as_text=True)
    assert a in page and b in page and "First release" in page
    assert "1 rows added, 1 removed, 1 changed; 2 schema changes" in page
    assert f"{API}/releases/{a}/download.zip" in page
    diff_path = f"/datasets/{NAME}/diff?from={a}&amp;to={b}&amp;lang=en"
    assert diff_path in page
    view = client.get(diff_path.replace("&amp;", "&"))
    assert view.status_code == 200
    text = view.get_data(as_text=True)
    assert (
        "相談件数" in text and "<td>20</td><td>25</td>" in text and f"/diff.csv?from={a}&amp;to={b}" in text
    )
    assert client.get(f"/datasets/{NAME}/diff?from=0123456789abcdef").status_code == 404


def test_harvesters_see_the_releases_as_versions(two_releases):
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, RDF

    from opendata.harvest.dcat import DCAT

    a, b, _releases, client = two_releases
    graph = Graph().parse(data=client.get(f"/dataset/{NAME}.ttl").get_data(as_text=True), format="turtle")
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)  # a release is no dataset of its own
    versions = {str(v).rsplit("/", 1)[-1] for v in graph.objects(dataset, DCAT.hasVersion)}
    assert versions == {a, b}
    (current,) = graph.objects(dataset, DCAT.hasCurrentVersion)
    assert str(current).endswith(f"{API}/releases/{b}")
    assert (current, DCAT.isVersionOf, dataset) in graph
    assert (current, DCAT.previousVersion, URIRef(str(current).replace(b, a))) in graph
    assert graph.value(dataset, DCTERMS.modified) is not None
    shown = client.get(f"/api/3/action/package_show?id={NAME}").get_json()["result"]
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    published = next(r for r in client.get(f"{API}/releases").get_json()["releases"] if r["id"] == b)
    assert extras["release"] == b and extras["release_published"] == published["published"]
    assert shown["metadata_modified"] == published["published"].removesuffix("Z")


def _mark_older_layout(releases: Path, release: str) -> None:
    """Make `release` look written by an older version of the service (another store layout)."""
    import json

    path = releases / NAME / release / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.pop("artefactsFormat")
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_release_of_an_older_layout_is_not_served_and_never_a_500(two_releases, tmp_path):
    a, b, releases, _ = two_releases
    _mark_older_layout(releases, b)  # the current release
    _mark_older_layout(releases, a)
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache2")})
    app.test_client_class = ClosingClient
    client = app.test_client()
    for path in (API, f"{API}/resources/{NAME}/rows", f"{API}/releases/{a}/resources/{NAME}/rows"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_publishing_over_a_release_of_an_older_layout_rebuilds_and_serves(two_releases, tmp_path):
    a, b, releases, _ = two_releases
    _mark_older_layout(releases, b)
    rows = [[1, "x", 11], [5, "v", 50]]
    outcome = publish_package(write_package(tmp_path / "c", NAME, FIELDS, rows, ["id"]), releases)
    assert outcome.status == "published" and outcome.release not in (a, b)
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache3")})
    body = app.test_client().get(f"{API}/resources/{NAME}/rows").get_json()
    assert [row["amount"] for row in body["rows"]] == [11, 50]
