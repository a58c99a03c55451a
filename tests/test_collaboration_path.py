"""collaboration-path: one row per shortest co-author path (1 to 3 steps), on every engine and at scale.

The expectation is networkx's ``all_shortest_paths`` on a co-author graph built straight from
the extractor's records (never from SPARQL).  The query must give the same rows, in order, on
Oxigraph, on rdflib, through the VALUES-block text sent to endpoints, and on a real Virtuoso;
and on a 300-paper graph it must finish in a subprocess capped at 1 GB of address space (the
query it replaced ran out of memory there, or ran for minutes).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from conftest import AS_OF, OWNER, SEED

import kg.query as kq
from kg.builder import build_sources
from kg.extract import read_profile
from kg.extract.writer import write_profile
from kg.models import ProfileRecords
from kg.query.remote import with_values
from kg.rdf.iri import Minter
from kg.remote.push import push_store
from kg.remote.virtuoso import VirtuosoServer
from kg.store import KGStore

pytest.register_assert_rewrite("virtuoso_server")
from virtuoso_server import PASSWORD, USER, drop_graphs  # noqa: E402

pytest_plugins = ["virtuoso_server"]

M = Minter()
ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["hops", "via1", "via1_name", "via2", "via2_name"]
GRAPHS = "https://w3id.org/scholarly-kg/"

# Pages around the seed: Bea Bridge writes with Fangzhao Wu and Tao Qi (both Chuhan Wu's
# co-authors) and with Cal Chain; Dee Distant with Cal Chain and Eve Island; Lone Wolf and
# Solo Partner only with each other.  So Cal Chain is 3 steps from Chuhan Wu (two ways),
# Dee Distant 4 (too far), and Lone Wolf is not connected to anyone else.
PAGES = {
    "bea-bridge.txt": """Bea Bridge

IR
h-index2
2papers
10citations
Novelty40%
AI Score20

2 Papers

IRJan 5, 2025
Bridges Between Retrieval Groups

Bea Bridge, Cal Chain

We bridge two retrieval groups.

IRMar 3, 2025
Federated Bridges for News Recommendation

Fangzhao Wu, Bea Bridge, Tao Qi et al.

Federated bridges.""",
    "dee-distant.txt": """Dee Distant

CL
h-index1
2papers
3citations
Novelty10%
AI Score5

2 Papers

CLOct 1, 2025
Chains of Tokenizers

Dee Distant, Cal Chain

Chains.

CLNov 2, 2025
Island Languages

Eve Island, Dee Distant

Islands.""",
    "lone-wolf.txt": """Lone Wolf

LG
h-index1
1papers
1citations
Novelty10%
AI Score5

1 Papers

LGJun 1, 2024
Learning Alone

Lone Wolf, Solo Partner

Alone.""",
}

# (author, other, hops or None): every length, hubs, several paths, too far, not connected.
PAIRS = [
    (OWNER, "Fangzhao Wu", 1),
    (OWNER, "Tao Qi", 1),
    ("Lone Wolf", "Solo Partner", 1),
    ("Yuxin Jiang", "Tao Qi", 2),
    ("Bea Bridge", OWNER, 2),
    ("Cal Chain", "Tao Qi", 2),
    ("Cal Chain", OWNER, 3),
    ("Dee Distant", "Fangzhao Wu", 3),
    ("Eve Island", "Bea Bridge", 3),
    ("Bea Bridge", "Yuxin Jiang", 3),
    ("Dee Distant", OWNER, None),
    ("Eve Island", "Fangzhao Wu", None),
    ("Lone Wolf", OWNER, None),
]


def person(name: str) -> str:
    return M.person(name).value


def coauthor_graph(records: Sequence[ProfileRecords]) -> tuple[nx.Graph, dict[str, set[str]]]:
    """People joined when they share a paper; a paper on two pages has the union of its authors."""
    authors: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        for paper in rec.papers:
            for a in paper.authors:
                authors[M.paper(paper).value].add(person(a.name))
                names[person(a.name)].add(a.name)
    graph = nx.Graph()
    for people in authors.values():
        graph.add_nodes_from(people)
        graph.add_edges_from(itertools.combinations(sorted(people), 2))
    return graph, names


def expected_rows(graph: nx.Graph, names: dict[str, set[str]], a: str, b: str) -> list[dict]:
    """The rows the query defines: one per shortest path of 1-3 steps (and per name spelling)."""
    try:
        paths = list(nx.all_shortest_paths(graph, a, b))
    except nx.NetworkXNoPath:
        return []
    if len(paths[0]) - 1 > 3:
        return []
    rows = []
    for path in paths:
        via = path[1:-1]
        for spelled in itertools.product(*(sorted(names[v]) for v in via)):
            row: dict = dict.fromkeys(COLUMNS) | {"hops": len(path) - 1}
            for i, (v, name) in enumerate(zip(via, spelled, strict=True), 1):
                row[f"via{i}"], row[f"via{i}_name"] = v, name
            rows.append(row)
    return sorted(rows, key=lambda r: tuple(r[c] or "" for c in ("via1_name", "via2_name", "via1", "via2")))


def as_rows(result: kq.QueryResult) -> list[dict]:
    assert result.columns == COLUMNS
    return result.rows


# -- the small graph: the seed and the pages above ---------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("path-pages")
    out = []
    for name, text in PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(folder / name)
    return out


@pytest.fixture(scope="module")
def oracle(seed_records: ProfileRecords, pages: list[Path]) -> tuple[nx.Graph, dict[str, set[str]]]:
    records = [seed_records]
    for p in pages:
        rec = read_profile(p, as_of=AS_OF)
        assert not rec.problems
        records.append(rec)
    return coauthor_graph(records)


@pytest.fixture(scope="module")
def store(pages: list[Path]) -> KGStore:
    store = KGStore()
    build_sources([SEED, *pages], store=store, as_of=AS_OF)
    return store


@pytest.fixture(scope="module", params=["oxigraph", "rdflib", "values"])
def engine(request: pytest.FixtureRequest, store: KGStore) -> kq.Engine:
    """Oxigraph with bound parameters, rdflib, and Oxigraph given the text an endpoint gets."""
    if request.param == "rdflib":
        return kq.RdflibEngine.from_store(store)
    if request.param == "oxigraph":
        return kq.OxigraphEngine(store)

    class ValuesEngine(kq.OxigraphEngine):
        def select(self, sparql: str, bindings):  # type: ignore[no-untyped-def]
            return super().select(with_values(sparql, bindings), {})

    return ValuesEngine(store)


def test_the_pairs_cover_every_case(oracle) -> None:
    graph, _ = oracle
    lengths = {}
    for a, b, _hops in PAIRS:
        try:
            lengths[a, b] = nx.shortest_path_length(graph, person(a), person(b))
        except nx.NetworkXNoPath:
            lengths[a, b] = None
    assert [lengths[a, b] if lengths[a, b] is None or lengths[a, b] <= 3 else None
            for a, b, _ in PAIRS] == [h for _, _, h in PAIRS]
    assert 4 in lengths.values() and None in lengths.values()   # too far, and not connected
    paths = {(a, b): list(nx.all_shortest_paths(graph, person(a), person(b))) for a, b, h in PAIRS if h}
    assert {len(p[0]) - 1 for p in paths.values() if len(p) > 1} == {2, 3}   # several shortest paths


@pytest.mark.parametrize(("a", "b", "hops"), PAIRS, ids=[f"{a}-{b}" for a, b, _ in PAIRS])
def test_rows_are_the_shortest_paths(engine: kq.Engine, oracle, a: str, b: str, hops: int | None) -> None:
    graph, names = oracle
    expected = expected_rows(graph, names, person(a), person(b))
    assert {r["hops"] for r in expected} == ({hops} if hops else set())
    assert as_rows(kq.run(engine, "collaboration-path", author=a, other=b)) == expected
    # The other direction: the same paths reversed (via1 and via2 swap on 3 steps).
    assert as_rows(kq.run(engine, "collaboration-path", author=b, other=a)) == expected_rows(
        graph, names, person(b), person(a))


def test_same_person_twice_has_no_row(engine: kq.Engine) -> None:
    assert kq.run(engine, "collaboration-path", author=OWNER, other=OWNER).rows == []


# -- Virtuoso 7 (the endpoint path for real) ---------------------------------------------------


@pytest.mark.virtuoso
def test_same_rows_on_virtuoso(virtuoso: VirtuosoServer, store: KGStore, oracle) -> None:
    """The graphs pushed to a real Virtuoso 7.2 (removed again afterwards: others use the server)."""
    graph, names = oracle
    drop_graphs(virtuoso, GRAPHS)
    try:
        push_store(store, virtuoso.sparql_auth_url, auth="digest", user=USER, password=PASSWORD)
        for a, b, _ in PAIRS:
            rows = kq.run(None, "collaboration-path", endpoint=virtuoso.sparql_url, author=a, other=b).rows
            assert rows == expected_rows(graph, names, person(a), person(b)), (a, b)
    finally:
        drop_graphs(virtuoso, GRAPHS)


# -- scale: 300 papers under a 1 GB address-space cap ------------------------------------------

# Runs in a fresh interpreter: loads the graph, binds the parameters, caps the address space,
# then runs the library query once per pair and prints the rows as JSON.  A Rust allocation
# failure aborts the process (SIGABRT), so running out of memory shows as a non-zero exit.
CHILD = """
import json, resource, sys
import pyoxigraph as ox
import kg.query as kq
nquads, cap_mb, pairs = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
store = ox.Store()
with open(nquads, "rb") as f:
    store.bulk_load(f, format=ox.RdfFormat.N_QUADS)
engine = kq.OxigraphEngine(store)
query = kq.load_query(sys.argv[4])
bound = [kq.bind(query, {"author": a, "other": b}, engine) for a, b in pairs]
resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))
rows = [[{k: v for k, v in r.items() if k in ("hops", "via1", "via1_name", "via2", "via2_name")}
         for r in engine.select(query.text, b).rows] for b in bound]
print(json.dumps(rows))
"""
SCALE_PAIRS = [
    (OWNER, "Tao Qi", 1),
    ("Yuxin Jiang", "Tao Qi", 2),          # also through every copy's owner
    ("Cal Chain", OWNER, 3),
    ("Cal Chain", "Owner Number3", 3),
    ("Dee Distant", OWNER, None),
    ("Lone Wolf", "Tao Qi", None),
]


def renamed_copies(seed: ProfileRecords, n: int, folder: Path) -> Iterator[Path]:
    """The seed page n times with its owner renamed and titles made unique: a research group's pages."""
    for i in range(n):
        owner = f"Owner Number{i}"
        papers = [
            p.model_copy(update={
                "title": f"{p.title} (copy {i})", "title_key": "",
                "authors": [a.model_copy(update={"name": owner, "name_key": ""}) if a.name == OWNER else a
                            for a in p.authors],
            })
            for p in seed.papers
        ]
        profile = seed.profile.model_copy(update={"name": owner, "name_key": ""})
        path = folder / f"copy-{i}.txt"
        path.write_text(write_profile(seed.model_copy(update={"profile": profile, "papers": papers})),
                        encoding="utf-8")
        yield path


def test_300_papers_within_1_gb(tmp_path: Path, seed_records: ProfileRecords, pages: list[Path]) -> None:
    sources = [SEED, *renamed_copies(seed_records, 5, tmp_path), *pages]
    records = [read_profile(s, as_of=AS_OF) for s in sources]
    assert sum(len(r.papers) for r in records[:6]) == 300 and not any(r.problems for r in records)
    graph, names = coauthor_graph(records)
    store = KGStore()
    build_sources(sources, store=store, as_of=AS_OF, validate=False)
    nquads = tmp_path / "graph.nq"
    with nquads.open("wb") as f:
        ox.serialize(store.quads(), f, format=ox.RdfFormat.N_QUADS)
    pairs = [(a, b) for a, b, _ in SCALE_PAIRS]
    query = ROOT / "queries" / "collaboration-path.rq"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(nquads), "1024", json.dumps(pairs), str(query)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    for (a, b, hops), rows in zip(SCALE_PAIRS, got, strict=True):
        expected = expected_rows(graph, names, person(a), person(b))
        assert {r["hops"] for r in expected} == ({hops} if hops else set()), (a, b)
        assert rows == expected, (a, b)
    assert len(got[1]) == 6   # Yuxin Jiang - Tao Qi: through Chuhan Wu and each of the 5 owners
