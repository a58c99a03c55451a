"""The rebuild commit: a scratch store, the difference applied in one transaction, private
copies removed afterwards; and what a build killed or interrupted in those phases leaves.

Expected differences are computed here with Python sets of N-Triples lines, independently
of the store's SPARQL comparison.
"""

from __future__ import annotations

import signal
import textwrap
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import AS_OF, SEED, signal_when_ready
from test_crash import synthetic_page

from kg.builder import build_sources
from kg.store import SCRATCH_DIR, STAGING_PREFIX, KGStore

EX = "http://example.org/"
EPOCH = "1790000000"  # a fixed build time, so separate builds give byte-identical quads


def _quad(s: ox.NamedNode | ox.BlankNode, o: str, g: ox.NamedNode) -> ox.Quad:
    return ox.Quad(s, ox.NamedNode(EX + "p"), ox.Literal(o), g)


def _triples(quads: Any) -> set[str]:
    return {str(q.triple) for q in quads}


class CountingUpdates:
    """Forwards to a pyoxigraph store, counting SPARQL updates (the store's transactions)."""

    def __init__(self, inner: ox.Store) -> None:
        self.inner, self.updates = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.updates += 1
        self.inner.update(*args, **kwargs)


def test_a_rebuild_commits_exactly_the_set_difference() -> None:
    store = KGStore()
    g = ox.NamedNode(EX + "g")
    subjects = [ox.NamedNode(f"{EX}s{i}") for i in range(40)] + [ox.BlankNode(f"b{i}") for i in range(10)]
    old = [_quad(s, str(k), g) for i, s in enumerate(subjects) for k in range(i % 4)]
    new = [_quad(s, str(k), g) for i, s in enumerate(subjects) for k in range(1, 1 + i % 5)]
    new += new[:7]  # duplicates in the input count once
    store.replace_graph(g, old)
    other = ox.NamedNode(EX + "other")
    store.replace_graph(other, [_quad(subjects[0], "x", other)])
    untouched = sorted(str(q) for q in store.quads(other))

    want_deleted, want_inserted = _triples(old) - _triples(new), _triples(new) - _triples(old)
    assert want_deleted and want_inserted and _triples(old) & _triples(new)
    changes = store.commit([store.stage(g, new)])
    assert changes == {g: (len(want_deleted), len(want_inserted))}
    assert _triples(store.quads(g)) == _triples(new)
    assert store.count(g) == len(_triples(new))
    assert sorted(str(q) for q in store.quads(other)) == untouched
    assert store.staging_graphs() == [] and sorted(store.ox.named_graphs(), key=str) == [g, other]

    # the same content again: compared, found equal, nothing written
    store.ox = CountingUpdates(store.ox)  # type: ignore[assignment]
    assert store.commit([store.stage(g, list(reversed(new)))]) == {g: (0, 0)}
    assert store.ox.updates == 0
    assert _triples(store.quads(g)) == _triples(new)


def test_a_rebuild_stages_in_a_scratch_store_that_goes_with_the_commit(tmp_path: Path) -> None:
    store = KGStore(tmp_path / "store")
    g = ox.NamedNode(EX + "g")
    store.replace_graph(g, [_quad(ox.NamedNode(EX + "a"), str(i), g) for i in range(5)])
    before = sorted(str(q) for q in store.ox)
    staged = store.stage(g, [_quad(ox.NamedNode(EX + "b"), str(i), g) for i in range(3)])

    folder = tmp_path / "store" / SCRATCH_DIR / staged.holder.value.removeprefix(STAGING_PREFIX)
    assert folder.is_dir()
    assert sorted(str(q) for q in store.ox) == before  # the main store is not written while staging
    assert store.count(staged.holder) == 3 and len(list(store.quads(staged.holder))) == 3
    assert store.staging_graphs() == [staged.holder]

    assert store.commit([staged]) == {g: (5, 3)}
    assert not (tmp_path / "store" / SCRATCH_DIR).exists()
    assert store.staging_graphs() == [] and list(store.ox.named_graphs()) == [g]
    assert _triples(store.quads(g)) == _triples(_quad(ox.NamedNode(EX + "b"), str(i), g) for i in range(3))


def test_drop_staging_removes_a_scratch_folder_and_difference_graphs_left_behind(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = KGStore(path)
    g = ox.NamedNode(EX + "g")
    store.replace_graph(g, [_quad(ox.NamedNode(EX + "a"), str(i), g) for i in range(5)])
    before = sorted(str(q) for q in store.quads())
    staged = store.stage(g, [_quad(ox.NamedNode(EX + "a"), str(i), g) for i in range(2, 9)])
    assert store._write_difference(staged) == (2, 4)  # then the process dies before the update
    store.flush()
    del store

    reopened = KGStore(path)
    assert reopened.staging_graphs() == [staged.holder]  # one load: scratch store + its two graphs
    assert sorted(str(q) for q in reopened.quads()) == before
    rows = list(reopened.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert int(rows[0]["n"].value) == 5  # queries see only the committed graph
    assert reopened.drop_staging() == 1
    assert not (path / SCRATCH_DIR).exists()
    assert list(reopened.ox.named_graphs()) == [g]
    assert sorted(str(q) for q in reopened.ox) == before


DRIVER = textwrap.dedent("""
    import datetime as dt, sys, time
    import kg.store
    from kg.builder import build_sources
    from kg.store import KGStore

    source, path, phase = sys.argv[1], sys.argv[2], sys.argv[3]
    kg.store.BATCH_SIZE = kg.store.REMOVE_BATCH = 200  # many small steps in every phase

    class Pausing:
        '''The store, stopping for the signal once the build reaches ``phase``.'''
        def __init__(self, inner):
            self.inner = inner
        def __getattr__(self, name):
            return getattr(self.inner, name)
        def __contains__(self, quad):
            return quad in self.inner
        def _pause(self):
            print("PHASE", flush=True)
            time.sleep(120)
        def bulk_extend(self, quads):
            self.inner.bulk_extend(quads)
            if phase == "difference" and quads[0].graph_name.value.endswith(":delete"):
                self._pause()
        def update(self, text, **kw):
            self.inner.update(text, **kw)
            if phase == "cleanup" and text.startswith("DELETE { GRAPH <urn:kg:staging:"):
                self._pause()

    store = KGStore(path)
    store.ox = Pausing(store.ox)
    build_sources([source], store=store, as_of=dt.date.fromisoformat(sys.argv[4]), validate=False)
    print("DONE", flush=True)
""")


def _sorted_state(path: Path) -> tuple[list[str], list[ox.NamedNode], int]:
    store = KGStore(path, read_only=True)
    rows = list(store.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }"))
    return sorted(str(q) for q in store.quads()), store.graphs(), int(rows[0]["n"].value)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "sigint"])
@pytest.mark.parametrize("phase", ["difference", "cleanup"])
def test_a_build_stopped_while_committing_leaves_old_or_new_graphs_never_a_mix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sig: signal.Signals, phase: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    source, path = tmp_path / "big.txt", tmp_path / "store"
    source.write_text(synthetic_page(300), encoding="utf-8")
    build_sources([SEED, source], store=path, as_of=AS_OF, validate=False)
    before = _sorted_state(path)
    # what a clean rebuild gives, in a store of its own
    source.write_text(synthetic_page(300, variant=" v2"), encoding="utf-8")
    clean = tmp_path / "clean"
    build_sources([SEED, source], store=clean, as_of=AS_OF, validate=False)
    after_clean = _sorted_state(clean)
    assert after_clean[0] != before[0] and after_clean[1:] == before[1:]

    status, out = signal_when_ready(DRIVER, [str(source), str(path), phase, AS_OF.isoformat()], "PHASE", sig)
    assert status != 0 and "DONE" not in out

    state = _sorted_state(path)
    leftovers = KGStore(path, read_only=True).staging_graphs()
    if phase == "difference":  # before the one update: the previous graphs, byte for byte
        assert state == before
        # every source graph of the store is staged (both are resolved again together)
        assert len(leftovers) == (2 if sig == signal.SIGKILL else 0)  # Ctrl-C discards on the way out
    else:  # after it: the new graphs, byte for byte, whatever private copies remain
        assert state == after_clean
        assert len(leftovers) == 2

    # the next build finds the source unchanged and removes what was left
    report = build_sources([SEED, source], store=path, as_of=AS_OF, validate=False)
    assert [s.unchanged for s in report.sources] == [True, phase == "cleanup"]
    assert _sorted_state(path) == after_clean
    store = KGStore(path, read_only=True)
    assert store.staging_graphs() == [] and not (path / SCRATCH_DIR).exists()
    assert not [g for g in store.ox.named_graphs() if g.value.startswith(STAGING_PREFIX)]
