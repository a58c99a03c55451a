"""Network metrics of a projection: centralities, cohesion, communities, brokers, components.

Everything is networkx; this module picks the algorithms, makes them deterministic and
states how each number was obtained:

* ``degree`` (neighbours) and ``weighted_degree`` (the sum of edge weights: joint papers);
* ``betweenness`` (normalised, on unweighted shortest paths: co-authorship steps): exact up
  to ``exact_limit`` nodes, else estimated from ``samples`` source nodes drawn with ``seed``
  (Brandes–Pich; networkx's ``k``), the number of samples and the seed stated in the summary;
* ``closeness`` (Wasserman–Faust, as networkx: reach within the component times inverse mean
  distance): exact up to ``exact_limit`` nodes; above, exact inside components of at most
  ``samples`` nodes and estimated from ``samples`` sources drawn with ``seed`` in larger ones
  (Eppstein–Wang: the mean distance to the sampled sources);
* ``clustering`` (local clustering coefficient; Latapy's bipartite version on the bipartite
  views), ``core`` (k-core number);
* ``community`` (Louvain, weighted, fixed ``seed``; 0 = the largest community) with the
  partition's modularity, ``communities_reached`` (how many *other* communities a node's
  neighbours belong to: a broker reaches at least one) and ``component`` (0 = the largest).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.analysis.selection import AnalysisError, Filters

SEED = 42
EXACT_LIMIT = 2_000
SAMPLES = 200

# Per-node columns, in output order (the keys of rows, CSV headers, JSON fields, and the
# dcterms:identifier of each measure in ontology/kg.ttl).
METRICS = ("degree", "weighted_degree", "betweenness", "closeness", "clustering", "core", "community",
           "communities_reached", "component")
INTEGER_METRICS = frozenset({"degree", "weighted_degree", "core", "community", "communities_reached",
                             "component"})


@dataclass
class Analysis:
    """The result of :func:`analyze`: the graph (metrics as node attributes) and plain rows."""

    view: str
    filters: Filters
    graph: nx.Graph
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    communities: list[dict[str, Any]] = field(default_factory=list)
    brokers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able data (the ``--format json`` document)."""
        return {"summary": self.summary, "nodes": self.rows, "communities": self.communities,
                "brokers": self.brokers}


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _sorted_components(g: nx.Graph) -> list[list[Any]]:
    comps = [sorted(c, key=str) for c in nx.connected_components(g)]
    return sorted(comps, key=lambda c: (-len(c), str(c[0])))


def louvain(g: nx.Graph, seed: int = SEED) -> list[frozenset[Any]]:
    """Louvain communities (weighted, fixed seed), largest first, ties by the smallest member."""
    if g.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    return sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))


def sampled_closeness(g: nx.Graph, samples: int, seed: int = SEED) -> dict[Any, float]:
    """Closeness: exact in components of at most ``samples`` nodes, else estimated from
    ``samples`` sources drawn with ``seed`` (Eppstein–Wang), scaled like networkx's."""
    n = g.number_of_nodes()
    rng = random.Random(seed)
    out: dict[Any, float] = {}
    for comp in _sorted_components(g):
        r = len(comp)
        sources = comp if r <= samples else rng.sample(comp, samples)
        total = dict.fromkeys(comp, 0)
        count = dict.fromkeys(comp, 0)
        for s in sources:
            for v, d in nx.single_source_shortest_path_length(g, s).items():
                if v != s:
                    total[v] += d
                    count[v] += 1
        for v in comp:
            if count[v] == 0 and r > 1:  # v was the only source: its own distances, once
                dist = nx.single_source_shortest_path_length(g, v)
                total[v], count[v] = sum(dist.values()), len(dist) - 1
            value = count[v] / total[v] if total[v] > 0 else 0.0
            out[v] = value * ((r - 1) / (n - 1)) if n > 1 else 0.0
    return out


def analyze_graph(g: nx.Graph, *, view: str = "coauthors", filters: Filters | None = None, seed: int = SEED,
                  samples: int | None = None, exact_limit: int = EXACT_LIMIT,
                  sort: str = "betweenness") -> Analysis:
    """Every metric of every node of ``g``; ``samples`` forces sampling (None: exact up to
    ``exact_limit`` nodes, :data:`SAMPLES` sources above)."""
    if sort not in METRICS:
        raise AnalysisError(f"unknown metric {sort!r}; choose one of {', '.join(METRICS)}")
    if samples is not None and samples < 1:
        raise AnalysisError("--samples must be at least 1")
    n = g.number_of_nodes()
    if n == 0:
        raise AnalysisError("nothing to analyze: the selected papers give an empty network")
    k = samples if samples is not None else (None if n <= exact_limit else SAMPLES)
    if k is not None and k >= n:
        k = None  # as many sources as nodes: that is the exact computation
    bipartite = view in ("topics", "categories", "repos")
    degree = dict(g.degree())
    strength = dict(g.degree(weight="weight"))
    between = nx.betweenness_centrality(g, k=k, seed=seed) if k else nx.betweenness_centrality(g)
    close = sampled_closeness(g, k, seed) if k else nx.closeness_centrality(g)
    clustering = nx.bipartite.clustering(g) if bipartite else nx.clustering(g)
    core = nx.core_number(g)
    comms = louvain(g, seed)
    community = {v: i for i, c in enumerate(comms) for v in c}
    comps = _sorted_components(g)
    component = {v: i for i, c in enumerate(comps) for v in c}
    reached = {v: len({community[u] for u in g[v]} - {community[v]}) for v in g}
    for v in g:
        values = {"degree": degree[v], "weighted_degree": _number(strength[v]), "betweenness": between[v],
                  "closeness": float(close[v]), "clustering": float(clustering[v]), "core": core[v],
                  "community": community[v], "communities_reached": reached[v], "component": component[v]}
        g.nodes[v].update(values)
    rows = [{"id": v, "kind": d.get("kind", ""), "name": str(d.get("name", v)), "papers": d.get("papers", 0),
             **{m: d[m] for m in METRICS}} for v, d in g.nodes(data=True)]
    rows.sort(key=lambda r: (-r[sort] if sort not in ("community", "component") else r[sort],
                             -r["degree"], r["name"], str(r["id"])))
    m = g.number_of_edges()
    modularity = nx.community.modularity(g, comms, weight="weight") if m else 0.0
    how = "exact" if k is None else f"sampled: {k} sources, seed {seed}"
    filters = filters or Filters()
    summary = {
        "view": view, "filters": filters.describe(), "papers": len(g.graph.get("paper_year", {})),
        "nodes": n, "edges": m, "density": nx.density(g), "components": len(comps),
        "largest_component": len(comps[0]), "largest_component_share": len(comps[0]) / n,
        "communities": len(comms), "modularity": modularity, "seed": seed,
        "samples": k, "betweenness": how, "closeness": how if k is None else
        f"exact in components of up to {k} nodes, else sampled: {k} sources, seed {seed}",
    }
    by_strength = sorted(g, key=lambda v: (-strength[v], str(g.nodes[v].get("name", v)), str(v)))
    communities = []
    for i, c in enumerate(comms):
        inside = g.subgraph(c)
        communities.append({"community": i, "size": len(c), "edges": inside.number_of_edges(),
                            "weight": _number(inside.size(weight="weight")),
                            "members": [str(g.nodes[v].get("name", v)) for v in by_strength if v in c][:5]})
    brokers = [{"id": r["id"], "name": r["name"], "community": r["community"],
                "communities_reached": r["communities_reached"], "betweenness": r["betweenness"],
                "degree": r["degree"]}
               for r in sorted(rows, key=lambda r: (-r["betweenness"], -r["communities_reached"], r["name"],
                                                    str(r["id"])))
               if r["communities_reached"] > 0]
    return Analysis(view, filters, g, rows, summary, communities, brokers)


_EMPTY = {"coauthors": "", "orgs": "organization tags", "topics": "research topics",
          "categories": "arXiv categories", "repos": "code repositories"}


def analyze(source: Any, view: str = "coauthors", filters: Filters | None = None, *, seed: int = SEED,
            samples: int | None = None, exact_limit: int = EXACT_LIMIT, sort: str = "betweenness"
            ) -> Analysis:
    """Project ``view`` from ``source`` (a store or an rdflib graph) and analyze it."""
    from kg.analysis.projections import projection

    filters = filters or Filters()
    g = projection(source, view, filters)
    if g.number_of_nodes() == 0:
        what = "; ".join(filters.describe())
        with_ = f" with {_EMPTY[view]}" if _EMPTY.get(view) else ""
        raise AnalysisError(f"nothing to analyze: no papers{with_} "
                            + (f"match {what}" if what else "in the store"))
    return analyze_graph(g, view=view, filters=filters, seed=seed, samples=samples, exact_limit=exact_limit,
                         sort=sort)
