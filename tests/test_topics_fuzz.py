"""Hostile and random text never breaks the topic step (hypothesis), and stays linear.

No timing assertions (speed lives in benchmarks/): the long inputs below made an earlier
version backtrack for ~40 s, so a regression shows up as a stalled run, not a flaky failure.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.builder import extra_quads
from kg.models import Authorship, Paper, Profile, ProfileRecords, SourceInfo
from kg.rdf.iri import Minter
from kg.resolve import resolve
from kg.topics import default_matcher, extract_artifacts
from kg.topics.artifacts import MAX_NAME

WORDS = st.sampled_from(["we", "propose", "named", "(FL)", "Federated", "learning", "LLMs", "X-Net:",
                         "called", "A/B", "test", "(", ")", ".", "—", "e.g.", "CoT.", "ünïcode", "\u2013",
                         "<script>", '"', "federated learning", "We introduce", "Bench"])
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, abstract=TEXT)
def test_matcher_and_artifacts_accept_any_text(title: str, abstract: str) -> None:
    m = default_matcher()
    for match in m.matches(abstract):
        assert abstract[match.start:match.end] == match.text
    hits = m.paper_hits(title, abstract)
    assert all(h.count >= 1 and h.field in ("title", "abstract") for h in hits)
    for art in extract_artifacts(title, abstract):
        assert 0 < len(art.name) <= MAX_NAME
        assert art.type in ("method", "model", "framework", "dataset", "benchmark")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=80).filter(lambda t: any(c.isalnum() for c in t)), abstract=TEXT)
def test_topic_quads_accept_any_paper_text(title: str, abstract: str) -> None:
    paper = Paper(title=title, categories=["LG"], published=dt.date(2024, 1, 1), abstract=abstract,
                  abstract_text=abstract, authors=[Authorship(name="A B", position=1)])
    records = ProfileRecords(
        source=SourceInfo(path="x.txt", name="x.txt", sha256="0" * 64),
        profile=Profile(name="A B", papers_listed=1, as_of=dt.date(2024, 1, 2)), papers=[paper])
    quads = extra_quads(resolve([records]), Minter())
    assert quads == extra_quads(resolve([records]), Minter())


def test_long_adversarial_sentences_are_handled() -> None:
    texts = ["we propose a " + "x" * 20000 + " " + "(AB" * 2000, "We propose " + "Aaa " * 10000,
             "named " + "Aa-" * 10000, "we propose (" * 10000]
    for t in texts:
        for art in extract_artifacts("T" * 100 + ": x", t):
            assert len(art.name) <= MAX_NAME
        default_matcher().matches(t)


def test_a_malformed_vocabulary_refuses_the_build_naming_the_file(tmp_path, monkeypatch) -> None:
    from conftest import AS_OF, SEED

    import kg.topics.matcher as matcher_mod
    import kg.topics.vocab as vocab_mod
    from kg.builder import BuildError, build_sources
    from kg.store import KGStore

    (tmp_path / "topics.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/scholarly-kg/topic/a> a skos:Concept ; skos:prefLabel \"a\", \"b\" .\n")
    monkeypatch.setattr(vocab_mod, "ontology_dir", lambda: tmp_path)
    vocab_mod.load_vocabulary.cache_clear()
    monkeypatch.setattr(matcher_mod, "_DEFAULT", None)
    store = KGStore()
    try:
        with pytest.raises(BuildError, match=r"topics\.ttl: <https://w3id.org/scholarly-kg/topic/a> needs "
                                             r"exactly one skos:prefLabel, has 2"):
            build_sources([SEED], store=store, as_of=AS_OF, validate=False)
        assert not [g for g in store.graphs() if "source" in g.value]
    finally:
        vocab_mod.load_vocabulary.cache_clear()
        matcher_mod._DEFAULT = None
