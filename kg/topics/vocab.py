"""The research-topic vocabulary (``ontology/topics.ttl``), read once into plain Python.

The Turtle file is the one source of truth: the matcher, the RDF step and the tests all read
it through :func:`load_vocabulary`, so promoting a keyphrase is an edit of that file only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.resources import ontology_dir

TOPICS_FILE = "topics.ttl"
TOPIC_BASE = "https://w3id.org/scholarly-kg/topic/"
SCHEME = TOPIC_BASE + "scheme"
CANDIDATE_SCHEME = TOPIC_BASE + "candidates"
ARXIV_BASE = "https://w3id.org/scholarly-kg/arxiv/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class VocabularyError(ValueError):
    """The vocabulary file is malformed (message names the file and the problem)."""


def is_acronym(label: str) -> bool:
    """Short labels with several capitals (``LLM``, ``LLMs``, ``CoT``) match case-sensitively.

    Lower-cased they collide with words ("it", "cot", "nag"), so only their exact spelling counts.
    """
    return " " not in label and len(label) <= 6 and sum(c.isupper() for c in label) >= 2


def label_key(label: str) -> str:
    """How labels are compared for uniqueness: acronyms exactly, others case-folded."""
    return label if is_acronym(label) else label.casefold().replace("\u2013", "-")


@dataclass(frozen=True)
class Concept:
    """One topic: its IRI, labels and broader links (topic or arXiv IRIs)."""

    iri: str
    pref_label: str
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    close_match: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.iri.removeprefix(TOPIC_BASE)


@dataclass(frozen=True)
class Vocabulary:
    """All concepts of the scheme, by IRI, with a label index."""

    path: Path
    concepts: dict[str, Concept]
    labels: dict[str, str] = field(default_factory=dict)  # label_key -> concept IRI

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts[k] for k in sorted(self.concepts))

    def lookup(self, label: str) -> Concept | None:
        """The concept with this preferred, alternative or hidden label."""
        iri = self.labels.get(label_key(label))
        return self.concepts[iri] if iri else None

    def ancestors(self, iri: str) -> list[str]:
        """Every broader concept (topics and arXiv categories), nearest first, no repeats."""
        seen: list[str] = []
        todo = list(self.concepts[iri].broader) if iri in self.concepts else []
        while todo:
            b = todo.pop(0)
            if b not in seen:
                seen.append(b)
                if b in self.concepts:
                    todo.extend(self.concepts[b].broader)
        return seen


def read_vocabulary(path: Path) -> Vocabulary:
    """Parse a SKOS Turtle file into a :class:`Vocabulary`, refusing shared labels."""
    props: dict[str, dict[str, list[str]]] = {}
    try:
        with path.open("rb") as f:
            for t in ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
                s, p = t.subject.value, t.predicate.value
                if s.startswith(TOPIC_BASE) and s not in (SCHEME, CANDIDATE_SCHEME):
                    props.setdefault(s, {}).setdefault(p, []).append(t.object.value)
    except SyntaxError as e:
        raise VocabularyError(f"{path}: {e}") from None
    concepts: dict[str, Concept] = {}
    labels: dict[str, str] = {}
    for iri in sorted(props):
        p = props[iri]
        if _SKOS + "Concept" not in p.get(_RDF_TYPE, []):
            continue
        prefs = p.get(_SKOS + "prefLabel", [])
        if len(prefs) != 1:
            raise VocabularyError(f"{path}: <{iri}> needs exactly one skos:prefLabel, has {len(prefs)}")
        c = Concept(iri, prefs[0], *(tuple(sorted(p.get(_SKOS + k, [])))
                                     for k in ("altLabel", "hiddenLabel", "broader", "closeMatch")))
        concepts[iri] = c
        for label in (c.pref_label, *c.alt_labels, *c.hidden_labels):
            k = label_key(label)
            if labels.get(k, iri) != iri:
                raise VocabularyError(f"{path}: label {label!r} belongs to both <{labels[k]}> and <{iri}>")
            labels[k] = iri
    for c in concepts.values():
        for b in c.broader:
            if b not in concepts and not b.startswith(ARXIV_BASE):
                raise VocabularyError(f"{path}: <{c.iri}> has skos:broader <{b}>, "
                                      "which is not in the vocabulary")
    return Vocabulary(path, concepts, labels)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The shipped vocabulary (cached), or another SKOS file with the same conventions."""
    return read_vocabulary(path or ontology_dir() / TOPICS_FILE)
