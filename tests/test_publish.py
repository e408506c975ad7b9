"""Publishing: releases named by content, safe against invalid packages, crashes and edits."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from opendata.app import create_app
from opendata.publish.pipeline import STEPS, publish_package
from opendata.publish.releases import STAGING, current_id, list_releases
from tests.conftest import ROOT, ClosingClient

NAME = "hikikomori-consultations"
API = f"/api/v1/datasets/{NAME}"
FLAVOURS = [
    f"encoding={e}&header=title&newline={n}" for e in ("utf-8", "utf-8-sig", "cp932") for n in ("lf", "crlf")
]


@pytest.fixture
def site(package_copy: Path):
    """A copy of the shipped packages and schemas, one package published, and a client."""
    source = package_copy / "datapackages" / NAME
    schemas, releases = package_copy / "schemas", package_copy / "releases"

    def publish(**kwargs):
        return publish_package(source, releases, schemas, **kwargs)

    first = publish()
    app = create_app(
        {"RELEASES_DIR": str(releases), "CACHE_DIR": str(package_copy / "cache"), "RELEASE_CHECK_INTERVAL": 0}
    )
    app.test_client_class = ClosingClient
    return source, schemas, releases, publish, first, app.test_client()


def retitle(schemas: Path, field: str, title: str) -> None:
    path = schemas / NAME / f"{NAME}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == field)["title"] = title
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def first_field(source: Path) -> str:
    return json.loads((source / "datapackage.json").read_text("utf-8"))["resources"][0]["schema"]["fields"][
        0
    ]["name"]


def titles_served(client, prefix: str, field: str) -> set[str]:
    """The field's title as the JSON, every CSV flavour's header and the zip give it."""
    seen = set()
    resource = client.get(f"{prefix}/resources/{NAME}").get_json()
    seen.add(next(f["title"] for f in resource["schema"]["fields"] if f["name"] == field))
    for flavour in FLAVOURS:
        response = client.get(f"{prefix}/resources/{NAME}/download.csv?{flavour}")
        assert response.status_code == 200, flavour
        codec = "cp932" if "cp932" in flavour else "utf-8-sig"
        seen.add(response.data.decode(codec).splitlines()[0].split(",")[0])
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{prefix}/download.zip").data))
    schema = json.loads(archive.read(f"{NAME}/schemas/{NAME}.json"))
    seen.add(next(f["title"] for f in schema["fields"] if f["name"] == field))
    return seen


def test_a_schema_only_change_is_a_new_release_everywhere_and_the_old_one_stays(site):
    source, schemas, _releases, publish, first, client = site
    field = first_field(source)
    old_title = titles_served(client, API, field)
    assert len(old_title) == 1
    retitle(schemas, field, "改題された見出し")
    second = publish()
    assert second.status == "published" and second.release != first.release
    assert titles_served(client, API, field) == {"改題された見出し"}
    assert "改題された見出し" in client.get(f"/datasets/{NAME}").get_data(as_text=True)
    assert titles_served(client, f"{API}/releases/{first.release}", field) == old_title


def test_editing_the_source_csv_in_place_changes_nothing_served(site):
    source, _, _, _, _first, client = site
    before = client.get(f"{API}/resources/{NAME}/download.csv")
    rows = client.get(f"{API}/resources/{NAME}/rows").get_json()["rows"]
    data = source / "data" / f"{NAME}.csv"
    data.write_text(data.read_text("utf-8").replace("1", "7"), encoding="utf-8")
    after = client.get(f"{API}/resources/{NAME}/download.csv")
    assert after.data == before.data and after.headers["ETag"] == before.headers["ETag"]
    assert client.get(f"{API}/resources/{NAME}/rows").get_json()["rows"] == rows
    held = client.get(
        f"{API}/resources/{NAME}/download.csv", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert held.status_code == 304


def test_republishing_the_same_content_is_unchanged_and_byte_identical(site, tmp_path):
    source, schemas, releases, publish, first, client = site
    assert publish().status == "unchanged"
    again = publish_package(source, tmp_path / "elsewhere", schemas)
    assert again.release == first.release
    built = releases / NAME / first.release / "downloads"
    rebuilt = tmp_path / "elsewhere" / NAME / first.release / "downloads"
    assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in rebuilt.iterdir())
    for path in built.iterdir():
        assert path.read_bytes() == (rebuilt / path.name).read_bytes(), path.name
    import hashlib

    response = client.get(f"{API}/download.zip")
    assert response.headers["ETag"].strip('"') == hashlib.sha256(response.data).hexdigest()[:32]


def test_an_invalid_package_is_not_published_and_its_last_good_release_stays(site):
    source, _, releases, publish, first, client = site
    data = source / "data" / f"{NAME}.csv"
    data.write_text(data.read_text("utf-8").replace(",402\n", ",403\n"), encoding="utf-8")
    outcome = publish()
    assert outcome.status == "invalid" and outcome.report is not None
    assert any(i.rule.startswith("sum") for i in outcome.report.issues)  # the total no longer adds up
    assert all(str(source) in i.file for i in outcome.report.issues)
    assert current_id(releases, NAME) == first.release
    assert client.get(f"{API}").get_json()["release"]["id"] == first.release
    assert not (releases / NAME / STAGING).exists()


def test_the_cli_publishes_the_valid_packages_and_exits_1_for_an_invalid_one(package_copy):
    packages = package_copy / "datapackages"
    data = packages / NAME / "data" / f"{NAME}.csv"
    data.write_text(data.read_text("utf-8").replace(",402\n", ",403\n"), encoding="utf-8")
    env = {**os.environ, "OPENDATA_RELEASES_DIR": str(package_copy / "releases")}
    env["OPENDATA_SCHEMAS_DIR"] = str(package_copy / "schemas")
    result = subprocess.run(
        [sys.executable, "-m", "opendata", "publish", str(packages)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "[sum" in result.stderr and f"not published: {NAME}" in result.stderr
    assert "Traceback" not in result.stderr
    published = {p.name for p in (package_copy / "releases").iterdir() if (p / "current").is_symlink()}
    from opendata.catalog.loader import package_dirs

    assert NAME not in published and len(published) == len(package_dirs(packages)) - 1


KILL = """
import os, signal, sys
from pathlib import Path
from opendata.publish.pipeline import publish_package

def hook(step):
    if step == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGKILL)

publish_package(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), hook=hook)
"""


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_any_step_leaves_the_previous_release_served(site, step):
    source, schemas, releases, publish, first, client = site
    retitle(schemas, first_field(source), "途中で止まった版")
    process = subprocess.run(
        [sys.executable, "-c", KILL, step, str(source), str(releases), str(schemas)], cwd=ROOT, timeout=120
    )
    assert process.returncode == -signal.SIGKILL
    assert current_id(releases, NAME) == first.release
    assert [r.id for r in list_releases(releases, NAME)] == [first.release]
    assert client.get(API).get_json()["release"]["id"] == first.release
    assert client.get(f"{API}/resources/{NAME}/rows").status_code == 200
    finished = publish()
    assert finished.status == "published" and current_id(releases, NAME) == finished.release
    assert client.get(API).get_json()["release"]["id"] == finished.release
    assert not (releases / NAME / STAGING).exists()


def test_ctrl_c_during_publish_leaves_the_previous_release_current(site):
    source, schemas, releases, publish, first, _ = site
    retitle(schemas, first_field(source), "中断された版")

    def interrupt(step: str) -> None:
        if step == "downloads":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(hook=interrupt)
    assert current_id(releases, NAME) == first.release
    assert not (releases / NAME / STAGING).exists()


def test_renaming_a_field_in_the_schema_alone_is_refused_and_rows_keep_their_values(site):
    source, schemas, releases, publish, first, client = site
    field = first_field(source)
    path = schemas / NAME / f"{NAME}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][0]["name"] = f"{field}_renamed"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    outcome = publish()
    assert outcome.status == "invalid"  # the CSV's header no longer matches the schema
    assert current_id(releases, NAME) == first.release
    rows = client.get(f"{API}/resources/{NAME}/rows").get_json()["rows"]
    assert all(row[field] != field for row in rows)
    renamed = client.get(f"{API}/resources/{NAME}/rows?{field}_renamed={field}_renamed")
    assert renamed.status_code == 400


def test_the_server_opens_100_published_packages_in_well_under_2_s(tmp_path):
    import time

    from tests.crafted import write_package

    releases = tmp_path / "releases"
    fields = [{"name": "id", "type": "integer"}, {"name": "count", "type": "integer"}]
    for number in range(100):  # test sample data
        directory = write_package(
            tmp_path / "packages", f"sample-{number:03d}", fields, [[1, number]], ["id"]
        )
        assert publish_package(directory, releases).status == "published"
    started = time.monotonic()
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache")})
    app.test_client_class = ClosingClient
    body = app.test_client().get("/api/v1/datasets?limit=100").get_json()
    assert time.monotonic() - started < 2
    assert body["total"] == 100


def test_a_new_release_shares_the_files_it_did_not_change_with_the_one_before(site):
    source, schemas, releases, publish, first, _ = site
    retitle(schemas, first_field(source), "題だけ変えた版")
    second = publish()
    old, new = releases / NAME / first.release, releases / NAME / second.release
    same = f"downloads/{NAME}.utf-8-sig.name.crlf.csv"  # field names only: the same bytes
    changed = f"downloads/{NAME}.utf-8-sig.title.crlf.csv"
    assert (old / same).stat().st_ino == (new / same).stat().st_ino
    assert (old / f"data/{NAME}.csv").stat().st_ino == (new / f"data/{NAME}.csv").stat().st_ino
    assert (old / changed).stat().st_ino != (new / changed).stat().st_ino
    listed = {r.id: r for r in list_releases(releases, NAME)}
    assert 0 < listed[second.release].unshared_bytes() < listed[second.release].bytes


def test_the_search_entry_is_written_at_publish_time_and_read_from_the_release(site, tmp_path):
    _, _, releases, _, first, _ = site
    manifest_path = releases / NAME / first.release / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert "ひきこもり" in manifest["search"]["text"]
    # The table's text cells are in the entry too, each place named for the match reasons.
    places = dict(manifest["search"]["places"])
    assert "電話" in places[f"table:{NAME}.channel_label"]
    # The server indexes what the release says, not what it would compute again: the search
    # reads the entry's places (the place-based search says where a word was found).
    manifest["search"]["places"].append(["description", "publishedsearchentry"])
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache")})
    found = app.test_client().get("/api/v1/datasets?q=publishedsearchentry").get_json()
    assert [d["name"] for d in found["datasets"]] == [NAME]
    assert found["datasets"][0]["matched"][0]["where"] == "description"
