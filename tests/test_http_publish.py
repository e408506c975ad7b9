"""Publishing over HTTP with a publisher's token: the same pipeline, and every bad upload a
clear 4xx that publishes nothing. Packages here are test sample data."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from opendata.app import create_app
from opendata.publish import tokens
from opendata.publish.releases import current_id, list_releases
from tests.conftest import ClosingClient
from tests.crafted import write_package

NAME = "sample-uploads"
URL = f"/api/v1/datasets/{NAME}/releases"
OURS = {"localGovernmentCode": "140007", "title": "神奈川県", "titleEnglish": "Kanagawa Prefecture"}
THEIRS = {
    "localGovernmentCode": "999997",
    "title": "サンプル市（テスト用）",
    "titleEnglish": "Sample City (test data)",
}
FIELDS = [{"name": "id", "type": "integer"}, {"name": "count", "type": "integer"}]


def package_files(tmp: Path, rows, *, name: str = NAME, publisher=OURS) -> dict[str, bytes]:
    directory = write_package(tmp, name, FIELDS, rows, ["id"])
    descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["publisher"] = publisher
    (directory / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def zipped(files: dict[str, bytes], *, symlink: str | None = None, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.fixture
def site(tmp_path: Path):
    releases, token_file = tmp_path / "releases", tmp_path / "tokens.json"
    _, ours = tokens.create(token_file, "kanagawa-prefecture")
    _, theirs = tokens.create(token_file, "sample-city-test-data")
    app = create_app(
        {
            "RELEASES_DIR": str(releases),
            "CACHE_DIR": str(tmp_path / "cache"),
            "PUBLISH_TOKENS_FILE": str(token_file),
            "RELEASE_CHECK_INTERVAL": 0,
            "MAX_UPLOAD_BYTES": 200_000,
            "MAX_UPLOAD_UNPACKED_BYTES": 1_000_000,
        }
    )
    app.test_client_class = ClosingClient
    client = app.test_client()
    first = client.post(URL, data=zipped(package_files(tmp_path / "v1", [[1, 10]])), headers=bearer(ours))
    assert first.status_code == 201, first.get_json()
    return client, releases, token_file, ours, theirs, tmp_path


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/zip"}


def test_a_good_upload_is_published_as_a_new_release(site):
    client, releases, token_file, ours, _, tmp = site
    before = current_id(releases, NAME)
    response = client.post(
        URL,
        data=zipped(package_files(tmp / "v2", [[1, 10], [2, 20]]), prefix=f"{NAME}/"),
        headers=bearer(ours),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "published" and body["release"]["current"]
    assert response.headers["Location"].endswith(f"{URL}/{body['release']['id']}")
    assert body["release"]["previous"] == before and current_id(releases, NAME) == body["release"]["id"]
    rows = client.get(f"/api/v1/datasets/{NAME}/resources/{NAME}/rows").get_json()["rows"]
    assert rows == [{"id": 1, "count": 10}, {"id": 2, "count": 20}]
    stored = json.loads(token_file.read_text())
    assert ours not in json.dumps(stored) and all(len(t["sha256"]) == 64 for t in stored["tokens"])


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", "{}")
        archive.writestr("data/zeros.csv", b"0" * 5_000_000)
    return buffer.getvalue()


BAD = [
    ("no token", lambda f, t: (zipped(f), {}), 401, "Authorization"),
    ("wrong token", lambda f, t: (zipped(f), bearer("odp_not-a-token")), 401, "Authorization"),
    ("another publisher's token", lambda f, t: (zipped(f), bearer(t["theirs"])), 403, "publisher"),
    ("oversized body", lambda f, t: (b"PK" + b"x" * 300_000, bearer(t["ours"])), 413, "body"),
    ("zip bomb", lambda f, t: (_bomb(), bearer(t["ours"])), 413, "body"),
    ("`..` in an entry", lambda f, t: (zipped({**f, "../escape.csv": b"a"}), bearer(t["ours"])), 422, "body"),
    ("absolute entry", lambda f, t: (zipped({**f, "/tmp/abs.csv": b"a"}), bearer(t["ours"])), 422, "body"),
    ("symlink entry", lambda f, t: (zipped(f, symlink="data/link.csv"), bearer(t["ours"])), 422, "body"),
    ("malformed zip", lambda f, t: (b"PK\x03\x04 this is no zip", bearer(t["ours"])), 422, "body"),
    (
        "no datapackage.json",
        lambda f, t: (zipped({"data/x.csv": b"id\n1\n"}), bearer(t["ours"])),
        422,
        "body",
    ),
]


@pytest.mark.parametrize(("case", "make", "status", "parameter"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_upload_is_a_clear_4xx_and_publishes_nothing(site, case, make, status, parameter):
    client, releases, _, ours, theirs, tmp = site
    before = [r.id for r in list_releases(releases, NAME)]
    files = package_files(tmp / "bad", [[1, 11]])
    body, headers = make(files, {"ours": ours, "theirs": theirs})
    response = client.post(URL, data=body, headers=headers)
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert response.content_type == "application/problem+json" and problem["parameter"] == parameter
    assert [r.id for r in list_releases(releases, NAME)] == before
    assert not any((releases / ".uploads").iterdir())


def test_an_invalid_package_answers_with_the_validation_report(site):
    client, releases, _, ours, _, tmp = site
    before = current_id(releases, NAME)
    files = package_files(tmp / "invalid", [[1, 10], [1, 12]])  # the primary key repeats
    response = client.post(URL, data=zipped(files), headers=bearer(ours))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("#invalid-package") and problem["issues"]
    assert any(i["rule"] == "primary-key" for i in problem["issues"])
    assert all(not i["file"].startswith("/") for i in problem["issues"])
    assert current_id(releases, NAME) == before


def test_a_token_cannot_publish_another_publishers_dataset(site):
    client, _, _, _, theirs, tmp = site
    files = package_files(tmp / "taken", [[1, 99]], publisher=THEIRS)  # their package, our dataset's name
    response = client.post(URL, data=zipped(files), headers=bearer(theirs))
    assert response.status_code == 403 and response.get_json()["parameter"] == "name"


def test_the_package_must_be_the_dataset_of_the_path(site):
    client, _, _, ours, _, tmp = site
    files = package_files(tmp / "other", [[1, 1]], name="sample-other-name")
    response = client.post(URL, data=zipped(files), headers=bearer(ours))
    assert response.status_code == 422 and response.get_json()["parameter"] == "name"


def test_tokens_are_created_listed_and_revoked_on_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "OPENDATA_PUBLISH_TOKENS_FILE": str(tmp_path / "tokens.json")}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "opendata", "tokens", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )

    created = run("create", "kanagawa-prefecture")
    secret = created.stdout.strip()
    assert created.returncode == 0 and secret.startswith("odp_")
    token = tokens.find(tmp_path / "tokens.json", secret)
    assert token is not None and secret not in (tmp_path / "tokens.json").read_text()
    assert f"{token.id} kanagawa-prefecture" in run("list").stdout
    assert run("revoke", token.id).returncode == 0
    assert tokens.find(tmp_path / "tokens.json", secret) is None
    refused = run("create", "Not A Name")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
