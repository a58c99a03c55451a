"""Entity resolution across sources: records -> works and persons, with every decision kept.

The builder reads every source of a store, resolves them together and maps the result, so
the graph is a function of the *set* of sources: adding a source and removing it again gives
back the same graph, byte for byte.

For each work the records are ordered by source precedence (:data:`KIND_RANK`, then the file
name): the first record supplies the title, the first with a full date the date, the first
with an abstract the abstract, and so on; categories, links and identifiers are the union.
The author list comes from the most complete record (a full list before a truncated one, then
the longest): a full list fills what a truncated one hid, positions of the other records must
agree with it (a disagreement is a conflict naming both sources), and a profile owner hidden
in "et al." is confirmed, with a position, when the full list names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.models import Authorship, Paper, SourceRecords
from kg.resolve.people import OWNER, Mention, PeopleResolution, Person, PersonAlias, resolve_people
from kg.resolve.works import Decision, Ref, cluster_works

__all__ = ["KIND_RANK", "Conflict", "Decision", "Mention", "Person", "PersonAlias", "Ref", "Resolution",
           "Work", "order_sources", "resolve"]

#: Which kind of source describes a work best (lower first): arXiv's own metadata, then the
#: curated bibliographic databases, then hand-kept files, then profile pages.
KIND_RANK = {"arxiv-atom": 0, "openalex": 1, "dblp-xml": 2, "bibtex": 3, "profile-page": 4}


def order_sources(sources: Sequence[SourceRecords]) -> list[SourceRecords]:
    """Sources in precedence order (the order every other index here refers to)."""
    return sorted(sources, key=lambda r: (KIND_RANK[r.source.kind], r.source.name))


@dataclass(frozen=True)
class Conflict:
    """Something two sources say that cannot both be true; kept, reported, never guessed away."""

    rule: str
    message: str
    left: Ref
    right: Ref


@dataclass
class AuthorSlot:
    """One authorship of the resolved author list."""

    position: int | None      #: None: an inferred profile owner without position
    person: int               #: index into Resolution.people.persons
    mention: Mention          #: the mention that supplies the name as written (and its source)
    agreeing: list[Mention] = field(default_factory=list)  #: other records' mentions of this slot


@dataclass
class Work:
    """One resolved work: its records and which of them supplies what."""

    members: list[Ref]
    title_from: Ref
    date_from: Ref
    authors_from: Ref
    abstract_from: Ref | None
    venue_from: Ref | None
    categories: list[tuple[str, Ref]]  #: (category code, first record naming it), primary first
    truncated: bool
    has_code: bool
    arxiv_id: str | None
    doi: str | None
    slots: list[AuthorSlot]


@dataclass
class Resolution:
    sources: list[SourceRecords]
    works: list[Work]
    work_of: dict[Ref, int]
    people: PeopleResolution
    decisions: list[Decision]
    conflicts: list[Conflict]

    def paper(self, r: Ref) -> Paper:
        return self.sources[r.source].papers[r.paper]

    def person_of(self, m: Mention) -> Person:
        return self.people.persons[self.people.of[m]]

    def people_authorship(self, m: Mention) -> Authorship | None:
        """The authorship behind a mention (None for a profile's owner)."""
        return None if m[1] == OWNER else self.sources[m[0]].papers[m[1]].authors[m[2]]


def _author_rank(p: Paper, r: Ref) -> tuple[int, int, Ref]:
    visible = sum(1 for a in p.authors if not a.inferred)
    return (1 if p.author_list_truncated else 0, -visible, r)


def _work(res_sources: list[SourceRecords], refs: list[Ref], people: PeopleResolution,
          conflicts: list[Conflict]) -> Work:
    def paper(r: Ref) -> Paper:
        return res_sources[r.source].papers[r.paper]

    members = sorted(refs)
    rep = members[0]
    dated = [r for r in members if paper(r).published is not None]
    date_from = next((r for r in dated if not paper(r).year_inferred), dated[0] if dated else rep)
    authors_from = min(members, key=lambda r: _author_rank(paper(r), r))
    categories: list[tuple[str, Ref]] = []
    seen_iris: set[str] = set()
    from kg.taxonomy import category_for_code

    for r in members:
        for code in paper(r).categories:
            cat = category_for_code(code)
            ident = cat.iri if cat else f"code:{code}"
            if ident not in seen_iris:
                seen_iris.add(ident)
                categories.append((code, r))
    full = paper(authors_from)
    slots: list[AuthorSlot] = []
    by_position: dict[int, AuthorSlot] = {}
    for j, a in enumerate(full.authors):
        slot = AuthorSlot(a.position, people.of[(authors_from.source, authors_from.paper, j)],
                          (authors_from.source, authors_from.paper, j))
        slots.append(slot)
        if a.position is not None:
            by_position[a.position] = slot
    persons_listed = {s.person for s in slots}
    for r in members:
        if r == authors_from:
            continue
        for j, a in enumerate(paper(r).authors):
            m = (r.source, r.paper, j)
            person = people.of[m]
            if a.position is None:  # an inferred profile owner
                hit = next((s for s in slots if s.person == person), None)
                if hit is not None and hit.position is not None:
                    hit.agreeing.append(m)  # confirmed by the fuller list
                elif hit is None:
                    slots.append(AuthorSlot(None, person, m))
                    persons_listed.add(person)
                    if not full.author_list_truncated:
                        conflicts.append(Conflict("author-list", (
                            f"{a.name!r} is inferred as an author here, but the full author list "
                            "does not name them"), r, authors_from))
                continue
            slot = by_position.get(a.position)
            if slot is not None and slot.person == person:
                slot.agreeing.append(m)
            elif slot is None:
                conflicts.append(Conflict("author-position", (
                    f"position {a.position} ({a.name!r}) is beyond the most complete author list "
                    f"({len(by_position)} authors)"), r, authors_from))
            else:
                other = paper(authors_from).authors[slot.mention[2]].name
                what = (f"position {a.position}: {a.name!r} here, {other!r} in the most complete list"
                        if other != a.name else f"position {a.position}: {a.name!r} here is not the person "
                        "of that name in the most complete list (their identifiers differ)")
                conflicts.append(Conflict("author-position", what, r, authors_from))
    return Work(
        members=members, title_from=rep, date_from=date_from, authors_from=authors_from,
        abstract_from=next((r for r in members if paper(r).abstract), None),
        venue_from=next((r for r in members if paper(r).venue), None),
        categories=categories, truncated=full.author_list_truncated,
        has_code=any(paper(r).has_code for r in members),
        arxiv_id=next((paper(r).arxiv_id for r in members if paper(r).arxiv_id), None),
        doi=next((paper(r).doi for r in members if paper(r).doi), None),
        slots=slots)


def resolve(sources: Sequence[SourceRecords], aliases: Sequence[PersonAlias] = ()) -> Resolution:
    """Resolve the works and persons of ``sources`` (any order: they are put in precedence order)."""
    ordered = order_sources(sources)
    clusters, work_decisions = cluster_works(ordered)
    people = resolve_people(ordered, clusters, aliases)
    every = list(dict.fromkeys((*work_decisions, *people.decisions)))  # each once, in order
    conflicts: list[Conflict] = [Conflict(d.rule, d.message, d.left, d.right) for d in every if not d.merged]
    works: list[Work] = []
    work_of: dict[Ref, int] = {}
    for refs in clusters:
        for r in refs:
            work_of[r] = len(works)
        works.append(_work(ordered, refs, people, conflicts))
    decisions = [d for d in every if d.merged]
    return Resolution(ordered, works, work_of, people, decisions, conflicts)
