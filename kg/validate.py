"""SHACL validation (pyshacl) of built graphs against ``ontology/shapes.ttl``.

pyshacl's own text report is long and repeats every shape; here each violation becomes one
line (focus node, path, value, message) with IRIs shortened by the project's prefixes, so a
refused build says at once what is wrong and where.

**Batches.**  pyshacl holds its data in an rdflib graph, about 1.3 KB per triple, so a big
source cannot be validated in one piece.  :func:`validate_store_graph` reads one graph of a
store in batches: N papers at a time, then the nodes no paper is one triple away from (the
source graph, its build activity, software agents, anything left over, and the ontology's
own nodes).  A batch *owns* nodes (its papers and every node one non-``rdf:type`` triple from
them; or its share of the rest), sends pyshacl the triples those nodes' verdicts can read,
and keeps only the results whose focus node it owns (a nested ``sh:detail`` result counts
for the focus node of the result it explains).  The union, de-duplicated and sorted, is the
whole-graph report: every possible focus node (a subject, or an object of
``dcterms:subject``) is owned by some batch, and no verdict reads beyond what its batch has.

What a verdict on a focus node ``f`` can read, in ``G`` = the graph plus the ontology
(``tests/test_validate_batched.py`` checks that the shapes still have only these features;
the shapes are shapes.ttl without its SHACL Core forms, :func:`shapes_graph`):

* *whether* ``f`` is a target: ``sh:targetClass`` reads ``f``'s ``rdf:type`` and
  ``rdfs:subClassOf`` (every ``rdfs:subClassOf`` triple goes to every batch);
  ``sh:targetSubjectsOf kg:candidate`` reads ``f``'s own triples; ``sh:targetObjectsOf
  dcterms:subject`` (SubjectShape) needs one triple ``? dcterms:subject f`` (one is sent);
  the SPARQL targets (Unique/ContiguousPosition: ``f kg:hasAuthorship/kg:position``;
  PrimaryCategory: ``f``'s type, primary category and subjects; Visible/InferredAuthorship:
  ``f kg:authorshipEvidence``) start at ``f`` and go at most two steps forward.
* node shapes on papers (PaperShape), authorships, people, organizations, subjects,
  repositories, accounts, topic assignments, artifacts, candidates, snapshots, source graphs
  and agents: paths of one step forward from ``f``; two steps for PaperShape's
  ``kg:hasAuthorship/pro:isHeldBy`` (``sh:equals dcterms:creator``); backward only through
  ``^kg:hasAuthorship`` (AuthorshipShape: exactly one listing paper, equal to
  ``pro:relatesToDocument``) and ``^kg:proposes`` (ProposedArtifactShape).  ``sh:class`` on
  a value reads the value's ``rdf:type``; ``sh:node kgsh:BuildActivityShape`` (from
  SourceGraphShape) reads the activity's triples and the ``rdf:type`` of its agents: three
  steps, the deepest anything goes.  Datatype, count, pattern, ``sh:in``, ``sh:hasValue``,
  ``sh:or`` and the qualified counts on ``dcterms:issued`` (one date, one year: a value shape
  of ``sh:datatype`` only) read only those values.
* SPARQL constraints (unique and gap-free positions, primary category among the subjects):
  ``f``'s authorships and their positions, ``f``'s subjects: two steps forward.

So a batch sends, for each owned ``f``: one ``dcterms:subject`` triple pointing at it;
its own triples; the incoming ``kg:hasAuthorship`` and ``kg:proposes`` triples; all triples
of every node one step away (forward not by ``rdf:type``, or back by those two); the
``rdf:type`` triples of the nodes one step further.  Within those, ``f``'s verdict sees
exactly what it sees in the whole graph, and extra triples in a batch are real triples of
the graph, which cannot change it.  No shape compares values *across* papers (no
uniqueness of titles or arXiv ids over the source, no counts over the graph), so nothing
needs the whole graph: a check of that kind would need a SPARQL query on the store instead.
Verdicts on nodes a batch does not own may be wrong there (the source graph, reached
through a paper's profile, arrives without its own triples); they are dropped, and the batch
that owns the node has the right one.  The ontology's own nodes get one batch of their own;
the nodes of the rest go ``batch_nodes`` at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from typing import TYPE_CHECKING, TypeVar

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, SH, XSD

from kg.rdf.convert import to_ox_term, to_rdflib_graph, to_rdflib_term
from kg.rdf.namespaces import DCTERMS, DEFAULT_BASE_IRI, FABIO, KG, ONTOLOGY_GRAPH, PREFIXES
from kg.rdf.namespaces import RDF as OX_RDF
from kg.rdf.namespaces import RDFS as OX_RDFS
from kg.resources import ontology_dir

if TYPE_CHECKING:
    from kg.store import KGStore

_T = TypeVar("_T")
PAPER_CLASS = FABIO.ResearchPaper
SUBCLASS_OF = OX_RDFS.subClassOf
RDF_TYPE = OX_RDF.type

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


#: Marks a SHACL Core restatement of a SHACL-AF shape in shapes.ttl (for validators without SHACL-AF).
CORE_FORM_OF = rdflib.URIRef("https://w3id.org/scholarly-kg/shapes#coreFormOf")


def _drop_core_forms(g: rdflib.Graph) -> rdflib.Graph:
    """Remove the shapes marked ``kgsh:coreFormOf``, with the blank nodes only they use.

    They restate the SHACL-AF shapes, which run here and name the nodes at fault; running
    both would report each fault twice.
    """
    todo = list(g.subjects(CORE_FORM_OF, None))
    seen: set[rdflib.term.Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for _, p, o in list(g.triples((node, None, None))):
            g.remove((node, p, o))
            if isinstance(o, rdflib.BNode):
                todo.append(o)
    return g


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    """The shapes ``kg`` validates with: shapes.ttl without its SHACL Core forms (see there)."""
    g = rdflib.Graph()
    g.parse(ontology_dir() / "shapes.ttl", format="turtle")
    return _drop_core_forms(g)


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


def _pairs(report: rdflib.Graph) -> Iterator[tuple[rdflib.term.Node, Violation]]:
    """Each validation result of a pyshacl report with the focus node it is about (rdflib term).

    A nested result (``sh:detail``: why a value fails ``sh:node``) is about the focus node of
    the top-level result it explains, whatever its own focus node.
    """
    parent = {child: r for r, child in report.subject_objects(SH.detail)}
    for r in report.subjects(RDF.type, SH.ValidationResult):
        top = r
        while top in parent:
            top = parent[top]
        path, value = report.value(r, SH.resultPath), report.value(r, SH.value)
        messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
        severity = report.value(r, SH.resultSeverity)
        shape = report.value(r, SH.sourceShape)
        focus = report.value(r, SH.focusNode)
        yield report.value(top, SH.focusNode), Violation(
            focus=short(focus),
            path=short(path, report) if path is not None else None,
            message="; ".join(messages) or "does not conform",
            value=short(value) if value is not None else None,
            severity=short(severity).removeprefix("sh:") if severity is not None else "Violation",
            shape=short(shape) if isinstance(shape, rdflib.URIRef) else None,
        )


def _sorted(results: Iterable[Violation]) -> tuple[Violation, ...]:
    return tuple(sorted(set(results), key=lambda v: (v.focus, v.path or "", v.message, v.value or "")))


def _results(report: rdflib.Graph) -> tuple[Violation, ...]:
    return _sorted(v for _, v in _pairs(report))


def format_report(results: tuple[Violation, ...], limit: int = MAX_REPORTED) -> str:
    """One line per violation (the first ``limit``), sorted so reports are deterministic."""
    lines = [str(v) for v in results[:limit]]
    if len(results) > limit:
        lines.append(f"... and {len(results) - limit} more")
    return "\n".join(lines)


def _run_pyshacl(data: rdflib.Graph) -> tuple[bool, list[tuple[rdflib.term.Node, Violation]]]:
    """pyshacl on a data graph that already has the ontology mixed in (the one set of options)."""
    import pyshacl

    conforms, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True,
        inplace=True,
    )
    return bool(conforms), list(_pairs(report_graph))


@lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple[tuple[str, str], ...]) -> object:
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(namespaces))


class _DataGraph(rdflib.Graph):
    """An rdflib graph that parses each SPARQL text once per process (prepared queries).

    pyshacl sends its SPARQL targets and constraints as text on every run; parsing them
    (about 20 ms each) would dominate small batches.  A prepared query evaluates the same.
    """

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # type: ignore[no-untyped-def,override]
              initBindings=None, use_store_provided=True, **kwargs):
        if isinstance(query_object, str) and processor == "sparql" and not kwargs:
            namespaces = initNs or dict(self.namespaces())
            query_object = _prepared(query_object, tuple(sorted((k, str(v)) for k, v in namespaces.items())))
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided,
                             **kwargs)


def _with_ontology() -> rdflib.Graph:
    # The ontology is added to the data directly: pyshacl's own ``ont_graph`` mixing clones
    # nodes recursively and never finishes on the taxonomy's skos:related cycles.
    data = _DataGraph()
    for t in ontology_graph():
        data.add(t)
    return data


def _result(conforms: bool, results: tuple[Violation, ...]) -> ValidationResult:
    violations = sum(1 for v in results if v.severity == "Violation")
    return ValidationResult(conforms, violations, format_report(results), results)


def validate_triples(triples: Iterable[ox.Quad | ox.Triple]) -> ValidationResult:
    """Validate triples (graph names ignored) against the shapes, with the ontology loaded."""
    data = to_rdflib_graph(triples, _with_ontology())
    conforms, pairs = _run_pyshacl(data)
    return _result(conforms, _sorted(v for _, v in pairs))


def check_conforms(triples: Iterable[ox.Quad | ox.Triple]) -> None:
    """Raise :class:`ShapeViolation` unless the triples conform."""
    result = validate_triples(triples)
    if not result.conforms:
        raise ShapeViolation(result.report, result.violations, result.results)


# -- batched validation of a graph in a store ------------------------------------------------

#: Paths the shapes follow backwards (``sh:inversePath``): a node's verdict reads these
#: incoming triples.  ``tests/test_validate_batched.py`` checks the list against shapes.ttl.
INVERSE_PREDICATES = (KG.hasAuthorship, KG.proposes)
#: Predicates whose objects are targets (``sh:targetObjectsOf``).
OBJECT_TARGETS = (DCTERMS.subject,)
BATCH_PAPERS = 1000
BATCH_NODES = 20_000


@lru_cache(maxsize=1)
def _ontology_store() -> ox.Store:
    """The ontology as an Oxigraph store, to find the neighbours a node has through it."""
    store = ox.Store()
    store.bulk_extend([ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o))  # type: ignore[arg-type]
                       for s, p, o in ontology_graph()])
    return store


class _Neighbourhoods:
    """Triple lookups in the graph ``G`` = one graph of an Oxigraph store + the ontology."""

    def __init__(self, data: ox.Store, graph: ox.NamedNode | ox.DefaultGraph | None) -> None:
        self.sources = ((data, graph), (_ontology_store(), ox.DefaultGraph()))
        self.data, self.graph = data, graph

    def find(self, s: ox.Term | None, p: ox.NamedNode | None, o: ox.Term | None,
             *, data_only: bool = False) -> Iterator[ox.Quad]:
        """Triples of ``G`` matching a pattern (data first; a literal is never a subject)."""
        if isinstance(s, ox.Literal):
            return
        for store, graph in self.sources[:1] if data_only else self.sources:
            yield from store.quads_for_pattern(s, p, o, graph)  # type: ignore[arg-type]

    def is_paper(self, node: ox.Term) -> bool:
        return any(True for _ in self.find(node, RDF_TYPE, PAPER_CLASS, data_only=True))

    def papers(self) -> Iterator[ox.Term]:
        """The papers of the data graph (their ``rdf:type`` in the graph itself)."""
        return (q.subject for q in self.find(None, RDF_TYPE, PAPER_CLASS, data_only=True))

    def subclass_triples(self) -> list[ox.Quad]:
        return list(self.find(None, SUBCLASS_OF, None))

    def neighbourhood(self, owned: Iterable[ox.Term]) -> Iterator[ox.Quad]:
        """The triples of ``G`` SHACL can read when it validates the ``owned`` nodes (module docstring).

        For each node ``f``: one triple that makes it an object target; its own triples; the
        incoming triples of the inverse paths; the triples of every node one step away (not
        by ``rdf:type``); the ``rdf:type`` triples of the nodes one step further.  Each node's
        triples are looked up once per batch.
        """
        expanded: dict[ox.Term, None] = {}  # nodes whose own triples are in (ordered: deterministic)
        near: dict[ox.Term, None] = {}

        def own(node: ox.Term, into: dict[ox.Term, None]) -> Iterator[ox.Quad]:
            if node in expanded:
                return
            expanded[node] = None
            for q in self.find(node, None, None):
                yield q
                if q.predicate != RDF_TYPE and not isinstance(q.object, ox.Literal):
                    into[q.object] = None

        for f in owned:
            for p in OBJECT_TARGETS:
                yield from islice(self.find(None, p, f), 1)
            yield from own(f, near)
            for p in INVERSE_PREDICATES:
                for q in self.find(None, p, f):
                    yield q
                    near[q.subject] = None
        far: dict[ox.Term, None] = {}
        for v in near:
            yield from own(v, far)
        for w in far:
            if w not in expanded:
                yield from self.find(w, RDF_TYPE, None)

    def owned_by(self, papers: list[ox.Term]) -> dict[ox.Term, None]:
        """The papers and every node one data triple away (not by ``rdf:type``): what their batch owns.

        A literal is owned only as an object target (the value of ``dcterms:subject``).
        """
        owned: dict[ox.Term, None] = dict.fromkeys(papers)
        for p in papers:
            for q in self.find(p, None, None, data_only=True):
                if q.predicate != RDF_TYPE and (not isinstance(q.object, ox.Literal)
                                                or q.predicate in OBJECT_TARGETS):
                    owned[q.object] = None
            for q in self.find(None, None, p, data_only=True):
                if q.predicate != RDF_TYPE:
                    owned[q.subject] = None
        return owned

    def paper_owned(self, x: ox.Term) -> bool:
        """True when :meth:`owned_by` puts ``x`` in the batch of some paper (same rule, seen from ``x``)."""
        if isinstance(x, ox.Literal):
            return any(self.is_paper(q.subject) for p in OBJECT_TARGETS
                       for q in self.find(None, p, x, data_only=True))
        return (self.is_paper(x)
                or any(q.predicate != RDF_TYPE and self.is_paper(q.object)
                       for q in self.find(x, None, None, data_only=True))
                or any(q.predicate != RDF_TYPE and self.is_paper(q.subject)
                       for q in self.find(None, None, x, data_only=True)))

    def rest(self) -> Iterator[ox.Term]:
        """Every possible focus node of the data that no batch of papers owns.

        A focus node is a subject (targets by class, by subject, by SPARQL query) or an object
        of ``dcterms:subject`` (the objects target).
        """
        data, graph = self.sources[0]
        for pattern in ((None, None, None), *((None, p, None) for p in OBJECT_TARGETS)):
            previous: ox.Term | None = None
            by_object = pattern[1] is not None
            for q in data.quads_for_pattern(*pattern, graph):  # type: ignore[arg-type]
                node = q.object if by_object else q.subject
                if node != previous:  # quads come grouped by subject (by object for a predicate)
                    previous = node
                    if not self.paper_owned(node):
                        yield node

    def ontology_nodes(self) -> list[ox.Term]:
        """The ontology's possible focus nodes (a few hundred), validated in a batch of their own."""
        store, graph = self.sources[1]
        nodes: dict[ox.Term, None] = {}
        for q in store.quads_for_pattern(None, None, None, graph):
            nodes[q.subject] = None
            if q.predicate in OBJECT_TARGETS:
                nodes[q.object] = None
        return list(nodes)


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _validate_batch(look: _Neighbourhoods, owned: Iterable[ox.Term],
                    subclass: list[ox.Quad]) -> tuple[set[Violation], int]:
    """Validate ``owned`` nodes with their neighbourhoods; keep only the results about them."""
    owned = list(owned)
    data = to_rdflib_graph(chain(subclass, look.neighbourhood(owned)), _DataGraph())
    _, pairs = _run_pyshacl(data)
    mine = {to_rdflib_term(f) for f in owned}
    return {v for focus, v in pairs if focus in mine}, len(data)


def validate_store_graph(store: KGStore | ox.Store, graph: ox.NamedNode | ox.DefaultGraph | None, *,
                         batch_papers: int = BATCH_PAPERS, batch_nodes: int = BATCH_NODES,
                         on_batch: Callable[[int], None] | None = None) -> ValidationResult:
    """Validate one graph of a store in batches; the same result as :func:`validate_triples`.

    ``graph=None`` validates the union of all the store's graphs (each triple in one of them).

    pyshacl needs the data in an rdflib graph (about 1.3 KB per triple), so a whole big
    source cannot be checked at once.  Here ``batch_papers`` papers at a time go to pyshacl,
    each with everything their shapes read, then the nodes no paper is one triple away from
    (the source graph, its build, agents, strays), ``batch_nodes`` at a time.  Each batch
    keeps only the results about the nodes it owns, whose verdict it sees whole (module
    docstring); the union, de-duplicated and sorted, is the whole-graph report.
    ``on_batch`` gets the number of triples sent to pyshacl, once per batch.
    """
    if batch_papers < 1 or batch_nodes < 1:
        raise ValueError(f"batch sizes must be at least 1 (got {batch_papers}, {batch_nodes})")
    if isinstance(store, ox.Store):
        data = store
    else:
        data = store.store_of(graph) if isinstance(graph, ox.NamedNode) else store.ox
    look = _Neighbourhoods(data, graph)
    subclass = look.subclass_triples()
    found: set[Violation] = set()
    for papers in _chunks(look.papers(), batch_papers):
        results, triples = _validate_batch(look, look.owned_by(papers), subclass)
        found |= results
        if on_batch:
            on_batch(triples)
    for nodes in chain(_chunks(look.rest(), batch_nodes), [look.ontology_nodes()]):
        results, triples = _validate_batch(look, nodes, subclass)
        found |= results
        if on_batch:
            on_batch(triples)
    results_sorted = _sorted(found)
    return _result(not any(v.severity == "Violation" for v in results_sorted), results_sorted)


def validate_store(store: KGStore, graphs: Iterable[ox.NamedNode] | None = None) -> ValidationResult:
    """Validate the union of a store's source graphs (or of the ``graphs`` given) with the ontology.

    The union, as queries see it: entity resolution keeps each fact in the graph of the source
    that supplies it and in no other, so one graph alone may lean on another (a person's type
    is stated once, in the first source that names them).  Checked in batches of papers.
    """
    chosen = list(graphs) if graphs is not None else [g for g in store.graphs() if g != ONTOLOGY_GRAPH]
    union = ox.Store()
    for g in chosen:
        for batch in _chunks(store.quads(g), BATCH_NODES):
            union.bulk_extend([ox.Quad(q.subject, q.predicate, q.object) for q in batch])
    return validate_store_graph(union, ox.DefaultGraph())


def check_store_graph(store: KGStore | ox.Store, graph: ox.NamedNode | ox.DefaultGraph | None, *,
                      batch_papers: int = BATCH_PAPERS, batch_nodes: int = BATCH_NODES) -> None:
    """Raise :class:`ShapeViolation` unless the graph conforms (validated in batches)."""
    result = validate_store_graph(store, graph, batch_papers=batch_papers, batch_nodes=batch_nodes)
    if not result.conforms:
        raise ShapeViolation(result.report, result.violations, result.results)
