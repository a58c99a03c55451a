"""SHACL validation (pyshacl) of built graphs against ``ontology/shapes.ttl``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
import rdflib

from kg.rdf.convert import to_rdflib_graph
from kg.resources import ontology_dir


class ShapeViolation(Exception):
    """A graph does not conform to the shapes; ``report`` is pyshacl's text report."""

    def __init__(self, report: str, count: int) -> None:
        self.report = report
        self.count = count
        super().__init__(f"the graph does not conform to ontology/shapes.ttl ({count} violations):\n{report}")


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: int
    report: str


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(ontology_dir() / "shapes.ttl", format="turtle")
    return g


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for name in ("kg.ttl", "arxiv-taxonomy.ttl"):
        path = ontology_dir() / name
        if path.exists():
            g.parse(path, format="turtle")
    return g


def validate_triples(triples: Iterable[ox.Quad | ox.Triple]) -> ValidationResult:
    """Validate triples (graph names ignored) against the shapes, with the ontology loaded."""
    import pyshacl

    data = to_rdflib_graph(triples)
    conforms, report_graph, report_text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none",
        advanced=True, allow_warnings=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = sum(1 for _ in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult))
    return ValidationResult(bool(conforms), violations, str(report_text))


def check_conforms(triples: Iterable[ox.Quad | ox.Triple]) -> None:
    """Raise :class:`ShapeViolation` unless the triples conform."""
    result = validate_triples(triples)
    if not result.conforms:
        raise ShapeViolation(result.report, result.violations)
