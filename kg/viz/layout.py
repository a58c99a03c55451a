"""Node positions computed up front in networkx, so the browser draws a stable picture at once.

Small components get a seeded spring (Fruchterman-Reingold) layout; components above
:data:`SPRING_LIMIT` nodes, where the O(n²) spring layout takes tens of seconds, get a
spectral layout (sparse eigenvectors, about a second for 10,000 nodes).  Components are
then packed on a grid, largest first, so unrelated groups do not overlap.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

SPRING_LIMIT = 1000
SEED = 7


def _component_layout(g: nx.Graph, seed: int) -> dict[object, np.ndarray]:
    n = g.number_of_nodes()
    if n == 1:
        return {next(iter(g)): np.zeros(2)}
    if n == 2:
        a, b = sorted(g, key=str)
        return {a: np.array([-0.5, 0.0]), b: np.array([0.5, 0.0])}
    if n <= SPRING_LIMIT:
        pos = nx.spring_layout(g, seed=seed, weight=None, iterations=60 if n <= 300 else 40)
    else:
        pos = nx.spectral_layout(g, weight=None)
        # Spectral layouts crowd nodes near the centre; spread them by rank on each axis.
        nodes = list(pos)
        xy = np.array([pos[v] for v in nodes])
        for k in range(2):
            xy[:, k] = np.argsort(np.argsort(xy[:, k], kind="stable"), kind="stable") / (n - 1) * 2 - 1
        pos = dict(zip(nodes, xy, strict=True))
    return {v: np.asarray(p, dtype=float) for v, p in pos.items()}


def layout(g: nx.Graph, *, seed: int = SEED, scale: float | None = None) -> dict[object, tuple[float, float]]:
    """Deterministic (x, y) per node, in screen units (about 60 px per node of a component)."""
    if g.number_of_nodes() == 0:
        return {}
    comps = sorted((sorted(c, key=str) for c in nx.connected_components(g)),
                   key=lambda c: (-len(c), str(c[0])))
    placed: dict[object, tuple[float, float]] = {}
    cells = []
    for comp in comps:
        sub = g.subgraph(comp)
        pos = _component_layout(nx.Graph(sub), seed)
        size = scale or max(40.0, 28.0 * math.sqrt(len(comp)))
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
