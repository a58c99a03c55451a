"""The public Python API (issue 8), cross-checked against the extractor's records."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from conftest import AS_OF, OWNER, SEED

import kg
from kg.models import ProfileRecords
from kg.remote.virtuoso import free_port
from kg.store import StoreError


@pytest.fixture(scope="module")
def handle(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    return kg.build([SEED], store=tmp_path_factory.mktemp("api") / "store", as_of=AS_OF)


def _people(records: ProfileRecords) -> set[str]:
    return {a.name_key for p in records.papers for a in p.authors}


def _coauthor_counts(records: ProfileRecords, who: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in records.papers:
        keys = {a.name_key: a.name for a in p.authors}
        if who in keys:
            counts.update(name for key, name in keys.items() if key != who)
    return counts


def test_build_returns_a_handle_with_exact_counts(handle: kg.KnowledgeGraph,
                                                  seed_records: ProfileRecords) -> None:
    stats = handle.stats()
    assert stats["papers"] == len(seed_records.papers) == 50
    assert stats["people"] == len(_people(seed_records))
    assert handle.last_build is not None and handle.last_build.sources[0].papers == 50
    assert handle.store.path is not None and handle.store.path.is_dir()


def test_build_in_memory_and_as_of_string(seed_records: ProfileRecords) -> None:
    g = kg.build([SEED], store=None, as_of="2026-11-26")
    assert g.store.path is None
    dates = {r["issued"] for r in g.query(
        "SELECT ?issued WHERE { ?p a fabio:ResearchPaper ; dcterms:title ?t ; dcterms:issued ?issued } "
        "ORDER BY ?issued")}
    assert dates == {p.published for p in seed_records.papers}


def test_open_existing_and_missing(handle: kg.KnowledgeGraph, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        kg.open(tmp_path / "nowhere")
    same = kg.open(handle.store)
    assert same.stats() == handle.stats()


def test_query_matches_an_independent_count(handle: kg.KnowledgeGraph, seed_records: ProfileRecords) -> None:
    expected = _coauthor_counts(seed_records, "chuhan wu")
    result = handle.query("coauthors", author=OWNER)
    got = {row["name"]: row["papers"] for row in result.rows}
    assert got == dict(expected)
    # the module-level function and the handle agree, on both engines
    assert kg.query(handle.store, "coauthors", author=OWNER).rows == result.rows
    assert handle.query("coauthors", author=OWNER, engine="rdflib").rows == result.rows
    assert handle.query("coauthors", author=OWNER, limit=2).rows == result.rows[:2]


def test_to_dataframe(handle: kg.KnowledgeGraph, seed_records: ProfileRecords) -> None:
    df = handle.query("coauthors", author=OWNER).to_dataframe()
    assert list(df.columns)[:2] == handle.query("coauthors", author=OWNER).columns[:2]
    assert len(df) == len(_coauthor_counts(seed_records, "chuhan wu"))
    assert df["papers"].sum() == sum(_coauthor_counts(seed_records, "chuhan wu").values())


def test_graph_is_an_rdflib_dataset_copy(handle: kg.KnowledgeGraph, seed_records: ProfileRecords) -> None:
    ds = handle.graph()
    assert isinstance(ds, rdflib.Dataset)
    assert len(list(ds.quads((None, None, None, None)))) == handle.store.count()
    title = rdflib.URIRef("http://purl.org/dc/terms/title")
    paper = rdflib.URIRef("http://purl.org/spar/fabio/ResearchPaper")
    papers = set(ds.subjects(rdflib.RDF.type, paper))
    assert len(papers) == 50  # the default graph of the view is the union of the named graphs
    assert {str(ds.value(p, title)) for p in papers} == {p.title for p in seed_records.papers}


def test_coauthor_graph(handle: kg.KnowledgeGraph, seed_records: ProfileRecords) -> None:
    G = handle.coauthor_graph()
    assert G.number_of_nodes() == len(_people(seed_records))
    pairs = Counter()
    for p in seed_records.papers:
        for a, b in itertools.combinations(sorted({x.name_key for x in p.authors}), 2):
            pairs[(a, b)] += 1
    assert G.number_of_edges() == len(pairs)
    assert sum(d["weight"] for _, _, d in G.edges(data=True)) == sum(pairs.values())
    recent = handle.coauthor_graph(since=2025)
    assert recent.number_of_nodes() == len({a.name_key for p in seed_records.papers
                                            if p.published.year >= 2025 for a in p.authors})


def test_viz_returns_a_network(handle: kg.KnowledgeGraph, seed_records: ProfileRecords) -> None:
    net = handle.viz("coauthors")
    assert len(net.nodes) == len(_people(seed_records))
    html = net._repr_html_()  # a sandboxed iframe holding the whole self-contained page
    assert html.startswith("<iframe srcdoc=") and "&lt;script" in html
    net2 = kg.viz(handle.store, view="coauthors")
    assert len(net2.nodes) == len(net.nodes)


def test_export_round_trips(handle: kg.KnowledgeGraph, tmp_path: Path) -> None:
    for suffix in ("ttl", "nt", "nq"):
        path = handle.export(tmp_path / f"graph.{suffix}")
        assert path.exists()
        parsed = list(ox.parse(path=str(path)))
        assert len(set(parsed if suffix == "nq" else [ox.Triple(t.subject, t.predicate, t.object)
                                                     for t in parsed])) > 0
        if suffix == "nq":
            assert len(set(parsed)) == handle.store.count()


def test_push_to_a_real_oxigraph_server(handle: kg.KnowledgeGraph, tmp_path: Path) -> None:
    """Push through the Graph Store Protocol to the Oxigraph server (PyPI `oxigraph`)."""
    binary = Path(sys.executable).with_name("oxigraph")
    assert binary.exists(), "the oxigraph server binary ships with the `oxigraph` dependency"
    port = free_port()
    proc = subprocess.Popen([str(binary), "serve", "--location", str(tmp_path / "remote"),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        report = handle.push(f"{base}/query", protocol="update")
        assert {g.graph for g in report.graphs} == {g.value for g in handle.store.graphs()}
        r = requests.get(f"{base}/query", headers={"Accept": "text/csv"}, timeout=10, params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
        assert int(r.text.splitlines()[1]) == handle.store.count()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_help_gives_an_overview() -> None:
    out = subprocess.run([sys.executable, "-c", "import kg; help(kg)"], capture_output=True, text=True,
                         env={**os.environ, "PAGER": "cat"}, check=True).stdout
    for name in ("build(sources", "open(store)", "query(store", "viz(store", "class KnowledgeGraph"):
        assert name in out
    for fn in (kg.build, kg.open, kg.KnowledgeGraph.query, kg.KnowledgeGraph.viz, kg.KnowledgeGraph.push,
               kg.KnowledgeGraph.export, kg.KnowledgeGraph.graph, kg.KnowledgeGraph.coauthor_graph,
               kg.KnowledgeGraph.stats, kg.KnowledgeGraph.validate, kg.KnowledgeGraph.build):
        assert fn.__doc__ and ">>>" in fn.__doc__, fn.__qualname__


def test_validate_and_rebuild_through_the_handle(handle: kg.KnowledgeGraph) -> None:
    result = handle.validate()
    assert result.conforms and result.violations == 0
    report = handle.build([SEED], as_of=AS_OF)
    assert [s.unchanged for s in report.sources] == [True]  # same bytes, date and version


def test_docstring_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples in `help(kg)`, kg.api and kg.store are real: run them as doctests."""
    import doctest

    import kg.api
    import kg.store

    monkeypatch.chdir(SEED.parent.parent.parent)  # the examples use repository-relative paths
    for module in (kg, kg.api, kg.store):
        failed, attempted = doctest.testmod(module, extraglobs={"kg": kg}, verbose=False)
        assert attempted >= 2 and failed == 0, module.__name__


def test_a_vocabulary_change_rebuilds_an_unchanged_source(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Same source bytes but edited ontology/aliases: the source graph is rebuilt, not skipped."""
    import kg.builder

    g = kg.build([SEED], store=tmp_path / "store", as_of=AS_OF)
    assert g.build([SEED], as_of=AS_OF).sources[0].unchanged
    real = kg.builder.vocabulary_fingerprint()
    monkeypatch.setattr(kg.builder, "vocabulary_fingerprint", lambda: "0" * 64)
    report = g.build([SEED], as_of=AS_OF)
    assert not report.sources[0].unchanged
    used = g.query("SELECT ?v WHERE { ?a kg:vocabularySha256 ?v }").rows
    assert used == [{"v": "0" * 64}] and real != "0" * 64
