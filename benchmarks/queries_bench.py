"""Query library speed: every query on Oxigraph (substitutions), Oxigraph (VALUES block, the
endpoint path) and rdflib, on the bundled example and on N renamed copies of it.

Each copy is the seed page with its owner renamed and its titles made unique (via the
records and :func:`kg.extract.writer.write_profile`), so copies share the co-authors: the
graph grows like a research group's pages would.  Baseline: Oxigraph with substitutions,
measured in the same run; other columns are ratios to it.

    python benchmarks/queries_bench.py                 # the seed, 5 runs per cell
    python benchmarks/queries_bench.py --copies 20     # + 20 copies (1,000 papers)
    python benchmarks/queries_bench.py --no-rdflib     # Oxigraph only (rdflib is slow at scale)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
            print(f"{name:26s} skipped (its 3-step OPTIONAL exhausts memory on copies; see its header)")
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
    args = ap.parse_args()
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
            bench(
                store, args.runs, not args.no_rdflib, frozenset({"collaboration-path"}) if n else frozenset()
            )


if __name__ == "__main__":
    main()
