"""A push that fails half-way leaves the server's graph as it was, and says so.

A small forwarding HTTP server on 127.0.0.1 sits between ``kg push`` and a real Virtuoso and
misbehaves on cue: answers 500 after N chunk uploads, stops listening (as if the server were
stopped), or silently drops one triple of a chunk.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.remote.push import TEMP_PREFIX, Endpoints, PushError, push_store
from kg.remote.verify import GraphValues, compare, count_plausible
from kg.remote.virtuoso import VirtuosoServer
from kg.store import KGStore

pytest.register_assert_rewrite("virtuoso_server")
from virtuoso_server import PASSWORD, USER, drop_graphs, remote_counts, remote_graph  # noqa: E402

pytest_plugins = ["virtuoso_server"]
pytestmark = pytest.mark.virtuoso

NS = "https://example.org/failtest/"
GRAPH = NS + "graph"
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


def version(tag: str, n: int) -> list[ox.Quad]:
    """A graph of ``n`` triples whose objects say which version they belong to."""
    g = ox.NamedNode(GRAPH)
    return [ox.Quad(ox.NamedNode(f"{NS}s{i}"), ox.NamedNode(NS + "p"), ox.Literal(f"{tag}{i}"), g)
            for i in range(n)]


def store_with(quads: list[ox.Quad], path: Path | None = None) -> KGStore:
    store = KGStore(path)
    store.ox.extend(quads)
    store.flush()
    return store


class FaultyProxy:
    """Forwards to Virtuoso; ``fail_after`` uploads then 500s, ``die_after`` then stops
    listening, ``drop_line_in`` removes the first line of that upload (1-based), ``fail_move``
    answers 502 to the swap."""

    def __init__(self, target: str, *, fail_after: int | None = None, die_after: int | None = None,
                 drop_line_in: int | None = None, fail_move: bool = False) -> None:
        self.target = urlsplit(target)
        self.fail_after, self.die_after, self.drop_line_in = fail_after, die_after, drop_line_in
        self.fail_move = fail_move
        self.moves = 0         # MOVE requests seen
        self.uploads = 0       # uploads forwarded and accepted by Virtuoso
        self.refused = 0       # uploads answered 500 by us
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upload = (self.command in ("PUT", "POST") and self.path.startswith("/sparql-graph-crud")) \
                    or body.lstrip().startswith(b"INSERT")
                with proxy.lock:
                    if b"MOVE" in body and "Authorization" in self.headers:
                        proxy.moves += 1
                        if proxy.fail_move:
                            self.send_response(502, "Bad Gateway")
                            self.send_header("Content-Length", "0")
                            self.end_headers()
                            return
                    if upload and proxy.die_after is not None and proxy.uploads >= proxy.die_after:
                        self.close_connection = True
                        threading.Thread(target=proxy.stop, daemon=True).start()
                        return
                    if upload and proxy.fail_after is not None and proxy.uploads >= proxy.fail_after:
                        proxy.refused += 1
                        self.send_response(500, "Internal Server Error")
                        self.send_header("Content-Length", "17")
                        self.end_headers()
                        self.wfile.write(b"disk quota hit :(")
                        return
                    if upload and "Authorization" in self.headers and proxy.drop_line_in == proxy.uploads + 1:
                        body = b"\n".join(body.split(b"\n")[1:])
                conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {"host"}}
                headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if upload and resp.status < 300:
                    with proxy.lock:
                        proxy.uploads += 1
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.stopped = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def vt(virtuoso: VirtuosoServer) -> Iterator[VirtuosoServer]:
    """Virtuoso holding version A (300 triples) of the test graph; cleaned up afterwards."""
    drop_graphs(virtuoso, NS)
    drop_graphs(virtuoso, TEMP_PREFIX)
    push_store(store_with(version("A", 300)), virtuoso.sparql_auth_url, auth="digest", user=USER,
               password=PASSWORD)
    assert remote_counts(virtuoso, NS) == {GRAPH: 300}
    yield virtuoso
    drop_graphs(virtuoso, NS)
    drop_graphs(virtuoso, TEMP_PREFIX)


@pytest.fixture
def proxies() -> Iterator[list[FaultyProxy]]:
    made: list[FaultyProxy] = []
    yield made
    for p in made:
        p.stop()


def assert_version_a(vt: VirtuosoServer) -> None:
    """The server still holds exactly version A: count, and every triple by value."""
    assert remote_counts(vt, NS) == {GRAPH: 300}
    held = remote_graph(vt, GRAPH)
    expected = {(f"{NS}s{i}", f"A{i}") for i in range(300)}
    assert {(t.subject.value, t.object.value) for t in held} == expected


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_500_half_way_leaves_the_old_graph(vt: VirtuosoServer, proxies: list[FaultyProxy],
                                           protocol: str) -> None:
    proxy = FaultyProxy(vt.base_url, fail_after=4)
    proxies.append(proxy)
    with pytest.raises(PushError) as info:
        push_store(store_with(version("B", 1000)), proxy.url + "/sparql-auth", protocol=protocol,  # type: ignore[arg-type]
                   auth="digest", user=USER, password=PASSWORD, chunk_size=100, retries=2, backoff=0.01)
    message = str(info.value)
    assert "uploading chunk 5 (100 triples)" in message
    assert "HTTP 500" in message and "disk quota hit" in message
    assert "no target graph on the server was changed" in message
    assert proxy.uploads == 4 and proxy.refused == 3          # one try + two retries
    assert_version_a(vt)
    assert remote_counts(vt, TEMP_PREFIX) == {}                 # the half-loaded graph was dropped


def test_cli_exits_non_zero_with_a_clear_message(vt: VirtuosoServer, proxies: list[FaultyProxy],
                                                 tmp_path: Path) -> None:
    store_with(version("B", 1000), tmp_path / "store")
    proxy = FaultyProxy(vt.base_url, fail_after=3)
    proxies.append(proxy)
    result = CliRunner().invoke(app, [
        "push", "--endpoint", proxy.url + "/sparql-auth", "--store", str(tmp_path / "store"),
        "--auth", "digest", "--user", USER, "--chunk-size", "100", "--retries", "1"],
        env={"KG_PASSWORD": PASSWORD, "COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())   # rich wraps long lines
    assert "error: uploading chunk 4 (100 triples) of " + GRAPH in out
    assert "HTTP 500" in out and "no target graph on the server was changed" in out
    assert_version_a(vt)


def test_server_stopped_half_way(vt: VirtuosoServer, proxies: list[FaultyProxy]) -> None:
    proxy = FaultyProxy(vt.base_url, die_after=5)
    proxies.append(proxy)
    with pytest.raises(PushError) as info:
        push_store(store_with(version("B", 1000)), proxy.url + "/sparql-auth", auth="digest", user=USER,
                   password=PASSWORD, chunk_size=100, retries=1, backoff=0.01)
    message = str(info.value)
    assert "uploading chunk 6 (100 triples)" in message and "no answer from" in message
    assert "could not be dropped and will be removed by the next push" in message
    assert_version_a(vt)
    # The orphan temporary graph holds the 5 chunks that arrived; it is not the target graph.
    temps = remote_counts(vt, TEMP_PREFIX)
    assert list(temps.values()) == [500]
    # The next push (server reachable again) removes it and installs version B.
    report = push_store(store_with(version("B", 1000)), vt.sparql_auth_url, auth="digest", user=USER,
                        password=PASSWORD, chunk_size=400)
    assert [(g.graph, g.remote_triples, g.chunks) for g in report.graphs] == [(GRAPH, 1000, 3)]
    assert remote_counts(vt, TEMP_PREFIX) == {}
    assert remote_counts(vt, NS) == {GRAPH: 1000}


def test_failed_swap_is_sent_once_and_reported(vt: VirtuosoServer, proxies: list[FaultyProxy]) -> None:
    """MOVE is not idempotent: it is never retried, and the message does not promise too much."""
    proxy = FaultyProxy(vt.base_url, fail_move=True)
    proxies.append(proxy)
    with pytest.raises(PushError) as info:
        push_store(store_with(version("B", 1000)), proxy.url + "/sparql-auth", auth="digest", user=USER,
                   password=PASSWORD, chunk_size=400, retries=3, backoff=0.01)
    message = str(info.value)
    assert "replacing the target graphs (MOVE)" in message and "HTTP 502" in message
    assert "either its old or its new content; run the push again" in message
    assert proxy.moves == 1
    assert_version_a(vt)
    assert remote_counts(vt, TEMP_PREFIX) == {}


def test_silently_lost_triple_is_caught(vt: VirtuosoServer, proxies: list[FaultyProxy]) -> None:
    proxy = FaultyProxy(vt.base_url, drop_line_in=2)
    proxies.append(proxy)
    with pytest.raises(PushError) as info:
        push_store(store_with(version("B", 1000)), proxy.url + "/sparql-auth", auth="digest", user=USER,
                   password=PASSWORD, chunk_size=100, verify="count")
    assert f"verification of {GRAPH} failed: the server holds 999 triples, expected 1000" in str(info.value)
    assert_version_a(vt)
    assert remote_counts(vt, TEMP_PREFIX) == {}


def test_value_check_catches_a_changed_literal() -> None:
    """Same count, one value changed: only the value comparison can see it."""
    local = GraphValues.of(version("B", 10))
    changed = version("B", 10)
    q = changed[3]
    changed[3] = ox.Quad(q.subject, q.predicate, ox.Literal("B3 (edited)"), q.graph_name)
    diff = compare(local, GraphValues.of(changed))
    assert not diff.ok
    assert len(diff.missing) == 1 and len(diff.unexpected) == 1
    assert "B3" in diff.describe() and "1 triple(s) lost" in diff.describe()


def _t(value: str, datatype: str | None = None, language: str | None = None) -> ox.Triple:
    lit = (ox.Literal(value, language=language) if language
           else ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + datatype))
           if datatype else ox.Literal(value))
    return ox.Triple(ox.NamedNode(NS + "s"), ox.NamedNode(NS + "p"), lit)


@pytest.mark.parametrize(("ours", "theirs"), [
    (("1.50", "decimal"), ("1.5", "decimal")),
    (("1.0E-7", "double"), ("1e-07", "double")),
    (("1.0E-1", "double"), ("0.1", "decimal")),          # Virtuoso's Turtle drops xsd:double
    (("007", "integer"), ("7", "integer")),
    (("2026-11-26T10:00:00+00:00", "dateTime"), ("2026-11-26T10:00:00Z", "dateTime")),
    (("2026-11-26T10:00:00+01:00", "dateTime"), ("2026-11-26T09:00:00Z", "dateTime")),
    (("2026-11-26T10:00:00.5Z", "dateTime"), ("2026-11-26T10:00:00.500Z", "dateTime")),
    (("1", "boolean"), ("true", "boolean")),
])
def test_respelling_is_not_loss(ours: tuple[str, str], theirs: tuple[str, str]) -> None:
    diff = compare(GraphValues.of([_t(*ours)]), GraphValues.of([_t(*theirs)]))
    assert diff.ok, diff.describe()


@pytest.mark.parametrize(("ours", "theirs"), [
    (("1.5", "decimal"), ("1.6", "decimal")),
    (("3.14159265358979323846264338327950288", "decimal"), ("3.141592653589793", "decimal")),
    (("123456.789", "double"), ("123457.0", "double")),
    (("1", "string"), ("1", "integer")),
    (("2026-11-26T10:00:00+01:00", "dateTime"), ("2026-11-26T10:00:00Z", "dateTime")),
    (("P1Y2M", "duration"), ("14", "duration")),
])
def test_changed_value_is_loss(ours: tuple[str, str], theirs: tuple[str, str]) -> None:
    diff = compare(GraphValues.of([_t(*ours)]), GraphValues.of([_t(*theirs)]))
    assert len(diff.missing) == 1 and len(diff.unexpected) == 1


def test_language_tags_compare_case_insensitively() -> None:
    def same(a: str, b: str) -> bool:
        return compare(GraphValues.of([_t("a", language=a)]), GraphValues.of([_t("a", language=b)])).ok

    assert same("en-GB", "en-gb") and not same("en", "de")


def test_count_check_bounds() -> None:
    """A store may merge respellings (fewer triples) but never keep more than were sent."""
    local = GraphValues.of([_t("1.50", "decimal"), _t("1.5", "decimal"), _t("x")])
    assert (local.raw, local.distinct) == (3, 2)
    assert [n for n in range(5) if count_plausible(local, n)] == [2, 3]


def test_endpoint_layouts() -> None:
    v = Endpoints.guess("http://h:8890/sparql-auth")
    assert (v.query, v.update, v.gsp) == ("http://h:8890/sparql-auth", "http://h:8890/sparql-auth",
                                          "http://h:8890/sparql-graph-crud-auth")
    o = Endpoints.guess("http://h:7878/query")
    assert (o.query, o.update, o.gsp) == ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")
    f = Endpoints.guess("http://h:3030/kg/sparql")
    assert (f.query, f.update, f.gsp) == ("http://h:3030/kg/sparql", "http://h:3030/kg/update",
                                          "http://h:3030/kg/data")
    with pytest.raises(PushError, match="not an http"):
        Endpoints.guess("ftp://h/sparql")
