"""Projections and their metrics, checked against networkx on graphs built from the records.

The store side reads SPARQL answers (kg.analysis.projections); the other side never touches
the store: it builds its graphs from the extractor's records (tests/analysis_support.py) and
asks networkx directly.  Both must agree on every number, and the projection must be the same
whether it is read from Oxigraph or from the rdflib parse of an export of the same store.
"""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from analysis_support import (
    World,
    by_name_key,
    coauthor_network,
    joint_papers,
    read_world,
    relabelled,
    write_pages,
)
from conftest import SEED
from test_viz_support import build_store

from kg.analysis import AnalysisError, Filters, analyze, analyze_graph, projection
from kg.analysis.network import EXACT_LIMIT, METRICS, SAMPLES, louvain, sampled_closeness
from kg.analysis.projections import author_topic_graph, coauthor_graph, org_graph, paper_repository_graph
from kg.export import export_to_path
from kg.names import name_key, title_key
from kg.store import KGStore
from kg.topics.matcher import default_matcher, topics_of


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return [SEED, *write_pages(tmp_path_factory.mktemp("pages"))]


@pytest.fixture(scope="module")
def store(sources: list[Path]) -> KGStore:
    return build_store(sources)


@pytest.fixture(scope="module")
def records(sources: list[Path]) -> World:
    return read_world(sources)


@pytest.fixture(scope="module")
def exported(store: KGStore, tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    """rdflib's parse of an N-Triples export of the store (every graph): the same triples,
    another SPARQL engine."""
    path = export_to_path(store, tmp_path_factory.mktemp("export") / "all.nt")
    return rdflib.Graph().parse(path, format="nt")


def _edges(g: nx.Graph) -> dict[frozenset[str], int]:
    return {frozenset((a, b)): w for a, b, w in g.edges(data="weight")}


# -- projections ------------------------------------------------------------------------------


def test_coauthor_projection_equals_the_records(store: KGStore, records: World) -> None:
    g = coauthor_graph(store)
    h = coauthor_network(records.papers)
    keys = by_name_key(g)
    assert g.number_of_nodes() == h.number_of_nodes() == 54 + 3 + 2 + 1
    assert sorted(keys.values()) == sorted(h)
    assert _edges(relabelled(g)) == _edges(h)
    assert {keys[v]: d["papers"] for v, d in g.nodes(data=True)} == dict(h.nodes(data="papers"))
    # FedCL is on two pages: one paper, with Ada Bridge (inferred on her page) among its authors.
    fedcl = next(k for k in records.papers if k.startswith("fedcl"))
    assert {name_key("Ada Bridge"), name_key("Chuhan Wu")} <= records.papers[fedcl].people
    assert len(g.graph["paper_year"]) == len(records.papers) == 50 + 4 - 1 + 2 + 1
    # Each edge names its joint papers, and each paper has the year of the records.
    titles = {iri: title_key(t) for iri, t in _titles(store).items()}
    joint = joint_papers(records.papers)
    for a, b, d in g.edges(data=True):
        assert {titles[p] for p in d["paper_iris"]} == joint[frozenset((keys[a], keys[b]))]
    assert {titles[p]: y for p, y in g.graph["paper_year"].items()} == {
        k: p.year for k, p in records.papers.items()}


def _titles(store: KGStore) -> dict[str, str]:
    return {r["p"].value: r["t"].value for r in store.query(
        "SELECT ?p ?t WHERE { ?p a fabio:ResearchPaper ; dcterms:title ?t }")}


@pytest.mark.parametrize(("filters", "keep"), [
    (Filters(since=2024), lambda p: p.year >= 2024),
    (Filters(until=2022), lambda p: p.year <= 2022),
    (Filters(since=2023, until=2023), lambda p: p.year == 2023),
    (Filters(topic="IR"), lambda p: "IR" in p.categories),
    (Filters(topic="cs.CL"), lambda p: "CL" in p.categories),
    (Filters(org="tencent-ai"), lambda p: "tencent-ai" in p.orgs),
    (Filters(org="Microsoft"), lambda p: "microsoft-research-asia" in p.orgs),  # the parent covers its lab
])
def test_filters_select_the_papers_the_records_say(store: KGStore, records: World, filters: Filters,
                                                   keep) -> None:
    chosen = records.select(keep)
    assert 0 < len(chosen) < len(records.papers)
    g = coauthor_graph(store, filters)
    assert _edges(relabelled(g)) == _edges(coauthor_network(chosen))
    assert sorted(by_name_key(g).values()) == sorted({k for p in chosen.values() for k in p.people})


def test_category_projection_equals_the_records(store: KGStore, records: World) -> None:
    g = author_topic_graph(store, scheme="arxiv")
    expected: dict[tuple[str, str], int] = {}
    for p in records.papers.values():
        for person in p.people:
            for code in p.categories:
                expected[person, code] = expected.get((person, code), 0) + 1
    got = {}
    for a, b, w in g.edges(data="weight"):
        person, topic = (a, b) if g.nodes[a]["kind"] == "person" else (b, a)
        assert g.nodes[person]["bipartite"] == 0 and g.nodes[topic]["bipartite"] == 1
        got[name_key(g.nodes[person]["name"]), topic.rsplit(".", 1)[-1]] = w
    assert got == expected


def test_research_topic_projection_equals_the_topic_oracle(store: KGStore, records: World) -> None:
    g = author_topic_graph(store, scheme="research")
    expected: dict[tuple[str, str], int] = {}
    for p in records.papers.values():
        # The build's matcher (generalising; tests/test_topics*.py check it against the oracle
        # and the labelled splits): this test is about the projection, not the matching.  A
        # paper listed twice has its topics from either copy.
        topics = {c for src in p.sources
                  for c in topics_of(default_matcher().paper_hits(src.title, src.abstract_text))}
        for person in p.people:
            for topic in topics:
                expected[person, topic] = expected.get((person, topic), 0) + 1
    got = {}
    for a, b, w in g.edges(data="weight"):
        person, topic = (a, b) if g.nodes[a]["kind"] == "person" else (b, a)
        got[name_key(g.nodes[person]["name"]), topic] = w
    assert got == expected and len(got) > 100


def test_repository_projection_equals_the_records(store: KGStore, records: World) -> None:
    g = paper_repository_graph(store)
    url = {v: d["url"] for v, d in g.nodes(data=True) if d["kind"] == "repository"}
    got = {(title_key(g.nodes[a]["name"] if g.nodes[a]["kind"] == "paper" else g.nodes[b]["name"]),
            url[b] if b in url else url[a]) for a, b in g.edges()}
    expected = {(k, u) for k, p in records.papers.items() for u in p.repos}
    assert got == expected and len(got) == 6
    assert all(nx.is_bipartite(g.subgraph(c)) for c in nx.connected_components(g))


def test_org_projection_on_the_pages(store: KGStore, records: World) -> None:
    g = org_graph(store)
    expected = {}
    for p in records.papers.values():
        for slug in p.orgs:
            expected[slug] = expected.get(slug, 0) + 1
    assert {d["slug"]: d["papers"] for _, d in g.nodes(data=True)} == expected == {
        "tencent-ai": 8, "microsoft-research-asia": 1}
    assert g.number_of_edges() == 0  # a profile page tags a paper with one organization


def test_org_projection_links_organizations_of_one_paper() -> None:
    """Papers with several organizations (as other sources give them), in a hand-made graph."""
    import pyoxigraph as ox

    tags = {"p1": ["a", "b"], "p2": ["a", "b", "c"], "p3": ["c"], "p4": ["b", "c"], "p5": []}
    base = "https://example.org/"
    rdf = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    quads = []
    for paper, orgs in tags.items():
        p = ox.NamedNode(base + paper)
        quads += [ox.Quad(p, rdf, ox.NamedNode("http://purl.org/spar/fabio/ResearchPaper")),
                  ox.Quad(p, ox.NamedNode("http://purl.org/spar/fabio/hasPublicationYear"),
                          ox.Literal("2024", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))]
        quads += [ox.Quad(p, ox.NamedNode("https://w3id.org/scholarly-kg/ns#organizationTag"),
                          ox.NamedNode(base + o)) for o in orgs]
    raw = ox.Store()
    raw.bulk_extend([ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(base + "g")) for q in quads])
    g = org_graph(KGStore.wrap(raw))
    expected: dict[frozenset[str], int] = {}
    for orgs in tags.values():
        for x in orgs:
            for y in orgs:
                if x < y:
                    pair = frozenset((base + x, base + y))
                    expected[pair] = expected.get(pair, 0) + 1
    ab, ac, bc = (frozenset((base + x, base + y)) for x, y in ("ab", "ac", "bc"))
    assert _edges(g) == expected == {ab: 2, ac: 1, bc: 2}
    assert {v: d["papers"] for v, d in g.nodes(data=True)} == {base + "a": 2, base + "b": 3, base + "c": 3}


@pytest.mark.parametrize("view", ["coauthors", "orgs", "topics", "categories", "repos"])
def test_projection_and_metrics_are_the_same_from_an_rdflib_export(store: KGStore, exported: rdflib.Graph,
                                                                  view: str) -> None:
    a, b = projection(store, view), projection(exported, view)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))  # the same order, too
    assert list(a.edges(data=True)) == list(b.edges(data=True))
    assert a.graph == b.graph
    assert analyze_graph(a, view=view).to_dict() == analyze_graph(b, view=view).to_dict()


def test_filtered_projection_is_the_same_from_an_rdflib_export(store: KGStore,
                                                               exported: rdflib.Graph) -> None:
    # (A research-topic filter agrees too, but rdflib takes ~10 s over its property path.)
    for f in (Filters(since=2023, topic="IR"), Filters(org="Tencent"), Filters(until=2022)):
        a, b = coauthor_graph(store, f), coauthor_graph(exported, f)
        assert a.number_of_nodes() > 0
        assert list(a.edges(data=True)) == list(b.edges(data=True))


# -- metrics ----------------------------------------------------------------------------------


def test_every_metric_equals_networkx_on_the_records_graph(store: KGStore, records: World) -> None:
    result = analyze(store)
    g, h = result.graph, coauthor_network(records.papers)
    keys = by_name_key(g)
    rows = {keys[r["id"]]: r for r in result.rows}
    assert set(rows) == set(h)
    between, close = nx.betweenness_centrality(h), nx.closeness_centrality(h)
    clustering, core = nx.clustering(h), nx.core_number(h)
    for k, r in rows.items():
        assert r["degree"] == h.degree(k)
        assert r["weighted_degree"] == h.degree(k, weight="weight")
        assert r["betweenness"] == pytest.approx(between[k], rel=1e-12, abs=1e-15)
        assert r["closeness"] == pytest.approx(close[k], rel=1e-12)
        assert r["clustering"] == pytest.approx(clustering[k], rel=1e-12)
        assert r["core"] == core[k]
    # Components: 0 is the largest; the island and the solo writer apart.
    comps = sorted(nx.connected_components(h), key=len, reverse=True)
    assert [len(c) for c in comps] == [57, 2, 1]
    assert {k for k, r in rows.items() if r["component"] == 0} == comps[0]
    assert result.summary["components"] == 3 and result.summary["largest_component"] == 57
    assert result.summary["largest_component_share"] == 57 / 60
    # Communities: a partition, its modularity as networkx computes it on the records graph,
    # and the brokers are exactly the people with a neighbour in another community.
    part = [{keys[v] for v in g if g.nodes[v]["community"] == i}
            for i in range(result.summary["communities"])]
    assert sum(len(c) for c in part) == len(h) and set().union(*part) == set(h)
    assert result.summary["modularity"] == pytest.approx(nx.community.modularity(h, part, weight="weight"))
    community = {k: r["community"] for k, r in rows.items()}
    for k, r in rows.items():
        assert r["communities_reached"] == len({community[u] for u in h[k]} - {community[k]})
    assert {keys[b["id"]] for b in result.brokers} == {k for k, r in rows.items() if r["communities_reached"]}
    assert result.brokers[0]["name"] == "Chuhan Wu"
    assert result.summary["betweenness"] == "exact" and result.summary["samples"] is None
    # Ranked by betweenness, the owner of the bundled page first.
    ranked = [r["betweenness"] for r in result.rows]
    assert ranked == sorted(ranked, reverse=True)


def test_louvain_is_what_networkx_gives_on_the_records_graph_in_the_same_order(store: KGStore,
                                                                               records: World) -> None:
    g = coauthor_graph(store)
    keys = by_name_key(g)
    h = coauthor_network(records.papers)
    ordered = nx.Graph()  # the records graph, nodes and edges in the projection's order
    ordered.add_nodes_from(keys[v] for v in g)
    ordered.add_weighted_edges_from((keys[a], keys[b], h.edges[keys[a], keys[b]]["weight"])
                                    for a, b in g.edges())
    theirs = nx.community.louvain_communities(ordered, weight="weight", seed=42)
    assert sorted(sorted(c) for c in theirs) == sorted(sorted(keys[v] for v in c) for c in louvain(g, 42))


def test_communities_are_identical_across_runs_and_builds(store: KGStore, sources: list[Path]) -> None:
    first = analyze(store)
    again = analyze(build_store(list(reversed(sources))))  # another build, sources the other way round
    assert [r["id"] for r in first.rows] == [r["id"] for r in again.rows]
    assert first.communities == again.communities
    assert [r["community"] for r in first.rows] == [r["community"] for r in again.rows]
    assert analyze(store, seed=7).summary["seed"] == 7


def _random_graph(n: int, seed: int) -> nx.Graph:
    """A clustered network of teams (papers) drawn with preferential attachment."""
    rng = random.Random(seed)
    g = nx.Graph()
    people = [f"p{i:04d}" for i in range(n)]
    weights = [1 / (i + 1) ** 0.7 for i in range(n)]
    for _ in range(int(n * 1.2)):
        group = rng.randrange(max(1, n // 40))
        team = {people[(group * 40 + rng.randrange(40)) % n] for _ in range(rng.randint(2, 4))}
        if rng.random() < 0.2:
            team.add(rng.choices(people, weights)[0])
        for a in team:
            g.add_node(a, kind="person", name=a, papers=0)
        for a in team:
            for b in team:
                if a < b:
                    g.add_edge(a, b, weight=g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1)
    return nx.Graph(g.subgraph(sorted(g)))


def test_sampled_betweenness_is_networkx_k_sources_with_the_stated_seed() -> None:
    g = _random_graph(600, 3)
    result = analyze_graph(g.copy(), samples=50, seed=11)
    theirs = nx.betweenness_centrality(g, k=50, seed=11)
    assert {r["id"]: r["betweenness"] for r in result.rows} == theirs
    assert result.summary["samples"] == 50
    assert result.summary["betweenness"] == "sampled: 50 sources, seed 11"
    # Above the exact limit, sampling is automatic and says so.
    big = analyze_graph(g.copy(), exact_limit=400)
    assert big.summary["samples"] == SAMPLES < g.number_of_nodes() and EXACT_LIMIT > 400
    assert {r["id"]: r["betweenness"] for r in big.rows} == nx.betweenness_centrality(g, k=SAMPLES, seed=42)


def test_sampled_closeness_is_exact_with_enough_sources_and_close_otherwise() -> None:
    g = _random_graph(800, 5)
    g.add_edge("x1", "x2", weight=1)  # a small component of its own: always exact
    exact = nx.closeness_centrality(g)
    assert sampled_closeness(g, samples=g.number_of_nodes(), seed=1) == pytest.approx(exact, rel=1e-12)
    estimate = sampled_closeness(g, samples=100, seed=1)
    assert estimate["x1"] == exact["x1"]
    errors = [abs(estimate[v] - exact[v]) / exact[v] for v in g if exact[v] > 0]
    assert sum(errors) / len(errors) < 0.05
    top = set(sorted(exact, key=exact.get, reverse=True)[:20])
    assert len(top & set(sorted(estimate, key=estimate.get, reverse=True)[:20])) >= 15


def test_bipartite_views_use_bipartite_clustering(store: KGStore) -> None:
    result = analyze(store, "categories")
    theirs = nx.bipartite.clustering(result.graph)
    assert {r["id"]: r["clustering"] for r in result.rows} == pytest.approx(theirs)
    assert any(r["clustering"] > 0 for r in result.rows)


def test_every_row_has_every_metric(store: KGStore) -> None:
    for view in ("coauthors", "orgs", "topics", "categories", "repos"):
        result = analyze(store, view)
        assert result.rows and all(set(METRICS) <= set(r) for r in result.rows)
        assert result.summary["nodes"] == len(result.rows) == result.graph.number_of_nodes()


def test_empty_selections_and_bad_options_are_clear(store: KGStore) -> None:
    with pytest.raises(AnalysisError, match="no papers match years 2030–…"):
        analyze(store, filters=Filters(since=2030))
    with pytest.raises(AnalysisError, match="no papers with organization tags match years 2021–2021"):
        analyze(store, "orgs", Filters(since=2021, until=2021))
    with pytest.raises(AnalysisError, match="unknown view"):
        analyze(store, "people")
    with pytest.raises(AnalysisError, match="unknown metric"):
        analyze(store, sort="fame")
    with pytest.raises(AnalysisError, match="after"):
        Filters(since=2025, until=2024)
