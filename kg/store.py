"""The embedded, persistent Oxigraph store, with all-or-nothing replacement of source graphs.

Each source lives in its own named graph.  A build streams the new triples in batches with
Oxigraph's bulk loader (nothing is held in Python memory) into a place queries cannot see:

* a graph's *first* load goes straight into the graph, which a mark in the bookkeeping
  graph ``urn:kg:catalog`` hides until the commit deletes the mark;
* a *rebuild* goes into a private ``urn:kg:staging:*`` graph, and the commit turns the old
  graph into it by applying the difference (deletes and inserts of the changed triples).

The commit of every source of a build is one SPARQL update, which Oxigraph applies as one
transaction.  A crash, Ctrl-C or ``kill -9`` before it leaves the previous graphs intact
and queryable; the leftovers are invisible to queries (they read only committed graphs)
and the next writer removes them.  Numbers and costs: ``benchmarks/README.md``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES

if TYPE_CHECKING:
    import rdflib

STAGING_PREFIX = "urn:kg:staging:"
# Bookkeeping graph: marks graphs whose first load has not been committed yet.  Empty (and
# absent) whenever no build is running and none was interrupted.
CATALOG = ox.NamedNode("urn:kg:catalog")
_MARK = ox.NamedNode("urn:kg:state")
_LOADING = ox.NamedNode("urn:kg:loading")
DEFAULT_STORE = Path("kg-store")
BATCH_SIZE = 50_000

_G = ox.Variable("g")
_COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class StoreError(Exception):
    """The store cannot be opened or written as asked."""


def _batches(quads: Iterable[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    it = iter(quads)
    while batch := list(islice(it, size)):
        yield batch


def is_staging(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
    """True for the private graphs of a build in progress (or of one that was interrupted)."""
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX)


@dataclass(frozen=True)
class Staged:
    """A load waiting for :meth:`KGStore.commit`: ``holder`` has the new content of ``target``."""

    target: ox.NamedNode
    holder: ox.NamedNode
    fresh: bool  # True: first load of ``target``, made in place (hidden by a catalog mark)


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
                if self.path.exists() and not self.path.is_dir():
                    raise StoreError(f"cannot open the store at {self.path}: it is a file, not a folder")
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {e}") from None

    def __repr__(self) -> str:
        return f"KGStore({str(self.path) if self.path else None!r}, read_only={self.read_only})"

    # -- graphs ---------------------------------------------------------------------------

    def graphs(self) -> list[ox.NamedNode]:
        """The committed named graphs (sorted): never staging graphs nor graphs still loading."""
        hidden = set(self._loading())
        names = [g for g in self.ox.named_graphs()
                 if isinstance(g, ox.NamedNode) and not is_staging(g) and g != CATALOG and g not in hidden]
        return sorted(names, key=lambda g: g.value)

    def _loading(self) -> list[ox.NamedNode]:
        """Graphs marked as being loaded for the first time (invisible until committed)."""
        return sorted((q.subject for q in self.ox.quads_for_pattern(None, _MARK, _LOADING, CATALOG)
                       if isinstance(q.subject, ox.NamedNode)), key=lambda g: g.value)

    def staging_graphs(self) -> list[ox.NamedNode]:
        """Graphs left by builds in progress or interrupted (sorted): staging and still-loading."""
        staging = [g for g in self.ox.named_graphs() if is_staging(g)]
        return sorted([*staging, *self._loading()], key=lambda g: g.value)

    def _has_hidden(self) -> bool:
        return (any(is_staging(g) for g in self.ox.named_graphs())
                or any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)))

    def drop_staging(self) -> int:
        """Remove what interrupted builds left (staging and half-loaded graphs); returns how many."""
        stale = [g for g in self.ox.named_graphs() if is_staging(g)]
        loading = self._loading()
        for g in stale:
            self.ox.remove_graph(g)
        for g in loading:
            self.ox.remove_graph(g)       # the data first: the mark keeps it hidden meanwhile
            self.ox.remove(ox.Quad(g, _MARK, _LOADING, CATALOG))
        if not any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)):
            self.ox.remove_graph(CATALOG)
        return len(stale) + len(loading)

    def stage(self, graph: ox.NamedNode, quads: Iterable[ox.Quad], *,
              on_batch: Callable[[int], None] | None = None, batch_size: int = BATCH_SIZE) -> Staged:
        """Load ``quads`` (their graph names ignored) as the future content of ``graph``.

        A graph that does not exist yet is loaded in place, marked as loading in the
        catalog graph (so it stays invisible); an existing graph gets a new staging graph.
        Either way the load uses Oxigraph's bulk loader, which is not transactional: that is
        fine, since nothing is visible before :meth:`commit`, and an interrupted load is
        dropped as a whole by :meth:`discard` or by the next writer's :meth:`drop_staging`.
        """
        if is_staging(graph) or graph == CATALOG:
            raise ValueError(f"{graph} is reserved for the store's own bookkeeping")
        fresh = graph not in self.graphs()
        if fresh:
            self.ox.remove_graph(graph)  # leftovers of an interrupted first load, if any
            self.ox.extend([ox.Quad(graph, _MARK, _LOADING, CATALOG)])
            holder = graph
        else:
            holder = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        staged = Staged(graph, holder, fresh)
        try:
            for batch in _batches(quads, batch_size):
                if not (fresh and all(q.graph_name == holder for q in batch)):  # re-tag only if needed
                    batch = [ox.Quad(q.subject, q.predicate, q.object, holder) for q in batch]
                self.ox.bulk_extend(batch)
                if on_batch:
                    on_batch(len(batch))
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def discard(self, staged: Staged) -> None:
        """Forget a staged load; the target graph stays exactly as it was."""
        self.ox.remove_graph(staged.holder)
        if staged.fresh:
            self.ox.remove(ox.Quad(staged.target, _MARK, _LOADING, CATALOG))

    def commit(self, staged: Iterable[Staged]) -> None:
        """Make every staged load visible at once (one SPARQL update, so one transaction).

        A first load only loses its catalog mark.  A rebuild applies the difference: it
        deletes the old triples the staging graph lacks and inserts the new ones (``MINUS``
        both ways: Oxigraph hashes one side, a few tens of bytes per triple), so the
        transaction's write set is the change, not the graph; far faster than DROP + ADD.
        Staging graphs are removed after the commit, outside the transaction.  Graph names
        are ``NamedNode`` s (IRIs cannot contain ``>``), so they are safe in the update's text.
        """
        staged = list(staged)
        ops: list[str] = []
        for s in staged:
            t, h = f"<{s.target.value}>", f"<{s.holder.value}>"
            if s.fresh:
                ops.append(f"DELETE DATA {{ GRAPH <{CATALOG.value}> "
                           f"{{ {t} <{_MARK.value}> <{_LOADING.value}> }} }}")
            else:
                ops += [f"DELETE {{ GRAPH {t} {{ ?s ?p ?o }} }} "
                        f"WHERE {{ GRAPH {t} {{ ?s ?p ?o }} MINUS {{ GRAPH {h} {{ ?s ?p ?o }} }} }}",
                        f"INSERT {{ GRAPH {t} {{ ?s ?p ?o }} }} "
                        f"WHERE {{ GRAPH {h} {{ ?s ?p ?o }} MINUS {{ GRAPH {t} {{ ?s ?p ?o }} }} }}"]
        if ops:
            self.ox.update(" ;\n".join(ops))
        for s in staged:
            if not s.fresh:
                self.ox.remove_graph(s.holder)
                if not any(True for _ in self.ox.quads_for_pattern(None, None, None, s.target)):
                    self.ox.remove_graph(s.target)  # replaced by nothing: no empty graph left behind
        if not any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)):
            self.ox.remove_graph(CATALOG)

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad], *,
                      check: Callable[[ox.NamedNode], None] | None = None,
                      on_batch: Callable[[int], None] | None = None,
                      batch_size: int = BATCH_SIZE) -> int:
        """Atomically replace ``graph`` with ``quads`` (their graph names are ignored).

        ``check(holder_graph)`` runs on the fully loaded new content before the swap; if it
        raises, the load is discarded and ``graph`` is left exactly as it was.
        Returns the number of distinct triples now in ``graph``.
        """
        staged = self.stage(graph, quads, on_batch=on_batch, batch_size=batch_size)
        try:
            if check is not None:
                check(staged.holder)
        except BaseException:
            self.discard(staged)
            raise
        self.commit([staged])
        return self.count(graph)

    def remove_graph(self, graph: ox.NamedNode) -> None:
        """Drop a committed graph (one transaction)."""
        self.ox.update(f"DROP SILENT GRAPH <{graph.value}>")

    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Triples in one graph, or quads in all committed graphs (counted by Oxigraph)."""
        if graph is not None:
            rows = list(self.ox.query(_COUNT_GRAPHS, substitutions={_G: graph}))
            return int(rows[0]["n"].value) if rows else 0
        return sum(self.graph_counts().values())

    def graph_counts(self) -> dict[ox.NamedNode, int]:
        """Triples per committed graph, in graph order."""
        counts = {row["g"]: int(row["n"].value) for row in self.ox.query(_COUNT_GRAPHS)}
        return {g: counts.get(g, 0) for g in self.graphs()}

    # -- queries --------------------------------------------------------------------------

    def query_kwargs(self) -> dict[str, Any]:
        """How to make the default graph the union of the committed graphs (and hide staging)."""
        if self._has_hidden():
            committed = self.graphs()
            return {"default_graph": committed, "named_graphs": committed}
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

    def to_rdflib(self, graphs: Iterable[ox.NamedNode] | None = None) -> rdflib.Dataset:
        """A *copy* of the committed graphs (or of ``graphs``) as an rdflib ``Dataset``.

        For interoperability with rdflib-based tools only: it holds everything in Python
        memory (about 1.3 KB per triple) and rdflib's SPARQL is far slower than Oxigraph's.
        """
        from kg.rdf.convert import to_rdflib_dataset

        chosen = self.graphs() if graphs is None else list(graphs)
        return to_rdflib_dataset(q for g in chosen for q in self.quads(g))

    def flush(self) -> None:
        """Write buffered data to disk (persistent stores)."""
        if self.path is not None and not self.read_only:
            self.ox.flush()


def open_store(path: str | Path | None = None, *, read_only: bool = True) -> KGStore:
    """Open a store folder (read-only by default, so many readers can share it)."""
    return KGStore(path if path is not None else DEFAULT_STORE, read_only=read_only)
