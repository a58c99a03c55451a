"""KGStore: SPARQL counts, hidden staging, atomic replacement, rdflib interop.

Stores here are built with ``validate=False``: the SHACL check has its own tests
(test_validate.py); these are about the store's guarantees.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import AS_OF, SEED
from rdflib.compare import isomorphic

from kg.builder import build_sources
from kg.models import ProfileRecords
from kg.names import name_key
from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import ONTOLOGY_GRAPH
from kg.store import CATALOG, KGStore, StoreError, open_store

EX = "http://example.org/"


def _q(s: str, o: str, g: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o), ox.NamedNode(EX + g))


def _nquads(store: KGStore, graph: ox.NamedNode | None = None) -> list[str]:
    """Sorted N-Quads lines, rendered in Python (independent of kg.export)."""
    return sorted(str(q) for q in store.quads(graph))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    path = tmp_path_factory.mktemp("store") / "store"
    build_sources([SEED], store=path, as_of=AS_OF, validate=False)
    return KGStore(path, read_only=True)


def test_counts_come_from_sparql_and_match_python_iteration(built: KGStore) -> None:
    per_graph = built.graph_counts()
    assert list(per_graph) == built.graphs()
    for g, n in per_graph.items():
        assert n == sum(1 for _ in built.ox.quads_for_pattern(None, None, None, g)) > 0
        assert built.count(g) == n
    assert built.count() == sum(per_graph.values()) == len(built.ox)
    assert built.count(ox.NamedNode(EX + "absent")) == 0


def test_query_runs_over_the_union_with_prefixes(built: KGStore, seed_records: ProfileRecords) -> None:
    rows = list(built.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }"))
    assert int(rows[0]["n"].value) == len(seed_records.papers) == 50
    rows = built.query("SELECT ?name WHERE { ?a a foaf:Person ; foaf:name ?name }")
    names = {name_key(r["name"].value) for r in rows}
    assert names == {a.name_key for p in seed_records.papers for a in p.authors}
    assert len(names) == 54
    # values are bound, not pasted: a hostile "name" is just a literal that matches nothing
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { ?s ?p "')
    rows = list(built.query("SELECT ?p ?name WHERE { ?p foaf:name ?name }",
                            substitutions={ox.Variable("name"): hostile}))
    assert rows == []


def test_to_rdflib_is_a_copy_of_each_committed_graph(built: KGStore) -> None:
    ds = built.to_rdflib()
    assert isinstance(ds, rdflib.Dataset)
    names = {str(c.identifier) for c in ds.graphs() if len(c)}
    assert names == {g.value for g in built.graphs()}
    for g in built.graphs():
        copy = ds.graph(rdflib.URIRef(g.value))
        assert len(copy) == built.count(g)
        assert isomorphic(copy, to_rdflib_graph(built.quads(g)))
    only = built.to_rdflib([ONTOLOGY_GRAPH])
    assert {str(c.identifier) for c in only.graphs() if len(c)} == {ONTOLOGY_GRAPH.value}


def test_a_staged_rebuild_is_invisible_until_commit() -> None:
    store = KGStore()
    g = ox.NamedNode(EX + "g")
    assert store.replace_graph(g, [_q("a", str(i), "other") for i in range(5)]) == 5
    before = _nquads(store)
    staged = store.stage(g, [_q("b", str(i), "g") for i in range(3)])
    assert staged.holder != g and not staged.fresh
    assert store.graphs() == [g] and _nquads(store) == before
    assert int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value) == 5
    assert [r["g"] for r in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")] == [g]
    store.commit([staged])
    assert store.count(g) == 3 and store.staging_graphs() == []
    assert {q.subject.value for q in store.quads(g)} == {EX + "b"}


def test_a_first_load_is_hidden_by_a_catalog_mark_until_commit() -> None:
    store = KGStore()
    g = ox.NamedNode(EX + "new")
    staged = store.stage(g, [_q("a", str(i), "x") for i in range(4)])
    assert staged.fresh and staged.holder == g
    assert store.graphs() == [] and store.staging_graphs() == [g]
    assert list(store.query("SELECT * WHERE { ?s ?p ?o }")) == []
    store.commit([staged])
    assert store.graphs() == [g] and store.count(g) == 4
    assert CATALOG not in list(store.ox.named_graphs())


def test_a_failed_check_leaves_the_graph_exactly_as_it_was() -> None:
    store = KGStore()
    g = ox.NamedNode(EX + "g")
    store.replace_graph(g, [_q("a", str(i), "g") for i in range(5)])
    before = _nquads(store)

    def refuse(holder: ox.NamedNode) -> None:
        assert store.count(holder) == 2  # the check sees the fully loaded new content
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        store.replace_graph(g, [_q("z", str(i), "g") for i in range(2)], check=refuse)
    assert _nquads(store) == before
    assert sorted(store.ox.named_graphs(), key=str) == [g]


def test_drop_staging_removes_what_interrupted_builds_left() -> None:
    store = KGStore()
    keep = ox.NamedNode(EX + "keep")
    store.replace_graph(keep, [_q("a", "1", "g")])
    store.stage(keep, [_q("b", "2", "g")])                   # an interrupted rebuild
    store.stage(ox.NamedNode(EX + "half"), [_q("c", "3", "g")])  # an interrupted first load
    assert len(store.staging_graphs()) == 2
    assert store.drop_staging() == 2
    assert list(store.ox.named_graphs()) == [keep]
    assert _nquads(store) == [str(_q("a", "1", "keep"))]


def test_reserved_graph_names_are_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        KGStore().stage(CATALOG, [])


def test_open_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no store at .*missing"):
        open_store(tmp_path / "missing")
    a_file = tmp_path / "file"
    a_file.write_text("not a store")
    with pytest.raises(StoreError, match="it is a file"):
        KGStore(a_file)


def test_a_rebuild_applies_exactly_the_difference_blank_nodes_included() -> None:
    store = KGStore()
    g = ox.NamedNode(EX + "g")
    b1, b2 = ox.BlankNode("k1"), ox.BlankNode("k2")
    p = ox.NamedNode(EX + "p")
    first = [ox.Quad(b1, p, ox.Literal("kept"), g), ox.Quad(b2, p, ox.Literal("old"), g),
             _q("a", "kept", "g"), _q("a", "old", "g")]
    second = [ox.Quad(b1, p, ox.Literal("kept"), g), ox.Quad(b2, p, ox.Literal("new"), g),
              _q("a", "kept", "g"), _q("a", "new", "g"), _q("c", "new", "g")]
    store.replace_graph(g, first)
    assert store.replace_graph(g, second) == 5
    assert _nquads(store) == sorted(map(str, second))
    assert store.replace_graph(g, []) == 0
    assert store.graphs() == [] and store.staging_graphs() == []
