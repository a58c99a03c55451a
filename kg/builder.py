"""The main job: sources -> records -> triples -> store, one source per named graph.

>>> from kg.builder import build_sources
>>> report = build_sources(["examples/profiles/chuhan-wu.txt"], store="kg-store",
...                        as_of=datetime.date(2026, 11, 26))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.extract.profile import ExtractionError, read_profile
from kg.models import Problem, ProfileRecords
from kg.rdf.iri import Minter
from kg.rdf.mapping import TOOL, BuildInfo, ProfileMapper
from kg.rdf.namespaces import DEFAULT_BASE_IRI, KG, ONTOLOGY_GRAPH, PROV, XSD
from kg.resources import ontology_dir
from kg.store import KGStore, Staged
from kg.validate import check_store_graph

# Files of ontology/ loaded into the ontology graph, so queries can use labels and hierarchy.
ONTOLOGY_FILES = ("kg.ttl", "arxiv-taxonomy.ttl", "topics.ttl")


class BuildError(Exception):
    """A build was refused; the store is unchanged."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)


@dataclass
class SourceReport:
    path: str
    graph: str
    papers: int
    triples: int
    skipped_blocks: int
    problems: list[Problem]
    unchanged: bool = False


@dataclass
class BuildReport:
    """What a build did: per source, and the store's totals afterwards."""

    store: str
    sources: list[SourceReport] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def problems(self) -> list[Problem]:
        return [p for s in self.sources for p in s.problems]


def build_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` (reproducible-builds convention) when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _ontology_quads() -> Iterable[ox.Quad]:
    """The shipped files' triples; blank nodes renamed in parse order, so that two builds give
    byte-identical N-Quads (parsers give blank nodes fresh random labels)."""
    for k, name in enumerate(ONTOLOGY_FILES):
        path = ontology_dir() / name
        if not path.exists():
            continue
        bnodes: dict[str, ox.BlankNode] = {}

        def fixed(term: ox.Term, k: int = k, bnodes: dict[str, ox.BlankNode] = bnodes) -> ox.Term:
            if isinstance(term, ox.BlankNode):
                return bnodes.setdefault(term.value, ox.BlankNode(f"ont{k}b{len(bnodes) + 1}"))
            return term

        with path.open("rb") as f:
            for t in ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
                yield ox.Quad(fixed(t.subject), t.predicate, fixed(t.object), ONTOLOGY_GRAPH)


def _ontology_fingerprint() -> str:
    import hashlib

    h = hashlib.sha256()
    for name in ONTOLOGY_FILES:
        path = ontology_dir() / name
        if path.exists():
            h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def vocabulary_fingerprint() -> str:
    """SHA-256 of everything besides a source that shapes its graph: ontology files and aliases."""
    import hashlib

    h = hashlib.sha256(_ontology_fingerprint().encode())
    aliases = ontology_dir() / "aliases.toml"
    if aliases.exists():
        h.update(b"aliases.toml\0" + aliases.read_bytes())
    return h.hexdigest()


def _stage_ontology(store: KGStore) -> Staged | None:
    """Stage the shipped ontology and vocabularies, unless the store already has these bytes."""
    fp = ox.Literal(_ontology_fingerprint())
    if ONTOLOGY_GRAPH in store.graphs() and any(
            store.ox.quads_for_pattern(ONTOLOGY_GRAPH, KG.sha256, fp, ONTOLOGY_GRAPH)):
        return None
    quads = itertools.chain(_ontology_quads(), [ox.Quad(ONTOLOGY_GRAPH, KG.sha256, fp, ONTOLOGY_GRAPH)])
    return store.stage(ONTOLOGY_GRAPH, quads)


def ensure_ontology(store: KGStore) -> bool:
    """Load (or refresh) the shipped ontology and vocabularies; True when it changed."""
    staged = _stage_ontology(store)
    if staged is None:
        return False
    store.commit([staged])
    return True


def _unchanged(store: KGStore, graph: ox.NamedNode, records: ProfileRecords) -> bool:
    """True when ``graph`` was built from the same bytes, capture date, vocabularies and tool version."""
    g = graph
    captured = ox.Literal(records.profile.as_of.isoformat(), datatype=XSD.date)
    vocabulary = ox.Literal(vocabulary_fingerprint())
    return (any(store.ox.quads_for_pattern(g, KG.sha256, ox.Literal(records.source.sha256), g))
            and any(store.ox.quads_for_pattern(g, KG.capturedOn, captured, g))
            and any(store.ox.quads_for_pattern(None, KG.vocabularySha256, vocabulary, g))
            and any(store.ox.quads_for_pattern(None, PROV.wasAssociatedWith, TOOL, g)))


def extra_quads(records: ProfileRecords, mapper: ProfileMapper) -> Iterable[ox.Quad]:
    """Quads from enrichment steps (topics, proposed artifacts) for one source."""
    try:
        from kg.topics.rdf import topic_quads
    except ImportError:  # the topic step is optional
        return ()
    return topic_quads(records, mapper)


def _read(src: str | Path, as_of: dt.date | None, strict: bool) -> ProfileRecords:
    try:
        return read_profile(src, as_of=as_of, strict=strict)
    except ExtractionError as e:
        raise BuildError(f"cannot read {src}", e.problems) from None


def build_sources(
    sources: Sequence[str | Path], *, store: KGStore | str | Path | None = None,
    as_of: dt.date | None = None, base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
    validate: bool = True, on_source: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None, force: bool = False,
) -> BuildReport:
    """Build (or rebuild) the graph of each source into the store, all or nothing.

    Every source is staged (streamed in batches, invisible to queries) and checked against
    the shapes; then all of them replace their named graphs in one transaction.  Any error,
    Ctrl-C or kill before that leaves the store as it was.  A source unchanged since the
    last build (same bytes, capture date and tool version) is left alone unless ``force``.
    With ``strict``, any extraction problem refuses the build before the store is opened.
    """
    t0 = time.perf_counter()
    minter = Minter(base_iri)
    names: dict[str, str] = {}
    for src in sources:
        name = Path(src).name
        if name in names:
            raise BuildError(f"two sources share the file name {name!r} ({names[name]} and {src}); "
                             "each source's graph is named after its file name")
        names[name] = str(src)
    if strict:  # refuse before touching the store; records are read again one at a time below
        for src in sources:
            _read(src, as_of, strict)
    kg_store = store if isinstance(store, KGStore) else KGStore(store)
    report = BuildReport(store=str(kg_store.path) if kg_store.path else "<memory>")
    kg_store.drop_staging()
    staged: list[Staged] = []
    try:
        if (ontology := _stage_ontology(kg_store)) is not None:
            staged.append(ontology)
        for src in sources:
            records = _read(src, as_of, strict)
            staged_source = _stage_source(kg_store, records, minter, validate=validate, force=force,
                                          on_source=on_source, on_progress=on_progress, report=report)
            if staged_source is not None:
                staged.append(staged_source)
    except BaseException:
        for s in staged:
            kg_store.discard(s)
        raise
    # The point of no return: an error before commit's one update discards every load; after
    # it, only private copies are left to remove (the next build drops them if this one stops).
    kg_store.commit(staged)
    kg_store.flush()
    report.counts = store_counts(kg_store)
    report.seconds = time.perf_counter() - t0
    return report


def _stage_source(store: KGStore, records: ProfileRecords, minter: Minter, *, validate: bool, force: bool,
                  on_source: Callable[[str, int], None] | None, on_progress: Callable[[int], None] | None,
                  report: BuildReport) -> Staged | None:
    """Stage one source's graph and check it against the shapes (None: nothing to do)."""
    mapper = ProfileMapper(records, minter)
    graph = mapper.graph
    if on_source:
        on_source(records.source.path, len(records.papers))
    if not force and graph in store.graphs() and _unchanged(store, graph, records):
        report.sources.append(SourceReport(records.source.path, graph.value, len(records.papers),
                                           store.count(graph), len(records.skipped),
                                           records.problems, unchanged=True))
        if on_progress:
            on_progress(len(records.papers))
        return None

    def quads() -> Iterable[ox.Quad]:
        yield from mapper.source_quads(BuildInfo(build_time(), vocabulary_sha256=vocabulary_fingerprint()))
        yield from mapper.profile_quads()
        for paper in records.papers:
            yield from mapper.paper_quads(paper)
            if on_progress:
                on_progress(1)
        yield from extra_quads(records, mapper)

    staged = store.stage(graph, quads())
    try:
        if validate:
            check_store_graph(store, staged.holder)  # in batches of papers: memory bounded by the batch
        triples = store.count(staged.holder)
    except BaseException:
        store.discard(staged)
        raise
    report.sources.append(SourceReport(records.source.path, graph.value, len(records.papers), triples,
                                       len(records.skipped), records.problems))
    return staged


_COUNT_CLASSES = {
    "papers": "fabio:ResearchPaper", "people": "foaf:Person", "organizations": "org:Organization",
    "repositories": "schema:SoftwareSourceCode", "accounts": "foaf:OnlineAccount",
    "authorships": "kg:Authorship",
}


def store_counts(store: KGStore) -> dict[str, int]:
    """Distinct papers, people, orgs, topics, repositories and triples in the store."""
    counts: dict[str, int] = {}
    for key, cls in _COUNT_CLASSES.items():
        rows = list(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {cls} }}"))
        counts[key] = int(rows[0]["n"].value)
    # arXiv categories only: under RDFS the topics are dcterms:subject too (kg:topic is a sub-property).
    rows = list(store.query("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?p a fabio:ResearchPaper ; "
                            "dcterms:subject ?t { ?t skos:inScheme arxiv:taxonomy } "
                            "UNION { ?t kg:unknownCategoryCode true } }"))
    counts["topics"] = int(rows[0]["n"].value)
    per_graph = store.graph_counts()
    counts["triples"] = sum(n for g, n in per_graph.items() if g != ONTOLOGY_GRAPH)
    counts["ontology_triples"] = per_graph.get(ONTOLOGY_GRAPH, 0)
    return counts
