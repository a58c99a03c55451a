"""Query library speed: every query on Oxigraph (substitutions), Oxigraph (VALUES block, the
endpoint path) and rdflib, on the bundled example and on N renamed copies of it.

Each copy is the seed page with its owner renamed and its titles made unique (via the
records and :func:`kg.extract.writer.write_profile`), so copies share the co-authors: the
graph grows like a research group's pages would.  Baseline: Oxigraph with substitutions,
measured in the same run; other columns are ratios to it.

    python benchmarks/queries_bench.py                 # the seed, 5 runs per cell
    python benchmarks/queries_bench.py --copies 20     # + 20 copies (1,000 papers)
    python benchmarks/queries_bench.py --no-rdflib     # Oxigraph only (rdflib is slow at scale)
    python benchmarks/queries_bench.py --path          # collaboration-path before/after, 300 and 3,000 papers

``--path`` runs the shortest-path query as it was before it was anchored at the two people
(kept below as ``PATH_BEFORE``) and as it is now, each pair in a fresh process whose address
space is capped (``--cap-mb``, default 1024) and killed after ``--timeout`` seconds; it prints
the median time and the peak RSS the query added to the loaded graph.  The graphs are the seed,
N renamed copies and two small pages that put people 3 and 4 steps away.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

import kg.query as kq  # noqa: E402
from kg.builder import build_sources  # noqa: E402
from kg.extract import read_profile  # noqa: E402
from kg.extract.writer import write_profile  # noqa: E402
from kg.query.remote import with_values  # noqa: E402
from kg.store import KGStore  # noqa: E402

SEED = ROOT / "examples" / "profiles" / "chuhan-wu.txt"
AS_OF = dt.date(2026, 11, 26)
OWNER = "Chuhan Wu"


def copies(n: int, folder: Path) -> list[Path]:
    rec = read_profile(SEED, as_of=AS_OF)
    out = []
    for i in range(n):
        owner = f"Owner Number{i}"
        papers = []
        for p in rec.papers:
            authors = [
                a.model_copy(update={"name": owner, "name_key": ""}) if a.name == OWNER else a
                for a in p.authors
            ]
            papers.append(
                p.model_copy(update={"title": f"{p.title} (copy {i})", "title_key": "", "authors": authors})
            )
        profile = rec.profile.model_copy(update={"name": owner, "name_key": ""})
        path = folder / f"copy-{i}.txt"
        path.write_text(
            write_profile(rec.model_copy(update={"profile": profile, "papers": papers})), encoding="utf-8"
        )
        out.append(path)
    return out


# Two pages around the seed: Cal Chain is 3 co-author steps from Chuhan Wu (through Bea Bridge,
# then Fangzhao Wu or Tao Qi) and Dee Distant 4 steps (beyond the query's limit).
BRIDGE_PAGES = {
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
1papers
3citations
Novelty10%
AI Score5

1 Papers

CLOct 1, 2025
Chains of Tokenizers

Dee Distant, Cal Chain

Chains.""",
}
# (author, other, shortest path length or None)
PATH_PAIRS = [
    (OWNER, "Tao Qi", 1),
    ("Yuxin Jiang", "Tao Qi", 2),
    ("Cal Chain", OWNER, 3),
    ("Dee Distant", OWNER, None),
]
# queries/collaboration-path.rq before it was anchored at the two people (commit d58e070): the
# 3-step OPTIONAL is evaluated over the whole graph.
PATH_BEFORE = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>

SELECT DISTINCT ?author ?other ?hops ?via1 ?via1_name ?via2 ?via2_name
WHERE {
  ?author a foaf:Person .
  ?other a foaf:Person .
  FILTER(?author != ?other)
  # The length of the shortest path: the first k in 1..3 with a path of k co-author steps.
  BIND(IF(EXISTS { ?author ^dcterms:creator/dcterms:creator ?other }, 1,
       IF(EXISTS { ?author ^dcterms:creator/dcterms:creator/^dcterms:creator/dcterms:creator ?other }, 2,
       IF(EXISTS { ?author ^dcterms:creator/dcterms:creator/^dcterms:creator/dcterms:creator
                          /^dcterms:creator/dcterms:creator ?other }, 3, 0))) AS ?hops)
  FILTER(?hops > 0)
  # The people on every shortest path (a shortest path never repeats anyone).  The inner
  # VALUES make each OPTIONAL match only its own length (and let rdflib skip the others fast);
  # #@values repeats the parameters there for endpoints (see kg/query/remote.py).
  OPTIONAL {
    #@values
    VALUES ?hops { 2 }
    ?author ^dcterms:creator/dcterms:creator ?via1 .
    ?via1 ^dcterms:creator/dcterms:creator ?other ;
          foaf:name ?via1_name .
  }
  OPTIONAL {
    #@values
    VALUES ?hops { 3 }
    ?author ^dcterms:creator/dcterms:creator ?via1 .
    ?via1 ^dcterms:creator/dcterms:creator ?via2 ;
          foaf:name ?via1_name .
    ?via2 ^dcterms:creator/dcterms:creator ?other ;
          foaf:name ?via2_name .
  }
}
ORDER BY ?hops ?via1_name ?via2_name ?via1 ?via2
"""

# One measurement in a fresh process: load the graph, bind, reset the peak RSS (VmHWM), cap the
# address space, run the query (median of up to RUNS runs, stopping after 10 s), print JSON.
# Rust aborts on a failed allocation, so running out of memory shows as SIGABRT.
PATH_CHILD = """
import json, resource, statistics, sys, time
import pyoxigraph as ox
import kg.query as kq
nquads, query_file, author, other, cap_mb, runs = sys.argv[1:7]
store = ox.Store()
with open(nquads, "rb") as f:
    store.bulk_load(f, format=ox.RdfFormat.N_QUADS)
engine = kq.OxigraphEngine(store)
query = kq.load_query(query_file)
bound = kq.bind(query, {"author": author, "other": other}, engine)
def status(key):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key)) / 1024
loaded = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")
resource.setrlimit(resource.RLIMIT_AS, (int(cap_mb) << 20, int(cap_mb) << 20))
times, start = [], time.perf_counter()
while len(times) < int(runs) and (not times or time.perf_counter() - start < 10):
    t = time.perf_counter()
    rows = engine.select(query.text, bound).rows
    times.append(time.perf_counter() - t)
print(json.dumps({"s": statistics.median(times), "runs": len(times), "loaded_mb": loaded,
                  "peak_mb": status("VmHWM:"), "rows": len(rows),
                  "hops": sorted({r["hops"] for r in rows})}))
"""


def measure_path(nquads: Path, query_file: Path, pair: tuple[str, str], cap_mb: int, timeout: float,
                 runs: int) -> dict[str, object]:
    """One cell: the child's JSON, or {"failed": why} (out of memory, timeout, error)."""
    cmd = [sys.executable, "-c", PATH_CHILD, str(nquads), str(query_file), *pair, str(cap_mb), str(runs)]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"failed": f"timeout > {timeout:.0f} s"}
    if proc.returncode != 0:
        oom = "memory allocation" in proc.stderr or "MemoryError" in proc.stderr
        why = f"out of memory ({cap_mb} MB cap)" if oom else f"exit {proc.returncode}"
        return {"failed": f"{why} after {time.perf_counter() - t:.1f} s"}
    return json.loads(proc.stdout)


def path_bench(copies_list: list[int], runs: int, cap_mb: int, timeout: float, folder: Path) -> None:
    """collaboration-path before/after on the seed plus N copies plus the bridge pages."""
    after = ROOT / "queries" / "collaboration-path.rq"
    header = after.read_text(encoding="utf-8").split("PREFIX dcterms")[0]
    before = folder / "collaboration-path-before.rq"
    before.write_text(header + PATH_BEFORE, encoding="utf-8")
    pages = []
    for name, text in BRIDGE_PAGES.items():
        (folder / name).write_text(text, encoding="utf-8")
        pages.append(folder / name)
    for n in copies_list:
        sub = folder / f"path-{n}"
        sub.mkdir()
        store = KGStore()
        build_sources([SEED, *copies(n, sub), *pages], store=store, as_of=AS_OF, validate=False)
        count = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }"
        papers = kq.run(store, count).rows[0]["n"]
        nquads = sub / "graph.nq"
        with nquads.open("wb") as f:
            ox.serialize(store.quads(), f, format=ox.RdfFormat.N_QUADS)
        print(
            f"\n== collaboration-path, seed + {n} copies + bridge pages: {papers} papers, "
            f"{store.count()} quads; one process per cell, {cap_mb} MB address-space cap, "
            f"{timeout:.0f} s timeout =="
        )
        print(f"{'pair (hops)':32s} {'before':>34s} {'after':>26s} {'after/before':>12s}")
        for a, b, hops in PATH_PAIRS:
            cells = [measure_path(nquads, q, (a, b), cap_mb, timeout, runs) for q in (before, after)]
            shown = []
            for c in cells:
                if "failed" in c:
                    shown.append(str(c["failed"]))
                else:
                    shown.append(
                        f"{c['s'] * 1e3:9.1f} ms +{c['peak_mb'] - c['loaded_mb']:5.1f} MB "
                        f"({c['rows']} rows)"
                    )
            got = cells[1].get("hops")
            if "failed" in cells[1] or got != ([hops] if hops else []):
                raise SystemExit(f"collaboration-path {a} - {b}: expected hops {hops}, got {cells[1]}")
            ratio = f"{cells[1]['s'] / cells[0]['s']:12.4f}" if "failed" not in cells[0] else f"{'-':>12s}"
            label = f"{a} - {b} ({hops or 'none'})"
            print(f"{label:32s} {shown[0]:>34s} {shown[1]:>26s} {ratio}", flush=True)
        print(f"(loaded graph: {cells[1]['loaded_mb']:.0f} MB RSS; times are medians of up to {runs} runs)")


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench(store: KGStore, runs: int, rdflib: bool, skip: frozenset[str] = frozenset()) -> None:
    ox_engine = kq.OxigraphEngine(store)
    rd_engine = kq.RdflibEngine.from_store(store) if rdflib else None
    print(
        f"{'query':26s} {'rows':>6s} {'oxigraph ms':>12s} {'VALUES ms':>10s} {'ratio':>6s}"
        + (f" {'rdflib ms':>10s} {'ratio':>7s}" if rdflib else "")
    )
    total = [0.0, 0.0, 0.0]
    for name, q in kq.library().items():
        if name in skip:
            print(f"{name:26s} skipped")
            continue
        b = kq.bind(q, q.example_params, ox_engine)
        rows = len(ox_engine.select(q.text, b))
        base = median_time(lambda q=q, b=b: ox_engine.select(q.text, b), runs)
        sent = with_values(q.text, b)
        vals = median_time(lambda sent=sent: ox_engine.select(sent, {}), runs)
        line = f"{name:26s} {rows:6d} {base * 1e3:12.1f} {vals * 1e3:10.1f} {vals / base:6.1f}"
        total[0] += base
        total[1] += vals
        if rd_engine is not None:
            rd = median_time(lambda q=q, b=b: rd_engine.select(q.text, b), max(1, runs // 2))
            total[2] += rd
            line += f" {rd * 1e3:10.1f} {rd / base:7.0f}"
        print(line, flush=True)
    line = f"{'all':26s} {'':6s} {total[0] * 1e3:12.1f} {total[1] * 1e3:10.1f} {total[1] / total[0]:6.1f}"
    if rdflib:
        line += f" {total[2] * 1e3:10.1f} {total[2] / total[0]:7.0f}"
    print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=0, help="also run on the seed plus N renamed copies")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-rdflib", action="store_true")
    ap.add_argument("--path", action="store_true", help="only the collaboration-path before/after comparison")
    ap.add_argument("--path-copies", type=int, nargs="+", default=[5, 59],
                    help="copies for --path (5: 300 papers, 59: 3,000 papers with the seed)")
    ap.add_argument("--cap-mb", type=int, default=1024, help="address-space cap per --path process")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per --path process")
    args = ap.parse_args()
    if args.path:
        with tempfile.TemporaryDirectory() as tmp:
            path_bench(args.path_copies, args.runs, args.cap_mb, args.timeout, Path(tmp))
        return
    sizes = [0] + ([args.copies] if args.copies else [])
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = KGStore()
            sources = [SEED, *copies(n, Path(tmp))]
            t = time.perf_counter()
            build_sources(sources, store=store, as_of=AS_OF, validate=False)
            count = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }"
            papers = kq.run(store, count).rows
            print(
                f"\n== seed + {n} copies: {papers[0]['n']} papers, {store.count()} quads "
                f"(built in {time.perf_counter() - t:.1f} s); medians of {args.runs} runs =="
            )
            bench(store, args.runs, not args.no_rdflib)


if __name__ == "__main__":
    main()
