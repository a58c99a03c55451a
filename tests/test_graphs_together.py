"""Which graphs validate together, and what the CLI says about graphs it merges.

A source graph names the arXiv categories it uses; their description (skos:Concept, notation,
label) is in the ontology graph (ontology/arxiv-taxonomy.ttl).  So a source graph validates
together with ontology/kg.ttl and the taxonomy, as ``kg validate`` (``--file``, ``--graph``, or
the union of the store's source graphs) does; alone it does not, and the tests say exactly
why.  Whole-store exports to formats without graph names warn that they merge the graphs.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import SH
from typer.testing import CliRunner

from kg.builder import build_sources
from kg.cli import app
from kg.export import export
from kg.rdf.namespaces import KG, ONTOLOGY_GRAPH
from kg.resources import ontology_dir
from kg.store import KGStore
from kg.validate import shapes_graph, validate_triples
from tests.conftest import AS_OF, SEED
from tests.test_queries import SECOND_PAGE

SOURCE = "https://w3id.org/scholarly-kg/id/source/chuhan-wu.txt"


def _exported(store: KGStore) -> rdflib.Graph:
    out = io.BytesIO()
    export(store, out, "ttl", graph="chuhan-wu.txt")
    return rdflib.Graph().parse(data=out.getvalue(), format="turtle")


def test_a_source_graph_validates_with_the_ontology_not_alone(seed_store: KGStore) -> None:
    data = _exported(seed_store)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph(), advanced=True)
    assert not conforms
    # Every result is about a category the graph names but does not describe.
    categories = {o for p in (rdflib.URIRef("http://purl.org/dc/terms/subject"),
                              rdflib.URIRef(KG.primaryCategory.value)) for o in data.objects(None, p)}
    values = {report.value(r, SH.value) for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)}
    foci = {report.value(r, SH.focusNode) for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)}
    assert values <= categories and len(categories) == 5
    assert foci - categories <= set(data.subjects(rdflib.URIRef(KG.primaryCategory.value), None))
    # With the two ontology files it conforms.
    for name in ("kg.ttl", "arxiv-taxonomy.ttl"):
        data.parse(ontology_dir() / name)
    assert pyshacl.validate(data, shacl_graph=shapes_graph(), advanced=True)[0]


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the seed and a second page that lists one of the seed's papers too."""
    folder = tmp_path_factory.mktemp("two-sources")
    page = folder / "tina-bridge.txt"
    page.write_text(SECOND_PAGE, encoding="utf-8")
    path = folder / "store"
    build_sources([SEED, page], store=KGStore(path), as_of=AS_OF)
    return path


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", *args])
    return result.exit_code, " ".join(result.output.split())


def test_cli_validate_checks_the_union_where_each_fact_is_once(two_sources: Path) -> None:
    store = KGStore(two_sources, read_only=True)
    sources = [g for g in store.graphs() if g != ONTOLOGY_GRAPH]
    assert len(sources) == 3  # the two pages and the merge log (they share a paper)
    # The paper both pages list is one node with one abstract: entity resolution keeps each fact
    # in the graph of the source that supplies it, so the union conforms.
    union = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()]
    assert len(union) == len(set(union))  # no triple in two graphs
    assert validate_triples(union).conforms
    total = sum(store.count(g) for g in sources)
    del store
    assert _validate("--store", str(two_sources)) == (
        0, f"conforms: {total} triples checked against ontology/shapes.ttl")


def test_cli_validate_one_graph(two_sources: Path) -> None:
    store = KGStore(two_sources, read_only=True)
    n = store.count(ox.NamedNode(SOURCE))
    del store
    for name in ("chuhan-wu.txt", SOURCE):
        assert _validate("--store", str(two_sources), "--graph", name) == (
            0, f"conforms: {n} triples checked against ontology/shapes.ttl")
    code, out = _validate("--store", str(two_sources), "--graph", "nope.txt")
    assert code == 1 and "no graph 'nope.txt' in the store; its graphs are:" in out


def test_cli_validate_graph_reports_what_build_would(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = KGStore(path)
    build_sources([SEED], store=store, as_of=AS_OF)
    # Break the committed graph behind the builder's back: a second position on an authorship.
    g = ox.NamedNode(SOURCE)
    [a] = [q.subject for q in store.quads(g) if q.predicate == KG.position
           and q.subject.value.endswith("/performance_law_of_large_language_models/authorship/2")]
    store.ox.add(ox.Quad(a, KG.position, ox.Literal("1", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")), g))
    store.flush()
    del store
    code, out = _validate("--store", str(path), "--graph", "chuhan-wu.txt")
    assert code == 1
    assert "kg:position: kg:position is at most one xsd:integer >= 1" in out
    assert "two authorships of this paper share position 1" in out


def test_cli_export_warns_when_it_merges_graphs(seed_store: KGStore, tmp_path: Path) -> None:
    assert seed_store.path is not None
    graphs = len(seed_store.graphs())
    assert graphs == 2  # the source and the ontology graph
    for fmt, warned in (("ttl", True), ("nt", True), ("xml", True), ("nq", False), ("trig", False)):
        out = tmp_path / f"all.{fmt}"
        result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", fmt,
                                          "-o", str(out)])
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert (f"warning: {fmt} has no named graphs: the store's {graphs} graphs are merged into one and "
                "their names dropped" in text) is warned, (fmt, text)
    result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", "ttl",
                                      "--graph", "chuhan-wu.txt", "-o", str(tmp_path / "one.ttl")])
    assert result.exit_code == 0 and "warning" not in result.output
