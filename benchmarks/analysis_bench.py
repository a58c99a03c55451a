"""Network analysis at scale: time and memory of each projection and each metric.

Builds synthetic stores of 10k, 100k and 1M papers (``--sizes``) once, cached in
``--cache`` (default ``/tmp/kg-analysis-bench``), then measures in a fresh process per size,
phase by phase: wall time and peak RSS (VmHWM reset at the start of each phase, so a phase's
peak includes what the process already held; ``+MB`` is the growth over the phase start).

The synthetic collaboration network: ``0.6 × papers`` people in groups of 25; each paper a
team of 2-6 from one group (groups Zipf-popular, members preferential within their group)
plus, one time in five, someone from another group; years grow with the paper index
(2000-2024); one or two arXiv categories by group; 10 % of papers tagged with one of six
organizations, 5 % with a code repository.  Papers go through the real mapping
(``ProfileMapper.paper_quads``) and are bulk-loaded into one source graph: extraction, SHACL
validation and staging are left out (they are measured by build_bench.py / validate_bench.py).

Baselines measured in the same run:
* projections: the bare SPARQL read of every ``dcterms:creator`` row (what the co-author
  projection must read at least); ``ratio`` = projection / that read;
* metrics: one breadth-first pass over the whole co-author graph (networkx
  ``connected_components``), the floor of any graph algorithm in pure Python; ``ratio`` =
  metric / that pass.

    python benchmarks/analysis_bench.py                         # 10k, 100k
    python benchmarks/analysis_bench.py --sizes 10000 100000 1000000
    python benchmarks/analysis_bench.py --sizes 1000000 --skip write evolution
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 26)
GROUP = 25
CODES = ["IR", "LG", "CL", "CV", "AI", "MA", "SI", "DB"]
ORGS = ["tencent-ai", "microsoft-research-asia", "huawei-noah", "tsinghua", "google", "meta"]
PHASES = ("raw", "coauthors", "orgs", "topics", "categories", "repos", "degree", "betweenness", "closeness",
          "clustering", "core", "louvain", "components", "analyze", "path", "within", "evolution", "write")


# -- the synthetic store ------------------------------------------------------------------------


def synthetic_papers(n: int, seed: int = 1) -> Iterator[Any]:
    """``n`` papers as kg.models records, streamed (see the module docstring)."""
    from kg.models import Authorship, Link, Paper

    rng = random.Random(seed)
    people = max(GROUP * 2, int(n * 0.6))
    groups = people // GROUP
    group_cum = list(itertools.accumulate(1 / (g + 1) ** 0.5 for g in range(groups)))
    member_cum = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(GROUP)))
    size_cum = list(itertools.accumulate([15, 30, 30, 15, 10]))
    for k in range(n):
        g = rng.choices(range(groups), cum_weights=group_cum)[0]
        size = rng.choices(range(2, 7), cum_weights=size_cum)[0]
        team: list[int] = []
        while len(team) < size:
            p = g * GROUP + rng.choices(range(GROUP), cum_weights=member_cum)[0]
            if p not in team:
                team.append(p)
        if rng.random() < 0.2:
            other = rng.randrange(people)
            if other not in team:
                team.append(other)
        year = 2000 + (25 * k) // n
        published = dt.date(year, 1 + rng.randrange(12), 1 + rng.randrange(28))
        codes = [CODES[g % len(CODES)]] + ([CODES[(g + 3) % len(CODES)]] if rng.random() < 0.3 else [])
        links = []
        if rng.random() < 0.05:
            links.append(Link(url=f"https://github.com/lab{g}/project{k}", kind="repository",
                              host="github.com", owner=f"lab{g}", name=f"project{k}"))
        yield Paper(title=f"Synthetic study {k} of group {g}", categories=codes, published=published,
                    has_code=bool(links), org=ORGS[g % len(ORGS)] if rng.random() < 0.1 else None,
                    authors=[Authorship(name=f"Person{p} Surname{p % 271}", position=i)
                             for i, p in enumerate(team, 1)],
                    links=links)


def build(n: int, path: Path) -> dict[str, float]:
    """Load ``n`` synthetic papers into a fresh store at ``path`` (mapping + bulk load)."""
    import pyoxigraph as ox

    from kg.builder import ensure_ontology
    from kg.models import Profile, ProfileRecords, SourceInfo
    from kg.rdf.mapping import BuildInfo, ProfileMapper
    from kg.store import KGStore

    t = time.perf_counter()
    store = KGStore(path)
    ensure_ontology(store)
    records = ProfileRecords(
        source=SourceInfo(path=f"synthetic-{n}.txt", name=f"synthetic-{n}.txt", sha256="0" * 64),
        profile=Profile(name="Bench Owner", papers_listed=n, as_of=AS_OF), papers=[])
    mapper = ProfileMapper(records)
    built = BuildInfo(dt.datetime(2026, 11, 26, tzinfo=dt.UTC))
    quads = 0
    batch: list[ox.Quad] = [*mapper.source_quads(built), *mapper.profile_quads()]
    for paper in synthetic_papers(n):
        batch.extend(mapper.paper_quads(paper))
        if len(batch) >= 200_000:
            store.ox.bulk_extend(batch)
            quads += len(batch)
            batch = []
    store.ox.bulk_extend(batch)
    quads += len(batch)
    store.flush()
    return {"papers": n, "quads": quads, "seconds": time.perf_counter() - t}


# -- measuring --------------------------------------------------------------------------------


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    start = _status("VmRSS")
    _reset_peak()
    t = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t
    peak = _status("VmHWM")
    return out, {"seconds": seconds, "peak_mb": peak, "added_mb": peak - start}


def child(path: Path, skip: list[str], samples: int) -> dict[str, Any]:
    """Every phase on the store at ``path``, in this (fresh) process."""
    import networkx as nx

    from kg.analysis import Filters
    from kg.analysis import network as net
    from kg.analysis.evolution import evolution
    from kg.analysis.paths import shortest_paths, within
    from kg.analysis.projections import author_topic_graph, coauthor_graph, org_graph, paper_repository_graph
    from kg.store import KGStore

    store = KGStore(path, read_only="write" in skip)
    res: dict[str, Any] = {}

    def run(name: str, fn: Callable[[], Any]) -> Any:
        if name in skip:
            return None
        out, m = _measure(fn)
        res[name] = m
        print(f"  {name:12s} {m['seconds']:9.2f} s  peak {m['peak_mb']:8.0f} MB  +{m['added_mb']:.0f} MB",
              file=sys.stderr, flush=True)
        return out

    rows = run("raw", lambda: sum(1 for _ in store.query(
        "SELECT ?paper ?person WHERE { ?paper dcterms:creator ?person }")))
    g = run("coauthors", lambda: coauthor_graph(store))
    assert g is not None
    res["graph"] = {"rows": rows, "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
                    "papers": len(g.graph["paper_year"])}
    run("orgs", lambda: org_graph(store).number_of_nodes())
    run("topics", lambda: author_topic_graph(store, scheme="research").number_of_edges())
    run("categories", lambda: author_topic_graph(store, scheme="arxiv").number_of_edges())
    run("repos", lambda: paper_repository_graph(store).number_of_edges())
    n = g.number_of_nodes()
    k = None if n <= net.EXACT_LIMIT else samples
    res["graph"]["samples"] = k
    _, floor = _measure(lambda: sum(1 for _ in nx.connected_components(g)))
    res["bfs_floor"] = floor
    run("degree", lambda: (dict(g.degree()), dict(g.degree(weight="weight"))))
    run("betweenness", lambda: nx.betweenness_centrality(g, k=k, seed=42))
    run("closeness", lambda: net.sampled_closeness(g, k, 42) if k else nx.closeness_centrality(g))
    run("clustering", lambda: nx.clustering(g))
    run("core", lambda: nx.core_number(g))
    comms = run("louvain", lambda: net.louvain(g, 42))
    if comms is not None:
        res["graph"]["communities"] = len(comms)
    run("components", lambda: net._sorted_components(g))
    result = run("analyze", lambda: net.analyze_graph(g.copy(), samples=k))
    giant = max(nx.connected_components(g), key=len)
    a, b = sorted(giant)[0], sorted(giant)[len(giant) // 2]
    found = run("path", lambda: shortest_paths(store, g, a, b))
    if found is not None:
        res["graph"]["path_hops"] = found.hops
    reach = run("within", lambda: within(g, a, 3))
    if reach is not None:
        res["graph"]["within_3"] = len(reach)
    run("evolution", lambda: evolution(store, Filters()))
    if "write" not in skip and result is not None:
        from kg.analysis.stored import write_analysis

        written = run("write", lambda: write_analysis(store, result, date=AS_OF))
        res["graph"]["written_triples"] = written[1]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/kg-analysis-bench"))
    ap.add_argument("--samples", type=int, default=200, help="Sampled sources above 2,000 nodes.")
    ap.add_argument("--skip", nargs="*", default=[], choices=PHASES)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.skip, args.samples)))
        return
    results = {}
    for n in args.sizes:
        path = args.cache / f"store-{n}"
        if not (path / "CURRENT").exists():
            print(f"building {n:,} papers into {path} ...", file=sys.stderr, flush=True)
            info = build(n, path)
            print(f"  {info['quads']:,} quads in {info['seconds']:.0f} s", file=sys.stderr, flush=True)
        print(f"measuring {n:,} papers", file=sys.stderr, flush=True)
        copy = args.cache / f"run-{n}"  # --write changes the store: measure on a copy
        subprocess.run(["rm", "-rf", str(copy)], check=True)
        subprocess.run(["cp", "-r", str(path), str(copy)], check=True)
        out = subprocess.run([sys.executable, __file__, "--child", str(copy), "--samples", str(args.samples),
                              "--skip", *args.skip], check=True, stdout=subprocess.PIPE, text=True)
        results[n] = json.loads(out.stdout)
        subprocess.run(["rm", "-rf", str(copy)], check=True)
    report(results)


def report(results: dict[int, dict[str, Any]]) -> None:
    print(f"python {sys.version.split()[0]}; one run per size; times in seconds, peak RSS in MB")
    for n, r in results.items():
        g = r["graph"]
        how = "exact" if g["samples"] is None else f"{g['samples']} sampled sources, seed 42"
        print(f"\n{n:,} papers: {g['rows']:,} authorship rows, {g['nodes']:,} people, {g['edges']:,} "
              f"co-author links, {g.get('communities', '?')} communities; betweenness/closeness {how}")
        raw, floor = r.get("raw", {}).get("seconds"), r["bfs_floor"]["seconds"]
        print(f"  baselines: SPARQL read of the dcterms:creator rows {raw:.2f} s; one BFS pass {floor:.2f} s")
        print(f"  {'phase':12s} {'seconds':>9s} {'ratio':>8s} {'peak MB':>8s} {'+MB':>6s}")
        for phase in PHASES:
            if phase not in r or phase == "raw":
                continue
            m = r[phase]
            base = raw if phase in ("coauthors", "orgs", "topics", "categories", "repos") else floor
            ratio = f"{m['seconds'] / base:8.1f}" if base else "     n/a"
            print(f"  {phase:12s} {m['seconds']:9.2f} {ratio} {m['peak_mb']:8.0f} {m['added_mb']:6.0f}")
        extra = {k: g[k] for k in ("path_hops", "within_3", "written_triples") if k in g}
        if extra:
            print("  " + ", ".join(f"{k} {v:,}" for k, v in extra.items()))


if __name__ == "__main__":
    main()
