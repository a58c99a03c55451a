"""Which name mentions are one person.

A *mention* is one authorship of one record (or a profile's owner).  Units first:

* a mention with an ORCID, OpenAlex author id or DBLP person name is joined to every other
  mention carrying the same identifier, in any source;
* a mention without any is one person with the mentions of the same name key *in the same
  source* (a personal BibTeX file or an arXiv answer names each co-author one way), and for
  profile pages in *all* profile pages: the site they come from links each name to one
  person's page, so a name there is that site's identifier of the person.

Then units are joined by the alias table (``[[person]]`` entries of ``ontology/aliases.toml``),
by *the same normalised name on the same work* (the work clusters of :mod:`kg.resolve.works`),
and by *the same full name and a shared co-author* (a truncated profile page shows three
authors of a paper, a full list from arXiv twenty: the co-author the page shows on other
papers is the one the full list names, when both write with the same third person).  Never on
initials alone ("C. Wu" and "Chuhan Wu" stay two, and two "C. Wu" meet only on a shared work),
and never into a person with a different ORCID, OpenAlex id or DBLP homonym number: such a
union is refused and kept as a conflict for ``kg doctor``.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.models import Authorship, SourceRecords
from kg.names import fold, is_initials_only, name_key
from kg.resolve.works import Decision, Ref

#: (source, paper, authorship index); paper -1 is the profile's owner.
Mention = tuple[int, int, int]
OWNER = -1


@dataclass
class Person:
    """One resolved person."""

    mentions: list[Mention]
    orcids: set[str] = field(default_factory=set)
    openalex: set[str] = field(default_factory=set)
    dblp: set[str] = field(default_factory=set)
    alias: str | None = None   #: the alias entry's preferred name, when one applies
    name: str = ""             #: the preferred spelling (see :func:`resolve_people`)
    key: str = ""              #: name_key(name)
    names: list[str] = field(default_factory=list)  #: every spelling, preferred first
    iri_tail: tuple[str, ...] = ()  #: IRI segments after ``person/``


@dataclass(frozen=True)
class PersonAlias:
    name: str
    aliases: tuple[str, ...] = ()
    orcid: str | None = None


def _ids(a: Authorship) -> list[tuple[str, str]]:
    out = []
    if a.orcid:
        out.append(("orcid", a.orcid))
    if a.openalex_id:
        out.append(("openalex", a.openalex_id))
    if a.dblp_name:
        out.append(("dblp", fold(a.dblp_name)))
    return out


class _People:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}
        self.data: dict[object, Person] = {}
        self.decisions: list[Decision] = []

    def add(self, node: object, person: Person) -> None:
        if node not in self.parent:
            self.parent[node] = node
            self.data[node] = person

    def find(self, x: object) -> object:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: object, b: object, rule: str, value: str, refs: tuple[Ref, Ref]) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        pa, pb = self.data[ra], self.data[rb]
        for what, x, y in (("ORCIDs", pa.orcids, pb.orcids), ("OpenAlex ids", pa.openalex, pb.openalex),
                           ("DBLP persons", pa.dblp, pb.dblp)):
            if x and y and not x & y:
                self.decisions.append(Decision(rule, value, *refs, merged=False, message=(
                    f"different {what}: {', '.join(sorted(x))} / {', '.join(sorted(y))}")))
                return False
        keep, gone = sorted((ra, rb), key=repr)
        self.parent[gone] = keep
        pk, pg = self.data[keep], self.data.pop(gone)
        pk.mentions.extend(pg.mentions)
        pk.orcids |= pg.orcids
        pk.openalex |= pg.openalex
        pk.dblp |= pg.dblp
        pk.alias = pk.alias or pg.alias
        if refs[0] != refs[1] or rule != "name-in-source":
            self.decisions.append(Decision(rule, value, *refs))
        return True


@dataclass
class PeopleResolution:
    persons: list[Person]
    of: dict[Mention, int]  #: mention -> index into ``persons``
    decisions: list[Decision]


def authorship(sources: Sequence[SourceRecords], m: Mention) -> Authorship | None:
    s, p, j = m
    if p == OWNER:
        return None
    return sources[s].papers[p].authors[j]


def mention_name(sources: Sequence[SourceRecords], m: Mention) -> str:
    a = authorship(sources, m)
    if a is not None:
        return a.name
    profile = sources[m[0]].profile
    assert profile is not None
    return profile.name


def resolve_people(sources: Sequence[SourceRecords], works: Iterable[list[Ref]],
                   aliases: Sequence[PersonAlias] = ()) -> PeopleResolution:
    """Cluster every mention of every source into persons (see the module docstring)."""
    uf = _People()
    mentions: list[Mention] = []
    for s, rec in enumerate(sources):
        if rec.profile is not None:
            mentions.append((s, OWNER, 0))
        for i, p in enumerate(rec.papers):
            mentions.extend((s, i, j) for j in range(len(p.authors)))
    for m in mentions:
        a = authorship(sources, m)
        ids = _ids(a) if a is not None else []
        ref = Ref(m[0], max(m[1], 0))
        node: object = ("mention", m)
        uf.add(node, Person([m], {v for k, v in ids if k == "orcid"}, {v for k, v in ids if k == "openalex"},
                            {v for k, v in ids if k == "dblp"}))
        if not ids:
            scope: object = "profile-pages" if sources[m[0]].source.kind == "profile-page" else m[0]
            unit = ("name", scope, name_key(mention_name(sources, m)))
            uf.add(unit, Person([]))
            uf.union(unit, node, "name-in-source", unit[2], (ref, ref))
        for k, v in ids:
            uf.add((k, v), Person([]))
            uf.union((k, v), node, k, v, (ref, ref))
    # Alias entries join every mention of their names (and of their ORCID), in any source.
    by_key: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_key[name_key(mention_name(sources, m))].append(m)
    for entry in aliases:
        keys = sorted({name_key(n) for n in (entry.name, *entry.aliases)})
        anchor: object = ("alias", entry.name)
        uf.add(anchor, Person([], alias=entry.name))
        for k in keys:
            for m in by_key.get(k, ()):
                ref = Ref(m[0], max(m[1], 0))
                uf.union(anchor, ("mention", m), "alias", entry.name, (ref, ref))
        if entry.orcid and ("orcid", entry.orcid) in uf.parent:
            uf.union(anchor, ("orcid", entry.orcid), "alias", entry.name, (Ref(0, 0), Ref(0, 0)))
    # The same name key on the same work: one person (deterministic order: works, then names).
    for work in works:
        seen: dict[str, Mention] = {}
        for ref in work:
            for j, a in enumerate(sources[ref.source].papers[ref.paper].authors):
                m = (ref.source, ref.paper, j)
                first = seen.setdefault(a.name_key, m)
                if first != m and first[0] != m[0]:
                    uf.union(("mention", first), ("mention", m), "name-and-shared-work", a.name_key,
                             (Ref(first[0], first[1]), ref))
    _shared_coauthors(uf, sources, list(works), mentions)
    persons: list[Person] = []
    of: dict[Mention, int] = {}
    roots: dict[object, int] = {}
    for m in mentions:
        root = uf.find(("mention", m))
        if root not in roots:
            roots[root] = len(persons)
            persons.append(uf.data[root])
        of[m] = roots[root]
    for person in persons:
        person.mentions.sort()
        _name(person, sources)
    _iris(persons, sources)
    return PeopleResolution(persons, of, uf.decisions)


MAX_COAUTHOR_ROUNDS = 20


def _shared_coauthors(uf: _People, sources: Sequence[SourceRecords], works: list[list[Ref]],
                      mentions: list[Mention]) -> None:
    """Join people of the same full name who write with a common third person, to a fixed point."""
    for _ in range(MAX_COAUTHOR_ROUNDS):
        coauthors: dict[object, set[object]] = defaultdict(set)
        where: dict[object, Ref] = {}
        for work in works:
            roots = {uf.find(("mention", (r.source, r.paper, j)))
                     for r in work for j in range(len(sources[r.source].papers[r.paper].authors))}
            for r in work:
                for j in range(len(sources[r.source].papers[r.paper].authors)):
                    root = uf.find(("mention", (r.source, r.paper, j)))
                    coauthors[root] |= roots - {root}
                    where.setdefault(root, r)
        by_key: dict[str, list[object]] = defaultdict(list)
        for m in mentions:
            name = mention_name(sources, m)
            if is_initials_only(name):
                continue
            root = uf.find(("mention", m))
            key = name_key(name)
            if root not in by_key[key]:
                by_key[key].append(root)
        changed = False
        for key in sorted(by_key):
            group = sorted(by_key[key], key=repr)
            for a, b in itertools.combinations(group, 2):
                ra, rb = uf.find(a), uf.find(b)
                if ra == rb or not (coauthors[a] & coauthors[b]) - {a, b}:
                    continue
                left, right = where.get(a, Ref(0, 0)), where.get(b, Ref(0, 0))
                changed |= uf.union(a, b, "name-and-shared-coauthor", key, (left, right))
        if not changed:
            return


def _name(person: Person, sources: Sequence[SourceRecords]) -> None:
    """The preferred spelling: the alias entry's, else the most frequent, else the first seen."""
    counts = Counter(mention_name(sources, m) for m in person.mentions)
    order = list(dict.fromkeys(mention_name(sources, m) for m in person.mentions))
    preferred = person.alias or max(order, key=lambda n: (counts[n], -order.index(n)))
    person.name = preferred
    person.key = name_key(preferred)
    person.names = [preferred, *(n for n in order if n != preferred)]


def _iris(persons: list[Person], sources: Sequence[SourceRecords]) -> None:
    """``person/<name key>`` when no other person has that key; else an identifier says which."""
    from kg.names import iri_segment

    by_key: dict[str, list[Person]] = defaultdict(list)
    for p in persons:
        by_key[p.key].append(p)
    for key, group in by_key.items():
        seg = iri_segment(key)
        if len(group) == 1:
            group[0].iri_tail = (seg,)
            continue
        for p in group:
            if p.orcids:
                p.iri_tail = ("orcid", min(p.orcids))
            elif p.dblp:
                p.iri_tail = ("dblp", iri_segment(min(p.dblp)))
            elif p.openalex:
                p.iri_tail = ("openalex", min(p.openalex))
            else:
                first = min(sources[m[0]].source.name for m in p.mentions)
                p.iri_tail = (seg, "in", iri_segment(first))
