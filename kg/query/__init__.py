"""Ask the graph collaboration questions: the SPARQL query library and how to run it.

>>> from kg.query import run
>>> r = run("kg-store", "coauthors", author="Chuhan Wu")          # doctest: +SKIP
>>> r.rows[0]                                                     # doctest: +SKIP
{'coauthor': 'https://w3id.org/scholarly-kg/id/person/fangzhao_wu', 'name': 'Fangzhao Wu', ...}

The same call runs on rdflib (``engine="rdflib"``) or on any SPARQL 1.1 endpoint
(``endpoint="http://host/sparql"``); rows compare equal across all three.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.query.engine import Engine, OxigraphEngine, QueryError, RdflibEngine
from kg.query.library import Param, Query, QueryFileError, get_query, library, load_query, parse_query
from kg.query.params import ParameterError, bind
from kg.query.remote import RemoteEngine
from kg.query.results import QueryResult, Term
from kg.store import KGStore, open_existing_store

__all__ = [
    "Engine",
    "OxigraphEngine",
    "Param",
    "ParameterError",
    "Query",
    "QueryError",
    "QueryFileError",
    "QueryResult",
    "RdflibEngine",
    "RemoteEngine",
    "Term",
    "get_engine",
    "get_query",
    "library",
    "load_query",
    "parse_query",
    "resolve",
    "run",
]

ENGINES = ("oxigraph", "rdflib")


def resolve(name_or_sparql: str | Path | Query) -> Query:
    """A :class:`Query` from a library name, a ``.rq`` path, or SPARQL text."""
    if isinstance(name_or_sparql, Query):
        return name_or_sparql
    if isinstance(name_or_sparql, Path):
        return load_query(name_or_sparql)
    text = name_or_sparql.strip()
    if "\n" not in text and text.endswith(".rq") and Path(text).is_file():
        return load_query(text)
    if text and not any(c in text for c in " \n\t{?"):
        return get_query(text)
    return parse_query(name_or_sparql, name="ad-hoc query")


def get_engine(store_or_path: Any = None, *, engine: str = "oxigraph", endpoint: str | None = None) -> Engine:
    """The engine for a store (object or folder), an rdflib graph, or an endpoint URL."""
    if endpoint:
        return RemoteEngine(endpoint)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if isinstance(store_or_path, OxigraphEngine | RdflibEngine | RemoteEngine):
        return store_or_path
    if store_or_path is None:
        raise ValueError("give a store (a KGStore or its folder) or an endpoint URL")
    if isinstance(store_or_path, str | Path):
        store_or_path = open_existing_store(store_or_path)  # missing or empty: an error, never created
    if isinstance(store_or_path, KGStore | ox.Store):
        if engine == "rdflib":
            if isinstance(store_or_path, ox.Store):
                store_or_path = _wrap(store_or_path)
            return RdflibEngine.from_store(store_or_path)
        return OxigraphEngine(store_or_path)
    import rdflib

    if isinstance(store_or_path, rdflib.Graph):
        return RdflibEngine(store_or_path)
    raise TypeError(f"cannot query a {type(store_or_path).__name__}")


def _wrap(store: ox.Store) -> KGStore:
    return KGStore.wrap(store)


def run(
    store_or_path: Any,
    name_or_sparql: str | Path | Query,
    *,
    engine: str = "oxigraph",
    endpoint: str | None = None,
    limit: int | None = None,
    **params: Any,
) -> QueryResult:
    """Run a library query (by name), a ``.rq`` file or SPARQL text, with bound parameters.

    ``store_or_path`` is a :class:`~kg.store.KGStore`, its folder, a pyoxigraph ``Store``,
    an rdflib ``Dataset``/``Graph`` (its default graph is queried), or ``None`` with
    ``endpoint``.  Parameter values are names, slugs, notations, numbers or dates as the
    query's header types them (or pyoxigraph terms).  Bound parameters are not repeated as
    result columns.  ``limit`` keeps the first rows of the (ordered) answer.
    """
    query = resolve(name_or_sparql)
    eng = get_engine(store_or_path, engine=engine, endpoint=endpoint)
    bindings = bind(query, params, eng)
    result = eng.select(query.text, bindings)
    if bindings:
        result.columns = [c for c in result.columns if c not in bindings]
        result.terms = [{c: t for c, t in row.items() if c not in bindings} for row in result.terms]
    if limit is not None:
        if limit < 0:
            raise ValueError("limit must be >= 0")
        result.terms = result.terms[:limit]
    return result


class _CallableModule(types.ModuleType):
    """``kg.query(store, "coauthors", author=...)`` works even where ``kg.query`` is this module."""

    def __call__(self, *args: Any, **kwargs: Any) -> QueryResult:
        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
