"""A data package as a CKAN dataset: ids, tags, licence, extras, resources and Table Schemas."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import uuid

import pytest

from opendata.catalog import load_catalog
from opendata.catalog.models import file_digest
from opendata.exports.files import DOWNLOADS
from opendata.formats import registry
from opendata.publish.releases import current_id, open_release
from opendata.views import ckan_mapping as mapping
from tests.ckan.fake import CORE_FIELDS
from tests.conftest import PACKAGES, publish_all

CATALOG = load_catalog(PACKAGES)
API = "https://data.example.jp/api/v1"
CKAN_TAG = re.compile(r"[\w \-.]*$")  # ckan.logic.validators.tag_name_validator


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        (["孤独・孤立"], ["孤独 孤立"]),  # the middle dot is not \w: CKAN would refuse the tag
        (["LINE相談", "e-kanagawa", "DX"], ["LINE相談", "e-kanagawa", "DX"]),
        (["a", "相"], []),  # shorter than CKAN's minimum of 2
        (["RPA", "RPA", "R・P・A"], ["RPA", "R P A"]),
        (["x" * 150], ["x" * 100]),
        (["生理の貧困 / period poverty"], ["生理の貧困 period poverty"]),
    ],
)
def test_keywords_become_tags_ckan_accepts(keywords, expected):
    assert mapping.tags(keywords) == expected


@pytest.mark.parametrize("package", list(CATALOG), ids=lambda p: p.name)
def test_every_package_maps_to_a_dataset_ckan_would_validate(package):
    spec = mapping.dataset(package, "kanagawa-prefecture", API)
    fields = spec.fields
    assert fields["id"] == package.id and uuid.UUID(fields["id"])
    assert fields["name"] == package.name
    assert fields["title"] == package.title  # Japanese; the English title is an extra
    assert fields["license_id"] == "cc-by"
    assert fields["owner_org"] == "kanagawa-prefecture"
    assert fields["tags"] and all(
        2 <= len(t["name"]) <= 100 and CKAN_TAG.match(t["name"]) for t in fields["tags"]
    )
    extras = {e["key"]: e["value"] for e in fields["extras"]}
    assert not extras.keys() & CORE_FIELDS
    assert all(isinstance(v, str) and v for v in extras.values())
    assert extras["title_english"] == package.title_english
    assert extras["source_report"] == package.source["title"]
    assert extras["section"] == package.source["section"]
    assert ("page" in extras) or ("page_note" in extras)
    assert extras["attribution"] == package.attribution
    assert extras["content_digest"] == f"sha256:{package.digest}"
    assert fields["version"] == package.version


@pytest.mark.parametrize("package", list(CATALOG), ids=lambda p: p.name)
def test_resources_of_a_source_folder_are_each_csv_then_the_descriptor_then_the_api(package):
    """A folder that is no release has no prebuilt files: its tables are their CSVs alone."""
    specs = mapping.resources(package, API)
    assert len(specs) == len(package.resources) + 2
    ids = [s.id for s in specs]
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i).version == 5 for i in ids)
    assert ids == [s.id for s in mapping.resources(package, API)]  # stable
    for spec, resource in zip(specs, package.resources, strict=False):
        assert spec.upload is not None and spec.upload.path == resource.path
        assert spec.upload.filename == f"{resource.name}.csv"
        assert spec.fields["hash"] == f"sha256:{resource.digest}"
        assert spec.fields["size"] == resource.path.stat().st_size
        assert json.loads(spec.fields["schema"]) == resource.schema  # ckanext-validation's field
        assert "url" not in spec.fields
    descriptor, api = specs[-2], specs[-1]
    assert descriptor.upload is not None and descriptor.upload.filename == "datapackage.json"
    pushed = json.loads(descriptor.upload.read())
    assert pushed["id"] == package.id
    assert all(r["path"].startswith(f"{API}/datasets/{package.name}/") for r in pushed["resources"])
    assert api.upload is None and api.fields["url"] == f"{API}/datasets/{package.name}"


def test_link_mode_links_every_csv_to_the_api_download():
    package = CATALOG.get("mental-health-consultation")
    specs = mapping.resources(package, API, upload=False)
    assert all(s.upload is None for s in specs)
    assert [s.fields["url"] for s in specs[:2]] == [
        f"{API}/datasets/mental-health-consultation/resources/{r.name}/download.csv"
        for r in package.resources
    ]
    assert specs[2].fields["url"].endswith("/datapackage.json")
    assert [s.id for s in specs] == [s.id for s in mapping.resources(package, API)]


def test_resource_ids_derive_from_the_package_uuid_and_the_resource_name():
    package = CATALOG.get("key-figures")
    expected = str(uuid.uuid5(uuid.UUID(package.id), "key-figures"))
    assert mapping.resource_id(package, "key-figures") == expected


def test_the_organization_is_the_publisher():
    org = mapping.organization("kanagawa-prefecture", list(CATALOG))
    assert org == {
        "name": "kanagawa-prefecture",
        "title": "神奈川県",
        "description": "神奈川県（全国地方公共団体コード 140007）",
    }
    assert uuid.UUID(mapping.organization_id("kanagawa-prefecture")).version == 5


def test_notes_carry_the_japanese_description_then_the_english():
    package = CATALOG.get("key-figures")
    notes = mapping.dataset_fields(package, "kanagawa-prefecture", "http://api.test")["notes"]
    assert notes == f"{package.description}\n\n{package.description_english}"
    [figures, _] = package.resources
    spec = mapping.table_resource(package, figures, "http://api.test", upload=False)
    assert spec.fields["description"].endswith(figures.description_english)


@pytest.fixture(scope="module")
def released(shipped_releases):
    """The current release of every shipped package: what `ckan push` pushes and /api/3 shows."""
    return [open_release(shipped_releases, p.name, current_id(shipped_releases, p.name))[1] for p in CATALOG]


def test_each_table_is_a_resource_per_prebuilt_format_of_the_registry(released):
    formats = registry.prebuilt()
    for package in released:
        specs = mapping.resources(package, API)
        assert len(specs) == len(package.resources) * (1 + len(formats)) + 2
        ids = [s.id for s in specs]
        assert len(set(ids)) == len(ids) and all(uuid.UUID(i).version == 5 for i in ids)
        for number, resource in enumerate(package.resources):
            csv_spec, *others = specs[number * (1 + len(formats)) : (number + 1) * (1 + len(formats))]
            assert csv_spec.fields["format"] == "CSV" and csv_spec.upload.path == resource.path
            for spec, fmt in zip(others, formats, strict=True):
                path = package.directory / DOWNLOADS / f"{resource.name}.{fmt.extension}"
                assert (spec.fields["format"], spec.fields["mimetype"]) == (
                    fmt.extension.upper(),
                    fmt.media_type,
                )
                assert spec.upload == mapping.Upload(path.name, fmt.media_type, file_digest(path), path=path)
                assert spec.fields["hash"] == f"sha256:{file_digest(path)}"
                assert spec.fields["size"] == path.stat().st_size
                assert spec.fields["frictionless_name"] == resource.name and "schema" not in spec.fields
                assert spec.fields["name"] == f"{resource.title} ({fmt.title})"
        links = mapping.resources(package, API, upload=False)
        assert [s.id for s in links] == ids and all(s.upload is None for s in links)
        assert [s.fields["url"].rsplit("/", 1)[1] for s in links[:-2]] == [
            f"download.{ext}" for _ in package.resources for ext in ["csv", *(f.extension for f in formats)]
        ]


def test_a_table_a_format_cannot_hold_has_no_resource_in_it(tmp_path, monkeypatch):
    """More rows than a sheet holds: no download.xlsx was written, so CKAN gets no XLSX."""
    small = [dataclasses.replace(f, max_rows=30) if f.name == "xlsx" else f for f in registry.FORMATS]
    monkeypatch.setattr(registry, "FORMATS", tuple(small))  # key-figures' tables have 62 and 72 rows
    shutil.copytree(PACKAGES / "key-figures", tmp_path / "packages" / "key-figures")
    releases = publish_all(tmp_path / "packages", tmp_path / "releases")
    package = open_release(releases, "key-figures", current_id(releases, "key-figures"))[1]
    formats = [s.fields["format"] for s in mapping.resources(package, API)]
    tables = len(package.resources)
    assert formats.count("CSV") == formats.count("PARQUET") == tables and "XLSX" not in formats
