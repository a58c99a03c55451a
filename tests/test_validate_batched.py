"""Batched SHACL validation (kg.validate.validate_store_graph) gives the whole-graph verdicts.

Each test puts a graph in a store and compares the batched result with
:func:`kg.validate.validate_triples` on the same triples (one pyshacl run over everything, the
independent computation): same conformance, count, violations and report, line for line.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH

from kg.builder import build_sources
from kg.rdf.namespaces import DCTERMS, FABIO, FOAF, KG, ONTOLOGY_GRAPH, PRO, PROV, RDF, SCHEMA
from kg.store import KGStore
from kg.validate import (
    INVERSE_PREDICATES,
    OBJECT_TARGETS,
    ShapeViolation,
    ValidationResult,
    check_conforms,
    check_store_graph,
    shapes_graph,
    validate_store_graph,
    validate_triples,
)
from tests.conftest import AS_OF, SEED
from tests.test_shapes import A1, A2, INFERRED, PAPER, PROFILE, REPO, SURVEY, B, P, edit, integer

G = ox.NamedNode(B + "source/chuhan-wu.txt")
Triples = list[ox.Triple]


@pytest.fixture(scope="module")
def seed_triples(seed_memory_store: KGStore) -> Triples:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in seed_memory_store.quads(G)]


def stored(triples: Triples) -> ox.Store:
    store = ox.Store()
    store.bulk_extend([ox.Quad(t.subject, t.predicate, t.object, G) for t in triples])
    return store


def batched(triples: Triples, batch_papers: int, batch_nodes: int = 20_000) -> tuple[ValidationResult, int]:
    """The batched result and how many batches went to pyshacl."""
    sizes: list[int] = []
    result = validate_store_graph(stored(triples), G, batch_papers=batch_papers, batch_nodes=batch_nodes,
                                  on_batch=sizes.append)
    return result, len(sizes)


def papers_in(triples: Triples) -> int:
    return len({t.subject for t in triples if t.predicate == RDF.type and t.object == FABIO.ResearchPaper})


def test_shapes_use_only_what_batching_accounts_for() -> None:
    """The module docstring's argument holds for these shapes: a new kind of check fails here."""
    shapes = shapes_graph()  # what validation runs: shapes.ttl less its SHACL Core forms (kgsh:coreFormOf)
    inverse = {str(p) for p in shapes.objects(None, SH.inversePath)}
    assert inverse == {p.value for p in INVERSE_PREDICATES}
    assert {str(p) for p in shapes.objects(None, SH.targetObjectsOf)} == {p.value for p in OBJECT_TARGETS}
    assert {str(p) for p in shapes.objects(None, SH.targetSubjectsOf)} == {KG.candidate.value}
    for kind in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath, SH.alternativePath, SH.targetNode,
                 SH.disjoint, SH.lessThan, SH.closed, SH.uniqueLang):
        assert not list(shapes.subject_objects(kind)), kind
    # Qualified counts (dcterms:issued: one date, one year) only on one-step paths, with a value
    # shape that reads the value alone.
    qualified = list(shapes.subject_objects(SH.qualifiedValueShape))
    assert qualified
    for shape, value_shape in qualified:
        assert isinstance(shapes.value(shape, SH.path), rdflib.URIRef), shape
        assert set(shapes.predicates(value_shape)) == {SH.datatype}, value_shape
    # Sequence paths: only PaperShape's kg:hasAuthorship/pro:isHeldBy (two steps).
    sequences = [list(rdflib.collection.Collection(shapes, p)) for p in shapes.objects(None, SH.path)
                 if isinstance(p, rdflib.BNode) and shapes.value(p, rdflib.RDF.first) is not None]
    assert [[str(s) for s in seq] for seq in sequences] == [[KG.hasAuthorship.value, PRO.isHeldBy.value]]
    # sh:node: only the build activity, whose own paths are one step each (read by the
    # neighbourhood's third step); SPARQL checks: the five analysed in the docstring.
    assert {str(n) for n in shapes.objects(None, SH.node)} == {"https://w3id.org/scholarly-kg/shapes#BuildActivityShape"}
    sparql = {str(s).rsplit("#")[-1] for s, _ in shapes.subject_objects(SH.sparql)}
    sparql |= {str(s).rsplit("#")[-1] for s, t in shapes.subject_objects(SH.target)
               if (t, rdflib.RDF.type, SH.SPARQLTarget) in shapes}
    assert sparql == {"UniquePositionShape", "ContiguousPositionShape", "PrimaryCategoryShape",
                      "VisibleAuthorshipShape", "InferredAuthorshipShape"}


@pytest.mark.parametrize("batch_papers", [1, 7, 50])
def test_seed_batched_equals_whole(seed_triples: Triples, batch_papers: int) -> None:
    whole = validate_triples(seed_triples)
    assert whole.conforms
    result, batches = batched(seed_triples, batch_papers)
    assert result == whole
    # The papers' batches, one for the rest of the data (source, build, agents), one for the ontology.
    assert batches == math.ceil(papers_in(seed_triples) / batch_papers) + 2


def _drop_title(t: Triples) -> Triples:
    return edit(t, lambda x: x.subject == P and x.predicate == DCTERMS.title)


def _duplicate_position(t: Triples) -> Triples:
    return edit(t, lambda x: x.subject == A2 and x.predicate == KG.position,
                [ox.Triple(A2, KG.position, integer(1))])


def _position_zero(t: Triples) -> Triples:
    return edit(t, lambda x: x.subject == A1 and x.predicate == KG.position,
                [ox.Triple(A1, KG.position, integer(0))])


def _no_authorship(t: Triples) -> Triples:
    return edit(t, lambda x: x.subject in (A1, A2) or (x.subject == P and x.predicate in (KG.hasAuthorship,
                                                                                          DCTERMS.creator)))


def _visible_without_position(t: Triples) -> Triples:
    return edit(t, lambda x: x.subject == A2 and x.predicate == KG.position)


def _inferred_with_position(t: Triples) -> Triples:
    return [*t, ox.Triple(INFERRED, KG.position, integer(4))]


def _http_repository(t: Triples) -> Triples:
    [url] = [x.object for x in t if x.subject == REPO and x.predicate == SCHEMA.codeRepository]
    http = ox.NamedNode("http://" + url.value.removeprefix("https://"))
    return edit(t, lambda x: x.subject == REPO and x.predicate == SCHEMA.codeRepository,
                [ox.Triple(REPO, SCHEMA.codeRepository, http)])


def _negative_metric_unknown_evidence(t: Triples) -> Triples:
    return edit(t, lambda x: (x.subject == PROFILE and x.predicate == KG.hIndex)
                or (x.subject == A1 and x.predicate == KG.authorshipEvidence),
                [ox.Triple(PROFILE, KG.hIndex, integer(-1)),
                 ox.Triple(A1, KG.authorshipEvidence, KG.guessed)])


def _creator_mismatch(t: Triples) -> Triples:
    tang = ox.NamedNode(B + "person/ruiming_tang")
    return edit(t, lambda x: (x.subject, x.predicate, x.object) == (P, DCTERMS.creator, tang))


def _unlisted_authorship(t: Triples) -> Triples:
    return edit(t, lambda x: (x.subject, x.predicate, x.object) == (P, KG.hasAuthorship, A2))


def _topic_field(t: Triples) -> Triples:
    node = sorted({x.subject.value for x in t if x.predicate == KG.matchedIn
                   and x.subject.value.startswith(f"{B}{PAPER}/topic/")})[0]
    a = ox.NamedNode(node)
    return edit(t, lambda x: x.subject == a and x.predicate == KG.matchedIn,
                [ox.Triple(a, KG.matchedIn, ox.Literal("body"))])


def _build_without_end(t: Triples) -> Triples:
    """A nested result (sh:node on the build activity) about a node the paper batches do not own."""
    return edit(t, lambda x: x.predicate == PROV.endedAtTime)


def _authorship_listed_twice(t: Triples) -> Triples:
    """An authorship listed by a second paper: its verdict needs both papers, in different batches."""
    return [*t, ox.Triple(ox.NamedNode(B + SURVEY), KG.hasAuthorship, A1)]


def _authorship_moved(t: Triples) -> Triples:
    """An authorship listed by another paper only: from its own paper's batch, only the inverse finds it."""
    moved = edit(t, lambda x: (x.subject, x.predicate, x.object) == (P, KG.hasAuthorship, A2))
    return [*moved, ox.Triple(ox.NamedNode(B + SURVEY), KG.hasAuthorship, A2)]


BROKEN: dict[str, Callable[[Triples], Triples]] = {
    f.__name__.lstrip("_"): f for f in (
        _drop_title, _duplicate_position, _position_zero, _no_authorship, _visible_without_position,
        _inferred_with_position, _http_repository, _negative_metric_unknown_evidence, _creator_mismatch,
        _unlisted_authorship, _topic_field, _build_without_end, _authorship_listed_twice,
        _authorship_moved)}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_graphs_batched_equals_whole(seed_triples: Triples, name: str) -> None:
    broken = BROKEN[name](seed_triples)
    whole = validate_triples(broken)
    assert not whole.conforms and whole.violations == len(whole.results) > 0
    for batch_papers, batch_nodes in ((1, 2), (23, 1)):
        result, _ = batched(broken, batch_papers, batch_nodes)
        assert result == whole, (batch_papers, batch_nodes)
        assert result.report.splitlines() == whole.report.splitlines()


def test_a_node_no_paper_links_to_is_validated(seed_triples: Triples) -> None:
    nobody = ox.NamedNode(B + "person/nobody")
    stray = ox.NamedNode(B + "authorship/stray")
    broken = [*seed_triples, ox.Triple(nobody, RDF.type, FOAF.Person),
              ox.Triple(stray, RDF.type, KG.Authorship), ox.Triple(stray, PRO.isHeldBy, nobody)]
    result, _ = batched(broken, 5)
    assert {v.focus for v in result.results} == {"id:person/nobody", "id:authorship/stray"}
    assert "id:person/nobody foaf:name: a person needs a non-empty foaf:name" in result.report.splitlines()
    assert result == validate_triples(broken)


# -- seeded random mutations ---------------------------------------------------------------------

def _small_graph(triples: Triples, keep: int) -> Triples:
    """The seed with only ``keep`` papers (and their authorships, topics, artifacts): it conforms.

    People, organizations, repositories and candidates of the dropped papers stay, linked from
    no paper.
    """
    papers = sorted({t.subject.value for t in triples if t.predicate == KG.hasCode})
    chosen = {*papers[:keep - 2], P.value, B + SURVEY}
    dropped = [p for p in papers if p not in chosen]

    def of_dropped(node: ox.Term) -> bool:
        return isinstance(node, ox.NamedNode) and any(node.value == p or node.value.startswith(p + "/")
                                                     for p in dropped)
    return [t for t in triples if not of_dropped(t.subject) and not of_dropped(t.object)]


def _mutate(triples: Triples, rng: random.Random) -> Triples:
    """One to three random faults in the triples of a few papers (and of the nodes they link to)."""
    out = list(triples)
    papers = sorted({t.subject.value for t in out if t.predicate == KG.hasCode})
    targets = rng.sample(papers, 2)
    for _ in range(rng.randint(1, 3)):
        near = [k for k, t in enumerate(out) if any(t.subject.value.startswith(p) for p in targets)
                or (isinstance(t.object, ox.NamedNode) and t.object.value in targets)]
        k = rng.choice(near)
        t = out[k]
        op = rng.choice(["drop", "duplicate", "retype", "position", "relink", "stray"])
        if op == "drop":
            del out[k]
        elif op == "duplicate":  # a second value taken from another triple of that predicate
            other = rng.choice([x for x in out if x.predicate == t.predicate])
            out.append(ox.Triple(t.subject, t.predicate, other.object))
        elif op == "retype":
            classes = sorted({x.object.value for x in out if x.predicate == RDF.type})
            typed = [x for x in out if x.predicate == RDF.type and x.subject == t.subject] or [t]
            out.remove(typed[0])
            out.append(ox.Triple(t.subject, RDF.type, ox.NamedNode(rng.choice(classes))))
        elif op == "position":
            where = [x for x in out if x.predicate == KG.position and x.subject.value.startswith(targets[0])]
            if where:
                x = rng.choice(where)
                out.remove(x)
                value = rng.choice([integer(rng.randint(0, 5)), ox.Literal("2")])
                out.append(ox.Triple(x.subject, KG.position, value))
        elif op == "relink":  # point the triple at another node of the graph (often another paper's)
            nodes = sorted({x.subject.value for x in out})
            out[k] = ox.Triple(t.subject, t.predicate, ox.NamedNode(rng.choice(nodes)))
        else:  # a node nothing links to, typed like some node of the paper
            stray = ox.NamedNode(t.subject.value + "/stray")
            types = [x.object for x in out if x.subject == t.subject and x.predicate == RDF.type]
            out += [ox.Triple(stray, RDF.type, c) for c in types[:1]]
            out.append(ox.Triple(stray, PROV.wasDerivedFrom, PROFILE))
    return out


def test_random_mutations_batched_equals_whole(seed_triples: Triples) -> None:
    small = _small_graph(seed_triples, keep=8)
    assert papers_in(small) == 8 and validate_triples(small).conforms
    rng = random.Random(20261127)
    failing = 0
    for case in range(50):
        broken = _mutate(small, rng)
        whole = validate_triples(broken)
        batch_papers = rng.choice([1, 2, 3, 5])
        result, _ = batched(broken, batch_papers, batch_nodes=rng.choice([30, 20_000]))
        assert result == whole, (case, batch_papers, sorted(set(result.results) ^ set(whole.results)))
        failing += not whole.conforms
    assert failing >= 35  # the mutations do break things: most cases have violations to compare


# -- the store API ---------------------------------------------------------------------------------

def test_check_store_graph_raises_like_check_conforms(seed_triples: Triples) -> None:
    broken = _duplicate_position(seed_triples)
    with pytest.raises(ShapeViolation) as whole:
        check_conforms(broken)
    with pytest.raises(ShapeViolation) as info:
        check_store_graph(stored(broken), G, batch_papers=4)
    assert (str(info.value), info.value.count, info.value.results) == (
        str(whole.value), whole.value.count, whole.value.results)
    check_store_graph(stored(seed_triples), G, batch_papers=4)  # conforms: does not raise


def test_a_staged_rebuild_is_read_from_its_scratch_store(tmp_path: Path, seed_triples: Triples) -> None:
    """The builder's case: a rebuild's staging graph lives in a scratch store, not the main one."""
    store = KGStore(tmp_path / "store")
    build_sources([SEED], store=store, as_of=AS_OF)
    broken = _drop_title(seed_triples)
    staged = store.stage(G, (ox.Quad(t.subject, t.predicate, t.object, G) for t in broken))
    try:
        assert not staged.fresh
        assert not any(True for _ in store.ox.quads_for_pattern(None, None, None, staged.holder))
        result = validate_store_graph(store, staged.holder, batch_papers=20)
        assert result == validate_triples(broken)
        assert [v.focus for v in result.results] == [f"id:{PAPER}"]
    finally:
        store.discard(staged)
    assert validate_store_graph(store, G, batch_papers=20) == validate_triples(seed_triples)
    assert validate_store_graph(store, ONTOLOGY_GRAPH).conforms


def test_bad_batch_size(seed_triples: Triples) -> None:
    with pytest.raises(ValueError, match="batch sizes must be at least 1"):
        validate_store_graph(stored(seed_triples), G, batch_papers=0)
