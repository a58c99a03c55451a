"""Bulk-load files: one file per named graph, for stores that prefer their own loaders.

Virtuoso (``ld_dir`` + ``rdf_loader_run``), Fuseki/TDB2 (``tdb2.tdbloader``) and QLever
(``qlever-index``) load a folder of N-Quads much faster than any HTTP protocol; the load
commands are in ``docs/triple-stores.md``.  Besides the data files the folder gets

* ``<file>.graph`` next to each N-Triples file: Virtuoso's ``ld_dir`` reads the target graph
  from it (N-Quads carry their graph in every line and need none);
* ``graphs.tsv``: file, graph IRI, triple count — what to check after loading.

Lines are sorted (canonical N-Triples/N-Quads under byte order), so equal graphs give
byte-identical files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from kg.store import KGStore

FORMATS = {"nq": ox.RdfFormat.N_QUADS, "nt": ox.RdfFormat.N_TRIPLES}
MANIFEST = "graphs.tsv"


class BulkError(Exception):
    """The bulk files cannot be written as asked."""


def graph_file_stem(index: int, graph: ox.NamedNode) -> str:
    """``002-chuhan-wu.txt``: position (keeps names unique) and the IRI's last segment."""
    last = graph.value.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip("-.") or "graph"
    return f"{index:03d}-{slug[:80]}"


def write_bulk_files(store: KGStore, folder: str | Path, format: str = "nq") -> list[Path]:
    """Write every committed named graph to its own file in ``folder``; returns the data files.

    ``format`` is ``nq`` (N-Quads) or ``nt`` (N-Triples plus ``.graph`` files).  Existing
    files of the same names are overwritten; nothing else in the folder is touched.
    """
    if format not in FORMATS:
        raise BulkError(f"--split-by-graph writes nq or nt, not {format!r}")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BulkError(f"cannot create {out}: {e}") from None
    files: list[Path] = []
    manifest = ["file\tgraph\ttriples"]
    for k, graph in enumerate(store.graphs(), start=1):
        path = out / f"{graph_file_stem(k, graph)}.{format}"
        if format == "nq":
            data = ox.serialize(store.quads(graph), format=FORMATS[format])
        else:
            data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)),
                                format=FORMATS[format])
        lines = sorted(set(data.splitlines()))
        try:
            path.write_bytes(b"".join(line + b"\n" for line in lines))
            if format == "nt":
                path.with_name(path.name + ".graph").write_text(graph.value + "\n", encoding="utf-8")
        except OSError as e:
            raise BulkError(f"cannot write {path}: {e}") from None
        files.append(path)
        manifest.append(f"{path.name}\t{graph.value}\t{len(lines)}")
    (out / MANIFEST).write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return files
