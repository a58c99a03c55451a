"""pytest plugin: one throwaway Virtuoso 7 per test session, plus small HTTP helpers.

Test modules load it with ``pytest_plugins = ["virtuoso_server"]`` (registered once, so the
server starts once however many modules use it).  Missing Virtuoso skips locally and fails
in CI (``need`` from conftest, ``KG_REQUIRE_SERVERS=1``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from conftest import need

from kg.remote.virtuoso import DEFAULT_PASSWORD, VirtuosoServer

USER = "dba"
PASSWORD = DEFAULT_PASSWORD


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A running Virtuoso on free 127.0.0.1 ports with an empty database; stopped afterwards."""
    need("virtuoso-t", "the Virtuoso integration tests need Debian's virtuoso-opensource")
    need("isql-vt", "the Virtuoso integration tests need Debian's virtuoso-opensource")
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def remote_graph(vt: VirtuosoServer, graph: str) -> list[ox.Triple]:
    """The triples Virtuoso holds in ``graph`` (anonymous Graph Store read, N-Triples)."""
    r = requests.get(f"{vt.base_url}/sparql-graph-crud", params={"graph": graph},
                     headers={"Accept": "application/n-triples"}, timeout=60)
    if r.status_code == 404:
        return []
    r.raise_for_status()
    return list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))


def remote_select(vt: VirtuosoServer, sparql: str) -> list[dict[str, str]]:
    r = requests.post(vt.sparql_url, data={"query": sparql},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60)
    r.raise_for_status()
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def remote_counts(vt: VirtuosoServer, prefix: str) -> dict[str, int]:
    """Triples per named graph whose IRI starts with ``prefix``."""
    rows = remote_select(vt, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                             f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }} GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows}


def drop_graphs(vt: VirtuosoServer, prefix: str) -> None:
    """Remove every graph under ``prefix`` (keeps tests independent of each other)."""
    for g in remote_counts(vt, prefix):
        r = requests.post(vt.sparql_auth_url, data=f"DROP SILENT GRAPH {ox.NamedNode(g)}".encode(),
                          headers={"Content-Type": "application/sparql-update"},
                          auth=requests.auth.HTTPDigestAuth(USER, PASSWORD), timeout=60)
        r.raise_for_status()
