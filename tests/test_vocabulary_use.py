"""The reused vocabularies are used as their own files define them (checked against ontology/vendor/)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import ONTOLOGY_GRAPH, PREFIXES, PROV, SCHEMA
from kg.resources import ontology_dir
from kg.store import KGStore
from kg.validate import validate_triples

KG = rdflib.Namespace(PREFIXES["kg"])
PRO = rdflib.Namespace(PREFIXES["pro"])


@pytest.fixture(scope="module")
def seed(seed_memory_store: KGStore) -> rdflib.Graph:
    return to_rdflib_graph(q for q in seed_memory_store.quads() if q.graph_name != ONTOLOGY_GRAPH)


def test_has_authorship_is_under_the_inverse_pro_names() -> None:
    kg_ttl = rdflib.Graph().parse(ontology_dir() / "kg.ttl")
    pro = rdflib.Graph().parse(ontology_dir() / "vendor" / "pro.ttl")
    [parent] = kg_ttl.objects(KG.hasAuthorship, RDFS.subPropertyOf)
    assert parent == PRO.isDocumentContextFor  # a named PRO property, not an anonymous inverse
    assert (PRO.isDocumentContextFor, OWL.inverseOf, PRO.relatesToDocument) in pro
    assert (PRO.isDocumentContextFor, OWL.inverseOf, PRO.relatesToDocument) in kg_ttl  # repeated


def test_software_agents_are_software_applications(seed: rdflib.Graph) -> None:
    """schema:softwareVersion describes a schema:SoftwareApplication: every agent that has one is one."""
    agents = set(seed.subjects(RDF.type, rdflib.URIRef(PROV.SoftwareAgent.value)))
    versioned = set(seed.subjects(rdflib.URIRef(SCHEMA.softwareVersion.value), None))
    assert len(agents) == 2 and versioned == agents  # the build tool and the topic extractor
    assert agents <= set(seed.subjects(RDF.type, rdflib.URIRef(SCHEMA.SoftwareApplication.value)))


def test_an_agent_that_is_not_a_software_application_is_refused(seed_memory_store: KGStore) -> None:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in seed_memory_store.quads()
               if q.graph_name != ONTOLOGY_GRAPH and q.object != SCHEMA.SoftwareApplication]
    result = validate_triples(triples)
    assert {(v.focus, v.path, v.message) for v in result.results} == {
        (f"<{agent}>", "rdf:type",
         "a software agent is also a schema:SoftwareApplication, the class schema:softwareVersion describes")
        for agent in _agent_names(seed_memory_store)}


def _agent_names(store: KGStore) -> set[str]:
    return {q.subject.value for q in store.quads()
            if q.predicate == ox.NamedNode(str(RDF.type)) and q.object == PROV.SoftwareAgent}


def test_artifact_alt_labels_have_a_language(seed: rdflib.Graph) -> None:
    artifacts = set(seed.subjects(RDF.type, KG.ProposedArtifact))
    alt = [(a, label) for a in artifacts for label in seed.objects(a, SKOS.altLabel)]
    assert alt and all(label.language == "en" for _, label in alt)
    # The name itself stays one plain string.
    assert all(len(list(seed.objects(a, RDFS.label))) == 1 for a in artifacts)
    assert all(label.language is None for a in artifacts for label in seed.objects(a, RDFS.label))
