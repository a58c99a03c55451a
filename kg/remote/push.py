"""Push the store's named graphs to a remote triple store, atomically and verified.

For every graph the push

1. uploads the triples, in chunks of N-Triples, into a fresh *temporary* graph
   (``urn:kg:push:<target hash>:<uuid>``) over the SPARQL 1.1 Graph Store HTTP Protocol
   (first chunk ``PUT``, the rest ``POST``), or over SPARQL 1.1 Update (``INSERT DATA``) for
   stores that offer only that; transient errors (connection, 429, 5xx) are retried with
   exponential backoff — safe, because an RDF graph is a set and re-sending a chunk changes
   nothing;
2. verifies the temporary graph: the server's ``COUNT(*)`` and (``verify="full"``) the
   triples themselves, compared *by value* (:mod:`kg.remote.verify`) so that literal
   canonicalisation is not mistaken for loss but a missing triple is;
3. only when every graph has been loaded and verified, swaps them all in with **one** SPARQL
   update (``MOVE <tmp> TO <target>`` per graph), then re-counts the targets.

A failure before step 3 leaves every target graph as it was.  Temporary graphs of a failed
push are dropped on the way out when the server still answers, and by the next push
otherwise.  Caveat: stores whose default graph is the union of all graphs (Virtuoso) show a
temporary graph's triples to queries that name no graph while it exists.

Graph IRIs reach SPARQL text only as validated ``NamedNode`` s (an IRI cannot contain ``>``
or spaces); triples travel as N-Triples written by pyoxigraph's serializer.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth, HTTPDigestAuth
from urllib3.util.retry import Retry

from kg.remote.verify import GraphValues, compare, count_plausible, has_blank_node
from kg.store import KGStore

Protocol = Literal["gsp", "update"]
AuthKind = Literal["digest", "basic"]
Verify = Literal["full", "count"]

TEMP_PREFIX = "urn:kg:push:"
NT = "application/n-triples"
DEFAULT_CHUNK = {"gsp": 50_000, "update": 1_000}  # Virtuoso: "memory exhausted" near 5000
TRANSIENT = (429, 500, 502, 503, 504)


class PushError(Exception):
    """A push failed; the message says which graph, what happened, and what the server holds."""


@dataclass(frozen=True)
class Endpoints:
    """Where a store answers queries, updates and Graph Store requests."""

    query: str
    update: str
    gsp: str | None = None

    @classmethod
    def guess(cls, url: str, *, query: str | None = None, update: str | None = None,
              gsp: str | None = None) -> Endpoints:
        """Endpoints from one URL, knowing the usual layouts.

        Virtuoso ``/sparql-auth`` → GSP ``/sparql-graph-crud-auth``; Oxigraph ``/query`` or
        ``/update`` → ``/update`` and ``/store``; Fuseki ``/ds/sparql|query|update`` →
        ``/ds/update`` and ``/ds/data``; otherwise the URL serves everything (SPARQL 1.1
        lets one endpoint take queries, updates and, for Fuseki datasets, GSP).
        """
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise PushError(f"--endpoint {url!r} is not an http(s) URL")
        head, _, last = parts.path.rpartition("/")

        def at(path: str) -> str:
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

        g_query, g_update, g_gsp = url, url, url
        if last in {"sparql", "sparql-auth"} and head == "":       # Virtuoso
            g_gsp = at("/sparql-graph-crud-auth" if last == "sparql-auth" else "/sparql-graph-crud")
        elif last in {"query", "update", "store"} and head == "":  # Oxigraph server
            g_query, g_update, g_gsp = at("/query"), at("/update"), at("/store")
        elif last in {"sparql", "query", "update", "data"}:        # Fuseki dataset services
            g_query, g_update, g_gsp = at(f"{head}/query"), at(f"{head}/update"), at(f"{head}/data")
            if last == "sparql":
                g_query = url
        return cls(query=query or g_query, update=update or g_update, gsp=gsp or g_gsp)


@dataclass
class GraphReport:
    graph: str
    local_triples: int
    distinct_values: int
    remote_triples: int = 0
    chunks: int = 0
    verified: str = ""


@dataclass
class PushReport:
    endpoint: str
    protocol: str
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(g.remote_triples for g in self.graphs)


def make_session(*, auth: AuthKind | None = None, user: str | None = None, password: str | None = None,
                 retries: int = 5, backoff: float = 0.5) -> requests.Session:
    """A requests session with digest/basic auth and retries with exponential backoff."""
    s = requests.Session()
    if auth is not None:
        if user is None or password is None:
            raise PushError(f"--auth {auth} needs a user and a password (KG_PASSWORD)")
        s.auth = HTTPDigestAuth(user, password) if auth == "digest" else HTTPBasicAuth(user, password)
    elif user is not None:
        raise PushError("--user given without --auth digest|basic")
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                  status_forcelist=TRANSIENT, allowed_methods=None, raise_on_status=False,
                  respect_retry_after_header=True)
    adapter = HTTPAdapter(max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


class RemoteStore:
    """The few SPARQL 1.1 Protocol / Graph Store requests a push needs."""

    def __init__(self, endpoints: Endpoints, session: requests.Session, *, timeout: float = 120.0) -> None:
        self.e = endpoints
        self.s = session
        self.once = requests.Session()  # same credentials, no retries
        self.once.auth = session.auth
        self.timeout = timeout

    def _send(self, method: str, url: str, what: str, *, retry: bool = True,
              **kwargs: object) -> requests.Response:
        session = self.s if retry else self.once
        try:
            r = session.request(method, url, timeout=self.timeout, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as e:
            raise PushError(f"{what}: no answer from {url} ({_reason(e)})") from None
        if r.status_code in (401, 403):
            raise PushError(f"{what}: {url} refused the credentials (HTTP {r.status_code} {r.reason}); "
                            "check --auth, --user and the password in KG_PASSWORD")
        if r.status_code >= 400:
            raise PushError(f"{what}: {url} answered HTTP {r.status_code} {r.reason}: {_excerpt(r.text)}")
        return r

    def select(self, sparql: str, what: str) -> list[dict[str, str]]:
        r = self._send("POST", self.e.query, what, data={"query": sparql},
                       headers={"Accept": "application/sparql-results+json"})
        try:
            body = r.json()
            return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]
        except (ValueError, KeyError, TypeError):
            raise PushError(f"{what}: {self.e.query} did not return SPARQL JSON results: "
                            f"{_excerpt(r.text)}") from None

    def update(self, sparql: str, what: str, *, retry: bool = True) -> None:
        self._send("POST", self.e.update, what, retry=retry, data=sparql.encode(),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def count(self, graph: ox.NamedNode) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                           f"counting {graph.value}")
        return int(rows[0]["n"]) if rows else 0

    def graphs_with_prefix(self, prefix: str) -> list[ox.NamedNode]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }}", "listing temporary graphs")
        return sorted({ox.NamedNode(r["g"]) for r in rows if "g" in r}, key=lambda g: g.value)

    def gsp_url(self) -> str:
        if not self.e.gsp:
            raise PushError("no Graph Store endpoint known; pass one, or use --protocol update")
        return self.e.gsp

    def upload(self, graph: ox.NamedNode, body: bytes, *, first: bool, protocol: Protocol, what: str,
               blank: bool = False) -> None:
        if protocol == "gsp":
            self._send("PUT" if first else "POST", self.gsp_url(), what, params={"graph": graph.value},
                       data=body, headers={"Content-Type": NT})
        elif blank:
            # blank nodes are not allowed in INSERT DATA (Virtuoso refuses them); a template is
            self.update(f"INSERT {{ GRAPH {graph} {{\n{body.decode()}\n}} }} WHERE {{}}", what)
        else:
            self.update(f"INSERT DATA {{ GRAPH {graph} {{\n{body.decode()}\n}} }}", what)

    def fetch(self, graph: ox.NamedNode, protocol: Protocol) -> list[ox.Triple]:
        """The graph's triples as the server returns them (N-Triples)."""
        what = f"reading back {graph.value}"
        if protocol == "gsp":
            r = self._send("GET", self.gsp_url(), what, params={"graph": graph.value}, headers={"Accept": NT})
        else:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
            r = self._send("POST", self.e.query, what, data={"query": query}, headers={"Accept": NT})
        try:
            return list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as e:
            raise PushError(f"{what}: the server's N-Triples do not parse: {e}") from None


def _reason(e: BaseException) -> str:
    """The innermost cause of a requests error, on one line."""
    while e.__context__ is not None and not isinstance(e, ConnectionRefusedError):
        e = e.__context__
    return _excerpt(f"{type(e).__name__}: {e}", 200)


def _excerpt(text: str, limit: int = 300) -> str:
    one_line = " ".join(text.split())
    return one_line[:limit] + ("…" if len(one_line) > limit else "")


def _chunks(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Named triples in chunks of ``size``; blank-node triples all together, last.

    Blank-node labels are scoped to one request, so a blank node split across two requests
    would become two nodes on the server.
    """
    blank: list[ox.Triple] = []

    def named() -> Iterator[ox.Triple]:
        for t in triples:
            if has_blank_node(t):
                blank.append(t)
            else:
                yield t

    it = named()
    while batch := list(islice(it, size)):
        yield batch
    if blank:
        yield blank


def temp_graph(target: ox.NamedNode) -> ox.NamedNode:
    return ox.NamedNode(f"{TEMP_PREFIX}{_target_hash(target)}:{uuid.uuid4()}")


def _target_hash(target: ox.NamedNode) -> str:
    return hashlib.sha256(target.value.encode()).hexdigest()[:16]


def push_store(
    store: KGStore, endpoint: str | Endpoints, *, graphs: Sequence[str] | None = None,
    protocol: Protocol = "gsp", auth: AuthKind | None = None, user: str | None = None,
    password: str | None = None, chunk_size: int | None = None, retries: int = 5, backoff: float = 0.5,
    timeout: float = 120.0, verify: Verify = "full", session: requests.Session | None = None,
    on_chunk: Callable[[str, int], None] | None = None,
) -> PushReport:
    """Replace each named graph of ``store`` (or only ``graphs``) on the remote store.

    Raises :class:`PushError` on any failure; target graphs are then left as they were.
    """
    t0 = time.perf_counter()
    if protocol not in DEFAULT_CHUNK:
        raise PushError(f"unknown protocol {protocol!r} (gsp or update)")
    size = chunk_size or DEFAULT_CHUNK[protocol]
    if size < 1:
        raise PushError("chunk size must be at least 1")
    ends = endpoint if isinstance(endpoint, Endpoints) else Endpoints.guess(endpoint)
    sess = session or make_session(auth=auth, user=user, password=password, retries=retries, backoff=backoff)
    remote = RemoteStore(ends, sess, timeout=timeout)
    local = store.graphs()
    if graphs:
        wanted = {g for g in graphs}
        unknown = sorted(wanted - {g.value for g in local})
        if unknown:
            raise PushError(f"the store has no graph {unknown[0]} (it has: "
                            f"{', '.join(g.value for g in local) or 'none'})")
        local = [g for g in local if g.value in wanted]
    if not local:
        raise PushError("the store has no graph to push (run `kg build` first)")
    shown = ends.gsp if protocol == "gsp" and ends.gsp else ends.update
    report = PushReport(endpoint=shown, protocol=protocol)
    temps: dict[str, ox.NamedNode] = {}
    try:
        for target in local:
            for stale in remote.graphs_with_prefix(f"{TEMP_PREFIX}{_target_hash(target)}:"):
                remote.update(f"DROP SILENT GRAPH {stale}", f"dropping the stale temporary {stale.value}")
            temp = temp_graph(target)
            temps[target.value] = temp
            report.graphs.append(_load_graph(store, remote, target, temp, protocol, size, verify, on_chunk))
    except PushError as e:
        raise PushError(f"{e}. Push aborted: no target graph on the server was changed"
                        f"{_cleanup_note(remote, temps.values())}") from None
    # Everything is loaded and verified: swap all graphs in with one update request, sent once
    # (MOVE is not idempotent: a retry after a lost answer would move an empty graph).
    moves = " ;\n".join(f"MOVE SILENT {temps[g.graph]} TO {ox.NamedNode(g.graph)}" if g.local_triples
                        else f"DROP SILENT GRAPH {ox.NamedNode(g.graph)}" for g in report.graphs)
    try:
        remote.update(moves, "replacing the target graphs (MOVE)", retry=False)
    except PushError as e:
        raise PushError(f"{e}. The server applies one update all or nothing, so each target graph "
                        "holds either its old or its new content; run the push again"
                        f"{_cleanup_note(remote, temps.values())}") from None
    for g in report.graphs:
        n = remote.count(ox.NamedNode(g.graph))
        if n != g.remote_triples:
            raise PushError(f"after the swap, {g.graph} holds {n} triples on the server, "
                            f"not the {g.remote_triples} verified before it (a concurrent writer?)")
    report.seconds = time.perf_counter() - t0
    return report


def _load_graph(store: KGStore, remote: RemoteStore, target: ox.NamedNode, temp: ox.NamedNode,
                protocol: Protocol, size: int, verify: Verify,
                on_chunk: Callable[[str, int], None] | None) -> GraphReport:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(target)]
    values = GraphValues.of(triples)
    rep = GraphReport(target.value, values.raw, values.distinct)
    for k, chunk in enumerate(_chunks(triples, size)):
        body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
        remote.upload(temp, body, first=k == 0, protocol=protocol, blank=has_blank_node(chunk[0]),
                      what=f"uploading chunk {k + 1} ({len(chunk)} triples) of {target.value}")
        rep.chunks += 1
        if on_chunk:
            on_chunk(target.value, len(chunk))
    if not triples:
        return rep
    rep.remote_triples = remote.count(temp)
    if not count_plausible(values, rep.remote_triples):
        raise PushError(f"verification of {target.value} failed: the server holds {rep.remote_triples} "
                        f"triples, expected {values.distinct}"
                        + (f" to {values.raw}" if values.raw != values.distinct else ""))
    rep.verified = "count"
    if verify == "full":
        fetched = remote.fetch(temp, protocol)
        if len(fetched) < rep.remote_triples:
            raise PushError(f"verification of {target.value} failed: the server counts {rep.remote_triples} "
                            f"triples but returned only {len(fetched)} (a result-size limit such as "
                            "Virtuoso's ResultSetMaxRows?)")
        diff = compare(values, GraphValues.of(fetched))
        if not diff.ok:
            raise PushError(f"verification of {target.value} failed: {diff.describe()}")
        rep.verified = "values"
    return rep


def _cleanup_note(remote: RemoteStore, temps: Iterable[ox.NamedNode]) -> str:
    """Drop temporary graphs (best effort, no retries); say which could not be dropped."""
    left = []
    for temp in temps:
        try:
            remote.update(f"DROP SILENT GRAPH {temp}", f"dropping {temp.value}", retry=False)
        except PushError:
            left.append(temp.value)
    if not left:
        return ""
    return (f"; the temporary graph(s) {', '.join(left)} could not be dropped and will be removed "
            "by the next push")
