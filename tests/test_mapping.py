"""The mapping from records to RDF, checked triple by triple on the seed.

Expected triples are written out by hand from the RDF model (ontology/README.md) and the
paper's record; the graph is also cross-checked paper by paper against the records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pyoxigraph as ox
import pytest

from kg.builder import build_sources
from kg.models import Paper, ProfileRecords
from kg.rdf.iri import Minter
from kg.rdf.mapping import BuildInfo, ProfileMapper
from kg.rdf.namespaces import (
    ARXIV,
    DCTERMS,
    DEFAULT_BASE_IRI,
    FABIO,
    FOAF,
    KG,
    ONTOLOGY_GRAPH,
    PRO,
    PROV,
    RDF,
    SCHEMA,
    XSD,
)
from kg.store import KGStore
from tests.conftest import AS_OF, OWNER, SEED

B = DEFAULT_BASE_IRI
PERFORMANCE_LAW = "Performance Law of Large Language Models"
TRUNCATED = "How Can Recommender Systems Benefit from Large Language Models: A Survey"
FIXED_BUILD = BuildInfo(dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC))


def iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(B + path)


def lit(value: str, datatype: ox.NamedNode | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


TRUE, FALSE = lit("true", XSD.boolean), lit("false", XSD.boolean)
Triple = tuple[object, object, object]  # (subject, predicate, object) pyoxigraph terms


def paper(records: ProfileRecords, title: str) -> Paper:
    [found] = [p for p in records.papers if p.title == title]
    return found


def triples(quads: object) -> set[Triple]:
    return {(q.subject, q.predicate, q.object) for q in quads}  # type: ignore[attr-defined]


def source_triples(store: KGStore) -> set[Triple]:
    return triples(q for q in store.quads() if q.graph_name != ONTOLOGY_GRAPH)


def test_performance_law_exact_triples(seed_records: ProfileRecords, seed_memory_store: KGStore) -> None:
    rec = paper(seed_records, PERFORMANCE_LAW)
    # The record, as the page shows it: two visible authors, not truncated, no links.
    assert [(a.name, a.position, a.inferred) for a in rec.authors] == [
        ("Chuhan Wu", 1, False), ("Ruiming Tang", 2, False)]
    assert not rec.author_list_truncated and not rec.has_code and rec.org is None and not rec.links
    assert rec.categories == ["CL"] and rec.published == dt.date(2024, 8, 19) and not rec.year_inferred
    assert rec.abstract and rec.abstract_text == rec.abstract and rec.arxiv_id is None and rec.doi is None

    p = iri("paper/title/performance_law_of_large_language_models")
    a1, a2 = ox.NamedNode(p.value + "/authorship/1"), ox.NamedNode(p.value + "/authorship/2")
    wu, tang = iri("person/chuhan_wu"), iri("person/ruiming_tang")
    profile = iri("profile/chuhan_wu/2026-11-26")
    expected: set[Triple] = {
        (p, RDF.type, FABIO.ResearchPaper),
        (p, RDF.type, SCHEMA.ScholarlyArticle),
        (p, DCTERMS.title, lit(PERFORMANCE_LAW)),
        (p, KG.titleKey, lit("performance law of large language models")),
        (p, DCTERMS.issued, lit("2024-08-19", XSD.date)),
        (p, FABIO.hasPublicationYear, lit("2024", XSD.gYear)),
        (p, KG.publicationYearInferred, FALSE),
        (p, KG.hasCode, FALSE),
        (p, KG.authorListTruncated, FALSE),
        (p, PROV.wasDerivedFrom, profile),
        (p, DCTERMS.abstract, lit(rec.abstract)),
        (p, DCTERMS.subject, ARXIV["cs.CL"]),
        (p, KG.primaryCategory, ARXIV["cs.CL"]),
        (p, DCTERMS.creator, wu),
        (p, DCTERMS.creator, tang),
        (p, KG.hasAuthorship, a1),
        (p, KG.hasAuthorship, a2),
        (a1, RDF.type, PRO.RoleInTime),
        (a1, RDF.type, KG.Authorship),
        (a1, PRO.withRole, PRO.author),
        (a1, PRO.isHeldBy, wu),
        (a1, PRO.relatesToDocument, p),
        (a1, KG.nameAsWritten, lit("Chuhan Wu")),
        (a1, KG.authorshipEvidence, KG.visible),
        (a1, PROV.wasDerivedFrom, profile),
        (a1, KG.position, lit("1", XSD.integer)),
        (a2, RDF.type, PRO.RoleInTime),
        (a2, RDF.type, KG.Authorship),
        (a2, PRO.withRole, PRO.author),
        (a2, PRO.isHeldBy, tang),
        (a2, PRO.relatesToDocument, p),
        (a2, KG.nameAsWritten, lit("Ruiming Tang")),
        (a2, KG.authorshipEvidence, KG.visible),
        (a2, PROV.wasDerivedFrom, profile),
        (a2, KG.position, lit("2", XSD.integer)),
        (wu, RDF.type, FOAF.Person),
        (wu, RDF.type, SCHEMA.Person),
        (wu, FOAF.name, lit("Chuhan Wu")),
        (tang, RDF.type, FOAF.Person),
        (tang, RDF.type, SCHEMA.Person),
        (tang, FOAF.name, lit("Ruiming Tang")),
    }
    mapped = triples(ProfileMapper(seed_records).paper_quads(rec))
    assert mapped == expected
    # And the built store holds exactly these about the authorships, and all of them about the paper.
    built = source_triples(seed_memory_store)
    assert expected <= built
    assert {t for t in built if t[0] in (a1, a2)} == {t for t in expected if t[0] in (a1, a2)}
    assert not any(t[0] == p and t[1] == KG.position for t in built)


def test_truncated_paper_owner_inferred_without_position(seed_records: ProfileRecords,
                                                          seed_memory_store: KGStore) -> None:
    rec = paper(seed_records, TRUNCATED)
    assert rec.author_list_truncated
    visible = [(a.position, a.name) for a in rec.authors if not a.inferred]
    inferred = [a for a in rec.authors if a.inferred]
    assert [a.name for a in inferred] == [OWNER] and inferred[0].position is None
    assert [pos for pos, _ in visible] == list(range(1, len(visible) + 1))

    p = iri("paper/title/how_can_recommender_systems_benefit_from_large_language_models_a_survey")
    node = ox.NamedNode(p.value + "/authorship/inferred/chuhan_wu")
    wu, profile = iri("person/chuhan_wu"), iri("profile/chuhan_wu/2026-11-26")
    built = source_triples(seed_memory_store)
    assert {t for t in built if t[0] == node} == {
        (node, RDF.type, PRO.RoleInTime),
        (node, RDF.type, KG.Authorship),
        (node, PRO.withRole, PRO.author),
        (node, PRO.isHeldBy, wu),
        (node, PRO.relatesToDocument, p),
        (node, KG.nameAsWritten, lit(OWNER)),
        (node, KG.authorshipEvidence, KG.inferredFromProfile),
        (node, PROV.wasDerivedFrom, profile),
    }
    assert {(p, KG.authorListTruncated, TRUE), (p, KG.hasAuthorship, node), (p, DCTERMS.creator, wu)} <= built
    assert (p, KG.authorListTruncated, FALSE) not in built
    # The visible authorships carry the record's positions and names, and only they do.
    rows = seed_memory_store.query(
        "SELECT ?p ?pos ?name WHERE { ?p kg:hasAuthorship ?a . "
        "?a kg:position ?pos ; kg:nameAsWritten ?name }",
        substitutions={ox.Variable("p"): p})
    assert sorted((int(r["pos"].value), r["name"].value) for r in rows) == visible


def _graph_view(store: KGStore) -> dict[str, dict[str, object]]:
    """Per paper title, what the graph says (SPARQL over the store)."""
    view: dict[str, dict[str, object]] = defaultdict(lambda: {"visible": set(), "inferred": set()})
    rows = store.query("""
        SELECT ?title ?name ?pos ?evidence WHERE {
            ?p a fabio:ResearchPaper ; dcterms:title ?title ; kg:hasAuthorship ?a .
            ?a kg:nameAsWritten ?name ; kg:authorshipEvidence ?evidence .
            OPTIONAL { ?a kg:position ?pos }
        }""")
    for r in rows:
        v = view[r["title"].value]
        if r["evidence"] == KG.visible:
            v["visible"].add((int(r["pos"].value), r["name"].value))  # type: ignore[attr-defined]
        else:
            assert r["pos"] is None
            v["inferred"].add(r["name"].value)  # type: ignore[attr-defined]
    for r in store.query("""SELECT ?title ?truncated ?code ?org WHERE {
            ?p a fabio:ResearchPaper ; dcterms:title ?title ;
               kg:authorListTruncated ?truncated ; kg:hasCode ?code .
            OPTIONAL { ?p kg:organizationTag/dcterms:identifier ?org } }"""):
        v = view[r["title"].value]
        v["truncated"] = r["truncated"].value == "true"
        v["code"] = r["code"].value == "true"
        v["org"] = r["org"].value if r["org"] is not None else None
    return dict(view)


def test_every_paper_matches_its_record(seed_records: ProfileRecords, seed_memory_store: KGStore) -> None:
    graph = _graph_view(seed_memory_store)
    records = {p.title: {"visible": {(a.position, a.name) for a in p.authors if not a.inferred},
                         "inferred": {a.name for a in p.authors if a.inferred},
                         "truncated": p.author_list_truncated, "code": p.has_code, "org": p.org}
               for p in seed_records.papers}
    assert graph == records
    # The seed's documented facts, computed both ways.
    inferred_owner = sum(OWNER in v["inferred"] for v in graph.values())  # type: ignore[operator]
    assert inferred_owner == sum(any(a.inferred and a.name == OWNER for a in p.authors)
                                 for p in seed_records.papers) == 17
    assert sum(v["org"] == "tencent-ai" for v in graph.values()) == 8
    assert sum(bool(v["code"]) for v in graph.values()) == 7
    names = {n for v in graph.values() for _, n in v["visible"]}  # type: ignore[attr-defined]
    assert len(names) == len({a.name for p in seed_records.papers for a in p.visible_authors}) == 54


def test_same_iris_on_two_builds(seed_records: ProfileRecords) -> None:
    from kg.extract import read_profile

    again = read_profile(SEED, as_of=AS_OF)
    first = list(ProfileMapper(seed_records).quads(FIXED_BUILD))
    second = list(ProfileMapper(again).quads(FIXED_BUILD))
    assert first == second  # same quads, same order
    # Two full builds (at different times) name every node the same way.
    stores = [KGStore(), KGStore()]
    for s in stores:
        build_sources([SEED], store=s, as_of=AS_OF, validate=False)

    def iris(store: KGStore) -> set[str]:
        return {t.value for q in store.quads() if q.graph_name != ONTOLOGY_GRAPH
                for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}

    assert iris(stores[0]) == iris(stores[1])
    assert len(iris(stores[0])) > 500


def test_base_iri_is_configurable(seed_records: ProfileRecords) -> None:
    base = "https://example.org/kg/"
    default = list(ProfileMapper(seed_records).quads(FIXED_BUILD))
    custom = list(ProfileMapper(seed_records, Minter(base)).quads(FIXED_BUILD))

    def rebase(term: ox.Term) -> ox.Term:
        if isinstance(term, ox.NamedNode) and term.value.startswith(B):
            return ox.NamedNode(base + term.value[len(B):])
        return term

    assert custom == [ox.Quad(rebase(q.subject), q.predicate, rebase(q.object), rebase(q.graph_name))
                      for q in default]
    assert not any(t.value.startswith(B) for q in custom for t in (q.subject, q.object, q.graph_name)
                   if isinstance(t, ox.NamedNode))
    # A validated build with that base: the paper is found at its new IRI.
    store = KGStore()
    build_sources([SEED], store=store, as_of=AS_OF, base_iri=base)
    rows = list(store.query("SELECT ?p ?t WHERE { ?p dcterms:title ?t }", substitutions={
        ox.Variable("p"): ox.NamedNode(base + "paper/title/performance_law_of_large_language_models")}))
    assert [r["t"].value for r in rows] == [PERFORMANCE_LAW]


@pytest.mark.parametrize("bad", ["example.org/kg/", "https://example.org/kg", "ftp://example.org/",
                                 "https://a b/"])
def test_bad_base_iri_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"IRI"):
        Minter(bad)
