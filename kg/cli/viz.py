"""``kg viz``: interactive, self-contained HTML pictures of the graph."""

from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app, console, fail, open_store_or_fail
from kg.store import DEFAULT_STORE, StoreError


@app.command()
def viz(
    view: str = typer.Option("coauthors", "--view", help="full | coauthors | ego"),
    focus: str = typer.Option(None, "--focus", help="Person at the centre of the ego view."),
    hops: int = typer.Option(1, "--hops", min=0, help="Co-author steps around --focus (ego view)."),
    since: int = typer.Option(None, "--since", help="Only papers from this year on."),
    until: int = typer.Option(None, "--until", help="Only papers up to this year."),
    topic: str = typer.Option(None, "--topic",
                             help="Only papers in this arXiv category (IR, cs.IR, cs, or its label) "
                                  "or on this research topic ('federated learning')."),
    org: str = typer.Option(None, "--org", help="Only papers tagged with this organization (slug or label)."),
    min_weight: int = typer.Option(1, "--min-weight", min=1,
                                   help="Co-author links with at least W joint papers (full view: people "
                                        "with at least W papers)."),
    top: int = typer.Option(None, "--top", min=1,
                            help="Keep the N most connected nodes; the page lists the rest."),
    size_by: str = typer.Option(None, "--size-by",
                                help="Size people by a stored metric (kg analyze --write): betweenness, ..."),
    color_by: str = typer.Option(None, "--color-by",
                                 help="Colour people by a stored metric: community, component, degree, ..."),
    output: Path = typer.Option(None, "-o", "--output", help="HTML file to write (default: kg-<view>.html)."),
    store: Path = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph)."),
) -> None:
    """Draw the graph as an interactive HTML page that works offline, from a file."""
    from kg.analysis import AnalysisError
    from kg.viz import viz as make
    from kg.viz import write_html

    out = output or Path(f"kg-{view}.html")
    if out.suffix.lower() not in {".html", ".htm"}:
        raise fail(f"{out}: the output file must end in .html")
    kg_store = open_store_or_fail(store)  # before the page: no page of 0 nodes for a typo in --store
    try:
        net = make(kg_store, view, focus=focus, hops=hops, since=since, until=until,
                   topic=topic, org=org, min_weight=min_weight, top=top, size_by=size_by, color_by=color_by)
        write_html(net, out)
    except (AnalysisError, StoreError) as e:
        raise fail(str(e)) from None
    except OSError as e:
        raise fail(f"cannot write {out}: {e}") from None
    console.print(f"{out}: {len(net.nodes)} nodes, {len(net.edges)} edges ({view} view)",
                  highlight=False, markup=False, soft_wrap=True)
