"""Map extractor records onto RDF (pyoxigraph quads), one source per named graph.

The model (see ``ontology/README.md``):

* paper      ``fabio:ResearchPaper``, ``schema:ScholarlyArticle``
* person     ``foaf:Person``, ``schema:Person``
* authorship ``pro:RoleInTime`` + ``kg:Authorship``, reified with ``kg:position`` (as in
  SemOpenAlex and dblp), plus the ``dcterms:creator`` shortcut
* category   arXiv ``skos:Concept`` (``ontology/arxiv-taxonomy.ttl``)
* org        ``org:Organization``, ``schema:Organization``
* code       ``schema:SoftwareSourceCode``; accounts ``foaf:OnlineAccount``
* profile    ``kg:ProfileSnapshot`` (a ``prov:Entity``): metrics observed on a date

Quads are produced one paper at a time so a build never holds a source's graph in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg._version import __version__
from kg.models import Link, Paper, ProfileRecords
from kg.names import iri_segment
from kg.rdf.aliases import AliasTable, default_aliases
from kg.rdf.iri import Minter, category_iri
from kg.rdf.namespaces import DCTERMS, FABIO, FOAF, KG, ORG, PRO, PROV, RDF, RDFS, SCHEMA, SKOS, SOFTWARE, XSD
from kg.taxonomy import category_for_code

PRISM_DOI = ox.NamedNode("http://prismstandard.org/namespaces/basic/2.0/doi")
TOOL = SOFTWARE[f"scholarly-kg/{__version__}"]


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


class ProfileMapper:
    """Turns one :class:`ProfileRecords` into quads in its source's named graph."""

    def __init__(self, records: ProfileRecords, minter: Minter | None = None,
                 aliases: AliasTable | None = None) -> None:
        self.records = records
        self.m = minter or Minter()
        self.aliases = aliases or default_aliases()
        self.graph = self.m.source_graph(records.source.name)
        self.profile_iri = self.m.profile(records.profile.name, records.profile.as_of.isoformat())
        self.owner_iri = self.m.person(records.profile.name)
        self._orgs_done: set[str] = set()
        self._accounts_done: set[str] = set()

    def _q(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: ox.Term) -> ox.Quad:
        return ox.Quad(s, p, o, self.graph)

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
        yield self._q(g, KG.capturedOn, _lit(self.records.profile.as_of))
        yield self._q(g, PROV.generatedAtTime, _lit(build.built_at))
        yield self._q(g, PROV.wasGeneratedBy, activity)
        yield self._q(activity, RDF.type, PROV.Activity)
        yield self._q(activity, PROV.endedAtTime, _lit(build.built_at))
        yield self._q(activity, PROV.wasAssociatedWith, TOOL)
        if build.vocabulary_sha256:
            yield self._q(activity, KG.vocabularySha256, _lit(build.vocabulary_sha256))
        yield self._q(TOOL, RDF.type, PROV.SoftwareAgent)
        yield self._q(TOOL, RDF.type, SCHEMA.SoftwareApplication)  # what schema:softwareVersion describes
        yield self._q(TOOL, RDFS.label, _lit(f"scholarly-kg {build.tool_version}"))
        yield self._q(TOOL, SCHEMA.softwareVersion, _lit(build.tool_version))

    def profile_quads(self) -> Iterator[ox.Quad]:
        p, s = self.records.profile, self.profile_iri
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
        yield from self._person(self.owner_iri, p.name)

    # -- entities ---------------------------------------------------------------------------

    def _person(self, iri: ox.NamedNode, name: str) -> Iterator[ox.Quad]:
        yield self._q(iri, RDF.type, FOAF.Person)
        yield self._q(iri, RDF.type, SCHEMA.Person)
        yield self._q(iri, FOAF.name, _lit(name))

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

    def paper_quads(self, paper: Paper) -> Iterator[ox.Quad]:
        s = self.m.paper(paper)
        yield self._q(s, RDF.type, FABIO.ResearchPaper)
        yield self._q(s, RDF.type, SCHEMA.ScholarlyArticle)
        yield self._q(s, DCTERMS.title, _lit(paper.title))
        yield self._q(s, KG.titleKey, _lit(paper.title_key))
        yield self._q(s, DCTERMS.issued, _lit(paper.published))
        yield self._q(s, FABIO.hasPublicationYear,
                      ox.Literal(f"{paper.published.year:04d}", datatype=XSD.gYear))
        yield self._q(s, KG.publicationYearInferred, _lit(paper.year_inferred))
        yield self._q(s, KG.hasCode, _lit(paper.has_code))
        yield self._q(s, KG.authorListTruncated, _lit(paper.author_list_truncated))
        yield self._q(s, PROV.wasDerivedFrom, self.profile_iri)
        if paper.abstract:
            yield self._q(s, DCTERMS.abstract, _lit(paper.abstract))
            if paper.abstract_text != paper.abstract:
                yield self._q(s, KG.abstractText, _lit(paper.abstract_text))
        if paper.arxiv_id:
            yield self._q(s, KG.arxivId, _lit(paper.arxiv_id))
            yield self._q(s, RDFS.seeAlso, ox.NamedNode(f"https://arxiv.org/abs/{paper.arxiv_id}"))
        if paper.doi:
            yield self._q(s, PRISM_DOI, _lit(paper.doi))
        for k, code in enumerate(paper.categories):
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
        for a in paper.authors:
            person = self.m.person(a.name)
            node = self.m.authorship(s, a.position, a.name)
            yield self._q(s, DCTERMS.creator, person)
            yield self._q(s, KG.hasAuthorship, node)
            yield self._q(node, RDF.type, PRO.RoleInTime)
            yield self._q(node, RDF.type, KG.Authorship)
            yield self._q(node, PRO.withRole, PRO.author)
            yield self._q(node, PRO.isHeldBy, person)
            yield self._q(node, PRO.relatesToDocument, s)
            yield self._q(node, KG.nameAsWritten, _lit(a.name))
            yield self._q(node, KG.authorshipEvidence, KG.inferredFromProfile if a.inferred else KG.visible)
            yield self._q(node, PROV.wasDerivedFrom, self.profile_iri)
            if a.position is not None:
                yield self._q(node, KG.position, _lit(a.position))
            yield from self._person(person, a.name)
        for link in paper.links:
            yield from self._link(s, link)

    def quads(self, build: BuildInfo) -> Iterator[ox.Quad]:
        """Every quad of the source: provenance, profile, then papers in page order."""
        yield from self.source_quads(build)
        yield from self.profile_quads()
        for paper in self.records.papers:
            yield from self.paper_quads(paper)


def paper_iri_segment(paper: Paper) -> str:
    """The last part of a paper's IRI (handy in tests and reports)."""
    return iri_segment(paper.title_key)
