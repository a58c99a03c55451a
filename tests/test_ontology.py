"""The shipped ontology files: kg.ttl, arxiv-taxonomy.ttl, context.jsonld and their README.

Term lists are computed from the built seed graph and from the files themselves, never
written out here, so a new term in the mapping must be declared before these pass.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter, defaultdict

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.models import ProfileRecords
from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import ONTOLOGY_GRAPH, PREFIXES
from kg.resources import ontology_dir
from kg.store import KGStore
from kg.taxonomy import categories, category_for_code
from tests.conftest import need

ONT = ontology_dir()
KG = rdflib.Namespace(PREFIXES["kg"])
ARXIV = PREFIXES["arxiv"]
SCHEMA = rdflib.Namespace(PREFIXES["schema"])
DCTERMS = rdflib.Namespace(PREFIXES["dcterms"])
PROV = rdflib.Namespace(PREFIXES["prov"])
PRO = rdflib.Namespace(PREFIXES["pro"])
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/scholarly-kg/ns")
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty}


@pytest.fixture(scope="module")
def kg_ttl() -> rdflib.Graph:
    return rdflib.Graph().parse(ONT / "kg.ttl", format="turtle")


@pytest.fixture(scope="module")
def taxonomy() -> rdflib.Graph:
    return rdflib.Graph().parse(ONT / "arxiv-taxonomy.ttl", format="turtle")


@pytest.fixture(scope="module")
def seed_graph(seed_memory_store: KGStore) -> rdflib.Graph:
    """The seed's source graphs (without the ontology graph), as one rdflib graph."""
    return to_rdflib_graph(q for q in seed_memory_store.quads() if q.graph_name != ONTOLOGY_GRAPH)


@pytest.fixture(scope="module")
def everything(seed_memory_store: KGStore) -> rdflib.Graph:
    """Every committed graph of the seed store, ontology graph included (for rdf:type look-ups)."""
    return to_rdflib_graph(seed_memory_store.quads())


def kg_terms(g: rdflib.Graph) -> set[rdflib.URIRef]:
    return {t for triple in g for t in triple if isinstance(t, rdflib.URIRef) and t.startswith(KG)}


# -- kg.ttl ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["kg.ttl", "shapes.ttl", "arxiv-taxonomy.ttl"])
def test_parses_alike_with_rdflib_pyoxigraph_and_rapper(name: str) -> None:
    path = ONT / name
    with_rdflib = rdflib.Graph().parse(path, format="turtle")
    with path.open("rb") as f:
        with_oxigraph = to_rdflib_graph(ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
    assert len(with_rdflib) == len(with_oxigraph) > 100
    assert isomorphic(with_rdflib, with_oxigraph)
    rapper = need("rapper", "the independent Turtle parser (raptor2-utils)")
    run = subprocess.run([rapper, "-q", "-i", "turtle", "-c", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_ontology_header(kg_ttl: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in kg_ttl
    version = kg_ttl.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version is not None and re.fullmatch(r"\d+\.\d+\.\d+", str(version))
    assert str(kg_ttl.value(ONTOLOGY_IRI, OWL.versionIRI)).endswith("/" + str(version))
    assert kg_ttl.value(ONTOLOGY_IRI, RDFS.comment) is not None


def test_every_kg_term_of_the_seed_graph_is_declared_and_labelled(
        kg_ttl: rdflib.Graph, seed_graph: rdflib.Graph, seed_memory_store: KGStore) -> None:
    # What the built graph uses, by role: properties, classes, and individuals (other objects).
    used_as_property = {p for p in seed_graph.predicates() if p.startswith(KG)}
    used_as_class = {o for o in seed_graph.objects(None, RDF.type) if o.startswith(KG)}
    used_as_individual = {o for s, p, o in seed_graph if isinstance(o, rdflib.URIRef) and o.startswith(KG)
                          and p != RDF.type}
    # build.py fingerprints the ontology graph with kg:sha256.
    used_as_property |= {rdflib.URIRef(q.predicate.value) for q in seed_memory_store.quads(ONTOLOGY_GRAPH)
                         if q.subject == ONTOLOGY_GRAPH}
    assert used_as_property >= {KG.position, KG.hasAuthorship, KG.sha256} and KG.Authorship in used_as_class
    assert used_as_individual == {KG.visible, KG.inferredFromProfile}
    for term in used_as_property:
        assert set(kg_ttl.objects(term, RDF.type)) & PROPERTY_TYPES, f"{term} is not declared as a property"
    for term in used_as_class:
        assert (term, RDF.type, OWL.Class) in kg_ttl, f"{term} is not declared as a class"
    for term in used_as_individual:
        assert (term, RDF.type, OWL.NamedIndividual) in kg_ttl, f"{term} is not declared as an individual"
    for term in used_as_property | used_as_class | used_as_individual:
        assert any(label.language == "en" for label in kg_ttl.objects(term, RDFS.label)), f"{term}: no label"
        assert kg_ttl.value(term, RDFS.comment) is not None, f"{term}: no comment"


def test_every_declared_term_is_documented(kg_ttl: rdflib.Graph) -> None:
    declared = {s for s in kg_ttl.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(KG)}
    # Every kg: term kg.ttl mentions (in a domain, range, super-property, ...) is declared in it.
    assert kg_terms(kg_ttl) == declared
    for term in declared:
        types = set(kg_ttl.objects(term, RDF.type))
        assert types & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual}, term
        assert len(list(kg_ttl.objects(term, RDFS.label))) == 1, term
        comment = kg_ttl.value(term, RDFS.comment)
        assert comment is not None and len(str(comment)) > 20, term
        assert kg_ttl.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI, term


def test_alignments_to_the_reused_vocabularies(kg_ttl: rdflib.Graph) -> None:
    fabio = rdflib.Namespace(PREFIXES["fabio"])
    org = rdflib.Namespace(PREFIXES["org"])
    expected = {
        (KG.Authorship, RDFS.subClassOf, PRO.RoleInTime),
        (KG.ProfileSnapshot, RDFS.subClassOf, PROV.Entity),
        (KG.SourceGraph, RDFS.subClassOf, PROV.Entity),
        (KG.primaryCategory, RDFS.subPropertyOf, DCTERMS.subject),
        (KG.organizationTag, RDFS.subPropertyOf, SCHEMA.sourceOrganization),
        (KG.organizationTag, RDFS.range, org.Organization),
        (KG.arxivId, RDFS.subPropertyOf, DCTERMS.identifier),
        (KG.mentionsAccount, RDFS.subPropertyOf, SCHEMA.mentions),
        (KG.hasAuthorship, RDFS.domain, fabio.ResearchPaper),
        (KG.position, RDFS.range, XSD.integer),
        (KG.visible, RDF.type, KG.AuthorshipEvidence),
        (KG.inferredFromProfile, RDF.type, KG.AuthorshipEvidence),
    }
    assert expected <= set(kg_ttl)
    # kg:hasAuthorship is a sub-property of the inverse of pro:relatesToDocument.
    [inverse] = kg_ttl.objects(KG.hasAuthorship, RDFS.subPropertyOf)
    assert kg_ttl.value(inverse, OWL.inverseOf) == PRO.relatesToDocument


def _domains(kg_ttl: rdflib.Graph, prop: rdflib.URIRef) -> set[rdflib.URIRef]:
    return set(kg_ttl.objects(prop, RDFS.domain)) | set(kg_ttl.objects(prop, SCHEMA.domainIncludes))


def test_domains_ranges_and_functionality_hold_in_the_seed(
        kg_ttl: rdflib.Graph, seed_graph: rdflib.Graph, everything: rdflib.Graph) -> None:
    types: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
    for s, o in everything.subject_objects(RDF.type):
        types[s].add(o)
    checked = Counter[str]()
    for prop in {p for p in seed_graph.predicates() if p.startswith(KG)}:
        domains = _domains(kg_ttl, prop)
        rng = kg_ttl.value(prop, RDFS.range)
        functional = (prop, RDF.type, OWL.FunctionalProperty) in kg_ttl
        values: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
        for s, o in seed_graph.subject_objects(prop):
            values[s].add(o)
            if domains:
                assert types[s] & domains, f"{s} uses {prop} but is none of {domains}"
                checked["domain"] += 1
            if isinstance(o, rdflib.Literal):
                assert (prop, RDF.type, OWL.DatatypeProperty) in kg_ttl, f"{prop} has literal values"
                assert (o.datatype or XSD.string) == (rng or XSD.string), f"{prop} {o!r}: expected {rng}"
                checked["literal range"] += 1
            elif rng is not None:
                assert (prop, RDF.type, OWL.ObjectProperty) in kg_ttl, f"{prop} has IRI values"
                assert rng in types[o] or (o, RDF.type, rng) in kg_ttl, f"{prop} {o}: not a {rng}"
                checked["object range"] += 1
        if functional:
            assert all(len(v) == 1 for v in values.values()), f"{prop} is functional but has several values"
            checked["functional"] += 1
    assert min(checked.values()) > 0 and checked["domain"] > 1000


# -- the arXiv taxonomy ----------------------------------------------------------------------


def test_taxonomy_covers_every_arxiv_archive_and_category(taxonomy: rdflib.Graph) -> None:
    scheme = rdflib.URIRef(ARXIV + "taxonomy")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in taxonomy
    concepts = set(taxonomy.subjects(RDF.type, SKOS.Concept))
    notation = {c: str(taxonomy.value(c, SKOS.notation)) for c in concepts}
    assert len(set(notation.values())) == len(concepts)
    archives = set(taxonomy.objects(scheme, SKOS.hasTopConcept))
    assert archives == set(taxonomy.subjects(SKOS.topConceptOf, scheme))
    narrower = defaultdict(set)
    for c in concepts:
        assert str(c) == ARXIV + notation[c]
        assert (c, SKOS.inScheme, scheme) in taxonomy
        [label] = taxonomy.objects(c, SKOS.prefLabel)
        assert label.language == "en" and str(label).strip() == str(label) and label
        broader = set(taxonomy.objects(c, SKOS.broader))
        if c in archives:
            assert not broader and "." not in notation[c]
        else:
            [parent] = broader
            assert parent in archives and notation[c].startswith(notation[parent] + ".")
            narrower[parent].add(c)
    # A category is a concept under an archive, or an archive without subject classes (hep-th).
    leaves = {c for c in concepts if c not in archives} | {a for a in archives if not narrower[a]}
    assert len(archives) == 20 and len(leaves) == 155
    prefixes = {notation[a] for a in archives}
    assert prefixes >= {"cs", "econ", "eess", "math", "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat",
                        "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph",
                        "q-bio", "q-fin", "stat"}
    assert {notation[c] for c in leaves} >= {"cs.IR", "cs.CL", "cs.LG", "cs.AI", "cs.CV", "stat.ML",
                                             "cond-mat.stat-mech", "physics.soc-ph", "q-fin.TR"}
    # arXiv's aliases (cs.IT is math.IT) are symmetric skos:related links inside the one scheme:
    # no skos:exactMatch between concepts of the same scheme (SKOS mapping properties link schemes).
    assert not list(taxonomy.subject_objects(SKOS.exactMatch))
    for a, b in taxonomy.subject_objects(SKOS.related):
        assert (b, SKOS.related, a) in taxonomy
    assert (rdflib.URIRef(ARXIV + "cs.IT"), SKOS.related, rdflib.URIRef(ARXIV + "math.IT")) in taxonomy


def test_taxonomy_module_reads_the_file(taxonomy: rdflib.Graph, seed_records: ProfileRecords,
                                        seed_graph: rdflib.Graph) -> None:
    cats = categories()
    in_file = {str(taxonomy.value(c, SKOS.notation)): c for c in taxonomy.subjects(RDF.type, SKOS.Concept)}
    assert set(cats) == set(in_file)
    for n, cat in cats.items():
        assert cat.iri == str(in_file[n]) and cat.label == str(taxonomy.value(in_file[n], SKOS.prefLabel))
    assert category_for_code("IR").notation == "cs.IR"  # type: ignore[union-attr]
    assert category_for_code("ML").notation == "stat.ML"  # type: ignore[union-attr]
    assert category_for_code("hep-th").label == "High Energy Physics - Theory"  # type: ignore[union-attr]
    assert category_for_code("ZZ") is None
    # Every code of the seed resolves, so the graph mints no unknown-category concept.
    codes = {c for p in seed_records.papers for c in p.categories}
    assert all(category_for_code(c) for c in codes)
    assert not list(seed_graph.subjects(KG.unknownCategoryCode, None))
    subjects = {str(o) for o in seed_graph.objects(None, DCTERMS.subject)}
    assert subjects == {category_for_code(c).iri for c in codes}  # type: ignore[union-attr]


# -- the JSON-LD context ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def context() -> dict[str, object]:
    return json.loads((ONT / "context.jsonld").read_text(encoding="utf-8"))["@context"]


JSONLD_WARNING = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"  # inside rdflib's parser


@pytest.mark.filterwarnings(JSONLD_WARNING)
def test_context_expands_a_friendly_document(context: dict[str, object]) -> None:
    p, a = "https://example.org/paper/1", "https://example.org/paper/1/authorship/1"
    person = "https://example.org/person/a"
    doc = {"@context": context, "id": p, "type": ["Paper", "ScholarlyArticle"], "title": "A title",
           "issued": "2024-08-19", "year": "2024", "hasCode": False, "subjects": ["arxiv:cs.CL"],
           "primaryCategory": "arxiv:cs.CL", "creators": [person],
           "authors": [{"id": a, "type": ["Authorship", "RoleInTime"], "role": "author", "position": 1,
                        "nameAsWritten": "Ann A", "evidence": "visible", "person": person, "paper": p}]}
    got = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    P, A, R = rdflib.URIRef(p), rdflib.URIRef(a), rdflib.URIRef(person)
    fabio = rdflib.Namespace(PREFIXES["fabio"])
    cl = rdflib.URIRef(ARXIV + "cs.CL")
    assert set(got) == {
        (P, RDF.type, fabio.ResearchPaper), (P, RDF.type, SCHEMA.ScholarlyArticle),
        (P, DCTERMS.title, rdflib.Literal("A title")),
        (P, DCTERMS.issued, rdflib.Literal("2024-08-19", datatype=XSD.date)),
        (P, fabio.hasPublicationYear, rdflib.Literal("2024", datatype=XSD.gYear)),
        (P, KG.hasCode, rdflib.Literal("false", datatype=XSD.boolean)),
        (P, DCTERMS.subject, cl), (P, KG.primaryCategory, cl), (P, DCTERMS.creator, R),
        (P, KG.hasAuthorship, A), (A, RDF.type, KG.Authorship), (A, RDF.type, PRO.RoleInTime),
        (A, PRO.withRole, PRO.author), (A, KG.position, rdflib.Literal("1", datatype=XSD.integer)),
        (A, KG.nameAsWritten, rdflib.Literal("Ann A")), (A, KG.authorshipEvidence, KG.visible),
        (A, PRO.isHeldBy, R), (A, PRO.relatesToDocument, P),
    }


@pytest.mark.filterwarnings(JSONLD_WARNING)
def test_context_compacts_the_seed_paper_and_round_trips(context: dict[str, object],
                                                         seed_graph: rdflib.Graph) -> None:
    paper = rdflib.URIRef("https://w3id.org/scholarly-kg/id/paper/title/performance_law_of_large_language_models")
    sub = rdflib.Graph()
    nodes = [paper, *seed_graph.objects(paper, KG.hasAuthorship)]
    for node in nodes:
        for p, o in seed_graph.predicate_objects(node):
            sub.add((node, p, o))
    text = sub.serialize(format="json-ld", context=context, auto_compact=True)
    data = json.loads(text)
    by_id = {n["id"]: n for n in data["@graph"]}
    compact = by_id[str(paper)]
    assert compact["title"] == "Performance Law of Large Language Models"
    assert compact["issued"] == "2024-08-19" and compact["primaryCategory"] == "arxiv:cs.CL"
    assert sorted(compact["authors"]) == sorted(str(n) for n in nodes[1:]) and len(nodes) == 3
    positions = sorted((by_id[a]["position"], by_id[a]["nameAsWritten"], by_id[a]["evidence"])
                       for a in compact["authors"])
    assert [(int(p), n, e) for p, n, e in positions] == [(1, "Chuhan Wu", "visible"),
                                                         (2, "Ruiming Tang", "visible")]
    assert isomorphic(rdflib.Graph().parse(data=text, format="json-ld"), sub)


def test_context_terms_are_documented(context: dict[str, object], kg_ttl: rdflib.Graph) -> None:
    """Every friendly name maps to a term of the model (declared in kg.ttl or in the README tables)."""
    readme = (ONT / "README.md").read_text(encoding="utf-8")
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    declared = {s for s in kg_ttl.subjects() if isinstance(s, rdflib.URIRef)}
    checked = 0
    for name, value in context.items():
        if name.startswith("@") or name in prefixes or value in ("@id", "@type"):
            continue
        curie = str(value["@id"] if isinstance(value, dict) else value)
        prefix, local = curie.split(":", 1)
        assert prefix in prefixes, f"{name}: unknown prefix in {curie}"
        if prefix == "kg":
            assert rdflib.URIRef(prefixes[prefix] + local) in declared, f"{name}: {curie} not in kg.ttl"
        else:
            assert f"`{curie}`" in readme, f"{name}: {curie} is not a term of the model"
        checked += 1
    assert checked > 60


# -- the README ------------------------------------------------------------------------------


def _curie(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def test_readme_documents_every_term(kg_ttl: rdflib.Graph, seed_graph: rdflib.Graph) -> None:
    readme = (ONT / "README.md").read_text(encoding="utf-8")
    assert "```mermaid" in readme
    declared = {s for s in kg_ttl.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(KG)}
    # Every kg: term, and every class and property the built graph uses, is in the tables.
    used = set(seed_graph.predicates()) | set(seed_graph.objects(None, RDF.type))
    missing = sorted(c for c in map(_curie, declared | used) if f"`{c}`" not in readme)
    assert not missing, f"ontology/README.md does not document {missing}"


# -- reasoning -------------------------------------------------------------------------------


def test_owl_rl_closure_of_the_seed_adds_no_wrong_types(seed_graph: rdflib.Graph,
                                                          kg_ttl: rdflib.Graph) -> None:
    """Domains, ranges and sub-classes only ever add the intended super-classes (no paper becomes a
    profile, no authorship a paper) and the OWL RL closure is consistent."""
    import owlrl

    g = rdflib.Graph()
    for source in (seed_graph, kg_ttl):
        for t in source:
            g.add(t)
    instances = {s for s in seed_graph.subjects() if isinstance(s, rdflib.URIRef)}
    asserted = {(s, o) for s, o in g.subject_objects(RDF.type)}
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    inferred = {(s, o) for s, o in g.subject_objects(RDF.type) if s in instances} - asserted
    # Categories and topics are typed in their own files, left out here; the rest is sub-classing.
    allowed = {OWL.Thing, PROV.Entity, SCHEMA.CreativeWork, SKOS.Concept}
    assert {o for _, o in inferred} <= allowed, {o for _, o in inferred} - allowed
    assert {s for s, o in inferred if o == SKOS.Concept} <= set(seed_graph.objects(None, KG.topic)) | set(
        seed_graph.objects(None, DCTERMS.subject))
    for cls, sup in ((KG.ProfileSnapshot, PROV.Entity), (KG.TopicAssignment, PROV.Entity),
                     (KG.Authorship, PRO.RoleInTime)):
        assert set(g.subjects(RDF.type, cls)) <= set(g.subjects(RDF.type, sup))
    assert not list(g.subjects(RDF.type, OWL.Nothing))
    # Functional properties forced no two named things to be the same.
    assert all(a == b for a, b in g.subject_objects(OWL.sameAs) if isinstance(a, rdflib.URIRef))
    # kg:primaryCategory and kg:topic are sub-properties of dcterms:subject.
    papers = set(seed_graph.subjects(RDF.type, rdflib.URIRef(PREFIXES["fabio"] + "ResearchPaper")))
    assert {(s, o) for s, o in g.subject_objects(DCTERMS.subject) if s in papers} == \
        {(s, o) for s, o in seed_graph.subject_objects(DCTERMS.subject) if s in papers} | \
        {(s, o) for s, o in seed_graph.subject_objects(KG.topic) if s in papers}
