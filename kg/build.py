"""The main job: sources -> records -> triples -> store, one source per named graph.

>>> from kg.build import build_sources
>>> report = build_sources(["examples/profiles/chuhan-wu.txt"], store="kg-store",
...                        as_of=datetime.date(2026, 11, 26))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
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
from kg.store import KGStore
from kg.validate import check_conforms

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
    for name in ONTOLOGY_FILES:
        path = ontology_dir() / name
        if path.exists():
            with path.open("rb") as f:
                for t in ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
                    yield ox.Quad(t.subject, t.predicate, t.object, ONTOLOGY_GRAPH)


def _ontology_fingerprint() -> str:
    import hashlib

    h = hashlib.sha256()
    for name in ONTOLOGY_FILES:
        path = ontology_dir() / name
        if path.exists():
            h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def ensure_ontology(store: KGStore) -> bool:
    """Load (or refresh) the shipped ontology and vocabularies; True when it changed."""
    fp = ox.Literal(_ontology_fingerprint())
    if any(store.ox.quads_for_pattern(ONTOLOGY_GRAPH, KG.sha256, fp, ONTOLOGY_GRAPH)):
        return False
    quads = [*_ontology_quads(), ox.Quad(ONTOLOGY_GRAPH, KG.sha256, fp, ONTOLOGY_GRAPH)]
    store.replace_graph(ONTOLOGY_GRAPH, quads)
    return True


def _unchanged(store: KGStore, graph: ox.NamedNode, records: ProfileRecords) -> bool:
    """True when ``graph`` was built from the same bytes, capture date and tool version."""
    g = graph
    captured = ox.Literal(records.profile.as_of.isoformat(), datatype=XSD.date)
    return (any(store.ox.quads_for_pattern(g, KG.sha256, ox.Literal(records.source.sha256), g))
            and any(store.ox.quads_for_pattern(g, KG.capturedOn, captured, g))
            and any(store.ox.quads_for_pattern(None, PROV.wasAssociatedWith, TOOL, g)))


def extra_quads(records: ProfileRecords, mapper: ProfileMapper) -> Iterable[ox.Quad]:
    """Quads from enrichment steps (topics, proposed artifacts) for one source."""
    try:
        from kg.topics.rdf import topic_quads
    except ImportError:  # the topic step is optional
        return ()
    return topic_quads(records, mapper)


def build_sources(
    sources: Sequence[str | Path], *, store: KGStore | str | Path | None = None,
    as_of: dt.date | None = None, base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
    validate: bool = True, on_source: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None, force: bool = False,
) -> BuildReport:
    """Build (or rebuild) the graph of each source into the store.

    Each source replaces its own named graph atomically; a source that is unchanged since
    the last build (same bytes, capture date and tool version) is left alone.  With
    ``strict``, any extraction problem refuses the whole build before anything is written.
    """
    t0 = time.perf_counter()
    kg_store = store if isinstance(store, KGStore) else KGStore(store)
    minter = Minter(base_iri)
    names: dict[str, str] = {}
    for src in sources:
        name = Path(src).name
        if name in names:
            raise BuildError(f"two sources share the file name {name!r} ({names[name]} and {src}); "
                             "each source's graph is named after its file name")
        names[name] = str(src)
    # Read everything first: in strict mode nothing is written unless every source is clean.
    all_records: list[ProfileRecords] = []
    for src in sources:
        try:
            records = read_profile(src, as_of=as_of, strict=strict)
        except ExtractionError as e:
            raise BuildError(f"cannot read {src}", e.problems) from None
        all_records.append(records)
    report = BuildReport(store=str(kg_store.path) if kg_store.path else "<memory>")
    kg_store.drop_staging()
    ensure_ontology(kg_store)
    for records in all_records:
        mapper = ProfileMapper(records, minter)
        graph = mapper.graph
        if on_source:
            on_source(records.source.path, len(records.papers))
        if not force and _unchanged(kg_store, graph, records):
            report.sources.append(SourceReport(records.source.path, graph.value, len(records.papers),
                                               kg_store.count(graph), len(records.skipped),
                                               records.problems, unchanged=True))
            if on_progress:
                on_progress(len(records.papers))
            continue

        def quads(records: ProfileRecords = records, mapper: ProfileMapper = mapper) -> Iterable[ox.Quad]:
            yield from mapper.source_quads(BuildInfo(build_time()))
            yield from mapper.profile_quads()
            for paper in records.papers:
                yield from mapper.paper_quads(paper)
                if on_progress:
                    on_progress(1)
            yield from extra_quads(records, mapper)

        def check(staging: ox.NamedNode) -> None:
            if validate:
                check_conforms(kg_store.ox.quads_for_pattern(None, None, None, staging))

        triples = kg_store.replace_graph(graph, quads(), check=check)
        report.sources.append(SourceReport(records.source.path, graph.value, len(records.papers), triples,
                                           len(records.skipped), records.problems))
    kg_store.flush()
    report.counts = store_counts(kg_store)
    report.seconds = time.perf_counter() - t0
    return report


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
    rows = list(store.query("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?p a fabio:ResearchPaper ; dcterms:subject ?t }"))
    counts["topics"] = int(rows[0]["n"].value)
    counts["triples"] = sum(store.count(g) for g in store.graphs() if g != ONTOLOGY_GRAPH)
    counts["ontology_triples"] = store.count(ONTOLOGY_GRAPH) if ONTOLOGY_GRAPH in store.graphs() else 0
    return counts
