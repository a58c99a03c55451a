"""How a co-author network grew: one cumulative snapshot per year, as rows and as a chart.

The snapshot of year Y is the co-author projection of the selected papers published up to
Y.  For the whole graph a row counts its people and links, the people new that year, the
share of people in the largest component, the Louvain communities (fixed seed) and how many
of the previous year's communities persist (a community persists when some community of the
new snapshot has a Jaccard overlap of at least :data:`PERSIST` with it, after Palla et al.).
For one person the snapshot is their ego network (the person, their co-authors so far and
the links among all of them); components and communities are those of the co-authors with
the person left out, which is what says whether their collaborators form one group or several.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx

from kg.analysis.network import SEED, louvain
from kg.analysis.paths import resolve
from kg.analysis.projections import authorships, person_names
from kg.analysis.selection import AnalysisError, Filters
from kg.analysis.source import Source

PERSIST = 0.5
COLUMNS = ("year", "papers", "papers_so_far", "nodes", "edges", "new", "largest_component_share",
           "components", "communities", "persisting")


def _persisting(before: Sequence[frozenset[str]], now: Sequence[frozenset[str]]) -> int:
    """How many communities of ``before`` have a match of Jaccard >= PERSIST in ``now``."""
    where: dict[str, int] = {v: i for i, c in enumerate(now) for v in c}
    kept = 0
    for c in before:
        overlap: dict[int, int] = defaultdict(int)
        for v in c:
            if v in where:
                overlap[where[v]] += 1
        if any(k / len(c | now[i]) >= PERSIST for i, k in overlap.items()):
            kept += 1
    return kept


def evolution(source: Source, filters: Filters | None = None, *, person: str | None = None,
              seed: int = SEED, communities: bool = True) -> list[dict[str, Any]]:
    """One row per year from the first to the last selected paper (see the module docstring).

    ``communities=False`` leaves out the Louvain columns (``None``): they are the slow part
    on big graphs.
    """
    filters = filters or Filters()
    years, pairs = authorships(source, filters)
    if not years:
        what = "; ".join(filters.describe())
        raise AnalysisError("no papers " + (f"match {what}" if what else "in the store"))
    names = person_names(source)
    team: dict[str, list[str]] = defaultdict(list)
    for paper, who in pairs:
        team[paper].append(who)
    by_year: dict[int, list[str]] = defaultdict(list)
    for paper, y in years.items():
        by_year[y].append(paper)
    focus = None
    if person is not None:
        everyone = nx.Graph()
        everyone.add_nodes_from((p, {"name": names.get(p, p)}) for p in sorted({w for _, w in pairs}))
        focus = resolve(everyone, person)
    # Nodes and edges enter in year, paper and name order: the same graph (and so the same
    # seeded communities) whatever order the engine gave the rows in.
    g = nx.Graph()
    rows: list[dict[str, Any]] = []
    before: list[frozenset[str]] = []
    so_far = 0
    for y in range(min(by_year), max(by_year) + 1):
        papers = sorted(by_year.get(y, []))
        known = set(g.nodes) if focus is None else (set(g[focus]) if focus in g else set())
        for paper in papers:
            people = sorted(team[paper])
            g.add_nodes_from(people)
            for a, b in combinations(people, 2):
                w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
                g.add_edge(a, b, weight=w)
        if focus is None:
            snap, rest = g, g
            new = len(set(g.nodes) - known)
            mine = len(papers)
        else:
            alters = set(g[focus]) if focus in g else set()
            snap = g.subgraph(alters | ({focus} if focus in g else set()))
            rest = g.subgraph(alters)
            new = len(alters - known)
            mine = sum(1 for p in papers if focus in team[p])
        so_far += mine
        comps = sorted((len(c) for c in nx.connected_components(rest)), reverse=True)
        now = louvain(rest, seed) if communities and len(rest) else []
        rows.append({"year": y, "papers": mine, "papers_so_far": so_far,
                     "nodes": snap.number_of_nodes(), "edges": snap.number_of_edges(), "new": new,
                     "largest_component_share": comps[0] / len(rest) if comps else 0.0,
                     "components": len(comps),
                     "communities": len(now) if communities else None,
                     "persisting": _persisting(before, now) if communities and before else
                     (0 if communities else None)})
        before = now
    return rows


def evolution_chart(rows: Sequence[dict[str, Any]], path: str | Path, *, title: str = "Co-author network"
                    ) -> Path:
    """Draw the rows as a chart (PNG or SVG by suffix): people, links and new people per year;
    the largest component's share and the number of communities."""
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise AnalysisError(f"{out}: the chart file must end in .png or .svg")
    try:
        import matplotlib
    except ImportError:
        raise AnalysisError("charts need matplotlib: pip install 'scholarly-kg[charts]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "scholarly-kg"  # stable ids: the same SVG for the same rows
    years = [r["year"] for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    top.bar(years, [r["new"] for r in rows], color="#f28e2b", alpha=0.6, label="new people that year")
    top.plot(years, [r["nodes"] for r in rows], marker="o", color="#4e79a7", label="people so far")
    top.plot(years, [r["edges"] for r in rows], marker="s", color="#59a14f", label="co-author links so far")
    top.set_ylabel("count")
    top.set_title(title)
    top.legend(loc="upper left", frameon=False)
    top.grid(axis="y", alpha=0.3)
    bottom.plot(years, [r["largest_component_share"] for r in rows], marker="o", color="#e15759",
                label="share in the largest component")
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("share")
    bottom.set_xlabel("year (cumulative snapshots)")
    bottom.grid(axis="y", alpha=0.3)
    handles, labels = bottom.get_legend_handles_labels()
    if rows and rows[0].get("communities") is not None:
        right = bottom.twinx()
        right.plot(years, [r["communities"] for r in rows], marker="s", color="#b07aa1",
                   label="communities")
        right.plot(years, [r["persisting"] for r in rows], linestyle=":", marker=".", color="#76b7b2",
                   label="communities persisting from the year before")
        right.set_ylabel("communities")
        h2, l2 = right.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    bottom.legend(handles, labels, loc="lower right", frameon=False, fontsize="small")
    bottom.set_xticks(years)
    bottom.tick_params(axis="x", labelrotation=45 if len(years) > 12 else 0)
    fig.tight_layout()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(out, format=fmt, dpi=120, metadata=meta)
    plt.close(fig)
    return out
