"""The co-author graph read from the store, checked against the extractor's records."""

from __future__ import annotations

import networkx as nx
import pytest
from conftest import OWNER, SEED
from test_viz_support import build_store, expected_network, in_years

from kg.analysis import (
    AnalysisError,
    Filters,
    coauthor_graph,
    communities,
    community_of,
    ego,
    find_person,
    metrics,
    min_weight,
    most_connected,
    paper_facts,
)
from kg.models import ProfileRecords
from kg.names import name_key, title_key
from kg.store import KGStore


@pytest.fixture(scope="module")
def viz_store() -> KGStore:
    """The seed in memory (no SHACL run: validation has its own tests and is the slow part)."""
    return build_store([SEED])


def by_key(g: nx.Graph) -> tuple[dict[str, int], dict[frozenset[str], int]]:
    key = {v: name_key(d["name"]) for v, d in g.nodes(data=True)}
    assert len(set(key.values())) == len(key), "two nodes for one person"
    papers = {key[v]: d["papers"] for v, d in g.nodes(data=True)}
    pairs = {frozenset((key[a], key[b])): w for a, b, w in g.edges(data="weight")}
    return papers, pairs


def test_seed_graph_matches_the_records(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    g = coauthor_graph(viz_store)
    papers, pairs, _ = expected_network(seed_records)
    assert g.number_of_nodes() == len(papers) == 54
    assert g.number_of_edges() == len(pairs)
    got_papers, got_pairs = by_key(g)
    assert got_papers == papers
    assert got_pairs == dict(pairs)
    assert got_papers[name_key(OWNER)] == len(seed_records.papers) == 50


def test_edge_paper_lists_name_the_joint_papers(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    g = coauthor_graph(viz_store)
    titles = {p.iri: title_key(p.title) for p in paper_facts(viz_store)}
    expected: dict[frozenset[str], set[str]] = {}
    for p in seed_records.papers:
        keys = {name_key(a.name) for a in p.authors}
        for a in keys:
            for b in keys - {a}:
                expected.setdefault(frozenset((a, b)), set()).add(p.title_key)
    for a, b, d in g.edges(data=True):
        pair = frozenset((name_key(g.nodes[a]["name"]), name_key(g.nodes[b]["name"])))
        assert {titles[i] for i in d["paper_iris"]} == expected[pair]
        assert len(d["paper_iris"]) == d["weight"]


def test_paper_facts_carry_what_the_pictures_show(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    facts = {title_key(p.title): p for p in paper_facts(viz_store)}
    assert len(facts) == len(seed_records.papers)
    for rec in seed_records.papers:
        p = facts[rec.title_key]
        assert p.year == rec.published.year
        assert [n.split(".")[-1] for _, n, _ in p.categories] == rec.categories  # primary first
        assert [a.name for a in p.authors if not a.inferred] == [a.name for a in rec.visible_authors]
        assert (p.org[1] if p.org else None) == rec.org
        assert {url for _, _, url in p.repos} == {lk.url for lk in rec.links if lk.kind == "repository"}
        assert p.arxiv_id == rec.arxiv_id


@pytest.mark.parametrize(("filters", "keep"), [
    (Filters(since=2024), in_years(since=2024)),
    (Filters(until=2022), in_years(until=2022)),
    (Filters(since=2022, until=2023), in_years(2022, 2023)),
    (Filters(topic="IR"), lambda p: "IR" in p.categories),
    (Filters(topic="cs.CL"), lambda p: "CL" in p.categories),
    (Filters(topic="information retrieval"), lambda p: "IR" in p.categories),
    (Filters(org="tencent-ai"), lambda p: p.org == "tencent-ai"),
    # The parent organization (by its label) covers its labs.
    (Filters(org="Tencent"), lambda p: p.org == "tencent-ai"),
    (Filters(until=2022, org="tencent-ai"), lambda p: p.org == "tencent-ai" and p.published.year <= 2022),
])
def test_filters(viz_store: KGStore, seed_records: ProfileRecords, filters: Filters, keep) -> None:
    expected_titles = {p.title_key for p in seed_records.papers if keep(p)}
    assert 0 < len(expected_titles) < len(seed_records.papers)
    assert {title_key(p.title) for p in paper_facts(viz_store, filters)} == expected_titles
    g = coauthor_graph(viz_store, since=filters.since, until=filters.until, topic=filters.topic,
                       org=filters.org)
    papers, pairs, _ = expected_network(seed_records, keep)
    assert by_key(g) == (papers, dict(pairs))


def test_archive_topic_covers_its_categories(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    assert len(paper_facts(viz_store, Filters(topic="cs"))) == len(seed_records.papers)


@pytest.mark.parametrize("value", ['IR") || true || ("', "IR' } ", "?paper", "*", "IR\n} UNION { ?x ?y ?z }"])
def test_filter_values_are_bound_not_pasted(viz_store: KGStore, value: str) -> None:
    assert paper_facts(viz_store, Filters(topic=value)) == []
    assert paper_facts(viz_store, Filters(org=value)) == []


def test_bad_filters_are_refused() -> None:
    with pytest.raises(AnalysisError, match="after"):
        Filters(since=2025, until=2020)
    with pytest.raises(AnalysisError, match="empty"):
        Filters(topic="  ")


def test_min_weight(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    g = coauthor_graph(viz_store)
    _, pairs, _ = expected_network(seed_records)
    h = min_weight(g, 2)
    assert h.number_of_edges() == sum(1 for w in pairs.values() if w >= 2)
    assert h.number_of_nodes() == g.number_of_nodes()
    assert g.number_of_edges() == len(pairs)  # the original is left alone


def test_metrics_and_ranking(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    g = coauthor_graph(viz_store)
    papers, pairs, _ = expected_network(seed_records)
    m = metrics(g)
    for v, d in g.nodes(data=True):
        k = name_key(d["name"])
        partners = [pair for pair in pairs if k in pair]
        assert m[v]["degree"] == len(partners)
        assert m[v]["weighted_degree"] == sum(pairs[pair] for pair in partners)
    owner = find_person(g, OWNER)
    # The owner wrote every paper, so every other author is a co-author and every shortest
    # path between two people who never wrote together runs through the owner.
    assert m[owner]["degree"] == len(papers) - 1
    assert max(m, key=lambda v: m[v]["betweenness"]) == owner
    ranked = most_connected(g, 3)
    assert ranked[0] == owner
    degrees = sorted((sum(1 for pair in pairs if k in pair) for k in papers), reverse=True)
    assert [m[v]["degree"] for v in ranked] == degrees[:3]


def test_communities_are_deterministic_and_partition_the_people(viz_store: KGStore) -> None:
    g = coauthor_graph(viz_store)
    first = communities(g, seed=42)
    again = communities(coauthor_graph(build_store([SEED])), seed=42)  # a separate build
    assert first == again
    assert set().union(*first) == set(g)
    assert sum(len(c) for c in first) == g.number_of_nodes()
    assert [len(c) for c in first] == sorted((len(c) for c in first), reverse=True)
    assert nx.community.modularity(g, first, weight="weight") > 0.1
    mapping = community_of(g, seed=42)
    assert {mapping[v] for v in first[0]} == {0}


def test_ego_and_find_person(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    g = coauthor_graph(viz_store)
    _, pairs, _ = expected_network(seed_records)
    focus = "fangzhao  WU"  # matched like IRIs are: case and spaces do not matter
    k = name_key(focus)
    near = {k} | {other for pair in pairs if k in pair for other in pair}
    h = ego(g, focus, hops=1)
    assert {name_key(d["name"]) for _, d in h.nodes(data=True)} == near
    assert ego(g, focus, hops=2).number_of_nodes() == g.number_of_nodes()  # via the owner
    assert ego(g, focus, hops=0).number_of_nodes() == 1
    with pytest.raises(AnalysisError, match="did you mean Fangzhao Wu"):
        find_person(g, "Fangzao Wu")
