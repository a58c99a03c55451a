"""``kg add``, ``kg remove``, ``kg doctor``: change the sources of a store, and check its merges.

Why separate from ``kg build``: ``add`` and ``remove`` work on a store that exists (a typo in
``--store`` must not start a new one), and ``doctor`` is where a person settles what entity
resolution left open.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from kg.builder import build_sources, remove_sources
from kg.cli.app import app, console, fail, open_store_or_fail, parse_date
from kg.cli.build import FORMAT_OPTION, STORE_OPTION, print_build_report, run_build
from kg.cli.sources import SOURCES_HELP, expand_sources
from kg.rdf.namespaces import DEFAULT_BASE_IRI
from kg.store import KGStore


def _existing(store: Path) -> None:
    """Refuse a store folder that does not exist or holds no built source (and create nothing)."""
    open_store_or_fail(store)  # the one check every reading command makes


@app.command()
def add(
    sources: list[Path] = typer.Argument(..., help="Sources to add (any format kg build reads). "
                                         + SOURCES_HELP),
    store: Path = STORE_OPTION,
    as_of: str = typer.Option(None, "--as-of", help="Capture date of profile pages, YYYY-MM-DD."),
    base_iri: str = typer.Option(DEFAULT_BASE_IRI, "--base-iri", help="Base IRI of minted instances."),
    strict: bool = typer.Option(False, "--strict", help="Any problem in a source refuses the change."),
    no_validate: bool = typer.Option(False, "--no-validate", help="Skip the SHACL check."),
    format: str = FORMAT_OPTION,
) -> None:
    """Add SOURCES to an existing store: merged with what it holds, in one transaction."""
    _existing(store)
    date = parse_date(as_of)
    sources = expand_sources(sources, format=format)  # folders and globs, as kg build takes them
    report = run_build(lambda on_source, on_progress: build_sources(
        sources, store=store, as_of=date, base_iri=base_iri, strict=strict, validate=not no_validate,
        on_source=on_source, on_progress=on_progress, format=format))
    print_build_report(report, "add")


@app.command()
def remove(
    sources: list[str] = typer.Argument(..., help="Sources to remove, by file name (or path)."),
    store: Path = STORE_OPTION,
    base_iri: str = typer.Option(DEFAULT_BASE_IRI, "--base-iri", help="Base IRI of minted instances."),
    no_validate: bool = typer.Option(False, "--no-validate", help="Skip the SHACL check."),
) -> None:
    """Remove SOURCES from the store: exactly the facts that came only from them.

    A paper or person another source still mentions stays, with that source's facts.
    """
    _existing(store)
    report = run_build(lambda on_source, on_progress: remove_sources(
        sources, store=store, base_iri=base_iri, validate=not no_validate))
    print_build_report(report, "remove")


@app.command()
def doctor(
    store: Path = STORE_OPTION,
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """List likely duplicates entity resolution did not merge, near-duplicate titles and conflicts.

    Settle a pair of people in ontology/aliases.toml ([[person]] name/aliases); the next build
    merges them.
    """
    from kg.doctor import diagnose

    if format not in ("table", "json"):
        raise fail(f"unknown --format {format!r}: table or json")
    _existing(store)
    diagnosis = diagnose(KGStore(store, read_only=True))
    if format == "json":
        console.print_json(json.dumps(diagnosis.as_dict(), ensure_ascii=False))
        return
    people = Table(title="Likely duplicate people (not merged)")
    for col in ("reason", "person", "name", "papers", "sources", "identifiers"):
        people.add_column(col, justify="right" if col == "papers" else "left")
    for dup in diagnosis.people:
        for p in dup.people:
            people.add_row(dup.reason, Text(p.iri), Text(p.name), str(p.papers), Text(", ".join(p.sources)),
                           Text(", ".join(p.ids) or "-"))
    titles = Table(title="Near-duplicate titles (not merged)")
    for col in ("similarity", "paper", "title", "year"):
        titles.add_column(col)
    for t in diagnosis.titles:
        for iri, title, year in t.papers:
            titles.add_row(f"{t.ratio:.2f}", Text(iri), Text(title), str(year))
    conflicts = Table(title="Conflicts between sources")
    for col in ("rule", "what", "records"):
        conflicts.add_column(col)
    for c in diagnosis.conflicts:
        conflicts.add_row(c.rule, Text(c.message), Text(c.records))
    for table in (people, titles, conflicts):
        console.print(table if table.row_count else Text(f"{table.title}: none"))
