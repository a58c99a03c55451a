"""``kg topics``: the fine-grained topic profile of an author or of the whole graph."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.app import app, console, fail, open_store_or_fail
from kg.store import DEFAULT_STORE
from kg.topics.profile import UnknownAuthor, candidate_keyphrases, topic_profile


@app.command()
def topics(
    author: str = typer.Option(None, "--author", "-a", help="Only this author's papers (a name)."),
    store: Path = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph)."),
    top: int = typer.Option(20, "--top", "-n", min=1, help="Show at most N rows."),
    candidates: bool = typer.Option(False, "--candidates", help="Show mined candidate keyphrases instead."),
) -> None:
    """Topic profile: each topic with its papers and first/last year (an author's, or the graph's)."""
    kg_store = open_store_or_fail(store)
    if candidates:
        table = Table(title=f"candidate keyphrases → {escape(str(store))}")
        for col in ("keyphrase", "papers", "score"):
            table.add_column(col, justify="left" if col == "keyphrase" else "right")
        for c in candidate_keyphrases(kg_store, top):
            table.add_row(escape(c.phrase), str(c.papers), f"{c.score:.2f}")
        console.print(table)
        return
    try:
        rows = topic_profile(kg_store, author, top)
    except UnknownAuthor as e:
        raise fail(str(e)) from None
    who = author if author else "all papers"
    table = Table(title=f"topics of {escape(who)} → {escape(str(store))}")
    for col in ("topic", "papers", "in title", "first", "last"):
        table.add_column(col, justify="left" if col == "topic" else "right")
    for r in rows:
        table.add_row(escape(r.label), str(r.papers), str(r.title_papers), str(r.first_year),
                      str(r.last_year))
    console.print(table)
    if not rows:
        console.print("no topics (was the store built with the topic step?)", highlight=False)
