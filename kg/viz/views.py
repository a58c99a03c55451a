"""The three pictures of the graph (full, coauthors, ego) as pyvis networks.

Each view is first a networkx graph whose nodes carry plain-text facts (label, tooltip,
details); :func:`to_network` then gives every node an opaque id (``n0``, ``n1``, ...),
precomputes positions and fills a :class:`KGNetwork`, whose HTML is the safe,
self-contained page of :mod:`kg.viz.page`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
from pyvis.network import Network

from kg.analysis.coauthors import (
    AnalysisError,
    Filters,
    PaperFacts,
    coauthor_graph_from_papers,
    community_of,
    find_person,
    min_weight,
    most_connected,
    paper_facts,
)
from kg.store import KGStore, open_existing_store
from kg.viz.layout import layout

if TYPE_CHECKING:
    from kg.analysis.stored import StoredRun
from kg.viz.page import iframe, render_page

View = Literal["full", "coauthors", "ego"]
VIEWS: tuple[str, ...] = ("full", "coauthors", "ego")

# Above this many nodes physics is off: positions come from networkx and the page is still.
PHYSICS_LIMIT = 300
OMITTED_SHOWN = 100
TOOLTIP_PAPERS = 8

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8")
OTHER_COLOUR = "#bab0ac"

# Full view: (legend label, shape, colour) per node type.
TYPES: dict[str, tuple[str, str, str]] = {
    "person": ("person", "dot", "#4e79a7"),
    "paper": ("paper", "square", "#f28e2b"),
    "organization": ("organization", "diamond", "#59a14f"),
    "topic": ("topic (arXiv category)", "triangle", "#b07aa1"),
    "repository": ("code repository", "star", "#e15759"),
}


class KGNetwork(Network):
    """A pyvis ``Network`` whose HTML is self-contained and safe (see :mod:`kg.viz.page`).

    ``write_html``/``generate_html`` use that page instead of pyvis's templates, and in
    Jupyter the network displays inline as a sandboxed ``<iframe srcdoc>``.
    """

    def __init__(self, title: str = "scholarly-kg", subtitle: str = "") -> None:
        super().__init__(height="750px", width="100%", cdn_resources="in_line")
        self.kg_title = title
        self.kg_subtitle = subtitle
        self.kg_notes: list[str] = []
        self.kg_legend: list[dict[str, str]] = []
        self.kg_omitted: list[str] = []
        self.kg_hint = "Click a node to highlight its neighbourhood and see its details."

    def page_data(self) -> dict[str, Any]:
        """Everything the page shows, as plain JSON-able data."""
        options = self.options if isinstance(self.options, dict) else json_options(self)
        return {"title": self.kg_title, "subtitle": self.kg_subtitle, "notes": self.kg_notes,
                "legend": self.kg_legend, "hint": self.kg_hint, "nodes": self.nodes,
                "edges": self.edges, "options": options}

    def generate_html(self, name: str = "index.html", local: bool = True, notebook: bool = False) -> str:
        self.html = render_page(self.page_data())
        return self.html

    def write_html(self, name: str, local: bool = True, notebook: bool = False,
                   open_browser: bool = False) -> None:
        Path(name).write_text(self.generate_html(), encoding="utf-8")

    def show(self, name: str, local: bool = True, notebook: bool = True) -> Any:
        self.write_html(name)
        if notebook:
            from IPython.display import HTML

            return HTML(self._repr_html_())
        return None

    def _repr_html_(self) -> str:
        return iframe(self.generate_html(), height="820px")


def json_options(net: Network) -> dict[str, Any]:
    import json

    return json.loads(net.options.to_json())


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _paper_line(p: PaperFacts) -> str:
    return f"{p.year} · {p.title}"


def _paper_links(p: PaperFacts) -> list[list[str]]:
    links = [["arXiv", p.arxiv_url]] if p.arxiv_url else []
    links += [[name, url] for _, name, url in p.repos if url.startswith("https://")]
    return links


def _paper_tooltip(p: PaperFacts) -> str:
    lines = [p.title, f"{p.year} · " + ", ".join(f"{n} ({label})" if label != n else n
                                                  for _, n, label in p.categories)]
    lines.append("Authors: " + ", ".join(a.name for a in p.authors))
    if p.org:
        lines.append(f"Organization: {p.org[2]}")
    if p.arxiv_url:
        lines.append(p.arxiv_url)
    lines += [url for _, _, url in p.repos if url]
    return "\n".join(lines)


def _paper_info(p: PaperFacts) -> dict[str, Any]:
    facts = [["Year", str(p.year)],
             ["Categories", ", ".join(f"{n} — {label}" if label != n else n for _, n, label in p.categories)],
             ["Authors", ", ".join(a.name + (" (from the profile)" if a.inferred else "")
                                   for a in p.authors)]]
    if p.org:
        facts.append(["Organization", p.org[2]])
    return {"heading": p.title, "facts": facts, "items_heading": "Links",
            "items": [{"text": "", "links": _paper_links(p)}] if _paper_links(p) else []}


# -- sizes and colours from stored metrics (kg analyze --write) -----------------------------

# Metrics whose values name groups (coloured by the palette), not amounts (coloured by a scale).
CATEGORICAL = frozenset({"community", "component"})
# A sequential scale (light to dark), for amounts such as betweenness or degree.
SCALE = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


class StoredStyle:
    """Node sizes and colours from metrics a stored analysis holds for each person."""

    def __init__(self, run: StoredRun, size_by: str | None, size: dict[str, float],
                 colour_by: str | None, colour: dict[str, float]) -> None:
        self.run, self.size_by, self.size, self.colour_by, self.colour = run, size_by, size, colour_by, colour

    def note(self) -> str:
        chosen = (("size", self.size_by), ("colour", self.colour_by))
        what = " and ".join(f"{k} by {m}" for k, m in chosen if m)
        f = "; ".join(self.run.filters.describe()) or "all papers"
        return f"{what}: the stored analysis of {self.run.date.isoformat()} ({f})"

    def apply(self, g: nx.Graph, legend: list[dict[str, str]]) -> list[dict[str, str]]:
        """Resize/recolour the people of ``g``; the legend for an amount-coloured picture."""
        missing = [v for v in g if (self.size_by and v not in self.size)
                   or (self.colour_by and v not in self.colour)]
        if self.size_by:
            values = [self.size[v] for v in g if v in self.size]
            lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
            for v in g:
                x = self.size.get(v)
                share = 0.0 if x is None or hi == lo else (x - lo) / (hi - lo)
                g.nodes[v]["size"] = round(8 + 32 * math.sqrt(share), 1)
        if self.colour_by and self.colour_by not in CATEGORICAL:
            values = [self.colour[v] for v in g if v in self.colour]
            lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
            for v in g:
                x = self.colour.get(v)
                if x is None:
                    g.nodes[v]["color"] = OTHER_COLOUR
                    continue
                step = 0 if hi == lo else min(len(SCALE) - 1, int((x - lo) / (hi - lo) * len(SCALE)))
                g.nodes[v]["color"] = SCALE[step]
            legend = [{"label": f"{self.colour_by} {lo:.3g} (light) to {hi:.3g} (dark)", "color": SCALE[-1],
                       "shape": "dot"}]
            if missing:
                legend.append({"label": "not in the stored analysis", "color": OTHER_COLOUR, "shape": "dot"})
        for v in g:
            extra = [[m, f"{vals[v]:.4g}"] for m, vals in ((self.size_by, self.size),
                                                           (self.colour_by, self.colour)) if m and v in vals]
            if extra:
                info = g.nodes[v]["info"]
                info["facts"] = [*info["facts"], *extra]
                g.nodes[v]["tooltip"] += "\n" + " · ".join(f"{m}: {x}" for m, x in extra)
        return legend


def stored_style(store: KGStore, filters: Filters, size_by: str | None, colour_by: str | None
                 ) -> StoredStyle:
    """The stored co-author analysis for these filters (else the one over all papers)."""
    from kg.analysis.stored import latest_run, stored_metric

    run = latest_run(store, "coauthors", filters)
    size = stored_metric(store, size_by, run) if size_by else {}
    colour = stored_metric(store, colour_by, run) if colour_by else {}
    return StoredStyle(run, size_by, size, colour_by, colour)


# -- co-author views ----------------------------------------------------------------------


def _person_facts(g: nx.Graph, v: Hashable, papers: dict[str, PaperFacts], community: int | None
                  ) -> tuple[str, dict[str, Any]]:
    d = g.nodes[v]
    mine = sorted((papers[i] for i in d["paper_iris"]), key=lambda p: (-p.year, p.title))
    partners = sorted(g[v].items(), key=lambda kv: (-kv[1]["weight"], g.nodes[kv[0]]["name"]))
    head = [d["name"], f"{d['papers']} paper{'s' * (d['papers'] != 1)} · {len(partners)} co-author"
            f"{'s' * (len(partners) != 1)} shown"]
    if community is not None:
        head.append(f"community {community + 1}")
    lines = [head[0], " · ".join(head[1:])]
    if partners:
        lines.append("Co-authors: "
                     + ", ".join(f"{g.nodes[u]['name']} ({w['weight']})" for u, w in partners[:6])
                     + (" …" if len(partners) > 6 else ""))
    lines += [_clip(_paper_line(p), 90) for p in mine[:TOOLTIP_PAPERS]]
    if len(mine) > TOOLTIP_PAPERS:
        lines.append(f"… and {len(mine) - TOOLTIP_PAPERS} more papers")
    facts = [["Papers", str(d["papers"])], ["Co-authors shown", str(len(partners))],
             ["Joint papers with them", str(sum(w["weight"] for _, w in partners))]]
    if community is not None:
        facts.append(["Community", str(community + 1)])
    if partners:
        facts.append(["Co-authors", ", ".join(f"{g.nodes[u]['name']} ({w['weight']})" for u, w in partners)])
    info = {"heading": d["name"], "facts": facts, "items_heading": "Papers",
            "items": [{"text": _paper_line(p), "links": _paper_links(p)} for p in mine]}
    return "\n".join(lines), info


def _coauthor_view(papers: list[PaperFacts], *, weight: int, top: int | None, focus: str | None,
                   hops: int) -> tuple[nx.Graph, list[str], str | None]:
    """The people graph to draw, the names left out by ``top``, and the focus node."""
    g = coauthor_graph_from_papers(papers)
    if weight > 1:
        g = min_weight(g, weight)
    focus_node = None
    if focus is not None:
        focus_node = find_person(g, focus)
        g = nx.ego_graph(g, focus_node, radius=hops).copy()
    omitted: list[str] = []
    if top is not None and top < g.number_of_nodes():
        keep = most_connected(g, top)
        if focus_node is not None and focus_node not in keep:
            keep = [focus_node, *keep[: top - 1]] if top > 0 else []
        gone = set(g) - set(keep)
        omitted = sorted(str(g.nodes[v]["name"]) for v in gone)
        g = g.subgraph(keep).copy()
    return g, omitted, focus_node


def _style_people(g: nx.Graph, papers: list[PaperFacts], seed: int, focus: str | None,
                  stored: StoredStyle | None = None) -> list[dict[str, str]]:
    by_iri = {p.iri: p for p in papers}
    if stored is not None and stored.colour_by in CATEGORICAL:
        # Colour by a stored partition (community, component): its values are the groups.
        comm = {v: int(stored.colour[v]) for v in g if v in stored.colour}
    else:
        comm = community_of(g, seed=seed)
    sizes: dict[int, int] = {}
    for c in comm.values():
        sizes[c] = sizes.get(c, 0) + 1
    for v in g:
        c = comm.get(v)
        colour = PALETTE[c] if c is not None and c < len(PALETTE) else OTHER_COLOUR
        tooltip, info = _person_facts(g, v, by_iri, c)
        d = g.nodes[v]
        d.update(label=d["name"], tooltip=tooltip, info=info, color=colour, shape="dot", group=c,
                 size=round(8 + 5 * math.sqrt(d["papers"]), 1))
        if v == focus:
            d.update(shape="star", size=d["size"] + 8, borderWidth=3)
    for a, b, d in g.edges(data=True):
        titles = sorted((by_iri[i] for i in d["paper_iris"]), key=lambda p: (-p.year, p.title))
        lines = [f"{g.nodes[a]['name']} — {g.nodes[b]['name']}: {d['weight']} joint paper"
                 f"{'s' * (d['weight'] != 1)}"]
        lines += [_clip(_paper_line(p), 90) for p in titles[:TOOLTIP_PAPERS]]
        if len(titles) > TOOLTIP_PAPERS:
            lines.append(f"… and {len(titles) - TOOLTIP_PAPERS} more")
        d.update(tooltip="\n".join(lines), width=round(1 + 2 * math.log2(d["weight"]), 2))
    what = stored.colour_by if stored is not None and stored.colour_by in CATEGORICAL else "community"
    legend = [{"label": f"{what} {c + 1} ({sizes[c]} people)", "color": PALETTE[c], "shape": "dot"}
              for c in sorted(sizes) if c < len(PALETTE)]
    rest = sum(n for c, n in sizes.items() if c >= len(PALETTE))
    if rest:
        legend.append({"label": f"smaller {what.replace('community', 'communitie')}s ({rest} people)",
                       "color": OTHER_COLOUR,
                       "shape": "dot"})
    if stored is not None:
        legend = stored.apply(g, legend)
    if focus is not None:
        legend.insert(0, {"label": f"focus: {g.nodes[focus]['name']}", "color": "#ffffff", "shape": "star"})
    return legend


# -- full view ----------------------------------------------------------------------------


def _full_view(papers: list[PaperFacts], *, weight: int, top: int | None
               ) -> tuple[nx.Graph, list[str]]:
    g = nx.Graph()
    counts: dict[str, int] = {}
    for p in papers:
        for a in p.authors:
            counts[a.iri] = counts.get(a.iri, 0) + 1

    def add(key: tuple[str, str], kind: str, label: str, tooltip: str, info: dict[str, Any],
            **kw: Any) -> None:
        if key not in g:
            _, shape, colour = TYPES[kind]
            g.add_node(key, kind=kind, label=label, tooltip=tooltip, info=info, shape=shape, color=colour,
                       **kw)

    for p in papers:
        pk = ("paper", p.iri)
        add(pk, "paper", _clip(p.title, 40), _paper_tooltip(p), _paper_info(p), size=14)
        for a in p.authors:
            if counts[a.iri] < weight:
                continue
            key = ("person", a.iri)
            n = counts[a.iri]
            add(key, "person", a.name, f"{a.name}\n{n} paper{'s' * (n != 1)} in this picture",
                {"heading": a.name, "facts": [["Papers in this picture", str(n)]]},
                size=round(8 + 5 * math.sqrt(n), 1))
            g.add_edge(key, pk, relation="author")
        for c, notation, label in p.categories:
            add(("topic", c), "topic", notation, f"{notation}\n{label}",
                {"heading": f"{notation} — {label}" if label != notation else notation, "facts": []}, size=16)
            g.add_edge(pk, ("topic", c), relation="subject")
        if p.org:
            o, slug, label = p.org
            add(("org", o), "organization", label, f"{label}\n{slug}",
                {"heading": label, "facts": [["Identifier", slug]]}, size=22)
            g.add_edge(pk, ("org", o), relation="organization")
        for r, name, url in p.repos:
            add(("repo", r), "repository", name, f"{name}\n{url}",
                {"heading": name, "facts": [], "items_heading": "Link",
                 "items": [{"text": "", "links": [[url, url]]}] if url.startswith("https://") else []},
                size=16)
            g.add_edge(pk, ("repo", r), relation="code")
    # Papers count per topic/org/repo in the tooltips and details.
    for v, d in g.nodes(data=True):
        if d["kind"] in {"topic", "organization", "repository"}:
            n = g.degree(v)
            d["tooltip"] += f"\n{n} paper{'s' * (n != 1)}"
            d["info"]["facts"] = [*d["info"]["facts"], ["Papers in this picture", str(n)]]
    omitted: list[str] = []
    if top is not None and top < g.number_of_nodes():
        keep = most_connected(g, top)
        gone = set(g) - set(keep)
        omitted = sorted(f"{g.nodes[v]['kind']} {g.nodes[v]['label']}" for v in gone)
        g = g.subgraph(keep).copy()
    for _, _, d in g.edges(data=True):
        d.update(label=d["relation"], tooltip=d["relation"])
    return g, omitted


# -- pyvis --------------------------------------------------------------------------------


def to_network(g: nx.Graph, *, title: str, subtitle: str, legend: list[dict[str, str]], notes: list[str],
               seed: int = 7) -> KGNetwork:
    """A :class:`KGNetwork` of ``g`` with opaque node ids and precomputed positions.

    Nodes are numbered in the sorted order of their keys, so the page is the same run
    after run.  pyvis's ``add_node``/``add_edge`` check duplicates with linear scans
    (quadratic in total), so the lists are filled directly; ``g`` has no duplicates.
    """
    from pyvis.edge import Edge
    from pyvis.node import Node

    net = KGNetwork(title, subtitle)
    order = sorted(g, key=lambda v: str(v))
    ids = {v: f"n{i}" for i, v in enumerate(order)}
    groups = {v: d["group"] for v, d in g.nodes(data=True) if d.get("group") is not None}
    pos = layout(g, seed=seed, groups=groups or None)
    # Physics only for small pictures; with none at all vis-network never reports it settled.
    still = g.number_of_nodes() > PHYSICS_LIMIT or g.number_of_nodes() == 0
    for v in order:
        d = g.nodes[v]
        opts = {"title": d["tooltip"], "info": d["info"], "color": d["color"], "size": d.get("size", 12),
                "x": pos[v][0], "y": pos[v][1]}
        if "borderWidth" in d:
            opts["borderWidth"] = d["borderWidth"]
        node = Node(ids[v], d["shape"], label=str(d["label"]), **opts)
        net.nodes.append(node.options)
        net.node_ids.append(ids[v])
        net.node_map[ids[v]] = node.options
    index = {v: i for i, v in enumerate(order)}
    edges = sorted((min(index[a], index[b]), max(index[a], index[b]), d) for a, b, d in g.edges(data=True))
    for k, (a, b, d) in enumerate(edges):
        opts = {"id": f"e{k}", "title": d["tooltip"], "width": d.get("width", 1)}
        if "label" in d:
            opts["label"] = d["label"]
        net.edges.append(Edge(f"n{a}", f"n{b}", False, **opts).options)
    net.kg_legend = legend
    net.kg_notes = notes
    net.options = {
        "autoResize": True,
        "nodes": {"font": {"size": 12, "face": "system-ui, sans-serif"}, "borderWidth": 1},
        "edges": {"color": {"color": "#9aa3ad", "highlight": "#333"}, "smooth": False,
                  "font": {"size": 9, "align": "middle", "color": "#666"}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": still,
                        "navigationButtons": False},
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "physics": ({"enabled": False} if still else
                    {"enabled": True, "solver": "forceAtlas2Based",
                     "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 90},
                     "stabilization": {"enabled": True, "iterations": 150, "fit": True}}),
    }
    return net


def viz(store: KGStore | str | Path, view: str = "coauthors", *, focus: str | None = None, hops: int = 1,
        since: int | None = None, until: int | None = None, topic: str | None = None,
        org: str | None = None, min_weight: int = 1, top: int | None = None, seed: int = 42,
        size_by: str | None = None, color_by: str | None = None) -> KGNetwork:
    """The pyvis network of one view of the graph in ``store``.

    ``view``: ``"full"`` (typed nodes), ``"coauthors"`` (people, weighted co-author edges,
    colour = Louvain community) or ``"ego"`` (``focus``'s neighbourhood within ``hops``).
    Filters select papers (``since``/``until`` years, ``topic``, ``org``); ``min_weight``
    keeps co-author edges with that many joint papers (full view: people with that many
    papers); ``top`` keeps the N most connected nodes and the page lists the rest.
    """
    if view not in VIEWS:
        raise AnalysisError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if min_weight < 1:
        raise AnalysisError("--min-weight must be at least 1")
    if top is not None and top < 1:
        raise AnalysisError("--top must be at least 1")
    if view == "ego" and not focus:
        raise AnalysisError("the ego view needs --focus NAME")
    kg_store = store if isinstance(store, KGStore) else open_existing_store(store)
    filters = Filters(since, until, topic, org)
    papers = paper_facts(kg_store, filters)
    what = filters.describe()
    note = f"{len(papers)} paper{'s' * (len(papers) != 1)}" + (f" ({'; '.join(what)})" if what else "")
    stored = None
    if size_by or color_by:
        if view == "full":
            raise AnalysisError("--size-by and --color-by apply to the coauthors and ego views")
        stored = stored_style(kg_store, filters, size_by, color_by)
    return network_from_papers(papers, view, focus=focus, hops=hops, min_weight=min_weight, top=top,
                               seed=seed, notes=[note], stored=stored)


def network_from_papers(papers: list[PaperFacts], view: str = "coauthors", *, focus: str | None = None,
                        hops: int = 1, min_weight: int = 1, top: int | None = None, seed: int = 42,
                        notes: list[str] | None = None, stored: StoredStyle | None = None) -> KGNetwork:
    """The network of one view of ``papers`` (already filtered); see :func:`viz`."""
    if view not in VIEWS:
        raise AnalysisError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "ego" and not focus:
        raise AnalysisError("the ego view needs --focus NAME")
    notes = list(notes or [])
    if view == "full":
        g, omitted = _full_view(papers, weight=min_weight, top=top)
        legend = [{"label": label, "color": colour, "shape": shape}
                  for label, shape, colour in TYPES.values()]
        title = "Papers, people, organizations, topics and repositories"
        if min_weight > 1:
            notes.append(f"people with at least {min_weight} papers")
        kind = "nodes"
    else:
        g, omitted, focus_node = _coauthor_view(papers, weight=min_weight, top=top,
                                                focus=focus if view == "ego" else None, hops=hops)
        legend = _style_people(g, papers, seed, focus_node, stored)
        if stored is not None:
            notes.append(stored.note())
        if view == "ego" and focus_node is not None:
            title = f"Co-authors of {g.nodes[focus_node]['name']} within {hops} step{'s' * (hops != 1)}"
        else:
            title = "Co-authors"
        if min_weight > 1:
            notes.append(f"co-author links with at least {min_weight} joint papers")
        kind = "people"
    if omitted:
        shown = ", ".join(omitted[:OMITTED_SHOWN]) + (f", … and {len(omitted) - OMITTED_SHOWN} more"
                                                      if len(omitted) > OMITTED_SHOWN else "")
        notes.append(f"--top {top}: kept the {top} most connected {kind}; left out {len(omitted)}: {shown}")
    if g.number_of_nodes() == 0:
        notes.append("nothing to draw: no papers match these filters")
    subtitle = (f"{g.number_of_nodes()} {kind}, {g.number_of_edges()} links · "
                "hover for facts, click to highlight a neighbourhood")
    return to_network(g, title=title, subtitle=subtitle, legend=legend, notes=notes)


def write_html(net_or_store: Network | KGStore | str | Path, path: str | Path, **viz_kwargs: Any) -> Path:
    """Write the self-contained page of a network (or of ``viz(store, **viz_kwargs)``)."""
    net = net_or_store if isinstance(net_or_store, Network) else viz(net_or_store, **viz_kwargs)
    if not isinstance(net, KGNetwork):  # a plain pyvis network: render its data safely too
        safe = KGNetwork(str(net.heading or "network"))
        safe.nodes, safe.edges = net.nodes, net.edges
        safe.options = net.options if isinstance(net.options, dict) else json_options(net)
        net = safe
    out = Path(path)
    out.write_text(net.generate_html(), encoding="utf-8")
    return out
