"""Networks read from the store with SPARQL: the projections that pictures and analysis share.

* :func:`coauthor_graph`   people; an edge per pair who wrote a paper together, ``weight`` =
  joint papers (the ``papers`` on it listed), as the library's ``coauthors`` query counts:
  every ``dcterms:creator`` of a paper, the profile owner inferred from a page included,
  each person once per paper.  Truncated author lists hide co-authors: counts are lower bounds.
* :func:`author_topic_graph`   people and topics (research topics ``kg:topic``, or arXiv
  categories ``dcterms:subject``), ``weight`` = the person's papers on the topic; bipartite.
* :func:`org_graph`   organizations (``kg:organizationTag``); an edge per pair of
  organizations on one paper, ``weight`` = such papers.
* :func:`paper_repository_graph`   papers and their code repositories; bipartite.

Each one selects papers with :mod:`kg.analysis.selection` (years, topic, organization) and
reads plain rows (:mod:`kg.analysis.source`), so it gives the same graph from the Oxigraph
store and from an rdflib copy of its triples.  Nodes are IRIs with ``kind`` and ``name``;
nodes and edges are inserted in sorted order, so that seeded algorithms (Louvain, sampled
betweenness) give the same answer however the engine orders its rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

import networkx as nx

from kg.analysis.selection import Filters, selection
from kg.analysis.source import Source, select

VIEWS = ("coauthors", "orgs", "topics", "categories", "repos")
TOPIC_SCHEMES = {"research": "kg:topic", "arxiv": "dcterms:subject"}

# No DISTINCT in the big reads: duplicates (a paper in two source graphs) are merged in Python,
# which costs less than Oxigraph's DISTINCT over every authorship row (1.1 s against 0.6 s for
# 40k rows).
_Q_CREATORS = """SELECT ?paper ?year ?person {vars} WHERE {{
  {where}
  ?paper dcterms:creator ?person .
}}"""

_Q_PEOPLE = """SELECT ?person ?name WHERE { ?person a foaf:Person ; foaf:name ?name }"""

_Q_ORG_TAGS = """SELECT DISTINCT ?paper ?year ?org {vars} WHERE {{
  {where}
  ?paper kg:organizationTag ?org .
}}"""

_Q_ORGS = """SELECT DISTINCT ?org ?slug ?label WHERE {
  ?org a org:Organization .
  OPTIONAL { ?org dcterms:identifier ?slug }
  OPTIONAL { ?org rdfs:label ?label }
}"""

_Q_TOPICS = """SELECT DISTINCT ?paper ?topic {vars} WHERE {{
  {where}
  ?paper {prop} ?topic .
}}"""

_Q_CONCEPTS = """SELECT DISTINCT ?topic ?notation ?label WHERE {
  ?topic a skos:Concept .
  OPTIONAL { ?topic skos:notation ?notation }
  OPTIONAL { ?topic skos:prefLabel ?label FILTER(LANG(?label) IN ("", "en")) }
}"""

_Q_REPOS = """SELECT DISTINCT ?paper ?year ?title ?repo {vars} WHERE {{
  {where}
  ?paper kg:hasRepository ?repo ; dcterms:title ?title .
}}"""

_Q_REPO_NAMES = """SELECT DISTINCT ?repo ?name ?url WHERE {
  ?repo a schema:SoftwareSourceCode .
  OPTIONAL { ?repo schema:name ?name }
  OPTIONAL { ?repo schema:codeRepository ?url }
}"""

_Q_PAPER = """SELECT DISTINCT ?paper ?title ?year WHERE {
  ?paper a fabio:ResearchPaper ; dcterms:title ?title ; fabio:hasPublicationYear ?year .
}"""  # with ?paper bound


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _rows(source: Source, template: str, filters: Filters, **fmt: str) -> list[tuple[str | None, ...]]:
    names, where, subs = selection(source, filters)
    return list(select(source, template.format(vars=names, where=where, **fmt), subs))


def person_names(source: Source) -> dict[str, str]:
    """Person IRI -> name (the smallest, when sources spell a person differently)."""
    names: dict[str, str] = {}
    for person, name in select(source, _Q_PEOPLE):
        assert person is not None and name is not None
        names[person] = min(names.get(person, name), name)
    return names


def authorships(source: Source, filters: Filters | None = None
                ) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The selected papers (IRI -> year) and their ``(paper, person)`` authorships, sorted.

    A paper two sources date differently gets the earlier year (as the pictures do).
    """
    years: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    for paper, year, person, *_ in _rows(source, _Q_CREATORS, filters or Filters()):
        assert paper is not None and year is not None and person is not None
        y = int(year)
        years[paper] = min(years.get(paper, y), y)
        pairs.add((paper, person))
    return years, sorted(pairs)


def coauthor_graph_from_authorships(years: dict[str, int], pairs: Iterable[tuple[str, str]],
                                    names: dict[str, str]) -> nx.Graph:
    """People (``name``, ``papers``, ``paper_iris``) and co-author edges (``weight`` = joint
    papers, ``paper_iris``); ``graph["paper_year"]`` maps each paper to its year.

    The one place a co-author network is built, from the store (:func:`coauthor_graph`) or
    from the papers of a picture (:func:`kg.analysis.coauthors.coauthor_graph_from_papers`).
    """
    by_paper: dict[str, set[str]] = defaultdict(set)
    for paper, person in pairs:
        by_paper[paper].add(person)
    g = nx.Graph(paper_year=dict(sorted(years.items())))
    people = sorted({p for team in by_paper.values() for p in team})
    for person in people:
        g.add_node(person, kind="person", name=names.get(person) or _local(person), papers=0, paper_iris=[])
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paper in sorted(by_paper):
        team = sorted(by_paper[paper])
        for person in team:
            g.nodes[person]["papers"] += 1
            g.nodes[person]["paper_iris"].append(paper)
        for a, b in combinations(team, 2):
            edges[a, b].append(paper)
    for (a, b), papers in sorted(edges.items()):
        g.add_edge(a, b, weight=len(papers), paper_iris=papers)
    return g


def coauthor_graph(source: Source, filters: Filters | None = None) -> nx.Graph:
    """The co-author network of the selected papers (see the module docstring)."""
    years, pairs = authorships(source, filters)
    return coauthor_graph_from_authorships(years, pairs, person_names(source))


def author_topic_graph(source: Source, filters: Filters | None = None, *, scheme: str = "research"
                       ) -> nx.Graph:
    """People and topics of the selected papers; ``weight`` = the person's papers on the topic.

    ``scheme``: ``"research"`` (the fine-grained topics of ``ontology/topics.ttl``) or
    ``"arxiv"`` (arXiv categories).  Person nodes have ``bipartite=0``, topics ``bipartite=1``.
    """
    if scheme not in TOPIC_SCHEMES:
        raise ValueError(f"unknown topic scheme {scheme!r}; choose one of {', '.join(TOPIC_SCHEMES)}")
    filters = filters or Filters()
    years, pairs = authorships(source, filters)
    topics: dict[str, set[str]] = defaultdict(set)
    for paper, topic, *_ in _rows(source, _Q_TOPICS, filters, prop=TOPIC_SCHEMES[scheme]):
        assert paper is not None and topic is not None
        topics[paper].add(topic)
    labels: dict[str, str] = {}
    for topic, notation, label in select(source, _Q_CONCEPTS):
        assert topic is not None
        text = label or notation or _local(topic)
        labels[topic] = min(labels.get(topic, text), text)
    names = person_names(source)
    weights: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paper, person in pairs:
        for topic in sorted(topics.get(paper, ())):
            weights[person, topic].append(paper)
    g = nx.Graph(paper_year=dict(sorted(years.items())), scheme=scheme)
    for person in sorted({p for p, _ in weights}):
        g.add_node(person, kind="person", name=names.get(person) or _local(person), bipartite=0, papers=0)
    for topic in sorted({t for _, t in weights}):
        g.add_node(topic, kind="topic", name=labels.get(topic) or _local(topic), bipartite=1, papers=0)
    counts: dict[str, set[str]] = defaultdict(set)
    for (person, topic), papers in sorted(weights.items()):
        g.add_edge(person, topic, weight=len(papers), paper_iris=papers)
        counts[person].update(papers)
        counts[topic].update(papers)
    for node, papers in counts.items():
        g.nodes[node]["papers"] = len(papers)
    return g


def org_graph(source: Source, filters: Filters | None = None) -> nx.Graph:
    """Organizations of the selected papers; an edge per pair tagged on one paper (``weight``)."""
    years: dict[str, int] = {}
    orgs: dict[str, set[str]] = defaultdict(set)
    for paper, year, org, *_ in _rows(source, _Q_ORG_TAGS, filters or Filters()):
        assert paper is not None and year is not None and org is not None
        years[paper] = min(years.get(paper, int(year)), int(year))
        orgs[paper].add(org)
    labels: dict[str, tuple[str, str]] = {}
    for org, slug, label in select(source, _Q_ORGS):
        assert org is not None
        cand = (label or slug or _local(org), slug or _local(org))
        labels[org] = min(labels.get(org, cand), cand)
    g = nx.Graph(paper_year=dict(sorted(years.items())))
    for org in sorted({o for team in orgs.values() for o in team}):
        name, slug = labels.get(org, (_local(org), _local(org)))
        g.add_node(org, kind="organization", name=name, slug=slug, papers=0, paper_iris=[])
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paper in sorted(orgs):
        team = sorted(orgs[paper])
        for org in team:
            g.nodes[org]["papers"] += 1
            g.nodes[org]["paper_iris"].append(paper)
        for a, b in combinations(team, 2):
            edges[a, b].append(paper)
    for (a, b), papers in sorted(edges.items()):
        g.add_edge(a, b, weight=len(papers), paper_iris=papers)
    return g


def paper_repository_graph(source: Source, filters: Filters | None = None) -> nx.Graph:
    """The selected papers that link code, and their repositories (``bipartite`` 0 and 1)."""
    papers: dict[str, tuple[str, int]] = {}
    links: set[tuple[str, str]] = set()
    for paper, year, title, repo, *_ in _rows(source, _Q_REPOS, filters or Filters()):
        assert paper is not None and year is not None and title is not None and repo is not None
        cand = (title, int(year))
        papers[paper] = min(papers.get(paper, cand), cand)
        links.add((paper, repo))
    repos: dict[str, tuple[str, str]] = {}
    for repo, name, url in select(source, _Q_REPO_NAMES):
        assert repo is not None
        cand = (name or _local(repo), url or "")
        repos[repo] = min(repos.get(repo, cand), cand)
    g = nx.Graph(paper_year={p: y for p, (_, y) in sorted(papers.items())})
    for paper, (title, year) in sorted(papers.items()):
        g.add_node(paper, kind="paper", name=title, year=year, bipartite=0)
    for repo in sorted({r for _, r in links}):
        name, url = repos.get(repo, (_local(repo), ""))
        g.add_node(repo, kind="repository", name=name, url=url, bipartite=1)
    for paper, repo in sorted(links):
        g.add_edge(paper, repo, weight=1)
    for node in g:
        g.nodes[node]["papers"] = 1 if g.nodes[node]["kind"] == "paper" else g.degree(node)
    return g


def projection(source: Source, view: str = "coauthors", filters: Filters | None = None) -> nx.Graph:
    """The network of one view: ``coauthors``, ``orgs``, ``topics`` (people and research
    topics), ``categories`` (people and arXiv categories) or ``repos``."""
    if view == "coauthors":
        return coauthor_graph(source, filters)
    if view == "orgs":
        return org_graph(source, filters)
    if view == "topics":
        return author_topic_graph(source, filters, scheme="research")
    if view == "categories":
        return author_topic_graph(source, filters, scheme="arxiv")
    if view == "repos":
        return paper_repository_graph(source, filters)
    from kg.analysis.selection import AnalysisError

    raise AnalysisError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")


def paper_titles(source: Source, papers: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Paper IRI -> (title, year) for the given papers (the smallest title if sources differ)."""
    import pyoxigraph as ox

    out: dict[str, tuple[str, int]] = {}
    for iri in sorted(set(papers)):
        for _, title, year in select(source, _Q_PAPER, {"paper": ox.NamedNode(iri)}):
            assert title is not None and year is not None
            cand = (title, int(year))
            out[iri] = min(out.get(iri, cand), cand)
    return out
