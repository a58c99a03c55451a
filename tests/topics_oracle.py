"""An independent, plain-Python reading of ontology/topics.ttl and of the seed text.

It shares no code with kg.topics: rdflib parses the vocabulary, and regular expressions
(not spaCy) find labels, with the same documented rules (case-insensitive labels, exact
short acronyms, longest match first, hidden acronyms only with another label of the concept).
It covers the matcher's literal mode (``TopicMatcher(generalise=False)``); the word-family,
verb-object and acronym-definition rules are tested on their own in tests/test_topics_generalise.py.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SKOS

ROOT = Path(__file__).resolve().parent.parent
TOPICS_TTL = ROOT / "ontology" / "topics.ttl"
ARXIV_TTL = ROOT / "ontology" / "arxiv-taxonomy.ttl"
TOPIC_BASE = "https://w3id.org/scholarly-kg/topic/"


@lru_cache(maxsize=1)
def vocabulary_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(TOPICS_TTL, format="turtle")
    return g


@lru_cache(maxsize=1)
def arxiv_concepts() -> frozenset[str]:
    g = rdflib.Graph()
    g.parse(ARXIV_TTL, format="turtle")
    return frozenset(str(s) for s in g.subjects(RDF.type, SKOS.Concept))


def concepts() -> list[str]:
    g = vocabulary_graph()
    return sorted(str(s) for s in g.subjects(RDF.type, SKOS.Concept) if str(s).startswith(TOPIC_BASE))


def _acronym(label: str) -> bool:
    return " " not in label and len(label) <= 6 and sum(c.isupper() for c in label) >= 2


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str, bool, int]]:
    """(regex, concept, hidden, length) for every label, longest first."""
    g = vocabulary_graph()
    out = []
    for c in concepts():
        node = rdflib.URIRef(c)
        for prop, hidden in ((SKOS.prefLabel, False), (SKOS.altLabel, False), (SKOS.hiddenLabel, True)):
            for label in g.objects(node, prop):
                text = str(label).replace("\u2013", "-")
                body = re.escape(text).replace(r"\-", r"\s*[-\u2013]\s*").replace(r"\ ", r"\s+")
                flags = 0 if _acronym(text) else re.IGNORECASE
                # the context rule binds hidden acronyms (FL); other hidden labels are generated variants
                size = len(re.findall(r"\w+|[^\w\s]", text))  # tokens: words and punctuation marks
                context = hidden and _acronym(text)
                out.append((re.compile(rf"(?<![\w-]){body}(?![\w])", flags), c, context, size))
    return out


def occurrences(text: str) -> list[tuple[str, bool]]:
    """(concept, hidden) of each label occurrence: longest (in tokens) first, then leftmost."""
    cands = [(-size, m.start(), m.end(), concept, hidden)
             for rx, concept, hidden, size in _patterns() for m in rx.finditer(text)]
    taken: list[tuple[int, int, str, bool]] = []
    for _, start, end, concept, hidden in sorted(cands):
        if not any(start < e and s < end for s, e, _, _ in taken):
            taken.append((start, end, concept, hidden))
    return [(c, h) for _, _, c, h in sorted(taken)]


def paper_topics(title: str, abstract: str) -> dict[tuple[str, str], int]:
    """{(concept, field): count} with the context rule for hidden labels."""
    t, a = occurrences(title), occurrences(abstract)
    named = {c for c, h in (*t, *a) if not h}
    out: Counter[tuple[str, str]] = Counter()
    for field, occ in (("title", t), ("abstract", a)):
        for c, _ in occ:
            if c in named:
                out[(c, field)] += 1
    return dict(out)
