"""Export the store (or one named graph) as Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML.

Everything streams from Oxigraph to the output file; nothing is copied into Python memory
except in two documented cases:

* a triple format (``ttl``, ``nt``, ``xml``) of the *whole* store is the union of its named
  graphs without duplicates, so Oxigraph keeps the set of triples already written (in Rust,
  a few tens of bytes per triple).  ``nq``/``trig``/``jsonld`` or ``--graph`` stream flat.
* ``sort=True`` (``nt``/``nq`` only) writes canonical lines to a temporary file and sorts
  them with the system ``sort -u`` under ``LC_ALL=C`` (an external merge sort: bounded
  memory, temporary files in the system temporary folder), so the output is byte-identical for equal
  graphs whatever the store's internal order.

JSON-LD is written by pyoxigraph in expanded form (it ignores prefixes); Turtle and TriG use
the project's prefixes (:data:`kg.rdf.namespaces.PREFIXES`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.rdf.namespaces import ONTOLOGY_GRAPH, PREFIXES
from kg.store import KGStore


@dataclass(frozen=True)
class Format:
    """An export format: its pyoxigraph serializer and whether it keeps graph names."""

    name: str
    rdf: ox.RdfFormat
    dataset: bool
    suffix: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ttl", ox.RdfFormat.TURTLE, False, ".ttl"),
    Format("nt", ox.RdfFormat.N_TRIPLES, False, ".nt"),
    Format("nq", ox.RdfFormat.N_QUADS, True, ".nq"),
    Format("trig", ox.RdfFormat.TRIG, True, ".trig"),
    Format("jsonld", ox.RdfFormat.JSON_LD, True, ".jsonld"),
    Format("xml", ox.RdfFormat.RDF_XML, False, ".rdf"),
)}
_SUFFIXES = {**{f.suffix: f.name for f in FORMATS.values()}, ".xml": "xml", ".owl": "xml",
             ".json": "jsonld", ".n3": "ttl"}
SORTABLE = ("nt", "nq")


class ExportError(Exception):
    """An export cannot be made as asked (unknown format or graph, unsortable format...)."""


def get_format(name: str | None, path: Path | None = None) -> Format:
    """The format called ``name``, else the one ``path``'s suffix names."""
    if name is None:
        if path is None or path.suffix.lower() not in _SUFFIXES:
            raise ExportError(f"cannot tell the format from {str(path)!r}; "
                              f"give one of: {', '.join(FORMATS)}")
        name = _SUFFIXES[path.suffix.lower()]
    fmt = FORMATS.get(name.lower().lstrip("."))
    if fmt is None:
        raise ExportError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


def resolve_graph(store: KGStore, graph: str | ox.NamedNode) -> ox.NamedNode:
    """A committed graph named by its IRI, by its source file name, or ``ontology``."""
    committed = store.graphs()
    if isinstance(graph, ox.NamedNode):
        graph = graph.value
    if graph == "ontology":
        graph = ONTOLOGY_GRAPH.value
    for g in committed:
        if graph in (g.value, g.value.rsplit("/", 1)[-1]):
            return g
    known = ", ".join(g.value for g in committed) or "none: the store is empty"
    raise ExportError(f"no graph {graph!r} in the store; its graphs are: {known}")


def _has_default_graph(store: KGStore) -> bool:
    return any(True for _ in store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def _write(store: KGStore, out: BinaryIO, fmt: Format, graph: ox.NamedNode | None, *,
           distinct: bool = True) -> None:
    prefixes = PREFIXES if fmt.name in ("ttl", "trig") else None
    if graph is not None and not fmt.dataset:
        store.ox.dump(out, fmt.rdf, from_graph=graph, prefixes=prefixes)
    elif graph is not None:
        ox.serialize(store.quads(graph), out, fmt.rdf, prefixes=prefixes)
    elif fmt.dataset:
        if store._has_hidden() or _has_default_graph(store):
            ox.serialize(store.quads(), out, fmt.rdf, prefixes=prefixes)
        else:  # the fast path: Oxigraph writes the whole dataset itself
            store.ox.dump(out, fmt.rdf, prefixes=prefixes)
    elif distinct:
        ox.serialize(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), out, fmt.rdf, prefixes=prefixes)
    else:  # graph by graph, duplicates included (the sorted path removes them)
        ox.serialize(_triples(store), out, fmt.rdf)


def _triples(store: KGStore) -> Iterable[ox.Triple]:
    for q in store.quads():
        yield q.triple


def _sort_file(unsorted: Path, out: BinaryIO, tmpdir: Path) -> None:
    """``LC_ALL=C sort -u``: byte order, duplicates removed, bounded memory."""
    sort = shutil.which("sort")
    if sort is None:  # no external sort on this system: sort in memory (documented fallback)
        lines = sorted(set(unsorted.read_bytes().splitlines(keepends=True)))
        out.writelines(lines)
        return
    out.flush()
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run([sort, "-u", "-T", str(tmpdir), str(unsorted)], stdout=out, env=env,
                       check=True, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as e:
        if e.returncode == -signal.SIGPIPE:
            raise BrokenPipeError("the reader of the output went away") from None
        raise ExportError(f"sort failed: {e.stderr.decode(errors='replace').strip()}") from None


def export(store: KGStore, out: BinaryIO, format: str, *, graph: str | ox.NamedNode | None = None,
           sort: bool = False) -> None:
    """Write the store (or one graph) to the binary stream ``out``.

    ``sort`` gives canonical, byte-sorted, duplicate-free lines (``nt``/``nq`` only) for
    byte-identical comparison of two stores.
    """
    fmt = get_format(format)
    g = resolve_graph(store, graph) if graph is not None else None
    if sort and fmt.name not in SORTABLE:
        raise ExportError(f"--sorted needs a line-based format ({' or '.join(SORTABLE)}), not {fmt.name}")
    if not sort:
        _write(store, out, fmt, g)
        return
    tmpdir = Path(tempfile.mkdtemp(prefix="kg-export-"))
    try:
        unsorted = tmpdir / f"unsorted{fmt.suffix}"
        with unsorted.open("wb") as f:
            _write(store, f, fmt, g, distinct=False)
        _sort_file(unsorted, out, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def export_to_path(store: KGStore, path: Path, *, format: str | None = None,
                   graph: str | ox.NamedNode | None = None, sort: bool = False) -> Path:
    """Write the export to ``path`` (format from ``format`` or the suffix); returns ``path``.

    The file appears complete or not at all: it is written next to ``path`` and renamed.
    """
    fmt = get_format(format, path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as f:
            export(store, f, fmt.name, graph=graph, sort=sort)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
