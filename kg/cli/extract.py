"""``kg extract SOURCE``: read one source (any reader) and show its records (summary or JSON).

Why: users check what the extractor made of their page before building a graph from it.
Problems always go to stderr as ``file:line: ...`` so stdout stays clean JSON for tools.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from kg.cli.app import app, console, parse_date
from kg.extract import ExtractionError
from kg.extract.sources import read_source
from kg.models import SourceRecords


def records_json(records: SourceRecords) -> str:
    """One JSON object: ``source``, ``profile``, ``papers``, ``problems`` (model field names)."""
    data = records.model_dump(mode="json")
    return json.dumps({k: data[k] for k in ("profile", "papers", "problems", "source")},
                      ensure_ascii=False, indent=2)


def _num(v: int | None, unit: str = "") -> str:
    return "-" if v is None else f"{v}{unit}"


def _summary(records: SourceRecords) -> None:
    """A short table of what was read, then the links and every skipped block with its reason."""
    if records.profile is None:
        _records_summary(records)
        return
    prof, papers = records.profile, records.papers
    table = Table(title=Text(f"kg extract → {records.source.path}"), show_header=False)
    table.add_column("what")
    table.add_column("value")

    def row(what: str, value: object) -> None:
        table.add_row(what, Text(str(value)))  # Text: page text is never read as rich markup

    row("owner", prof.name)
    row("primary category", prof.primary_category or "-")
    row("h-index · citations · novelty · AI score", f"{_num(prof.h_index)} · {_num(prof.citations)} · "
        f"{_num(prof.novelty_pct, '%')} · {_num(prof.ai_score)}")
    row("papers listed / stated", f"{prof.papers_listed} / {_num(prof.papers_stated)}")
    row("capture date (as of)", prof.as_of.isoformat())
    cats = Counter(p.primary_category for p in papers)
    by_count = sorted(cats.items(), key=lambda x: (-x[1], x[0]))
    row("primary categories", ", ".join(f"{c} {n}" for c, n in by_count))
    row("cross-listed", sum(len(p.categories) > 1 for p in papers))
    row("with code", sum(p.has_code for p in papers))
    orgs = Counter(p.org for p in papers if p.org)
    row("organisations", ", ".join(f"{o} {n}" for o, n in sorted(orgs.items())) or "-")
    row("year inferred", ", ".join(p.published.isoformat() for p in papers if p.year_inferred and p.published)
        or "-")
    row("truncated author lists", sum(p.author_list_truncated for p in papers))
    row("distinct visible authors", len({a.name_key for p in papers for a in p.visible_authors}))
    row("owner inferred (no position)", sum(any(a.inferred for a in p.authors) for p in papers))
    links = [link.url for p in papers for link in p.links]
    row("links", len(links))
    errors = sum(p.severity == "error" for p in records.problems)
    row("problems", f"{errors} errors, {len(records.problems) - errors} warnings")
    skipped = records.skipped
    row("skipped blocks", len(skipped))
    console.print(table)
    for link in links:
        console.print(Text(f"  link: {link}"), soft_wrap=True)
    for p in skipped:
        console.print(Text(f"  skipped: line {p.line}: {p.message}"), soft_wrap=True)


def _records_summary(records: SourceRecords) -> None:
    """The summary of a source without a profile header (BibTeX, arXiv, OpenAlex, DBLP)."""
    papers = records.papers
    title = Text(f"kg extract → {records.source.path} ({records.source.kind})")
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("value")

    def row(what: str, value: object) -> None:
        table.add_row(what, Text(str(value)))

    row("records read", len(papers))
    years = sorted(p.year for p in papers if p.year)
    row("years", f"{years[0]}–{years[-1]}" if years else "-")
    row("with full date", sum(p.published is not None for p in papers))
    row("with DOI · arXiv id",
        f"{sum(bool(p.doi) for p in papers)} · {sum(bool(p.arxiv_id) for p in papers)}")
    row("truncated author lists", sum(p.author_list_truncated for p in papers))
    row("authorships", sum(len(p.authors) for p in papers))
    row("distinct author names", len({a.name_key for p in papers for a in p.authors}))
    row("with ORCID", len({a.orcid for p in papers for a in p.authors if a.orcid}))
    row("affiliations", len({o.name for p in papers for a in p.authors for o in a.affiliations}))
    errors = sum(p.severity == "error" for p in records.problems)
    row("problems", f"{errors} errors, {len(records.problems) - errors} warnings")
    row("skipped records", len(records.skipped))
    console.print(table)
    for p in records.skipped:
        console.print(Text(f"  skipped: line {p.line}: {p.message}"), soft_wrap=True)


@app.command()
def extract(
    page: Path = typer.Argument(..., help="A source to read: a profile page, BibTeX, arXiv Atom, OpenAlex "
                                "JSON/JSONL or DBLP XML file."),
    as_of: str = typer.Option(None, "--as-of", help="Capture date of a page, YYYY-MM-DD (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the records as one JSON object."),
    strict: bool = typer.Option(False, "--strict", help="Any problem: exit 1 and print nothing."),
    format: str = typer.Option(None, "--format",
                               help="Force a reader: profile, bibtex, arxiv, openalex, dblp."),
) -> None:
    """Read SOURCE into records and print a summary (or the records as JSON)."""
    date = parse_date(as_of)
    try:
        records = read_source(page, format=format, as_of=date, strict=strict)
    except ValueError as e:  # an unknown --format
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    except ExtractionError as e:
        for p in e.problems:
            typer.echo(str(p), err=True)  # plain, unwrapped: editors and CI parse file:line
        typer.echo(f"error: {page}: {len(e.problems)} problem(s); nothing extracted", err=True)
        raise typer.Exit(1) from None
    for p in records.problems:
        typer.echo(str(p), err=True)
    if as_json:
        typer.echo(records_json(records))
    else:
        _summary(records)
