"""``kg analyze``, ``kg path``, ``kg evolution``: network analysis of the collaboration graph."""

from __future__ import annotations

import csv
import io
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from kg.cli.app import app, console, fail, open_store_or_fail, parse_date
from kg.store import DEFAULT_STORE, StoreError

FORMATS = ("table", "csv", "json")
TABLE_TOP = 20
VIEW_TITLES = {"coauthors": ("Co-author network", "people", "co-author links"),
               "orgs": ("Organization network", "organizations", "links"),
               "topics": ("People and research topics", "nodes", "links"),
               "categories": ("People and arXiv categories", "nodes", "links"),
               "repos": ("Papers and code repositories", "nodes", "links")}

_SINCE = typer.Option(None, "--since", help="Only papers from this year on.")
_UNTIL = typer.Option(None, "--until", help="Only papers up to this year.")
_TOPIC = typer.Option(None, "--topic", help="Only papers in this arXiv category (IR, cs.IR, cs) or on this "
                                            "research topic ('federated learning').")
_ORG = typer.Option(None, "--org", help="Only papers tagged with this organization (slug or label).")
_FORMAT = typer.Option("table", "--format", "-f", help="Output: table, csv or json.")
_STORE = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph).")
_OUTPUT = typer.Option(None, "-o", "--output", help="Write the csv/json output to this file.")


def _text(s: str, style: str = "") -> Text:
    return Text(s, style=style)  # never markup: names and titles are data


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def _filters(since: int | None, until: int | None, topic: str | None, org: str | None) -> Any:
    from kg.analysis import AnalysisError, Filters

    try:
        return Filters(since, until, topic, org)
    except AnalysisError as e:
        raise fail(str(e)) from None


def _open(store: Path, *, write: bool = False) -> Any:
    # A missing or empty store is an error naming `kg build`, and reading creates nothing.
    return open_store_or_fail(store, read_only=not write)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {output}: {e}") from None
    console.print(_text(f"wrote {output}"))


def _table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]],
           title: str | None = None) -> Table:
    table = Table(show_header=True, header_style="bold", title=title, title_justify="left")
    for key, head in columns:
        numeric = bool(rows) and all(isinstance(r.get(key), int | float) for r in rows)
        # Numbers never wrap (a folded number misreads); text folds when the terminal is narrow.
        longest = max((len(_num(r.get(key, ""))) for r in rows), default=0)
        table.add_column(head, overflow="fold", justify="right" if numeric else "left", no_wrap=numeric,
                         min_width=max(len(head), min(longest, 18)))
    for r in rows:
        table.add_row(*(_text(_num(r.get(k, ""))) for k, _ in columns))
    return table



def _width(table: Table) -> int:
    # measured unbounded: a table measured within the terminal reports its squeezed width
    return console.measure(table, options=console.options.update_width(1_000_000)).maximum


def _fitted(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]],
            optional: Sequence[str], title: str | None = None) -> tuple[Table, list[str]]:
    """The table without as many ``optional`` columns (dropped last first) as it takes to fit
    the terminal; a narrow terminal would otherwise crop the right-hand columns silently.
    Returns the table and the headers left out (``--format csv/json`` keep every column)."""
    cols, hidden = list(columns), []
    table = _table(cols, rows, title)
    for key in reversed(optional):
        if _width(table) <= console.width:
            break
        for c in cols:
            if c[0] == key:
                cols.remove(c)
                hidden.insert(0, c[1])
        table = _table(cols, rows, title)
    return table, hidden


def _note(text: str, style: str = "dim") -> None:
    """A note wrapped at words to the terminal (rich would leave a trailing space per line)."""
    lines = textwrap.wrap(text, width=max(console.width, 20), break_on_hyphens=False)
    console.print(_text("\n".join(lines), style), soft_wrap=True)


def _hidden_note(hidden: Sequence[str]) -> None:
    if hidden:
        _note(f"not shown, to fit {console.width} columns: {', '.join(hidden)} "
              "(--format csv or json has them)")


# -- kg analyze ----------------------------------------------------------------------------


NODE_COLUMNS = [("name", "name"), ("degree", "deg"), ("weighted_degree", "w.deg"),
                ("betweenness", "betw."), ("closeness", "close."), ("clustering", "clust."),
                ("core", "core"), ("community", "comm."), ("communities_reached", "reach"),
                ("component", "comp.")]
LEGEND = ("deg: neighbours · w.deg: edge weights summed (joint papers) · betw./close.: betweenness and "
          "closeness centrality · clust.: clustering coefficient · core: k-core number · comm.: Louvain "
          "community · reach: other communities among the neighbours · comp.: connected component "
          "(0 = largest)")


def _summary_line(s: dict[str, Any]) -> str:
    title, nodes, edges = VIEW_TITLES[s["view"]]
    parts = [title, f"{s['papers']} papers", f"{s['nodes']} {nodes}, {s['edges']} {edges}",
             f"{s['components']} component{'s' * (s['components'] != 1)} "
             f"(largest {s['largest_component']}, {s['largest_component_share']:.0%})",
             f"{s['communities']} Louvain communities (seed {s['seed']}, modularity {s['modularity']:.3f})",
             f"betweenness {s['betweenness']}"]
    if s["filters"]:
        parts.insert(1, "; ".join(s["filters"]))
    return " · ".join(parts)


@app.command()
def analyze(
    view: str = typer.Option("coauthors", "--view", help="coauthors | orgs | topics | categories | repos"),
    since: int = _SINCE, until: int = _UNTIL, topic: str = _TOPIC, org: str = _ORG,
    top: int = typer.Option(None, "--top", min=1,
                            help=f"Show the N highest-ranked nodes (table: {TABLE_TOP}; csv/json: all)."),
    sort: str = typer.Option("betweenness", "--sort", help="Rank by this metric (degree, weighted_degree, "
                             "betweenness, closeness, clustering, core, communities_reached, ...)."),
    seed: int = typer.Option(42, "--seed", help="Seed of Louvain and of sampled sources."),
    samples: int = typer.Option(None, "--samples", min=1,
                                help="Estimate betweenness and closeness from K sampled sources "
                                     "(default: exact up to 2,000 nodes, 200 sources above)."),
    exact: bool = typer.Option(False, "--exact", help="Exact betweenness and closeness at any size (slow)."),
    write: bool = typer.Option(False, "--write", help="Store the metrics in the graph, dated observations."),
    as_of: str = typer.Option(None, "--as-of", help="Date of the stored observations (default: today)."),
    fmt: str = _FORMAT, output: Path = _OUTPUT, store: Path = _STORE,
) -> None:
    """Degree, betweenness, closeness, clustering, k-core, communities, brokers and components."""
    from kg.analysis import AnalysisError
    from kg.analysis.network import analyze as run
    from kg.analysis.stored import write_analysis

    _check_format(fmt)
    if exact and samples is not None:
        raise fail("give --exact or --samples, not both")
    day = parse_date(as_of)
    if day is not None and not write:
        raise fail("--as-of dates stored observations: use it with --write")
    filters = _filters(since, until, topic, org)
    try:
        kg_store = _open(store, write=write)
        result = run(kg_store, view, filters, seed=seed, samples=samples,
                     exact_limit=sys.maxsize if exact else 2_000, sort=sort)
        written = write_analysis(kg_store, result, date=day) if write else None
    except (AnalysisError, StoreError) as e:
        raise fail(str(e)) from None
    rows = [{"rank": i, **r} for i, r in enumerate(result.rows, 1)]
    if fmt == "json":
        doc = result.to_dict()
        if top is not None:
            doc["nodes"] = doc["nodes"][:top]
        if written:
            doc["written"] = {"graph": written[0].value, "triples": written[1]}
        _emit(json.dumps(doc, indent=2, ensure_ascii=False), output)
    elif fmt == "csv":
        cols = ["rank", "id", "kind", "name", "papers", *[c for c, _ in NODE_COLUMNS[1:]]]
        _emit(_csv(rows[:top] if top else rows, cols), output)
    else:
        n = top or TABLE_TOP
        _note(_summary_line(result.summary), "bold")
        columns = list(NODE_COLUMNS)
        if result.summary["components"] == 1:  # the summary line says so; keeps the table narrow
            columns.remove(("component", "comp."))
        if view in ("topics", "categories", "repos"):
            columns.insert(1, ("kind", "kind"))
        table, hidden = _fitted(columns, rows[:n], ["communities_reached", "clustering", "closeness", "core"])
        console.print(table)
        more = f"{n} of {len(rows)} nodes, by {sort} (--top N for more) · " if len(rows) > n else ""
        _note(more + LEGEND)
        _hidden_note(hidden)
        if result.brokers:
            console.print(_table([("name", "broker"), ("community", "community"),
                                  ("communities_reached", "reaches"), ("betweenness", "betweenness")],
                                 result.brokers[:5], "Brokers: neighbours in other communities"))
        shown = [{**c, "members": ", ".join(c["members"])} for c in result.communities[:8]]
        console.print(_table([("community", "community"), ("size", "size"), ("edges", "links"),
                              ("members", "most connected members")], shown, "Communities"))
        if len(result.communities) > 8:
            console.print(_text(f"8 of {len(result.communities)} communities", "dim"))
    if written:
        console.print(_text(f"stored {written[1]} triples in {written[0].value}"), soft_wrap=True)


# -- kg path ---------------------------------------------------------------------------------


@app.command()
def path(
    person: str = typer.Argument(..., help="A person (name or IRI)."),
    other: str = typer.Argument(None, help="Another person: the shortest collaboration paths between them."),
    within: int = typer.Option(None, "--within", min=1, help="The people within K co-authorship steps."),
    max_paths: int = typer.Option(10, "--max-paths", min=1, help="Show at most N shortest paths."),
    since: int = _SINCE, until: int = _UNTIL, topic: str = _TOPIC, org: str = _ORG,
    fmt: str = _FORMAT, output: Path = _OUTPUT, store: Path = _STORE,
) -> None:
    """How two people are connected through co-authors (with the papers of each step), or
    who is within K steps of someone: `kg path "Yuxin Jiang" "Tao Qi"`, `kg path "Tao Qi" --within 2`."""
    from kg.analysis import AnalysisError
    from kg.analysis.paths import resolve, shortest_paths
    from kg.analysis.paths import within as reach
    from kg.analysis.projections import coauthor_graph

    _check_format(fmt)
    if (other is None) == (within is None):
        raise fail("give another person (kg path A B) or --within K (kg path A --within 2), not both")
    filters = _filters(since, until, topic, org)
    try:
        kg_store = _open(store)
        g = coauthor_graph(kg_store, filters)
        if g.number_of_nodes() == 0:
            what = "; ".join(filters.describe())
            raise AnalysisError("no papers " + (f"match {what}" if what else "in the store"))
        if within is not None:
            rows = reach(g, person, within)
            who = str(g.nodes[resolve(g, person)]["name"])
            result = None
        else:
            result = shortest_paths(kg_store, g, person, other, max_paths=max_paths)
            rows = result.rows
    except (AnalysisError, StoreError) as e:
        raise fail(str(e)) from None
    if result is None:
        cols = ["person", "name", "distance", "via", "joint_papers", "papers"]
        if fmt == "json":
            _emit(json.dumps({"person": person, "name": who, "within": within, "reached": rows}, indent=2,
                             ensure_ascii=False), output)
        elif fmt == "csv":
            _emit(_csv(rows, cols), output)
        else:
            steps = f"{within} step{'s' * (within != 1)}"
            console.print(_text(f"{len(rows)} people within {steps} of {who}", "bold"))
            shown = [{**r, "via": r["via"] or "(co-author)"} for r in rows]
            console.print(_table([("name", "name"), ("distance", "steps"), ("via", "via"),
                                  ("joint_papers", "joint papers"), ("papers", "papers")], shown))
        return
    if fmt == "json":
        _emit(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), output)
        return
    if fmt == "csv":
        flat = [{**r, "papers": " | ".join(f"{p['year']} {p['title']}" for p in r["papers"])} for r in rows]
        _emit(_csv(flat, ["path", "hop", "from", "from_name", "to", "to_name", "joint_papers", "years",
                          "papers"]), output)
        return
    a, b = g.nodes[result.source]["name"], g.nodes[result.target]["name"]
    more = "" if result.found < 10_000 else "+"
    console.print(_text(f"{a} → {b}: {result.hops} step{'s' * (result.hops != 1)}, "
                        f"{result.found}{more} shortest path{'s' * (result.found != 1)}"
                        + (f" (showing {len(result.paths)})" if len(result.paths) < result.found else ""),
                        "bold"))
    for i in range(1, len(result.paths) + 1):
        steps = [r for r in rows if r["path"] == i]
        shown = []
        for r in steps:
            titles = [f"{p['year']} · {p['title']}" for p in r["papers"][:3]]
            if len(r["papers"]) > 3:
                titles.append(f"… and {len(r['papers']) - 3} more")
            shown.append({**r, "titles": "\n".join(titles)})
        console.print(_table([("hop", "step"), ("from_name", "from"), ("to_name", "to"),
                              ("joint_papers", "joint"), ("years", "years"), ("titles", "joint papers")],
                             shown, " → ".join([steps[0]["from_name"], *(r["to_name"] for r in steps)])))
    _note("joint: papers the two wrote together (the newest three shown) · Steps can only get shorter "
          "as truncated author lists are completed.")


# -- kg evolution ------------------------------------------------------------------------------


EVOLUTION_COLUMNS = [("year", "year"), ("papers", "papers"), ("papers_so_far", "so far"), ("nodes", "people"),
                     ("edges", "links"), ("new", "new"), ("largest_component_share", "largest"),
                     ("components", "comp."), ("communities", "comm."), ("persisting", "kept")]


@app.command()
def evolution(
    person: str = typer.Option(None, "--person", help="One person's ego network instead of the whole graph."),
    since: int = _SINCE, until: int = _UNTIL, topic: str = _TOPIC, org: str = _ORG,
    chart: Path = typer.Option(None, "--chart", help="Also draw the rows as a chart (.png or .svg)."),
    seed: int = typer.Option(42, "--seed", help="Seed of the Louvain communities."),
    communities: bool = typer.Option(True, "--communities/--no-communities",
                                     help="Count Louvain communities per year (slow on big graphs)."),
    fmt: str = _FORMAT, output: Path = _OUTPUT, store: Path = _STORE,
) -> None:
    """How the co-author network grew: a cumulative snapshot per year (people, links, new people,
    largest component, communities and how many persist)."""
    from kg.analysis import AnalysisError
    from kg.analysis.evolution import evolution as run
    from kg.analysis.evolution import evolution_chart

    _check_format(fmt)
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise fail(f"{chart}: the chart file must end in .png or .svg")
    filters = _filters(since, until, topic, org)
    try:
        rows = run(_open(store), filters, person=person, seed=seed, communities=communities)
        if chart is not None:
            title = f"Co-author network of {person}" if person else "Co-author network"
            evolution_chart(rows, chart, title=title)
    except (AnalysisError, StoreError) as e:
        raise fail(str(e)) from None
    except OSError as e:
        raise fail(f"cannot write {chart}: {e}") from None
    cols = [c for c, _ in EVOLUTION_COLUMNS]
    if fmt == "json":
        _emit(json.dumps({"person": person, "filters": filters.describe(), "years": rows}, indent=2,
                         ensure_ascii=False), output)
    elif fmt == "csv":
        _emit(_csv(rows, cols), output)
    else:
        what = f"{person}'s co-author network" if person else "The co-author network"
        console.print(_text(f"{what}, cumulative per year"
                            + (f" ({'; '.join(filters.describe())})" if filters.active else ""), "bold"))
        shown = [{**r, "largest_component_share": f"{r['largest_component_share']:.0%}",
                  "communities": "–" if r["communities"] is None else r["communities"],
                  "persisting": "–" if r["persisting"] is None else r["persisting"]} for r in rows]
        table, hidden = _fitted(EVOLUTION_COLUMNS, shown, ["persisting", "communities", "components"])
        console.print(table)
        note = ("new: people new that year · largest: share of people in the largest component · "
                "comp.: components · comm.: Louvain communities · kept: communities of the year before "
                "that persist (Jaccard >= 0.5)")
        if person:
            note += (" · people and links: the person's ego network; components and communities: "
                     "their co-authors without them")
        _note(note)
        _hidden_note(hidden)
    if chart is not None:
        console.print(_text(f"wrote {chart}"))

