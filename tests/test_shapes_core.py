"""The SHACL Core forms of the SPARQL-based checks: a validator without SHACL-AF enforces them.

pyshacl without ``advanced`` stands for such a validator: it gives the five shapes with
SPARQL-based targets no focus node.  Each fault below is put into a small copy of the seed
graph; the core-only verdict on the shipped shapes.ttl must name the same focus nodes as
``kg validate`` (SHACL-AF, the independent computation), and shapes.ttl without its Core
forms must miss the fault in core-only mode (what the Core forms are for).
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import SH

from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import DCTERMS, KG
from kg.resources import ontology_dir
from kg.validate import CORE_FORM_OF, ontology_graph, shapes_graph, validate_triples
from tests.test_shapes import SURVEY, B, P, edit, integer
from tests.test_validate_batched import (
    G,
    _duplicate_position,
    _inferred_with_position,
    _position_zero,
    _small_graph,
    _visible_without_position,
)

KGSH = rdflib.Namespace("https://w3id.org/scholarly-kg/shapes#")
AF_SHAPES = {KGSH[n] for n in ("UniquePositionShape", "ContiguousPositionShape", "PrimaryCategoryShape",
                                "VisibleAuthorshipShape", "InferredAuthorshipShape")}
Triples = list[ox.Triple]


@pytest.fixture(scope="module")
def shipped() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


@pytest.fixture(scope="module")
def small(seed_memory_store) -> Triples:  # type: ignore[no-untyped-def]
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in seed_memory_store.quads(G)]
    return _small_graph(triples, keep=8)


def core_only(triples: Triples, shapes: rdflib.Graph) -> tuple[bool, set[tuple[str, str]]]:
    """pyshacl as a SHACL Core validator: (conforms, {(focus node, source shape)})."""
    data = to_rdflib_graph(triples)
    for t in ontology_graph():
        data.add(t)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                           allow_warnings=True)
    found = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = report.value(r, SH.sourceShape)
        # A property shape reports itself: name the node shape it belongs to.
        owner = shapes.value(None, SH.property, shape) or shape
        found.add((str(report.value(r, SH.focusNode)), str(owner)))
    return bool(conforms), found


def test_every_sparql_check_has_a_core_form(shipped: rdflib.Graph) -> None:
    targets = {s for s, t in shipped.subject_objects(SH.target)
               if (t, rdflib.RDF.type, SH.SPARQLTarget) in shipped}
    assert targets == AF_SHAPES
    forms = dict(shipped.subject_objects(CORE_FORM_OF))
    assert set(forms.values()) == AF_SHAPES and len(forms) == 5
    for form in forms:  # plain SHACL Core: a class target, no SPARQL anywhere
        assert shipped.value(form, SH.targetClass) is not None
        assert not list(shipped.objects(form, SH.target)) and not list(shipped.objects(form, SH.sparql))
    # kg itself validates with the SHACL-AF shapes only (each fault reported once).
    assert not set(shapes_graph().subjects(CORE_FORM_OF, None))
    assert set(shapes_graph().subjects(rdflib.RDF.type, SH.NodeShape)) >= AF_SHAPES


def test_position_forms_cover_1_to_32(shipped: rdflib.Graph) -> None:
    unique = [shipped.value(shipped.value(ps, SH.qualifiedValueShape), SH.hasValue)
              for ps in shipped.objects(KGSH.UniquePositionCoreShape, SH.property)]
    assert sorted(v.toPython() for v in unique) == list(range(1, 33))
    pairs = []
    for lst in shipped.objects(KGSH.ContiguousPositionCoreShape, SH["or"]):
        absent, previous = rdflib.collection.Collection(shipped, lst)
        pairs.append((shipped.value(shipped.value(absent, SH["not"]), SH.hasValue).toPython(),
                      shipped.value(previous, SH.hasValue).toPython()))
    assert sorted(pairs) == [(k, k - 1) for k in range(2, 33)]


def test_small_seed_conforms_core_only(small: Triples, shipped: rdflib.Graph) -> None:
    assert validate_triples(small).conforms
    assert core_only(small, shipped) == (True, set())


def test_core_only_catches_two_authors_at_position_1(small: Triples, shipped: rdflib.Graph) -> None:
    broken = _duplicate_position(small)
    assert core_only(broken, shapes_graph()) == (True, set())  # without the Core forms: missed
    conforms, found = core_only(broken, shipped)
    assert not conforms
    assert found == {(P.value, str(KGSH.UniquePositionCoreShape))}
    data = to_rdflib_graph(broken)
    for t in ontology_graph():
        data.add(t)
    _, report, _ = pyshacl.validate(data, shacl_graph=shipped, advanced=False, allow_warnings=True)
    messages = {str(m) for m in report.objects(None, SH.resultMessage)}
    assert messages == {"two authorships of this paper share position 1"}


def _primary_not_a_subject(t: Triples) -> Triples:
    [primary] = [x.object for x in t if x.subject == P and x.predicate == KG.primaryCategory]
    return edit(t, lambda x: x.subject == P and x.predicate == DCTERMS.subject and x.object == primary)


def _gap_at_3(t: Triples) -> Triples:
    """Positions 1, 2, 4 on a paper with three visible authors (a gap, no duplicate)."""
    a3 = ox.NamedNode(f"{B}{SURVEY}/authorship/3")
    assert any(x.subject == a3 and x.predicate == KG.position for x in t)
    return edit(t, lambda x: x.subject == a3 and x.predicate == KG.position,
                [ox.Triple(a3, KG.position, integer(4))])


FAULTS: dict[str, tuple[Callable[[Triples], Triples], str]] = {
    "duplicate_position": (_duplicate_position, "UniquePosition"),
    "position_zero": (_position_zero, "ContiguousPosition"),
    "gap_at_3": (_gap_at_3, "ContiguousPosition"),
    "visible_without_position": (_visible_without_position, "VisibleAuthorship"),
    "inferred_with_position": (_inferred_with_position, "InferredAuthorship"),
    "primary_not_a_subject": (_primary_not_a_subject, "PrimaryCategory"),
}


@pytest.mark.parametrize("name", FAULTS)
def test_core_forms_find_what_the_sparql_checks_find(small: Triples, shipped: rdflib.Graph,
                                                       name: str) -> None:
    fault, check = FAULTS[name]
    broken = fault(small)
    af_shape, core_shape = str(KGSH[check + "Shape"]), str(KGSH[check + "CoreShape"])
    # kg validate (SHACL-AF): the focus nodes its SPARQL-based shape reports.
    whole = validate_triples(broken)
    assert not whole.conforms
    expected = {B + v.focus.removeprefix("id:") for v in whole.results if v.shape == f"<{af_shape}>"
                or (v.shape is None and check in ("VisibleAuthorship", "InferredAuthorship")
                    and v.path == "kg:position")}
    assert expected, whole.report
    # Core only, without the Core forms: the SPARQL-targeted shape never fires.
    _, without = core_only(broken, shapes_graph())
    assert af_shape not in {s for _, s in without}
    # Core only, with them: the Core form names exactly the same nodes.
    conforms, found = core_only(broken, shipped)
    assert not conforms
    assert {f for f, s in found if s == core_shape} == expected
