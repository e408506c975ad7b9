"""The push against an in-memory CKAN: plan, apply, idempotence, resumption, and clear errors."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import ckanapi
import pytest
import requests
from click.testing import CliRunner

from opendata.catalog import load_catalog
from opendata.ckan.client import Ckan
from opendata.ckan.sync import push
from opendata.cli import main
from opendata.errors import CkanError
from opendata.views import ckan_mapping as mapping
from tests.ckan.fake import FakeCkan
from tests.conftest import PACKAGES

API = "https://data.example.jp/api/v1"
TOKEN = "secret-token-0123456789"
ORG = "kanagawa-prefecture"


def client(fake: FakeCkan, token: str | None = TOKEN, timeout: float = 7) -> Ckan:
    return Ckan(fake, url=fake.address, token=token, timeout=timeout)


def run(fake: FakeCkan, packages, **options):
    lines: list[str] = []
    summary = push(
        client(fake, token=options.pop("token", TOKEN)),
        packages,
        organization_name=ORG,
        api=API,
        echo=lines.append,
        **options,
    )
    return summary, lines


@pytest.fixture(scope="module", autouse=True)
def releases(tmp_path_factory):
    """`ckan push` publishes before it pushes: into a folder of this module, not var/releases."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENDATA_RELEASES_DIR", str(tmp_path_factory.mktemp("releases")))
        yield


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(PACKAGES)


def test_first_push_creates_the_organization_and_every_dataset_with_its_files(catalog):
    fake = FakeCkan()
    summary, lines = run(fake, catalog)
    assert summary.count("create") == 13 and summary.organization == "created"
    assert len(lines) == 14 and lines[0] == f"organization {ORG}: created"
    assert all(": created: " in line for line in lines[1:])
    for package in catalog:
        shown = fake.package_show({"id": package.id}, None)
        assert shown["name"] == package.name and shown["organization"]["name"] == ORG
        expected = mapping.resources(package, API)
        assert [r["id"] for r in shown["resources"]] == [s.id for s in expected]
        for resource in package.resources:
            rid = mapping.resource_id(package, resource.name)
            assert fake.files[rid] == resource.path.read_bytes()


def test_second_push_writes_nothing_and_says_so(catalog):
    fake = FakeCkan()
    run(fake, catalog)
    before = len(fake.write_calls)
    summary, lines = run(fake, catalog)
    assert len(fake.write_calls) == before
    assert not summary.changed and all(line.endswith(": unchanged") for line in lines)
    assert summary.describe(dry_run=False) == (
        "13 dataset(s) unchanged: CKAN already matches the catalog, nothing to do"
    )


def test_every_call_has_the_configured_timeout(catalog):
    fake = FakeCkan()
    push(client(fake, timeout=7), catalog, organization_name=ORG, api=API, echo=lambda _: None)
    assert fake.calls and {c.timeout for c in fake.calls} == {7}


def test_dry_run_plans_without_writing(catalog):
    fake = FakeCkan()
    summary, lines = run(fake, catalog, dry_run=True)
    assert fake.write_calls == []
    assert lines[0] == f"organization {ORG}: would be created"
    assert all("would be created" in line for line in lines[1:])
    assert summary.describe(dry_run=True).endswith("(dry run: nothing was written)")


@pytest.fixture
def changed(tmp_path):
    """A copy of one package with a bumped version and one more row in its CSV."""
    directory = tmp_path / "key-figures"
    shutil.copytree(PACKAGES / "key-figures", directory)
    descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "1.0.1"
    (directory / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    csv = directory / "data" / "key-figures.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join([*lines, lines[-1]]), encoding="utf-8")
    return load_catalog(directory).get("key-figures")


def test_a_changed_package_updates_in_place(catalog, changed):
    fake = FakeCkan()
    run(fake, catalog)
    summary, lines = run(fake, [changed])
    assert summary.count("update") == 1
    line = lines[0]
    assert line.startswith("key-figures: updated: ") and "version" in line and "key-figures.csv (file" in line
    shown = fake.package_show({"id": changed.id}, None)
    assert shown["version"] == "1.0.1"
    assert [r["id"] for r in shown["resources"]] == [s.id for s in mapping.resources(changed, API)]
    csv_id = mapping.resource_id(changed, "key-figures")
    assert fake.files[csv_id] == changed.resources[0].path.read_bytes()
    assert len(fake.packages) == 13
    assert run(fake, [changed])[0].changed is False


def test_resources_ckan_has_but_the_package_does_not_are_removed(catalog):
    fake = FakeCkan()
    package = catalog.get("dialogue-forum")
    run(fake, [package])
    stray = {
        "id": "0b9a2c3e-7a61-4c4e-9a0e-3f1f4d5b6c7d",
        "name": "old",
        "url": "http://x",
        "package_id": package.id,
    }
    fake.resource_create(stray, None)
    _, lines = run(fake, [package])
    assert "remove resource old" in lines[0]
    assert stray["id"] not in [r["id"] for r in fake.package_show({"id": package.id}, None)["resources"]]


def test_an_interrupted_push_is_finished_by_running_it_again(catalog):
    fake = FakeCkan(fail_on_write=20)
    with pytest.raises(CkanError, match="cannot reach CKAN"):
        run(fake, catalog)
    fake.fail_on_write = None
    summary, _ = run(fake, catalog)
    assert summary.changed
    reference = FakeCkan()
    run(reference, catalog)
    for package in catalog:
        got, want = (
            fake.package_show({"id": package.id}, None),
            reference.package_show({"id": package.id}, None),
        )
        assert [r["id"] for r in got["resources"]] == [r["id"] for r in want["resources"]]
    assert not run(fake, catalog)[0].changed


def test_a_dataset_with_our_name_but_another_id_is_refused(catalog):
    fake = FakeCkan()
    run(fake, [catalog.get("key-figures")])
    package = fake.packages.pop(catalog.get("key-figures").id)
    package["id"] = "11111111-2222-4333-8444-555555555555"
    fake.packages[package["id"]] = package
    with pytest.raises(CkanError, match="already has a dataset named 'key-figures' with id 11111111"):
        run(fake, [catalog.get("key-figures")])


def test_a_token_that_may_not_choose_ids_is_a_clear_error(catalog):
    fake = FakeCkan(sysadmin=False)
    with pytest.raises(CkanError, match="only a sysadmin may choose dataset ids"):
        run(fake, [catalog.get("key-figures")])


def test_a_rejected_token_is_a_clear_error_even_with_nothing_to_change(catalog):
    fake = FakeCkan()
    run(fake, catalog)
    fake.token_accepted = False
    with pytest.raises(CkanError) as caught:
        run(fake, catalog, token="wrong-token-abcdef")
    assert "CKAN_API_TOKEN" in caught.value.detail and "wrong-token-abcdef" not in caught.value.detail


def test_no_token_is_refused_before_any_call(catalog):
    fake = FakeCkan()
    with pytest.raises(CkanError, match="set CKAN_API_TOKEN"):
        run(fake, catalog, token=None)
    assert fake.calls == []


class Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def call_action(self, *args, **kwargs):
        raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ckanapi.NotAuthorized({"message": "Access denied"}), "refused package_show (HTTP 403): the token"),
        (ckanapi.ValidationError({"__type": "Validation Error", "name": ["That URL is already in use."]}),
         "rejected package_show: name: That URL is already in use."),
        (requests.ConnectTimeout(f"timed out http://x/?k={TOKEN}"), "did not answer package_show within 7 s"),
        (requests.ConnectionError("refused"), "cannot reach CKAN at http://ckan.test"),
        (requests.RequestException(f"odd failure with {TOKEN}"), "failed: odd failure with [token]"),
        (ckanapi.CKANAPIError(repr(["u", 401, "Unauthorized"])), "refused package_show (HTTP 401)"),
        (ckanapi.CKANAPIError(repr(["u", 500, "<html>Internal  Error</html>"])),
         "failed with HTTP 500: <html>Internal Error</html>"),
        (ckanapi.CKANAPIError(repr(["u", 404, "<html>nope</html>"])), "has no CKAN action API (HTTP 404"),
        (ckanapi.ServerIncompatibleError("x"), "does not answer like a CKAN API"),
    ],
)  # fmt: skip
def test_every_failure_is_one_ckan_error_without_the_token(error, message):
    with pytest.raises(CkanError) as caught:
        Ckan(Raising(error), url="http://ckan.test", token=TOKEN, timeout=7).call("package_show", {"id": "x"})
    assert message in caught.value.detail
    assert TOKEN not in caught.value.detail


def test_not_found_is_an_answer_for_show_calls():
    ckan = Ckan(Raising(ckanapi.NotFound("Not found")), url="http://ckan.test", token=None, timeout=1)
    assert ckan.show("package_show", id="x") is None


# The command line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--api-url", API], {"CKAN_URL": ""}, "no CKAN URL: pass --url or set CKAN_URL"),
        (["--url", "http://127.0.0.1:9"], {"OPENDATA_BASE_URL": ""}, "pass --api-url"),
        (["--url", "ckan.example", "--api-url", API], {}, "must start with http"),
        (["--url", "http://127.0.0.1:9", "--api-url", API, "--only", "nope"], {}, "no package named 'nope'"),
        (["--url", "http://127.0.0.1:9", "--api-url", API], {"CKAN_API_TOKEN": ""}, "set CKAN_API_TOKEN"),
    ],
)
def test_push_command_errors_are_one_line_and_exit_1(args, env, message):
    result = CliRunner().invoke(main, ["ckan", "push", *args], env={"OPENDATA_CKAN_URL": "", **env})
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_push_to_an_unreachable_ckan_fails_fast_without_printing_the_token():
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        main, ["ckan", "push", "--url", url, "--api-url", API], env={"CKAN_API_TOKEN": TOKEN}
    )
    assert result.exit_code == 1
    assert f"cannot reach CKAN at {url}" in result.output and TOKEN not in result.output


def test_push_command_prints_a_line_per_dataset(monkeypatch):
    fake = FakeCkan()
    monkeypatch.setattr("opendata.ckan.cli.connect", lambda url, token, timeout: client(fake, token, timeout))
    env = {"CKAN_API_TOKEN": TOKEN, "CKAN_URL": "http://ckan.test"}
    first = CliRunner().invoke(main, ["ckan", "push", "--api-url", API, "--only", "key-figures"], env=env)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[1:] == [
        # its two tables' CSV, XLSX and Parquet (published first), datapackage.json, the API link
        "key-figures: created: 8 resources",
        "1 dataset(s): 1 created, 0 updated, 0 unchanged; organization created",
    ]
    again = CliRunner().invoke(main, ["ckan", "push", "--api-url", API, "--link"], env=env)
    assert again.exit_code == 0, again.output
    assert "key-figures: updated: resource key-figures.csv (url, upload)" not in again.output
    assert "key-figures: updated: resource 本文中の主要な数値 (url)" in again.output
    assert TOKEN not in first.output + again.output


def test_packages_folder_option(tmp_path, monkeypatch):
    fake = FakeCkan()
    monkeypatch.setattr("opendata.ckan.cli.connect", lambda url, token, timeout: client(fake, token, timeout))
    shutil.copytree(PACKAGES / "key-figures", tmp_path / "key-figures")
    result = CliRunner().invoke(
        main,
        ["ckan", "push", "--api-url", API, "--packages", str(Path(tmp_path)), "--dry-run"],
        env={"CKAN_URL": "http://ckan.test", "CKAN_API_TOKEN": ""},
    )
    assert result.exit_code == 0, result.output
    assert "key-figures: would be created: 8 resources" in result.output and fake.write_calls == []
