"""kg build: summary, determinism, idempotence, rebuilding one source, strict mode, identity."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AS_OF, OWNER, SEED

from kg.builder import BuildError, build_sources
from kg.extract import read_profile
from kg.models import ProfileRecords
from kg.rdf.iri import Minter
from kg.rdf.namespaces import KG, ONTOLOGY_GRAPH
from kg.store import KGStore

EPOCH = "1790000000"  # 2026-09-21T... UTC: a fixed build time (reproducible-builds convention)


def _kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def _nquads(store: KGStore, graph: ox.NamedNode | None = None) -> list[str]:
    """Sorted N-Quads, rendered in Python (independent of kg.export)."""
    return sorted(str(q) for q in store.quads(graph))


def _people(records: ProfileRecords) -> set[str]:
    return {a.name_key for p in records.papers for a in p.authors}


def test_cli_build_prints_the_summary_and_python_m_kg_works(tmp_path: Path,
                                                            seed_records: ProfileRecords) -> None:
    args = ("build", str(SEED), "--as-of", AS_OF.isoformat(), "--store", str(tmp_path / "s"))
    r = _kg(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = " ".join(r.stdout.split())
    papers = len(seed_records.papers)
    repos = {(ln.owner.casefold(), ln.name.casefold()) for p in seed_records.papers for ln in p.links
             if ln.kind == "repository"}
    topics = {c for p in seed_records.papers for c in p.categories}
    store = KGStore(tmp_path / "s", read_only=True)
    source = next(g for g in store.graphs() if g != ONTOLOGY_GRAPH)
    assert f"papers {papers} · people {len(_people(seed_records))} · " in summary
    assert f"topics {len(topics)} · repositories {len(repos)} · triples {store.count(source)} · " in summary
    assert f"skipped blocks {len(seed_records.skipped)} · " in summary
    assert re.search(r"│ chuhan-wu\.txt\s+│\s+50 │\s+0 │\s+\d+ │ built\s+│", r.stdout)
    # the same command again: nothing to do
    again = _kg(*args, cwd=tmp_path)
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_two_fresh_builds_give_byte_identical_sorted_nquads(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    outputs = []
    for name in ("a", "b"):
        build_sources([SEED], store=tmp_path / name, as_of=AS_OF, validate=False)
        out = tmp_path / f"{name}.nq"
        r = _kg("export", "--store", str(tmp_path / name), "--format", "nq", "--sorted", "-o", str(out))
        assert r.returncode == 0, r.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == KGStore(tmp_path / "a", read_only=True).count()
    stamp = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert f'"{stamp}Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'.encode() in outputs[0]


def test_building_twice_changes_nothing(tmp_path: Path) -> None:
    store = KGStore(tmp_path / "s")
    first = build_sources([SEED], store=store, as_of=AS_OF, validate=False)
    before = _nquads(store)
    second = build_sources([SEED], store=store, as_of=AS_OF, validate=False)
    assert [s.unchanged for s in first.sources] == [False]
    assert [s.unchanged for s in second.sources] == [True]
    assert second.sources[0].triples == first.sources[0].triples
    assert _nquads(store) == before
    assert first.counts == second.counts


def _paper_nodes(graph_quads: list[ox.Quad], paper: ox.NamedNode) -> set[str]:
    """The triples that belong to one paper: about it, or about nodes minted under its IRI."""
    return {str(q.triple) for q in graph_quads
            if q.subject == paper or q.object == paper
            or (isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(paper.value + "/"))}


def test_rebuilding_one_source_changes_only_its_graph_and_only_the_changed_paper(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    from test_crash import synthetic_page

    a, b = tmp_path / "chuhan-wu.txt", tmp_path / "second.txt"
    shutil.copy(SEED, a)
    b.write_text(synthetic_page(30, owner="Dee Distant"), encoding="utf-8")  # shares nobody with a
    store = KGStore(tmp_path / "s")
    build_sources([a, b], store=store, as_of=AS_OF, validate=False)
    graphs = store.graphs()
    ga, gb = (Minter().source_graph(p.name) for p in (a, b))
    assert set(graphs) == {ga, gb, ONTOLOGY_GRAPH}
    before_a = list(store.quads(ga))
    before_b, before_ont = _nquads(store, gb), _nquads(store, ONTOLOGY_GRAPH)

    old_title = "Performance Law of Large Language Models"
    new_title = "Performance Law of Large Language Models Revisited"
    text = a.read_text(encoding="utf-8")
    assert text.count(f"\n{old_title}\n") == 1
    a.write_text(text.replace(f"\n{old_title}\n", f"\n{new_title}\n"), encoding="utf-8")
    report = build_sources([a, b], store=store, as_of=AS_OF, validate=False)
    assert [(Path(s.path).name, s.unchanged) for s in report.sources] == [("chuhan-wu.txt", False),
                                                                           ("second.txt", True)]
    assert _nquads(store, gb) == before_b
    assert _nquads(store, ONTOLOGY_GRAPH) == before_ont

    old_records, new_records = read_profile(SEED, as_of=AS_OF), read_profile(a, as_of=AS_OF)
    old_paper = next(p for p in old_records.papers if p.title == old_title)
    new_paper = next(p for p in new_records.papers if p.title == new_title)
    old_iri, new_iri = Minter().paper(old_paper), Minter().paper(new_paper)
    assert old_iri != new_iri
    after_quads = list(store.quads(ga))
    before_set = {str(q.triple) for q in before_a}
    after_set = {str(q.triple) for q in after_quads}
    removed, added = before_set - after_set, after_set - before_set
    sha = KG.sha256.value
    old_sha = {t for t in removed if f"<{sha}>" in t}
    new_sha = {t for t in added if f"<{sha}>" in t}
    assert len(old_sha) == len(new_sha) == 1
    assert removed - old_sha == _paper_nodes(before_a, old_iri)
    assert added - new_sha == _paper_nodes(after_quads, new_iri)
    assert removed - old_sha and added - new_sha


def test_strict_refuses_a_damaged_source_and_writes_nothing(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.txt"
    text = SEED.read_text(encoding="utf-8")
    damaged.write_text(text.replace("IRJun 9, 2023Code", "IRJux 9, 2023Code", 1), encoding="utf-8")
    store_path = tmp_path / "s"
    build_sources([SEED], store=store_path, as_of=AS_OF, validate=False)
    before = _nquads(KGStore(store_path, read_only=True))
    r = _kg("build", str(SEED), str(damaged), "--as-of", AS_OF.isoformat(), "--store", str(store_path),
            "--strict", "--force")
    assert r.returncode == 1
    err = " ".join(r.stderr.split())
    assert f"{damaged}:" in err and "unknown month 'Jux'" in err and "nothing was written" in err
    after = KGStore(store_path, read_only=True)
    assert _nquads(after) == before
    assert after.staging_graphs() == []
    # a fresh store path is not even created
    r = _kg("build", str(damaged), "--as-of", AS_OF.isoformat(), "--store", str(tmp_path / "new"), "--strict")
    assert r.returncode == 1 and not (tmp_path / "new").exists()
    # without --strict the damaged block is skipped and reported, the rest is built
    report = build_sources([damaged], store=store_path, as_of=AS_OF, validate=False)
    assert report.sources[0].papers == 49 and report.sources[0].skipped_blocks == 1


def test_two_sources_with_one_file_name_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "x" / SEED.name
    other.parent.mkdir()
    shutil.copy(SEED, other)
    with pytest.raises(BuildError, match=r"share the file name 'chuhan-wu\.txt'"):
        build_sources([SEED, other], store=tmp_path / "s", as_of=AS_OF)
    assert not (tmp_path / "s").exists()


def test_iris_are_stable_across_sources_and_follow_the_base_iri(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    shutil.copy(SEED, copy)
    store = KGStore()
    build_sources([SEED, copy], store=store, as_of=AS_OF, validate=False)
    ga, gb = Minter().source_graph(SEED.name), Minter().source_graph(copy.name)
    def in_graph(g: ox.NamedNode) -> set[str]:
        rows = store.query("SELECT ?g ?p WHERE { GRAPH ?g { ?p a fabio:ResearchPaper } }",
                           substitutions={ox.Variable("g"): g})
        return {r["p"].value for r in rows}

    # One node per paper, whichever source names it: the first source's graph describes the 50
    # papers; the copy (the same profile on the same day) adds only that it was read too.
    assert len(in_graph(ga)) == 50 and in_graph(gb) == set()
    own = {(q.subject.value, q.predicate.value, q.object.value) for q in store.quads(gb)}
    profile = Minter().profile(OWNER, AS_OF.isoformat()).value
    assert (profile, "http://www.w3.org/ns/prov#wasDerivedFrom", gb.value) in own
    assert not any(p in in_graph(ga) for p, _, _ in own)
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?p a fabio:ResearchPaper }"))
    assert int(rows[0]["n"].value) == 50  # not a triple twice in the union
    base = "https://example.org/kg/"
    r = _kg("build", str(SEED), "--as-of", AS_OF.isoformat(), "--store", str(tmp_path / "b"),
            "--base-iri", base, "--no-validate")
    assert r.returncode == 0, r.stderr
    other = KGStore(tmp_path / "b", read_only=True)
    rows = list(other.query("SELECT ?p WHERE { ?p a fabio:ResearchPaper }"))
    assert len(rows) == 50 and all(row["p"].value.startswith(base + "paper/") for row in rows)
    bad = _kg("build", str(SEED), "--store", str(tmp_path / "c"), "--base-iri", "not an iri")
    assert bad.returncode == 1 and "base IRI must be" in bad.stderr


def test_owner_is_inferred_without_a_position_on_truncated_lists(seed_records: ProfileRecords) -> None:
    store = KGStore()
    build_sources([SEED], store=store, as_of=AS_OF, validate=False)
    rows = list(store.query(
        "SELECT ?name ?paper ?pos WHERE { ?a pro:isHeldBy ?who ; pro:relatesToDocument ?paper ; "
        "kg:authorshipEvidence kg:inferredFromProfile . ?who foaf:name ?name "
        "OPTIONAL { ?a kg:position ?pos } }",
        substitutions={ox.Variable("name"): ox.Literal(OWNER)}))
    expected = [p for p in seed_records.papers if any(a.inferred for a in p.authors)]
    assert len(rows) == len(expected) == 17
    assert all(r["pos"] is None for r in rows)
