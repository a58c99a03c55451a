"""A build killed mid-way (SIGKILL) or interrupted (SIGINT) leaves the previous graphs intact
and queryable; the next build succeeds and removes what the interrupted one left."""

from __future__ import annotations

import signal
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AS_OF, OWNER, SEED, signal_when_ready

from kg.builder import build_sources
from kg.extract import read_profile
from kg.extract.profile import parse_profile
from kg.store import CATALOG, KGStore

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CODES = ["IR", "LG", "CL", "CV", "AI", "LGIR"]


def synthetic_page(papers: int, *, owner: str = OWNER, variant: str = "") -> str:
    """A profile page in the seed's layout with ``papers`` distinct, well-formed blocks."""
    lines = [owner, "", "IR", "h-index12", f"{papers}papers", "1,234citations", "Novelty50%",
             "AI Score61", "", f"{papers} Papers", ""]
    for k in range(papers):
        code = "Code" if k % 5 == 0 else ""
        third = owner if k % 3 == 0 else f"Coder {k % 83}"
        authors = [f"Author {k % 97} Person", f"Writer {k % 89} Smith", third]
        tail = " et al." if k % 4 == 0 or owner not in authors else ""  # else the owner is inferred
        org = " · tencent-ai" if k % 7 == 0 else ""
        link = f" Code is at https://github.com/org{k % 13}/tool{k}." if code else ""
        lines += [f"{CODES[k % len(CODES)]}{MONTHS[k % 12]} {1 + k % 28}, {2015 + k % 10}{code}",
                  f"Synthetic study number {k}{variant} of graph building at scale", "",
                  ", ".join(authors) + tail + org, "",
                  f"We study problem {k} with method {k % 17} on {k % 11} datasets.{link}", ""]
    return "\n".join(lines)


DRIVER = textwrap.dedent("""
    import datetime as dt, sys
    import kg.builder
    from kg.builder import build_sources
    kg.builder.IN_MEMORY_PAPERS = 0  # the scratch store on disk, so a kill can leave it behind
    seen = 0
    def progress(n):
        global seen
        seen += n
        if seen == int(sys.argv[3]):
            print("STAGING", flush=True)
    build_sources([sys.argv[1]], store=sys.argv[2], as_of=dt.date.fromisoformat(sys.argv[4]),
                  validate=False, force=True, on_progress=progress)
    print("DONE", flush=True)
""")


def _state(path: Path) -> tuple[list[str], list[ox.NamedNode], int]:
    """Sorted N-Quads, committed graphs and the papers a query counts (read-only open)."""
    store = KGStore(path, read_only=True)
    rows = list(store.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }"))
    return sorted(str(q) for q in store.quads()), store.graphs(), int(rows[0]["n"].value)


def _interrupt(source: Path, store: Path, sig: signal.Signals) -> int:
    """Run a build of ``source`` and send ``sig`` once it has staged 2,000 papers."""
    status, out = signal_when_ready(DRIVER, [str(source), str(store), "2000", AS_OF.isoformat()],
                                    "STAGING", sig)
    assert "DONE" not in out, "the build finished before the signal: make the source bigger"
    return status


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
@pytest.mark.parametrize("case", ["rebuild", "first-load"])
def test_an_interrupted_build_leaves_the_previous_graphs(tmp_path: Path, sig: signal.Signals,
                                                        case: str) -> None:
    store_path = tmp_path / "store"
    small = tmp_path / "big.txt"
    small.write_text(synthetic_page(30), encoding="utf-8")
    build_sources([SEED, small], store=store_path, as_of=AS_OF, validate=False)
    before = _state(store_path)
    assert before[2] == 50 + 30

    target = small if case == "rebuild" else tmp_path / "fresh.txt"
    target.write_text(synthetic_page(8000, variant=" (large)"), encoding="utf-8")
    code = _interrupt(target, store_path, sig)
    assert code != 0

    after = _state(store_path)
    assert after == before  # byte-identical content, same graphs, same answers
    # The build was mapping into its scratch store (nothing staged in the store yet)
    assert KGStore(store_path, read_only=True).staging_graphs() == []
    scratch = list(store_path.glob("kg-build-*"))
    if sig == signal.SIGINT:
        assert scratch == []  # Ctrl-C cleans up on the way out
    else:
        assert len(scratch) == 1  # kill -9 leaves its scratch store, invisible to queries

    # a later build succeeds and removes the orphan
    target.write_text(synthetic_page(40, variant=" v2"), encoding="utf-8")
    report = build_sources([target], store=store_path, as_of=AS_OF, validate=False)
    assert report.sources[0].papers == len(read_profile(target, as_of=AS_OF).papers) == 40
    store = KGStore(store_path, read_only=True)
    assert store.staging_graphs() == [] and list(store_path.glob("kg-build-*")) == []
    assert CATALOG not in list(store.ox.named_graphs())
    papers = int(next(iter(store.query(
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }")))["n"].value)
    assert papers == (50 + 40 if case == "rebuild" else 50 + 30 + 40)


def test_the_synthetic_page_reads_cleanly() -> None:
    records = parse_profile(synthetic_page(60), as_of=AS_OF, file="synthetic.txt")
    assert len(records.papers) == 60 and records.problems == []
    assert sum(p.has_code for p in records.papers) == 12
