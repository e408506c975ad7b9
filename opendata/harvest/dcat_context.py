"""The DCAT-AP nodes around a dataset: agents, contact point, area, themes, source report, vocabularies.

Values come from opendata.metadata; this module only says them in RDF. IRIs of the EU
authority tables (frequency, language, data theme, file type) and of ADMS are typed with the
classes DCAT-AP 3 expects of them, so the SHACL range shapes can check a document on its own.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from opendata import metadata
from opendata.catalog.models import Package

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
# DCAT-AP's availability vocabulary: kept as long as the service runs, not archived.
AVAILABILITY = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
LICENCE_TYPE_ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
EU_THEME_SCHEME = URIRef(f"{metadata.EU_AUTHORITY}data-theme")


def concept(graph: Graph, iri: URIRef, label: str, lang: str | None = "en") -> URIRef:
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.prefLabel, Literal(label, lang=lang)))
    return iri


def agent(graph: Graph, root: str, who: metadata.Agent) -> URIRef:
    """A foaf:Agent with what is known of it: name, English name, home page, ADMS type."""
    ref = URIRef(f"{root}/#{who.key}" if who.key == "operator" else f"{root}/#publisher-{who.key}")
    graph.add((ref, RDF.type, FOAF.Agent))
    graph.add((ref, RDF.type, FOAF.Organization))
    graph.add((ref, FOAF.name, Literal(who.name, lang="ja" if who.key != "operator" else None)))
    if who.name_english:
        graph.add((ref, FOAF.name, Literal(who.name_english, lang="en")))
    if who.url:
        graph.add((ref, FOAF.homepage, URIRef(who.url)))
        graph.add((URIRef(who.url), RDF.type, FOAF.Document))
    if who.kind:
        kind = URIRef(metadata.ADMS_PUBLISHER_TYPE + who.kind)
        label = re.sub(
            r"(?<=[a-z])(?=[A-Z])", " ", who.kind
        ).capitalize()  # RegionalAuthority -> Regional authority
        graph.add((ref, DCTERMS.type, concept(graph, kind, label)))
    return ref


def contact_point(graph: Graph, subject: URIRef, who: metadata.Agent) -> None:
    """dcat:contactPoint as a vCard with exactly the details that are set."""
    card = BNode()
    graph.add((subject, DCAT.contactPoint, card))
    graph.add((card, RDF.type, VCARD.Kind))
    graph.add((card, RDF.type, VCARD.Organization))
    graph.add((card, VCARD.fn, Literal(who.name)))
    if who.email:
        graph.add((card, VCARD.hasEmail, URIRef(f"mailto:{who.email}")))
    if who.url:
        graph.add((card, VCARD.hasURL, URIRef(who.url)))
    if who.phone:
        graph.add((card, VCARD.hasTelephone, URIRef(f"tel:{''.join(who.phone.split())}")))


def area(graph: Graph, subject: URIRef, package: Package) -> None:
    """dct:spatial: the area's e-Stat LOD IRI, with its 全国地方公共団体コード as skos:notation."""
    found = metadata.area(package)
    if found is None:
        return
    iri, code, name = found
    place = URIRef(iri) if iri else BNode()
    graph.add((subject, DCTERMS.spatial, place))
    graph.add((place, RDF.type, DCTERMS.Location))
    graph.add((place, SKOS.notation, Literal(code)))
    if name:
        graph.add((place, SKOS.prefLabel, Literal(name, lang="ja")))


def theme_scheme(root: str) -> URIRef:
    return URIRef(f"{root}/#themes")


def eu_theme(graph: Graph, code: str) -> URIRef:
    theme = concept(graph, URIRef(metadata.eu_theme_iri(code)), metadata.EU_THEMES[code])
    graph.add((theme, SKOS.inScheme, EU_THEME_SCHEME))
    return theme


def themes(graph: Graph, root: str, subject: URIRef, package: Package) -> None:
    """EU data themes, and beside them the catalog's own Japanese theme (the home page's grouping)."""
    for code in metadata.THEME_TO_EU.get(package.theme, ()):
        graph.add((subject, DCAT.theme, eu_theme(graph, code)))
    if package.theme:
        own = concept(graph, URIRef(f"{root}/?theme={quote(package.theme)}"), package.theme, "ja")
        graph.add((own, SKOS.inScheme, theme_scheme(root)))
        graph.add((subject, DCAT.theme, own))


def theme_taxonomies(graph: Graph, root: str, catalog: URIRef) -> None:
    schemes = (
        (EU_THEME_SCHEME, Literal("Data theme", lang="en"), URIRef(EU_THEME_SCHEME)),
        (theme_scheme(root), Literal("テーマ（このカタログの分類）", lang="ja"), URIRef(f"{root}/")),
    )
    for scheme, title, homepage in schemes:
        graph.add((catalog, DCAT.themeTaxonomy, scheme))
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, DCTERMS.title, title))
        graph.add((scheme, FOAF.homepage, homepage))
        graph.add((homepage, RDF.type, FOAF.Document))


def dataset_terms(graph: Graph, ref: URIRef, package: Package) -> None:
    """Languages and update frequency from the descriptor's `language` and `updateFrequency`."""
    for code in metadata.languages(package):
        iri = metadata.language_iri(code)
        if iri:
            graph.add((ref, DCTERMS.language, typed(graph, iri, DCTERMS.LinguisticSystem)))
    frequency = metadata.frequency(package)
    if frequency:
        iri = metadata.frequency_iri(frequency)
        graph.add((ref, DCTERMS.accrualPeriodicity, typed(graph, iri, DCTERMS.Frequency)))


def typed(graph: Graph, iri: str, cls: URIRef) -> URIRef:
    ref = URIRef(iri)
    graph.add((ref, RDF.type, cls))
    return ref


def licence(graph: Graph, url: str) -> URIRef:
    ref = typed(graph, url, DCTERMS.LicenseDocument)
    graph.add((ref, DCTERMS.type, concept(graph, LICENCE_TYPE_ATTRIBUTION, "Attribution")))
    return ref


def source_report(graph: Graph, root: str, subject: URIRef, package: Package) -> None:
    """The report the tables are derived from (prov:wasDerivedFrom), with the body that issued it.

    Not dct:source: DCAT-AP 3 gives dct:source the range dcat:Dataset, and the report is a
    printed document, not a dataset.
    """
    source = package.source
    if not source.get("title"):
        return
    report = URIRef(f"{root}/datasets/{package.name}#source")
    graph.add((subject, PROV.wasDerivedFrom, report))
    graph.add((report, RDF.type, FOAF.Document))
    graph.add((report, RDF.type, DCTERMS.BibliographicResource))
    graph.add((report, DCTERMS.title, Literal(source["title"], lang="ja")))
    if source.get("titleEnglish"):
        graph.add((report, DCTERMS.title, Literal(source["titleEnglish"], lang="en")))
    if source.get("date"):
        graph.add((report, DCTERMS.issued, Literal(source["date"], datatype=XSD.date)))
    body = agent(graph, root, metadata.report_body(package))
    graph.add((report, DCTERMS.creator, body))
    graph.add((report, DCTERMS.publisher, body))
