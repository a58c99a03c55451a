"""The vocabularies the graph reuses, and our own small ``kg:`` namespace."""

from __future__ import annotations

import pyoxigraph as ox


class Namespace:
    """An IRI prefix; ``NS.term`` and ``NS["term"]`` give pyoxigraph ``NamedNode`` s.

    Not a ``str`` subclass on purpose: ``DCTERMS.title`` must not be ``str.title``.
    """

    __slots__ = ("_base",)

    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return ox.NamedNode(self._base + name)

    def __getitem__(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(self._base + name)

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"Namespace({self._base!r})"


KG = Namespace("https://w3id.org/scholarly-kg/ns#")
ARXIV = Namespace("https://w3id.org/scholarly-kg/arxiv/")
GRAPHS = Namespace("https://w3id.org/scholarly-kg/graph/")
SOFTWARE = Namespace("https://w3id.org/scholarly-kg/software/")
DEFAULT_BASE_IRI = "https://w3id.org/scholarly-kg/id/"

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRO = Namespace("http://purl.org/spar/pro/")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")

# Prefixes for Turtle/TriG/JSON-LD output and SPARQL, in one place.
PREFIXES: dict[str, str] = {
    "kg": str(KG), "arxiv": str(ARXIV), "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL),
    "xsd": str(XSD), "skos": str(SKOS), "dcterms": str(DCTERMS), "foaf": str(FOAF),
    "org": str(ORG), "schema": str(SCHEMA), "prov": str(PROV), "fabio": str(FABIO),
    "pro": str(PRO), "void": str(VOID), "sh": str(SH),
}

# Named graph holding the shipped ontology and vocabularies (never a source graph).
ONTOLOGY_GRAPH = GRAPHS.ontology
