"""``kg query``: run the SPARQL query library (or ad-hoc queries) on the store or an endpoint."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from kg.cli.app import app, console, fail, open_store_or_fail
from kg.query.results import QueryResult
from kg.store import DEFAULT_STORE, StoreError

FORMATS = ("table", "csv", "tsv", "json", "md")


def _parse_params(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise fail(f"--param expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def _print_list() -> None:
    from kg.query import library

    for name, q in library().items():
        console.print(Text.assemble((name, "bold cyan"), "  ", q.title))
        if q.question:
            console.print(Text("    " + q.question))
        for p in q.params:
            default = f", default {p.default}" if p.default is not None else ""
            console.print(
                Text(f"    --param {p.name}=… ({p.type}, e.g. {p.example!r}{default}) {p.description}")
            )
        if q.columns:
            console.print(Text("    columns: " + ", ".join(c.name for c in q.columns)))
        for note in q.notes:
            console.print(Text("    note: " + note))


def _table(result: QueryResult, columns: list[str] | None = None) -> Table:
    from kg.query.results import display

    columns = result.columns if columns is None else columns
    table = Table(show_header=True, header_style="bold")
    rows = result.rows
    for c in columns:
        numeric = bool(rows) and all(
            isinstance(r[c], int | float) and not isinstance(r[c], bool) for r in rows if r[c] is not None
        )
        table.add_column(c, overflow="fold", justify="right" if numeric else "left")
    for row in result.terms:
        table.add_row(*(Text(display(row.get(c))) for c in columns))
    return table


def _note(text: str) -> None:
    """A dim note wrapped at words to the terminal (rich would leave a trailing space per line)."""
    lines = textwrap.wrap(text, width=max(console.width, 20), break_on_hyphens=False)
    console.print(Text("\n".join(lines), style="dim"), soft_wrap=True)


def _iri_columns(result: QueryResult, *, compact_only: bool) -> list[str]:
    """Columns whose every bound value (at least one) is an IRI; ``compact_only``: one shown as a CURIE."""
    from kg.query.results import display

    out = []
    for c in result.columns:
        values = [t for row in result.terms if (t := row.get(c)) is not None]
        if values and all(t.type == "uri" and (not compact_only or display(t) != t.value) for t in values):
            out.append(c)
    return out


def fitted_table(result: QueryResult, width: int) -> tuple[Table, list[str]]:
    """The result as a table that fits ``width`` columns, if hiding IRI columns gets it there.

    IRIs are for machines (``--format csv/json`` keep them); folded over two lines each they
    make a narrow terminal's table hard to read.  The graph's own identifiers (shown as
    ``id:…`` CURIEs) go first, then other IRIs such as repository URLs; a table that still
    does not fit is folded by rich.  Returns the table and the hidden columns.
    """
    def natural_width(table: Table) -> int:
        # measured unbounded: a table measured within the terminal reports its squeezed width
        return console.measure(table, options=console.options.update_width(1_000_000)).maximum

    table, hidden = _table(result), []
    for compact_only in (True, False):
        if natural_width(table) <= width:
            break
        drop = _iri_columns(result, compact_only=compact_only)
        keep = [c for c in result.columns if c not in drop]
        if not drop or not keep or drop == hidden:  # never hide every column
            continue
        narrower = _table(result, keep)
        # identifiers go whenever space is short; links only when that makes the table fit
        if compact_only or natural_width(narrower) <= width:
            table, hidden = narrower, drop
    return table, hidden


@app.command("query")
def query_command(
    name: str = typer.Argument(None, help="A library query (see --list), e.g. coauthors."),
    param: list[str] = typer.Option(
        [], "--param", "-p", help='Parameter NAME=VALUE, e.g. author="Chuhan Wu" (repeatable).'
    ),
    fmt: str = typer.Option(
        "table", "--format", "-f", help="Output: table, csv, tsv, json (W3C SPARQL results), md."
    ),
    limit: int = typer.Option(None, "--limit", "-n", min=0, help="Keep the first N rows."),
    store: Path = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph)."),
    endpoint: str = typer.Option(None, "--endpoint", help="Run on this SPARQL endpoint URL instead."),
    engine: str = typer.Option("oxigraph", "--engine", help="In-process engine: oxigraph or rdflib."),
    list_queries: bool = typer.Option(False, "--list", help="List the library with each query's header."),
    file: Path = typer.Option(None, "--file", help="Run a .rq file (its header types its parameters)."),
    sparql: str = typer.Option(None, "--sparql", help="Run this SPARQL SELECT query."),
    show: bool = typer.Option(False, "--show", help="Print the query text instead of running it."),
) -> None:
    """Ask the graph a question: `kg query coauthors --param author="Chuhan Wu"`."""
    from kg.query import (
        ParameterError,
        QueryError,
        QueryFileError,
        get_engine,
        get_query,
        load_query,
        parse_query,
        run,
    )

    if list_queries:
        _print_list()
        return
    chosen = [x for x in (name, file, sparql) if x is not None]
    if len(chosen) != 1:
        raise fail("give exactly one of a query NAME, --file FILE or --sparql TEXT (or --list)")
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    params = _parse_params(param)
    try:
        if name is not None:
            query = get_query(name)
        elif file is not None:
            query = load_query(file)
        else:
            query = parse_query(sparql, name="--sparql")
        if show:
            sys.stdout.write(query.text if query.text.endswith("\n") else query.text + "\n")
            return
        # Only an existing store with a built source: a typo in --store is an error, not "no person".
        eng = get_engine(open_store_or_fail(store) if endpoint is None else None, engine=engine,
                         endpoint=endpoint)
        result = run(eng, query, limit=limit, **params)
    except (ParameterError, QueryError, QueryFileError, StoreError, ValueError) as e:
        raise fail(str(e)) from None
    if fmt == "table":
        if query.title:
            console.print(Text(query.title, style="bold"))
        table, hidden = fitted_table(result, console.width)
        console.print(table)
        _note(f"{len(result)} rows" + (f" · {n}" if (n := " ".join(query.notes)) else ""))
        if hidden:
            _note(f"not shown, to fit {console.width} columns: {', '.join(hidden)} "
                  "(IRIs; --format csv or json has them)")
        return
    out = {"csv": result.to_csv, "tsv": result.to_tsv, "json": result.to_json, "md": result.to_markdown}[
        fmt
    ]()
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
