"""The pyvis pictures without a browser: what each view contains, the page's safety and
self-containment, determinism, the CLI.  (tests/test_viz_browser.py loads them in Chromium.)"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import pytest
from conftest import OWNER, SEED
from pyvis.network import Network
from test_viz_support import (
    HOSTILE,
    HOSTILE_NAME_2,
    HOSTILE_SCRIPT,
    build_store,
    expected_network,
    write_hostile,
)
from typer.testing import CliRunner

from kg.analysis import AnalysisError
from kg.cli import app
from kg.models import ProfileRecords
from kg.names import name_key
from kg.store import KGStore
from kg.viz import PHYSICS_LIMIT, KGNetwork, viz, write_html
from kg.viz.page import render_page, script_json


@pytest.fixture(scope="module")
def viz_store() -> KGStore:
    return build_store([SEED])


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("viz") / "store"
    build_store([SEED], path).flush()
    return path


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    return build_store([write_hostile(tmp_path_factory.mktemp("hostile"))])


def page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


def test_coauthor_view_matches_the_records(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    papers, pairs, _ = expected_network(seed_records)
    net = viz(viz_store, "coauthors")
    assert isinstance(net, Network)
    assert net.num_nodes() == len(papers) == 54
    assert net.num_edges() == len(pairs)
    label = {n["id"]: n["label"] for n in net.nodes}
    assert sorted(name_key(x) for x in label.values()) == sorted(papers)
    got = {frozenset((name_key(label[e["from"]]), name_key(label[e["to"]]))) for e in net.edges}
    assert got == set(pairs)
    # Opaque ids: n0, n1, ... and e0, e1, ...; no data text in any id.
    assert sorted(int(n["id"][1:]) for n in net.nodes) == list(range(54))
    assert all(re.fullmatch(r"n\d+", n["id"]) for n in net.nodes)
    assert sorted(e["id"] for e in net.edges) == sorted(f"e{k}" for k in range(len(pairs)))
    # Node size grows with papers; the owner (on every paper) is the biggest.
    biggest = max(net.nodes, key=lambda n: n["size"])
    assert biggest["label"] == OWNER
    assert f"{len(seed_records.papers)} papers" in biggest["title"]
    assert net.options["physics"]["enabled"] is (PHYSICS_LIMIT >= 54)


def test_edge_tooltips_and_widths_follow_the_weights(viz_store: KGStore,
                                                     seed_records: ProfileRecords) -> None:
    _, pairs, _ = expected_network(seed_records)
    net = viz(viz_store, "coauthors")
    label = {n["id"]: n["label"] for n in net.nodes}
    for e in net.edges:
        w = pairs[frozenset((name_key(label[e["from"]]), name_key(label[e["to"]])))]
        assert f": {w} joint paper" in e["title"]
        assert e["width"] == pytest.approx(1 + 2 * math.log2(w), abs=0.01)


def test_full_view_has_typed_nodes(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    recs = seed_records.papers
    people = {name_key(a.name) for p in recs for a in p.authors}
    topics = {c for p in recs for c in p.categories}
    orgs = {p.org for p in recs if p.org}
    repos = {lk.url.casefold() for p in recs for lk in p.links if lk.kind == "repository"}
    paper_repo = sum(len({lk.url.casefold() for lk in p.links if lk.kind == "repository"}) for p in recs)
    net = viz(viz_store, "full")
    shapes: dict[str, int] = {}
    for n in net.nodes:
        shapes[n["shape"]] = shapes.get(n["shape"], 0) + 1
    assert shapes == {"square": len(recs), "dot": len(people), "triangle": len(topics),
                      "diamond": len(orgs), "star": len(repos)}
    assert net.num_edges() == (sum(len(p.authors) for p in recs) + sum(len(p.categories) for p in recs)
                               + sum(1 for p in recs if p.org) + paper_repo)
    relations = {e["label"] for e in net.edges}
    assert relations == {"author", "subject", "organization", "code"}
    legend = [item["label"] for item in net.kg_legend]
    assert legend == ["person", "paper", "organization", "topic (arXiv category)", "code repository"]
    assert len({(n["shape"], n["color"]) for n in net.nodes}) == 5  # one shape and colour per type


def test_paper_tooltips_carry_the_facts(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    net = viz(viz_store, "full")
    tips = {n["title"].split("\n")[0]: n for n in net.nodes if n["shape"] == "square"}
    with_code = [p for p in seed_records.papers if any(lk.kind == "repository" for lk in p.links)]
    assert with_code
    for p in with_code:
        node = tips[p.title]
        assert str(p.published.year) in node["title"]
        for lk in p.links:
            if lk.kind == "repository":
                assert lk.url in node["title"]
                assert any(link[1] == lk.url for it in node["info"]["items"] for link in it["links"])
        for a in p.visible_authors:
            assert a.name in node["title"]
    with_arxiv = [p for p in seed_records.papers if p.arxiv_id]
    for p in with_arxiv:
        assert f"https://arxiv.org/abs/{p.arxiv_id}" in tips[p.title]["title"]


def test_filters_reach_the_picture(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    papers, pairs, _ = expected_network(seed_records,
                                        lambda p: p.published.year >= 2024 and "CL" in p.categories)
    net = viz(viz_store, "coauthors", since=2024, topic="CL")
    assert (net.num_nodes(), net.num_edges()) == (len(papers), len(pairs))
    n_papers = sum(1 for p in seed_records.papers if p.published.year >= 2024 and "CL" in p.categories)
    assert net.kg_notes[0] == f"{n_papers} papers (years 2024–…; topic CL)"
    _, heavy, _ = expected_network(seed_records)
    net = viz(viz_store, "coauthors", min_weight=3)
    assert net.num_edges() == sum(1 for w in heavy.values() if w >= 3)
    assert net.num_nodes() == 54
    tencent = viz(viz_store, "full", org="tencent-ai")
    assert sum(1 for n in tencent.nodes if n["shape"] == "square") == sum(
        1 for p in seed_records.papers if p.org == "tencent-ai")


def test_top_keeps_the_most_connected_and_says_what_was_left_out(viz_store: KGStore,
                                                                   seed_records: ProfileRecords) -> None:
    _, pairs, names = expected_network(seed_records)
    degree = {k: sum(1 for pair in pairs if k in pair) for k in names}
    net = viz(viz_store, "coauthors", top=5)
    kept = {name_key(n["label"]) for n in net.nodes}
    assert len(kept) == 5
    assert min(degree[k] for k in kept) >= max(degree[k] for k in set(names) - kept)
    note = net.kg_notes[-1]
    assert note.startswith("--top 5: kept the 5 most connected people; left out 49: ")
    for k in set(names) - kept:
        assert names[k] in note


def test_ego_view(viz_store: KGStore, seed_records: ProfileRecords) -> None:
    _, pairs, _ = expected_network(seed_records)
    focus = name_key("Tao Qi")
    near = {focus} | {o for pair in pairs if focus in pair for o in pair}
    net = viz(viz_store, "ego", focus="tao qi", hops=1)
    assert {name_key(n["label"]) for n in net.nodes} == near
    assert net.num_edges() == sum(1 for pair in pairs if pair <= near)
    stars = [n for n in net.nodes if n["shape"] == "star"]
    assert [n["label"] for n in stars] == ["Tao Qi"]
    assert net.kg_title == "Co-authors of Tao Qi within 1 step"
    with pytest.raises(AnalysisError, match="needs --focus"):
        viz(viz_store, "ego")
    with pytest.raises(AnalysisError, match="no person named"):
        viz(viz_store, "ego", focus="Nobody Atall")
    with pytest.raises(AnalysisError, match="unknown view"):
        viz(viz_store, "people")


def test_page_is_self_contained_and_deterministic(viz_store: KGStore, tmp_path: Path) -> None:
    a = write_html(viz(viz_store, "coauthors"), tmp_path / "a.html").read_text(encoding="utf-8")
    b = write_html(viz_store, tmp_path / "b.html", view="coauthors").read_text(encoding="utf-8")
    assert a == b
    # No element may fetch anything: no src/href attributes on script/link/img/iframe, no @import.
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b[^>]*\b(src|href)\s*=", a, re.I)
    assert "<link" not in a and "@import" not in a
    for host in ("bootstrap", "cdnjs", "jsdelivr", "unpkg", "googleapis"):
        assert host not in a.lower()
    assert "default-src 'none'" in a
    assert a.lower().count("</script") == 3  # vis-network, the JSON data, the page logic
    data = page_data(a)
    assert len(data["nodes"]) == 54


def test_hostile_text_never_becomes_markup(hostile_store: KGStore, tmp_path: Path) -> None:
    for view, kw in (("coauthors", {}), ("full", {}), ("ego", {"focus": HOSTILE, "hops": 1})):
        net = viz(hostile_store, view, **kw)
        page = net.generate_html()
        # The raw strings never appear; the JSON block carries them escaped and intact.
        for raw in (HOSTILE, HOSTILE_SCRIPT, HOSTILE_NAME_2, "<b>markup</b>", "\u2028"):
            assert raw not in page
        assert "<img" not in page.lower()
        assert page.lower().count("</script>") == 3
        text = json.dumps(page_data(page), ensure_ascii=False)
        assert json.dumps(HOSTILE, ensure_ascii=False)[1:-1] in text
        labels = {n["label"] for n in page_data(page)["nodes"]}
        assert HOSTILE in labels
    ego_net = viz(hostile_store, "ego", focus=HOSTILE)
    assert ego_net.kg_title == f"Co-authors of {HOSTILE} within 1 step"


def test_script_json_escapes_what_could_end_or_break_a_script() -> None:
    value = {"a": "</script><script>x()</script>", "b": "<!-- & -->", "c": "\u2028\u2029", "d": "é ✓"}
    out = script_json(value)
    assert not set("<>&") & set(out)
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == value


def test_plain_pyvis_networks_are_written_safely(tmp_path: Path) -> None:
    net = Network(heading=HOSTILE)
    net.add_node(1, label=HOSTILE, title=HOSTILE)
    net.add_node(2, label="b")
    net.add_edge(1, 2, title=HOSTILE)
    page = write_html(net, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert HOSTILE not in page and "<img" not in page.lower()
    data = page_data(page)
    assert data["title"] == HOSTILE and [n["label"] for n in data["nodes"]] == [HOSTILE, "b"]


def test_notebook_display_is_a_sandboxed_srcdoc_iframe(viz_store: KGStore) -> None:
    net = viz(viz_store, "coauthors", top=3)
    assert isinstance(net, KGNetwork)
    shown = net._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" style="[^"]*" sandbox="allow-scripts[^"]*"></iframe>', shown)
    assert m
    assert html.unescape(m.group(1)) == net.generate_html()


def test_render_page_rejects_nothing_it_needs() -> None:
    page = render_page({"title": "t", "nodes": [], "edges": [], "options": {}, "notes": [], "legend": []})
    assert page_data(page)["title"] == "t"


# -- CLI ------------------------------------------------------------------------------------


def test_cli_writes_each_view(store_path: Path, tmp_path: Path, seed_records: ProfileRecords) -> None:
    runner = CliRunner()
    papers, pairs, _ = expected_network(seed_records)
    out = tmp_path / "co.html"
    r = runner.invoke(app, ["viz", "--view", "coauthors", "-o", str(out), "--store", str(store_path)])
    assert r.exit_code == 0, r.output
    assert f"{len(papers)} nodes, {len(pairs)} edges (coauthors view)" in r.output
    assert len(page_data(out.read_text(encoding="utf-8"))["nodes"]) == len(papers)
    out = tmp_path / "ego.html"
    r = runner.invoke(app, ["viz", "--view", "ego", "--focus", OWNER, "--hops", "1", "--top", "7",
                            "-o", str(out), "--store", str(store_path)])
    assert r.exit_code == 0, r.output
    data = page_data(out.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 7 and OWNER in {n["label"] for n in data["nodes"]}
    assert any(note.startswith("--top 7: kept the 7 most connected people; left out 47")
               for note in data["notes"])


@pytest.mark.parametrize(("args", "message"), [
    (["--view", "ego"], "the ego view needs --focus NAME"),
    (["--view", "nope"], "unknown view 'nope'"),
    (["--since", "2025", "--until", "2020"], "--since 2025 is after --until 2020"),
    (["--view", "ego", "--focus", "Nobody"], "no person named 'Nobody'"),
    (["-o", "x.png"], "must end in .html"),
])
def test_cli_errors_are_clear(store_path: Path, tmp_path: Path, args: list[str], message: str) -> None:
    r = CliRunner().invoke(app, ["viz", *args, "--store", str(store_path)])
    assert r.exit_code == 1
    assert message in " ".join(r.output.split())


def test_cli_missing_store(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["viz", "--store", str(tmp_path / "none")])
    assert r.exit_code == 1
    assert "no store at" in r.output


# -- large graphs -----------------------------------------------------------------------------


def test_large_pictures_are_laid_out_up_front_with_physics_off() -> None:
    from kg.analysis.coauthors import Author, PaperFacts
    from kg.viz import network_from_papers

    papers = [PaperFacts(f"urn:paper:{k}", f"Paper {k}", 2020,
                         authors=[Author(f"urn:p:{k}", f"P{k}", 1, False),
                                  Author(f"urn:p:{k + 1}", f"P{k + 1}", 2, False)])
              for k in range(PHYSICS_LIMIT + 20)]  # a path of PHYSICS_LIMIT + 21 people
    net = network_from_papers(papers, "coauthors")
    assert net.num_nodes() == PHYSICS_LIMIT + 21 and net.num_edges() == PHYSICS_LIMIT + 20
    assert net.options["physics"] == {"enabled": False}
    xy = [(n["x"], n["y"]) for n in net.nodes]
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in xy)
    assert len(set(xy)) == len(xy)
    assert network_from_papers(papers, "coauthors").generate_html() == net.generate_html()


def test_community_layout_keeps_communities_together() -> None:
    import networkx as nx

    from kg.viz.layout import SPRING_LIMIT, layout

    g = nx.planted_partition_graph(6, 100, 0.2, 0.004, seed=3)
    assert g.number_of_nodes() > SPRING_LIMIT and nx.is_connected(g)
    groups = {v: v // 100 for v in g}
    pos = layout(g, groups=groups)
    assert pos == layout(g, groups=groups)  # deterministic
    assert set(pos) == set(g)

    def mean_distance(pairs: list[tuple[int, int]]) -> float:
        return sum(math.dist(pos[a], pos[b]) for a, b in pairs) / len(pairs)

    same = [(a, b) for a in range(0, 600, 7) for b in range(0, 600, 11) if a != b and a // 100 == b // 100]
    other = [(a, b) for a in range(0, 600, 7) for b in range(0, 600, 11) if a // 100 != b // 100]
    assert mean_distance(same) < 0.5 * mean_distance(other)
    # Without given groups the layout finds communities itself (Louvain) to the same effect.
    pos = layout(g)
    assert mean_distance(same) < 0.5 * mean_distance(other)
