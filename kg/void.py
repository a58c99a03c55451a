"""Statistics of the store, and their VoID description (https://www.w3.org/TR/void/).

Every number is counted by Oxigraph with SPARQL aggregates (nothing is iterated in Python).
The whole dataset is the union of the committed graphs, duplicates removed; each committed
named graph (one per source, plus the ontology) is a ``void:subset`` with its own triples,
entities, class partitions and property partitions.

"Entities" follows the usual VoID reading: distinct IRI subjects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.rdf.namespaces import DCTERMS, GRAPHS, PREFIXES, RDF, VOID, XSD
from kg.store import KGStore

DATASET = GRAPHS.dataset  # the IRI of the whole store's void:Dataset

_WHOLE = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
    "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
}
_WHOLE_CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
_WHOLE_PROPERTIES = ("SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
                     "GROUP BY ?p")
_PER_GRAPH = {
    "triples": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "entities": "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o FILTER(isIRI(?s)) } } "
                "GROUP BY ?g",
    "distinctSubjects": "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "distinctObjects": "SELECT ?g (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}
_PER_GRAPH_CLASSES = "SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g ?c"
_PER_GRAPH_PROPERTIES = "SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p"


@dataclass
class Partition:
    """The counts of one dataset (the whole store, or one named graph)."""

    iri: ox.NamedNode
    counts: dict[str, int] = field(default_factory=dict)
    classes: dict[ox.NamedNode, int] = field(default_factory=dict)      # class -> entities
    properties: dict[ox.NamedNode, int] = field(default_factory=dict)   # property -> triples


def _sorted(d: dict[ox.NamedNode, int]) -> dict[ox.NamedNode, int]:
    return dict(sorted(d.items(), key=lambda kv: kv[0].value))


def dataset_stats(store: KGStore) -> Partition:
    """Counts of the union of the committed graphs (duplicates across graphs removed)."""
    whole = Partition(DATASET)
    for name, sparql in _WHOLE.items():
        whole.counts[name] = int(next(iter(store.query(sparql)))["n"].value)
    whole.classes = _sorted({r["c"]: int(r["n"].value) for r in store.query(_WHOLE_CLASSES)
                             if isinstance(r["c"], ox.NamedNode)})
    whole.properties = _sorted({r["p"]: int(r["n"].value) for r in store.query(_WHOLE_PROPERTIES)})
    whole.counts["classes"] = len(whole.classes)
    whole.counts["properties"] = len(whole.properties)
    return whole


def graph_stats(store: KGStore) -> list[Partition]:
    """Counts of each committed named graph, in graph order."""
    parts = {g: Partition(g) for g in store.graphs()}
    for name, sparql in _PER_GRAPH.items():
        for r in store.ox.query(sparql):
            if r["g"] in parts:
                parts[r["g"]].counts[name] = int(r["n"].value)
    for r in store.ox.query(_PER_GRAPH_CLASSES):
        if r["g"] in parts and isinstance(r["c"], ox.NamedNode):
            parts[r["g"]].classes[r["c"]] = int(r["n"].value)
    for r in store.ox.query(_PER_GRAPH_PROPERTIES):
        if r["g"] in parts:
            parts[r["g"]].properties[r["p"]] = int(r["n"].value)
    for p in parts.values():
        for name in _PER_GRAPH:
            p.counts.setdefault(name, 0)
        p.classes, p.properties = _sorted(p.classes), _sorted(p.properties)
        p.counts["classes"], p.counts["properties"] = len(p.classes), len(p.properties)
    return list(parts.values())


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD.integer)


def _describe(part: Partition, tag: str) -> list[ox.Triple]:
    s = part.iri
    out = [ox.Triple(s, RDF.type, VOID.Dataset)]
    out += [ox.Triple(s, VOID[name], _int(n)) for name, n in part.counts.items()]
    for k, (cls, n) in enumerate(part.classes.items(), start=1):
        node = ox.BlankNode(f"{tag}c{k}")
        out += [ox.Triple(s, VOID.classPartition, node), ox.Triple(node, VOID["class"], cls),
                ox.Triple(node, VOID.entities, _int(n))]
    for k, (prop, n) in enumerate(part.properties.items(), start=1):
        node = ox.BlankNode(f"{tag}p{k}")
        out += [ox.Triple(s, VOID.propertyPartition, node), ox.Triple(node, VOID.property, prop),
                ox.Triple(node, VOID.triples, _int(n))]
    return out


def void_triples(store: KGStore) -> list[ox.Triple]:
    """The VoID description: the store as a void:Dataset with a void:subset per named graph.

    Blank-node labels are fixed (``d0c1``...), so equal stores give byte-identical output.
    """
    triples = [ox.Triple(DATASET, DCTERMS.title, ox.Literal("scholarly-kg store"))]
    triples += _describe(dataset_stats(store), "d0")
    for k, part in enumerate(graph_stats(store), start=1):
        triples.append(ox.Triple(DATASET, VOID.subset, part.iri))
        triples += _describe(part, f"d{k}")
    first: dict[ox.NamedNode | ox.BlankNode, int] = {}
    for t in triples:
        first.setdefault(t.subject, len(first))
    return sorted(triples, key=lambda t: first[t.subject])  # stable: one block per subject


def void_turtle(store: KGStore) -> str:
    """The VoID description as Turtle, with the project's prefixes."""
    data: bytes = ox.serialize(void_triples(store), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return data.decode("utf-8")


def curie(term: ox.NamedNode) -> str:
    """``kg:position`` for a term in a known namespace, else ``<iri>``."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if term.value.startswith(ns) and len(term.value) > len(ns):
            return f"{prefix}:{term.value[len(ns):]}"
    return f"<{term.value}>"
