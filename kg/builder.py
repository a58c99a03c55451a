"""The main job: sources -> records -> resolution -> triples -> store, one source per named graph.

A store's graph is a function of the *set* of its sources: every build (``kg build``,
``kg add``, ``kg remove``) reads all of them (new ones from their paths, the others from the
store's archived copies, :mod:`kg.archive`), resolves works and people across them
(:mod:`kg.resolve`), maps the result (:mod:`kg.rdf.mapping`, :mod:`kg.topics.rdf`) into a
scratch store where it is checked against the shapes, and then commits every changed graph in
one transaction.  So removing a source gives exactly the graph built without it, and adding
it back gives the original again.

>>> from kg.builder import build_sources
>>> report = build_sources(["examples/profiles/chuhan-wu.txt"], store="kg-store",
...                        as_of=datetime.date(2026, 11, 26))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.extract.errors import ExtractionError
from kg.extract.sources import file_sha256, read_source, readers
from kg.models import Paper, Problem, SourceRecords
from kg.rdf.aliases import default_aliases
from kg.rdf.iri import Minter
from kg.rdf.mapping import TOOL, BuildInfo, SourceMapper, resolution_quads, work_iri
from kg.rdf.namespaces import DCTERMS, DEFAULT_BASE_IRI, KG, ONTOLOGY_GRAPH, PROV, XSD
from kg.resolve import PersonAlias, Ref, Resolution, resolve
from kg.resources import ontology_dir
from kg.store import BATCH_SIZE, KGStore, Staged
from kg.validate import check_store_graph

# Files of ontology/ loaded into the ontology graph, so queries can use labels and hierarchy.
ONTOLOGY_FILES = ("kg.ttl", "arxiv-taxonomy.ttl", "topics.ttl")
# Scratch stores of builds in progress, inside the store folder (removed as folders).
BUILD_DIR_PREFIX = "kg-build-"
# Up to this many papers in all, a multi-source build maps into an in-memory scratch store
# (~110 quads and ~50 KB per paper); above, into one on disk next to the store.
IN_MEMORY_PAPERS = 20_000


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
    kind: str = "profile-page"
    removed: bool = False

    @property
    def status(self) -> str:
        return "removed" if self.removed else "unchanged" if self.unchanged else "built"


@dataclass
class BuildReport:
    """What a build did: per source, the merges, and the store's totals afterwards."""

    store: str
    sources: list[SourceReport] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    merges: int = 0
    conflicts: list[str] = field(default_factory=list)

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


# -- the sources a store holds --------------------------------------------------------------

@dataclass(frozen=True)
class StoredSource:
    """A source graph as committed: enough to read its archived copy again."""

    graph: ox.NamedNode
    name: str
    sha256: str
    kind: str
    captured_on: dt.date | None
    built_at: ox.Literal
    vocabulary: str | None
    tool: bool  #: built by this version of the tool

    @property
    def key(self) -> tuple[str, str, str, dt.date | None]:
        return (self.name, self.sha256, self.kind, self.captured_on)


_STORED = """
SELECT ?g ?name ?sha ?kind ?captured ?built ?vocabulary ?tool WHERE {
  GRAPH ?g {
    ?g a kg:SourceGraph ; dcterms:source ?name ; kg:sha256 ?sha ; kg:sourceKind ?kind ;
       prov:generatedAtTime ?built ; prov:wasGeneratedBy ?activity .
    OPTIONAL { ?g kg:capturedOn ?captured }
    OPTIONAL { ?activity kg:vocabularySha256 ?vocabulary }
    OPTIONAL { ?activity prov:wasAssociatedWith ?tool FILTER (?tool = <{tool}>) }
  }
} ORDER BY ?name"""


def stored_sources(store: KGStore) -> list[StoredSource]:
    """The committed source graphs of a store, by file name."""
    committed = set(store.graphs())
    out = []
    # TOOL is this program's own constant IRI (never user text), so it can be part of the query.
    text = _STORED.replace("{tool}", TOOL.value)
    for row in store.ox.query(text, prefixes={"kg": str(KG), "dcterms": str(DCTERMS), "prov": str(PROV)}):
        g = row["g"]
        if g not in committed:
            continue
        captured = row["captured"]
        out.append(StoredSource(
            graph=g, name=row["name"].value, sha256=row["sha"].value, kind=row["kind"].value,
            captured_on=dt.date.fromisoformat(captured.value) if captured is not None else None,
            built_at=row["built"], vocabulary=row["vocabulary"].value if row["vocabulary"] else None,
            tool=row["tool"] is not None))
    return out


_KIND_FORMAT = {"profile-page": "profile", "bibtex": "bibtex", "arxiv-atom": "arxiv", "openalex": "openalex",
                "dblp-xml": "dblp"}


@dataclass
class _Input:
    """One source of the new set: where to read it, and what the store knew about it."""

    name: str
    path: Path
    format: str | None
    as_of: dt.date | None
    given: bool                    #: named in this build (its problems are reported)
    stored: StoredSource | None = None
    records: SourceRecords | None = None


def _read(inp: _Input, strict: bool) -> SourceRecords:
    try:
        records = read_source(inp.path, format=inp.format, as_of=inp.as_of, strict=strict and inp.given)
    except ExtractionError as e:
        raise BuildError(f"cannot read {inp.path}", e.problems) from None
    except ValueError as e:  # an unknown --format
        raise BuildError(str(e)) from None
    if not inp.given:  # an archived copy: its name and path are the ones it was added with
        records = records.model_copy(update={
            "source": records.source.model_copy(update={"name": inp.name, "path": inp.name}),
            "problems": []})
    return records


# -- the build ------------------------------------------------------------------------------

def build_sources(
    sources: Sequence[str | Path], *, store: KGStore | str | Path | None = None,
    as_of: dt.date | None = None, base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
    validate: bool = True, on_source: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None, force: bool = False, format: str | None = None,
) -> BuildReport:
    """Build SOURCES into the store, next to the sources it already holds, all or nothing.

    A source whose file name the store already holds replaces it.  Every source of the
    store is resolved again with the new ones, checked against the shapes, and every graph
    that changes is replaced in one transaction: any error, Ctrl-C or kill before that leaves
    the store as it was.  When nothing changed (same bytes, capture dates, vocabularies and
    tool version) nothing is written, unless ``force``.  With ``strict``, any extraction
    problem refuses the build before the store is opened.  ``format`` forces one reader.
    """
    return change_sources(store, add=sources, as_of=as_of, base_iri=base_iri, strict=strict,
                          validate=validate, on_source=on_source, on_progress=on_progress,
                          force=force, format=format)


def remove_sources(names: Sequence[str | Path], *, store: KGStore | str | Path | None = None,
                   base_iri: str = DEFAULT_BASE_IRI, validate: bool = True) -> BuildReport:
    """Remove sources (by file name or path) from the store: exactly the facts only they gave.

    An entity another source still mentions stays, with the facts that source gives.
    """
    return change_sources(store, remove=names, base_iri=base_iri, validate=validate)


def change_sources(
    store: KGStore | str | Path | None, *, add: Sequence[str | Path] = (), remove: Sequence[str | Path] = (),
    as_of: dt.date | None = None, base_iri: str = DEFAULT_BASE_IRI, strict: bool = False,
    validate: bool = True, on_source: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None, force: bool = False, format: str | None = None,
) -> BuildReport:
    """Add and remove sources in one transaction (the engine of build, add and remove)."""
    t0 = time.perf_counter()
    minter = Minter(base_iri)
    names: dict[str, str] = {}
    for src in add:
        name = Path(src).name
        if name in names:
            raise BuildError(f"two sources share the file name {name!r} ({names[name]} and {src}); "
                             "each source's graph is named after its file name")
        names[name] = str(src)
    new_inputs = [_Input(Path(src).name, Path(src), format, as_of, given=True) for src in add]
    if strict:  # refuse before touching the store; records are kept for the build below
        for inp in new_inputs:
            inp.records = _read(inp, strict)
    kg_store = store if isinstance(store, KGStore) else KGStore(store)
    report = BuildReport(store=str(kg_store.path) if kg_store.path else "<memory>")
    kg_store.drop_staging()
    _drop_build_dirs(kg_store)
    existing = stored_sources(kg_store)
    by_name = {s.name: s for s in existing}
    removed: list[StoredSource] = []
    for r in remove:
        name = Path(r).name
        if name not in by_name:
            held = ", ".join(sorted(by_name)) or "none"
            raise BuildError(f"the store holds no source named {name!r} (it holds: {held})")
        removed.append(by_name[name])
    gone = {s.name for s in removed}
    inputs: list[_Input] = []
    for s in existing:
        if s.name in names or s.name in gone:
            continue
        path = kg_store.archive.path(s.sha256)
        if path is None:
            raise BuildError(f"the store has no archived copy of its source {s.name!r} (built by an older "
                             "scholarly-kg?); rebuild the store from its source files with kg build")
        inputs.append(_Input(s.name, path, _KIND_FORMAT.get(s.kind), s.captured_on, given=False, stored=s))
    for inp in new_inputs:
        inp.stored = by_name.get(inp.name)
        inputs.append(inp)
    vocabulary = vocabulary_fingerprint()

    # Read every source (the given ones may already have been read by --strict).
    for inp in inputs:
        if inp.records is None:
            inp.records = _read(inp, strict)
        if on_source and inp.given:
            on_source(str(inp.path), len(inp.records.papers))
    records = [inp.records for inp in inputs if inp.records is not None]
    def as_stored(inp: _Input) -> bool:
        s = inp.stored
        return (s is not None and inp.records is not None and s.tool and s.vocabulary == vocabulary
                and s.key == _key(inp.records))

    if not removed and not force and all(as_stored(inp) for inp in inputs if inp.given):
        # Nothing new: every given source is in the store as it is now.
        for inp in inputs:
            if inp.given and inp.records is not None and inp.stored is not None:
                report.sources.append(_report(inp, kg_store.count(inp.stored.graph), unchanged=True))
                if on_progress:
                    on_progress(len(inp.records.papers))
        if (ontology := _stage_ontology(kg_store)) is not None:
            kg_store.commit([ontology])
        report.counts = store_counts(kg_store)
        report.seconds = time.perf_counter() - t0
        return report

    if on_source:
        on_source("", sum(len(r.papers) for r in records))
    aliases = default_aliases()
    resolution = resolve(records, [PersonAlias(p.name, p.aliases, p.orcid) for p in aliases.persons])
    by_source = {inp.records.source.name: inp for inp in inputs if inp.records is not None}
    infos = []
    for rec in resolution.sources:
        inp = by_source[rec.source.name]
        stored = inp.stored
        same = (stored is not None and stored.tool and stored.vocabulary == vocabulary
                and stored.key == _key(rec))
        # A source whose own bytes did not change keeps its build time: only what another
        # source changed about it is written.
        built_at = (dt.datetime.fromisoformat(stored.built_at.value) if same and stored is not None
                    else build_time())
        infos.append(BuildInfo(built_at, vocabulary_sha256=vocabulary))

    committed = set(kg_store.graphs())
    resolution_graph = minter.resolution_graph()
    # One source and nothing merged or refused: its graph is the whole new content, so it is
    # staged straight from the mapper and checked where it is staged (no scratch store).
    direct = len(resolution.sources) == 1 and not resolution.decisions and not resolution.conflicts
    papers = sum(len(r.papers) for r in resolution.sources)
    scratch_dir = (Path(tempfile.mkdtemp(prefix=BUILD_DIR_PREFIX, dir=kg_store.path))
                   if kg_store.path is not None and not direct and papers > IN_MEMORY_PAPERS else None)
    staged: list[Staged] = []
    triples: dict[ox.NamedNode, int] = {}
    try:
        if (ontology := _stage_ontology(kg_store)) is not None:
            staged.append(ontology)
        if direct:
            mapper = SourceMapper(resolution, 0, minter, aliases)
            graphs = [mapper.graph]
            on_paper = (lambda: on_progress(1)) if on_progress else None
            one = kg_store.stage(mapper.graph, itertools.chain(mapper.quads(infos[0], on_paper=on_paper),
                                                               extra_quads(resolution, minter)))
            staged.append(one)
            if validate:
                check_store_graph(kg_store, one.holder)  # in batches of papers
            triples[mapper.graph] = kg_store.count(one.holder)
        else:
            scratch = ox.Store(str(scratch_dir)) if scratch_dir is not None else ox.Store()
            graphs = _map_into(scratch, resolution, minter, aliases, infos, on_progress)
            if validate:
                check_store_graph(scratch, None)  # the union of the graphs, in batches of papers
            for g in graphs:
                staged.append(kg_store.stage(g, scratch.quads_for_pattern(None, None, None, g)))
                triples[g] = kg_store.count(staged[-1].holder)
            del scratch
        stale = [s.graph for s in removed]
        if resolution_graph in committed and resolution_graph not in graphs:
            stale.append(resolution_graph)  # the merge log, now empty
        for g in stale:
            staged.append(kg_store.stage(g, ()))
        for inp in inputs:  # archive every source the new graph is built from, before the commit
            if inp.given and inp.records is not None:
                kg_store.archive.put(inp.path, inp.records.source.sha256)
    except BaseException:
        for s in staged:
            kg_store.discard(s)
        _remove_dir(scratch_dir)
        raise
    # The point of no return: an error before commit's one update discards every load; after
    # it, only private copies are left to remove (the next build drops them if this one stops).
    changes = kg_store.commit(staged)
    _remove_dir(scratch_dir)
    kg_store.archive.keep_only({s.sha256 for s in stored_sources(kg_store)})
    kg_store.flush()
    for inp in new_inputs:
        g = minter.source_graph(inp.name)
        unchanged = inp.stored is not None and changes.get(g, (1, 1)) == (0, 0)
        report.sources.append(_report(inp, triples.get(g, 0), unchanged=unchanged, graph=g.value))
    for s in removed:
        report.sources.append(SourceReport(s.name, s.graph.value, 0, 0, 0, [], kind=s.kind, removed=True))
    report.merges = len(resolution.decisions)
    report.conflicts = [describe_conflict(resolution, c) for c in resolution.conflicts]
    report.counts = store_counts(kg_store)
    report.seconds = time.perf_counter() - t0
    return report


def _key(records: SourceRecords) -> tuple[str, str, str, dt.date | None]:
    src = records.source
    return (src.name, src.sha256, src.kind, records.profile.as_of if records.profile else None)


def _report(inp: _Input, triples: int, *, unchanged: bool, graph: str = "") -> SourceReport:
    rec = inp.records
    assert rec is not None
    graph = graph or (inp.stored.graph.value if inp.stored else "")
    return SourceReport(str(inp.path), graph, len(rec.papers), triples, len(rec.skipped), rec.problems,
                        unchanged=unchanged, kind=rec.source.kind)


def describe_conflict(res: Resolution, c: object) -> str:
    """A conflict as one line naming both records with their sources and lines."""
    from kg.resolve import Conflict

    assert isinstance(c, Conflict)

    def where(r: Ref) -> str:
        rec = res.sources[r.source]
        p = rec.papers[r.paper] if r.paper < len(rec.papers) else None
        line = p.source_line if p is not None and p.source_line else (p.record if p is not None else None)
        return f"{rec.source.name}:{line or 0}"

    return f"{c.rule}: {c.message} ({where(c.left)} / {where(c.right)})"


def _drop_build_dirs(store: KGStore) -> None:
    """Scratch stores an interrupted build left in the store folder."""
    if store.path is None or not store.path.is_dir():
        return
    for d in store.path.glob(BUILD_DIR_PREFIX + "*"):
        _remove_dir(d)


def _remove_dir(path: Path | None) -> None:
    if path is not None and path.exists():
        shutil.rmtree(path, ignore_errors=True)


def merged_paper(res: Resolution, work_index: int) -> Paper:
    """A work as the graph describes it (title, abstract, links of all its records)."""
    work = res.works[work_index]
    base = res.paper(work.title_from)
    update: dict[str, object] = {}
    if work.abstract_from is not None and work.abstract_from != work.title_from:
        other = res.paper(work.abstract_from)
        update.update(abstract=other.abstract, abstract_text=other.abstract_text)
    links = list({link.url: link for r in work.members for link in res.paper(r).links}.values())
    if links != base.links:
        update["links"] = links
    return base.model_copy(update=update) if update else base


def extra_quads(res: Resolution, minter: Minter) -> list[ox.Quad]:
    """Quads from enrichment steps (topics, keyphrases, proposed artifacts) of every work."""
    try:
        from kg.topics.rdf import TopicError, topic_quads
    except ImportError:  # the topic step is optional
        return []
    papers = [merged_paper(res, k) for k in range(len(res.works))]
    iris = [work_iri(res, w, minter) for w in res.works]
    graphs = [minter.source_graph(res.sources[w.title_from.source].source.name) for w in res.works]
    try:
        return topic_quads(papers, iris, graphs, minter)
    except TopicError as e:
        raise BuildError(str(e)) from None


def source_quads(records: SourceRecords, build: BuildInfo, minter: Minter | None = None) -> list[ox.Quad]:
    """Every quad one source gives on its own (no other source): its mapping plus topics."""
    minter = minter or Minter()
    res = resolve([records])
    mapper = SourceMapper(res, 0, minter)
    return [*mapper.quads(build), *extra_quads(res, minter)]


def _map_into(scratch: ox.Store, res: Resolution, minter: Minter, aliases: object,
              infos: Sequence[BuildInfo], on_progress: Callable[[int], None] | None) -> list[ox.NamedNode]:
    """Map every source into ``scratch``, each as a named graph.  A triple an earlier graph has
    is not repeated, so the union of the graphs (what validation reads) has each triple once."""
    topic: dict[ox.NamedNode, list[ox.Quad]] = {}
    for q in extra_quads(res, minter):
        topic.setdefault(q.graph_name, []).append(q)  # type: ignore[arg-type]
    graphs: list[ox.NamedNode] = []

    def load(quads: Iterable[ox.Quad], first: bool) -> None:
        for batch in _batches(quads, BATCH_SIZE):
            if not first:  # the first graph cannot repeat an earlier one
                batch = [q for q in batch if q in scratch or not any(
                    scratch.quads_for_pattern(q.subject, q.predicate, q.object, None))]
            scratch.bulk_extend(batch)

    on_paper = (lambda: on_progress(1)) if on_progress else None
    for s, info in enumerate(infos):
        mapper = SourceMapper(res, s, minter, aliases)  # type: ignore[arg-type]
        graphs.append(mapper.graph)
        load(itertools.chain(mapper.quads(info, on_paper=on_paper), topic.pop(mapper.graph, [])), s == 0)
    log = list(resolution_quads(res, minter))
    if log:
        load(log, False)
        graphs.append(minter.resolution_graph())
    return graphs


def _batches(quads: Iterable[ox.Quad], size: int) -> Iterator[list[ox.Quad]]:
    it = iter(quads)
    while batch := list(itertools.islice(it, size)):
        yield batch


def reader_formats() -> list[str]:
    """The ``--format`` names of the installed readers."""
    return [r.format for r in readers()]


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


__all__ = ["BuildError", "BuildReport", "SourceReport", "build_sources", "change_sources", "file_sha256",
           "remove_sources", "store_counts", "vocabulary_fingerprint"]
_ = XSD  # re-exported name kept for callers of the old module
