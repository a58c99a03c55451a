"""``kg doctor``: what entity resolution did not merge but a person should look at.

* *likely duplicate people*: two or more person IRIs whose names have the same key (same
  name, different evidence: no shared identifier, no shared paper), and names that agree but
  for initials ("C. Wu" / "Chuhan Wu"), which are never merged automatically.  Each comes
  with its evidence (papers, sources, identifiers), to be settled in ``ontology/aliases.toml``;
* *near-duplicate titles*: papers whose title keys differ slightly (or are equal but were
  kept apart by their years or identifiers);
* *conflicts*: the merge log's refused unions and disagreeing author positions.

Everything is read from the store with SPARQL, so it works on any store built here.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from kg.names import name_key
from kg.store import KGStore

NEAR_TITLE_RATIO = 0.9

_PEOPLE = """
SELECT ?p ?name ?papers ?sources ?ids WHERE {
  { SELECT ?p (SAMPLE(?n) AS ?name) (COUNT(DISTINCT ?paper) AS ?papers)
           (GROUP_CONCAT(DISTINCT ?src; separator="|") AS ?sources) WHERE {
      ?p a foaf:Person ; foaf:name ?n .
      OPTIONAL { ?paper dcterms:creator ?p }
      OPTIONAL { GRAPH ?g { ?a pro:isHeldBy ?p } ?g dcterms:source ?src }
    } GROUP BY ?p }
  OPTIONAL { SELECT ?p (GROUP_CONCAT(DISTINCT ?id; separator="|") AS ?ids) WHERE {
      { ?p kg:orcid ?v BIND(CONCAT("orcid:", ?v) AS ?id) } UNION
      { ?p kg:openalexId ?v BIND(CONCAT("openalex:", ?v) AS ?id) } UNION
      { ?p kg:dblpName ?v BIND(CONCAT("dblp:", ?v) AS ?id) }
    } GROUP BY ?p }
} ORDER BY ?name ?p"""

_TITLES = """
SELECT ?paper ?title ?key ?year WHERE {
  ?paper a fabio:ResearchPaper ; dcterms:title ?title ; kg:titleKey ?key ; fabio:hasPublicationYear ?year .
} ORDER BY ?key ?paper"""

_CONFLICTS = """
SELECT ?c ?rule ?message (GROUP_CONCAT(DISTINCT ?where; separator=" / ") AS ?records) WHERE {
  ?c a kg:MergeConflict ; kg:rule ?rule ; rdfs:comment ?message ; kg:mergedRecord ?r .
  ?r kg:inSource ?g . ?g dcterms:source ?src .
  OPTIONAL { ?r kg:sourceLine ?l }
  OPTIONAL { ?r kg:recordNumber ?n }
  BIND(CONCAT(?src, ":", STR(COALESCE(?l, ?n, 0))) AS ?where)
} GROUP BY ?c ?rule ?message ORDER BY ?rule ?message"""


@dataclass(frozen=True)
class PersonEvidence:
    iri: str
    name: str
    papers: int
    sources: tuple[str, ...]
    ids: tuple[str, ...]


@dataclass(frozen=True)
class LikelyDuplicate:
    reason: str                     #: "same name" or "initials"
    people: tuple[PersonEvidence, ...]


@dataclass(frozen=True)
class NearTitle:
    ratio: float
    papers: tuple[tuple[str, str, int], ...]  #: (IRI, title, year)


@dataclass(frozen=True)
class ConflictRow:
    rule: str
    message: str
    records: str


@dataclass
class Diagnosis:
    people: list[LikelyDuplicate] = field(default_factory=list)
    titles: list[NearTitle] = field(default_factory=list)
    conflicts: list[ConflictRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return asdict(self)


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _initials_key(name: str) -> tuple[str, str] | None:
    """(family name, first initial) of a 'Given Family' name, for the initials check."""
    words = _WORD.findall(name_key(name))
    if len(words) < 2:
        return None
    return words[-1], words[0][0]


def _is_initials(name: str) -> bool:
    words = _WORD.findall(name_key(name))
    return len(words) >= 2 and all(len(w) == 1 for w in words[:-1])


def diagnose(store: KGStore) -> Diagnosis:
    """Likely duplicate people, near-duplicate titles and conflicts of the store."""
    out = Diagnosis()
    people: list[PersonEvidence] = []
    for r in store.query(_PEOPLE):
        people.append(PersonEvidence(
            r["p"].value, r["name"].value, int(r["papers"].value),
            tuple(sorted(filter(None, r["sources"].value.split("|")))) if r["sources"] else (),
            tuple(sorted(filter(None, r["ids"].value.split("|")))) if r["ids"] else ()))
    by_key: dict[str, list[PersonEvidence]] = defaultdict(list)
    by_initials: dict[tuple[str, str], list[PersonEvidence]] = defaultdict(list)
    for p in people:
        by_key[name_key(p.name)].append(p)
        if (k := _initials_key(p.name)) is not None:
            by_initials[k].append(p)
    for key in sorted(by_key):
        if len(by_key[key]) > 1:
            out.people.append(LikelyDuplicate("same name", tuple(by_key[key])))
    for k in sorted(by_initials):
        group = by_initials[k]
        short = [p for p in group if _is_initials(p.name)]
        full = [p for p in group if not _is_initials(p.name)]
        if short and full:
            out.people.append(LikelyDuplicate("initials", tuple(short + full)))

    rows = [(r["paper"].value, r["title"].value, r["key"].value, int(r["year"].value[:4]))
            for r in store.query(_TITLES)]
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (_, _, key, _) in enumerate(rows):
        words = key.split()
        blocks["<" + " ".join(words[:3])].append(i)
        blocks[">" + " ".join(words[-3:])].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    for a, b in sorted(pairs):
        (ia, ta, ka, ya), (ib, tb, kb, yb) = rows[a], rows[b]
        if ia == ib:
            continue
        ratio = 1.0 if ka == kb else difflib.SequenceMatcher(None, ka, kb).ratio()
        if ratio >= NEAR_TITLE_RATIO:
            out.titles.append(NearTitle(round(ratio, 3), ((ia, ta, ya), (ib, tb, yb))))
    out.titles.sort(key=lambda t: (-t.ratio, t.papers))
    out.conflicts = [ConflictRow(r["rule"].value, r["message"].value, r["records"].value)
                     for r in store.query(_CONFLICTS)]
    return out
