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

from collections.abc import Iterable, Iterator
from functools import lru_cache

import pyoxigraph as ox

from kg.models import ProfileRecords
from kg.names import iri_segment
from kg.rdf.mapping import ProfileMapper
from kg.rdf.namespaces import KG, PROV, RDF, RDFS, SCHEMA, SKOS, SOFTWARE, XSD
from kg.topics.artifacts import artifacts_of, matching_repositories
from kg.topics.keyphrases import mine_parsed
from kg.topics.matcher import default_matcher
from kg.topics.vocab import CANDIDATE_SCHEME, SCHEME, TOPIC_BASE, VocabularyError, load_vocabulary

EXTRACTOR_VERSION = "1.0.0"
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


def topic_quads(records: ProfileRecords, mapper: ProfileMapper) -> Iterable[ox.Quad]:
    """Topic assignments, candidate keyphrases and proposed artifacts of one source.

    A malformed vocabulary refuses the build (``BuildError`` naming the file and problem),
    so ``kg build`` reports it like any other refused source and writes nothing.
    """
    try:
        return list(_quads(records, mapper))
    except VocabularyError as e:
        from kg.builder import BuildError  # kg.builder imports this module lazily, so no cycle

        raise BuildError(f"the topic vocabulary is malformed: {e}") from None


def _quads(records: ProfileRecords, mapper: ProfileMapper) -> Iterator[ox.Quad]:
    g = mapper.graph
    papers = records.papers
    if not papers:
        return
    # The build activity of the source (named by ProfileMapper.source_quads) ran this step too;
    # reusing it keeps the output deterministic (no second clock reading) and its shape valid.
    activity = ox.NamedNode(g.value + "/build")

    def q(s: ox.NamedNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(s, p, o, g)

    yield q(activity, PROV.wasAssociatedWith, EXTRACTOR)
    yield q(activity, PROV.used, ox.NamedNode(SCHEME))
    yield q(EXTRACTOR, RDF.type, PROV.SoftwareAgent)
    yield q(EXTRACTOR, RDF.type, SCHEMA.SoftwareApplication)  # what schema:softwareVersion describes
    yield q(EXTRACTOR, RDFS.label, _str(f"scholarly-kg topic extractor {EXTRACTOR_VERSION}"))
    yield q(EXTRACTOR, SCHEMA.softwareVersion, _str(EXTRACTOR_VERSION))

    matcher = default_matcher()
    vocab = matcher.vocab
    # Titles and abstracts are tokenized once; matches feed both the topics and the miner.
    parsed = matcher.parse([t for p in papers for t in (p.title, p.abstract_text or p.abstract)])
    per_paper = [parsed[k:k + 2] for k in range(0, len(parsed), 2)]
    iris = [mapper.m.paper(p) for p in papers]
    for paper_iri, parts in zip(iris, per_paper, strict=True):
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
            yield q(node, PROV.wasGeneratedBy, activity)

    for k in mine_parsed(per_paper, top=CANDIDATES_PER_SOURCE):
        c = candidate_iri(k.phrase)
        yield q(c, RDF.type, SKOS.Concept)
        yield q(c, SKOS.inScheme, ox.NamedNode(CANDIDATE_SCHEME))
        yield q(c, SKOS.prefLabel, ox.Literal(k.phrase, language="en"))
        yield q(c, KG.candidate, ox.Literal("true", datatype=XSD.boolean))
        yield q(c, KG.documentFrequency, _int(k.df))
        yield q(c, KG.keyphraseScore, ox.Literal(f"{k.score:.3f}", datatype=XSD.decimal))
        yield q(c, PROV.wasGeneratedBy, activity)
        for i in k.papers:
            yield q(iris[i], KG.candidateTopic, c)

    exclude = _vocabulary_labels()
    for paper, paper_iri in zip(papers, iris, strict=True):
        for art in artifacts_of(paper, exclude):
            node = ox.NamedNode(f"{paper_iri.value}/artifact/{iri_segment(art.key)}")
            yield q(paper_iri, KG.proposes, node)
            yield q(node, RDF.type, KG.ProposedArtifact)
            yield q(node, RDFS.label, _str(art.name))
            for alias in art.aliases:
                yield q(node, SKOS.altLabel, ox.Literal(alias, language="en"))  # as the paper writes it
            yield q(node, KG.artifactType, _str(art.type))
            yield q(node, KG.matchedIn, _str(art.source))
            yield q(node, PROV.wasGeneratedBy, activity)
            for link in matching_repositories(art, paper.links):
                yield q(node, KG.hasRepository, mapper.m.repository(link))
