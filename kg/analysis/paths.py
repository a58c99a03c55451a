"""Collaboration paths in the co-author projection: how two people are connected, and who
is within k co-authorship steps of someone.

A step is a pair of people who wrote a paper together (the projection's edge); each step of
a path lists its joint papers with their years.  Paths can only get shorter as truncated
author lists are completed, so lengths are upper bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any

import networkx as nx

from kg.analysis.coauthors import find_person
from kg.analysis.projections import paper_titles
from kg.analysis.selection import AnalysisError
from kg.analysis.source import Source

MAX_PATHS = 10
# All shortest paths can be exponentially many: at most this many are enumerated, then sorted.
ENUMERATED = 10_000


def resolve(g: nx.Graph, who: str) -> str:
    """The node of ``who`` (an IRI of the graph, or a name matched like IRIs are)."""
    if who in g:
        return who
    return find_person(g, who)


def _name(g: nx.Graph, v: str) -> str:
    return str(g.nodes[v].get("name", v))


@dataclass
class PathResult:
    """The shortest paths between two people, each step with its joint papers."""

    source: str
    target: str
    hops: int
    paths: list[list[str]]
    found: int  # shortest paths enumerated (capped at ENUMERATED)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "hops": self.hops, "found": self.found,
                "complete": self.found < ENUMERATED, "steps": self.rows}


def shortest_paths(source: Source | None, g: nx.Graph, a: str, b: str, *, max_paths: int = MAX_PATHS
                   ) -> PathResult:
    """Up to ``max_paths`` shortest paths from ``a`` to ``b`` (sorted by the names along them).

    ``source`` is where paper titles are looked up (None: titles left out).
    """
    if max_paths < 1:
        raise AnalysisError("--max-paths must be at least 1")
    u, v = resolve(g, a), resolve(g, b)
    if u == v:
        raise AnalysisError(f"{_name(g, u)} and {_name(g, v)} are the same person")
    for x in (u, v):
        if g.degree(x) == 0:
            raise AnalysisError(f"{_name(g, x)} has no co-authors in the selected papers")
    try:
        found = list(islice(nx.all_shortest_paths(g, u, v), ENUMERATED))
    except nx.NetworkXNoPath:
        raise AnalysisError(f"no collaboration path between {_name(g, u)} and {_name(g, v)} "
                            "in the selected papers (they are in different components)") from None
    found.sort(key=lambda p: ([_name(g, x) for x in p], p))
    paths = found[:max_paths]
    papers = sorted({p for path in paths for x, y in pairwise(path)
                     for p in g.edges[x, y]["paper_iris"]})
    titles = paper_titles(source, papers) if source is not None else {}
    years = g.graph.get("paper_year", {})
    rows: list[dict[str, Any]] = []
    for i, path in enumerate(paths, 1):
        for hop, (x, y) in enumerate(pairwise(path), 1):
            joint = sorted(g.edges[x, y]["paper_iris"],
                           key=lambda p: (-years.get(p, 0), titles.get(p, ("", 0))[0], p))
            ys = sorted(years[p] for p in joint if p in years)
            span = "" if not ys else str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"
            rows.append({"path": i, "hop": hop, "from": x, "from_name": _name(g, x), "to": y,
                         "to_name": _name(g, y), "joint_papers": len(joint),
                         "years": span,
                         "papers": [{"iri": p, "year": years.get(p), "title": titles.get(p, ("", 0))[0]}
                                    for p in joint]})
    return PathResult(u, v, len(paths[0]) - 1, paths, len(found), rows)


def within(g: nx.Graph, a: str, k: int) -> list[dict[str, Any]]:
    """The people within ``k`` co-authorship steps of ``a``, nearest first (``a`` left out).

    ``distance`` is the number of steps; ``via`` the first co-author on one shortest path
    (the one whose name sorts first; None for a co-author), ``joint_papers`` the papers
    written with ``a`` itself.
    """
    if k < 1:
        raise AnalysisError("--within must be at least 1")
    u = resolve(g, a)
    if g.degree(u) == 0:
        raise AnalysisError(f"{_name(g, u)} has no co-authors in the selected papers")
    dist = nx.single_source_shortest_path_length(g, u, cutoff=k)
    # The first step of a shortest path to each person: for a neighbour, itself; further out,
    # the smallest-named first step among the shortest paths' predecessors.
    first: dict[str, str] = {}
    for x in sorted(dist, key=lambda x: dist[x]):
        if dist[x] == 1:
            first[x] = x
        elif dist[x] > 1:
            steps = {first[p] for p in g[x] if dist.get(p) == dist[x] - 1}
            first[x] = min(steps, key=lambda s: (_name(g, s), s))
    rows = [{"person": x, "name": _name(g, x), "distance": d, "via": _name(g, first[x]) if d > 1 else None,
             "joint_papers": g.edges[u, x]["weight"] if d == 1 else 0, "papers": g.nodes[x].get("papers", 0)}
            for x, d in dist.items() if x != u]
    rows.sort(key=lambda r: (r["distance"], -r["joint_papers"], r["name"], r["person"]))
    return rows
