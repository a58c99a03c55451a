"""kg export and kg stats: every format round-trips (rdflib and pyoxigraph), rapper agrees,
sorted output is canonical, VoID numbers match counts made independently in Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import AS_OF, SEED, need
from rdflib.compare import isomorphic

from kg.builder import build_sources
from kg.export import FORMATS, ExportError, export_to_path
from kg.models import ProfileRecords
from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import DCTERMS, FABIO, KG, ONTOLOGY_GRAPH, VOID
from kg.store import KGStore

RAPPER_SYNTAX = {"ttl": "turtle", "nt": "ntriples", "xml": "rdfxml"}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld",
                 "xml": "xml"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "store"
    build_sources([SEED], store=path, as_of=AS_OF, validate=False)
    return path


@pytest.fixture(scope="module")
def store(store_path: Path) -> KGStore:
    return KGStore(store_path, read_only=True)


def _union(store: KGStore) -> set[ox.Triple]:
    return {q.triple for q in store.quads()}


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_whole_store_round_trips_with_pyoxigraph_and_rdflib(store: KGStore, tmp_path: Path, fmt: str) -> None:
    path = export_to_path(store, tmp_path / f"all{FORMATS[fmt].suffix}")
    # pyoxigraph: parse back (blank-node labels kept) into a new store, compare sorted N-Quads
    back = ox.Store()
    with path.open("rb") as f:
        back.extend(ox.Quad(*t) if isinstance(t, ox.Triple) else t
                    for t in ox.parse(f, FORMATS[fmt].rdf, rename_blank_nodes=False))
    if FORMATS[fmt].dataset:
        assert sorted(map(str, back)) == sorted(map(str, store.quads()))
    else:
        assert sorted({str(q.triple) for q in back}) == sorted(map(str, _union(store)))
    # rdflib: graph by graph (dataset formats) or the union, isomorphic
    if FORMATS[fmt].dataset:
        ds = rdflib.Dataset()
        ds.parse(path, format=RDFLIB_FORMAT[fmt])
        parsed = {str(g.identifier): g for g in ds.graphs() if len(g)}
        assert set(parsed) == {g.value for g in store.graphs()}
        for g in store.graphs():
            assert isomorphic(parsed[g.value], to_rdflib_graph(store.quads(g)))
    else:
        graph = rdflib.Graph().parse(path, format=RDFLIB_FORMAT[fmt])
        assert isomorphic(graph, to_rdflib_graph(_union(store)))


@pytest.mark.parametrize("fmt", ["ttl", "nt", "xml", "trig"])
def test_one_graph_round_trips(store: KGStore, tmp_path: Path, fmt: str) -> None:
    source = next(g for g in store.graphs() if g != ONTOLOGY_GRAPH)
    path = export_to_path(store, tmp_path / f"one{FORMATS[fmt].suffix}", graph="chuhan-wu.txt")
    with path.open("rb") as f:
        parsed = list(ox.parse(f, FORMATS[fmt].rdf))
    expected = sorted(str(q.triple) for q in store.quads(source))
    assert sorted({str(getattr(t, "triple", t)) for t in parsed}) == expected
    assert len(parsed) == store.count(source)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "xml"])
def test_rapper_accepts_the_output_with_the_exact_triple_count(store: KGStore, tmp_path: Path,
                                                               fmt: str) -> None:
    rapper = need("rapper", "an independent RDF parser (Debian raptor2-utils)")
    expected = len(_union(store))
    for graph, n in ((None, expected), ("ontology", store.count(ONTOLOGY_GRAPH))):
        path = export_to_path(store, tmp_path / f"{graph or 'all'}{FORMATS[fmt].suffix}", graph=graph)
        r = subprocess.run([rapper, "-i", RAPPER_SYNTAX[fmt], "-c", str(path)], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert f"Parsing returned {n} triples" in r.stderr


def test_turtle_and_trig_use_the_project_prefixes(store: KGStore, tmp_path: Path) -> None:
    for fmt in ("ttl", "trig"):
        text = export_to_path(store, tmp_path / f"p{FORMATS[fmt].suffix}").read_text()
        assert "@prefix fabio: <http://purl.org/spar/fabio/> ." in text
        assert re.search(r"\ba (\S+ , )*fabio:ResearchPaper\b", text)


def test_sorted_output_is_canonical_sorted_and_duplicate_free(store: KGStore, tmp_path: Path) -> None:
    nq = export_to_path(store, tmp_path / "s.nq", sort=True).read_bytes()
    expected = sorted({f"{q} .\n".encode() for q in store.quads()})
    assert nq == b"".join(expected)
    nt = export_to_path(store, tmp_path / "s.nt", sort=True).read_bytes()
    assert nt == b"".join(sorted({f"{t} .\n".encode() for t in _union(store)}))
    with pytest.raises(ExportError, match="--sorted needs a line-based format"):
        export_to_path(store, tmp_path / "s.ttl", sort=True)


def test_cli_export_to_stdout_and_file(store_path: Path, store: KGStore, tmp_path: Path) -> None:
    r = _kg("export", "--store", str(store_path), "--format", "nq", "--sorted")
    assert r.returncode == 0, r.stderr
    assert r.stdout.encode() == export_to_path(store, tmp_path / "ref.nq", sort=True).read_bytes()
    out = tmp_path / "g.ttl"
    r = _kg("export", "--store", str(store_path), "--graph", "chuhan-wu.txt", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with out.open("rb") as f:
        assert len(list(ox.parse(f, ox.RdfFormat.TURTLE))) == store.count(
            next(g for g in store.graphs() if g != ONTOLOGY_GRAPH))


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "yaml"], "unknown format 'yaml'; choose one of: ttl, nt, nq, trig, jsonld, xml"),
    (["--format", "nt", "--graph", "nope.txt"], "no graph 'nope.txt' in the store"),
    (["--format", "ttl", "--sorted"], "--sorted needs a line-based format"),
    (["-o", "out.weird"], "cannot tell the format from"),
])
def test_cli_export_refuses_bad_requests_clearly(store_path: Path, tmp_path: Path, args: list[str],
                                                 message: str) -> None:
    r = _kg("export", "--store", str(store_path), *args)
    assert r.returncode == 1
    assert message in " ".join(r.stderr.split())
    assert r.stdout == ""
    assert not (tmp_path / "out.weird").exists()


def test_cli_export_without_a_store_fails_clearly(tmp_path: Path) -> None:
    r = _kg("export", "--store", str(tmp_path / "none"), "--format", "nt")
    assert r.returncode == 1 and "no store at" in r.stderr
    assert not (tmp_path / "none").exists()


def test_void_description_matches_independent_counts(store_path: Path, store: KGStore,
                                                      seed_records: ProfileRecords) -> None:
    r = _kg("stats", "--store", str(store_path), "--void")
    assert r.returncode == 0, r.stderr
    g = rdflib.Graph().parse(data=r.stdout, format="turtle")
    v = rdflib.Namespace(str(VOID))
    dataset = rdflib.URIRef("https://w3id.org/scholarly-kg/graph/dataset")
    union = _union(store)
    assert int(g.value(dataset, v.triples)) == len(union)
    iri_subjects = {t.subject for t in union if isinstance(t.subject, ox.NamedNode)}
    assert int(g.value(dataset, v.entities)) == len(iri_subjects)
    subsets = set(g.objects(dataset, v.subset))
    assert {str(s) for s in subsets} == {x.value for x in store.graphs()}
    for s in subsets:
        quads = list(store.quads(ox.NamedNode(str(s))))
        assert int(g.value(s, v.triples)) == len(quads)
        props: dict[str, int] = {}
        for q in quads:
            props[q.predicate.value] = props.get(q.predicate.value, 0) + 1
        got = {str(g.value(p, v.property)): int(g.value(p, v.triples))
               for p in g.objects(s, v.propertyPartition)}
        assert got == props

    def class_entities(node: rdflib.term.Node, cls: ox.NamedNode) -> int:
        for part in g.objects(node, v.classPartition):
            if str(g.value(part, v["class"])) == cls.value:
                return int(g.value(part, v.entities))
        return 0

    assert class_entities(dataset, FABIO.ResearchPaper) == len(seed_records.papers) == 50
    positions = sum(1 for p in seed_records.papers for a in p.authors if a.position is not None)
    prop_parts = {str(g.value(p, v.property)): int(g.value(p, v.triples))
                  for p in g.objects(dataset, v.propertyPartition)}
    assert prop_parts[KG.position.value] == positions
    # byte-identical on a second run (fixed blank-node labels, sorted partitions)
    assert _kg("stats", "--store", str(store_path), "--void").stdout == r.stdout


def test_stats_prints_counts_per_class_and_property(store_path: Path, store: KGStore,
                                                   seed_records: ProfileRecords) -> None:
    r = _kg("stats", "--store", str(store_path))
    assert r.returncode == 0, r.stderr
    rows = dict(re.findall(r"│ (\S+)\s+│\s+(\d+) │", r.stdout))
    assert int(rows["papers"]) == int(rows["fabio:ResearchPaper"]) == len(seed_records.papers)
    assert int(rows["kg:Authorship"]) == sum(len(p.authors) for p in seed_records.papers)
    titles_in_ontology = sum(1 for _ in store.ox.quads_for_pattern(None, DCTERMS.title, None, ONTOLOGY_GRAPH))
    assert int(rows["dcterms:title"]) == len(seed_records.papers) + titles_in_ontology
    assert int(rows["foaf:Person"]) == len({a.name_key for p in seed_records.papers for a in p.authors})
