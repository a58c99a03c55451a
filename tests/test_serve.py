"""``kg serve``: the Oxigraph server over a snapshot of the seed store, queried by SPARQLWrapper."""

from __future__ import annotations

import csv
import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from kg.models import ProfileRecords
from kg.remote.guard import CANCELLED, QueryCancelled, ResultTooLarge, count_kind, read_within_limit
from kg.remote.serve import DEFAULT_MAX_RESULTS, OxigraphServer, ServeError, oxigraph_binary
from kg.remote.virtuoso import free_port
from kg.store import KGStore

PAPERS = """PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?paper ?title WHERE { ?paper a fabio:ResearchPaper ; dcterms:title ?title }"""


@pytest.fixture(scope="module")
def server(seed_store: KGStore) -> Iterator[OxigraphServer]:
    oxigraph_binary()  # a missing or mismatched binary is an error, never a skip (it is a dependency)
    with OxigraphServer(seed_store, port=free_port(), timeout=10) as srv:
        yield srv


def wrapper(srv: OxigraphServer, query: str, fmt: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(srv.query_url)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_select_json(server: OxigraphServer, seed_records: ProfileRecords) -> None:
    doc = wrapper(server, PAPERS, JSON).queryAndConvert()
    assert isinstance(doc, dict) and doc["head"]["vars"] == ["paper", "title"]
    titles = sorted(b["title"]["value"] for b in doc["results"]["bindings"])
    assert titles == sorted(p.title for p in seed_records.papers)


def test_select_xml(server: OxigraphServer, seed_records: ProfileRecords) -> None:
    doc = wrapper(server, PAPERS, XML).queryAndConvert()
    titles = sorted(b.getElementsByTagName("literal")[0].firstChild.data  # type: ignore[union-attr]
                    for b in doc.getElementsByTagName("binding") if b.getAttribute("name") == "title")
    assert titles == sorted(p.title for p in seed_records.papers)


def test_select_csv_people(server: OxigraphServer, seed_records: ProfileRecords) -> None:
    query = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
               SELECT DISTINCT ?name WHERE { ?person a foaf:Person ; foaf:name ?name }"""
    body = wrapper(server, query, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))  # type: ignore[union-attr]
    assert rows[0] == ["name"]
    names = {a.name for p in seed_records.papers for a in p.authors} | {seed_records.profile.name}
    assert sorted(r[0] for r in rows[1:]) == sorted(names)


def test_construct_turtle(server: OxigraphServer, seed_records: ProfileRecords) -> None:
    query = PAPERS.replace("SELECT ?paper ?title WHERE", "CONSTRUCT { ?paper dcterms:title ?title } WHERE")
    body = wrapper(server, query, TURTLE).queryAndConvert()
    assert isinstance(body, bytes)
    g = rdflib.Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert len(g) == len(seed_records.papers)
    assert sorted(str(o) for o in g.objects()) == sorted(p.title for p in seed_records.papers)


def test_updates_are_refused(server: OxigraphServer, seed_store: KGStore) -> None:
    before = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON).queryAndConvert()
    sw = SPARQLWrapper(server.query_url, updateEndpoint=f"{server.url}/update")
    sw.setMethod(POST)
    sw.setQuery("DROP ALL")
    with pytest.raises(Exception) as info:  # SPARQLWrapper turns the 403 into its own exception types
        sw.query()
    assert "403" in str(info.value) or "read-only" in str(info.value)
    r = requests.put(f"{server.url}/store", params={"default": ""}, data=b"<a:b> <a:c> <a:d> .",
                     headers={"Content-Type": "application/n-triples"}, timeout=10)
    assert r.status_code == 403
    after = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON).queryAndConvert()
    assert after == before
    assert int(after["results"]["bindings"][0]["n"]["value"]) == seed_store.count()  # type: ignore[index]


def _listening(port: int) -> list[str]:
    """Local addresses of sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, _, hexport = address.partition(":")
            if state == "0A" and int(hexport, 16) == port:
                if len(host) == 8:
                    found.append(socket.inet_ntop(socket.AF_INET, bytes.fromhex(host)[::-1]))
                else:
                    words = [bytes.fromhex(host[i:i + 8])[::-1] for i in range(0, 32, 8)]
                    found.append(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return found


def _outward_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outward interface
            return str(s.getsockname()[0])
        except OSError:
            return None


def test_bound_to_loopback_only(server: OxigraphServer) -> None:
    assert _listening(server.port) == ["127.0.0.1"]
    assert server.isolated and _listening(server.backend_port) == []  # the server's port is not ours
    outward = _outward_address()
    if outward and not outward.startswith("127."):
        with pytest.raises(OSError), socket.create_connection((outward, server.port), timeout=2):
            pass


def test_query_page(server: OxigraphServer) -> None:
    page = requests.get(server.url + "/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<div id="yasgui">' in page.text
    # Its script is served by the same server (works offline), not by a CDN.
    assert '<script src="./yasgui.min.js">' in page.text
    script = requests.get(server.url + "/yasgui.min.js", timeout=10)
    assert script.status_code == 200 and len(script.content) > 100_000


@pytest.mark.parametrize("accept", ["text/csv", "application/sparql-results+json"])
def test_time_limit_is_enforced(seed_store: KGStore, accept: str) -> None:
    """A query over the square of the store (~8e7 rows) is cancelled after the 1 s limit.

    Behind the guard (the default) the client gets a clean 500; the bare Oxigraph server
    (``max_results=None``) ends its 200 answer with a message instead.
    """
    square = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    for limit in (DEFAULT_MAX_RESULTS * 1000, None):
        with OxigraphServer(seed_store, port=free_port(), timeout=1, max_results=limit) as srv:
            t0 = time.monotonic()
            r = requests.get(srv.query_url, params={"query": square}, headers={"Accept": accept}, timeout=120)
            elapsed = time.monotonic() - t0
        if limit is None:
            assert r.status_code == 200 and r.content.endswith(CANCELLED)
        else:
            assert r.status_code == 500 and r.text.startswith("Query timeout:") and "--timeout" in r.text
        assert elapsed < 30


@pytest.mark.parametrize("fmt", [ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.JSON, ox.RdfFormat.TURTLE],
                         ids=str)
def test_cancelled_answer_is_recognised(fmt: ox.QueryResultsFormat | ox.RdfFormat) -> None:
    body = _serialized(30, fmt)
    cut = body[: len(body) // 2] + CANCELLED
    with pytest.raises(QueryCancelled):
        read_within_limit(io.BytesIO(cut), fmt, 1000)  # type: ignore[arg-type]


LIMIT_FORMATS = {  # media type -> how to count the rows of a body independently of the guard
    "application/sparql-results+json": lambda b: len(json.loads(b)["results"]["bindings"]),
    "application/sparql-results+xml": lambda b: b.count(b"<result>"),
    "text/csv": lambda b: len(list(csv.reader(io.StringIO(b.decode("utf-8"))))) - 1,
    "text/tab-separated-values": lambda b: len(b.decode("utf-8").splitlines()) - 1,
}
RDF_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
               "application/ld+json": "json-ld"}


@pytest.fixture(scope="module")
def exact(seed_store: KGStore, seed_records: ProfileRecords) -> Iterator[OxigraphServer]:
    """A server whose limit is exactly the number of papers (the PAPERS answer fits, just)."""
    with OxigraphServer(seed_store, port=free_port(), timeout=10,
                        max_results=len(seed_records.papers)) as srv:
        yield srv


@pytest.fixture(scope="module")
def one_short(seed_store: KGStore, seed_records: ProfileRecords) -> Iterator[OxigraphServer]:
    with OxigraphServer(seed_store, port=free_port(), timeout=10,
                        max_results=len(seed_records.papers) - 1) as srv:
        yield srv


def _get(srv: OxigraphServer, query: str, accept: str) -> requests.Response:
    return requests.get(srv.query_url, params={"query": query}, headers={"Accept": accept}, timeout=30)


def _direct(srv: OxigraphServer, query: str, accept: str) -> tuple[bytes, str]:
    """The Oxigraph server's own answer (body, Content-Type), fetched past the guard."""
    conn = srv.backend_connection()
    try:
        conn.request("GET", "/query?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
        response = conn.getresponse()
        return response.read(), response.getheader("Content-Type") or ""
    finally:
        conn.close()


@pytest.mark.parametrize("accept", sorted(LIMIT_FORMATS))
def test_result_limit_select(exact: OxigraphServer, one_short: OxigraphServer, seed_records: ProfileRecords,
                             accept: str) -> None:
    n = len(seed_records.papers)
    fits = _get(exact, PAPERS, accept)
    assert fits.status_code == 200 and fits.headers["content-type"].startswith(accept)
    assert LIMIT_FORMATS[accept](fits.content) == n
    # Relayed untouched: the same bytes and type as the Oxigraph server behind the guard gives.
    content, content_type = _direct(exact, PAPERS, accept)
    assert fits.content == content and fits.headers["content-type"] == content_type
    refused = _get(one_short, PAPERS, accept)
    assert refused.status_code == 500
    assert refused.headers["content-type"].startswith("text/plain")
    assert f"more than {n - 1} rows" in refused.text and "--max-results" in refused.text


@pytest.mark.parametrize("accept", sorted(RDF_FORMATS))
def test_result_limit_construct(exact: OxigraphServer, one_short: OxigraphServer,
                                seed_records: ProfileRecords, accept: str) -> None:
    query = PAPERS.replace("SELECT ?paper ?title WHERE", "CONSTRUCT { ?paper dcterms:title ?title } WHERE")
    fits = _get(exact, query, accept)
    assert fits.status_code == 200
    g = rdflib.Graph().parse(data=fits.content, format=RDF_FORMATS[accept])
    assert sorted(str(o) for o in g.objects()) == sorted(p.title for p in seed_records.papers)
    refused = _get(one_short, query, accept)
    assert refused.status_code == 500 and "Result too large" in refused.text


def test_result_limit_ask_post_and_graph_store(one_short: OxigraphServer, seed_store: KGStore) -> None:
    ask = requests.post(one_short.query_url, data="ASK { ?s ?p ?o }", timeout=30,
                        headers={"Content-Type": "application/sparql-query",
                                 "Accept": "application/sparql-results+json"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True
    small = requests.post(one_short.query_url, data={"query": PAPERS + " LIMIT 3"}, timeout=30,
                          headers={"Accept": "text/csv"})
    assert small.status_code == 200 and len(small.text.splitlines()) == 4
    graph = next(g for g in seed_store.graphs() if seed_store.count(g) > 100)
    whole = requests.get(f"{one_short.url}/store", params={"graph": graph.value}, timeout=30,
                         headers={"Accept": "application/n-triples"})
    assert whole.status_code == 500 and "Result too large" in whole.text


def test_default_limit_relays_a_whole_graph(server: OxigraphServer, seed_store: KGStore) -> None:
    graph = max(seed_store.graphs(), key=seed_store.count)
    r = requests.get(f"{server.url}/store", params={"graph": graph.value}, timeout=30,
                     headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(set(r.text.splitlines())) == seed_store.count(graph)


def test_result_limit_answers_in_parallel(exact: OxigraphServer, seed_records: ProfileRecords) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def rows(_: int) -> int:
        r = _get(exact, PAPERS, "application/sparql-results+json")
        return len(r.json()["results"]["bindings"])

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(rows, range(16))) == [len(seed_records.papers)] * 16


def _serialized(n: int, fmt: ox.QueryResultsFormat | ox.RdfFormat) -> bytes:
    """n solutions (or triples) whose literals hold commas, quotes and line breaks."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"),
                         ox.Literal(f'line one, "{i}"\nline two\r\nthree')) for i in range(n))
    if isinstance(fmt, ox.RdfFormat):
        return store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(format=fmt)
    return store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(format=fmt)


FORMATS_TO_COUNT = [ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.CSV,
                    ox.QueryResultsFormat.TSV, ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
                    ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD]


@pytest.mark.parametrize("fmt", FORMATS_TO_COUNT, ids=str)
def test_counting_is_exact_and_stops_early(fmt: ox.QueryResultsFormat | ox.RdfFormat) -> None:
    body = _serialized(300, fmt)
    assert read_within_limit(io.BytesIO(body), fmt, 300) == body  # type: ignore[arg-type]
    with pytest.raises(ResultTooLarge, match="more than 299 rows"):
        read_within_limit(io.BytesIO(body), fmt, 299)  # type: ignore[arg-type]
    big = _serialized(20_000, fmt)
    source = io.BytesIO(big)
    with pytest.raises(ResultTooLarge):
        read_within_limit(source, fmt, 10)  # type: ignore[arg-type]
    assert source.tell() < len(big) // 20  # stopped reading near row 11, not at the end


def test_count_kind_from_content_type() -> None:
    assert count_kind("application/sparql-results+json; charset=utf-8") == ox.QueryResultsFormat.JSON
    assert count_kind("text/turtle") == ox.RdfFormat.TURTLE
    assert count_kind("text/html; charset=utf-8") is None and count_kind(None) is None


def test_max_results_must_be_positive(seed_store: KGStore) -> None:
    with pytest.raises(ServeError, match="at least 1"):
        OxigraphServer(seed_store, max_results=0)


def _start_cli(copy: Path, port: int, *extra: str,
               env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``kg serve`` in its own process; returns it and its output up to the "serving" line."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(copy), "--port", str(port),
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "COLUMNS": "300", "PYTHONUNBUFFERED": "1", **(env or {})})
    assert proc.stdout is not None
    seen, deadline = b"", time.monotonic() + 60
    while b"serving" not in seen:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            proc.kill()
            raise AssertionError(f"kg serve did not start: {seen.decode(errors='replace')}")
        seen += chunk
    return proc, seen.decode()


def _server_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def test_cli_serve_runs_and_stops(seed_store: KGStore, seed_records: ProfileRecords, tmp_path: Path) -> None:
    """``kg serve`` as a user runs it: a separate process, stopped with Ctrl-C (SIGINT)."""
    copy = tmp_path / "store"
    seed_store.ox.backup(str(copy))
    port = free_port()
    proc, banner = _start_cli(copy, port)
    try:
        assert f"SPARQL endpoint http://127.0.0.1:{port}/query" in banner
        assert "at most 100,000 rows per answer" in banner
        doc = requests.get(f"http://127.0.0.1:{port}/query", params={"query": PAPERS}, timeout=10,
                           headers={"Accept": "application/sparql-results+json"})
        assert len(doc.json()["results"]["bindings"]) == len(seed_records.papers)
        assert _listening(port) == ["127.0.0.1"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert _listening(port) == []      # the server went away with the command


def test_server_dies_with_a_killed_cli(seed_store: KGStore, tmp_path: Path) -> None:
    """Even ``kill -9`` of ``kg serve`` leaves no server behind (PR_SET_PDEATHSIG)."""
    copy = tmp_path / "store"
    seed_store.ox.backup(str(copy))
    port = free_port()
    proc, _ = _start_cli(copy, port)
    children = _server_children(proc.pid)
    assert len(children) == 1
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _listening(port) == []
    assert not _alive(children[0])


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is not running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_cli_serve_without_result_limit(seed_store: KGStore, tmp_path: Path) -> None:
    """``--max-results 0``: no guard, the Oxigraph server itself listens on the port."""
    copy = tmp_path / "store"
    seed_store.ox.backup(str(copy))
    port = free_port()
    proc, banner = _start_cli(copy, port, "--max-results", "0", "--timeout", "5")
    try:
        assert "no result limit" in banner and "query time limit 5 s" in banner
        children = _server_children(proc.pid)
        assert len(children) == 1 and _listening(port) == ["127.0.0.1"]
        whole = requests.get(f"http://127.0.0.1:{port}/query", timeout=10, headers={"Accept": "text/csv"},
                             params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})
        assert len(list(csv.reader(io.StringIO(whole.text)))) - 1 == seed_store.count()
        cmdline = Path(f"/proc/{children[0]}/cmdline").read_bytes().split(b"\0")
        assert f"127.0.0.1:{port}".encode() in cmdline and b"5" in cmdline
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_cli_serve_stopped_by_a_signal_leaves_no_snapshot(seed_store: KGStore, tmp_path: Path,
                                                           sig: signal.Signals) -> None:
    """``kill`` (SIGTERM) and a closed terminal (SIGHUP) clean up like Ctrl-C: no /tmp/kg-serve-* left."""
    copy, tmp = tmp_path / "store", tmp_path / "tmp"
    seed_store.ox.backup(str(copy))
    tmp.mkdir()
    port = free_port()
    proc, _ = _start_cli(copy, port, env={"TMPDIR": str(tmp)})
    try:
        [snapshot] = list(tmp.glob("kg-serve-*"))
        assert (snapshot / "store").is_dir()
        children = _server_children(proc.pid)
        assert len(children) == 1
    finally:
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert list(tmp.iterdir()) == []
    assert _listening(port) == [] and not _alive(children[0])


def test_the_result_limit_cannot_be_bypassed(one_short: OxigraphServer, seed_store: KGStore) -> None:
    """The Oxigraph server behind the guard lives in a network namespace of its own: no port of this
    machine reaches it, so the guard (and its limit) is the only way in."""
    assert one_short.isolated and one_short.process is not None
    [server] = _server_children(one_short.process.pid)  # the namespace's helper runs the server
    assert os.readlink(f"/proc/{server}/ns/net") != os.readlink("/proc/self/ns/net")
    assert Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0")[1] == b"serve-read-only"
    # The port it listens on in its namespace is not listening here: a direct query is refused.
    assert _listening(one_short.backend_port) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", one_short.backend_port), timeout=2).close()
    # Through the guard: the limit holds (one row short of the whole answer).
    whole = requests.get(one_short.query_url, timeout=10, headers={"Accept": "text/csv"},
                         params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert whole.status_code == 500 and whole.text.startswith("Result too large")


def test_without_user_namespaces_the_server_falls_back_to_loopback(seed_store: KGStore,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Linux refuses a private network, the server listens on loopback (and says so)."""
    import kg.remote.serve as serve

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("cannot make a private network namespace: [Errno 1] Operation not permitted")

    monkeypatch.setattr(serve, "PrivateBackend", refused)
    with OxigraphServer(seed_store, port=free_port(), timeout=10, max_results=3) as srv:
        assert not srv.isolated and _listening(srv.backend_port) == ["127.0.0.1"]
        assert _get(srv, PAPERS, "text/csv").status_code == 500  # the guard still limits its own port
