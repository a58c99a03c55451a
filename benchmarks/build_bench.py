"""Build throughput: extraction, mapping, store load, whole build, rebuild, peak memory.

Generates synthetic profile pages in the seed's layout (1k and 10k papers; 100k with
``--big``), then, 3 runs each, in fresh processes (so peak RSS is per run):

* ``extract``  read_profile
* ``map``      records -> pyoxigraph quads (ProfileMapper), counted, not kept
* ``topics``   the topic/artifact enrichment step (spaCy matchers) on its own; it is left
               out of the other columns unless ``--topics`` (it dominates: ~9 ms/paper)
* ``build``    build_sources(validate=False) into a fresh on-disk store (all of the above,
               plus staging with the bulk loader, commit and the summary counts)
* ``rebuild``  the same build again with ``force=True`` (scratch store, streamed comparison,
               the difference committed); ``rebuild MB`` is the peak RSS of the rebuild alone
* baseline     pyoxigraph ``bulk_extend`` of the same quads, pre-built in memory, into a fresh
               on-disk store; ``ours`` = KGStore.stage + commit of the same list

Prints medians and ratios against the baseline measured in the same run.  ``--phases`` splits
a rebuild instead: time and peak RSS (VmHWM, reset at the start of each phase) of each step.

    python benchmarks/build_bench.py            # 1k, 10k
    python benchmarks/build_bench.py --big      # + 100k
    python benchmarks/build_bench.py --validate # + the SHACL check at 1k papers
    python benchmarks/build_bench.py --topics   # builds include the topic enrichment
    python benchmarks/build_bench.py --phases --sizes 10000 30000   # where a rebuild goes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 26)
OWNER = "Chuhan Wu"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CODES = ["IR", "LG", "CL", "CV", "AI", "LGIR", "CLIR", "MA"]
ABSTRACT = ("We study recommendation with large language models and federated learning on {d} datasets; "
            "our method {m} improves accuracy and privacy over strong baselines.{link}")


def synthetic_page(papers: int) -> str:
    """A profile page with ``papers`` distinct blocks drawn from a pool of 5,000 people."""
    lines = [OWNER, "", "IR", "h-index46", f"{papers:,}papers", "14,304citations", "Novelty50%", "AI Score61",
             "", f"{papers:,} Papers", ""]
    for k in range(papers):
        has_code = k % 7 == 0
        people = [f"Person{(k * 31 + j * 17) % 5000} Surname{(k + j) % 271}" for j in range(3)]
        if k % 3 == 0:
            people[k % 3] = OWNER
        truncated = k % 2 == 0 or OWNER not in people
        link = f" Code: https://github.com/lab{k % 97}/project{k}." if has_code else ""
        head = f"{CODES[k % len(CODES)]}{MONTHS[k % 12]} {1 + k % 28}, {2012 + k % 14}"
        byline = ", ".join(people) + (" et al." if truncated else "")
        byline += " · tencent-ai" if k % 9 == 0 else ""
        lines += [head + ("Code" if has_code else ""),
                  f"Study {k}: scalable graph learning for recommendation, variant {k % 13}", "",
                  byline, "", ABSTRACT.format(d=k % 11, m=f"M{k}", link=link), ""]
    return "\n".join(lines)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS count (VmHWM) of this process; False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """VmHWM: peak RSS since the last :func:`_reset_peak` (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _topics(enabled: bool) -> None:
    """Leave the topic enrichment out of the build (it is measured on its own)."""
    import kg.builder

    if not enabled:
        kg.builder.extra_quads = lambda res, minter: []


def child_build(page: Path, store: Path, topics: bool) -> dict[str, float]:
    """One run of the real path, in this (fresh) process."""
    from kg.builder import build_sources, extra_quads
    from kg.extract import read_profile
    from kg.rdf.iri import Minter
    from kg.rdf.mapping import BuildInfo, SourceMapper
    from kg.resolve import resolve

    t = time.perf_counter()
    records = read_profile(page, as_of=AS_OF)
    extract = time.perf_counter() - t
    t = time.perf_counter()
    res = resolve([records])
    mapper = SourceMapper(res, 0)
    n = sum(1 for _ in mapper.quads(BuildInfo(dt.datetime(2026, 11, 26, tzinfo=dt.UTC))))
    mapping = time.perf_counter() - t
    t = time.perf_counter()
    n_topics = len(extra_quads(res, Minter())) if topics else 0
    topic_time = time.perf_counter() - t
    del records, mapper, res
    _topics(topics)
    t = time.perf_counter()
    report = build_sources([page], store=store, as_of=AS_OF, validate=False)
    build = time.perf_counter() - t
    rss_mb = _rss_mb()
    reset = _reset_peak()
    t = time.perf_counter()
    build_sources([page], store=store, as_of=AS_OF, validate=False, force=True)
    rebuild = time.perf_counter() - t
    return {"extract": extract, "map": mapping, "topics": topic_time, "build": build, "rebuild": rebuild,
            "quads": n + n_topics, "triples": report.sources[0].triples, "rss_mb": max(rss_mb, _rss_mb()),
            "rebuild_mb": _peak_mb() if reset else float("nan")}


def child_baseline(page: Path, store: Path, topics: bool) -> dict[str, float]:
    """pyoxigraph bulk_extend of pre-built quads vs KGStore.stage + commit of the same list."""
    import pyoxigraph as ox

    from kg.builder import source_quads
    from kg.extract import read_profile
    from kg.rdf.mapping import BuildInfo, ProfileMapper
    from kg.store import KGStore

    records = read_profile(page, as_of=AS_OF)
    mapper = ProfileMapper(records)
    built_at = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    quads = (source_quads(records, BuildInfo(built_at)) if topics
             else list(mapper.quads(BuildInfo(built_at))))
    store.mkdir(parents=True, exist_ok=True)
    base = ox.Store(str(store / "baseline"))
    t = time.perf_counter()
    base.bulk_extend(quads)
    baseline = time.perf_counter() - t
    ours = KGStore(store / "ours")
    t = time.perf_counter()
    ours.commit([ours.stage(mapper.graph, quads)])
    stage_commit = time.perf_counter() - t
    return {"baseline": baseline, "ours": stage_commit, "quads": len(quads), "rss_mb": _rss_mb()}


class _TimedUpdates:
    """Forwards to the pyoxigraph store, timing SPARQL updates (commit vs. batched removals)."""

    def __init__(self, inner: Any, timed: Any) -> None:
        self.inner = inner
        self.commit_update = timed("commit update (one transaction)", inner.update)
        self.removal = timed("private graphs removed in batches", inner.update)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update(self, text: str, **kwargs: Any) -> None:
        removal = text.startswith("DELETE { GRAPH <urn:kg:staging:")
        (self.removal if removal else self.commit_update)(text, **kwargs)


def child_phases(page: Path, store: Path, topics: bool) -> dict[str, list[float]]:
    """A first build, then a forced rebuild split into phases: {phase: [seconds, peak MB]}."""
    import kg.builder
    from kg.store import KGStore

    _topics(topics)
    kg.builder.build_sources([page], store=store, as_of=AS_OF, validate=False)
    phases: dict[str, list[float]] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _reset_peak()
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds, mb = phases.setdefault(name, [0.0, 0.0])
                phases[name] = [seconds + time.perf_counter() - t, max(mb, _peak_mb())]
        return wrapper

    kg.builder._read = timed("extract (read_profile)", kg.builder._read)
    KGStore.stage = timed("stage: map, bulk load", KGStore.stage)  # type: ignore[method-assign]
    KGStore._write_difference = timed(  # type: ignore[method-assign]
        "difference (scratch store -> main)", KGStore._write_difference)
    KGStore._close_scratch = timed("scratch store removed", KGStore._close_scratch)  # type: ignore[method-assign]
    kg.builder.store_counts = timed("summary counts", kg.builder.store_counts)
    kg_store = KGStore(store)
    kg_store.ox = _TimedUpdates(kg_store.ox, timed)  # type: ignore[assignment]
    _reset_peak()
    t = time.perf_counter()
    kg.builder.build_sources([page], store=kg_store, as_of=AS_OF, validate=False, force=True)
    seconds = time.perf_counter() - t
    phases["rebuild, total"] = [seconds, max([_peak_mb(), *(mb for _, mb in phases.values())])]
    return phases


def child_validate(page: Path, store: Path, topics: bool) -> dict[str, float]:
    from kg.builder import build_sources

    _topics(topics)
    t = time.perf_counter()
    build_sources([page], store=store, as_of=AS_OF, validate=True)
    return {"validated_build": time.perf_counter() - t, "rss_mb": _rss_mb()}


def _run(mode: str, page: Path, tmp: Path, k: int, topics: bool) -> dict[str, Any]:
    store = tmp / f"{mode}-{page.stem}-{k}"
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(page), str(store), str(int(topics))],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also 100k papers")
    ap.add_argument("--validate", action="store_true", help="also time the SHACL check at 1k papers")
    ap.add_argument("--topics", action="store_true", help="builds include the topic enrichment")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", help="paper counts to run instead of 1k 10k [100k]")
    ap.add_argument("--phases", action="store_true", help="split a rebuild into phases (time, peak RSS)")
    ap.add_argument("--child", nargs=4, metavar=("MODE", "PAGE", "STORE", "TOPICS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, page, store, topics = args.child
        fn = {"build": child_build, "baseline": child_baseline, "validate": child_validate,
              "phases": child_phases}[mode]
        print(json.dumps(fn(Path(page), Path(store), topics == "1")))
        return
    sizes = args.sizes or [1_000, 10_000] + ([100_000] if args.big else [])
    if args.phases:
        phases_table(sizes, args.runs, args.topics)
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as d:
        tmp = Path(d)
        print(f"median of {args.runs} runs; python {sys.version.split()[0]}; times in seconds")
        print(f"topic enrichment {'included' if args.topics else 'left out'}; "
              f"ratio = stage+commit / bulk_extend of the same pre-built quads")
        header = (f"{'papers':>8} {'quads':>9} {'extract':>8} {'map':>7} {'topics':>7} {'build':>7} "
                  f"{'triples/s':>10} {'rebuild':>8} {'rebuild MB':>10} {'RSS MB':>7} | "
                  f"{'bulk_extend':>11} {'stage+commit':>12} {'ratio':>6}")
        print(header)
        for n in sizes:
            page = tmp / f"page-{n}.txt"
            page.write_text(synthetic_page(n), encoding="utf-8")
            builds = [_run("build", page, tmp, k, args.topics) for k in range(args.runs)]
            bases = [_run("baseline", page, tmp, k, args.topics) for k in range(args.runs)]

            def med(rows: list[dict[str, float]], key: str) -> float:
                return statistics.median(r[key] for r in rows)

            quads, build = med(builds, "quads"), med(builds, "build")
            base, ours = med(bases, "baseline"), med(bases, "ours")
            topics = f"{med(builds, 'topics'):.2f}" if args.topics else "n/a"
            print(f"{n:>8} {int(quads):>9} {med(builds, 'extract'):>8.2f} {med(builds, 'map'):>7.2f} "
                  f"{topics:>7} "
                  f"{build:>7.2f} {quads / build:>10,.0f} {med(builds, 'rebuild'):>8.2f} "
                  f"{med(builds, 'rebuild_mb'):>10.0f} "
                  f"{med(builds, 'rss_mb'):>7.0f} | {base:>11.2f} {ours:>12.2f} {ours / base:>6.2f}",
                  flush=True)
        if args.validate:
            page = tmp / "page-1000.txt"
            runs = [_run("validate", page, tmp, k, args.topics) for k in range(args.runs)]
            seconds = statistics.median(r["validated_build"] for r in runs)
            print(f"1000 papers with the SHACL check: build {seconds:.2f} s, "
                  f"peak RSS {statistics.median(r['rss_mb'] for r in runs):.0f} MB")


def phases_table(sizes: list[int], runs: int, topics: bool) -> None:
    """Medians per phase of a forced rebuild; peak RSS is since the phase started."""
    print(f"rebuild phases, median of {runs} runs; peak = VmHWM since the phase started (MB)")
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as d:
        tmp = Path(d)
        for n in sizes:
            page = tmp / f"page-{n}.txt"
            page.write_text(synthetic_page(n), encoding="utf-8")
            rows = [_run("phases", page, tmp, k, topics) for k in range(runs)]
            print(f"{n:,} papers")
            for name in rows[0]:
                seconds = statistics.median(r.get(name, [0.0, 0.0])[0] for r in rows)
                mb = statistics.median(r.get(name, [0.0, 0.0])[1] for r in rows)
                print(f"  {name:<38} {seconds:>8.2f} s {mb:>7.0f} MB", flush=True)


if __name__ == "__main__":
    main()
