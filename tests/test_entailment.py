"""The graph stays valid, and its category counts stay right, under entailment of the vocabularies
it reuses (their own files, ontology/vendor/).

pyshacl runs with ``inference="rdfs"`` and ``inference="owlrl"`` (the command line's ``-i rdfs``,
``-i owlrl``) over the built graphs, the store's ontology graph and the vendored files, with
every shape of shapes.ttl (SHACL-AF and SHACL Core forms).  Before the fix, FaBiO's
``fabio:hasPublicationYear rdfs:subPropertyOf dcterms:issued`` gave each paper a second,
xsd:gYear ``dcterms:issued`` and all 50 papers violated the shapes; the tests check that this
entailment does happen and that the graph conforms anyway.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SKOS, XSD

import kg.query as kq
from kg.builder import build_sources, store_counts
from kg.extract import read_profile
from kg.rdf.convert import to_ox_term, to_rdflib_graph
from kg.resources import ontology_dir
from kg.store import KGStore
from tests.conftest import AS_OF, SEED
from tests.test_queries import SECOND_PAGE

VENDOR = ontology_dir() / "vendor"
VOCABULARIES = sorted(VENDOR.glob("*.ttl")) + sorted(VENDOR.glob("*.nt"))
FABIO = rdflib.Namespace("http://purl.org/spar/fabio/")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
KG = rdflib.Namespace("https://w3id.org/scholarly-kg/ns#")
ARXIV_SCHEME = rdflib.URIRef("https://w3id.org/scholarly-kg/arxiv/taxonomy")
# The queries of the library that count or list arXiv categories.
CATEGORY_QUERIES = ("author-topics", "category-pairs", "coauthor-experts", "cross-listed",
                    "suggested-collaborators")


def test_vendored_files_are_the_recorded_ones() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert {p.name for p in VOCABULARIES} == {"fabio.ttl", "frbr.ttl", "pro.ttl", "tvc.ttl", "org.ttl",
                                              "prov-o.ttl", "skos.nt", "dcterms.nt", "foaf.nt"}
    for path in VOCABULARIES:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in readme, f"{path.name}: sum not recorded in vendor/README.md"
        assert f"| `{path.name}`" in readme, f"{path.name}: provenance row missing"
    assert (VENDOR / "LICENSES" / "W3C-20150513.txt").read_text().startswith("This work is being provided")
    # Each file declares the terms the graph uses.
    g = rdflib.Graph()
    for path in VOCABULARIES:
        g.parse(path)
    assert (FABIO.hasPublicationYear, rdflib.RDFS.subPropertyOf, DCTERMS.issued) in g
    for term in (FABIO.ResearchPaper, SKOS.Concept, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person"),
                 rdflib.URIRef("http://www.w3.org/ns/org#Organization"),
                 rdflib.URIRef("http://www.w3.org/ns/prov#Entity"),
                 rdflib.URIRef("http://purl.org/spar/pro/RoleInTime")):
        assert (term, RDF.type, OWL.Class) in g or (term, RDF.type, rdflib.RDFS.Class) in g, term


def with_vocabularies(store: KGStore) -> rdflib.Graph:
    """Every graph of the store (sources and ontology graph) plus the vendored vocabularies."""
    g = to_rdflib_graph(store.quads())
    for path in VOCABULARIES:
        g.parse(path)
    return g


def entailed(store: KGStore, inference: str) -> tuple[bool, str, rdflib.Graph]:
    """pyshacl with inference over the store and the vocabularies; the graph keeps the closure."""
    g = with_vocabularies(store)
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes, inference=inference, advanced=True,
                                         allow_warnings=True, inplace=True)
    return bool(conforms), text, g


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled example and a second page with cross-listed papers (so every category query answers)."""
    page = tmp_path_factory.mktemp("entailment") / "tina-bridge.txt"
    page.write_text(SECOND_PAGE, encoding="utf-8")
    return [SEED, page]


@pytest.fixture(scope="module")
def two_store(pages: list[Path]) -> KGStore:
    store = KGStore()
    build_sources(pages, store=store, as_of=AS_OF)
    return store


@pytest.fixture(scope="module")
def rdfs(seed_memory_store: KGStore) -> tuple[bool, str, rdflib.Graph]:
    return entailed(seed_memory_store, "rdfs")


def _papers(g: rdflib.Graph) -> set[rdflib.term.Node]:
    return set(g.subjects(RDF.type, FABIO.ResearchPaper))


def _issued_is_date_and_year(g: rdflib.Graph) -> int:
    """Papers whose dcterms:issued, after entailment, is their date and their year (checked for all)."""
    n = 0
    for paper in _papers(g):
        [year] = g.objects(paper, FABIO.hasPublicationYear)
        issued = set(g.objects(paper, DCTERMS.issued))
        dates = {v for v in issued if v.datatype == XSD.date}
        assert issued == dates | {year} and len(dates) <= 1, (paper, issued)
        assert year.datatype == XSD.gYear
        n += bool(dates)
    return n


def test_conforms_under_rdfs(rdfs: tuple[bool, str, rdflib.Graph], seed_memory_store: KGStore) -> None:
    conforms, text, closure = rdfs
    assert conforms, text
    # The entailment that used to break every paper did happen: date and year side by side.
    plain = to_rdflib_graph(seed_memory_store.quads())
    assert _issued_is_date_and_year(closure) == len(_papers(plain)) == 50
    # And kg:topic's: the topics are dcterms:subject now, next to the categories (5 -> 130-odd).
    asserted = {(s, o) for s, o in plain.subject_objects(DCTERMS.subject) if s in _papers(plain)}
    topics = {(s, o) for s, o in plain.subject_objects(KG.topic) if s in _papers(plain)}
    assert {(s, o) for s, o in closure.subject_objects(DCTERMS.subject) if s in _papers(plain)} == \
        asserted | topics
    assert len({o for _, o in topics} - {o for _, o in asserted}) > 100


@pytest.mark.slow  # about 40 s of OWL RL closure (owlrl, pure Python)
def test_conforms_under_owl_rl(seed_memory_store: KGStore) -> None:
    conforms, text, closure = entailed(seed_memory_store, "owlrl")
    assert conforms, text
    assert _issued_is_date_and_year(closure) == 50
    assert not list(closure.subjects(RDF.type, OWL.Nothing))  # consistent
    # No functional or inverse-functional property (ours, FOAF's, PRO's) merged two named nodes.
    assert all(a == b for a, b in closure.subject_objects(OWL.sameAs)
               if isinstance(a, rdflib.URIRef) and isinstance(b, rdflib.URIRef))


@pytest.fixture(scope="module")
def entailed_store(two_store: KGStore) -> KGStore:
    """The RDFS closure of both pages and the vocabularies, in a store of its own (one graph).

    Both pages together do not conform (the paper they share has an abstract from each), so
    this closure is for the queries only; the seed alone is validated above.
    """
    import owlrl

    closure = with_vocabularies(two_store)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(closure)
    store = ox.Store()
    g = ox.NamedNode("urn:x-test:closure")
    store.bulk_extend([ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), g)  # type: ignore[arg-type]
                       for s, p, o in closure if isinstance(p, rdflib.URIRef)
                       and not isinstance(s, rdflib.Literal)])
    return KGStore.wrap(store)


def test_category_counts_do_not_change_under_entailment(pages: list[Path], two_store: KGStore,
                                                        entailed_store: KGStore) -> None:
    codes = {c for page in pages for p in read_profile(page, as_of=AS_OF).papers for c in p.categories}
    assert store_counts(two_store)["topics"] == store_counts(entailed_store)["topics"] == len(codes)
    # What the old count (every dcterms:subject of a paper) gives on the closure: the topics too.
    naive = "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?p a fabio:ResearchPaper ; dcterms:subject ?t }"
    [row] = entailed_store.query(naive)
    assert int(row["n"].value) > len(codes) + 100


@pytest.mark.parametrize("name", CATEGORY_QUERIES)
def test_category_queries_answer_the_same_under_entailment(two_store: KGStore, entailed_store: KGStore,
                                                            name: str) -> None:
    params = kq.get_query(name).example_params
    plain = kq.run(two_store, name, **params)
    closed = kq.run(entailed_store, name, **params)
    assert plain.terms, name  # each answers something on these two pages
    assert closed.columns == plain.columns
    assert closed.terms == plain.terms


def test_no_arxiv_category_is_a_topic(two_store: KGStore) -> None:
    """The rule the counts use: categories are in the arXiv scheme (or minted for unknown codes),
    topics never are, and no topic has a skos:notation (which category-pairs and cross-listed read)."""
    g = to_rdflib_graph(two_store.quads())
    topics = set(g.objects(None, KG.topic))
    assert topics and not topics & set(g.subjects(SKOS.inScheme, ARXIV_SCHEME))
    assert not topics & set(g.subjects(SKOS.notation, None))
    assert not topics & set(g.subjects(KG.unknownCategoryCode, None))
    categories = set(g.objects(None, DCTERMS.subject))
    assert categories <= set(g.subjects(SKOS.inScheme, ARXIV_SCHEME)) | set(
        g.subjects(KG.unknownCategoryCode, rdflib.Literal(True)))
