"""The embedded, persistent Oxigraph store, with all-or-nothing replacement of source graphs.

Each source lives in its own named graph.  A build streams the new triples in batches with
Oxigraph's bulk loader (nothing is held in Python memory) into a place queries cannot see:

* a graph's *first* load goes straight into the graph, which a mark in the bookkeeping
  graph ``urn:kg:catalog`` hides until the commit deletes the mark;
* a *rebuild* goes into a private ``urn:kg:staging:*`` graph of a scratch store: a
  checkpoint of the store under ``<store>/kg-staging/`` (hard links, made in milliseconds),
  or for an in-memory store a copy of the old graph.  Before the commit, the scratch store
  compares the old graph with the new content (one index lookup per triple, streamed:
  constant memory) and only the difference is written into the main store, as two private
  graphs ``urn:kg:staging:*:delete`` and ``…:insert``.

The commit of every source of a build is one SPARQL update, which Oxigraph applies as one
transaction whose size is the change, not the graph.  A crash, Ctrl-C or ``kill -9`` before
it leaves the previous graphs intact and queryable; the leftovers are invisible to queries
(they read only committed graphs) and the next writer removes them.  After the commit the
difference graphs are removed in bounded transactions and the scratch store is deleted as a
folder: Oxigraph removes a graph quad by quad in one transaction, which for a big staging
graph cost minutes and gigabytes.  Numbers and costs: ``benchmarks/README.md``.
"""

from __future__ import annotations

import contextlib
import gc
import shlex
import shutil
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.archive import SourceArchive
from kg.rdf.namespaces import ONTOLOGY_GRAPH, PREFIXES

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
# Scratch stores of rebuilds in progress, one folder per staging graph, inside the store folder
# (RocksDB ignores folders it does not know; backups copy only its own files).
SCRATCH_DIR = "kg-staging"
# Quads per transaction when a private graph is removed: bounds the memory of the removal
# (Oxigraph keeps a transaction's whole write set in memory).
REMOVE_BATCH = 100_000
_DELETE_SUFFIX, _INSERT_SUFFIX = ":delete", ":insert"

_G = ox.Variable("g")
_COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class StoreError(Exception):
    """The store cannot be opened or written as asked."""


class NoStoreError(StoreError):
    """There is no store at the path: no such folder, a file, or a folder without a database."""


class EmptyStoreError(StoreError):
    """The store exists but holds no built source (nothing to read)."""


def _build_hint(path: Path) -> str:
    return f"build one with `kg build SOURCES --store {shlex.quote(str(path))}`"


def _check_store_folder(path: Path) -> None:
    """Raise :class:`NoStoreError` unless ``path`` is a folder holding an Oxigraph database.

    Looks only, never creates: Oxigraph's persistent format is RocksDB, whose ``CURRENT``
    file (the pointer to the live manifest) every database has; without it, opening fails
    with an IO error about ``CURRENT`` that tells a user nothing.
    """
    if not path.exists():
        why = f"no such folder; {_build_hint(path)}"
    elif not path.is_dir():
        why = "it is a file, not a store folder; check the store path"
    elif _is_database(path):
        return
    elif not any(path.iterdir()):
        why = f"the folder is empty; {_build_hint(path)}"
    else:
        why = "the folder holds other files, no Oxigraph database; check the store path"
    raise NoStoreError(f"no store at {path} ({why})")


def _is_database(folder: Path) -> bool:
    return (folder / "CURRENT").is_file()


def _batches(quads: Iterable[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    it = iter(quads)
    while batch := list(islice(it, size)):
        yield batch


def is_staging(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
    """True for the private graphs of a build in progress (or of one that was interrupted)."""
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX)


def _retag(quads: Iterable[ox.Quad], graph: ox.NamedNode) -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


@dataclass(frozen=True)
class Staged:
    """A load waiting for :meth:`KGStore.commit`: ``holder`` has the new content of ``target``.

    For a rebuild, ``holder`` lives in a scratch store of its own, not in the main store.
    """

    target: ox.NamedNode
    holder: ox.NamedNode
    fresh: bool  # True: first load of ``target``, made in place (hidden by a catalog mark)

    @property
    def delete_graph(self) -> ox.NamedNode:
        """Private graph of the main store: old triples the new content lacks."""
        return ox.NamedNode(self.holder.value + _DELETE_SUFFIX)

    @property
    def insert_graph(self) -> ox.NamedNode:
        """Private graph of the main store: new triples the old graph lacks."""
        return ox.NamedNode(self.holder.value + _INSERT_SUFFIX)


class KGStore:
    """A knowledge-graph store: a persistent Oxigraph database in a folder, or in memory.

    In memory, in a persistent folder, and read-only (many readers at once):

    >>> s = KGStore()
    >>> s = KGStore("kg-store")  # doctest: +SKIP
    >>> s = KGStore("kg-store", read_only=True)  # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._scratch: dict[ox.NamedNode, ox.Store] = {}  # open scratch stores, by staging graph
        self.archive = SourceArchive(self.path)  # copies of the sources the graphs were built from
        try:
            if self.path is None:
                self.ox = ox.Store()
            elif read_only:
                _check_store_folder(self.path)  # a read must never create a store
                self.ox = ox.Store.read_only(str(self.path))
            else:
                if self.path.exists() and not self.path.is_dir():
                    raise StoreError(f"cannot open the store at {self.path}: it is a file, not a folder")
                if self.path.is_dir() and not _is_database(self.path) and any(self.path.iterdir()):
                    # A typo such as --store examples/ would scatter database files among the user's.
                    raise StoreError(f"cannot make a store in {self.path}: the folder holds other files; "
                                     "choose a new or an empty folder")
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(f"cannot open the store at {self.path}: {e}") from None

    @classmethod
    def wrap(cls, store: ox.Store) -> KGStore:
        """A read view over an existing pyoxigraph ``Store`` (e.g. one a user built by hand).

        >>> KGStore.wrap(ox.Store()).graphs()
        []
        """
        view = cls.__new__(cls)
        view.path, view.read_only, view.ox, view._scratch = None, True, store, {}
        view.archive = SourceArchive(None)
        return view

    def __repr__(self) -> str:
        return f"KGStore({str(self.path) if self.path else None!r}, read_only={self.read_only})"

    # -- graphs ---------------------------------------------------------------------------

    def graphs(self) -> list[ox.NamedNode]:
        """The committed named graphs (sorted): never staging graphs nor graphs still loading."""
        hidden = set(self._loading())
        names = [g for g in self.ox.named_graphs()
                 if isinstance(g, ox.NamedNode) and not is_staging(g) and g != CATALOG and g not in hidden]
        return sorted(names, key=lambda g: g.value)

    def data_graphs(self) -> list[ox.NamedNode]:
        """The committed graphs besides the shipped ontology's: what builds (or a user) loaded.

        Empty for a new store, one whose first build failed, or one whose sources were all removed.
        """
        return [g for g in self.graphs() if g != ONTOLOGY_GRAPH]

    def _loading(self) -> list[ox.NamedNode]:
        """Graphs marked as being loaded for the first time (invisible until committed)."""
        return sorted((q.subject for q in self.ox.quads_for_pattern(None, _MARK, _LOADING, CATALOG)
                       if isinstance(q.subject, ox.NamedNode)), key=lambda g: g.value)

    def _scratch_dir(self, holder: ox.NamedNode) -> Path | None:
        if self.path is None:
            return None
        return self.path / SCRATCH_DIR / holder.value.removeprefix(STAGING_PREFIX)

    def _scratch_on_disk(self) -> list[ox.NamedNode]:
        """Staging graphs whose scratch store folder exists (this build's or an interrupted one's)."""
        root = self.path / SCRATCH_DIR if self.path is not None else None
        if root is None or not root.is_dir():
            return []
        found = []
        for d in root.iterdir():
            try:
                found.append(ox.NamedNode(f"{STAGING_PREFIX}{uuid.UUID(d.name)}"))
            except ValueError:
                continue  # not ours: left alone
        return found

    def staging_graphs(self) -> list[ox.NamedNode]:
        """Loads left by builds in progress or interrupted (sorted): staging and still-loading.

        One name per load: a rebuild's scratch store and its difference graphs count once.
        """
        staging = {ox.NamedNode(g.value.removesuffix(_DELETE_SUFFIX).removesuffix(_INSERT_SUFFIX))
                   for g in self.ox.named_graphs() if is_staging(g)}
        staging.update(self._scratch)
        staging.update(self._scratch_on_disk())
        return sorted([*staging, *self._loading()], key=lambda g: g.value)

    def _has_hidden(self) -> bool:
        return (any(is_staging(g) for g in self.ox.named_graphs())
                or any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)))

    def _remove_in_batches(self, graph: ox.NamedNode) -> None:
        """Remove a private graph in transactions of at most ``REMOVE_BATCH`` quads.

        Not atomic, on purpose: the graph is invisible (staging, or hidden by a catalog mark),
        so a removal cut short is finished by the next :meth:`drop_staging`.  One transaction
        would hold every deleted key in memory (gigabytes for millions of quads).
        """
        g = f"<{graph.value}>"
        text = (f"DELETE {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT ?s ?p ?o "
                f"WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }} LIMIT {REMOVE_BATCH} }} }}")
        while any(True for _ in self.ox.quads_for_pattern(None, None, None, graph)):
            self.ox.update(text)
        self.ox.remove_graph(graph)  # the name of the now empty graph

    def _close_scratch(self, holder: ox.NamedNode) -> None:
        """Close and delete the scratch store of a rebuild (a folder removal, not quad by quad)."""
        scratch = self._scratch.pop(holder, None)
        del scratch  # the last reference: Oxigraph closes the database before its files go
        folder = self._scratch_dir(holder)
        if folder is not None and folder.exists():
            shutil.rmtree(folder)
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # only when no other scratch store is left

    def drop_staging(self) -> int:
        """Remove what interrupted builds left (staging and half-loaded graphs); returns how many."""
        loads = self.staging_graphs()
        loading = self._loading()
        for g in [g for g in self.ox.named_graphs() if is_staging(g)]:
            self._remove_in_batches(g)
        for holder in {*self._scratch, *self._scratch_on_disk()}:
            self._close_scratch(holder)
        for g in loading:
            self._remove_in_batches(g)       # the data first: the mark keeps it hidden meanwhile
            self.ox.remove(ox.Quad(g, _MARK, _LOADING, CATALOG))
        if not any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)):
            self.ox.remove_graph(CATALOG)
        return len(loads)

    def _open_scratch(self, target: ox.NamedNode, holder: ox.NamedNode) -> ox.Store:
        """A store of its own for a rebuild, holding the old ``target`` graph to compare with.

        On disk it is an Oxigraph backup (a RocksDB checkpoint: hard links, milliseconds, no
        copy); in memory, the old graph is copied.
        """
        folder = self._scratch_dir(holder)
        if folder is None:
            scratch = ox.Store()
            for batch in _batches(self.ox.quads_for_pattern(None, None, None, target), BATCH_SIZE):
                scratch.bulk_extend(batch)
        else:
            folder.parent.mkdir(exist_ok=True)
            try:
                self.ox.backup(str(folder))
                scratch = ox.Store(str(folder))
            except OSError as e:
                raise StoreError(f"cannot make a scratch copy of the store in {folder}: {e}") from None
        self._scratch[holder] = scratch
        return scratch

    def stage(self, graph: ox.NamedNode, quads: Iterable[ox.Quad], *,
              on_batch: Callable[[int], None] | None = None, batch_size: int = BATCH_SIZE) -> Staged:
        """Load ``quads`` (their graph names ignored) as the future content of ``graph``.

        A graph that does not exist yet is loaded in place, marked as loading in the
        catalog graph (so it stays invisible); an existing graph gets a staging graph in a
        scratch store (see the module docstring).  Either way the load uses Oxigraph's bulk
        loader, which is not transactional: that is fine, since nothing is visible before
        :meth:`commit`, and an interrupted load is dropped as a whole by :meth:`discard` or
        by the next writer's :meth:`drop_staging`.
        """
        if is_staging(graph) or graph == CATALOG:
            raise ValueError(f"{graph} is reserved for the store's own bookkeeping")
        fresh = graph not in self.graphs()
        if fresh:
            if any(True for _ in self.ox.quads_for_pattern(None, None, None, graph)):
                self._remove_in_batches(graph)  # leftovers of an interrupted first load
            self.ox.extend([ox.Quad(graph, _MARK, _LOADING, CATALOG)])
            holder = graph
        else:
            holder = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
        staged = Staged(graph, holder, fresh)
        try:
            into = self.ox if fresh else self._open_scratch(graph, holder)
            for batch in _batches(quads, batch_size):
                if not (fresh and all(q.graph_name == holder for q in batch)):  # re-tag only if needed
                    batch = _retag(batch, holder)
                into.bulk_extend(batch)
                if on_batch:
                    on_batch(len(batch))
            del into
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def discard(self, staged: Staged) -> None:
        """Forget a staged load; the target graph stays exactly as it was."""
        if staged.fresh:
            self._remove_in_batches(staged.holder)
            self.ox.remove(ox.Quad(staged.target, _MARK, _LOADING, CATALOG))
            return
        self._close_scratch(staged.holder)
        for g in (staged.delete_graph, staged.insert_graph):
            if self.ox.contains_named_graph(g):
                self._remove_in_batches(g)

    def _write_difference(self, staged: Staged) -> tuple[int, int]:
        """Put the change of a rebuild into its difference graphs; returns (deleted, inserted).

        The comparison runs in the scratch store, which has both the old graph and the new
        content: ``FILTER NOT EXISTS`` looks each triple up in the other graph's index, so
        it streams in constant memory (``MINUS`` would hash a whole side).  Only the changed
        triples reach Python and the main store.
        """
        scratch = self._scratch[staged.holder]
        t, h = f"<{staged.target.value}>", f"<{staged.holder.value}>"
        counts = []
        for old, new, into in ((t, h, staged.delete_graph), (h, t, staged.insert_graph)):
            rows = scratch.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {old} {{ ?s ?p ?o }} "
                                 f"FILTER NOT EXISTS {{ GRAPH {new} {{ ?s ?p ?o }} }} }}")
            n = 0
            for batch in _batches((ox.Quad(r[0], r[1], r[2], into) for r in rows), BATCH_SIZE):
                self.ox.bulk_extend(batch)
                n += len(batch)
            counts.append(n)
        return counts[0], counts[1]

    def commit(self, staged: Iterable[Staged]) -> dict[ox.NamedNode, tuple[int, int]]:
        """Make every staged load visible at once (one SPARQL update, so one transaction).

        A first load only loses its catalog mark.  A rebuild applies its difference
        (:meth:`_write_difference`): it deletes the old triples the new content lacks and
        inserts the new ones, so the transaction's write set is the change, not the graph,
        and an unchanged graph is not written at all.  An error or Ctrl-C before the update
        discards every load (the graphs stay as they were); after it, the difference graphs
        and scratch stores are removed outside the transaction.  Graph names are
        ``NamedNode`` s (IRIs cannot contain ``>``), so they are safe in the update's text.

        Returns, per rebuilt graph, the triples (deleted, inserted).
        """
        staged = list(staged)
        ops: list[str] = []
        changes: dict[ox.NamedNode, tuple[int, int]] = {}
        try:
            for s in staged:
                t = f"<{s.target.value}>"
                if s.fresh:
                    ops.append(f"DELETE DATA {{ GRAPH <{CATALOG.value}> "
                               f"{{ {t} <{_MARK.value}> <{_LOADING.value}> }} }}")
                    continue
                deleted, inserted = changes[s.target] = self._write_difference(s)
                if deleted:
                    ops.append(f"DELETE {{ GRAPH {t} {{ ?s ?p ?o }} }} "
                               f"WHERE {{ GRAPH <{s.delete_graph.value}> {{ ?s ?p ?o }} }}")
                if inserted:
                    ops.append(f"INSERT {{ GRAPH {t} {{ ?s ?p ?o }} }} "
                               f"WHERE {{ GRAPH <{s.insert_graph.value}> {{ ?s ?p ?o }} }}")
        except BaseException:
            for s in staged:
                self.discard(s)
            raise
        if ops:
            self.ox.update(" ;\n".join(ops))
        # Committed.  What follows only removes private copies; if it is cut short, the next
        # writer's drop_staging finishes it.
        for s in staged:
            if not s.fresh:
                self.discard(s)
                if not any(True for _ in self.ox.quads_for_pattern(None, None, None, s.target)):
                    self.ox.remove_graph(s.target)  # replaced by nothing: no empty graph left behind
        if not any(True for _ in self.ox.quads_for_pattern(None, None, None, CATALOG)):
            self.ox.remove_graph(CATALOG)
        return changes

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
        """Triples in one graph, or quads in all committed graphs (counted by Oxigraph).

        A rebuild's staging graph is counted in its scratch store.
        """
        if graph is not None:
            rows = list(self.store_of(graph).query(_COUNT_GRAPHS, substitutions={_G: graph}))
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
        """Quads of one graph (a staging graph included), or of every committed graph (streamed)."""
        for g in [graph] if graph is not None else self.graphs():
            yield from self.store_of(g).quads_for_pattern(None, None, None, g)

    def store_of(self, graph: ox.NamedNode) -> ox.Store:
        """The Oxigraph store that holds ``graph``: a scratch store for a rebuild's staging graph."""
        return self._scratch.get(graph, self.ox)

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


def open_existing_store(path: str | Path = DEFAULT_STORE, *, read_only: bool = True,
                        need_source: bool = True) -> KGStore:
    """Open the store in ``path``, which must already exist: never creates a folder or a database.

    Every command that reads a store (or changes one that must be there) opens it through
    this, so a typo in ``--store`` is an error naming the folder and ``kg build``, never an
    empty answer from a store made up on the spot.  Raises :class:`NoStoreError` when there
    is no store at ``path``, and :class:`EmptyStoreError` when ``need_source`` and no source
    was built into it, or all were removed (only the ontology graph is left).
    """
    p = Path(path)
    _check_store_folder(p)
    store = KGStore(p, read_only=read_only)
    if need_source and not store.data_graphs():
        raise EmptyStoreError(f"the store at {p} is empty: no source was built into it; {_build_hint(p)}")
    return store


def _first_missing(path: Path) -> Path | None:
    """The topmost folder that creating ``path`` (with its parents) would create, if any."""
    top = None
    while not path.exists() and not path.is_symlink():
        top = path
        if path.parent == path:
            break
        path = path.parent
    return top


@dataclass
class NewStore:
    """What :func:`remove_new_store_on_failure` did; :meth:`outcome` says it in words."""

    created: Path | None  #: the topmost folder the write creates (None: the store already existed)
    removed: bool = False
    left: str | None = None  #: why a folder the failed write created could not be removed

    def outcome(self, existing: str = "the store is unchanged") -> str:
        """What a failed write left on disk, for its error message (``existing``: a store that was there)."""
        if self.left is not None:
            return f"the new store folder {self.created} was left behind: {self.left}"
        return "nothing was written" if self.created is not None else existing


@contextlib.contextmanager
def remove_new_store_on_failure(path: str | Path | None) -> Iterator[NewStore]:
    """Remove the store folder (and parents) a failed block created: a failed build leaves nothing.

    A store that existed before is left to the store's own all-or-nothing commit.  ``None``
    (an in-memory store) does nothing.  On any failure (Ctrl-C included) the folder goes
    before the exception goes on; if it cannot be removed, :attr:`NewStore.left` says why.
    """
    state = NewStore(_first_missing(Path(path)) if path is not None else None)
    try:
        yield state
    except BaseException as e:
        if state.created is not None and state.created.exists():
            # The finished frames of the failed build still hold the open store; clear them
            # and collect, so Oxigraph closes its files before they are removed.
            traceback.clear_frames(e.__traceback__)
            gc.collect()
            try:
                shutil.rmtree(state.created)
                state.removed = True
            except OSError as oe:
                state.left = oe.strerror or str(oe)
        raise
