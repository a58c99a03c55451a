"""Node positions computed up front in networkx, so the browser draws a stable picture at once.

Components below 500 nodes (:data:`SPRING_LIMIT`) get a seeded spring (Fruchterman-Reingold) layout
(networkx's dense path: ~1.5 s at 499 nodes; its sparse path takes 6 s at 500, 8 s at 1,000 and
24 s at 2,000).  Larger components are split into Louvain communities (the colours of the
co-author view): the graph of communities gets a spring layout, and each community is laid
out on its own, around its place, so a 10,000-node picture stays readable and takes seconds.
Components are packed on a grid, largest first, so unrelated groups do not overlap.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import networkx as nx
import numpy as np

SPRING_LIMIT = 499  # networkx switches to its slow sparse spring solver at 500 nodes
SEED = 7


def _spring(g: nx.Graph, seed: int) -> dict[Hashable, np.ndarray]:
    """Positions in about [-1, 1]², for a graph of at most SPRING_LIMIT nodes."""
    n = g.number_of_nodes()
    if n == 1:
        return {next(iter(g)): np.zeros(2)}
    if n == 2:
        a, b = sorted(g, key=str)
        return {a: np.array([-0.5, 0.0]), b: np.array([0.5, 0.0])}
    pos = nx.spring_layout(g, seed=seed, weight=None, iterations=60 if n <= 300 else 40, method="force")
    return {v: np.asarray(p, dtype=float) for v, p in pos.items()}


def _spectral(g: nx.Graph) -> dict[Hashable, np.ndarray]:
    """Sparse spectral positions, spread by rank on each axis (for one oversized community)."""
    pos = nx.spectral_layout(g, weight=None)
    nodes = list(pos)
    xy = np.array([pos[v] for v in nodes])
    for k in range(2):
        xy[:, k] = np.argsort(np.argsort(xy[:, k], kind="stable"), kind="stable") / (len(nodes) - 1) * 2 - 1
    return dict(zip(nodes, xy, strict=True))


def _by_communities(g: nx.Graph, seed: int, groups: Mapping[Hashable, int] | None
                    ) -> dict[Hashable, np.ndarray]:
    if groups is None or any(v not in groups for v in g):
        found = nx.community.louvain_communities(g, seed=seed)
        ranked = sorted(found, key=lambda c: (-len(c), min(map(str, c))))
        groups = {v: i for i, c in enumerate(ranked) for v in c}
    members: dict[int, list[Hashable]] = {}
    for v in sorted(g, key=str):
        members.setdefault(groups[v], []).append(v)
    quotient = nx.Graph()
    quotient.add_nodes_from(members)
    for a, b in g.edges():
        ca, cb = groups[a], groups[b]
        if ca != cb:
            w = quotient.get_edge_data(ca, cb, {"weight": 0})["weight"]
            quotient.add_edge(ca, cb, weight=w + 1)
    if quotient.number_of_nodes() > SPRING_LIMIT:
        centres = _spectral(quotient)
    else:
        centres = _spring_weighted(quotient, seed)
    total = g.number_of_nodes()
    out: dict[Hashable, np.ndarray] = {}
    for c, nodes in members.items():
        sub = g.subgraph(nodes)
        inner = _spring(nx.Graph(sub), seed) if len(nodes) <= SPRING_LIMIT else _spectral(nx.Graph(sub))
        radius = 0.9 * math.sqrt(len(nodes) / total)  # area in proportion to members
        for v in nodes:
            out[v] = centres[c] + inner[v] * radius
    return out


def _spring_weighted(g: nx.Graph, seed: int) -> dict[Hashable, np.ndarray]:
    if g.number_of_nodes() <= 2:
        return _spring(g, seed)
    pos = nx.spring_layout(g, seed=seed, weight="weight", iterations=80, method="force")
    return {v: np.asarray(p, dtype=float) for v, p in pos.items()}


def layout(g: nx.Graph, *, seed: int = SEED, groups: Mapping[Hashable, int] | None = None
           ) -> dict[Hashable, tuple[float, float]]:
    """Deterministic (x, y) per node, in screen units (a component of n nodes spans ~56·√n px).

    ``groups`` (node -> community) are reused for large components instead of recomputing.
    """
    if g.number_of_nodes() == 0:
        return {}
    comps = sorted((sorted(c, key=str) for c in nx.connected_components(g)),
                   key=lambda c: (-len(c), str(c[0])))
    placed: dict[Hashable, tuple[float, float]] = {}
    cells = []
    for comp in comps:
        sub = g.subgraph(comp)
        pos = (_spring(nx.Graph(sub), seed) if len(comp) <= SPRING_LIMIT
               else _by_communities(nx.Graph(sub), seed, groups))
        size = max(40.0, 28.0 * math.sqrt(len(comp)))
        cells.append((comp, pos, size))
    # Shelf packing: rows of components, about as wide as the first (largest) one or a square.
    total = sum((2 * s + 40) ** 2 for _, _, s in cells)
    row_width = max(2 * cells[0][2] + 40, math.sqrt(total))
    x = y = row_h = 0.0
    for comp, pos, size in cells:
        w = 2 * size + 40
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h, 0.0
        cx, cy = x + w / 2, y + w / 2
        for v in comp:
            px, py = pos[v]
            placed[v] = (round(cx + float(px) * size, 1), round(cy + float(py) * size, 1))
        x += w
        row_h = max(row_h, w)
    return placed
