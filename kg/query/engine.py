"""Where a query runs: the embedded Oxigraph store, rdflib (the interop oracle), or an endpoint.

Every engine takes SPARQL text plus parameter values as RDF terms and returns a
:class:`~kg.query.results.QueryResult`.  Values are *bound*, never pasted into the text:
Oxigraph ``substitutions``, rdflib ``initBindings``, and for endpoints a ``VALUES`` block
of serialised terms (see :mod:`kg.query.remote`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Protocol

import pyoxigraph as ox

from kg.query.results import QueryResult, Term
from kg.rdf.namespaces import PREFIXES
from kg.store import KGStore


class QueryError(Exception):
    """A query could not be run (bad syntax, not a SELECT, endpoint failure)."""


class Engine(Protocol):
    name: str

    def select(self, sparql: str, bindings: Mapping[str, ox.Term]) -> QueryResult: ...


class OxigraphEngine:
    """The embedded store: the union of committed graphs is the default graph."""

    name = "oxigraph"

    def __init__(self, store: KGStore | ox.Store) -> None:
        self.store = store

    def select(self, sparql: str, bindings: Mapping[str, ox.Term]) -> QueryResult:
        subs = {ox.Variable(k): v for k, v in bindings.items()}
        try:
            if isinstance(self.store, KGStore):
                res = self.store.query(sparql, substitutions=subs or None)
            else:
                res = self.store.query(
                    sparql, prefixes=PREFIXES, substitutions=subs or None, use_default_graph_as_union=True
                )
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {e}") from None
        except (OSError, ValueError, RuntimeError) as e:  # e.g. a bound variable not projected
            raise QueryError(str(e)) from None
        if not isinstance(res, ox.QuerySolutions):
            raise QueryError("only SELECT queries are supported here (this one is ASK/CONSTRUCT/DESCRIBE)")
        columns = [v.value for v in res.variables]
        terms = []
        for sol in res:
            row = {}
            for c in columns:
                t = sol[c]
                if t is not None:
                    row[c] = Term.from_ox(t)
            terms.append(row)
        return QueryResult(columns, terms, sparql)


@lru_cache(maxsize=256)
def _prepared(sparql: str) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(sparql, initNs=PREFIXES)


class RdflibEngine:
    """rdflib over a Dataset whose default graph is the union of its named graphs."""

    name = "rdflib"

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    @classmethod
    def from_store(cls, store: KGStore) -> RdflibEngine:
        """Copy the store's committed graphs into one rdflib Graph: their union, as a set.

        A plain Graph gives the same answers as a ``Dataset(default_union=True)`` (library
        queries use no GRAPH patterns) and is faster: rdflib 7's Dataset emits a deprecation
        warning on every triple lookup.
        """
        from kg.rdf.convert import to_rdflib_graph

        return cls(to_rdflib_graph(store.quads()))

    def select(self, sparql: str, bindings: Mapping[str, ox.Term]) -> QueryResult:
        from pyparsing import ParseException
        from rdflib import Variable

        from kg.rdf.convert import to_rdflib_term

        try:
            prepared = _prepared(sparql)
        except ParseException as e:
            raise QueryError(f"SPARQL syntax error: {e}") from None
        if prepared.algebra.name != "SelectQuery":
            raise QueryError("only SELECT queries are supported here (this one is ASK/CONSTRUCT/DESCRIBE)")
        init = {Variable(k): to_rdflib_term(v) for k, v in bindings.items()}
        try:
            res = self.graph.query(prepared, initBindings=init)
        except Exception as e:  # rdflib raises many types during evaluation
            raise QueryError(f"rdflib could not evaluate the query: {e}") from None
        columns = [str(v) for v in res.vars or []]
        terms = []
        for sol in res:
            row = {}
            for c, t in zip(columns, sol, strict=True):
                if t is not None:
                    row[c] = Term.from_rdflib(t)
            terms.append(row)
        return QueryResult(columns, terms, sparql)
