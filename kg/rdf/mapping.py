"""Map resolved records onto RDF (pyoxigraph quads), one source per named graph.

The model (see ``ontology/README.md``):

* paper      ``fabio:ResearchPaper``, ``schema:ScholarlyArticle``
* person     ``foaf:Person``, ``schema:Person`` (ORCID, OpenAlex and DBLP identifiers)
* authorship ``pro:RoleInTime`` + ``kg:Authorship``, reified with ``kg:position`` (as in
  SemOpenAlex and dblp), plus the ``dcterms:creator`` shortcut; affiliations with
  ``pro:relatesToOrganization``
* category   arXiv ``skos:Concept`` (``ontology/arxiv-taxonomy.ttl``); a source's own topics
  (OpenAlex) with ``kg:sourceTopic``
* org        ``org:Organization``, ``schema:Organization`` (ROR ids)
* code       ``schema:SoftwareSourceCode``; accounts ``foaf:OnlineAccount``
* profile    ``kg:ProfileSnapshot`` (a ``prov:Entity``): metrics observed on a date
* merges     ``kg:MergeDecision`` / ``kg:MergeConflict`` in the resolution graph

Which graph a fact goes in: the graph of the source record that supplies it
(:mod:`kg.resolve` decides: the title from the first record of a work, the authors from the
most complete one, ...).  Facts that several sources state alike (a person's type, an
organisation) are kept once, in the first source's graph (:mod:`kg.builder` drops the
repeats), so the union of the graphs never counts a triple twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg._version import __version__
from kg.models import Authorship, Link, OrgRef, Paper, SourceRecords, TopicRef
from kg.names import iri_segment, name_key
from kg.rdf.agents import software_agent_quads
from kg.rdf.aliases import AliasTable, default_aliases
from kg.rdf.iri import Minter, category_iri
from kg.rdf.namespaces import DCTERMS, FABIO, FOAF, KG, ORG, PRO, PROV, RDF, RDFS, SCHEMA, SKOS, SOFTWARE, XSD
from kg.resolve import Decision, Ref, Resolution, Work, resolve
from kg.resolve.people import OWNER, Mention
from kg.taxonomy import category_for_code

PRISM = "http://prismstandard.org/namespaces/basic/2.0/"
PRISM_DOI = ox.NamedNode(PRISM + "doi")
PRISM_PUBLICATION_NAME = ox.NamedNode(PRISM + "publicationName")
TOOL = SOFTWARE[f"scholarly-kg/{__version__}"]
TOPIC_SCHEMES = {"openalex-topic": "https://openalex.org/topics",
                 "openalex-concept": "https://openalex.org/concepts",
                 "openalex-keyword": "https://openalex.org/keywords"}


def _lit(value: object) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=XSD.dateTime)
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=XSD.date)
    return ox.Literal(str(value))


@dataclass(frozen=True)
class BuildInfo:
    """What PROV-O records about a build of one source."""

    built_at: dt.datetime
    tool_version: str = __version__
    #: SHA-256 of the ontology files and alias table the build used (None: not recorded).
    vocabulary_sha256: str | None = None


class SourceMapper:
    """Turns the facts one source supplies (after resolution) into quads in its named graph."""

    def __init__(self, resolution: Resolution, source: int, minter: Minter | None = None,
                 aliases: AliasTable | None = None) -> None:
        self.res = resolution
        self.s = source
        self.records: SourceRecords = resolution.sources[source]
        self.m = minter or Minter()
        self.aliases = aliases or default_aliases()
        self.graph = self.m.source_graph(self.records.source.name)
        profile = self.records.profile
        self.profile_iri = self.m.profile(profile.name, profile.as_of.isoformat()) if profile else None
        self.owner_iri = self.person_iri((source, OWNER, 0)) if profile else None
        #: what this source's papers are derived from: the profile snapshot, else the source graph
        self.derived_from = self.profile_iri or self.graph
        self._orgs_done: set[str] = set()
        self._accounts_done: set[str] = set()

    def _q(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(s, p, o, self.graph)

    # -- IRIs ---------------------------------------------------------------------------------

    def person_iri(self, mention: Mention) -> ox.NamedNode:
        return self.m.person_tail(self.res.person_of(mention).iri_tail)

    def work_iri(self, work: Work) -> ox.NamedNode:
        return work_iri(self.res, work, self.m)

    # -- the source and the profile ---------------------------------------------------------

    def source_quads(self, build: BuildInfo) -> Iterator[ox.Quad]:
        """PROV-O description of the source file and the build that read it."""
        src, g = self.records.source, self.graph
        activity = ox.NamedNode(g.value + "/build")
        yield self._q(g, RDF.type, PROV.Entity)
        yield self._q(g, RDF.type, KG.SourceGraph)
        yield self._q(g, DCTERMS.source, _lit(src.name))
        yield self._q(g, KG.sourceKind, _lit(src.kind))
        yield self._q(g, KG.sha256, _lit(src.sha256))
        if self.records.profile is not None:
            yield self._q(g, KG.capturedOn, _lit(self.records.profile.as_of))
        yield self._q(g, PROV.generatedAtTime, _lit(build.built_at))
        yield self._q(g, PROV.wasGeneratedBy, activity)
        yield self._q(activity, RDF.type, PROV.Activity)
        yield self._q(activity, PROV.endedAtTime, _lit(build.built_at))
        yield self._q(activity, PROV.wasAssociatedWith, TOOL)
        if build.vocabulary_sha256:
            yield self._q(activity, KG.vocabularySha256, _lit(build.vocabulary_sha256))
        version = build.tool_version
        yield from software_agent_quads(TOOL, f"scholarly-kg {version}", version, self.graph)

    def profile_quads(self) -> Iterator[ox.Quad]:
        p, s = self.records.profile, self.profile_iri
        if p is None or s is None or self.owner_iri is None:
            return
        yield self._q(s, RDF.type, KG.ProfileSnapshot)
        yield self._q(s, RDF.type, PROV.Entity)
        yield self._q(s, FOAF.primaryTopic, self.owner_iri)
        yield self._q(s, DCTERMS.date, _lit(p.as_of))
        yield self._q(s, PROV.wasDerivedFrom, self.graph)
        yield self._q(s, KG.listedPaperCount, _lit(p.papers_listed))
        for prop, value in ((KG.hIndex, p.h_index), (KG.citationCount, p.citations),
                            (KG.statedPaperCount, p.papers_stated), (KG.noveltyPercent, p.novelty_pct),
                            (KG.aiScore, p.ai_score)):
            if value is not None:
                yield self._q(s, prop, _lit(value))
        if p.primary_category:
            yield self._q(s, KG.primaryCategory, category_iri(p.primary_category, self.m))
        yield from self._person((self.s, OWNER, 0))

    # -- entities ---------------------------------------------------------------------------

    def _person(self, mention: Mention) -> Iterator[ox.Quad]:
        person = self.res.person_of(mention)
        iri = self.m.person_tail(person.iri_tail)
        yield self._q(iri, RDF.type, FOAF.Person)
        yield self._q(iri, RDF.type, SCHEMA.Person)
        yield self._q(iri, FOAF.name, _lit(person.name))
        for other in person.names[1:]:
            yield self._q(iri, SCHEMA.alternateName, _lit(other))
        for orcid in sorted(person.orcids):
            yield self._q(iri, KG.orcid, _lit(orcid))
            yield self._q(iri, SCHEMA.sameAs, ox.NamedNode(f"https://orcid.org/{orcid}"))
        for oa in sorted(person.openalex):
            yield self._q(iri, KG.openalexId, _lit(oa))
        a = self.res.people_authorship(mention)
        if a is not None and a.dblp_name:
            yield self._q(iri, KG.dblpName, _lit(a.dblp_name))

    def _org(self, slug: str) -> Iterator[ox.Quad]:
        for level in self.aliases.lineage(slug):
            if level in self._orgs_done:
                return
            self._orgs_done.add(level)
            iri = self.m.org(level)
            alias = self.aliases.orgs.get(level)
            yield self._q(iri, RDF.type, ORG.Organization)
            yield self._q(iri, RDF.type, SCHEMA.Organization)
            yield self._q(iri, DCTERMS.identifier, _lit(level))
            yield self._q(iri, RDFS.label, _lit(alias.label if alias else level))
            if alias and alias.homepage:
                yield self._q(iri, FOAF.homepage, ox.NamedNode(alias.homepage))
            if alias and alias.parent:
                yield self._q(iri, ORG.subOrganizationOf, self.m.org(alias.parent))

    def _affiliation(self, node: ox.NamedNode, ref: OrgRef) -> Iterator[ox.Quad]:
        iri, ident = self.m.affiliation(ref)
        yield self._q(node, PRO.relatesToOrganization, iri)
        yield self._q(iri, RDF.type, ORG.Organization)
        yield self._q(iri, RDF.type, SCHEMA.Organization)
        yield self._q(iri, DCTERMS.identifier, _lit(ident))
        yield self._q(iri, RDFS.label, _lit(ref.name))
        if ref.ror:
            yield self._q(iri, KG.ror, _lit(ref.ror))
            yield self._q(iri, SCHEMA.sameAs, ox.NamedNode(ref.ror))
        if ref.country:
            yield self._q(iri, SCHEMA.addressCountry, _lit(ref.country))

    def _account(self, host: str, owner: str) -> Iterator[ox.Quad]:
        iri = self.m.account(host, owner)
        if iri.value in self._accounts_done:
            return
        self._accounts_done.add(iri.value)
        yield self._q(iri, RDF.type, FOAF.OnlineAccount)
        yield self._q(iri, FOAF.accountName, _lit(owner))
        yield self._q(iri, FOAF.accountServiceHomepage, ox.NamedNode(f"https://{host}/"))
        yield self._q(iri, SCHEMA.url, ox.NamedNode(f"https://{host}/{owner}"))
        slug = self.aliases.account_owner(host, owner)
        if slug:
            yield from self._org(slug)
            yield self._q(self.m.org(slug), FOAF.account, iri)

    def _link(self, paper: ox.NamedNode, link: Link) -> Iterator[ox.Quad]:
        if link.kind == "repository":
            repo = self.m.repository(link)
            yield self._q(paper, KG.hasRepository, repo)
            yield self._q(repo, RDF.type, SCHEMA.SoftwareSourceCode)
            yield self._q(repo, SCHEMA.codeRepository, ox.NamedNode(link.url))
            yield self._q(repo, SCHEMA.name, _lit(f"{link.owner}/{link.name}"))
            assert link.owner
            yield self._q(repo, KG.account, self.m.account(link.host, link.owner))
            yield from self._account(link.host, link.owner)
        elif link.kind == "account":
            assert link.owner
            yield self._q(paper, KG.mentionsAccount, self.m.account(link.host, link.owner))
            yield from self._account(link.host, link.owner)
        else:
            yield self._q(paper, RDFS.seeAlso, ox.NamedNode(link.url))

    def _topic(self, paper: ox.NamedNode, topic: TopicRef) -> Iterator[ox.Quad]:
        concept = ox.NamedNode(topic.iri)
        yield self._q(paper, KG.sourceTopic, concept)
        yield self._q(concept, RDF.type, SKOS.Concept)
        yield self._q(concept, SKOS.prefLabel, ox.Literal(topic.label, language="en"))
        if topic.scheme in TOPIC_SCHEMES:
            yield self._q(concept, SKOS.inScheme, ox.NamedNode(TOPIC_SCHEMES[topic.scheme]))

    # -- works ------------------------------------------------------------------------------

    def _authorship(self, s: ox.NamedNode, position: int | None, mention: Mention,
                    a: Authorship) -> Iterator[ox.Quad]:
        person = self.person_iri(mention)
        node = self.m.authorship(s, position, a.name)
        yield self._q(s, DCTERMS.creator, person)
        yield self._q(s, KG.hasAuthorship, node)
        yield self._q(node, RDF.type, PRO.RoleInTime)
        yield self._q(node, RDF.type, KG.Authorship)
        yield self._q(node, PRO.withRole, PRO.author)
        yield self._q(node, PRO.isHeldBy, person)
        yield self._q(node, PRO.relatesToDocument, s)
        yield self._q(node, KG.nameAsWritten, _lit(a.name))
        yield self._q(node, KG.authorshipEvidence, KG.inferredFromProfile if a.inferred else KG.visible)
        yield self._q(node, PROV.wasDerivedFrom, self.derived_from)
        if position is not None:
            yield self._q(node, KG.position, _lit(position))
        for aff in a.affiliations:
            yield from self._affiliation(node, aff)
        yield from self._person(mention)

    def work_quads(self, work: Work, ref: Ref) -> Iterator[ox.Quad]:
        """The facts record ``ref`` (of this source) supplies about ``work``."""
        paper = self.res.paper(ref)
        s = self.work_iri(work)
        if ref == work.title_from:
            yield self._q(s, RDF.type, FABIO.ResearchPaper)
            yield self._q(s, RDF.type, SCHEMA.ScholarlyArticle)
            yield self._q(s, DCTERMS.title, _lit(paper.title))
            yield self._q(s, KG.titleKey, _lit(paper.title_key))
            yield self._q(s, KG.hasCode, _lit(work.has_code))
        if ref == work.date_from:
            if paper.published is not None:
                yield self._q(s, DCTERMS.issued, _lit(paper.published))
            yield self._q(s, FABIO.hasPublicationYear, ox.Literal(f"{paper.year:04d}", datatype=XSD.gYear))
            yield self._q(s, KG.publicationYearInferred, _lit(paper.year_inferred))
        if ref == work.authors_from:
            yield self._q(s, KG.authorListTruncated, _lit(work.truncated))
        yield self._q(s, PROV.wasDerivedFrom, self.derived_from)
        if ref == work.abstract_from:
            yield self._q(s, DCTERMS.abstract, _lit(paper.abstract))
            if paper.abstract_text != paper.abstract:
                yield self._q(s, KG.abstractText, _lit(paper.abstract_text))
        first_arxiv = next((r for r in work.members if self.res.paper(r).arxiv_id), None)
        if ref == first_arxiv and paper.arxiv_id:
            yield self._q(s, KG.arxivId, _lit(paper.arxiv_id))
            yield self._q(s, RDFS.seeAlso, ox.NamedNode(f"https://arxiv.org/abs/{paper.arxiv_id}"))
        first_doi = next((r for r in work.members if self.res.paper(r).doi), None)
        if ref == first_doi and paper.doi:
            yield self._q(s, PRISM_DOI, _lit(paper.doi))
        if ref == work.venue_from and paper.venue:
            yield self._q(s, PRISM_PUBLICATION_NAME, _lit(paper.venue))
        if paper.openalex_id:
            yield self._q(s, KG.openalexId, _lit(paper.openalex_id))
            yield self._q(s, RDFS.seeAlso, ox.NamedNode(f"https://openalex.org/{paper.openalex_id}"))
        if paper.dblp_key:
            yield self._q(s, KG.dblpKey, _lit(paper.dblp_key))
        for url in paper.urls:
            yield self._q(s, RDFS.seeAlso, ox.NamedNode(url))
        for k, (code, by) in enumerate(work.categories):
            if by != ref:
                continue
            concept = category_iri(code, self.m)
            yield self._q(s, DCTERMS.subject, concept)
            if k == 0:
                yield self._q(s, KG.primaryCategory, concept)
            if category_for_code(code) is None:
                yield self._q(concept, RDF.type, SKOS.Concept)
                yield self._q(concept, SKOS.notation, _lit(code))
                yield self._q(concept, KG.unknownCategoryCode, _lit(True))
        if paper.org:
            yield self._q(s, KG.organizationTag, self.m.org(paper.org))
            yield from self._org(paper.org)
        for slot in work.slots:
            src, p, j = slot.mention
            if Ref(src, p) == ref:
                yield from self._authorship(s, slot.position, slot.mention, paper.authors[j])
            for m in slot.agreeing:
                if Ref(m[0], m[1]) != ref:
                    continue
                node = self.m.authorship(s, slot.position, self.res.paper(Ref(src, p)).authors[j].name)
                yield self._q(node, PROV.wasDerivedFrom, self.derived_from)
                for aff in paper.authors[m[2]].affiliations:
                    yield from self._affiliation(node, aff)
                yield from self._person(m)
        for link in paper.links:
            yield from self._link(s, link)
        for topic in paper.topics:
            yield from self._topic(s, topic)

    def quads(self, build: BuildInfo, on_paper: Callable[[], None] | None = None) -> Iterator[ox.Quad]:
        """Every quad this source supplies: provenance, profile, then its records in order."""
        yield from self.source_quads(build)
        yield from self.profile_quads()
        for i in range(len(self.records.papers)):
            ref = Ref(self.s, i)
            yield from self.work_quads(self.res.works[self.res.work_of[ref]], ref)
            if on_paper:
                on_paper()


def work_iri(res: Resolution, work: Work, m: Minter) -> ox.NamedNode:
    """A work's IRI: by arXiv id, else DOI, else the first record's title key."""
    if work.arxiv_id:
        return m.paper_by("arxiv", work.arxiv_id.lower())
    if work.doi:
        return m.paper_by("doi", work.doi.lower())
    return m.paper_by("title", res.paper(work.title_from).title_key)


def _record_iri(res: Resolution, m: Minter, ref: Ref) -> ox.NamedNode:
    src = res.sources[ref.source].source
    return ox.NamedNode(f"{m.source_graph(src.name).value}/record/{ref.paper + 1}")


def resolution_quads(res: Resolution, m: Minter) -> Iterator[ox.Quad]:
    """The merge log: one ``kg:MergeDecision`` per union, one ``kg:MergeConflict`` per refusal."""
    g = m.resolution_graph()
    persons = res.people

    def q(s: ox.NamedNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(s, p, o, g)

    def entity(d: Decision) -> ox.NamedNode | None:
        if d.rule in {"doi", "arxiv-id", "title-year"}:
            return work_iri(res, res.works[res.work_of[d.left]], m)
        return None

    def record(ref: Ref) -> Iterator[ox.Quad]:
        node = _record_iri(res, m, ref)
        src = res.sources[ref.source]
        paper = src.papers[ref.paper] if ref.paper < len(src.papers) else None
        yield q(node, RDF.type, KG.SourceRecord)
        yield q(node, KG.inSource, m.source_graph(src.source.name))
        if paper is not None:
            yield q(node, KG.recordNumber, _lit(paper.record or ref.paper + 1))
            if paper.source_line:
                yield q(node, KG.sourceLine, _lit(paper.source_line))
            yield q(node, DCTERMS.title, _lit(paper.title))

    items: list[tuple[str, Decision | None, object]] = [("decision", d, None) for d in res.decisions]
    items += [("conflict", None, c) for c in res.conflicts]
    if not items:
        return
    yield q(g, RDF.type, KG.MergeLog)
    yield q(g, RDF.type, PROV.Entity)
    for kind, d, c in items:
        rule, value, left, right = ((d.rule, d.value, d.left, d.right) if d is not None
                                    else (c.rule, c.message, c.left, c.right))  # type: ignore[union-attr]
        digest = hashlib.sha256(f"{kind}\0{rule}\0{value}\0{left}\0{right}".encode()).hexdigest()[:20]
        node = ox.NamedNode(f"{g.value}/{kind}/{digest}")
        yield q(node, RDF.type, KG.MergeDecision if kind == "decision" else KG.MergeConflict)
        yield q(node, KG.rule, _lit(rule))
        yield q(node, KG.matchedValue if kind == "decision" else RDFS.comment, _lit(value))
        for ref in sorted({left, right}):
            yield q(node, KG.mergedRecord, _record_iri(res, m, ref))
            yield from record(ref)
        if d is not None:
            target = entity(d)
            if target is None:  # a person decision: the person of the mention with that name key
                target = _person_of_decision(res, m, d, persons)
            if target is not None:
                yield q(node, KG.resultingEntity, target)


def _person_of_decision(res: Resolution, m: Minter, d: Decision, persons: object) -> ox.NamedNode | None:
    key = name_key(d.value) if d.rule in {"name-and-shared-work", "alias"} else None
    for ref in (d.left, d.right):
        src = res.sources[ref.source]
        if ref.paper >= len(src.papers):
            continue
        for j, a in enumerate(src.papers[ref.paper].authors):
            ids = {a.orcid, a.openalex_id, (a.dblp_name or "").casefold() or None}
            if (key is not None and a.name_key == key) or d.value in ids or d.value.casefold() in ids:
                return m.person_tail(res.person_of((ref.source, ref.paper, j)).iri_tail)
    return None


class ProfileMapper(SourceMapper):
    """One profile page's records on their own (no other source): the mapping of a single source.

    >>> from kg.extract import read_profile  # doctest: +SKIP
    >>> quads = list(ProfileMapper(read_profile("page.txt")).quads(build))  # doctest: +SKIP
    """

    def __init__(self, records: SourceRecords, minter: Minter | None = None,
                 aliases: AliasTable | None = None) -> None:
        super().__init__(resolve([records]), 0, minter, aliases)

    def paper_quads(self, paper: Paper) -> Iterator[ox.Quad]:
        i = next(k for k, p in enumerate(self.records.papers) if p is paper or p == paper)
        ref = Ref(0, i)
        return self.work_quads(self.res.works[self.res.work_of[ref]], ref)


def paper_iri_segment(paper: Paper) -> str:
    """The last part of a paper's IRI (handy in tests and reports)."""
    return iri_segment(paper.title_key)
