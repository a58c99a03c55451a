"""The embedded, persistent Oxigraph store, with all-or-nothing replacement of source graphs.

Each source lives in its own named graph.  A rebuild loads the new triples into a private
*staging* graph (in transactional batches), then swaps it in with one SPARQL update
(``DROP SILENT GRAPH <g> ; MOVE <staging> TO <g>``), which Oxigraph applies atomically.
A crash or ``kill -9`` before the swap leaves at most an orphan staging graph, which
queries never see (they read only committed graphs) and the next writer removes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES

STAGING_PREFIX = "urn:kg:staging:"
DEFAULT_STORE = Path("kg-store")
BATCH_SIZE = 50_000


class StoreError(Exception):
    """The store cannot be opened or written as asked."""


def _batches(quads: Iterable[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    it = iter(quads)
    while batch := list(islice(it, size)):
        yield batch


class KGStore:
    """A knowledge-graph store: a persistent Oxigraph database in a folder, or in memory.

    >>> s = KGStore()                       # in memory
    >>> s = KGStore("kg-store")             # doctest: +SKIP  (persistent folder)
    >>> s = KGStore("kg-store", read_only=True)  # doctest: +SKIP  (many readers at once)
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                if not self.path.is_dir():
                    raise StoreError(f"no store at {self.path} (run `kg build` first)")
                self.ox = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {e}") from None

    # -- graphs ---------------------------------------------------------------------------

    def graphs(self) -> list[ox.NamedNode]:
        """The committed named graphs (sorted), never the staging ones."""
        names = [g for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode)]
        return sorted((g for g in names if not g.value.startswith(STAGING_PREFIX)), key=lambda g: g.value)

    def _has_staging(self) -> bool:
        return any(g.value.startswith(STAGING_PREFIX) for g in self.ox.named_graphs()
                   if isinstance(g, ox.NamedNode))

    def drop_staging(self) -> int:
        """Remove graphs left by interrupted builds; returns how many."""
        stale = [g for g in self.ox.named_graphs()
                 if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_PREFIX)]
        for g in stale:
            self.ox.remove_graph(g)
        return len(stale)

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad], *,
                      check: Callable[[ox.NamedNode], None] | None = None,
                      on_batch: Callable[[int], None] | None = None,
                      batch_size: int = BATCH_SIZE) -> int:
        """Atomically replace ``graph`` with ``quads`` (their graph names are ignored).

        ``check(staging_graph)`` runs on the fully loaded staging graph before the swap; if
        it raises, the staging graph is dropped and ``graph`` is left exactly as it was.
        Returns the number of distinct triples now in ``graph``.
        """
        staging = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        try:
            for batch in _batches(quads, batch_size):
                self.ox.extend([ox.Quad(q.subject, q.predicate, q.object, staging) for q in batch])
                if on_batch:
                    on_batch(len(batch))
            if check is not None:
                check(staging)
            self.ox.update(f"DROP SILENT GRAPH <{graph.value}> ; "
                           f"ADD SILENT <{staging.value}> TO <{graph.value}> ; "
                           f"DROP SILENT GRAPH <{staging.value}>")
        except BaseException:
            self.ox.remove_graph(staging)
            raise
        return self.count(graph)

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.ox.update(f"DROP SILENT GRAPH <{graph.value}>")

    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Triples in one graph, or quads in all committed graphs."""
        if graph is not None:
            return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, graph))
        return sum(self.count(g) for g in self.graphs())

    # -- queries --------------------------------------------------------------------------

    def query_kwargs(self) -> dict[str, Any]:
        """How to make the default graph the union of the committed graphs."""
        if self._has_staging():
            return {"default_graph": self.graphs()}
        return {"use_default_graph_as_union": True}

    def query(self, sparql: str, *, substitutions: dict[ox.Variable, ox.Term] | None = None,
              **kwargs: Any) -> Any:
        """Run a SPARQL query over the union of the committed graphs.

        Values for variables go in ``substitutions`` (bound, never pasted into the text).
        """
        opts = self.query_kwargs()
        opts.update(kwargs)
        return self.ox.query(sparql, prefixes=PREFIXES, substitutions=substitutions, **opts)

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """Quads of one graph, or of every committed graph (streamed)."""
        for g in [graph] if graph is not None else self.graphs():
            yield from self.ox.quads_for_pattern(None, None, None, g)

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self.ox.flush()
