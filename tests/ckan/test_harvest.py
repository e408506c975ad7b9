"""The real ckanext-harvest (CKAN harvester) and ckanext-dcat (DCAT-RDF harvester) harvest this service.

Each scenario serves a relabelled copy of the shipped packages (own ids and names) with
gunicorn on a fixed loopback port, creates a fresh harvest source per run (ckanext-harvest
1.6.3 cannot run-test one source twice) and runs `ckan harvester run-test`. Then it changes
one package (a new version: new content, so a new digest), restarts the service and runs
a second, fresh source: only the changed dataset may be imported again.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from opendata.formats import registry
from tests.ckan.conftest import ckan_command, relabel, serving, write_descriptor
from tests.server import free_port

pytestmark = pytest.mark.ckan
PREFIX = "opendata-it-"
EXTENSIONS = ["csv", *(fmt.extension for fmt in registry.prebuilt())]
MEDIA_TYPES = ["text/csv", *(fmt.media_type for fmt in registry.prebuilt())]
IANA = "http://www.iana.org/assignments/media-types/"


def clear_old_sources(ckan) -> None:
    """Sources left by earlier runs: clear them (with their datasets), then delete them."""
    for source in ckan.call("harvest_source_list", only_active=True):
        if source["title"].startswith(PREFIX):
            ckan.call("harvest_source_clear", id=source["id"])
            ckan.call("harvest_source_delete", id=source["id"])


def harvest(ckan, kind: str, url: str, organization: dict, config: dict | None = None) -> dict:
    """A fresh source of `kind`, run once with `harvester run-test`; returns its finished job."""
    name = f"{PREFIX}{kind}-{uuid.uuid4().hex[:10]}"
    source = ckan.call(
        "harvest_source_create",
        name=name,
        title=name,
        url=url,
        source_type=kind,
        owner_org=organization["id"],
        frequency="MANUAL",
        config=json.dumps({**(config or {}), "test_run": name}),  # a source's URL+config must be unique
    )
    started = time.monotonic()
    result = ckan_command("harvester", "run-test", name)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = ckan.call("harvest_job_list", source_id=source["id"])
    assert len(jobs) == 1, (jobs, result.stdout[-2000:], result.stderr[-4000:])
    [job] = jobs
    job["seconds"] = round(time.monotonic() - started, 1)
    assert job["status"] == "Finished", job
    return job


def bump_version(folder, descriptor) -> None:
    descriptor["version"] = "1.0.1"
    write_descriptor(folder / descriptor["name"], descriptor)


@pytest.fixture(scope="module")
def clean(ckan):
    clear_old_sources(ckan)
    return ckan


def test_the_ckan_harvester_imports_every_dataset_then_only_what_changed(clean, tmp_path):
    ckan = clean
    descriptors = relabel(tmp_path / "packages", "hc")
    for descriptor in descriptors.values():
        ckan.purge(descriptor["id"])
    organization = ckan.organization(f"{PREFIX}ckan-harvest")
    port, cache = free_port(), tmp_path / "cache"

    with serving(tmp_path / "packages", cache, port) as base:
        first = harvest(ckan, "ckan", base, organization)
    assert first["stats"] == {"added": 13, "updated": 0, "not modified": 0, "errored": 0, "deleted": 0}, first
    before = {}
    for name, descriptor in descriptors.items():
        shown = ckan.call("package_show", id=descriptor["id"])
        assert shown["name"] == name and shown["title"] == descriptor["title"]
        assert shown["organization"]["name"] == organization["name"]
        # Each table's CSV, then its other prebuilt formats; the datapackage.json and the API.
        assert len(shown["resources"]) == len(descriptor["resources"]) * len(EXTENSIONS) + 2
        assert [r["url"] for r in shown["resources"][:-2]] == [
            f"{base}/api/v1/datasets/{name}/resources/{r['name']}/download.{extension}"
            for r in descriptor["resources"]
            for extension in EXTENSIONS
        ]
        assert [r["mimetype"] for r in shown["resources"][:-2]] == MEDIA_TYPES * len(descriptor["resources"])
        tables = [r for r in shown["resources"] if r["format"] == "CSV"]
        assert [json.loads(r["schema"]) for r in tables] == [r["schema"] for r in descriptor["resources"]]
        before[name] = shown["metadata_modified"]

    changed = "hc-dialogue-forum"
    bump_version(tmp_path / "packages", descriptors[changed])
    with serving(tmp_path / "packages", cache, port) as base:
        second = harvest(ckan, "ckan", base, organization)
    assert second["stats"] == {"added": 0, "updated": 1, "not modified": 12, "errored": 0, "deleted": 0}, (
        second
    )
    after = {name: ckan.call("package_show", id=d["id"]) for name, d in descriptors.items()}
    assert after[changed]["version"] == "1.0.1"
    assert {n for n, shown in after.items() if shown["metadata_modified"] != before[n]} == {changed}
    print(f"ckan harvester: first run {first['seconds']} s, second run {second['seconds']} s")


def dcat_datasets(ckan, organization) -> dict[str, dict]:
    """Harvested datasets of the organization by their dct:identifier (our package id)."""
    found = ckan.call("package_search", fq=f"organization:{organization['name']}", rows=1000)["results"]
    shown = [ckan.call("package_show", id=p["id"]) for p in found]
    return {next(e["value"] for e in p["extras"] if e["key"] == "identifier"): p for p in shown}


@pytest.mark.parametrize("extension", ["ttl", "jsonld"])
def test_the_dcat_rdf_harvester_imports_the_catalog(clean, tmp_path, extension):
    ckan = clean
    descriptors = relabel(tmp_path / "packages", f"hd{extension}")
    organization = ckan.organization(f"{PREFIX}dcat-{extension}")
    for stale in ckan.call("package_search", fq=f"organization:{organization['name']}", rows=1000)["results"]:
        ckan.purge(stale["id"])
    port, cache = free_port(), tmp_path / "cache"
    media_type = {"ttl": "text/turtle", "jsonld": "application/ld+json"}[extension]

    with serving(tmp_path / "packages", cache, port) as base:
        first = harvest(
            ckan, "dcat_rdf", f"{base}/catalog.{extension}", organization, {"rdf_format": media_type}
        )
    assert first["stats"] == {"added": 13, "updated": 0, "not modified": 0, "errored": 0, "deleted": 0}, first
    harvested = dcat_datasets(ckan, organization)
    assert set(harvested) == {d["id"] for d in descriptors.values()}
    for descriptor in descriptors.values():
        dataset = harvested[descriptor["id"]]
        assert dataset["title"] == descriptor["titleEnglish"]  # CKAN's default locale picks the @en title
        # Each table is a CSV plus every other prebuilt format of the registry; then the
        # datapackage.json and the API.
        assert len(dataset["resources"]) == len(descriptor["resources"]) * len(EXTENSIONS) + 2
        urls = {r["url"]: r for r in dataset["resources"]}
        for resource in descriptor["resources"]:
            table = f"{base}/api/v1/datasets/{descriptor['name']}/resources/{resource['name']}"
            for ext, media in zip(EXTENSIONS, MEDIA_TYPES, strict=True):
                # ckanext-dcat keeps dcat:mediaType as it reads it: the IANA URI of the type
                assert urls[f"{table}/download.{ext}"]["mimetype"] == IANA + media
    since = max(d["metadata_modified"] for d in harvested.values())

    changed = f"hd{extension}-key-figures"
    bump_version(tmp_path / "packages", descriptors[changed])
    with serving(tmp_path / "packages", cache, port) as base:
        url = f"{base}/catalog.{extension}?modified_since={since}"
        second = harvest(ckan, "dcat_rdf", url, organization, {"rdf_format": media_type})
    assert second["stats"] == {"added": 0, "updated": 1, "not modified": 0, "errored": 0, "deleted": 0}, (
        second
    )
    again = dcat_datasets(ckan, organization)
    assert len(again) == 13
    assert again[descriptors[changed]["id"]]["version"] == "1.0.1"
    print(
        f"dcat_rdf harvester ({extension}): first run {first['seconds']} s, second run {second['seconds']} s"
    )
