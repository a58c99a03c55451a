"""``kg query`` on the command line, the W3C result formats, and a real SPARQL endpoint."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from conftest import AS_OF, OWNER, SEED, need
from typer.testing import CliRunner

import kg.query as kq
from kg.builder import build_sources
from kg.cli import app
from kg.query.results import QueryResult, Term
from kg.store import KGStore

runner = CliRunner()
XSD = "http://www.w3.org/2001/XMLSchema#"


def kg(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def store_dir(seed_store: KGStore) -> str:
    assert seed_store.path is not None
    return str(seed_store.path)


def test_list_shows_every_query_with_its_header(store_dir: str) -> None:
    code, out, _ = kg("query", "--list")
    assert code == 0
    for name, q in kq.library().items():
        assert name in out and q.title.split()[0] in out
    assert "--param author=" in out and "columns: coauthor, name, papers" in out


def test_json_is_w3c_results_and_matches_the_api(seed_store: KGStore, store_dir: str) -> None:
    code, out, _ = kg(
        "query", "coauthors", "--param", f"author={OWNER}", "--format", "json", "--store", store_dir
    )
    assert code == 0
    doc = json.loads(out)
    api = kq.run(seed_store, "coauthors", author=OWNER)
    assert doc["head"]["vars"] == api.columns
    bindings = doc["results"]["bindings"]
    assert len(bindings) == len(api.rows) == 53
    first = bindings[0]
    assert first["coauthor"] == {"type": "uri", "value": api.rows[0]["coauthor"]}
    assert first["name"] == {"type": "literal", "value": "Fangzhao Wu"}
    assert first["papers"] == {
        "type": "literal",
        "value": str(api.rows[0]["papers"]),
        "datatype": XSD + "integer",
    }
    assert [{c: Term.from_json(t).python() for c, t in b.items()} for b in bindings] == api.rows


def test_csv_and_tsv_follow_the_w3c_formats(seed_store: KGStore, store_dir: str) -> None:
    api = kq.run(seed_store, "joint-papers", author=OWNER, other="Tao Qi")
    code, out, _ = kg(
        "query", "joint-papers", "-p", f"author={OWNER}", "-p", "other=Tao Qi", "-f", "csv", "-s", store_dir
    )
    assert code == 0
    assert api.to_csv().count("\r\n") == len(api.rows) + 1  # CRLF line ends (the runner normalises them)
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == api.columns
    assert [r[1] for r in rows[1:]] == [r["title"] for r in api.rows]
    assert {r[4] for r in rows[1:]} <= {"true", "false"}
    code, out, _ = kg(
        "query", "joint-papers", "-p", f"author={OWNER}", "-p", "other=Tao Qi", "-f", "tsv", "-s", store_dir
    )
    lines = out.rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["?" + c for c in api.columns]
    # Every TSV cell is an RDF term in N-Triples syntax: parse each as an object.
    for line, row in zip(lines[1:], api.rows, strict=True):
        cells = line.split("\t")
        nt = "".join(f"<urn:s> <urn:p> {c} .\n" for c in cells)
        objs = [t.object for t in ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES)]
        assert [Term.from_ox(o).python() for o in objs] == list(row.values())


def test_markdown_escapes_data(store_dir: str) -> None:
    r = QueryResult(
        ["name", "n"],
        [{"name": Term("literal", "a|b <script>x</script> *c*"), "n": Term("literal", "3", XSD + "integer")}],
    )
    md = r.to_markdown()
    assert "<script>" not in md and "&lt;script&gt;" in md and "a\\|b" in md and "\\*c\\*" in md
    assert md.splitlines()[2].count(" | ") == 1  # still two cells
    code, out, _ = kg("query", "papers-per-year", "-p", f"author={OWNER}", "-f", "md", "-s", store_dir)
    assert code == 0 and out.startswith("| year | papers | coauthors | new\\_coauthors |")


def test_table_limit_file_and_sparql(tmp_path: Path, store_dir: str) -> None:
    code, out, _ = kg("query", "coauthors", "-p", "author=chuhan wu", "--limit", "3", "-s", store_dir)
    assert code == 0 and "Fangzhao Wu" in out and "3 rows" in out
    f = tmp_path / "mine.rq"
    f.write_text(
        "# param: who | person | Tao Qi\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        "SELECT ?who ?name WHERE { ?who foaf:name ?name }\n"
    )
    code, out, _ = kg("query", "--file", str(f), "-p", "who=TAO QI", "-f", "csv", "-s", store_dir)
    assert code == 0 and out.splitlines() == ["name", "Tao Qi"]
    code, out, _ = kg(
        "query",
        "--sparql",
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a fabio:ResearchPaper }",
        "-f",
        "csv",
        "-s",
        store_dir,
    )
    assert code == 0 and out.splitlines() == ["n", "50"]


def test_errors_are_clear_and_not_markup(store_dir: str) -> None:
    code, _, err = kg("query", "coauthors", "-p", "author=[bold]Chuhan Wo", "-s", store_dir)
    assert code == 1 and "no person named '[bold]Chuhan Wo'" in " ".join(err.split())
    code, _, err = kg("query", "coauthorz", "-s", store_dir)
    assert code == 1 and "did you mean coauthors" in err
    code, _, err = kg("query", "coauthors", "-p", "author", "-s", store_dir)
    assert code == 1 and "NAME=VALUE" in err
    code, _, err = kg("query", "--sparql", "SELECT ?x WHERE { ?x", "-s", store_dir)
    assert code == 1 and "syntax" in err.lower()
    code, _, err = kg(
        "query", "coauthors", "-p", f"author={OWNER}", "-s", str(Path(store_dir).parent / "none")
    )
    assert code == 1 and "no store" in err


def test_hostile_name_on_the_command_line_changes_nothing(seed_store: KGStore, store_dir: str) -> None:
    before = sorted(str(q) for q in seed_store.ox)
    code, out, err = kg(
        "query", "coauthors", "-p", 'author=Wu" } UNION { ?s ?p ?o } #', "-f", "json", "-s", store_dir
    )
    assert code == 1 and out == "" and "no person named" in err
    assert sorted(str(q) for q in seed_store.ox) == before


# -- a real SPARQL endpoint: the Oxigraph server over the same data ----------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> str:
    binary = need("oxigraph", "the Oxigraph SPARQL server (PyPI package oxigraph)")
    folder = tmp_path_factory.mktemp("served") / "store"
    store = KGStore(folder)
    build_sources([SEED], store=store, as_of=AS_OF)
    store.flush()
    del store  # release the database lock before the server opens it
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            "serve-read-only",
            "--location",
            str(folder),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                if requests.get(url, params={"query": "ASK {}"}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the Oxigraph server did not start: {proc.stderr.read(2000) if proc.stderr else ''}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("name", sorted(n for n in kq.library() if not n.startswith("topic-")))
def test_endpoint_rows_equal_in_process_rows(name: str, endpoint: str, seed_memory_store: KGStore) -> None:
    q = kq.get_query(name)
    local = kq.run(seed_memory_store, name, **q.example_params)
    remote = kq.run(None, name, endpoint=endpoint, **q.example_params)
    assert remote.columns == local.columns
    assert remote.rows == local.rows


def test_endpoint_cli_and_hostile_values(endpoint: str) -> None:
    code, out, _ = kg("query", "coauthors", "-p", f"author={OWNER}", "-f", "csv", "--endpoint", endpoint)
    assert code == 0 and out.splitlines()[1].split(",")[1:3] == ["Fangzhao Wu", "24"]
    sparql = "SELECT ?p ?name WHERE { ?p foaf:name ?name }"  # prefixes added for the endpoint
    for hostile in ('Wu" } UNION { ?s ?p ?o } #', "x'''} ; DROP ALL ; #\n{"):
        assert kq.run(None, sparql, endpoint=endpoint, name=hostile).rows == []
    assert kq.run(None, sparql, endpoint=endpoint, name=OWNER).rows == [
        {"p": "https://w3id.org/scholarly-kg/id/person/chuhan_wu"}
    ]
    count = kq.run(None, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", endpoint=endpoint).rows[0]["n"]
    assert count > 8000


def test_docs_table_shows_real_answers(seed_memory_store: KGStore) -> None:
    """docs/queries.md holds, for every query of this library, the row the query gives today."""
    from kg.query.docs import library_table

    doc = (Path(__file__).resolve().parent.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    rows = dict(library_table(seed_memory_store))
    mine = [n for n in kq.library() if not n.startswith("topic-")]
    assert len(mine) >= 18
    for name in mine:
        assert rows[name] in doc.splitlines(), (
            f"docs/queries.md is stale for {name}: run python -m kg.query.docs"
        )


# -- Virtuoso 7: the same library on another SPARQL 1.1 engine --------------------------------


@pytest.fixture(scope="module")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory, seed_memory_store: KGStore):
    """A private Virtuoso (not the session one other tests count graphs on) holding the seed."""
    need("virtuoso-t", "Debian's virtuoso-opensource")
    need("isql-vt", "Debian's virtuoso-opensource")
    from kg.remote.push import push_store
    from kg.remote.virtuoso import DEFAULT_PASSWORD, VirtuosoServer

    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso-queries")) as server:
        push_store(
            seed_memory_store, server.sparql_auth_url, auth="digest", user="dba", password=DEFAULT_PASSWORD
        )
        yield server.sparql_url


@pytest.mark.virtuoso
@pytest.mark.parametrize("name", sorted(n for n in kq.library() if not n.startswith("topic-")))
def test_virtuoso_rows_equal_in_process_rows(
    name: str, virtuoso_endpoint: str, seed_memory_store: KGStore
) -> None:
    q = kq.get_query(name)
    local = kq.run(seed_memory_store, name, **q.example_params)
    remote = kq.run(None, name, endpoint=virtuoso_endpoint, **q.example_params)
    assert remote.columns == local.columns
    assert remote.rows == local.rows
