"""Collaboration paths and the network's evolution, against the records (never the store)."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest
from analysis_support import World, by_name_key, coauthor_network, read_world, write_pages
from conftest import SEED
from test_viz_support import build_store

from kg.analysis import AnalysisError, Filters
from kg.analysis.evolution import evolution, evolution_chart
from kg.analysis.paths import shortest_paths, within
from kg.analysis.projections import coauthor_graph
from kg.names import name_key
from kg.store import KGStore


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return [SEED, *write_pages(tmp_path_factory.mktemp("pages"))]


@pytest.fixture(scope="module")
def store(sources: list[Path]) -> KGStore:
    return build_store(sources)


@pytest.fixture(scope="module")
def records(sources: list[Path]) -> World:
    return read_world(sources)


# -- kg path A B ------------------------------------------------------------------------------


def test_a_hand_checked_path(store: KGStore) -> None:
    """Yuxin Jiang wrote three papers with Chuhan Wu (2024-2025); Chuhan Wu and Ada Bridge are
    both authors of FedCL (2022; Ada only as the inferred owner of her own page); Ada Bridge
    wrote two papers with Zoe Far (2023, 2024).  Nobody else links Yuxin's co-authors to Zoe's."""
    result = shortest_paths(store, coauthor_graph(store), "Yuxin Jiang", "Zoe Far")
    assert result.hops == 3 and result.found == 1
    steps = [(r["from_name"], r["to_name"], r["joint_papers"], r["years"], [p["title"] for p in r["papers"]])
             for r in result.rows]
    assert steps == [
        ("Yuxin Jiang", "Chuhan Wu", 3, "2024–2025",
         ["Crowd Comparative Reasoning: Unlocking Comprehensive Evaluations for LLM-as-a-Judge",
          "Instruction-Tuning Data Synthesis from Scratch via Web Reconstruction",
          "Learning to Edit: Aligning LLMs with Knowledge Editing"]),
        ("Chuhan Wu", "Ada Bridge", 1, "2022",
         ["FedCL: Federated Contrastive Learning for Privacy-Preserving Recommendation"]),
        ("Ada Bridge", "Zoe Far", 2, "2023–2024",
         ["Sparse Bridges for Retrieval", "Tokenizers on the Far Side"]),
    ]
    assert [p["year"] for p in result.rows[2]["papers"]] == [2024, 2023]


@pytest.mark.parametrize(("a", "b"), [("Yuxin Jiang", "Tao Qi"), ("Zoe Far", "Jingwei Yi"),
                                      ("Wei Newman", "Qinglin Jia"), ("Ada Bridge", "Fangzhao Wu")])
def test_paths_are_networkx_all_shortest_paths_on_the_records_graph(store: KGStore, records: World,
                                                                    a: str, b: str) -> None:
    g = coauthor_graph(store)
    keys = by_name_key(g)
    h = coauthor_network(records.papers)
    theirs = sorted(nx.all_shortest_paths(h, name_key(a), name_key(b)))
    result = shortest_paths(store, g, a, b, max_paths=1000)
    assert sorted([keys[v] for v in p] for p in result.paths) == theirs
    assert result.found == len(theirs) and result.hops == len(theirs[0]) - 1
    for r in result.rows:  # each step's joint papers, as many as the records' weight
        assert r["joint_papers"] == h.edges[keys[r["from"]], keys[r["to"]]]["weight"] == len(r["papers"])


def test_paths_are_sorted_by_the_names_along_them_and_capped(store: KGStore) -> None:
    g = coauthor_graph(store)
    every = shortest_paths(store, g, "Zoe Far", "Jingwei Yi")
    names = [[g.nodes[v]["name"] for v in p] for p in every.paths]
    assert names == sorted(names) and every.found == len(names) == 2
    assert names[0] == ["Zoe Far", "Ada Bridge", "Chuhan Wu", "Jingwei Yi"]
    first = shortest_paths(store, g, "Zoe Far", "Jingwei Yi", max_paths=1)
    assert first.found == 2 and first.paths == every.paths[:1] and {r["path"] for r in first.rows} == {1}


def test_path_errors(store: KGStore) -> None:
    g = coauthor_graph(store)
    with pytest.raises(AnalysisError, match="no collaboration path between Ivan Island and Chuhan Wu"):
        shortest_paths(store, g, "Ivan Island", "Chuhan Wu")
    with pytest.raises(AnalysisError, match="Solo Writer has no co-authors"):
        shortest_paths(store, g, "Solo Writer", "Chuhan Wu")
    with pytest.raises(AnalysisError, match=r"no person named 'Zoe Farr'.*did you mean Zoe Far"):
        shortest_paths(store, g, "Zoe Farr", "Chuhan Wu")
    with pytest.raises(AnalysisError, match="same person"):
        shortest_paths(store, g, "chuhan  WU", "Chuhan Wu")
    # A year range can leave someone out: the message says "in the selected papers".
    with pytest.raises(AnalysisError, match="no person named 'Zoe Far' in the selected papers"):
        shortest_paths(store, coauthor_graph(store, Filters(until=2022)), "Zoe Far", "Chuhan Wu")


# -- kg path A --within k ---------------------------------------------------------------------


@pytest.mark.parametrize(("who", "k"), [("Zoe Far", 1), ("Zoe Far", 2), ("Zoe Far", 3), ("Jo Isle", 5)])
def test_within_is_networkx_bfs_on_the_records_graph(store: KGStore, records: World, who: str,
                                                     k: int) -> None:
    g = coauthor_graph(store)
    keys = by_name_key(g)
    h = coauthor_network(records.papers)
    theirs = nx.single_source_shortest_path_length(h, name_key(who), cutoff=k)
    rows = within(g, who, k)
    assert {keys[r["person"]]: r["distance"] for r in rows} == {p: d for p, d in theirs.items() if d > 0}
    assert [r["distance"] for r in rows] == sorted(r["distance"] for r in rows)
    for r in rows:
        if r["distance"] == 1:
            assert r["via"] is None
            assert r["joint_papers"] == h.edges[name_key(who), keys[r["person"]]]["weight"]
        else:  # via is a co-author of `who` one step closer to the person
            via = name_key(r["via"])
            assert h.has_edge(name_key(who), via)
            assert nx.shortest_path_length(h, via, keys[r["person"]]) == r["distance"] - 1


def test_within_names_the_hops(store: KGStore) -> None:
    rows = within(coauthor_graph(store), "Zoe Far", 2)
    assert [(r["name"], r["distance"], r["via"]) for r in rows[:2]] == [("Ada Bridge", 1, None),
                                                                        ("Wei Newman", 1, None)]
    assert {r["via"] for r in rows if r["distance"] == 2} == {"Ada Bridge"}
    with pytest.raises(AnalysisError, match="Solo Writer has no co-authors"):
        within(coauthor_graph(store), "Solo Writer", 2)


# -- evolution --------------------------------------------------------------------------------


def _snapshot(records: World, year: int) -> nx.Graph:
    return coauthor_network(records.select(lambda p: p.year <= year))


def test_whole_graph_evolution_equals_the_records(store: KGStore, records: World) -> None:
    rows = evolution(store)
    years = sorted({p.year for p in records.papers.values()})
    assert [r["year"] for r in rows] == list(range(years[0], years[-1] + 1))
    seen: set[str] = set()
    for r in rows:
        h = _snapshot(records, r["year"])
        assert r["papers"] == sum(1 for p in records.papers.values() if p.year == r["year"])
        assert r["papers_so_far"] == sum(1 for p in records.papers.values() if p.year <= r["year"])
        assert (r["nodes"], r["edges"]) == (h.number_of_nodes(), h.number_of_edges())
        assert r["new"] == len(set(h) - seen)
        seen = set(h)
        comps = sorted((len(c) for c in nx.connected_components(h)), reverse=True)
        assert r["components"] == len(comps)
        assert r["largest_component_share"] == comps[0] / len(h)
        assert 1 <= r["communities"] <= r["nodes"]
    assert rows[-1]["nodes"] == 60 and rows[-1]["components"] == 3
    assert rows[0]["persisting"] == 0
    assert all(r["persisting"] <= before["communities"] for before, r in itertools.pairwise(rows))


def test_persisting_communities_are_counted_by_jaccard(store: KGStore) -> None:
    from kg.analysis.evolution import _persisting

    a, b, c = frozenset("abcd"), frozenset("efg"), frozenset("hi")
    assert _persisting([a, b, c], [a, b, c]) == 3
    assert _persisting([a, b], [frozenset("abc"), frozenset("defg")]) == 2  # 3/4 and 3/4
    assert _persisting([a], [frozenset("ab"), frozenset("cd")]) == 1  # 2/4 = 0.5 counts
    assert _persisting([a], [frozenset("a"), frozenset("b"), frozenset("cd")]) == 1
    assert _persisting([a], [frozenset("a"), frozenset("b"), frozenset("c"), frozenset("d")]) == 0


def test_person_evolution_equals_the_records(store: KGStore, records: World) -> None:
    me = name_key("Tao Qi")
    rows = evolution(store, person="Tao Qi")
    before: set[str] = set()
    for r in rows:
        h = _snapshot(records, r["year"])
        alters = set(h[me]) if me in h else set()
        ego = h.subgraph(alters | ({me} if me in h else set()))
        assert (r["nodes"], r["edges"]) == (ego.number_of_nodes(), ego.number_of_edges())
        assert r["new"] == len(alters - before)
        before = alters
        mine = [p for p in records.papers.values() if me in p.people]
        assert r["papers"] == sum(1 for p in mine if p.year == r["year"])
        assert r["papers_so_far"] == sum(1 for p in mine if p.year <= r["year"])
        rest = h.subgraph(alters)
        if alters:
            comps = sorted((len(c) for c in nx.connected_components(rest)), reverse=True)
            assert r["components"] == len(comps) and r["largest_component_share"] == comps[0] / len(alters)
    assert rows[-1]["nodes"] == 1 + len(set(coauthor_network(records.papers)[me]))


def test_evolution_is_deterministic_and_errors_are_clear(store: KGStore, sources: list[Path]) -> None:
    assert evolution(store) == evolution(build_store(list(reversed(sources))))
    no_communities = evolution(store, communities=False)
    assert all(r["communities"] is None and r["persisting"] is None for r in no_communities)
    with pytest.raises(AnalysisError, match="no papers match years 2030–…"):
        evolution(store, Filters(since=2030))
    with pytest.raises(AnalysisError, match="no person named 'Nobody'"):
        evolution(store, person="Nobody")
    with pytest.raises(AnalysisError, match="no person named 'Zoe Far' in the selected papers"):
        evolution(store, Filters(until=2022), person="Zoe Far")


def test_charts_are_written_and_svg_is_byte_identical(store: KGStore, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rows = evolution(store)
    svg1, svg2, png = tmp_path / "a.svg", tmp_path / "b.svg", tmp_path / "c.png"
    evolution_chart(rows, svg1)
    evolution_chart(rows, svg2)
    evolution_chart(rows, png, title="Co-author network of Tao Qi")
    assert svg1.read_bytes() == svg2.read_bytes()
    text = svg1.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and "dc:date" not in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    with pytest.raises(AnalysisError, match=r"must end in \.png or \.svg"):
        evolution_chart(rows, tmp_path / "chart.pdf")
