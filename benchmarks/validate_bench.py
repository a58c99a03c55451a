"""SHACL validation of a big source graph: whole (one pyshacl run) vs batched, time and peak RSS.

Builds synthetic profile pages (``build_bench.synthetic_page``: the seed's layout, distinct
titles, 5,000 people, truncated lists, org tags, code links) of 1k and 10k papers into
on-disk stores, topic enrichment included (``--no-topics`` leaves it out), once.  Then, in a
fresh process per measurement (so the peak RSS is that run's alone), it validates the
source graph

* ``whole``    the baseline: ``validate_triples(store.quads(graph))``, everything in one
               rdflib graph and one pyshacl run (what ``kg build`` did before batching)
* ``batched``  ``validate_store_graph(store, graph, batch_papers=N)``

and prints medians of ``--runs`` runs, the ratios batched / whole, and the RSS of a process
that only imported kg and opened the store (``idle``).  Every batched run must give exactly
the whole run's report (checked; the script fails otherwise).

    python benchmarks/validate_bench.py                      # 1k, 10k; 3 runs each
    python benchmarks/validate_bench.py --sizes 1000 --runs 1 --batch 100 1000
    python benchmarks/validate_bench.py --whole-runs 1       # the 10k whole run is the slow one
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_bench import AS_OF, synthetic_page


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, store_path: str, batch: int) -> dict[str, Any]:
    """One measurement in this fresh process."""
    from kg.rdf.namespaces import ONTOLOGY_GRAPH
    from kg.store import KGStore
    from kg.validate import ontology_graph, shapes_graph, validate_store_graph, validate_triples

    store = KGStore(store_path, read_only=True)
    [graph] = [g for g in store.graphs() if g != ONTOLOGY_GRAPH]
    shapes_graph(), ontology_graph()  # parsed files belong to the idle baseline
    idle = _rss_mb()
    sizes: list[int] = []
    t = time.perf_counter()
    if mode == "whole":
        result = validate_triples(store.quads(graph))
    elif mode == "batched":
        result = validate_store_graph(store, graph, batch_papers=batch, on_batch=sizes.append)
    else:
        result = None
    seconds = time.perf_counter() - t
    report = result.report if result else ""
    return {"seconds": seconds, "rss_mb": _rss_mb(), "idle_mb": idle, "triples": store.count(graph),
            "batches": len(sizes), "largest_batch": max(sizes, default=0),
            "conforms": bool(result and result.conforms), "violations": result.violations if result else 0,
            "report_sha": hashlib.sha256(report.encode()).hexdigest()}


def _measure(mode: str, store: Path, batch: int = 0) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(store), str(batch)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_build(page: Path, store: Path, topics: bool) -> None:
    """Build the store in a process of its own: closed (flushed) before anything is measured."""
    import kg.builder
    from kg.builder import build_sources

    if not topics:
        kg.builder.extra_quads = lambda res, minter: []
    build_sources([page], store=store, as_of=AS_OF, validate=False)


def _build(n: int, tmp: Path, topics: bool) -> Path:
    page, store = tmp / f"page-{n}.txt", tmp / f"store-{n}"
    page.write_text(synthetic_page(n), encoding="utf-8")
    subprocess.run([sys.executable, __file__, "--build", str(page), str(store), str(int(topics))], check=True)
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    ap.add_argument("--batch", type=int, nargs="+", default=[1_000], help="batch_papers values to measure")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--whole-runs", type=int, help="runs of the whole-graph baseline (default: --runs)")
    ap.add_argument("--no-topics", action="store_true", help="leave the topic enrichment out of the graphs")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "STORE", "BATCH"), help=argparse.SUPPRESS)
    ap.add_argument("--build", nargs=3, metavar=("PAGE", "STORE", "TOPICS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        child_build(Path(args.build[0]), Path(args.build[1]), args.build[2] == "1")
        return
    if args.child:
        mode, store, batch = args.child
        print(json.dumps(child(mode, store, int(batch))))
        return
    whole_runs = args.whole_runs or args.runs
    print(f"python {sys.version.split()[0]}; median of {args.runs} runs ({whole_runs} for whole); "
          f"seconds; peak RSS in MB; idle = kg imported, store open, shapes parsed")
    print(f"{'papers':>7} {'triples':>8} {'mode':>14} {'batches':>7} {'largest':>8} {'seconds':>8} "
          f"{'RSS MB':>7} {'idle MB':>7} {'time ratio':>10} {'RSS ratio':>9} {'over idle':>9}")
    with tempfile.TemporaryDirectory(prefix="kg-validate-bench-") as d:
        for n in args.sizes:
            store = _build(n, Path(d), not args.no_topics)
            whole = [_measure("whole", store) for _ in range(whole_runs)]

            def med(rows: list[dict[str, Any]], key: str) -> float:
                return statistics.median(r[key] for r in rows)

            w_s, w_mb, w_idle = med(whole, "seconds"), med(whole, "rss_mb"), med(whole, "idle_mb")
            triples = whole[0]["triples"]
            print(f"{n:>7} {triples:>8} {'whole':>14} {1:>7} {triples:>8} {w_s:>8.1f} {w_mb:>7.0f} "
                  f"{w_idle:>7.0f} {1:>10.2f} {1:>9.2f} {1:>9.2f}", flush=True)
            for batch in args.batch:
                rows = [_measure("batched", store, batch) for _ in range(args.runs)]
                for r in rows:
                    if (r["report_sha"], r["violations"], r["conforms"]) != (
                            whole[0]["report_sha"], whole[0]["violations"], whole[0]["conforms"]):
                        raise SystemExit(f"batched result differs from whole at {n} papers, batch {batch}")
                b_s, b_mb, b_idle = med(rows, "seconds"), med(rows, "rss_mb"), med(rows, "idle_mb")
                print(f"{n:>7} {rows[0]['triples']:>8} {f'batched {batch}':>14} {rows[0]['batches']:>7} "
                      f"{rows[0]['largest_batch']:>8} {b_s:>8.1f} {b_mb:>7.0f} {b_idle:>7.0f} "
                      f"{b_s / w_s:>10.2f} {b_mb / w_mb:>9.2f} "
                      f"{(b_mb - b_idle) / (w_mb - w_idle):>9.2f}", flush=True)


if __name__ == "__main__":
    main()
