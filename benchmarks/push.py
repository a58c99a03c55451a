"""What atomicity and verification cost in `kg push`, against a throwaway Virtuoso 7.

Baseline (same run, same data): one raw Graph Store ``PUT`` of the whole graph as N-Triples,
with no temporary graph, no chunks and no verification — the least any push can cost.
Prints the median of ``--repeat`` runs per variant and its ratio to that baseline.

    python benchmarks/push.py --triples 50000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import requests

from kg.remote.push import push_store
from kg.remote.virtuoso import DEFAULT_PASSWORD, VirtuosoServer
from kg.store import KGStore

NS = "https://example.org/bench/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def synthetic_store(triples: int) -> KGStore:
    """Papers with a title, a year, a date, a flag and an author: five triples each."""
    g = ox.NamedNode(NS + "graph")
    store = KGStore()
    quads = []
    for i in range(triples // 5):
        s = ox.NamedNode(f"{NS}paper/{i}")
        quads += [
            ox.Quad(s, ox.NamedNode(NS + "title"), ox.Literal(f"Paper number {i} about \"graphs\""), g),
            ox.Quad(s, ox.NamedNode(NS + "year"), ox.Literal(str(1990 + i % 35),
                                                             datatype=ox.NamedNode(XSD + "integer")), g),
            ox.Quad(s, ox.NamedNode(NS + "issued"), ox.Literal(f"20{i % 25:02d}-0{1 + i % 9}-1{i % 10}",
                                                               datatype=ox.NamedNode(XSD + "date")), g),
            ox.Quad(s, ox.NamedNode(NS + "hasCode"), ox.Literal("true" if i % 7 == 0 else "false",
                                                                datatype=ox.NamedNode(XSD + "boolean")), g),
            ox.Quad(s, ox.NamedNode(NS + "author"), ox.NamedNode(f"{NS}person/{i % 997}"), g),
        ]
    store.ox.extend(quads)
    return store


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    store = synthetic_store(args.triples)
    n = store.count()
    body = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()),
                        format=ox.RdfFormat.N_TRIPLES)
    with tempfile.TemporaryDirectory() as tmp, VirtuosoServer(Path(tmp)) as vt:
        auth = requests.auth.HTTPDigestAuth("dba", DEFAULT_PASSWORD)

        def raw_put() -> None:
            r = requests.put(vt.gsp_auth_url, params={"graph": NS + "graph"}, data=body, auth=auth,
                             headers={"Content-Type": "application/n-triples"}, timeout=600)
            r.raise_for_status()

        def push(**kw: object) -> Callable[[], object]:
            return lambda: push_store(store, vt.sparql_auth_url, auth="digest", user="dba",
                                      password=DEFAULT_PASSWORD, **kw)  # type: ignore[arg-type]

        variants: list[tuple[str, Callable[[], object]]] = [
            ("raw GSP PUT, no temp graph, no check (baseline)", raw_put),
            ("kg push gsp, 50k chunks, verify count", push(verify="count")),
            ("kg push gsp, 50k chunks, verify full", push(verify="full")),
            ("kg push gsp, 10k chunks, verify full", push(verify="full", chunk_size=10_000)),
            ("kg push update, 1k chunks, verify count", push(protocol="update", verify="count")),
        ]
        print(f"{n} triples, Virtuoso 7 on 127.0.0.1, median of {args.repeat}")
        base = None
        for label, fn in variants:
            m = median_seconds(fn, args.repeat)
            base = base or m
            print(f"  {label:<50} {m:7.2f} s  {n / m:9.0f} triples/s  x{m / base:.2f}")


if __name__ == "__main__":
    main()
