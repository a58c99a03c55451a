"""Where projections read from: the Oxigraph store, or any rdflib graph of the same triples.

Projections are SPARQL SELECT queries whose answers become networkx graphs.  The same text
runs on the embedded store (the fast path) and on rdflib (for an exported graph, or as an
independent engine in tests); values are bound (Oxigraph ``substitutions``, rdflib
``initBindings``), never pasted into the text.  Rows come back as tuples of plain strings
(lexical forms; ``None`` for an unbound variable), so nothing downstream depends on the engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES
from kg.store import KGStore

# What a projection can read from: a KGStore, a bare pyoxigraph Store, or an rdflib Graph
# or Dataset (its default graph must be the union of its named graphs).
Source = Any


@lru_cache(maxsize=64)
def _prepared(sparql: str) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(sparql, initNs=PREFIXES)


def select(source: Source, sparql: str, bindings: Mapping[str, ox.Term] | None = None
           ) -> Iterator[tuple[str | None, ...]]:
    """The rows of a SELECT query, one tuple of lexical forms per solution.

    The query must project every bound variable (pyoxigraph substitutes only projected ones).
    """
    bindings = bindings or {}
    if isinstance(source, KGStore | ox.Store):
        subs = {ox.Variable(k): v for k, v in bindings.items()} or None
        if isinstance(source, KGStore):
            res = source.query(sparql, substitutions=subs)
        else:
            res = source.query(sparql, prefixes=PREFIXES, substitutions=subs, use_default_graph_as_union=True)
        names = [v.value for v in res.variables]
        for sol in res:
            yield tuple(None if (t := sol[n]) is None else t.value for n in names)
        return
    from rdflib import Variable

    from kg.rdf.convert import to_rdflib_term

    init = {Variable(k): to_rdflib_term(v) for k, v in bindings.items()}
    for row in source.query(_prepared(sparql), initBindings=init):
        yield tuple(None if t is None else str(t) for t in row)


def rdflib_union(source: Source) -> Any:
    """An rdflib Dataset whose default graph is the union: as given, or built from a store."""
    if isinstance(source, KGStore):
        from kg.rdf.convert import to_rdflib_graph

        return to_rdflib_graph(source.quads())
    return source
