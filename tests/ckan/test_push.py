"""`opendata ckan push` into the real CKAN: read back, byte-compare, idempotence, updates, errors."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from opendata.catalog import load_catalog
from opendata.formats import registry
from opendata.views import ckan_mapping as mapping
from tests.ckan.conftest import relabel, write_descriptor
from tests.conftest import PACKAGES, ROOT
from tests.server import free_port

pytestmark = pytest.mark.ckan
CATALOG = load_catalog(PACKAGES)
API = "http://127.0.0.1:8000/api/v1"  # where the pushed links point; the push itself never calls it
FORMATS = registry.prebuilt()
PER_TABLE = 1 + len(FORMATS)  # each table's CSV, then its XLSX, Parquet ... (every shipped table fits)


# The push publishes before it pushes: into a folder of the test run, not var/releases.
RELEASES = tempfile.mkdtemp(prefix="ckan-push-releases-")


def push(
    ckan, *args: str, token: str | None = None, url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CKAN_URL": url or ckan.url,
        "CKAN_API_TOKEN": ckan.token if token is None else token,
        "OPENDATA_RELEASES_DIR": RELEASES,
    }
    return subprocess.run(
        [sys.executable, "-m", "opendata", "ckan", "push", "--api-url", API, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )


def modified(ckan, packages) -> dict[str, str]:
    return {p.name: ckan.call("package_show", id=p.id)["metadata_modified"] for p in packages}


@pytest.fixture(scope="module")
def pushed(ckan):
    """A first push into a CKAN that has none of the datasets, then a second one.

    The CKAN's database outlives any one clone (and its uploaded files), so the datasets of
    an earlier run are purged first: the first push then really creates and uploads.
    """
    for package in CATALOG:
        ckan.purge(package.id)
    first = push(ckan)
    assert first.returncode == 0, first.stdout + first.stderr
    after_first = modified(ckan, CATALOG)
    second = push(ckan)
    assert second.returncode == 0, second.stdout + second.stderr
    return first, second, after_first, modified(ckan, CATALOG)


def test_the_push_prints_a_line_per_dataset(pushed):
    first = pushed[0].stdout.splitlines()
    for package in CATALOG:
        assert any(line.startswith(f"{package.name}: created") for line in first)
    assert first[-1].startswith("13 dataset(s)")


def released():
    """What was pushed: the current release of each shipped package."""
    from opendata.publish.registry import Registry

    published = Registry(Path(RELEASES), interval=0).catalog
    for source in CATALOG:
        package = published.get(source.name)
        assert package is not None and package.release
        yield package


def test_every_dataset_reads_back_with_package_show(ckan, pushed):
    for package in released():
        shown = ckan.call("package_show", id=package.id)
        spec = mapping.dataset(package, "kanagawa-prefecture", API)
        assert shown["name"] == package.name and shown["title"] == package.title
        assert shown["organization"]["name"] == "kanagawa-prefecture"
        assert shown["license_id"] == "cc-by" and shown["version"] == package.version
        assert sorted(t["name"] for t in shown["tags"]) == sorted(t["name"] for t in spec.fields["tags"])
        extras = {e["key"]: e["value"] for e in shown["extras"]}
        assert extras == {e["key"]: e["value"] for e in spec.fields["extras"]}
        assert extras["title_english"] == package.title_english
        assert [r["id"] for r in shown["resources"]] == [r.id for r in spec.resources]
        assert len(shown["resources"]) == len(package.resources) * PER_TABLE + 2
        for number, table in enumerate(package.resources):
            csv, *others = shown["resources"][number * PER_TABLE : (number + 1) * PER_TABLE]
            assert json.loads(csv["schema"]) == table.schema
            assert csv["url_type"] == "upload" and csv["format"] == "CSV"
            for resource, fmt in zip(others, FORMATS, strict=True):
                # CKAN keeps the registry's format and media type (it knows XLSX, not Parquet)
                assert (resource["format"], resource["mimetype"]) == (fmt.extension.upper(), fmt.media_type)
                assert resource["url_type"] == "upload" and resource["url"].endswith(f".{fmt.extension}")
                assert resource["frictionless_name"] == table.name and "schema" not in resource


def test_every_uploaded_file_downloads_byte_identical(ckan, pushed):
    """CSVs, XLSX, Parquet ...: CKAN sends back the release's own files, checksums as pushed."""
    for package in released():
        shown = {r["id"]: r for r in ckan.call("package_show", id=package.id)["resources"]}
        for spec in mapping.resources(package, API):
            if spec.upload is None or spec.upload.path is None:
                continue
            resource = shown[spec.id]
            response = requests.get(resource["url"], timeout=30)
            assert response.status_code == 200, resource["url"]
            assert response.content == spec.upload.path.read_bytes(), resource["url"]
            assert resource["hash"] == f"sha256:{hashlib.sha256(response.content).hexdigest()}"
        [descriptor] = [r for r in shown.values() if r["name"] == mapping.DESCRIPTOR_NAME]
        content = requests.get(descriptor["url"], timeout=30).content
        assert descriptor["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
        assert json.loads(content)["id"] == package.id


def test_a_second_push_changes_nothing_and_says_so(pushed):
    _, second, before, after = pushed
    lines = second.stdout.splitlines()
    assert [line for line in lines if line.endswith(": unchanged")] == [
        f"{p.name}: unchanged" for p in CATALOG
    ]
    assert lines[-1] == "13 dataset(s) unchanged: CKAN already matches the catalog, nothing to do"
    assert after == before  # CKAN's metadata_modified did not move: nothing was written


@pytest.fixture
def one_package(ckan, tmp_path):
    """A relabelled copy of key-figures, purged from CKAN first so the scenario starts clean."""
    [descriptor] = relabel(tmp_path, "it-push", ["key-figures"]).values()
    ckan.purge(descriptor["id"])
    yield tmp_path, descriptor
    ckan.purge(descriptor["id"])


def test_a_changed_package_updates_in_place_without_duplicates(ckan, one_package):
    folder, descriptor = one_package
    name = descriptor["name"]
    created = push(ckan, "--packages", str(folder), "--only", name)
    resources = len(descriptor["resources"]) * PER_TABLE + 2  # each table's formats, the descriptor, the API
    assert created.returncode == 0 and f"{name}: created: {resources} resources" in created.stdout
    before = ckan.call("package_show", id=descriptor["id"])

    directory = folder / name
    descriptor["version"] = "1.0.1"
    write_descriptor(directory, descriptor)
    csv = directory / "data" / "key-figures.csv"
    # New bytes, the same table (a quoted cell), so the package stays valid and is published.
    lines = csv.read_bytes().split(b"\n")
    cell, rest = lines[1].split(b",", 1)
    lines[1] = b'"' + cell.strip(b'"') + b'",' + rest
    csv.write_bytes(b"\n".join(lines))
    updated = push(ckan, "--packages", str(folder), "--only", name)
    assert updated.returncode == 0, updated.stderr
    [line] = [line for line in updated.stdout.splitlines() if line.startswith(f"{name}: ")]
    assert line.startswith(f"{name}: updated: version") and "key-figures.csv (file" in line

    after = ckan.call("package_show", id=descriptor["id"])
    assert after["version"] == "1.0.1" and after["name"] == name
    assert [r["id"] for r in after["resources"]] == [r["id"] for r in before["resources"]]
    assert requests.get(after["resources"][0]["url"], timeout=30).content == csv.read_bytes()
    again = push(ckan, "--packages", str(folder), "--only", name)
    assert f"{name}: unchanged" in again.stdout

    linked = push(ckan, "--packages", str(folder), "--only", name, "--link")
    assert linked.returncode == 0, linked.stderr
    shown = ckan.call("package_show", id=descriptor["id"])
    assert [r["id"] for r in shown["resources"]] == [r["id"] for r in before["resources"]]
    assert shown["resources"][0]["url"] == f"{API}/datasets/{name}/resources/key-figures/download.csv"
    assert not shown["resources"][0]["url_type"]


def test_an_interrupted_push_is_finished_by_running_it_again(ckan, tmp_path):
    descriptors = relabel(
        tmp_path, "it-resume", ["dialogue-forum", "mental-health-consultation", "key-figures"]
    )
    for descriptor in descriptors.values():
        ckan.purge(descriptor["id"])
    env = {
        **os.environ,
        "CKAN_URL": ckan.url,
        "CKAN_API_TOKEN": ckan.token,
        "OPENDATA_RELEASES_DIR": RELEASES,
    }
    command = [
        sys.executable,
        "-m",
        "opendata",
        "ckan",
        "push",
        "--api-url",
        API,
        "--packages",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if ": created" in line:  # stop it while it works on the next dataset
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    finished = push(ckan, "--packages", str(tmp_path))
    assert finished.returncode == 0, finished.stderr
    for descriptor in descriptors.values():
        shown = ckan.call("package_show", id=descriptor["id"])
        assert len(shown["resources"]) == len(descriptor["resources"]) * PER_TABLE + 2
        assert len({r["id"] for r in shown["resources"]}) == len(shown["resources"])
    assert "nothing to do" in push(ckan, "--packages", str(tmp_path)).stdout
    for descriptor in descriptors.values():
        ckan.purge(descriptor["id"])


def test_a_bad_token_is_one_clear_error_and_never_printed(ckan, pushed):
    token = "not-a-token-7d1c5e0b9a"
    result = push(ckan, token=token)
    assert result.returncode == 1
    assert "CKAN_API_TOKEN" in result.stderr and "not accepted" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr
    assert ckan.token not in result.stdout + result.stderr


def test_an_unreachable_ckan_is_one_clear_error(ckan):
    url = f"http://127.0.0.1:{free_port()}"
    result = push(ckan, url=url)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"opendata: error: cannot reach CKAN at {url} (ConnectionError); is it running?"
    )
    assert ckan.token not in result.stdout + result.stderr


def test_a_ckan_validation_error_is_one_clear_error(ckan, tmp_path):
    relabel(tmp_path, "it-invalid", ["key-figures"])
    result = push(ckan, "--packages", str(Path(tmp_path)), "--organization", "Not A Valid Name!")
    assert result.returncode == 1
    assert "rejected organization_create: name:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert ckan.token not in result.stdout + result.stderr
