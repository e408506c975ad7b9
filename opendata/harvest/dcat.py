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
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from opendata import metadata
from opendata.catalog.changes import ckan_time, parse_time
from opendata.catalog.models import Package
from opendata.harvest import dcat_context as context
from opendata.harvest.catalog import Entry
from opendata.harvest.dcat_context import ADMS, DCAT, DCATAP, VCARD

SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "http://www.iana.org/assignments/media-types/"
# The Data Package version every shipped descriptor declares in its `$schema`.
DATA_PACKAGE = URIRef("https://datapackage.org/profiles/2.0/datapackage.json")
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "hydra": HYDRA,
            "owl": OWL, "xsd": XSD, "skos": SKOS, "adms": ADMS, "locn": LOCN, "rdfs": RDFS,
            "prov": PROV, "dcatap": DCATAP}  # fmt: skip
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


def service_uri(root: str) -> URIRef:
    """The one dcat:DataService: this service's API, which serves every dataset."""
    return URIRef(f"{root}/api/v1")


def add_distribution(
    graph: Graph, root: str, dataset: URIRef, resource: dict[str, Any], licence: URIRef | None
) -> None:
    ref = URIRef(f"{dataset}/resource/{resource['id']}")
    graph.add((dataset, DCAT.distribution, ref))
    graph.add((ref, RDF.type, DCAT.Distribution))
    graph.add((ref, DCTERMS.identifier, Literal(resource["id"])))
    graph.add(
        (
            ref,
            DCTERMS.title,
            Literal(resource["name"], lang="ja" if resource.get("frictionless_name") else None),
        )
    )
    if resource.get("title_english"):
        graph.add((ref, DCTERMS.title, Literal(resource["title_english"], lang="en")))
    if resource.get("description"):
        graph.add((ref, DCTERMS.description, Literal(resource["description"])))
    url = URIRef(resource["url"])
    graph.add((ref, DCAT.accessURL, url))
    graph.add((ref, DCATAP.availability, context.concept(graph, context.AVAILABILITY, "stable")))
    # The API answers JSON (and CSV) rows; its distribution says JSON, the formats are files.
    file_type = "JSON" if resource["format"] == "API" else resource["format"]
    graph.add(
        (ref, DCTERMS["format"], context.typed(graph, EU_FILE_TYPE + file_type, DCTERMS.MediaTypeOrExtent))
    )
    graph.add((ref, DCAT.mediaType, context.typed(graph, IANA + resource["mimetype"], DCTERMS.MediaType)))
    if resource["format"] == "API":
        graph.add((ref, DCAT.accessService, service_uri(root)))
    else:
        graph.add((ref, DCAT.downloadURL, url))
    if licence is not None:
        graph.add((ref, DCTERMS.license, licence))
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
        graph.add((ref, DCTERMS.conformsTo, context.typed(graph, DATA_PACKAGE, DCTERMS.Standard)))
    for key, predicate in (("created", DCTERMS.issued), ("last_modified", DCTERMS.modified)):
        value = _time(resource.get(key))
        if value is not None:
            graph.add((ref, predicate, value))


def add_dataset(
    graph: Graph, root: str, entry: Entry, package: dict[str, Any], publishing: metadata.Publishing
) -> URIRef:
    """One dcat:Dataset with its distributions; returns its URI."""
    ref = dataset_uri(root, package)
    extras = _extras(package)
    source = entry.package
    identifier = BNode()
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(package["name"])))
    publisher = context.agent(graph, root, publishing.publisher(source))
    page = context.typed(graph, f"{root}/datasets/{package['name']}", FOAF.Document)
    triples = [
        (RDF.type, DCAT.Dataset),
        (DCTERMS.identifier, Literal(package["id"])),
        (ADMS.identifier, identifier),
        (DCTERMS.title, Literal(package["title"], lang="ja")),
        (DCTERMS.description, Literal(package["notes"])),
        (DCTERMS.publisher, publisher),
        (DCTERMS.creator, publisher),
        (OWL.versionInfo, Literal(package["version"])),
        (DCTERMS.issued, _time(package["metadata_created"])),
        (DCTERMS.modified, _time(package["metadata_modified"])),
        (DCAT.landingPage, page),  # the dataset's web page
    ]
    if extras.get("title_english"):
        triples.append((DCTERMS.title, Literal(extras["title_english"], lang="en")))
    triples += [(DCAT.keyword, Literal(tag["name"])) for tag in package["tags"]]
    for predicate, value in triples:
        if value is not None:
            graph.add((ref, predicate, value))
    context.contact_point(graph, ref, publishing.publisher(source))
    context.dataset_terms(graph, ref, source)
    context.themes(graph, root, ref, source)
    context.area(graph, ref, source)
    context.source_report(graph, root, ref, source)
    _add_context(graph, ref, entry, extras)
    licence = context.licence(graph, package["license_url"]) if package.get("license_url") else None
    for resource in package["resources"]:  # a table's CSV and its other formats are resources each
        add_distribution(graph, root, ref, resource, licence)
    add_versions(graph, root, ref, entry)
    return ref


def add_versions(graph: Graph, root: str, ref: URIRef, entry: Entry) -> None:
    """Each release as a version of the dataset (DCAT 3 versioning).

    Typed dcat:Resource, not dcat:Dataset: a harvester imports every dcat:Dataset it finds,
    and a past release is not a dataset of its own.
    """
    current = entry.package.release_id
    for release in entry.releases:
        version = URIRef(f"{root}/api/v1/datasets/{entry.package.name}/releases/{release.id}")
        graph.add((ref, DCAT.hasVersion, version))
        if release.id == current:
            graph.add((ref, DCAT.hasCurrentVersion, version))
        for predicate, value in (
            (RDF.type, DCAT.Resource),
            (DCAT.isVersionOf, ref),
            (DCAT.version, Literal(release.id)),
            (OWL.versionInfo, Literal(release.version)),
            (DCTERMS.issued, _time(release.published)),
            (DCTERMS.modified, _time(release.published)),
            (ADMS.versionNotes, Literal(version_notes(release.changes))),
        ):
            if value is not None:
                graph.add((version, predicate, value))
        if release.previous:
            previous = URIRef(f"{root}/api/v1/datasets/{entry.package.name}/releases/{release.previous}")
            graph.add((version, DCAT.previousVersion, previous))


def version_notes(changes: dict[str, Any]) -> str:
    if not changes:
        return "First release."
    rows = changes.get("rows", {})
    return (
        f"{rows.get('added', 0)} rows added, {rows.get('removed', 0)} removed, "
        f"{rows.get('changed', 0)} changed; {changes.get('schema_changes', 0)} schema changes."
    )


def _add_context(graph: Graph, ref: URIRef, entry: Entry, extras: dict[str, str]) -> None:
    """Period and provenance: what DCAT-AP recommends beyond the basics."""
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
        rights = BNode()
        graph.add((ref, DCTERMS.rights, rights))
        graph.add((rights, RDF.type, DCTERMS.RightsStatement))
        graph.add((rights, RDFS.label, Literal(extras["attribution"])))


def add_service(graph: Graph, root: str, title: str, operator: metadata.Agent) -> URIRef:
    """The API as one named dcat:DataService, run by the operator; datasets are added as served."""
    service = service_uri(root)
    description = URIRef(f"{root}/api/v1/openapi.json")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal(title, lang="en")))
    graph.add((service, DCTERMS.description, Literal(
        "Rows of every table as JSON or CSV with filters, sorting and keyset paging; the "
        "OpenAPI document describes every endpoint.", lang="en")))  # fmt: skip
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, description))
    # Its endpoints implement what its own OpenAPI document specifies.
    graph.add((service, DCTERMS.conformsTo, context.typed(graph, str(description), DCTERMS.Standard)))
    graph.add((service, DCTERMS.publisher, context.agent(graph, root, operator)))
    graph.add((service, DCAT.keyword, Literal("API")))
    graph.add((service, DCAT.keyword, Literal("オープンデータ", lang="ja")))
    graph.add((service, DCAT.theme, context.eu_theme(graph, "GOVE")))  # public-sector information
    context.contact_point(graph, service, operator)
    return service


def catalog_graph(
    root: str,
    title: str,
    publishing: metadata.Publishing,
    items: list[tuple[Entry, dict[str, Any]]],
    paging: Paging,
    modified: datetime,
    issued: datetime,
    everything: list[Package],
) -> Graph:
    """A dcat:Catalog holding one page of datasets, the API that serves them, and the Hydra paging."""
    graph = new_graph()
    catalog = URIRef(root)
    publisher = context.agent(graph, root, publishing.operator)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(title, lang="en")))
    description = f"{publishing.operator.name}が公開するオープンデータのカタログ"
    graph.add((catalog, DCTERMS.description, Literal(description, lang="ja")))
    graph.add((catalog, FOAF.homepage, context.typed(graph, f"{root}/", FOAF.Document)))
    for code in ("ja", "en"):
        iri = metadata.language_iri(code)
        assert iri is not None
        graph.add((catalog, DCTERMS.language, context.typed(graph, iri, DCTERMS.LinguisticSystem)))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.issued, Literal(ckan_time(issued), datatype=XSD.dateTime)))
    graph.add((catalog, DCTERMS.modified, Literal(ckan_time(modified), datatype=XSD.dateTime)))
    context.theme_taxonomies(graph, root, catalog)
    service = add_service(graph, root, title, publishing.operator)
    graph.add((catalog, DCAT.service, service))
    licences = {lic["path"] for p in everything for lic in p.licenses[:1] if lic.get("path")}
    if len(licences) == 1:  # the catalog's metadata is under the licence all its datasets share
        graph.add((catalog, DCTERMS.license, context.licence(graph, licences.pop())))
    for known in everything:
        context.area(graph, catalog, known)
    for entry, package in items:
        ref = add_dataset(graph, root, entry, package, publishing)
        graph.add((catalog, DCAT.dataset, ref))
        graph.add((service, DCAT.servesDataset, ref))
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


def dataset_graph(
    root: str, title: str, publishing: metadata.Publishing, entry: Entry, package: dict[str, Any]
) -> Graph:
    """One dataset, with the API service that serves it (so its accessService resolves here)."""
    graph = new_graph()
    ref = add_dataset(graph, root, entry, package, publishing)
    graph.add((add_service(graph, root, title, publishing.operator), DCAT.servesDataset, ref))
    return graph


def serialize(graph: Graph, extension: str) -> bytes:
    rdf_format, _ = FORMATS[extension]
    if rdf_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")
    return graph.serialize(format=rdf_format, encoding="utf-8")
