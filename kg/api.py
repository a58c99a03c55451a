"""The Python API: build a graph, then ask it questions, draw it, export it, push it.

>>> import kg
>>> g = kg.build(["examples/profiles/chuhan-wu.txt"], store=None, as_of="2026-11-26")
>>> g.query("coauthors", author="Chuhan Wu", limit=1).rows[0]["name"]
'Fangzhao Wu'

Every ``kg`` command is a thin layer over these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.rdf.namespaces import DEFAULT_BASE_IRI
from kg.store import DEFAULT_STORE, KGStore, open_existing_store, remove_new_store_on_failure

if TYPE_CHECKING:  # imported lazily at call time: `import kg` stays fast
    import networkx as nx
    import rdflib
    from pyvis.network import Network

    from kg.analysis.network import Analysis
    from kg.builder import BuildReport
    from kg.doctor import Diagnosis
    from kg.query import QueryResult
    from kg.remote.push import PushReport
    from kg.validate import ValidationResult

StoreLike = KGStore | str | Path | None


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


class KnowledgeGraph:
    """A handle on a knowledge-graph store, returned by :func:`build` and :func:`open`.

    >>> g = kg.open("kg-store")                                   # doctest: +SKIP
    >>> g.query("org-papers", org="tencent-ai").to_dataframe()    # doctest: +SKIP
    """

    def __init__(self, store: KGStore, report: BuildReport | None = None) -> None:
        self.store = store
        #: What the last :meth:`build` through this handle did (``None`` for :func:`open`).
        self.last_build = report

    def __repr__(self) -> str:
        where = self.store.path or "memory"
        return f"<KnowledgeGraph {where}: {len(self.store.graphs())} graphs>"

    def build(self, sources: Sequence[str | Path], *, as_of: dt.date | str | None = None,
              base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
              force: bool = False) -> BuildReport:
        """Add or rebuild sources in this store (each in its own named graph, atomically).

        >>> report = g.build(["examples/profiles/chuhan-wu.txt"], as_of="2026-11-26")  # doctest: +SKIP
        >>> report.counts["papers"]                                      # doctest: +SKIP
        50
        """
        from kg.builder import build_sources

        self.last_build = build_sources(sources, store=self.store, as_of=_date(as_of), base_iri=base_iri,
                                        strict=strict, force=force)
        return self.last_build

    def add(self, sources: Sequence[str | Path], *, as_of: dt.date | str | None = None,
            base_iri: str = DEFAULT_BASE_IRI, strict: bool = False, format: str | None = None) -> BuildReport:
        """Add sources of any kind (profile pages, BibTeX, arXiv Atom, OpenAlex, DBLP XML), merged
        with what the store holds, in one transaction.

        >>> g.add(["refs.bib", "arxiv-answer.atom"])                      # doctest: +SKIP
        """
        from kg.builder import build_sources

        self.last_build = build_sources(sources, store=self.store, as_of=_date(as_of), base_iri=base_iri,
                                        strict=strict, format=format)
        return self.last_build

    def remove(self, sources: Sequence[str | Path], *, base_iri: str = DEFAULT_BASE_IRI) -> BuildReport:
        """Remove sources (by file name): exactly the facts only they gave, in one transaction.

        >>> g.remove(["refs.bib"])                                        # doctest: +SKIP
        """
        from kg.builder import remove_sources

        self.last_build = remove_sources(sources, store=self.store, base_iri=base_iri)
        return self.last_build

    def doctor(self) -> Diagnosis:
        """Likely duplicate people and titles that were not merged, and conflicts between sources.

        >>> [d.reason for d in g.doctor().people]                         # doctest: +SKIP
        ['same name']
        """
        from kg.doctor import diagnose

        return diagnose(self.store)

    def query(self, name_or_sparql: str | Path, *, engine: str = "oxigraph", limit: int | None = None,
              **params: Any) -> QueryResult:
        """Run a library query by name (``"coauthors"``), a ``.rq`` file or SPARQL text.

        Parameters are bound, never pasted into the query.

        >>> g.query("joint-papers", author="Chuhan Wu", other="Tao Qi").rows  # doctest: +SKIP
        """
        from kg.query import run

        return run(self.store, name_or_sparql, engine=engine, limit=limit, **params)

    def stats(self) -> dict[str, int]:
        """Distinct papers, people, organizations, topics, repositories and triples.

        >>> g.stats()["people"]                                         # doctest: +SKIP
        54
        """
        from kg.builder import store_counts

        return store_counts(self.store)

    def validate(self) -> ValidationResult:
        """Check the union of the source graphs (with the ontology) against ``ontology/shapes.ttl``.

        >>> g.validate().conforms                                       # doctest: +SKIP
        True
        """
        from kg.validate import validate_store

        return validate_store(self.store)

    def graph(self) -> rdflib.Dataset:
        """An rdflib ``Dataset`` copy of the committed graphs, for interop with rdflib tools.

        A copy in memory: use it for small graphs; query the store itself for big ones.
        Its default graph is the union of the named graphs.

        >>> ds = g.graph()                                              # doctest: +SKIP
        >>> len(set(ds.subjects(RDF.type, FABIO.ResearchPaper)))        # doctest: +SKIP
        50
        """
        return self.store.to_rdflib()

    def coauthor_graph(self, *, since: int | None = None, until: int | None = None,
                       topic: str | None = None, org: str | None = None) -> nx.Graph:
        """The networkx co-author graph (weighted by joint papers) that the pictures use.

        >>> G = g.coauthor_graph(since=2023)                           # doctest: +SKIP
        >>> nx.community.louvain_communities(G, seed=42)               # doctest: +SKIP
        """
        from kg.analysis import coauthor_graph

        return coauthor_graph(self.store, since=since, until=until, topic=topic, org=org)

    def viz(self, view: str = "coauthors", **filters: Any) -> Network:
        """An interactive, self-contained pyvis ``Network``; it displays inline in Jupyter.

        >>> g.viz("ego", focus="Chuhan Wu", hops=1)                     # doctest: +SKIP
        """
        from kg.viz import viz

        return viz(self.store, view=view, **filters)

    def export(self, path: str | Path, *, format: str | None = None, graph: str | None = None) -> Path:
        """Write the graph (or one named graph) to ``path``; the format follows the suffix.

        >>> g.export("graph.ttl")                                       # doctest: +SKIP
        """
        from kg.export import export_to_path

        return export_to_path(self.store, Path(path), format=format, graph=graph)

    def push(self, endpoint: str, **options: Any) -> PushReport:
        """Replace this graph's named graphs on a SPARQL 1.1 store (Graph Store Protocol).

        Options are those of :func:`kg.remote.push.push_store` (``auth``, ``user``,
        ``password``, ``graphs``, ``protocol``, ``chunk_size``...).

        >>> g.push("http://127.0.0.1:8890/sparql-graph-crud-auth", auth="digest",
        ...        user="dba", password=os.environ["KG_PASSWORD"])  # doctest: +SKIP
        """
        from kg.remote.push import push_store

        return push_store(self.store, endpoint, **options)

    # -- network analysis (issue 14: kg/analysis/) ----------------------------------------

    def analyze(self, view: str = "coauthors", *, since: int | None = None, until: int | None = None,
                topic: str | None = None, org: str | None = None, seed: int = 42,
                samples: int | None = None, write: bool = False,
                date: dt.date | str | None = None) -> Analysis:
        """Network metrics of one projection (``coauthors``, ``orgs``, ``topics``,
        ``categories``, ``repos``): ``.graph`` is the networkx graph with the metrics as node
        attributes, ``.rows`` one plain dict per node, ``.summary``, ``.communities``,
        ``.brokers``.  ``write=True`` stores them as observations dated ``date`` (today).

        >>> a = g.analyze(since=2022)                                   # doctest: +SKIP
        >>> a.rows[0]["name"], a.summary["modularity"]                  # doctest: +SKIP
        """
        from kg.analysis import Filters
        from kg.analysis.network import analyze
        from kg.analysis.stored import write_analysis

        result = analyze(self.store, view, Filters(since, until, topic, org), seed=seed, samples=samples)
        if write:
            write_analysis(self.store, result, date=_date(date))
        return result

    def path(self, person: str, other: str | None = None, *, within: int | None = None,
             since: int | None = None, until: int | None = None, topic: str | None = None,
             org: str | None = None, max_paths: int = 10) -> list[dict[str, Any]]:
        """The shortest collaboration paths from ``person`` to ``other`` (one row per step,
        with its joint papers and years), or with ``within=k`` the people within k steps.

        >>> g.path("Yuxin Jiang", "Tao Qi")[0]["to_name"]               # doctest: +SKIP
        'Chuhan Wu'
        """
        from kg.analysis import AnalysisError, Filters
        from kg.analysis.paths import shortest_paths
        from kg.analysis.paths import within as reach
        from kg.analysis.projections import coauthor_graph

        if (other is None) == (within is None):
            raise AnalysisError("give another person or within=k, not both")
        graph = coauthor_graph(self.store, Filters(since, until, topic, org))
        if within is not None:
            return reach(graph, person, within)
        assert other is not None
        return shortest_paths(self.store, graph, person, other, max_paths=max_paths).rows

    def evolution(self, person: str | None = None, *, since: int | None = None, until: int | None = None,
                  topic: str | None = None, org: str | None = None, seed: int = 42,
                  chart: str | Path | None = None) -> list[dict[str, Any]]:
        """One row per year of the cumulative co-author network (or ``person``'s ego network):
        people, links, new people, the largest component's share, communities, how many persist.
        ``chart`` also draws them (``.png`` or ``.svg``).

        >>> g.evolution(chart="growth.svg")[-1]["nodes"]                # doctest: +SKIP
        54
        """
        from kg.analysis import Filters
        from kg.analysis.evolution import evolution, evolution_chart

        rows = evolution(self.store, Filters(since, until, topic, org), person=person, seed=seed)
        if chart is not None:
            title = f"Co-author network of {person}" if person else "Co-author network"
            evolution_chart(rows, chart, title=title)
        return rows


def open(store: StoreLike = DEFAULT_STORE, *, read_only: bool = False) -> KnowledgeGraph:
    """Open an existing store folder (``read_only=True`` lets many processes read at once).

    Never creates a store: a missing folder, or one without a store, raises
    :class:`~kg.store.NoStoreError`; read-only, a store no source was built into raises
    :class:`~kg.store.EmptyStoreError` (there is nothing to read; open it writable to build).

    >>> g = kg.open("kg-store", read_only=True)                     # doctest: +SKIP
    >>> g.stats()["papers"]                                         # doctest: +SKIP
    50
    """
    if isinstance(store, KGStore):
        return KnowledgeGraph(store)
    if store is None:
        return KnowledgeGraph(KGStore())
    return KnowledgeGraph(open_existing_store(store, read_only=read_only, need_source=read_only))


def build(sources: Sequence[str | Path], store: StoreLike = DEFAULT_STORE, *,
          as_of: dt.date | str | None = None, base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
          force: bool = False) -> KnowledgeGraph:
    """Build sources into a store and return a handle on it.

    ``store`` is a folder (default ``kg-store``), an open :class:`~kg.store.KGStore`, or
    ``None`` for an in-memory store.  ``as_of`` is the capture date of profile pages.

    >>> g = kg.build(["examples/profiles/chuhan-wu.txt"], store=None, as_of="2026-11-26")
    >>> g.stats()["papers"]
    50
    """
    folder = None if isinstance(store, KGStore) else store
    with remove_new_store_on_failure(folder):  # a failed build into a new folder leaves none behind
        handle = KnowledgeGraph(store if isinstance(store, KGStore) else KGStore(store))
        handle.build(sources, as_of=as_of, base_iri=base_iri, strict=strict, force=force)
    return handle
