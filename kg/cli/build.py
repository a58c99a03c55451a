"""``kg build``, ``kg validate``, ``kg stats``, ``kg export``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.builder import BuildError, BuildReport, build_sources, store_counts
from kg.cli.app import app, console, err, fail, open_store_or_fail, parse_date
from kg.cli.sources import SOURCES_HELP, expand_sources
from kg.rdf.namespaces import DEFAULT_BASE_IRI
from kg.store import DEFAULT_STORE, StoreError, remove_new_store_on_failure
from kg.validate import ShapeViolation

STORE_OPTION = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph).")


def print_build_report(report: BuildReport, command: str = "build") -> None:
    """The per-source table and the store's totals (shared by build, add and remove)."""
    for p in report.problems:
        err.print(str(p), highlight=False, markup=False)
    for c in report.conflicts:
        err.print(f"warning: {c}", highlight=False, markup=False)
    table = Table(title=f"kg {command} → {report.store}", show_header=True)
    for col in ("source", "papers", "skipped blocks", "triples", "status"):
        table.add_column(col, justify="right" if col in {"papers", "skipped blocks", "triples"} else "left")
    for s in report.sources:
        table.add_row(Path(s.path).name, str(s.papers), str(s.skipped_blocks), str(s.triples), s.status)
    console.print(table)
    c = report.counts
    merged = (f" · merges {report.merges} · conflicts {len(report.conflicts)}"
              if report.merges or report.conflicts else "")
    # Two short lines rather than one that an 80-column terminal wraps at a random word.
    console.print(
        f"papers {c['papers']} · people {c['people']} · organizations {c['organizations']} · "
        f"topics {c['topics']} · repositories {c['repositories']} ·\n"
        f"triples {c['triples']} · skipped blocks {sum(s.skipped_blocks for s in report.sources)}{merged} · "
        f"{report.seconds:.2f} s",
        highlight=False,
    )


def run_build(call: Callable[..., BuildReport], *, new_store: Path | None = None) -> BuildReport:
    """Run a build (build, add, remove) with a progress bar; every refusal is one clear error.

    ``new_store``: the store folder of a build that may create it; if the build fails, a folder
    it created is removed (the error says "nothing was written", or what was left).
    """
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("reading", total=None)

        def on_source(path: str, papers: int) -> None:
            if path:
                progress.update(task, description=f"reading {Path(path).name}")
            else:  # every source read: resolving and mapping them all
                progress.update(task, description="resolving and mapping", total=papers, completed=0)

        guard = remove_new_store_on_failure(new_store)
        try:
            with guard as written:
                return call(on_source, lambda n: progress.advance(task, n))
        except KeyboardInterrupt:
            raise fail(f"interrupted; {written.outcome()}", code=130) from None
        except ValueError as e:  # e.g. an invalid --base-iri
            raise fail(f"{e} ({written.outcome()})") from None
        except BuildError as e:
            for p in e.problems:
                err.print(str(p), highlight=False, markup=False)
            raise fail(f"{e} ({written.outcome('nothing was written')})") from None
        except ShapeViolation as e:
            err.print(e.report, highlight=False, markup=False)
            raise fail(f"the built graph does not conform to the shapes ({e.count} violations); "
                       f"{written.outcome()}") from None
        except StoreError as e:
            raise fail(f"{e} ({written.outcome()})") from None


FORMAT_OPTION = typer.Option(None, "--format", help="Read every source with this reader (default: by "
                             "extension and content): profile, bibtex, arxiv, openalex, dblp.")


@app.command()
def build(
    sources: list[Path] = typer.Argument(..., help="Sources to read: profile pages (.txt), BibTeX (.bib), "
                                         "arXiv API answers (.atom/.xml), OpenAlex works (.json/.jsonl), "
                                         f"DBLP XML (.xml). {SOURCES_HELP}", exists=False),
    store: Path = STORE_OPTION,
    as_of: str = typer.Option(None, "--as-of",
                              help="Capture date of the pages, YYYY-MM-DD (default: today)."),
    base_iri: str = typer.Option(DEFAULT_BASE_IRI, "--base-iri", help="Base IRI of minted instances."),
    strict: bool = typer.Option(False, "--strict", help="Any problem in a source refuses the build."),
    force: bool = typer.Option(False, "--force", help="Rebuild sources even when unchanged."),
    no_validate: bool = typer.Option(False, "--no-validate",
                                     help="Skip the SHACL check (big loads: pyshacl needs ~1.3 KB/triple)."),
    format: str = FORMAT_OPTION,
) -> None:
    """Build the knowledge graph of SOURCES into the store (each source in its own named graph).

    Sources already in the store stay; all are resolved together (one node per paper and per
    person across sources) and every change is committed at once.
    """
    date = parse_date(as_of)
    sources = expand_sources(sources, format=format)
    report = run_build(lambda on_source, on_progress: build_sources(
        sources, store=store, as_of=date, base_iri=base_iri, strict=strict, force=force,
        validate=not no_validate, on_source=on_source, on_progress=on_progress, format=format),
        new_store=store)
    print_build_report(report)


@app.command()
def validate(
    store: Path = STORE_OPTION,
    file: Path = typer.Option(None, "--file", "-f", help="Validate an RDF file instead of the store."),
    graph: str = typer.Option(None, "--graph", "-g",
                              help="Validate only this named graph: its IRI or its source file name."),
) -> None:
    """Validate the store (or one graph, or an RDF file) against the SHACL shapes.

    The union of the source graphs is checked, as `kg build` checks it, together with the
    ontology (kg.ttl and the arXiv taxonomy, where the categories it names are described).
    With several sources, one graph alone may lean on another (each fact is kept once, in the
    graph of the source that supplies it), so --graph is for stores of one source.
    """
    import pyoxigraph as ox

    from kg.validate import validate_store, validate_triples

    if file is not None:
        try:
            triples = list(ox.parse(path=str(file)))  # format from the extension
        except (OSError, SyntaxError, ValueError) as e:
            raise fail(f"{file}: {e}") from None
        result, checked = validate_triples(triples), len(triples)
    else:
        from kg.export import ExportError, resolve_graph
        from kg.rdf.namespaces import ONTOLOGY_GRAPH

        try:
            kg_store = open_store_or_fail(store)
            graphs = ([resolve_graph(kg_store, graph)] if graph is not None
                      else [g for g in kg_store.graphs() if g != ONTOLOGY_GRAPH])
        except (StoreError, ExportError) as e:
            raise fail(str(e)) from None
        result = validate_store(kg_store, graphs)
        checked = sum(kg_store.count(g) for g in graphs)
    if result.conforms:
        console.print(f"conforms: {checked} triples checked against ontology/shapes.ttl")
        return
    console.print(result.report, highlight=False, markup=False)
    raise fail(f"{result.violations} violations")


@app.command()
def stats(
    store: Path = STORE_OPTION,
    void: bool = typer.Option(False, "--void", help="Print a VoID description (Turtle) instead."),
) -> None:
    """Counts: papers, people, orgs, topics, repositories, triples; per class; per property.

    With --void, a VoID description (Turtle) of the dataset and of each named graph instead.
    """
    from kg.void import curie, dataset_stats, void_turtle

    kg_store = open_store_or_fail(store)
    if void:
        typer.echo(void_turtle(kg_store), nl=False)
        return
    table = Table(title=f"kg stats → {store}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for k, v in store_counts(kg_store).items():
        table.add_row(k, str(v))
    console.print(table)
    whole = dataset_stats(kg_store)
    for title, col, rows in (("per class (union of graphs)", "entities", whole.classes),
                             ("per property (union of graphs)", "triples", whole.properties)):
        t = Table(title=title)
        t.add_column("class" if col == "entities" else "property")
        t.add_column(col, justify="right")
        for term, n in rows.items():
            t.add_row(curie(term), str(n))
        console.print(t)


@app.command()
def export(
    format: str = typer.Option(None, "--format", "-f",
                               help="ttl, nt, nq, trig, jsonld or xml (default: -o's suffix, else nq)."),
    graph: str = typer.Option(None, "--graph", "-g",
                              help="Only this named graph: its IRI, its source file name, or 'ontology'."),
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    sort: bool = typer.Option(False, "--sorted", help="Byte-sorted, duplicate-free lines (nt, nq only)."),
    split_by_graph: bool = typer.Option(
        False, "--split-by-graph",
        help="Bulk files for triple-store loaders: one sorted file per named graph in the -o folder "
             "(nq or nt), plus graphs.tsv; see docs/triple-stores.md."),
    store: Path = STORE_OPTION,
) -> None:
    """Export the store (or one named graph), streamed from Oxigraph."""
    import sys

    if split_by_graph:
        from kg.remote.bulk import BulkError, write_bulk_files

        if output is None or (format or "nq") not in {"nq", "nt"}:
            raise fail("--split-by-graph needs --format nq or nt and -o FOLDER")
        kg_store = open_store_or_fail(store)
        try:
            files = write_bulk_files(kg_store, output, format=format or "nq")
        except (BulkError, StoreError) as e:
            raise fail(str(e)) from None
        err.print(f"wrote {len(files)} files to {output}", highlight=False, markup=False)
        return

    from kg.export import ExportError, export_to_path, get_format, merged_graphs
    from kg.export import export as export_stream

    try:
        fmt = get_format(format or ("nq" if output is None else None), output)
        kg_store = open_store_or_fail(store)
        if merged := merged_graphs(kg_store, fmt.name, graph):
            err.print(f"warning: {fmt.name} has no named graphs: the store's {len(merged)} graphs are merged "
                      "into one and their names dropped (nq, trig or jsonld keep them; --graph exports one)",
                      highlight=False, markup=False)
        if output is None:
            export_stream(kg_store, sys.stdout.buffer, fmt.name, graph=graph, sort=sort)
            sys.stdout.buffer.flush()
        else:
            export_to_path(kg_store, output, format=fmt.name, graph=graph, sort=sort)
            err.print(f"wrote {output} ({fmt.name})", highlight=False, markup=False)
    except (ExportError, StoreError) as e:
        raise fail(str(e)) from None
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error
        sys.stderr.close()
        raise typer.Exit(0) from None
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror or e}") from None
