"""The co-author network, read from the store with SPARQL, as a networkx graph.

Filters (years, topic, organization) select *papers*; people and co-author edges are then
derived from the authorships of the selected papers.  All filter values are bound as SPARQL
substitutions, never pasted into the query text.  Analysis (communities, centrality) is
delegated to networkx; this module only shapes the data.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import pyoxigraph as ox

from kg.analysis.projections import coauthor_graph as projected_coauthors
from kg.analysis.projections import coauthor_graph_from_authorships
from kg.analysis.selection import AnalysisError, Filters, selection
from kg.analysis.source import Source
from kg.names import name_key
from kg.rdf.namespaces import KG
from kg.store import KGStore


@dataclass(frozen=True)
class Author:
    iri: str
    name: str
    position: int | None
    inferred: bool


@dataclass
class PaperFacts:
    """What the pictures show about one paper (plain strings and numbers)."""

    iri: str
    title: str
    year: int
    arxiv_id: str | None = None
    has_code: bool = False
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, notation, label)
    org: tuple[str, str, str] | None = None  # (iri, slug, label)
    repos: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, name, url)
    authors: list[Author] = field(default_factory=list)

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None


_Q_PAPERS = """
SELECT DISTINCT ?paper ?title ?year ?arxiv ?code {vars} WHERE {{
  {where}
  ?paper dcterms:title ?title .
  OPTIONAL {{ ?paper kg:arxivId ?arxiv }}
  OPTIONAL {{ ?paper kg:hasCode ?code }}
}}"""

_Q_AUTHORS = """
SELECT ?paper ?person ?name ?pos ?ev WHERE {
  ?paper a fabio:ResearchPaper ; kg:hasAuthorship ?a .
  ?a pro:isHeldBy ?person ; kg:authorshipEvidence ?ev .
  OPTIONAL { ?a kg:position ?pos }
  OPTIONAL { ?person foaf:name ?name }
}"""

_Q_SUBJECTS = """
SELECT ?paper ?c ?notation ?label ?primary WHERE {
  ?paper a fabio:ResearchPaper ; dcterms:subject ?c .
  OPTIONAL { ?c skos:notation ?notation }
  OPTIONAL { ?c skos:prefLabel ?label FILTER(LANG(?label) IN ("", "en")) }
  BIND(EXISTS { ?paper kg:primaryCategory ?c } AS ?primary)
}"""

_Q_ORGS = """
SELECT ?paper ?o ?slug ?label WHERE {
  ?paper a fabio:ResearchPaper ; kg:organizationTag ?o .
  OPTIONAL { ?o dcterms:identifier ?slug }
  OPTIONAL { ?o rdfs:label ?label }
}"""

_Q_REPOS = """
SELECT ?paper ?r ?name ?url WHERE {
  ?paper a fabio:ResearchPaper ; kg:hasRepository ?r .
  OPTIONAL { ?r schema:name ?name }
  OPTIONAL { ?r schema:codeRepository ?url }
}"""


def _v(term: ox.Term | None) -> str | None:
    return None if term is None else term.value


def paper_facts(store: KGStore, filters: Filters | None = None) -> list[PaperFacts]:
    """The papers that pass ``filters``, with authors, categories, org and repositories.

    Sorted by paper IRI so that everything built from them is deterministic.
    """
    names_, where, bindings = selection(store, filters or Filters())
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    papers: dict[str, PaperFacts] = {}
    for row in store.query(_Q_PAPERS.format(vars=names_, where=where), substitutions=subs or None):
        iri = row["paper"].value
        year = int(row["year"].value)
        title = row["title"].value
        code = _v(row["code"]) == "true"
        old = papers.get(iri)
        if old is None:
            papers[iri] = PaperFacts(iri, title, year, _v(row["arxiv"]), code)
        else:  # the same paper from two sources: keep a deterministic choice
            old.title, old.year = min(old.title, title), min(old.year, year)
            old.has_code = old.has_code or code
            old.arxiv_id = old.arxiv_id or _v(row["arxiv"])
    names: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for row in store.query(_Q_AUTHORS):
        iri = row["paper"].value
        if iri not in papers:
            continue
        person = row["person"].value
        name = _v(row["name"]) or person.rsplit("/", 1)[-1]
        names[person] = min(names.get(person, name), name)
        if (iri, person) in seen:
            continue
        seen.add((iri, person))
        pos = _v(row["pos"])
        papers[iri].authors.append(Author(person, name, int(pos) if pos else None,
                                          row["ev"] == KG.inferredFromProfile))
    cats: dict[str, dict[str, tuple[bool, str, str]]] = defaultdict(dict)
    for row in store.query(_Q_SUBJECTS):
        iri = row["paper"].value
        if iri in papers:
            c = row["c"].value
            notation = _v(row["notation"]) or c.rsplit("/", 1)[-1]
            cats[iri][c] = (row["primary"].value != "true", notation, _v(row["label"]) or notation)
    for row in store.query(_Q_ORGS):
        iri = row["paper"].value
        if iri in papers:
            o = row["o"].value
            slug = _v(row["slug"]) or o.rsplit("/", 1)[-1]
            cand = (o, slug, _v(row["label"]) or slug)
            old = papers[iri].org
            papers[iri].org = cand if old is None else min(old, cand)
    repos: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for row in store.query(_Q_REPOS):
        iri = row["paper"].value
        if iri in papers:
            r = row["r"].value
            repos[iri].add((r, _v(row["name"]) or r.rsplit("/", 1)[-1], _v(row["url"]) or ""))
    for iri, p in papers.items():
        p.authors = sorted((Author(a.iri, names[a.iri], a.position, a.inferred) for a in p.authors),
                           key=lambda a: (a.position is None, a.position or 0, a.name, a.iri))
        p.categories = [(c, n, label) for c, (_, n, label) in
                        sorted(cats[iri].items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0]))]
        p.repos = sorted(repos[iri])
    return [papers[k] for k in sorted(papers)]


def coauthor_graph_from_papers(papers: Iterable[PaperFacts]) -> nx.Graph:
    """People (node = person IRI; ``name``, ``papers``, ``paper_iris``) and co-author edges
    (``weight`` = joint papers, ``paper_iris``): the projection's graph of these papers."""
    papers = list(papers)
    names = {a.iri: a.name for p in papers for a in p.authors}
    return coauthor_graph_from_authorships({p.iri: p.year for p in papers},
                                           [(p.iri, a.iri) for p in papers for a in p.authors], names)


def coauthor_graph(store: Source, *, since: int | None = None, until: int | None = None,
                   topic: str | None = None, org: str | None = None) -> nx.Graph:
    """The co-author graph of the papers in ``store`` that pass the filters
    (:func:`kg.analysis.projections.coauthor_graph`).

    >>> g = coauthor_graph(store, since=2022, topic="IR")  # doctest: +SKIP
    >>> g.edges["…/person/chuhan_wu", "…/person/fangzhao_wu"]["weight"]  # doctest: +SKIP
    """
    return projected_coauthors(store, Filters(since, until, topic, org))


def min_weight(g: nx.Graph, weight: int) -> nx.Graph:
    """A copy keeping edges of at least ``weight`` joint papers (isolated people are kept)."""
    h = g.copy()
    h.remove_edges_from([(a, b) for a, b, w in g.edges(data="weight", default=1) if w < weight])
    return h


def communities(g: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> list[frozenset[str]]:
    """Louvain communities with a fixed seed, largest first (ties by smallest member)."""
    if g.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=seed)
    return sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(c)))


def community_of(g: nx.Graph, *, seed: int = 42) -> dict[str, int]:
    """Node -> community index (0 = largest)."""
    return {n: i for i, c in enumerate(communities(g, seed=seed)) for n in c}


def metrics(g: nx.Graph) -> dict[str, dict[str, float]]:
    """Per node: ``degree`` (co-authors), ``weighted_degree`` (joint papers summed) and
    ``betweenness`` (normalised, unweighted)."""
    between = nx.betweenness_centrality(g) if g.number_of_nodes() <= 5000 else \
        nx.betweenness_centrality(g, k=500, seed=42)
    wdeg = dict(g.degree(weight="weight"))
    return {n: {"degree": float(g.degree(n)), "weighted_degree": float(wdeg[n]),
                "betweenness": between[n]} for n in g}


def most_connected(g: nx.Graph, n: int) -> list[str]:
    """The ``n`` nodes with most neighbours (ties: more joint papers, then name, then id)."""
    if n < 0:
        raise AnalysisError("--top must be positive")
    wdeg = dict(g.degree(weight="weight"))
    ranked = sorted(g, key=lambda v: (-g.degree(v), -wdeg[v], str(g.nodes[v].get("name", "")), str(v)))
    return ranked[:n]


def find_person(g: nx.Graph, name: str) -> str:
    """The node of the person called ``name`` (matched like IRIs are: case, accents, spaces)."""
    key = name_key(name)
    hits = sorted(v for v, d in g.nodes(data=True) if name_key(str(d.get("name", ""))) == key)
    if hits:
        return hits[0]
    names = sorted({str(d.get("name", "")) for _, d in g.nodes(data=True)})
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise AnalysisError(f"no person named {name!r} in the selected papers{hint}")


def ego(g: nx.Graph, focus: str, hops: int = 1) -> nx.Graph:
    """The people within ``hops`` co-author steps of the person named ``focus``."""
    if hops < 0:
        raise AnalysisError("--hops must be 0 or more")
    return nx.ego_graph(g, find_person(g, focus), radius=hops).copy()
