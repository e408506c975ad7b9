"""DCAT-AP catalog and dataset documents, Hydra paging, and schema.org JSON-LD."""

from __future__ import annotations

import json
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from opendata.catalog import load_catalog
from opendata.catalog.models import file_digest
from opendata.formats import registry
from opendata.harvest.dcat import DCAT, HYDRA, SPDX
from tests.conftest import PACKAGES

CATALOG = load_catalog(PACKAGES)
RDF_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "xml": "xml", "n3": "n3"}
MEDIA_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "n3": "text/n3",
}


def parse(data: bytes | str, rdf_format: str) -> Graph:
    with warnings.catch_warnings():
        # rdflib 7.6's own JSON-LD and N3 parsers use its deprecated ConjunctiveGraph API.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib(\.|$)")
        return Graph().parse(data=data, format=rdf_format)


def parsed(response, extension: str) -> Graph:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == MEDIA_TYPES[extension]
    return parse(response.data, RDF_FORMATS[extension])


def datasets(graph: Graph) -> set:
    return set(graph.subjects(RDF.type, DCAT.Dataset))


@pytest.mark.parametrize("extension", sorted(RDF_FORMATS))
def test_the_catalog_parses_and_round_trips_the_dataset_count(client, extension):
    graph = parsed(client.get(f"/catalog.{extension}"), extension)
    count = client.get("/api/3/action/package_search?rows=0").get_json()["result"]["count"]
    found = datasets(graph)
    assert len(found) == count == len(CATALOG) == 13
    [catalog] = graph.subjects(RDF.type, DCAT.Catalog)
    assert set(graph.objects(catalog, DCAT.dataset)) == found
    identifiers = {str(graph.value(d, DCTERMS.identifier)) for d in found}
    assert identifiers == {p.id for p in CATALOG}
    [paging] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    assert int(graph.value(paging, HYDRA.totalItems)) == 13
    assert graph.value(paging, HYDRA.next) is None


def test_each_dataset_has_its_titles_distributions_and_checksums(client):
    graph = parsed(client.get("/catalog.ttl"), "ttl")
    for package in CATALOG:
        ref = URIRef(f"http://localhost/dataset/{package.id}")
        titles = set(graph.objects(ref, DCTERMS.title))
        assert Literal(package.title, lang="ja") in titles
        assert Literal(package.title_english, lang="en") in titles
        assert graph.value(ref, DCAT.landingPage) == URIRef(f"http://localhost/datasets/{package.name}")
        distributions = list(graph.objects(ref, DCAT.distribution))
        formats = registry.prebuilt()  # each table's XLSX, Parquet ... beside its CSV
        assert len(distributions) == len(package.resources) * (1 + len(formats)) + 2
        shown = client.get(f"/api/3/action/package_show?id={package.id}").get_json()["result"]
        assert {str(d).rsplit("/", 1)[1] for d in distributions} == {r["id"] for r in shown["resources"]}
        for resource in package.resources:
            for fmt in formats:
                other = URIRef(
                    f"http://localhost/api/v1/datasets/{package.name}/resources/{resource.name}/download.{fmt.extension}"
                )
                [distribution] = graph.subjects(DCAT.downloadURL, other)
                assert graph.value(distribution, DCAT.mediaType) == URIRef(
                    f"http://www.iana.org/assignments/media-types/{fmt.media_type}"
                )
            url = URIRef(
                f"http://localhost/api/v1/datasets/{package.name}/resources/{resource.name}/download.csv"
            )
            [distribution] = graph.subjects(DCAT.downloadURL, url)
            checksum = graph.value(distribution, SPDX.checksum)
            assert str(graph.value(checksum, SPDX.checksumValue)) == file_digest(resource.path)
            assert int(graph.value(distribution, DCAT.byteSize)) == resource.path.stat().st_size


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory, shipped_releases):
    from opendata.app import create_app

    cache = str(tmp_path_factory.mktemp("cache"))
    app = create_app({"RELEASES_DIR": str(shipped_releases), "CACHE_DIR": cache, "DCAT_DATASETS_PER_PAGE": 5})
    return app.test_client()


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "rdf"])
def test_hydra_paging_reaches_every_dataset_once(small_pages, extension):
    url, seen, pages = f"/catalog.{extension}", [], 0
    while url:
        graph = parsed(small_pages.get(url), extension)
        seen += datasets(graph)
        pages += 1
        [paging] = graph.subjects(RDF.type, HYDRA.PagedCollection)
        assert int(graph.value(paging, HYDRA.totalItems)) == 13
        assert int(graph.value(paging, HYDRA.itemsPerPage)) == 5
        assert str(graph.value(paging, HYDRA.last)).endswith("page=3")
        following = graph.value(paging, HYDRA.next)
        assert following == graph.value(paging, HYDRA.nextPage)  # ckanext-dcat reads either
        url = str(following).removeprefix("http://localhost") if following else None
    assert pages == 3 and len(seen) == len(set(seen)) == 13


@pytest.mark.parametrize(
    ("query", "status", "problem"),
    [
        ("page=4", 404, "not-found"),
        ("page=0", 400, "invalid-parameter"),
        ("page=two", 400, "invalid-parameter"),
        ("modified_since=last-week", 400, "invalid-parameter"),
        ("q=x", 400, "unknown-parameter"),
    ],
)
def test_catalog_parameter_errors_are_problems(small_pages, query, status, problem):
    response = small_pages.get(f"/catalog.ttl?{query}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith(f"#{problem}")


@pytest.mark.parametrize(("since", "expected"), [("2000-01-01", 13), ("2999-01-01T00:00:00Z", 0)])
def test_modified_since_filters_and_is_kept_in_the_page_links(small_pages, since, expected):
    graph = parsed(small_pages.get(f"/catalog.ttl?modified_since={since}"), "ttl")
    [paging] = graph.subjects(RDF.type, HYDRA.PagedCollection)
    assert int(graph.value(paging, HYDRA.totalItems)) == expected
    assert f"modified_since={since.replace(':', '%3A')}" in str(graph.value(paging, HYDRA.first))


@pytest.mark.parametrize("extension", sorted(RDF_FORMATS))
def test_one_dataset_by_id_or_name(client, extension):
    package = CATALOG.get("mental-health-consultation")
    by_name = parsed(client.get(f"/dataset/{package.name}.{extension}"), extension)
    by_id = parsed(client.get(f"/dataset/{package.id}.{extension}"), extension)
    assert datasets(by_name) == datasets(by_id) == {URIRef(f"http://localhost/dataset/{package.id}")}
    assert len(by_name) == len(by_id) > 50


@pytest.mark.parametrize("path", ["/dataset/nope.ttl", "/dataset/nope.schemaorg.jsonld"])
def test_an_unknown_dataset_is_a_404_problem(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_schema_org_dataset_document(client):
    response = client.get("/dataset/key-figures.schemaorg.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    body = response.get_json()
    assert body["@context"] == "https://schema.org" and body["@type"] == "Dataset"
    assert body["name"] == "報告書本文の主要な数値"
    assert body["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert body["distribution"][0]["contentUrl"] == (
        "http://localhost/api/v1/datasets/key-figures/resources/key-figures/download.csv"
    )
    graph = parse(json.dumps({**body, "@context": {"@vocab": "https://schema.org/"}}), "json-ld")
    assert (URIRef(body["@id"]), RDF.type, URIRef("https://schema.org/Dataset")) in graph


def test_the_harvest_document_is_the_one_the_dataset_page_embeds(client):
    served = client.get("/dataset/dialogue-forum.schemaorg.jsonld").get_json()
    page = client.get("/datasets/dialogue-forum").get_data(as_text=True)
    start = page.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    embedded = json.loads(page[start : page.index("</script>", start)])
    package = CATALOG.get("dialogue-forum")
    assert served["@id"] == embedded["@id"] == "http://localhost/datasets/dialogue-forum"
    assert served["identifier"] == [f"urn:uuid:{package.id}", "dialogue-forum"]
    assert served["isBasedOn"]["datePublished"] == "2022-03-10"
    assert served["distribution"] == embedded["distribution"]
    assert all(v not in (None, "", []) for v in served.values())
