"""What the result-size guard of ``kg serve`` costs: the same answers fetched straight from the
Oxigraph server (baseline, same run) and through the guard, which parses and counts every row.

    python benchmarks/serve_bench.py               # the seed (~9k quads), 5 runs per cell
    python benchmarks/serve_bench.py --copies 20   # + 20 renamed copies (~1,000 papers)
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from queries_bench import copies  # noqa: E402

from kg.builder import build_sources  # noqa: E402
from kg.remote.serve import OxigraphServer  # noqa: E402
from kg.remote.virtuoso import free_port  # noqa: E402
from kg.store import KGStore  # noqa: E402

SEED = ROOT / "examples" / "profiles" / "chuhan-wu.txt"
AS_OF = dt.date(2026, 11, 26)
SELECT = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
CELLS = [("SELECT", SELECT, "application/sparql-results+json"), ("SELECT", SELECT, "text/csv"),
         ("SELECT", SELECT, "application/sparql-results+xml"),
         ("CONSTRUCT", CONSTRUCT, "application/n-triples"), ("CONSTRUCT", CONSTRUCT, "text/turtle")]


def fetch(open_connection: Callable[[], http.client.HTTPConnection], query: str,
          accept: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    conn = open_connection()
    try:
        conn.request("GET", "/query?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
    finally:
        conn.close()
    return time.perf_counter() - t0, len(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = [SEED, *copies(args.copies, Path(tmp))]
        store = KGStore(Path(tmp) / "store")
        build_sources(sources, store=store, as_of=AS_OF, validate=False)
        quads = store.count()
        print(f"{len(sources)} source(s), {quads:,} quads; median of {args.runs} runs; "
              f"ratio = through the guard / straight from the Oxigraph server")
        print(f"{'query':10} {'format':34} {'MB':>7} {'direct s':>9} {'guard s':>8} {'ratio':>6}")
        with OxigraphServer(store, port=free_port(), timeout=600, max_results=10 * quads) as srv:
            # Straight to the server: past the guard, as only this process can (its network is private).
            def public() -> http.client.HTTPConnection:
                return http.client.HTTPConnection("127.0.0.1", srv.port, timeout=600)

            for kind, query, accept in CELLS:
                fetch(public, query, accept)  # warm the server's caches
                direct, guarded, size = [], [], 0
                for _ in range(args.runs):
                    t, size = fetch(srv.backend_connection, query, accept)
                    direct.append(t)
                    guarded.append(fetch(public, query, accept)[0])
                d, g = statistics.median(direct), statistics.median(guarded)
                print(f"{kind:10} {accept:34} {size / 1e6:7.1f} {d:9.3f} {g:8.3f} {g / d:6.2f}")


if __name__ == "__main__":
    main()
