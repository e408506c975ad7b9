"""ckanapi's RemoteCKAN, pointed at a real gunicorn of this service, lists, shows and searches."""

from __future__ import annotations

import ckanapi
import pytest
import requests

from opendata.catalog import load_catalog
from opendata.formats import registry
from tests.conftest import PACKAGES
from tests.server import running_server

pytestmark = pytest.mark.e2e
CATALOG = load_catalog(PACKAGES)
EXTENSIONS = ["csv", *(f.extension for f in registry.prebuilt())]  # each table's formats, in order


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    with running_server(cache_dir=tmp_path_factory.mktemp("cache")) as base:
        yield base


@pytest.mark.parametrize("get_only", [False, True], ids=["POST", "GET"])
def test_remote_ckan_lists_shows_and_searches(remote, get_only):
    with ckanapi.RemoteCKAN(remote, get_only=get_only) as ckan:
        names = ckan.action.package_list()
        assert names == sorted(p.name for p in CATALOG)
        for package in CATALOG:
            shown = ckan.action.package_show(id=package.name)
            assert shown["id"] == package.id
            assert [r["url"].split("/resources/")[1] for r in shown["resources"][:-2]] == [
                f"{r.name}/download.{ext}" for r in package.resources for ext in EXTENSIONS
            ]
        found = ckan.action.package_search(q="ひきこもり", fq="organization:kanagawa-prefecture", rows=5)
        assert found["count"] == 1 and found["results"][0]["name"] == "hikikomori-consultations"
        every = ckan.action.package_search(rows=1000, sort="metadata_modified desc")
        assert every["count"] == len(every["results"]) == 13
        assert ckan.action.organization_list() == ["kanagawa-prefecture"]
        assert ckan.action.organization_show(id="kanagawa-prefecture")["package_count"] == 13
        assert len(ckan.action.current_package_list_with_resources(limit=100)) == 13


def test_remote_ckan_gets_ckans_exceptions(remote):
    with ckanapi.RemoteCKAN(remote) as ckan:
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id="no-such-dataset")
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="lots")
        with pytest.raises(ckanapi.SearchQueryError):
            ckan.action.package_search(fq="colour:blue")
        with pytest.raises(ckanapi.NotAuthorized):
            ckan.action.package_create(name="x")


def test_the_ckan_harvester_request_pages_to_the_end(remote):
    """The exact requests ckanext-harvest's CKAN harvester sends, read with plain HTTP."""
    seen, start = [], 0
    while True:
        params = {"rows": "100", "start": str(start), "sort": "id asc"}
        params["fq"] = "metadata_modified:[2000-01-01T00:00:00Z TO *]"
        body = requests.get(f"{remote}/api/3/action/package_search", params=params, timeout=10).json()
        page = body["result"]["results"]
        if not page:
            break
        seen += [p["id"] for p in page]
        start += 100
    assert seen == sorted(p.id for p in CATALOG)
