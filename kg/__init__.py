"""scholarly-kg: research-collaboration knowledge graphs from profile pages and exports.

Sources (researcher profile pages) are read into validated records, mapped onto RDF with
standard vocabularies (FaBiO, PRO, FOAF, W3C ORG, SKOS, schema.org, PROV-O, DCTERMS), kept
in an embedded Oxigraph store, and questioned with a library of SPARQL queries.

>>> import kg
>>> g = kg.build(["examples/profiles/chuhan-wu.txt"], store=None, as_of="2026-11-26")
>>> g.stats()["papers"], g.stats()["people"]
(50, 54)
>>> [r["name"] for r in g.query("coauthors", author="Chuhan Wu", limit=3)]
['Fangzhao Wu', 'Tao Qi', 'Linhao Zhang']

Main entry points
-----------------
build(sources, store=..., as_of=...)   build sources into a store -> KnowledgeGraph
open(store)                            open an existing store -> KnowledgeGraph
query(store, name, **params)           run a library query (rows, .to_dataframe())
viz(store, view=..., **filters)        an interactive pyvis Network (inline in Jupyter)
read_profile(path, as_of=...)          a profile page -> validated records

A KnowledgeGraph has .query(), .viz(), .coauthor_graph() (networkx), .graph() (rdflib),
.export(), .push(), .stats() and .validate().  The ``kg`` command line is a thin layer over
the same functions.
"""

from kg._version import __version__
from kg.api import KnowledgeGraph, build, open
from kg.extract import read_profile
from kg.query import run as _run_query  # noqa: F401  (makes kg.query the callable module)

__all__ = ["KnowledgeGraph", "__version__", "build", "open", "query", "read_profile", "viz"]


def __getattr__(name: str):
    # kg.viz is imported on first use: pyvis and its templates are not needed to build or query.
    if name == "viz":
        import importlib

        return importlib.import_module("kg.viz")
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
