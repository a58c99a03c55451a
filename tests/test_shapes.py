"""SHACL shapes: the seed conforms, and each kind of broken graph fails with the right report.

Each broken graph is the seed's own graph with one fault put in; the test checks the exact
violations (focus node, path, value, message), not merely that validation failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import kg.builder
import kg.rdf.mapping
from kg.builder import build_sources
from kg.cli import app
from kg.rdf.mapping import SourceMapper
from kg.rdf.namespaces import DCTERMS, KG, ONTOLOGY_GRAPH, SCHEMA, XSD
from kg.store import KGStore
from kg.validate import ShapeViolation, Violation, check_conforms, validate_triples
from tests.conftest import AS_OF, SEED

B = "https://w3id.org/scholarly-kg/id/"
PAPER = "paper/title/performance_law_of_large_language_models"
P = ox.NamedNode(B + PAPER)
A1, A2 = ox.NamedNode(f"{B}{PAPER}/authorship/1"), ox.NamedNode(f"{B}{PAPER}/authorship/2")
SURVEY = "paper/title/how_can_recommender_systems_benefit_from_large_language_models_a_survey"
INFERRED = ox.NamedNode(f"{B}{SURVEY}/authorship/inferred/chuhan_wu")
REPO = ox.NamedNode(B + "repo/github.com/yjiangcm/webr")
PROFILE = ox.NamedNode(B + "profile/chuhan_wu/2026-11-26")

Triples = list[ox.Triple]


@pytest.fixture(scope="module")
def seed_triples(seed_memory_store: KGStore) -> Triples:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in seed_memory_store.quads()
            if q.graph_name != ONTOLOGY_GRAPH]


def integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD.integer)


def edit(triples: Triples, drop: Callable[[ox.Triple], bool], add: Triples = ()) -> Triples:
    return [t for t in triples if not drop(t)] + list(add)


def short(path: str) -> str:
    return "id:" + path


def test_seed_conforms(seed_triples: Triples) -> None:
    result = validate_triples(seed_triples)
    assert result.conforms, result.report
    assert (result.violations, result.results, result.report) == (0, (), "")
    check_conforms(seed_triples)  # does not raise


def _messages(triples: Triples) -> list[Violation]:
    """The violations of a graph that must not conform; the report is one line per violation."""
    result = validate_triples(triples)
    assert not result.conforms
    assert result.violations == len(result.results) > 0
    assert result.report.splitlines() == [str(v) for v in result.results]
    return list(result.results)


def test_missing_title(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: t.subject == P and t.predicate == DCTERMS.title)
    [v] = _messages(broken)
    assert (v.focus, v.path, v.value) == (short(PAPER), "dcterms:title", None)
    assert v.message == "a paper needs exactly one non-empty dcterms:title (xsd:string)"
    assert str(v) == f"id:{PAPER} dcterms:title: {v.message}"


def test_duplicate_position(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: t.subject == A2 and t.predicate == KG.position,
                  [ox.Triple(A2, KG.position, integer(1))])
    results = _messages(broken)
    assert {(v.focus, v.path, v.value) for v in results} == {
        (short(PAPER), "kg:hasAuthorship", short(PAPER + "/authorship/1")),
        (short(PAPER), "kg:hasAuthorship", short(PAPER + "/authorship/2"))}
    assert {v.message for v in results} == {"two authorships of this paper share position 1"}


def test_position_zero(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: t.subject == A1 and t.predicate == KG.position,
                  [ox.Triple(A1, KG.position, integer(0))])
    results = {(v.focus, v.path, v.value): v.message for v in _messages(broken)}
    assert results == {
        (short(PAPER + "/authorship/1"), "kg:position", '"0"^^xsd:integer'):
            "kg:position is at most one xsd:integer >= 1",
        # 0 and 2 are left: the list has a gap where 1 was.
        (short(PAPER), "kg:hasAuthorship", short(PAPER + "/authorship/2")):
            "author positions must run 1..n without gaps: position 2 is used but 1 is not",
    }


def test_paper_without_authorship(seed_triples: Triples) -> None:
    gone = {A1, A2}
    broken = edit(seed_triples, lambda t: t.subject in gone or (
        t.subject == P and t.predicate in (KG.hasAuthorship, DCTERMS.creator)))
    results = {(v.focus, v.path): v.message for v in _messages(broken)}
    assert results == {
        (short(PAPER), "kg:hasAuthorship"):
            "a paper needs at least one kg:hasAuthorship, each a kg:Authorship",
        (short(PAPER), "dcterms:creator"):
            "a paper needs at least one dcterms:creator, each a foaf:Person",
    }


def test_visible_authorship_without_position(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: t.subject == A2 and t.predicate == KG.position)
    [v] = _messages(broken)
    assert (v.focus, v.path) == (short(PAPER + "/authorship/2"), "kg:position")
    assert v.message == "a visible authorship (kg:visible) needs its kg:position"


def test_inferred_authorship_with_position(seed_triples: Triples) -> None:
    # Put the inferred owner right after the visible authors: positions stay unique and
    # gap-free, so the only fault is that an inferred authorship claims a position.
    visible = sorted(int(t.object.value) for t in seed_triples
                     if t.predicate == KG.position and t.subject.value.startswith(f"{B}{SURVEY}/"))
    assert visible == [1, 2, 3]
    broken = [*seed_triples, ox.Triple(INFERRED, KG.position, integer(4))]
    [v] = _messages(broken)
    assert (v.focus, v.path, v.value) == (
        short(SURVEY + "/authorship/inferred/chuhan_wu"), "kg:position", None)
    assert v.message == ("an authorship inferred from the profile (kg:inferredFromProfile) has no known "
                         "position: it must not have kg:position")


def test_repository_url_must_be_https(seed_triples: Triples) -> None:
    [url] = [t.object for t in seed_triples if t.subject == REPO and t.predicate == SCHEMA.codeRepository]
    assert url.value.startswith("https://github.com/")
    http = ox.NamedNode("http://" + url.value.removeprefix("https://"))
    broken = edit(seed_triples, lambda t: t.subject == REPO and t.predicate == SCHEMA.codeRepository,
                  [ox.Triple(REPO, SCHEMA.codeRepository, http)])
    [v] = _messages(broken)
    assert (v.focus, v.path, v.value) == ("id:repo/github.com/yjiangcm/webr", "schema:codeRepository",
                                          f"<{http.value}>")
    assert v.message == "a repository needs exactly one schema:codeRepository, an https:// IRI"


def test_negative_metric_and_unknown_evidence(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: (t.subject == PROFILE and t.predicate == KG.hIndex)
                  or (t.subject == A1 and t.predicate == KG.authorshipEvidence),
                  [ox.Triple(PROFILE, KG.hIndex, integer(-1)),
                   ox.Triple(A1, KG.authorshipEvidence, KG.guessed)])
    results = {(v.focus, v.path, v.value): v.message for v in _messages(broken)}
    assert results[("id:profile/chuhan_wu/2026-11-26", "kg:hIndex", '"-1"^^xsd:integer')] == \
        "kg:hIndex is at most one xsd:integer >= 0"
    assert results[(short(PAPER + "/authorship/1"), "kg:authorshipEvidence", "kg:guessed")] == \
        "kg:authorshipEvidence must be exactly one of kg:visible, kg:inferredFromProfile"
    # kg:guessed is not kg:visible, so the visible-needs-position rule does not fire; nothing else does.
    assert len(results) == 2


def test_check_conforms_raises_a_readable_report(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: t.subject == P and t.predicate == DCTERMS.title)
    with pytest.raises(ShapeViolation) as info:
        check_conforms(broken)
    assert info.value.count == 1
    assert str(info.value).splitlines() == [
        "the graph does not conform to ontology/shapes.ttl (1 violations):",
        f"id:{PAPER} dcterms:title: a paper needs exactly one non-empty dcterms:title (xsd:string)"]


def _drop_a_title(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the mapper forget the title of one paper (in this process only)."""
    original = SourceMapper.work_quads

    def work_quads(self: SourceMapper, work, ref):  # type: ignore[no-untyped-def]
        for q in original(self, work, ref):
            if not (q.subject == P and q.predicate == DCTERMS.title):
                yield q

    monkeypatch.setattr(kg.rdf.mapping.SourceMapper, "work_quads", work_quads)


def test_build_refuses_an_invalid_graph_and_keeps_the_store(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = KGStore(tmp_path / "store")
    build_sources([SEED], store=store, as_of=AS_OF)
    before = sorted(str(q) for q in store.ox)
    graphs = store.graphs()
    _drop_a_title(monkeypatch)
    with pytest.raises(ShapeViolation) as info:
        build_sources([SEED], store=store, as_of=AS_OF, force=True)
    assert f"id:{PAPER} dcterms:title: a paper needs exactly one" in info.value.report
    assert sorted(str(q) for q in store.ox) == before  # not a quad changed, no staging graph left
    assert store.graphs() == graphs and store.count() > 0


def test_cli_build_reports_violations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _drop_a_title(monkeypatch)
    args = ["build", str(SEED), "--as-of", AS_OF.isoformat(), "--store", str(store)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    out = " ".join(result.output.split())  # rich wraps long lines
    assert f"id:{PAPER} dcterms:title: a paper needs exactly one non-empty dcterms:title" in out
    assert "nothing was written" in out
    assert not store.exists()  # a failed first build leaves no store folder behind


def test_creator_shortcut_must_match_the_authorships(seed_triples: Triples) -> None:
    tang = ox.NamedNode(B + "person/ruiming_tang")
    broken = edit(seed_triples, lambda t: (t.subject, t.predicate, t.object) == (P, DCTERMS.creator, tang))
    [v] = _messages(broken)
    assert (v.focus, v.path, v.value) == (
        short(PAPER), "kg:hasAuthorship/pro:isHeldBy", "id:person/ruiming_tang")
    assert v.message == (
        "the dcterms:creator values must be exactly the people holding the paper's authorships")


def test_unlisted_authorship(seed_triples: Triples) -> None:
    broken = edit(seed_triples, lambda t: (t.subject, t.predicate, t.object) == (P, KG.hasAuthorship, A2))
    results = {(v.focus, v.path): v.message for v in _messages(broken)}
    assert results[(short(PAPER + "/authorship/2"), "^kg:hasAuthorship")] == (
        "an authorship must be listed (kg:hasAuthorship) by exactly one paper, its pro:relatesToDocument")


def test_cli_validate_a_file(tmp_path: Path, seed_triples: Triples) -> None:
    good, bad = tmp_path / "seed.nt", tmp_path / "broken.ttl"
    ox.serialize(seed_triples, output=str(good), format=ox.RdfFormat.N_TRIPLES)
    broken = edit(seed_triples, lambda t: t.subject == A2 and t.predicate == KG.position,
                  [ox.Triple(A2, KG.position, integer(1))])
    ox.serialize(broken, output=str(bad), format=ox.RdfFormat.TURTLE)
    result = CliRunner().invoke(app, ["validate", "--file", str(good)])
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()) == (
        f"conforms: {len(seed_triples)} triples checked against ontology/shapes.ttl")
    result = CliRunner().invoke(app, ["validate", "--file", str(bad)])
    out = " ".join(result.output.split())
    assert result.exit_code == 1
    assert (f"id:{PAPER} kg:hasAuthorship: two authorships of this paper share position 1 "
            f"(value: id:{PAPER}/authorship/2)") in out
    assert "2 violations" in out


def test_topic_assignment_field(seed_triples: Triples) -> None:
    [node] = sorted({t.subject.value for t in seed_triples if t.predicate == KG.matchedIn
                     and t.subject.value.startswith(f"{B}{PAPER}/topic/")})[:1]
    assignment = ox.NamedNode(node)
    broken = edit(seed_triples, lambda t: t.subject == assignment and t.predicate == KG.matchedIn,
                  [ox.Triple(assignment, KG.matchedIn, ox.Literal("body"))])
    [v] = _messages(broken)
    assert (v.focus, v.path, v.value) == ("id:" + node.removeprefix(B), "kg:matchedIn", '"body"')
    assert v.message == 'kg:matchedIn must be exactly one of "title", "abstract"'
