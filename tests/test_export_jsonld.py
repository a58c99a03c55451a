"""`kg export --format jsonld`: compact JSON-LD with the shipped context, exact and streamed.

The oracles are two independent JSON-LD parsers (pyoxigraph's, in Rust, and rdflib's): the file
must give back exactly the store's quads.  The friendly shape is checked against the seed
records themselves, and the memory bound by measuring Python's peak allocation.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from io import BytesIO
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from conftest import ROOT
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg.cli import app
from kg.export import export, export_to_path
from kg.models import ProfileRecords
from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import ONTOLOGY_GRAPH
from kg.store import KGStore

pytestmark = [  # raised inside rdflib's JSON-LD parser
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning"),  # the ill-typed one below
]

CONTEXT = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
FABIO_PAPER = "http://purl.org/spar/fabio/ResearchPaper"
EX = "http://example.org/"


def _jsonld(store: KGStore, graph: str | None = None) -> bytes:
    out = BytesIO()
    export(store, out, "jsonld", graph=graph)
    return out.getvalue()


def _ox_quads(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(data, ox.RdfFormat.JSON_LD, rename_blank_nodes=False))


def _assert_rdflib_isomorphic(data: bytes, store: KGStore, graphs: list[ox.NamedNode]) -> None:
    ds = rdflib.Dataset()
    ds.parse(data=data, format="json-ld")
    parsed = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert set(parsed) == {g.value for g in graphs}
    for g in graphs:
        assert isomorphic(parsed[g.value], to_rdflib_graph(store.quads(g))), g


PREFIXES = {k: v for k, v in CONTEXT.items() if isinstance(v, str) and v.endswith(("/", "#"))}


def _expand(ref: str) -> str:
    """A node id as written (IRI, compact IRI with a context prefix, or blank node) -> its IRI."""
    prefix, _, rest = ref.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES and not rest.startswith("//") else ref


def _nodes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Node objects by full IRI (or blank node id), over every graph entry."""
    return {_expand(n["id"]): n for entry in doc["@graph"] for n in entry["@graph"]}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- the seed store ------------------------------------------------------------------------


def test_whole_store_gives_back_exactly_its_quads(seed_store: KGStore, tmp_path: Path) -> None:
    path = export_to_path(seed_store, tmp_path / "all.jsonld")
    data = path.read_bytes()
    quads = _ox_quads(data)
    assert set(quads) == set(seed_store.quads())
    ontology = seed_store.count(ox.NamedNode("https://w3id.org/scholarly-kg/graph/ontology"))
    assert ontology > 4000
    assert len(quads) == seed_store.count() == 5395 + ontology  # each triple written once
    _assert_rdflib_isomorphic(data, seed_store, seed_store.graphs())
    doc = json.loads(data)
    assert doc["@context"] == CONTEXT  # inline: the file parses offline
    assert [e["id"] for e in doc["@graph"]] == [g.value for g in seed_store.graphs()]
    assert all(set(e) == {"id", "@graph"} for e in doc["@graph"])


@pytest.mark.parametrize("graph", ["chuhan-wu.txt", "ontology"])
def test_one_graph_from_the_cli_gives_back_exactly_that_graph(seed_store: KGStore, tmp_path: Path,
                                                              graph: str) -> None:
    out = tmp_path / "one.jsonld"
    result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", "jsonld",
                                      "--graph", graph, "-o", str(out)])
    assert result.exit_code == 0, result.output
    name = ONTOLOGY_GRAPH if graph == "ontology" else next(
        g for g in seed_store.graphs() if g.value.endswith("/" + graph))
    data = out.read_bytes()
    quads = _ox_quads(data)
    assert {q.graph_name for q in quads} == {name}
    assert set(quads) == set(seed_store.quads(name)) and len(quads) == seed_store.count(name)
    _assert_rdflib_isomorphic(data, seed_store, [name])
    # standard output carries the same bytes
    result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", "jsonld",
                                      "--graph", graph])
    assert result.exit_code == 0 and result.stdout_bytes == data


def test_papers_and_authorships_use_the_context_terms(seed_store: KGStore,
                                                      seed_records: ProfileRecords) -> None:
    doc = json.loads(_jsonld(seed_store, "chuhan-wu.txt"))
    nodes = _nodes(doc)
    papers = {n["title"]: n for n in nodes.values() if "Paper" in _as_list(n.get("type"))}
    assert sorted(papers) == sorted(p.title for p in seed_records.papers)
    assert len(papers) == len(seed_records.papers) == 50
    positions = 0
    for record in seed_records.papers:
        node = papers[record.title]
        assert sorted(node["type"]) == ["Paper", "ScholarlyArticle"]
        assert node["issued"] == record.published.isoformat()
        assert node["year"] == str(record.published.year)
        assert node["hasCode"] is record.has_code
        assert node["authorListTruncated"] is record.author_list_truncated
        assert isinstance(node["authors"], list) and isinstance(node["subjects"], list)  # @set terms
        authorships = [nodes[_expand(a)] for a in node["authors"]]
        assert all(a["paper"] == node["id"] and a["role"] == "author" for a in authorships)
        got = sorted((a.get("position", 0), a["nameAsWritten"]) for a in authorships)
        assert got == sorted((a.position or 0, a.name) for a in record.authors)
        assert all(type(a["position"]) is int for a in authorships if "position" in a)
        positions += sum(1 for a in authorships if "position" in a)
    assert positions == sum(1 for p in seed_records.papers for a in p.authors if a.position is not None)
    # no key or type is spelled as a full IRI or a compact IRI when the context has a term for it
    term_iris = {v if isinstance(v, str) else v["@id"] for k, v in CONTEXT.items()
                 if not k.startswith("@") and not str(v if isinstance(v, str) else v["@id"]).startswith("@")}
    spelled = {str(x) for n in nodes.values() for x in [*n, *_as_list(n.get("type", []))]}
    assert not spelled & term_iris
    assert not any(s.startswith(("http://purl.org/dc/terms/title", "dcterms:title")) for s in spelled)


def test_literals_keep_datatypes_and_languages(seed_store: KGStore) -> None:
    doc = json.loads(_jsonld(seed_store))
    nodes = _nodes(doc)
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    labels = list(seed_store.ox.quads_for_pattern(None, pref, None, None))
    assert len(labels) > 500 and all(q.object.language == "en" for q in labels)
    for q in labels:  # a language map, as the context's @container says
        assert q.object.value in _as_list(nodes[q.subject.value]["prefLabel"]["en"])
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    decimals = [q for q in seed_store.quads()
                if isinstance(q.object, ox.Literal) and q.object.datatype == decimal]
    assert decimals
    for q in decimals:  # under the context's term coerced to xsd:decimal, else a typed value object
        terms = [k for k, v in CONTEXT.items() if isinstance(v, dict) and v.get("@type") == "xsd:decimal"
                 and _expand(v["@id"]) == q.predicate.value]
        node = nodes[q.subject.value]
        if terms:
            assert q.object.value in _as_list(node[terms[0]])
        else:
            key = "kg:" + q.predicate.value.rsplit("#", 1)[1]
            assert {"type": "xsd:decimal", "@value": q.object.value} in _as_list(node[key])
    source = next(e for e in doc["@graph"] if e["id"].endswith("/chuhan-wu.txt"))
    build = next(n for n in source["@graph"] if "endedAt" in n)
    ended_at = ox.NamedNode("http://www.w3.org/ns/prov#endedAtTime")
    ended = next(seed_store.ox.quads_for_pattern(ox.NamedNode(build["id"]), ended_at, None, None))
    assert build["endedAt"] == ended.object.value  # xsd:dateTime's lexical form, unchanged


def test_same_store_same_bytes_in_sorted_order(seed_store: KGStore) -> None:
    data = _jsonld(seed_store)
    assert _jsonld(seed_store) == data
    # the same quads inserted in another order into another kind of store: the same bytes
    quads = list(seed_store.quads())
    random.Random(7).shuffle(quads)
    other = KGStore()
    other.ox.extend(quads)
    assert _jsonld(other) == data
    # node objects in byte order of their subject's N-Triples form, keys id, type, then sorted
    doc = json.loads(data)
    for entry in doc["@graph"]:
        graph = ox.NamedNode(entry["id"])
        subjects = sorted({str(q.subject) for q in seed_store.quads(graph)}, key=lambda s: s.encode())
        assert len(entry["@graph"]) == len(subjects)
        for node, subject in zip(entry["@graph"], subjects, strict=True):
            assert _expand(node["id"]) == (subject[1:-1] if subject.startswith("<") else subject)
            keys = list(node)
            head = ["id", "type"] if "type" in node else ["id"]
            assert keys == head + sorted(set(keys) - set(head))
            for value in node.values():
                if isinstance(value, list):
                    assert value == sorted(value, key=_canonical)
    # one node object per line
    lines = data.decode().splitlines()
    assert sum(1 for line in lines if line.startswith('      {"id": ')) == len(_nodes(doc))


# -- hard cases ----------------------------------------------------------------------------

HARD = """
@prefix kg: <https://w3id.org/scholarly-kg/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pro: <http://purl.org/spar/pro/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <http://example.org/> .
ex:a skos:prefLabel "plain", "en"@en, "de"@de, "en2"@en, "US"@en-US ;
  dcterms:title "t1", "t2"@fr, "3"^^xsd:integer, ex:iri ;
  kg:position "x"^^xsd:integer, 1, 2, "-7"^^xsd:integer ;
  kg:hasCode true, "maybe"^^xsd:boolean ;
  dcterms:issued "2024"^^xsd:gYear, "2024-01-01"^^xsd:date, "2024-01-01", "2024-02-30"^^xsd:date ;
  kg:matchCount 5, 1e3, 1.50, 100000000000000000000000, "123456789012345678"^^xsd:integer ;
  rdf:type _:t, "lit", ex:T, <http://purl.org/spar/fabio/ResearchPaper> ;
  pro:withRole pro:author, ex:role, "author", _:r, <https://schema.org/>,
    <https://w3id.org/scholarly-kg/arxiv/cs.CL> ;
  dcterms:creator "not an iri", _:c, ex:c ;
  foaf:name "line1\\nline2\\t\\"q\\" \\u00e9 \\U0001F600 <b>&amp;" ;
  kg:authorshipEvidence kg:visible, kg:other ;
  rdf:rest rdf:nil ;
  ex:p rdf:nil, "", "1"^^ex:dt, "x"^^<http://purl.org/spar/fabio/ResearchPaper> ;
  kg:hasAuthorship ex:a .
ex:b kg:hasCode false ; kg:matchCount 0, 12 ; dcterms:title "", "a" ; skos:prefLabel ""@en, "x"@en .
_:s ex:p _:s ; rdf:first _:s ; rdf:rest rdf:nil .
<http://example.org/@x> ex:p "id" .
"""


@pytest.fixture(scope="module")
def hard_store() -> KGStore:
    store = KGStore()
    store.ox.load(HARD.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g"))
    store.ox.load(b"<http://example.org/x> <http://example.org/p> <http://example.org/y> .",
                  ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "g2"))
    return store


def test_hard_values_survive_both_parsers(hard_store: KGStore) -> None:
    data = _jsonld(hard_store)
    quads = _ox_quads(data)
    assert set(quads) == set(hard_store.quads()) and len(quads) == hard_store.count()
    _assert_rdflib_isomorphic(data, hard_store, hard_store.graphs())


def test_hard_values_take_the_right_shape(hard_store: KGStore) -> None:
    nodes = _nodes(json.loads(_jsonld(hard_store)))
    a, b = nodes[EX + "a"], nodes[EX + "b"]
    # falsy first values are kept (rdflib's own serializer overwrites them)
    assert b["hasCode"] is False and b["matchCount"] == [0, 12] and b["title"] == ["", "a"]
    assert b["prefLabel"] == {"en": ["", "x"]}
    # a language map for language strings only; the plain one under the compact IRI
    assert a["prefLabel"] == {"de": "de", "en": ["en", "en2"], "en-us": "US"}
    assert a["skos:prefLabel"] == "plain"
    # rdf:type: IRIs as "type" (terms when the context has one), the rest as rdf:type values
    assert sorted(a["type"]) == ["Paper", EX + "T"]
    assert a["rdf:type"][0] == "lit" and a["rdf:type"][1]["id"].startswith("_:") and len(a["rdf:type"]) == 2
    # coerced terms take only values of their type; the others go to the compact IRI
    assert a["issued"] == ["2024-01-01", "2024-02-30"]  # the second is ill-typed, kept as written
    assert a["dcterms:issued"] == ["2024-01-01", {"type": "xsd:gYear", "@value": "2024"}]
    assert a["position"] == ["x", -7, 1, 2]
    assert sorted(a["role"]) == ["arxiv:cs.CL", "author", EX + "role", "schema"]
    assert "author" in _as_list(a["pro:withRole"])  # the literal, not the IRI
    assert a["evidence"] == ["kg:other", "visible"]
    assert a["dcterms:creator"] == "not an iri" and len(a["creators"]) == 2
    assert {"type": "Paper", "@value": "x"} in a["http://example.org/p"]
    assert a["authors"] == [EX + "a"] and a["rdf:rest"] == {"id": "rdf:nil"}
    # integers a JSON number could not carry exactly stay strings of the coerced term;
    # values of other types go to the compact IRI
    assert a["matchCount"] == ["100000000000000000000000", "123456789012345678", 5]
    assert a["kg:matchCount"] == [{"type": "xsd:decimal", "@value": "1.5"},
                                  {"type": "xsd:double", "@value": "1000"}]


def test_an_empty_store_gives_an_empty_document() -> None:
    data = _jsonld(KGStore())
    assert json.loads(data) == {"@context": CONTEXT, "@graph": []}
    assert _ox_quads(data) == []


# -- memory --------------------------------------------------------------------------------


def _big_store(papers: int) -> KGStore:
    store, g = KGStore(), ox.NamedNode(EX + "graph/big")
    title, creator = ox.NamedNode("http://purl.org/dc/terms/title"), ox.NamedNode("http://purl.org/dc/terms/creator")
    position, a = ox.NamedNode("https://w3id.org/scholarly-kg/ns#position"), ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.ox.bulk_extend(q for i in range(papers) for q in (
        ox.Quad(ox.NamedNode(f"{EX}paper/{i}"), title, ox.Literal(f"Paper number {i} about things"), g),
        ox.Quad(ox.NamedNode(f"{EX}paper/{i}"), position, ox.Literal(str(i), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")), g),
        ox.Quad(ox.NamedNode(f"{EX}paper/{i}"), creator, ox.NamedNode(f"{EX}person/{i % 97}"), g),
        ox.Quad(ox.NamedNode(f"{EX}paper/{i}"), a, ox.NamedNode(FABIO_PAPER), g)))
    return store


class _CountingSink:
    """A write-only stream that keeps nothing but the number of bytes written."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def _peak_python_memory(store: KGStore) -> tuple[int, int]:
    sink = _CountingSink()
    tracemalloc.start()
    try:
        export(store, sink, "jsonld")  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1], sink.size
    finally:
        tracemalloc.stop()


def test_python_memory_does_not_grow_with_the_graph() -> None:
    _peak_python_memory(_big_store(10))  # warm up: the context file is read once
    small_peak, small_size = _peak_python_memory(_big_store(2_000))
    big_peak, big_size = _peak_python_memory(_big_store(16_000))
    assert big_size > 7 * small_size
    # holding the graph (64,000 quads) or the document in Python would take megabytes
    assert big_peak < 1.5 * small_peak
    assert big_peak < big_size / 10
