"""Topic, keyphrase and proposed-artifact quads for one source (called by ``kg.builder``).

The model (new ``kg:`` terms are declared in ``ontology/kg.ttl``):

* ``paper kg:topic concept`` -- a fine-grained topic.  ``kg:topic`` is a sub-property of
  ``dcterms:subject``; it is not asserted as ``dcterms:subject`` itself because that property
  holds the arXiv categories, which ``store_counts`` and the category queries count.
* a ``kg:TopicAssignment`` per paper, topic and field: ``kg:paper``, ``kg:topic``,
  ``kg:matchedIn "title"|"abstract"``, ``kg:matchCount`` and ``prov:wasGeneratedBy`` the
  source's build activity, which is also ``prov:wasAssociatedWith`` the versioned extractor agent.
* mined keyphrases as ``skos:Concept`` in the candidate scheme with ``kg:candidate true``,
  ``kg:documentFrequency``, ``kg:keyphraseScore``; papers point to them with ``kg:candidateTopic``.
* ``paper kg:proposes artifact``: ``kg:ProposedArtifact`` with ``rdfs:label``, ``skos:altLabel``
  (other names), ``kg:artifactType`` and ``kg:hasRepository`` when a repository has its name.

Everything is a function of the records and the vocabulary, so rebuilds give the same quads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

import pyoxigraph as ox

from kg.models import Paper
from kg.names import iri_segment
from kg.rdf.agents import software_agent_quads
from kg.rdf.iri import Minter
from kg.rdf.namespaces import KG, PROV, RDF, RDFS, SKOS, SOFTWARE, XSD
from kg.topics.artifacts import artifacts_of, matching_repositories
from kg.topics.keyphrases import mine_parsed
from kg.topics.matcher import default_matcher
from kg.topics.vocab import CANDIDATE_SCHEME, SCHEME, TOPIC_BASE, VocabularyError, load_vocabulary

EXTRACTOR_VERSION = "1.1.0"
EXTRACTOR = SOFTWARE[f"scholarly-kg-topics/{EXTRACTOR_VERSION}"]
CANDIDATES_PER_SOURCE = 50


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD.integer)


def _str(s: str) -> ox.Literal:
    return ox.Literal(s)


def candidate_iri(phrase: str) -> ox.NamedNode:
    return ox.NamedNode(f"{TOPIC_BASE}candidate/{iri_segment(phrase)}")


@lru_cache(maxsize=1)
def _vocabulary_labels() -> frozenset[str]:
    """Every vocabulary label: a topic name (LLM, BERT-like acronyms) is never an artifact."""
    return frozenset(label for c in load_vocabulary()
                     for label in (c.pref_label, *c.alt_labels, *c.hidden_labels))


class TopicError(Exception):
    """The topic vocabulary is malformed (the builder refuses the build with this message)."""


def topic_quads(papers: Sequence[Paper], iris: Sequence[ox.NamedNode], graphs: Sequence[ox.NamedNode],
                minter: Minter) -> list[ox.Quad]:
    """Topic assignments, candidate keyphrases and proposed artifacts of resolved works.

    ``papers[i]`` is work ``i`` as the graph describes it (its title and abstract), named
    ``iris[i]``, whose facts go in ``graphs[i]`` (the graph of the source that supplies its
    title).  Candidate keyphrases are mined over all works together and kept in ``graphs[0]``.
    A malformed vocabulary raises :class:`TopicError`.
    """
    try:
        return list(_quads(papers, iris, graphs, minter))
    except VocabularyError as e:
        raise TopicError(f"the topic vocabulary is malformed: {e}") from None


def _quads(papers: Sequence[Paper], iris: Sequence[ox.NamedNode], graphs: Sequence[ox.NamedNode],
           minter: Minter) -> Iterator[ox.Quad]:
    if not papers:
        return

    # The build activity of each source (named by SourceMapper.source_quads) ran this step too;
    # reusing it keeps the output deterministic (no second clock reading) and its shape valid.
    def activity(g: ox.NamedNode) -> ox.NamedNode:
        return ox.NamedNode(g.value + "/build")

    for g in dict.fromkeys(graphs):
        yield ox.Quad(activity(g), PROV.wasAssociatedWith, EXTRACTOR, g)
        yield ox.Quad(activity(g), PROV.used, ox.NamedNode(SCHEME), g)
    g0 = graphs[0]
    yield from software_agent_quads(EXTRACTOR, f"scholarly-kg topic extractor {EXTRACTOR_VERSION}",
                                    EXTRACTOR_VERSION, g0)

    matcher = default_matcher()
    vocab = matcher.vocab
    # Titles and abstracts are tokenized once; matches feed both the topics and the miner.
    parsed = matcher.parse([t for p in papers for t in (p.title, p.abstract_text or p.abstract)])
    per_paper = [parsed[k:k + 2] for k in range(0, len(parsed), 2)]
    for paper_iri, parts, g in zip(iris, per_paper, graphs, strict=True):

        def q(s: ox.NamedNode, p: ox.NamedNode, o: ox.Term, g: ox.NamedNode = g) -> ox.Quad:
            return ox.Quad(s, p, o, g)

        hits = matcher.hits(parts[0][1], parts[1][1])
        for concept in sorted({h.concept for h in hits}):
            yield q(paper_iri, KG.topic, ox.NamedNode(concept))
        for h in hits:
            node = ox.NamedNode(f"{paper_iri.value}/topic/{vocab.concepts[h.concept].slug}/{h.field}")
            yield q(node, RDF.type, KG.TopicAssignment)
            yield q(node, KG.paper, paper_iri)
            yield q(node, KG.topic, ox.NamedNode(h.concept))
            yield q(node, KG.matchedIn, _str(h.field))
            yield q(node, KG.matchCount, _int(h.count))
            yield q(node, PROV.wasGeneratedBy, activity(g))

    def q0(s: ox.NamedNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(s, p, o, g0)

    for k in mine_parsed(per_paper, top=CANDIDATES_PER_SOURCE):
        c = candidate_iri(k.phrase)
        yield q0(c, RDF.type, SKOS.Concept)
        yield q0(c, SKOS.inScheme, ox.NamedNode(CANDIDATE_SCHEME))
        yield q0(c, SKOS.prefLabel, ox.Literal(k.phrase, language="en"))
        yield q0(c, KG.candidate, ox.Literal("true", datatype=XSD.boolean))
        yield q0(c, KG.documentFrequency, _int(k.df))
        yield q0(c, KG.keyphraseScore, ox.Literal(f"{k.score:.3f}", datatype=XSD.decimal))
        yield q0(c, PROV.wasGeneratedBy, activity(g0))
        for i in k.papers:
            yield q0(iris[i], KG.candidateTopic, c)

    exclude = _vocabulary_labels()
    for paper, paper_iri, g in zip(papers, iris, graphs, strict=True):

        def q(s: ox.NamedNode, p: ox.NamedNode, o: ox.Term, g: ox.NamedNode = g) -> ox.Quad:
            return ox.Quad(s, p, o, g)

        for art in artifacts_of(paper, exclude):
            node = ox.NamedNode(f"{paper_iri.value}/artifact/{iri_segment(art.key)}")
            yield q(paper_iri, KG.proposes, node)
            yield q(node, RDF.type, KG.ProposedArtifact)
            yield q(node, RDFS.label, _str(art.name))
            for alias in art.aliases:
                yield q(node, SKOS.altLabel, ox.Literal(alias, language="en"))  # as the paper writes it
            yield q(node, KG.artifactType, _str(art.type))
            yield q(node, KG.matchedIn, _str(art.source))
            yield q(node, PROV.wasGeneratedBy, activity(g))
            for link in matching_repositories(art, paper.links):
                yield q(node, KG.hasRepository, minter.repository(link))
