"""The metadata checked with the standards' own validators, through the HTTP layer.

- DCAT-AP 3.0.1: SEMICeu's SHACL shapes (mandatory, recommended, ranges) through pyshacl, on
  /catalog.ttl and every /dataset/<name>.ttl.
- schema.org Dataset: the JSON-LD extruct finds in every dataset page, checked for the
  properties Google's Dataset documentation requires and recommends.
- Data Package v2: every shipped descriptor against the v2 JSON Schema, and frictionless.
The shapes and the JSON Schema are vendored in tests/standards/ (README there gives their source).
"""

from __future__ import annotations

import json
from pathlib import Path

import extruct
import frictionless
import jsonschema
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, SKOS

from opendata import metadata
from opendata.catalog import load_catalog
from opendata.harvest.dcat import DCAT
from tests.conftest import PACKAGES, ROOT

STANDARDS = Path(__file__).parent / "standards"
CATALOG = load_catalog(PACKAGES)
SHAPES = {
    name: Graph().parse(STANDARDS / f"dcat-ap-3.0.1-{name}.ttl")
    for name in ("shapes", "shapes_recommended", "range")
}
DOCUMENTS = ["/catalog.ttl", *(f"/dataset/{p.name}.ttl" for p in CATALOG)]
ESTAT_KANAGAWA = URIRef("http://data.e-stat.go.jp/lod/sac/C14000-19700401")
# Recommended properties left out on purpose; each is listed in the README with its reason.
EXPLAINED_WARNINGS = {
    (str(ESTAT_KANAGAWA), str(DCAT.bbox)),
    (str(ESTAT_KANAGAWA), str(DCAT.centroid)),
    ("http://localhost/#operator", str(DCTERMS.type)),  # only while OPERATOR_TYPE is unset
}
README = (ROOT / "README.md").read_text(encoding="utf-8")


def turtle(client, path: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    return Graph().parse(data=response.data, format="turtle")


def shacl_results(data: Graph, shapes: str) -> set[tuple[str, str, str]]:
    """(severity, focus node, path) of every result the shapes report."""
    _, report, _ = validate(data, shacl_graph=SHAPES[shapes], inference="none", allow_warnings=True)
    return {
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("shapes", ["shapes", "range"])
def test_dcat_ap_mandatory_and_range_shapes_find_no_violation(client, path, shapes):
    assert shacl_results(turtle(client, path), shapes) == set()


@pytest.mark.parametrize("path", DOCUMENTS)
def test_dcat_ap_recommended_shapes_warn_only_where_the_readme_says_why(client, path):
    warnings = shacl_results(turtle(client, path), "shapes_recommended")
    assert {(focus, prop) for _, focus, prop in warnings} == EXPLAINED_WARNINGS
    for term in ("dcat:bbox", "dcat:centroid", "`OPERATOR_TYPE`"):
        assert term in README.split("## CKAN and DCAT", 1)[1]


@pytest.fixture(scope="module")
def operated(tmp_path_factory):
    """A deployment whose operator set every contact setting."""
    from opendata.app import create_app

    return create_app(
        {
            "CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
            "OPERATOR_NAME": "テスト運営者 (test data)",
            "OPERATOR_URL": "https://operator.example/",
            "OPERATOR_EMAIL": "opendata@operator.example",
            "OPERATOR_PHONE": "045 000 0000",
            "OPERATOR_TYPE": "NonProfitOrganisation",
        }
    ).test_client()


@pytest.fixture(scope="module")
def prefecture_own(tmp_path_factory):
    from opendata.app import create_app

    settings = {"CACHE_DIR": str(tmp_path_factory.mktemp("cache")), "OPERATOR_IS_PUBLISHER": True}
    return create_app(settings).test_client()


def contact(graph: Graph, subject: URIRef) -> dict[str, str]:
    card = graph.value(subject, DCAT.contactPoint)
    return {str(p).rsplit("#", 1)[1]: str(o) for p, o in graph.predicate_objects(card) if p != RDF.type}


def dataset_ref(name: str) -> URIRef:
    return URIRef(f"http://localhost/dataset/{CATALOG.get(name).id}")


def test_the_contact_point_says_what_is_set_and_nothing_else(client, operated):
    ref = dataset_ref("key-figures")
    assert contact(turtle(client, "/dataset/key-figures.ttl"), ref) == {"fn": "Kanagawa open data project"}
    graph = turtle(operated, "/dataset/key-figures.ttl")
    assert contact(graph, ref) == {
        "fn": "テスト運営者 (test data)",
        "hasEmail": "mailto:opendata@operator.example",
        "hasURL": "https://operator.example/",
        "hasTelephone": "tel:0450000000",
    }
    warnings = shacl_results(graph, "shapes_recommended")
    assert {(focus, prop) for _, focus, prop in warnings} == EXPLAINED_WARNINGS - {
        ("http://localhost/#operator", str(DCTERMS.type))
    }


@pytest.mark.parametrize(
    ("deployment", "publisher", "name"),
    [
        ("client", "http://localhost/#operator", "Kanagawa open data project"),
        ("prefecture_own", "http://localhost/#publisher-140007", "神奈川県"),
    ],
)
def test_who_publishes_and_who_created_the_source(request, deployment, publisher, name):
    client = request.getfixturevalue(deployment)
    graph = turtle(client, "/dataset/dialogue-forum.ttl")
    ref = dataset_ref("dialogue-forum")
    assert graph.value(ref, DCTERMS.publisher) == URIRef(publisher)
    assert Literal(name, lang="ja" if "publisher-" in publisher else None) in set(
        graph.objects(URIRef(publisher), URIRef("http://xmlns.com/foaf/0.1/name"))
    )
    report = graph.value(ref, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    assert graph.value(report, DCTERMS.creator) == URIRef("http://localhost/#publisher-140007")
    assert str(graph.value(report, DCTERMS.issued)) == "2022-03-10"
    assert shacl_results(graph, "shapes") == set()
    page = client.get("/datasets/dialogue-forum").get_data(as_text=True)
    assert schema_org(page)["publisher"]["name"] == name


def test_one_named_data_service_serves_every_dataset(client):
    graph = turtle(client, "/catalog.ttl")
    [service] = graph.subjects(RDF.type, DCAT.DataService)
    assert service == URIRef("http://localhost/api/v1")
    assert set(graph.objects(service, DCAT.servesDataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))
    api = [d for d in graph.subjects(DCAT.accessService, service)]
    assert len(api) == 13 and all(graph.value(d, DCTERMS["format"]) is not None for d in api)
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        assert graph.value(distribution, URIRef("http://data.europa.eu/r5r/availability")) is not None


def test_catalog_level_licence_issue_date_area_and_theme_taxonomies(client):
    graph = turtle(client, "/catalog.ttl")
    catalog = URIRef("http://localhost")
    assert graph.value(catalog, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(catalog, DCTERMS.issued) is not None
    assert graph.value(catalog, DCTERMS.spatial) == ESTAT_KANAGAWA
    assert str(graph.value(ESTAT_KANAGAWA, SKOS.notation)) == "140007"
    assert set(graph.objects(catalog, DCAT.themeTaxonomy)) == {
        URIRef("http://publications.europa.eu/resource/authority/data-theme"),
        URIRef("http://localhost/#themes"),
    }


@pytest.mark.parametrize("package", list(CATALOG), ids=lambda p: p.name)
def test_each_dataset_has_identifier_node_themes_frequency_and_languages(client, package):
    graph = turtle(client, f"/dataset/{package.name}.ttl")
    ref = dataset_ref(package.name)
    identifier = graph.value(ref, URIRef("http://www.w3.org/ns/adms#identifier"))
    assert str(graph.value(identifier, SKOS.notation)) == package.name
    themes = {str(t) for t in graph.objects(ref, DCAT.theme)}
    eu = {t for t in themes if t.startswith(metadata.EU_AUTHORITY + "data-theme/")}
    assert eu and len(themes) == len(eu) + 1  # the EU themes and the catalog's own
    assert str(graph.value(ref, DCTERMS.accrualPeriodicity)).endswith("/frequency/NEVER")
    assert {str(x).rsplit("/", 1)[1] for x in graph.objects(ref, DCTERMS.language)} == {"JPN", "ENG"}


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("key-figures", "1977-01-01", "2026-03-31"),  # events from S52年 to the DX plan's 令和8年3月
        ("hikikomori-consultations", "2020-04-01", "2021-12-31"),  # FY2021 up to December
        ("support-services", "2022-03-10", "2022-03-10"),  # no period field: the report's day
    ],
)
def test_temporal_coverage_comes_from_every_period_field(client, name, start, end):
    graph = turtle(client, f"/dataset/{name}.ttl")
    period = graph.value(dataset_ref(name), DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (start, end)
    body = client.get(f"/dataset/{name}.schemaorg.jsonld").get_json()
    assert body["temporalCoverage"] == (start if start == end else f"{start}/{end}")


# schema.org Dataset, as Google's Dataset documentation lists its properties

GOOGLE_REQUIRED = ("name", "description")
GOOGLE_RECOMMENDED = (
    "alternateName", "creator", "citation", "identifier", "includedInDataCatalog", "isAccessibleForFree",
    "keywords", "license", "sameAs", "spatialCoverage", "temporalCoverage", "variableMeasured", "version",
    "url", "distribution", "dateModified",
)  # fmt: skip


def schema_org(html: str) -> dict:
    found = extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]
    [dataset] = [item for item in found if item.get("@type") == "Dataset"]
    return dataset


@pytest.mark.parametrize("package", list(CATALOG), ids=lambda p: p.name)
def test_every_dataset_page_has_googles_required_and_recommended_properties(client, package):
    page = schema_org(client.get(f"/datasets/{package.name}").get_data(as_text=True))
    missing = [key for key in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED if not page.get(key)]
    assert missing == []
    assert 50 <= len(page["description"]) <= 5000  # Google's bounds for description
    assert page == client.get(f"/dataset/{package.name}.schemaorg.jsonld").get_json()
    assert page["dateModified"].endswith("Z") and page["dateCreated"].endswith("Z")
    assert page["includedInDataCatalog"]["url"] == "http://localhost/"
    geo = page["spatialCoverage"]["geo"]
    assert (geo["latitude"], geo["longitude"]) == metadata.COORDINATES["140007"]
    for download in page["distribution"]:
        assert download["contentUrl"] and download["encodingFormat"]
        assert "/rows" not in download["contentUrl"]  # files, not the paged API
    assert "url" not in page["creator"]  # no operator URL is set, and none is made up


def test_the_creator_has_a_url_when_the_operator_set_one(operated):
    page = schema_org(operated.get("/datasets/key-figures").get_data(as_text=True))
    assert page["creator"]["url"] == "https://operator.example/"
    assert page["creator"]["contactPoint"]["email"] == "opendata@operator.example"


# Data Package v2

V2_SCHEMA = json.loads((STANDARDS / "datapackage-2.0.json").read_text(encoding="utf-8"))
V2 = "https://datapackage.org/profiles/2.0/datapackage.json"


@pytest.mark.parametrize("package", list(CATALOG), ids=lambda p: p.name)
def test_every_descriptor_is_data_package_v2_on_purpose(package):
    descriptor = package.descriptor
    errors = [e.message for e in jsonschema.Draft7Validator(V2_SCHEMA).iter_errors(descriptor)]
    assert errors == []
    assert descriptor["$schema"] == V2 and "profile" not in descriptor
    assert all(r["type"] == "table" and "profile" not in r for r in descriptor["resources"])
    assert all(c["roles"] and "role" not in c for c in descriptor["contributors"])
    assert descriptor["language"] == ["ja", "en"]
    assert descriptor["updateFrequency"] in metadata.FREQUENCIES
    report = frictionless.Package(str(package.directory / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])


def test_the_v2_schema_rejects_what_it_should():
    broken = {"$schema": V2, "resources": [{"name": "x", "path": "../x.csv"}], "contributors": []}
    assert list(jsonschema.Draft7Validator(V2_SCHEMA).iter_errors(broken))


# CKAN API fields harvesters read


def test_tags_have_ids_and_tags_and_extras_are_sorted_as_ckan_sorts_them(client):
    seen: dict[str, str] = {}
    for package in CATALOG:
        shown = client.get(f"/api/3/action/package_show?id={package.name}").get_json()["result"]
        names = [t["name"] for t in shown["tags"]]
        assert names == sorted(names) and len(names) > 1
        keys = [e["key"] for e in shown["extras"]]
        assert keys == sorted(keys)
        for tag in shown["tags"]:
            assert seen.setdefault(tag["name"], tag["id"]) == tag["id"]  # one id per tag name
    listed = client.get("/api/3/action/tag_list?all_fields=true").get_json()["result"]
    assert {t["name"]: t["id"] for t in listed} == seen


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        (lambda d: d.update(updateFrequency="SOMETIMES"), "update-frequency"),
        (lambda d: d.update(language="ja"), "language"),
        (lambda d: d["resources"][0].pop("type"), "data-package-v2"),
    ],
)
def test_validation_names_dataset_metadata_no_output_could_say(package_copy, edit, rule):
    from opendata.catalog.validate import validate_path

    path = package_copy / "datapackages" / "dialogue-forum" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    edit(descriptor)
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    report = validate_path(path.parent, package_copy / "schemas")
    assert [i.rule for i in report.packages[0].issues] == [rule]
    assert report.packages[0].issues[0].file == str(path)


def test_the_api_says_frequency_languages_and_who_published_what(client, operated):
    body = client.get("/api/v1/datasets/key-figures").get_json()
    assert body["update_frequency"] == {
        "code": "NEVER",
        "title": "更新予定なし",
        "title_english": "never",
        "uri": "http://publications.europa.eu/resource/authority/frequency/NEVER",
    }
    assert body["language"] == ["ja", "en"]
    assert body["publisher"] == body["contact_point"] == {"name": "Kanagawa open data project"}
    assert body["source_creator"] == {"name": "神奈川県"}
    assert body["coverage"] == {"start": "1977-01-01", "end": "2026-03-31"}
    contact = operated.get("/api/v1/datasets/key-figures").get_json()["contact_point"]
    assert contact == {
        "name": "テスト運営者 (test data)",
        "email": "opendata@operator.example",
        "url": "https://operator.example/",
        "phone": "045 000 0000",
    }
    shown = client.get("/api/3/action/package_show?id=key-figures").get_json()["result"]
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    assert extras["frequency"] == body["update_frequency"]["uri"] and extras["language"] == "ja,en"


def test_a_packages_own_publisher_object_names_the_body_on_its_own_deployment(package_copy):
    from opendata.app import create_app

    path = package_copy / "datapackages" / "key-figures" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["publisher"] = {"localGovernmentCode": "141003", "title": "横浜市", "titleEnglish": "Yokohama"}
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    client = create_app(
        {
            "PACKAGES_DIR": str(package_copy / "datapackages"),
            "CACHE_DIR": str(package_copy / "cache"),
            "OPERATOR_IS_PUBLISHER": True,
        }
    ).test_client()
    graph = turtle(client, "/dataset/key-figures.ttl")
    body = URIRef("http://localhost/#publisher-141003")
    assert graph.value(dataset_ref("key-figures"), DCTERMS.publisher) == body
    names = set(graph.objects(body, URIRef("http://xmlns.com/foaf/0.1/name")))
    assert names == {Literal("横浜市", lang="ja"), Literal("Yokohama", lang="en")}
    assert graph.value(body, DCTERMS.type) is None  # a city is no prefecture: no type is guessed
    report = graph.value(dataset_ref("key-figures"), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    assert graph.value(report, DCTERMS.creator) == URIRef("http://localhost/#publisher-140007")  # as printed
    assert shacl_results(graph, "shapes") == set() == shacl_results(graph, "range")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("140007", ("http://data.e-stat.go.jp/lod/sac/C14000-19700401", "140007", "神奈川県")),
        ("141003", (None, "141003", "神奈川県")),  # a city's IRI carries a date the code does not give
        ("14000", None),
        ("", None),
    ],
)
def test_the_area_iri_is_given_only_where_the_code_alone_fixes_it(code, expected):
    from dataclasses import replace

    package = CATALOG.get("dialogue-forum")
    descriptor = {
        **package.descriptor,
        "spatial": {"localGovernmentCode": code, "localGovernmentName": "神奈川県"},
    }
    assert metadata.area(replace(package, descriptor=descriptor)) == expected


def test_the_shapes_catch_what_the_old_documents_did_wrong(client):
    """The validator setup is live: the defects this catalog once had are found again."""
    graph = turtle(client, "/dataset/key-figures.ttl")
    ref = dataset_ref("key-figures")
    graph.add((ref, URIRef("http://www.w3.org/ns/adms#identifier"), Literal("key-figures")))
    distribution = next(graph.objects(ref, DCAT.distribution))
    graph.remove((distribution, URIRef("http://data.europa.eu/r5r/availability"), None))
    adms = "http://www.w3.org/ns/adms#identifier"
    assert ("Violation", str(ref), adms) in shacl_results(graph, "shapes")
    availability = ("Warning", str(distribution), "http://data.europa.eu/r5r/availability")
    assert availability in shacl_results(graph, "shapes_recommended")
