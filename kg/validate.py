"""SHACL validation (pyshacl) of built graphs against ``ontology/shapes.ttl``.

pyshacl's own text report is long and repeats every shape; here each violation becomes one
line (focus node, path, value, message) with IRIs shortened by the project's prefixes, so a
refused build says at once what is wrong and where.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, SH, XSD

from kg.rdf.convert import to_rdflib_graph
from kg.rdf.namespaces import DEFAULT_BASE_IRI, PREFIXES
from kg.resources import ontology_dir

# Mixed into the data graph so sh:class finds the arXiv concepts a paper links to.
ONTOLOGY_FILES = ("kg.ttl", "arxiv-taxonomy.ttl")
MAX_REPORTED = 50  # lines in a report; the count always covers every violation


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, with terms rendered in short form (``kg:position``)."""

    focus: str
    path: str | None
    message: str
    value: str | None = None
    severity: str = "Violation"
    shape: str | None = None

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}" if self.path else self.focus
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}: {self.message}{value}"


class ShapeViolation(Exception):
    """A graph does not conform to the shapes; ``report`` has one line per violation."""

    def __init__(self, report: str, count: int, results: tuple[Violation, ...] = ()) -> None:
        self.report = report
        self.count = count
        self.results = results
        super().__init__(f"the graph does not conform to ontology/shapes.ttl ({count} violations):\n{report}")


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: int
    report: str
    results: tuple[Violation, ...] = field(default=())


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(ontology_dir() / "shapes.ttl", format="turtle")
    return g


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for name in ONTOLOGY_FILES:
        path = ontology_dir() / name
        if path.exists():
            g.parse(path, format="turtle")
    return g


_SHORT = sorted(((ns, p) for p, ns in {**PREFIXES, "id": DEFAULT_BASE_IRI}.items()),
                key=lambda item: -len(item[0]))


def short(term: rdflib.term.Node, graph: rdflib.Graph | None = None) -> str:
    """A term as a reader wants it: ``kg:position``, ``id:paper/...``, ``^kg:hasAuthorship``."""
    if isinstance(term, rdflib.URIRef):
        for ns, prefix in _SHORT:
            if term.startswith(ns) and len(term) > len(ns):
                return f"{prefix}:{term[len(ns):]}"
        return f"<{term}>"
    if isinstance(term, rdflib.BNode) and graph is not None:
        return _path(term, graph)
    if isinstance(term, rdflib.Literal):
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{rdflib.Literal(str(term)).n3()}^^{short(term.datatype)}"
        return term.n3()
    return str(term)


def _path(node: rdflib.BNode, graph: rdflib.Graph) -> str:
    """A SHACL property path in SPARQL syntax: ``^kg:hasAuthorship``, ``kg:hasAuthorship/pro:isHeldBy``."""
    if graph.value(node, RDF.first) is not None:
        return "/".join(short(step, graph) for step in rdflib.collection.Collection(graph, node))
    for key, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                     (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(node, key)
        if inner is not None:
            return fmt.format(short(inner, graph))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        options = rdflib.collection.Collection(graph, alternatives)
        return "(" + "|".join(short(a, graph) for a in options) + ")"
    return "[path]"


def _results(report: rdflib.Graph) -> tuple[Violation, ...]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        path, value = report.value(r, SH.resultPath), report.value(r, SH.value)
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        severity = report.value(r, SH.resultSeverity)
        shape = report.value(r, SH.sourceShape)
        out.append(Violation(
            focus=short(report.value(r, SH.focusNode)),
            path=short(path, report) if path is not None else None,
            message="; ".join(messages) or "does not conform",
            value=short(value) if value is not None else None,
            severity=short(severity).removeprefix("sh:") if severity is not None else "Violation",
            shape=short(shape) if isinstance(shape, rdflib.URIRef) else None,
        ))
    return tuple(sorted(set(out), key=lambda v: (v.focus, v.path or "", v.message, v.value or "")))


def format_report(results: tuple[Violation, ...], limit: int = MAX_REPORTED) -> str:
    """One line per violation (the first ``limit``), sorted so reports are deterministic."""
    lines = [str(v) for v in results[:limit]]
    if len(results) > limit:
        lines.append(f"... and {len(results) - limit} more")
    return "\n".join(lines)


def validate_triples(triples: Iterable[ox.Quad | ox.Triple]) -> ValidationResult:
    """Validate triples (graph names ignored) against the shapes, with the ontology loaded."""
    import pyshacl

    # The ontology is added to the data directly: pyshacl's own ``ont_graph`` mixing clones
    # nodes recursively and never finishes on the taxonomy's skos:exactMatch cycles.
    data = rdflib.Graph()
    for t in ontology_graph():
        data.add(t)
    to_rdflib_graph(triples, data)
    conforms, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True,
        inplace=True,
    )
    results = _results(report_graph)
    violations = sum(1 for v in results if v.severity == "Violation")
    return ValidationResult(bool(conforms), violations, format_report(results), results)


def check_conforms(triples: Iterable[ox.Quad | ox.Triple]) -> None:
    """Raise :class:`ShapeViolation` unless the triples conform."""
    result = validate_triples(triples)
    if not result.conforms:
        raise ShapeViolation(result.report, result.violations, result.results)
