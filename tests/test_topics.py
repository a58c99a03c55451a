"""Topics, keyphrases and proposed artifacts: vocabulary, matcher, RDF, CLI, queries.

Expected values come from independent plain-Python readings of the same files
(``tests/topics_oracle.py``: rdflib + regular expressions, no spaCy, no kg.topics code; it
re-implements the matcher's literal mode), from the hand-labelled gold set
``tests/data/topics-gold.json``, or, for what the store and the queries make of the topics, from
the matcher's own hits (``_expected``), whose generalising rules are tested on their own in
``tests/test_topics_generalise.py``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import AS_OF, OWNER, SEED
from rdflib.namespace import SKOS
from topics_oracle import TOPIC_BASE, arxiv_concepts, concepts, paper_topics, vocabulary_graph
from typer.testing import CliRunner

from kg.builder import build_sources, extra_quads, store_counts
from kg.cli import app
from kg.models import ProfileRecords
from kg.rdf.iri import Minter
from kg.rdf.mapping import ProfileMapper
from kg.resolve import resolve
from kg.store import KGStore
from kg.topics import default_matcher, extract_artifacts, load_vocabulary, mine_keyphrases, read_vocabulary
from kg.topics.artifacts import artifact_key, artifacts_of
from kg.topics.matcher import TopicMatcher, topics_of
from kg.topics.rdf import EXTRACTOR_VERSION, _vocabulary_labels
from kg.topics.vocab import VocabularyError

KG = "https://w3id.org/scholarly-kg/ns#"
GOLD = json.loads((Path(__file__).parent / "data" / "topics-gold.json").read_text())["papers"]


def _expected(title: str, abstract: str) -> dict[tuple[str, str], int]:
    """{(concept, field): count} of the default (generalising) matcher: what the store must hold."""
    return {(h.concept, h.field): h.count for h in default_matcher().paper_hits(title, abstract)}


# -- the vocabulary ------------------------------------------------------------------------


def test_vocabulary_has_300_concepts_each_with_one_preflabel_under_the_topic_base() -> None:
    g = vocabulary_graph()
    cs = concepts()
    assert len(cs) >= 300
    for c in cs:
        assert c.startswith(TOPIC_BASE)
        assert len(list(g.objects(rdflib.URIRef(c), SKOS.prefLabel))) == 1, c
    assert len(load_vocabulary()) == len(cs)


def test_every_broader_chain_reaches_an_arxiv_category_without_cycles() -> None:
    g = vocabulary_graph()
    arxiv = arxiv_concepts()
    topics = set(concepts())
    for c in topics:
        reached_arxiv, stack, path = False, [(c, (c,))], None
        while stack:
            node, path = stack.pop()
            for b in map(str, g.objects(rdflib.URIRef(node), SKOS.broader)):
                assert b not in path, f"cycle: {' -> '.join((*path, b))}"
                if b in arxiv:
                    reached_arxiv = True
                else:
                    assert b in topics, f"{node} has broader {b}, which is neither a topic nor arXiv"
                    stack.append((b, (*path, b)))
        assert reached_arxiv, f"{c} never reaches an arXiv category"


def test_no_label_belongs_to_two_concepts() -> None:
    g = vocabulary_graph()
    owner: dict[str, str] = {}
    for c in concepts():
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for label in g.objects(rdflib.URIRef(c), prop):
                text = str(label)
                short = " " not in text and len(text) <= 6 and sum(ch.isupper() for ch in text) >= 2
                key = text if short else text.casefold()
                assert owner.setdefault(key, c) == c, f"{text!r}: {owner[key]} and {c}"


def test_ambiguous_acronyms_are_hidden_and_close_matches_point_to_cso() -> None:
    g = vocabulary_graph()
    fl = rdflib.URIRef(TOPIC_BASE + "federated-learning")
    assert rdflib.Literal("FL", lang="en") in set(g.objects(fl, SKOS.hiddenLabel))
    assert rdflib.Literal("FL", lang="en") not in set(g.objects(fl, SKOS.altLabel))
    llm = rdflib.URIRef(TOPIC_BASE + "large-language-models")
    assert {"LLM", "LLMs"} <= {str(x) for x in g.objects(llm, SKOS.altLabel)}
    matches = [str(o) for _, o in g.subject_objects(SKOS.closeMatch)]
    assert len(matches) >= 30
    assert all(re.fullmatch(r"https://cso\.kmi\.open\.ac\.uk/topics/[a-z0-9_\-]+", m) for m in matches)
    assert str(g.value(rdflib.URIRef(TOPIC_BASE + "recommender-systems"), SKOS.closeMatch)) == \
        "https://cso.kmi.open.ac.uk/topics/recommender_systems"


def test_a_shared_label_or_broken_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "topics.ttl"
    bad.write_text("""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/scholarly-kg/topic/> .
t:a a skos:Concept ; skos:prefLabel "alpha" ; skos:altLabel "shared" .
t:b a skos:Concept ; skos:prefLabel "beta" ; skos:altLabel "Shared" .
""")
    with pytest.raises(VocabularyError, match=r"topics\.ttl: label 'Shared' belongs to both"):
        read_vocabulary(bad)
    bad.write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<x> skos:prefLabel \"a\" \n")
    with pytest.raises(VocabularyError, match=r"topics\.ttl: .*line 3"):
        read_vocabulary(bad)


# -- the matcher ---------------------------------------------------------------------------


def _labels(hits: list) -> list[str]:
    v = load_vocabulary()
    return sorted({v.concepts[h.concept].pref_label for h in hits})


def test_longest_match_wins_and_acronyms_are_case_sensitive() -> None:
    m = default_matcher()
    assert _labels(m.paper_hits("Vertical federated learning for news recommender systems", "")) == [
        "news recommendation", "vertical federated learning"]
    # "LLMs" the acronym is a topic; "llms" in lower case and "it" (not "IT") are not.
    assert _labels(m.paper_hits("Tuning LLMs", "")) == ["large language models"]
    assert _labels(m.paper_hits("tuning llms so it works", "")) == []


def test_ambiguous_acronym_counts_only_with_its_concept_named_in_the_paper() -> None:
    m = default_matcher()
    assert m.paper_hits("FL on devices", "We study FL with small clients.") == []
    hits = m.paper_hits("FL on devices", "Federated learning (FL) trains models; FL is private.")
    fl = TOPIC_BASE + "federated-learning"
    assert {(h.field, h.count) for h in hits if h.concept == fl} == {("title", 1), ("abstract", 3)}


def test_literal_matcher_agrees_with_the_independent_regex_oracle_on_every_seed_paper(
        seed_records: ProfileRecords) -> None:
    m = TopicMatcher(generalise=False)
    for paper in seed_records.papers:
        ours = {(h.concept, h.field): h.count for h in m.paper_hits(paper.title, paper.abstract_text)}
        assert ours == paper_topics(paper.title, paper.abstract_text), paper.title


def test_generalising_matcher_finds_at_least_every_topic_of_the_literal_one(
        seed_records: ProfileRecords) -> None:
    # The rules add word forms; on the seed they lose a literal topic only to a longer match
    # ("deeper neural networks" is deep learning) or to a negation ("without fine-tuning").
    lost = []
    for p in seed_records.papers:
        literal = {c for c, _ in paper_topics(p.title, p.abstract_text)}
        lost += sorted(literal - {c for c, _ in _expected(p.title, p.abstract_text)})
    assert lost == []


# -- quality against the hand-labelled gold set ------------------------------------------


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return tp / (tp + fp), tp / (tp + fn)


def test_gold_set_covers_at_least_25_seed_papers(seed_records: ProfileRecords) -> None:
    titles = {p.title for p in seed_records.papers}
    assert len(GOLD) >= 25
    assert all(g["title"] in titles for g in GOLD)


def test_topic_precision_and_recall_on_the_gold_set(seed_records: ProfileRecords) -> None:
    v = load_vocabulary()
    by_title = {p.title: p for p in seed_records.papers}
    m = default_matcher()
    tp = fp = fn = 0
    for g in GOLD:
        paper = by_title[g["title"]]
        predicted = set(topics_of(m.paper_hits(paper.title, paper.abstract_text)))
        expected = set()
        for label in g["topics"]:
            c = v.lookup(label)
            expected.add(c.iri if c else f"missing:{label}")  # a label not in the vocabulary is a miss
        tp += len(predicted & expected)
        fp += len(predicted - expected)
        fn += len(expected - predicted)
    precision, recall = _prf(tp, fp, fn)
    print(f"topics: precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    assert precision >= 0.85
    assert recall >= 0.75


def test_artifact_precision_and_recall_on_the_gold_set(seed_records: ProfileRecords) -> None:
    by_title = {p.title: p for p in seed_records.papers}
    tp = fp = fn = 0
    typed = typed_ok = 0
    for g in GOLD:
        found = artifacts_of(by_title[g["title"]], _vocabulary_labels())
        gold = [{artifact_key(n) for n in (a["name"], *a.get("aliases", []))} for a in g["artifacts"]]
        for names, a in zip(gold, g["artifacts"], strict=True):
            hit = [f for f in found if any(artifact_key(n) in names for n in f.names())]
            tp += bool(hit)
            fn += not hit
            if hit:
                typed += 1
                typed_ok += hit[0].type == a["type"]
        fp += sum(1 for f in found if not any(artifact_key(n) in names for names in gold for n in f.names()))
    precision, recall = _prf(tp, fp, fn)
    print(f"artifacts: precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn}); "
          f"type agrees on {typed_ok}/{typed}")
    assert precision >= 0.9
    assert recall >= 0.9


def test_artifact_patterns_on_unseen_text() -> None:
    arts = extract_artifacts(
        "OmniBench-X: A Benchmark for Agents",
        "We introduce a large dataset called WikiPairs. Unlike prior work, we propose GraphMix, a model "
        "for links. We further propose a gating module named GateNet. To this end, we design the "
        "Cross Fusion Block (CFB) module.")
    assert [(a.name, a.type) for a in arts] == [
        ("OmniBench-X", "benchmark"), ("WikiPairs", "dataset"), ("GraphMix", "model"), ("GateNet", "method")]
    assert extract_artifacts("Entropy Law: The Story", "we uncover an entropy law of data.") == []


# -- RDF in the built store ----------------------------------------------------------------


def _rows(store: KGStore, sparql: str) -> list[dict[str, str]]:
    res = store.query(sparql)
    names = [v.value for v in res.variables]
    return [{n: (r[n].value if r[n] is not None else "") for n in names} for r in res]


def test_store_topic_assignments_equal_the_oracle(seed_records: ProfileRecords,
                                                  seed_memory_store: KGStore) -> None:
    minter = Minter()
    expected: set[tuple[str, str, str, int]] = set()
    for p in seed_records.papers:
        for (concept, field), n in _expected(p.title, p.abstract_text).items():
            expected.add((minter.paper(p).value, concept, field, n))
    rows = _rows(seed_memory_store, """SELECT ?p ?t ?f ?n WHERE {
        ?a a kg:TopicAssignment ; kg:paper ?p ; kg:topic ?t ; kg:matchedIn ?f ; kg:matchCount ?n ;
           prov:wasGeneratedBy ?act . ?act prov:wasAssociatedWith ?agent .
        ?agent schema:softwareVersion ?v . FILTER(STRSTARTS(STR(?agent), STR(software:))) }"""
                  .replace("software:", "<https://w3id.org/scholarly-kg/software/scholarly-kg-topics/>"))
    assert {(r["p"], r["t"], r["f"], int(r["n"])) for r in rows} == expected
    direct = _rows(seed_memory_store, "SELECT ?p ?t WHERE { ?p a fabio:ResearchPaper ; kg:topic ?t }")
    assert {(r["p"], r["t"]) for r in direct} == {(p, t) for p, t, _, _ in expected}


def test_arxiv_categories_stay_the_only_dcterms_subjects(seed_records: ProfileRecords,
                                                        seed_memory_store: KGStore) -> None:
    codes = {c for p in seed_records.papers for c in p.categories}
    assert store_counts(seed_memory_store)["topics"] == len(codes)
    rows = _rows(seed_memory_store, "SELECT DISTINCT ?t WHERE { ?p dcterms:subject ?t }")
    assert not any(r["t"].startswith(TOPIC_BASE) for r in rows)


def test_proposed_artifacts_and_their_repositories(seed_records: ProfileRecords,
                                                   seed_memory_store: KGStore) -> None:
    rows = _rows(seed_memory_store, """SELECT ?p ?name ?type ?repo WHERE {
        ?p kg:proposes ?a . ?a a kg:ProposedArtifact ; rdfs:label ?name ; kg:artifactType ?type .
        OPTIONAL { ?a kg:hasRepository ?repo } }""")
    assert {r["type"] for r in rows} <= {"method", "model", "framework", "dataset", "benchmark"}
    names = {r["name"] for r in rows}
    assert {"Fastformer", "NoisyTune", "ToolACE", "WildSpeech-Bench", "ZIP", "StableToken"} <= names
    # Independent: a gold artifact whose name (or alias) equals a repository name of its paper,
    # ignoring case, '-', '_' and a trailing dot, must be linked to that repository.
    def norm(s: str) -> str:
        return re.sub(r"[-_\s.]", "", s).casefold()

    minter = Minter()
    by_title = {p.title: p for p in seed_records.papers}
    expected = set()
    for g in GOLD:
        paper = by_title[g["title"]]
        for a in g["artifacts"]:
            for link in paper.links:
                if link.kind == "repository" and norm(link.name or "") in {norm(n) for n in
                                                                          (a["name"], *a.get("aliases", []))}:
                    expected.add((minter.paper(paper).value, minter.repository(link).value))
    linked = {(r["p"], r["repo"]) for r in rows if r["repo"]}
    assert len(expected) == 4
    assert linked == expected
    repo_types = _rows(seed_memory_store, """SELECT DISTINCT ?repo WHERE {
        ?a kg:hasRepository ?repo . ?a a kg:ProposedArtifact . ?repo a schema:SoftwareSourceCode }""")
    assert len(repo_types) == 4


def test_candidate_keyphrases_recur_and_are_not_vocabulary_labels(seed_records: ProfileRecords,
                                                                  seed_memory_store: KGStore) -> None:
    rows = _rows(seed_memory_store, """SELECT ?c ?label ?df (COUNT(DISTINCT ?p) AS ?papers) WHERE {
        ?c kg:candidate true ; a skos:Concept ;
           skos:inScheme <https://w3id.org/scholarly-kg/topic/candidates> ;
           skos:prefLabel ?label ; kg:documentFrequency ?df .
        ?p kg:candidateTopic ?c } GROUP BY ?c ?label ?df""")
    assert 10 <= len(rows) <= 50
    labels = {lab.casefold() for lab in _vocabulary_labels()}
    texts = [f"{p.title}. {p.abstract_text}".casefold() for p in seed_records.papers]
    for r in rows:
        assert r["label"] not in labels
        assert int(r["df"]) == int(r["papers"]) >= 2
        # Independent count: papers whose text contains the phrase (words separated by spaces).
        body = r"\s+".join(map(re.escape, r["label"].split()))
        rx = re.compile(rf"(?<![\w-]){body}(?![\w-])")
        assert sum(1 for t in texts if rx.search(t)) >= int(r["df"])
    assert any(r["label"] == "candidate news" for r in rows)


def test_keyphrases_drop_phrases_nested_in_an_equally_frequent_longer_one() -> None:
    texts = ["graph signal smoothing helps.", "graph signal smoothing again.", "graph signal alone here."]
    got = {k.phrase: k.df for k in mine_keyphrases(texts, min_df=2)}
    assert got == {"graph signal smoothing": 2, "graph signal": 3}


def test_topic_quads_are_deterministic_and_in_the_source_graph(seed_records: ProfileRecords) -> None:
    mapper = ProfileMapper(seed_records)
    first = extra_quads(resolve([seed_records]), Minter())
    second = extra_quads(resolve([seed_records]), Minter())
    assert first == second
    assert {q.graph_name for q in first} == {mapper.graph}
    agents = {q.object for q in first if q.predicate.value == "http://www.w3.org/ns/prov#wasAssociatedWith"}
    assert agents == {ox.NamedNode(f"https://w3id.org/scholarly-kg/software/scholarly-kg-topics/{EXTRACTOR_VERSION}")}


# -- CLI and queries -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("topics") / "store"
    build_sources([SEED], store=KGStore(path), as_of=AS_OF)
    return path


def _oracle_profile(records: ProfileRecords, label: str) -> tuple[int, int, int]:
    concept = load_vocabulary().lookup(label).iri
    years = [p.published.year for p in records.papers
             if any(c == concept for c, _ in _expected(p.title, p.abstract_text))]
    return len(years), min(years), max(years)


def test_cli_topics_prints_the_author_profile(built: Path, seed_records: ProfileRecords) -> None:
    result = CliRunner().invoke(app, ["topics", "--author", OWNER, "--store", str(built), "--top", "40"])
    assert result.exit_code == 0, result.output
    lines = {re.split(r"\s*│\s*", line.strip("│ "))[0]: re.split(r"\s*│\s*", line.strip("│ "))
             for line in result.output.splitlines() if line.startswith("│")}
    for label in ("large language models", "federated learning", "news recommendation"):
        papers, first, last = _oracle_profile(seed_records, label)  # every seed paper is the owner's
        assert lines[label][1] == str(papers) and lines[label][3:5] == [str(first), str(last)], label


def test_cli_topics_whole_graph_top_and_candidates(built: Path) -> None:
    result = CliRunner().invoke(app, ["topics", "--store", str(built), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert sum(1 for line in result.output.splitlines() if line.startswith("│")) == 3
    result = CliRunner().invoke(app, ["topics", "--store", str(built), "--candidates", "--top", "5"])
    assert result.exit_code == 0 and "candidate news" in result.output


def test_cli_unknown_or_hostile_author_is_a_clear_error(built: Path) -> None:
    hostile = 'x" } ; DROP ALL ; SELECT * { "'
    result = CliRunner().invoke(app, ["topics", "--author", hostile, "--store", str(built)])
    assert result.exit_code == 1
    assert "no person named" in result.output
    assert KGStore(built, read_only=True).count() > 0


def test_library_queries_answer_topic_questions(built: Path, seed_records: ProfileRecords) -> None:
    import kg.query

    papers, first, last = _oracle_profile(seed_records, "news recommendation")
    res = kg.query.run(built, "topic-papers", topic="News Recommendation")
    assert len(res.terms) == papers
    years = [int(r["year"].value) for r in res.terms]
    assert (min(years), max(years)) == (first, last)
    experts = kg.query.run(built, "topic-experts", topic="FL")  # a hidden label resolves too
    v = load_vocabulary()
    fl_family = {c.iri for c in v if TOPIC_BASE + "federated-learning" in (c.iri, *v.ancestors(c.iri))}
    fl_papers = [p for p in seed_records.papers
                 if fl_family & {c for c, _ in _expected(p.title, p.abstract_text)}]
    counts = Counter(a.name_key for p in fl_papers for a in p.authors)
    top = experts.terms[0]
    assert int(top["papers"].value) == max(counts.values()) == len(fl_papers)
    evolution = kg.query.run(built, "topic-evolution", author=OWNER)
    per_year = Counter((int(r["year"].value), r["label"].value) for r in evolution.terms for _ in
                       range(int(r["papers"].value)))
    assert per_year[(2021, "news recommendation")] == sum(
        1 for p in seed_records.papers if p.published.year == 2021 and
        v.lookup("news recommendation").iri in {c for c, _ in _expected(p.title, p.abstract_text)})
    coauthors = kg.query.run(built, "topic-coauthors", author=OWNER, topic="federated learning")
    assert {r["name"].value for r in coauthors.terms} == {
        a.name for p in fl_papers for a in p.authors if a.name != OWNER}
    arts = kg.query.run(built, "topic-artifacts", topic="speech language models")
    assert {"StableToken", "WildSpeech-Bench"} <= {r["name"].value for r in arts.terms}
