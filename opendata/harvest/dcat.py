"""The catalog as DCAT-AP RDF (rdflib), paged with Hydra the way ckanext-dcat pages it.

Built from the same package dicts as the CKAN action API, so a dataset's distributions are
its CKAN resources: the same UUIDs, URLs, sizes and sha256 checksums. URIs follow CKAN's
pattern, `<root>/dataset/<id>` and `<root>/dataset/<id>/resource/<resource id>`, so a
DCAT harvester sees stable identifiers whatever the dataset is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from opendata.catalog.changes import ckan_time, parse_time
from opendata.harvest.catalog import Entry

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
IANA = "http://www.iana.org/assignments/media-types/"
DATA_PACKAGE = URIRef("https://datapackage.org/standard/data-package/")
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "hydra": HYDRA,
            "owl": OWL, "xsd": XSD, "skos": SKOS, "adms": ADMS, "locn": LOCN, "rdfs": RDFS}  # fmt: skip
# extension -> (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
    "xml": ("pretty-xml", "application/rdf+xml"),
    "n3": ("n3", "text/n3"),
}


@dataclass(frozen=True)
class Paging:
    """Where one page sits in the whole: the Hydra description ckanext-dcat's harvester follows."""

    number: int
    size: int
    total: int
    url: str  # the catalog URL without page=, keeping the other parameters

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))

    def page_url(self, number: int) -> str:
        return f"{self.url}{'&' if '?' in self.url else '?'}{urlencode({'page': number})}"


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def dataset_uri(root: str, package: dict[str, Any]) -> URIRef:
    return URIRef(f"{root}/dataset/{package['id']}")


def _time(value: str | None) -> Literal | None:
    parsed = parse_time(value)
    return Literal(ckan_time(parsed), datatype=XSD.dateTime) if parsed else None


def _date(value: str | None) -> Literal | None:
    parsed = parse_time(value)
    return Literal(parsed.date().isoformat(), datatype=XSD.date) if parsed else None


def _extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras", [])}


def add_publisher(graph: Graph, root: str, organization: dict[str, Any]) -> URIRef:
    publisher = URIRef(f"{root}/organization/{organization['name']}")
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(organization["title"], lang="ja")))
    graph.add((publisher, DCTERMS.identifier, Literal(organization["id"])))
    return publisher


def add_distribution(
    graph: Graph, dataset: URIRef, resource: dict[str, Any], package: dict[str, Any]
) -> None:
    ref = URIRef(f"{dataset}/resource/{resource['id']}")
    graph.add((dataset, DCAT.distribution, ref))
    graph.add((ref, RDF.type, DCAT.Distribution))
    graph.add((ref, DCTERMS.identifier, Literal(resource["id"])))
    graph.add(
        (ref, DCTERMS.title, Literal(resource["name"], lang="ja" if resource["format"] == "CSV" else None))
    )
    if resource.get("title_english"):
        graph.add((ref, DCTERMS.title, Literal(resource["title_english"], lang="en")))
    if resource.get("description"):
        graph.add((ref, DCTERMS.description, Literal(resource["description"])))
    url = URIRef(resource["url"])
    graph.add((ref, DCAT.accessURL, url))
    if resource["format"] != "API":
        graph.add((ref, DCAT.downloadURL, url))
        graph.add((ref, DCTERMS["format"], URIRef(EU_FILE_TYPE + resource["format"])))
    graph.add((ref, DCAT.mediaType, URIRef(IANA + resource["mimetype"])))
    if package.get("license_url"):
        graph.add((ref, DCTERMS.license, URIRef(package["license_url"])))
    if resource.get("size") is not None:
        graph.add((ref, DCAT.byteSize, Literal(int(resource["size"]), datatype=XSD.nonNegativeInteger)))
    digest = str(resource.get("hash") or "")
    if digest.startswith("sha256:"):
        checksum = BNode()
        graph.add((ref, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add(
            (checksum, SPDX.checksumValue, Literal(digest.removeprefix("sha256:"), datatype=XSD.hexBinary))
        )
    if resource["format"] == "JSON":
        graph.add((ref, DCTERMS.conformsTo, DATA_PACKAGE))
    if resource["format"] == "API":
        service = BNode()
        graph.add((ref, DCAT.accessService, service))
        graph.add((service, RDF.type, DCAT.DataService))
        graph.add((service, DCTERMS.title, Literal(resource["name"])))
        endpoint = resource["url"].split("/datasets/")[0]
        graph.add((service, DCAT.endpointURL, URIRef(endpoint)))
        graph.add((service, DCAT.endpointDescription, URIRef(f"{endpoint}/openapi.json")))
    for key, predicate in (("created", DCTERMS.issued), ("last_modified", DCTERMS.modified)):
        value = _time(resource.get(key))
        if value is not None:
            graph.add((ref, predicate, value))


def add_dataset(graph: Graph, root: str, entry: Entry, package: dict[str, Any], publisher: URIRef) -> URIRef:
    """One dcat:Dataset with its distributions; returns its URI."""
    ref = dataset_uri(root, package)
    extras = _extras(package)
    triples = [
        (RDF.type, DCAT.Dataset),
        (DCTERMS.identifier, Literal(package["id"])),
        (ADMS.identifier, Literal(package["name"])),
        (DCTERMS.title, Literal(package["title"], lang="ja")),
        (DCTERMS.description, Literal(package["notes"])),
        (DCTERMS.publisher, publisher),
        (DCTERMS.language, EU_LANGUAGE),
        (OWL.versionInfo, Literal(package["version"])),
        (DCTERMS.issued, _time(package["metadata_created"])),
        (DCTERMS.modified, _time(package["metadata_modified"])),
        (DCAT.landingPage, URIRef(f"{root}/datasets/{package['name']}")),  # the dataset's web page
    ]
    if extras.get("title_english"):
        triples.append((DCTERMS.title, Literal(extras["title_english"], lang="en")))
    triples += [(DCAT.keyword, Literal(tag["name"])) for tag in package["tags"]]
    for predicate, value in triples:
        if value is not None:
            graph.add((ref, predicate, value))
    _add_context(graph, ref, entry, package, extras)
    for resource in package["resources"]:
        add_distribution(graph, ref, resource, package)
    return ref


def _add_context(
    graph: Graph, ref: URIRef, entry: Entry, package: dict[str, Any], extras: dict[str, str]
) -> None:
    """Contact, place, period and provenance: what DCAT-AP recommends beyond the basics."""
    contact = BNode()
    graph.add((ref, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(package.get("maintainer") or package.get("author") or "")))
    if extras.get("local_government_name"):
        place = BNode()
        graph.add((ref, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.prefLabel, Literal(extras["local_government_name"], lang="ja")))
        if extras.get("local_government_code"):
            graph.add((place, DCTERMS.identifier, Literal(extras["local_government_code"])))
    start, end = _date(entry.coverage.get("start")), _date(entry.coverage.get("end"))
    if start is not None or end is not None:
        period = BNode()
        graph.add((ref, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if start is not None:
            graph.add((period, DCAT.startDate, start))
        if end is not None:
            graph.add((period, DCAT.endDate, end))
    citation = " ".join(
        part
        for part in (
            extras.get("source_report"),
            extras.get("source_date"),
            extras.get("section") and f"{extras['section']} {extras.get('section_title', '')}".strip(),
            extras.get("page") and f"p.{extras['page']}",
        )
        if part
    )
    if citation:
        statement = BNode()
        graph.add((ref, DCTERMS.provenance, statement))
        graph.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
        graph.add((statement, RDFS.label, Literal(citation, lang="ja")))
    if extras.get("attribution"):
        graph.add((ref, DCTERMS.rights, Literal(extras["attribution"])))


def catalog_graph(
    root: str,
    title: str,
    organization: dict[str, Any],
    items: list[tuple[Entry, dict[str, Any]]],
    paging: Paging,
    modified: datetime,
) -> Graph:
    """A dcat:Catalog holding one page of datasets, with its hydra:PagedCollection."""
    graph = new_graph()
    catalog = URIRef(root)
    publisher = add_publisher(graph, root, organization)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(title, lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(f"{organization['title']}のオープンデータ", lang="ja")))
    graph.add((catalog, FOAF.homepage, URIRef(f"{root}/")))
    graph.add((catalog, DCTERMS.language, EU_LANGUAGE))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.modified, Literal(ckan_time(modified), datatype=XSD.dateTime)))
    for entry, package in items:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, root, entry, package, publisher)))
    add_paging(graph, paging)
    return graph


def add_paging(graph: Graph, paging: Paging) -> None:
    """hydra:PagedCollection with both the current and the deprecated predicates, as ckanext-dcat writes."""
    node = URIRef(paging.page_url(paging.number))
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    links = {"first": 1, "last": paging.last}
    if paging.number < paging.last:
        links["next"] = paging.number + 1
    if paging.number > 1:
        links["previous"] = paging.number - 1
    for name, number in links.items():
        for predicate in (HYDRA[f"{name}Page"], HYDRA[name]):
            graph.add((node, predicate, Literal(paging.page_url(number))))
    graph.add((node, HYDRA.totalItems, Literal(paging.total)))
    graph.add((node, HYDRA.itemsPerPage, Literal(paging.size)))


def dataset_graph(root: str, organization: dict[str, Any], entry: Entry, package: dict[str, Any]) -> Graph:
    graph = new_graph()
    add_dataset(graph, root, entry, package, add_publisher(graph, root, organization))
    return graph


def serialize(graph: Graph, extension: str) -> bytes:
    rdf_format, _ = FORMATS[extension]
    if rdf_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")
    return graph.serialize(format=rdf_format, encoding="utf-8")
