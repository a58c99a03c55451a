"""Topic profiles read back from a built store: what an author (or the graph) works on."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.names import name_key
from kg.store import KGStore


class UnknownAuthor(LookupError):
    """No person (or several different people) in the graph have that name."""


@dataclass(frozen=True)
class TopicRow:
    """One line of a topic profile."""

    topic: str
    label: str
    papers: int
    title_papers: int
    first_year: int
    last_year: int


@dataclass(frozen=True)
class CandidateRow:
    phrase: str
    papers: int
    score: float


_PROFILE = """
SELECT %(who)s ?topic ?label (COUNT(DISTINCT ?paper) AS ?papers) (COUNT(DISTINCT ?in_title) AS ?title_papers)
       (MIN(xsd:integer(STR(?pubyear))) AS ?first) (MAX(xsd:integer(STR(?pubyear))) AS ?last)
WHERE {
  %(where)s
  ?paper kg:topic ?topic ; fabio:hasPublicationYear ?pubyear .
  OPTIONAL { ?a kg:paper ?paper ; kg:topic ?topic ; kg:matchedIn "title" . BIND(?paper AS ?in_title) }
  OPTIONAL { ?topic skos:prefLabel ?label }
}
GROUP BY %(who)s ?topic ?label
ORDER BY DESC(?papers) DESC(?title_papers) ?label ?topic
"""

_PEOPLE = "SELECT DISTINCT ?person ?name WHERE { ?person a foaf:Person ; foaf:name ?name }"

_CANDIDATES = """
SELECT ?phrase (COUNT(DISTINCT ?paper) AS ?papers) (MAX(?s) AS ?score) WHERE {
  ?c kg:candidate true ; skos:prefLabel ?phrase ; kg:keyphraseScore ?s .
  ?paper kg:candidateTopic ?c .
} GROUP BY ?phrase ORDER BY DESC(?score) DESC(?papers) ?phrase
"""


def find_person(store: KGStore, name: str) -> ox.NamedNode:
    """The one person whose name has the same :func:`name_key` as ``name``."""
    key = name_key(name)
    found = {row["person"] for row in store.query(_PEOPLE) if name_key(row["name"].value) == key}
    if len(found) != 1:
        what = "no person" if not found else f"{len(found)} different people"
        raise UnknownAuthor(f"{what} named {name!r} in the graph")
    return next(iter(found))


def topic_profile(store: KGStore, author: str | None = None, top: int | None = None) -> list[TopicRow]:
    """Topics with their paper counts and first/last year, for one author or the whole graph.

    ``title_papers`` counts papers whose title names the topic (the strongest evidence).
    """
    if author is None:
        rows = store.query(_PROFILE % {"who": "", "where": ""})
    else:
        person = find_person(store, author)
        # The person is bound as a value (substitutions), never pasted into the query text;
        # Oxigraph binds only projected variables, hence ?person in SELECT and GROUP BY.
        rows = store.query(_PROFILE % {"who": "?person", "where": "?paper dcterms:creator ?person ."},
                           substitutions={ox.Variable("person"): person})
    out = [TopicRow(r["topic"].value, r["label"].value if r["label"] else r["topic"].value,
                    int(r["papers"].value), int(r["title_papers"].value), int(r["first"].value),
                    int(r["last"].value)) for r in rows]
    return out[:top] if top is not None else out


def candidate_keyphrases(store: KGStore, top: int | None = None) -> list[CandidateRow]:
    """Mined keyphrases (candidate concepts), best first."""
    out = [CandidateRow(r["phrase"].value, int(r["papers"].value), float(r["score"].value))
           for r in store.query(_CANDIDATES)]
    return out[:top] if top is not None else out
