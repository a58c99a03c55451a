"""Network metrics written into the graph as dated observations, and read back.

``kg analyze --write`` stores one analysis in a named graph of its own,
``<https://w3id.org/scholarly-kg/graph/analysis/{view}/{date}>`` (plus a hash of the paper
filters when there are any), replaced as a whole when the same analysis is written again:
a ``kg:NetworkAnalysis`` (what was measured, when, how) and one ``kg:MetricObservation``
per node with its metrics (``ontology/kg.ttl``, checked by ``ontology/shapes.ttl`` before
the commit).  SPARQL can then rank people by any metric (``queries/people-by-metric.rq``)
and ``kg viz`` can size and colour nodes by one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.analysis.network import INTEGER_METRICS, METRICS, Analysis
from kg.analysis.selection import AnalysisError, Filters
from kg.analysis.source import Source, select
from kg.rdf.agents import software_agent_quads
from kg.rdf.namespaces import DCTERMS, GRAPHS, KG, PROV, RDF, XSD
from kg.store import KGStore

ANALYSIS_PREFIX = GRAPHS["analysis/"].value
# The metric properties of ontology/kg.ttl, by the identifiers METRICS uses.
PROPERTIES = {"degree": KG.degree, "weighted_degree": KG.weightedDegree, "betweenness": KG.betweenness,
              "closeness": KG.closeness, "clustering": KG.clusteringCoefficient, "core": KG.coreNumber,
              "community": KG.community, "communities_reached": KG.communitiesReached,
              "component": KG.component}
assert set(PROPERTIES) == set(METRICS)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(int(n)), datatype=XSD.integer)


def _double(x: float) -> ox.Literal:
    return ox.Literal(repr(float(x)), datatype=XSD.double)


def _hash(text: str, n: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def analysis_graph(view: str, date: dt.date, filters: Filters) -> ox.NamedNode:
    """The named graph of one analysis: its view, its date and (if any) its paper filters."""
    iri = f"{ANALYSIS_PREFIX}{view}/{date.isoformat()}"
    if filters.active:
        iri += "/" + _hash(repr((filters.since, filters.until, filters.topic, filters.org)), 12)
    return ox.NamedNode(iri)


def is_analysis_graph(graph: ox.NamedNode) -> bool:
    return graph.value.startswith(ANALYSIS_PREFIX)


def observation_quads(analysis: Analysis, *, date: dt.date, ended: dt.datetime,
                      used: list[ox.NamedNode]) -> Iterator[ox.Quad]:
    """The triples of one analysis, in its own named graph (see the module docstring)."""
    from kg._version import __version__
    from kg.rdf.mapping import TOOL

    f = analysis.filters
    g = analysis_graph(analysis.view, date, f)
    run = ox.NamedNode(g.value + "#analysis")
    s = analysis.summary

    def q(subject: ox.NamedNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(subject, p, o, g)

    yield q(run, RDF.type, KG.NetworkAnalysis)
    yield q(run, RDF.type, PROV.Activity)
    yield q(run, KG.networkView, ox.Literal(analysis.view))
    yield q(run, DCTERMS.date, ox.Literal(date.isoformat(), datatype=XSD.date))
    yield q(run, PROV.endedAtTime, ox.Literal(ended.isoformat(), datatype=XSD.dateTime))
    yield q(run, PROV.wasAssociatedWith, TOOL)
    yield from software_agent_quads(TOOL, f"scholarly-kg {__version__}", __version__, g)
    for graph in used:
        yield q(run, PROV.used, graph)
    yield q(run, KG.randomSeed, _int(s["seed"]))
    if s["samples"] is not None:
        yield q(run, KG.sampleSize, _int(s["samples"]))
    yield q(run, KG.modularity, _double(s["modularity"]))
    yield q(run, KG.nodeCount, _int(s["nodes"]))
    yield q(run, KG.edgeCount, _int(s["edges"]))
    if f.since is not None:
        yield q(run, KG.sinceYear, _int(f.since))
    if f.until is not None:
        yield q(run, KG.untilYear, _int(f.until))
    if f.topic is not None:
        yield q(run, KG.topicFilter, ox.Literal(f.topic.strip()))
    if f.org is not None:
        yield q(run, KG.orgFilter, ox.Literal(f.org.strip()))
    for row in analysis.rows:
        obs = ox.NamedNode(f"{g.value}/node/{_hash(str(row['id']), 20)}")
        yield q(obs, RDF.type, KG.MetricObservation)
        yield q(obs, RDF.type, PROV.Entity)
        yield q(obs, KG.observedNode, ox.NamedNode(str(row["id"])))
        yield q(obs, PROV.wasGeneratedBy, run)
        for m in METRICS:
            yield q(obs, PROPERTIES[m], _int(row[m]) if m in INTEGER_METRICS else _double(row[m]))


def write_analysis(store: KGStore, analysis: Analysis, *, date: dt.date | None = None,
                   validate: bool = True) -> tuple[ox.NamedNode, int]:
    """Store ``analysis`` as the observations of ``date`` (default today), replacing the same
    analysis of that date; checked against the shapes first.  Returns (graph, triples)."""
    from kg.builder import build_time, ensure_ontology
    from kg.validate import check_store_graph

    if store.read_only:
        raise AnalysisError("the store is open read-only; --write needs to write into it")
    day = date or dt.date.today()
    # The metric properties (and their identifiers, which queries match) live in the ontology
    # graph: a store built by an older version gets the shipped one first.
    ensure_ontology(store)
    # The source graphs the projection read (not the ontology, other analyses or the merge log).
    used = [g for g in store.graphs()
            if next(store.ox.quads_for_pattern(g, RDF.type, KG.SourceGraph, g), None) is not None]
    graph = analysis_graph(analysis.view, day, analysis.filters)
    quads = observation_quads(analysis, date=day, ended=build_time(), used=used)
    check = (lambda holder: check_store_graph(store, holder)) if validate else None
    try:
        n = store.replace_graph(graph, quads, check=check)
    finally:
        _release_parser_cache()
    store.flush()
    return graph, n


def _release_parser_cache() -> None:
    """Empty pyparsing's packrat cache.  matplotlib turns it on process-wide; rdflib's SPARQL
    parser (pyshacl's queries) then leaves failed-parse exceptions in it whose tracebacks hold
    the frames of this write, and through them the store, whose lock a later open of the same
    folder in this process (a notebook) would hit."""
    import pyparsing

    pyparsing.ParserElement.reset_cache()


@dataclass(frozen=True)
class StoredRun:
    """One stored analysis: its IRI, view, date, end time and paper filters."""

    iri: str
    view: str
    date: dt.date
    ended: str
    filters: Filters


_Q_RUNS = """SELECT DISTINCT ?run ?view ?date ?ended ?since ?until ?topic ?org WHERE {
  ?run a kg:NetworkAnalysis ; kg:networkView ?view ; dcterms:date ?date ; prov:endedAtTime ?ended .
  OPTIONAL { ?run kg:sinceYear ?since }
  OPTIONAL { ?run kg:untilYear ?until }
  OPTIONAL { ?run kg:topicFilter ?topic }
  OPTIONAL { ?run kg:orgFilter ?org }
}"""

_Q_VALUES = """SELECT ?run ?measure ?node ?value WHERE {
  ?obs prov:wasGeneratedBy ?run ; kg:observedNode ?node ; ?measure ?value .
}"""  # ?run and ?measure bound


def stored_runs(source: Source) -> list[StoredRun]:
    """Every stored analysis, newest first (by date, then end time, then IRI)."""
    runs = []
    for run, view, date, ended, since, until, topic, org in select(source, _Q_RUNS):
        assert run and view and date and ended
        filters = Filters(int(since) if since else None, int(until) if until else None, topic, org)
        runs.append(StoredRun(run, view, dt.date.fromisoformat(date), ended, filters))
    return sorted(runs, key=lambda r: (r.date, r.ended, r.iri), reverse=True)


def latest_run(source: Source, view: str = "coauthors", filters: Filters | None = None, *,
               fallback: bool = True) -> StoredRun:
    """The newest stored analysis of ``view`` with these paper filters; with ``fallback``,
    else the newest one over all papers."""
    filters = filters or Filters()
    runs = [r for r in stored_runs(source) if r.view == view]
    for want in (filters, Filters()) if fallback else (filters,):
        for r in runs:
            if r.filters == want:
                return r
    raise AnalysisError(f"no stored analysis of the {view} view"
                        + (f" for {'; '.join(filters.describe())}" if filters.active else "")
                        + f": run `kg analyze --view {view} --write` first")


def stored_metric(source: Source, metric: str, run: StoredRun) -> dict[str, float]:
    """Node IRI -> the value of ``metric`` in the stored analysis ``run``."""
    if metric not in PROPERTIES:
        raise AnalysisError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    bindings = {"run": ox.NamedNode(run.iri), "measure": PROPERTIES[metric]}
    return {node: float(value) for _, _, node, value in select(source, _Q_VALUES, bindings)
            if node is not None and value is not None}
