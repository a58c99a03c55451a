"""``kg serve``: the Oxigraph server over a snapshot of the seed store, queried by SPARQLWrapper."""

from __future__ import annotations

import csv
import io
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from typer.testing import CliRunner

from kg.cli import app
from kg.models import ProfileRecords
from kg.remote.serve import OxigraphServer, ServeError, oxigraph_binary
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


def test_time_limit_is_enforced(seed_store: KGStore) -> None:
    """A query over the square of the store (~8e7 rows) is cancelled after the 1 s limit."""
    with OxigraphServer(seed_store, port=free_port(), timeout=1) as srv:
        t0 = time.monotonic()
        square = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
        r = requests.get(srv.query_url, params={"query": square}, headers={"Accept": "text/csv"}, timeout=120)
        elapsed = time.monotonic() - t0
    assert "cancelled" in r.text
    assert elapsed < 30


def test_max_results_is_refused_honestly(seed_store: KGStore) -> None:
    with pytest.raises(ServeError, match="no result-size limit"):
        OxigraphServer(seed_store, max_results=100)
    result = CliRunner().invoke(app, ["serve", "--store", str(seed_store.path), "--max-results", "100"])
    assert result.exit_code == 1
    assert "no result-size limit" in " ".join(result.output.split())


def _start_cli(copy: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``kg serve`` in its own process; returns it and its output up to the "serving" line."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(copy), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "COLUMNS": "300", "PYTHONUNBUFFERED": "1"})
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
