"""Pictures and the co-author graph filter by fine-grained research topics too (issue 6)."""

from __future__ import annotations

import rdflib
from topics_oracle import paper_topics, vocabulary_graph

from kg.analysis import coauthor_graph
from kg.models import ProfileRecords
from kg.store import KGStore

SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def _narrower_or_self(label: str) -> set[str]:
    g = vocabulary_graph()
    top = next(c for c in g.subjects(SKOS.prefLabel, None) if str(g.value(c, SKOS.prefLabel)) == label)
    return {str(c) for c in g.transitive_subjects(SKOS.broader, top)}


def test_topic_filter_keeps_exactly_the_papers_the_oracle_tags(seed_memory_store: KGStore,
                                                               seed_records: ProfileRecords) -> None:
    for label in ("federated learning", "news recommendation", "large language models"):
        wanted = _narrower_or_self(label)
        papers = [p for p in seed_records.papers
                  if wanted & {c for c, _ in paper_topics(p.title, p.abstract_text)}]
        people = {a.name for p in papers for a in p.authors}
        g = coauthor_graph(seed_memory_store, topic=label)
        assert papers, label
        assert {d["name"] for _, d in g.nodes(data=True)} == people, label
        assert sum(d["weight"] for *_, d in g.edges(data=True)) == sum(
            len(p.authors) * (len(p.authors) - 1) // 2 for p in papers), label


def test_arxiv_topic_filter_is_unchanged(seed_memory_store: KGStore, seed_records: ProfileRecords) -> None:
    ir = [p for p in seed_records.papers if "IR" in p.categories]
    g = coauthor_graph(seed_memory_store, topic="IR")
    assert {d["name"] for _, d in g.nodes(data=True)} == {a.name for p in ir for a in p.authors}
