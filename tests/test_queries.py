"""The SPARQL query library answers exactly what plain Python computes from the records.

Every expectation below is computed from the extractor's records (``seed_records`` and a
second, small profile page written here) without SPARQL; the queries must agree row for
row, in order, on Oxigraph, on rdflib, and through the VALUES-block path used for endpoints.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AS_OF, OWNER, SEED

import kg.query as kq
from kg.builder import build_sources
from kg.extract import read_profile
from kg.models import ProfileRecords
from kg.names import name_key
from kg.query.remote import with_values
from kg.rdf.aliases import default_aliases
from kg.rdf.iri import Minter
from kg.store import KGStore
from kg.taxonomy import category_for_code

M = Minter()

# A second researcher's page: cross-listed papers (fused codes), people outside the seed's
# ego network (paths of 3 steps to its owner), a recurring team, a tencent-ai repository.
SECOND_PAGE = """Tina Bridge

IR
h-index3
4papers
120citations
Novelty40%
AI Score20

4 Papers

IRLGJan 5, 2025Code
Bridging Retrieval and Learning for Sparse Graphs

Tina Bridge, Sam Stranger

We bridge retrieval and learning on sparse graphs. Code: https://github.com/TencentAILab/sparse-bridge.

IRMar 3, 2025
Federated News Recommendation Revisited

Tao Qi, Tina Bridge, Wei Newman et al. · tencent-ai

We revisit federated news recommendation.

CLJun 10, 2024
Tokenizers for Small Languages

Tina Bridge, Sam Stranger, Wei Newman

We study tokenizers for small languages.

CLAIFeb 2, 2024
Agents That Read Tokenizers

Wei Newman, Sam Stranger, Tina Bridge et al.

Agents that read tokenizers.

LGApr 21, 2022
FedCL: Federated Contrastive Learning for Privacy-Preserving Recommendation

Chuhan Wu, Fangzhao Wu, Tao Qi et al. · tencent-ai

The same paper as on the seed page: both pages list it, so its triples are in two graphs."""

# A third page, one step further out: Zed Far is 4 co-author steps from Yuxin Jiang.
THIRD_PAGE = """Zed Far

CL
h-index1
1papers
3citations
Novelty10%
AI Score5

1 Papers

CLOct 1, 2025
Far Away Tokenizers

Zed Far, Sam Stranger

Far away."""


# -- an independent model of the records (plain Python) ----------------------------------------


@dataclass
class P:
    iri: str
    title: str
    issued: dt.date
    categories: list[str]
    org: str | None
    code: bool
    truncated: bool
    year_inferred: bool
    authors: list[tuple[str, int | None]]  # (person IRI, position)
    repos: list[tuple[str, str, str, str]] = field(default_factory=list)  # (iri, owner/name, url, account)
    accounts: list[str] = field(default_factory=list)  # mentioned account IRIs

    @property
    def people(self) -> set[str]:
        return {a for a, _ in self.authors}


@dataclass
class World:
    papers: dict[str, P]
    names: dict[str, str]  # person IRI -> name

    def of(self, person: str) -> list[P]:
        return [p for p in self.papers.values() if person in p.people]

    def coauthors(self, person: str) -> dict[str, list[P]]:
        out: dict[str, list[P]] = defaultdict(list)
        for p in self.of(person):
            for c in p.people - {person}:
                out[c].append(p)
        return out


def notation(code: str) -> str:
    cat = category_for_code(code)
    return cat.notation if cat else code


def world(*records: ProfileRecords) -> World:
    papers: dict[str, P] = {}
    names: dict[str, str] = {}
    for rec in records:
        for paper in rec.papers:
            iri = M.paper(paper).value
            authors = [(M.person(a.name).value, a.position) for a in paper.authors]
            for a in paper.authors:
                names.setdefault(M.person(a.name).value, a.name)
            repos = [
                (M.repository(li).value, f"{li.owner}/{li.name}", li.url, M.account(li.host, li.owner).value)
                for li in paper.links
                if li.kind == "repository"
            ]
            accounts = [M.account(li.host, li.owner).value for li in paper.links if li.kind == "account"]
            if iri in papers:  # the same paper on two pages: the graph holds the union of authors
                known = papers[iri].people
                papers[iri].authors += [(who, pos) for who, pos in authors if who not in known]
                continue
            papers[iri] = P(
                iri,
                paper.title,
                paper.published,
                [notation(c) for c in paper.categories],
                paper.org,
                paper.has_code,
                paper.author_list_truncated,
                paper.year_inferred,
                authors,
                repos,
                accounts,
            )
    return World(papers, names)


def person(name: str) -> str:
    return M.person(name).value


ALIASES = default_aliases()


def account_org(account_iri: str) -> str | None:
    """The org slug owning an account IRI, from the alias table (not from the graph)."""
    for slug, alias in ALIASES.orgs.items():
        for acct in alias.accounts:
            host, owner = acct.split("/", 1)
            if M.account(host, owner).value == account_iri:
                return slug
    return None


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "tina-bridge.txt"
    path.write_text(SECOND_PAGE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def third_page(second_page: Path) -> Path:
    path = second_page.parent / "zed-far.txt"
    path.write_text(THIRD_PAGE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def second_records(second_page: Path) -> ProfileRecords:
    rec = read_profile(second_page, as_of=AS_OF)
    assert not rec.problems and len(rec.papers) == 5
    return rec


@pytest.fixture(scope="module")
def third_records(third_page: Path) -> ProfileRecords:
    rec = read_profile(third_page, as_of=AS_OF)
    assert not rec.problems and len(rec.papers) == 1
    return rec


@pytest.fixture(scope="module")
def seed_world(seed_records: ProfileRecords) -> World:
    return world(seed_records)


@pytest.fixture(scope="module")
def two_world(
    seed_records: ProfileRecords, second_records: ProfileRecords, third_records: ProfileRecords
) -> World:
    return world(seed_records, second_records, third_records)


@pytest.fixture(scope="module")
def two_store(second_page: Path, third_page: Path) -> KGStore:
    """The seed and two more pages, which share a paper and people with it."""
    store = KGStore()
    build_sources([SEED, second_page, third_page], store=store, as_of=AS_OF)
    return store


@pytest.fixture(scope="module")
def seed_rdflib(seed_memory_store: KGStore) -> kq.RdflibEngine:
    return kq.RdflibEngine.from_store(seed_memory_store)


@pytest.fixture(scope="module")
def two_rdflib(two_store: KGStore) -> kq.RdflibEngine:
    return kq.RdflibEngine.from_store(two_store)


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def seed_engine(request: pytest.FixtureRequest, seed_memory_store: KGStore, seed_rdflib) -> kq.Engine:
    return kq.OxigraphEngine(seed_memory_store) if request.param == "oxigraph" else seed_rdflib


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def two_engine(request: pytest.FixtureRequest, two_store: KGStore, two_rdflib) -> kq.Engine:
    return kq.OxigraphEngine(two_store) if request.param == "oxigraph" else two_rdflib


# -- the questions -----------------------------------------------------------------------------


def test_coauthors_of_the_owner(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    expected = []
    for c, ps in seed_world.coauthors(me).items():
        years = [p.issued.year for p in ps]
        expected.append(
            {
                "coauthor": c,
                "name": seed_world.names[c],
                "papers": len(ps),
                "first_year": min(years),
                "last_year": max(years),
                "truncated_papers": sum(p.truncated for p in ps),
            }
        )
    expected.sort(key=lambda r: (-r["papers"], r["name"], r["coauthor"]))
    rows = kq.run(seed_engine, "coauthors", author=OWNER).rows
    assert rows == expected
    assert len(rows) == 53  # 54 visible names on the page, the owner among them
    assert rows[0]["name"] == "Fangzhao Wu"


def test_joint_papers(seed_engine, seed_world: World) -> None:
    a, b = person(OWNER), person("Tao Qi")
    expected = sorted(
        (
            {
                "paper": p.iri,
                "title": p.title,
                "issued": p.issued,
                "category": p.categories[0],
                "truncated": p.truncated,
            }
            for p in seed_world.papers.values()
            if {a, b} <= p.people
        ),
        key=lambda r: (r["issued"], r["title"], r["paper"]),
    )
    rows = kq.run(seed_engine, "joint-papers", author="chuhan  WU", other=b).rows
    assert rows == expected and len(rows) == 14


def test_ego_network(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    co = seed_world.coauthors(me)
    expected = [
        {
            "hop": 1,
            "source": me,
            "source_name": OWNER,
            "target": c,
            "target_name": seed_world.names[c],
            "weight": len(ps),
        }
        for c, ps in co.items()
    ]
    for s, t in itertools.combinations(sorted(co), 2):
        w = sum(1 for p in seed_world.papers.values() if {s, t} <= p.people)
        if w:
            expected.append(
                {
                    "hop": 2,
                    "source": s,
                    "source_name": seed_world.names[s],
                    "target": t,
                    "target_name": seed_world.names[t],
                    "weight": w,
                }
            )
    expected.sort(
        key=lambda r: (r["hop"], -r["weight"], r["source_name"], r["target_name"], r["source"], r["target"])
    )
    assert kq.run(seed_engine, "ego-network", author=OWNER).rows == expected


def test_papers_per_year(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    first: dict[str, int] = {c: min(p.issued.year for p in ps) for c, ps in seed_world.coauthors(me).items()}
    by_year: dict[int, list[P]] = defaultdict(list)
    for p in seed_world.of(me):
        by_year[p.issued.year].append(p)
    expected = [
        {
            "year": y,
            "papers": len(ps),
            "coauthors": len(set().union(*(p.people for p in ps)) - {me}),
            "new_coauthors": sum(1 for c in first.values() if c == y),
        }
        for y, ps in sorted(by_year.items())
    ]
    rows = kq.run(seed_engine, "papers-per-year", author=OWNER).rows
    assert rows == expected
    assert sum(r["papers"] for r in rows) == 50


def _org_involvement(w: World, p: P) -> dict[str, set[str]]:
    """{slug: {"tag"|"code"}} for one paper, from records and the alias table."""
    out: dict[str, set[str]] = defaultdict(set)
    if p.org:
        out[p.org].add("tag")
    for acct in [r[3] for r in p.repos] + p.accounts:
        slug = account_org(acct)
        if slug:
            out[slug].add("code")
    return out


def test_author_orgs(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    counts: dict[str, list[set[str]]] = defaultdict(lambda: [set(), set(), set()])
    for p in seed_world.of(me):
        for slug, how in _org_involvement(seed_world, p).items():
            counts[slug][0].add(p.iri)
            if "tag" in how:
                counts[slug][1].add(p.iri)
            if "code" in how:
                counts[slug][2].add(p.iri)
    expected = sorted(
        (
            {
                "org": M.org(s).value,
                "slug": s,
                "label": ALIASES.orgs[s].label,
                "papers": len(c[0]),
                "tagged_papers": len(c[1]),
                "code_papers": len(c[2]),
            }
            for s, c in counts.items()
        ),
        key=lambda r: (-r["papers"], r["label"], r["org"]),
    )
    rows = kq.run(seed_engine, "author-orgs", author=OWNER).rows
    assert rows == expected
    assert {r["slug"]: r["tagged_papers"] for r in rows}["tencent-ai"] == 8


@pytest.mark.parametrize(
    "org", ["tencent-ai", "Tencent AI Lab", "https://w3id.org/scholarly-kg/id/org/tencent-ai", "tencent"]
)
def test_org_papers(seed_engine, seed_world: World, org: str) -> None:
    slug = "tencent" if org == "tencent" else "tencent-ai"
    units = {s for s in ALIASES.orgs if slug in ALIASES.lineage(s)}  # the org and its units
    expected = []
    for p in seed_world.papers.values():
        if set(_org_involvement(seed_world, p)) & units:
            for who, pos in p.authors:
                expected.append(
                    {
                        "paper": p.iri,
                        "title": p.title,
                        "issued": p.issued,
                        "person": who,
                        "name": seed_world.names[who],
                        "position": pos,
                    }
                )
    expected.sort(
        key=lambda r: (
            r["issued"],
            r["title"],
            r["paper"],
            r["position"] is None,
            r["position"] or 0,
            r["name"],
            r["person"],
        )
    )
    rows = kq.run(seed_engine, "org-papers", org=org).rows
    assert rows == expected
    n_papers = len({r["paper"] for r in rows})
    assert n_papers == (8 if slug == "tencent-ai" else 11)  # 8 tagged; + 3 with github.com/Tencent repos


def test_author_topics(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    cell: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in seed_world.of(me):
        for k, n in enumerate(p.categories):
            cell[p.issued.year, n][0] += 1
            cell[p.issued.year, n][1] += k == 0
    expected = sorted(
        (
            {
                "year": y,
                "topic": category_for_code(n).iri,
                "notation": n,
                "label": category_for_code(n).label,
                "papers": c[0],
                "primary_papers": c[1],
            }
            for (y, n), c in cell.items()
        ),
        key=lambda r: (r["year"], -r["papers"], r["notation"]),
    )
    assert kq.run(seed_engine, "author-topics", author=OWNER).rows == expected


@pytest.mark.parametrize(
    "topic", ["cs.IR", "IR", "Information Retrieval", "https://w3id.org/scholarly-kg/arxiv/cs.IR"]
)
def test_coauthor_experts(seed_engine, seed_world: World, topic: str) -> None:
    me = person(OWNER)
    expected = []
    for c, joint in seed_world.coauthors(me).items():
        on_topic = [p for p in seed_world.of(c) if "cs.IR" in p.categories]
        if on_topic:
            expected.append(
                {
                    "coauthor": c,
                    "name": seed_world.names[c],
                    "topic_papers": len(on_topic),
                    "joint_papers": len(joint),
                    "last_year": max(p.issued.year for p in on_topic),
                }
            )
    expected.sort(key=lambda r: (-r["topic_papers"], -r["joint_papers"], r["name"], r["coauthor"]))
    assert kq.run(seed_engine, "coauthor-experts", author=OWNER, topic=topic).rows == expected


def test_suggested_collaborators(two_engine, two_world: World) -> None:
    me = person(OWNER)
    mine = {n for p in two_world.of(me) for n in p.categories}
    co = set(two_world.coauthors(me))
    stats: dict[str, list[set]] = defaultdict(lambda: [set(), set()])
    for p in two_world.papers.values():
        shared = mine & set(p.categories)
        for who in p.people - co - {me}:
            if shared:
                stats[who][0] |= shared
                stats[who][1].add(p.iri)
    expected = sorted(
        (
            {"person": w, "name": two_world.names[w], "shared_topics": len(s[0]), "papers": len(s[1])}
            for w, s in stats.items()
        ),
        key=lambda r: (-r["shared_topics"], -r["papers"], r["name"]),
    )
    rows = kq.run(two_engine, "suggested-collaborators", author=OWNER).rows
    assert rows == expected
    assert {r["name"] for r in rows} == {"Zed Far", "Sam Stranger", "Wei Newman"}  # Tina shares FedCL


def test_suggested_collaborators_empty_on_the_seed(seed_engine) -> None:
    # On one profile page everyone has written with its owner: nobody to suggest.
    assert kq.run(seed_engine, "suggested-collaborators", author=OWNER).rows == []


def test_brokerage(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    co = seed_world.coauthors(me)
    expected = []
    for a, b in itertools.combinations(sorted(co), 2):
        if not any({a, b} <= p.people for p in seed_world.papers.values()):
            expected.append(
                {
                    "a": a,
                    "a_name": seed_world.names[a],
                    "b": b,
                    "b_name": seed_world.names[b],
                    "a_papers": len(co[a]),
                    "b_papers": len(co[b]),
                }
            )
    expected.sort(key=lambda r: (-(r["a_papers"] + r["b_papers"]), r["a_name"], r["b_name"], r["a"], r["b"]))
    rows = kq.run(seed_engine, "brokerage", author=OWNER).rows
    assert rows == expected
    assert len(rows) == 1322  # of 53 * 52 / 2 = 1378 pairs, 56 wrote together


def test_recurring_teams(seed_engine, seed_world: World) -> None:
    teams: dict[tuple[str, str, str], list[P]] = defaultdict(list)
    for p in seed_world.papers.values():
        for trio in itertools.combinations(sorted(p.people), 3):
            teams[trio].append(p)
    expected = []
    for (m1, m2, m3), ps in teams.items():
        if len(ps) >= 2:
            years = [p.issued.year for p in ps]
            expected.append(
                {
                    "member1": m1,
                    "name1": seed_world.names[m1],
                    "member2": m2,
                    "name2": seed_world.names[m2],
                    "member3": m3,
                    "name3": seed_world.names[m3],
                    "papers": len(ps),
                    "first_year": min(years),
                    "last_year": max(years),
                }
            )
    expected.sort(key=lambda r: (-r["papers"], r["name1"], r["name2"], r["name3"]))
    rows = kq.run(seed_engine, "recurring-teams").rows
    assert rows == expected
    assert rows[0]["papers"] == 14 and {rows[0]["name1"], rows[0]["name2"], rows[0]["name3"]} == {
        "Chuhan Wu",
        "Fangzhao Wu",
        "Tao Qi",
    }


def test_papers_with_code(seed_engine, seed_world: World) -> None:
    expected = []
    for p in seed_world.papers.values():
        if p.code:
            for repo, name, url, _ in p.repos or [(None, None, None, None)]:
                expected.append(
                    {
                        "paper": p.iri,
                        "title": p.title,
                        "issued": p.issued,
                        "repository": repo,
                        "repository_name": name,
                        "url": url,
                    }
                )
    expected.sort(key=lambda r: (r["issued"], r["title"], r["paper"], r["repository"] or ""))
    rows = kq.run(seed_engine, "papers-with-code").rows
    assert rows == expected
    assert len({r["paper"] for r in rows}) == 7 and len({r["repository"] for r in rows} - {None}) == 6


def test_code_release(seed_engine, seed_world: World) -> None:
    me = person(OWNER)
    rows_exp = []
    for c, ps in seed_world.coauthors(me).items():
        rows_exp.append(("coauthor", c, seed_world.names[c], ps))
    by_org: dict[str, list[P]] = defaultdict(list)
    for p in seed_world.of(me):
        for slug in _org_involvement(seed_world, p):
            by_org[slug].append(p)
    for slug, ps in by_org.items():
        rows_exp.append(("organization", M.org(slug).value, ALIASES.orgs[slug].label, ps))
    expected = [
        {
            "kind": k,
            "who": w,
            "name": n,
            "papers": len(ps),
            "with_code": sum(p.code for p in ps),
            "code_pct": 100 * sum(p.code for p in ps) // len(ps),
        }
        for k, w, n, ps in rows_exp
    ]
    expected.sort(key=lambda r: (r["kind"], -r["papers"], -r["with_code"], r["name"], r["who"]))
    rows = kq.run(seed_engine, "code-release", author=OWNER).rows
    assert rows == expected
    assert {r["name"]: r["code_pct"] for r in rows if r["kind"] == "organization"} == {
        "Tencent": 100,
        "Tencent AI Lab": 0,
    }


def test_shared_code(seed_engine, seed_world: World) -> None:
    acc: dict[str, list[set[str]]] = defaultdict(lambda: [set(), set(), set()])
    for p in seed_world.papers.values():
        for repo, _, _, account in p.repos:
            acc[account][0].add(repo)
        for account in [r[3] for r in p.repos] + p.accounts:
            acc[account][1].add(p.iri)
            acc[account][2] |= p.people
    expected = sorted(
        (
            (
                account,
                ALIASES.orgs[s].label if (s := account_org(account)) else None,
                len(repos),
                len(papers),
                len(people),
            )
            for account, (repos, papers, people) in acc.items()
        ),
        key=lambda r: (-r[3], -r[4], -r[2], r[0]),
    )
    rows = kq.run(seed_engine, "shared-code").rows
    assert [
        (r["account"], r["org_label"], r["repositories"], r["papers"], r["people"]) for r in rows
    ] == expected
    assert (rows[0]["account_name"], rows[0]["url"]) == ("Tencent", "https://github.com/Tencent")
    assert len(rows) == 4  # 6 GitHub repositories under 3 owners, and one Hugging Face account


def test_cross_listed_and_category_pairs(two_engine, two_world: World) -> None:
    cross = sorted(
        (
            {"paper": p.iri, "title": p.title, "issued": p.issued, "primary": p.categories[0], "also": c}
            for p in two_world.papers.values()
            for c in p.categories[1:]
        ),
        key=lambda r: (r["issued"], r["title"], r["paper"], r["also"]),
    )
    assert kq.run(two_engine, "cross-listed").rows == cross
    assert [r["also"] for r in cross] == ["cs.AI", "cs.LG"]
    pairs: dict[tuple[str, str], list[P]] = defaultdict(list)
    for p in two_world.papers.values():
        for c1, c2 in itertools.combinations(sorted(p.categories), 2):
            pairs[c1, c2].append(p)
    expected = sorted(
        (
            {
                "category1": c1,
                "category2": c2,
                "papers": len(ps),
                "people": len(set().union(*(p.people for p in ps))),
            }
            for (c1, c2), ps in pairs.items()
        ),
        key=lambda r: (-r["papers"], r["category1"], r["category2"]),
    )
    assert kq.run(two_engine, "category-pairs").rows == expected


def test_cross_listing_absent_from_the_seed(seed_engine, seed_world: World) -> None:
    assert all(len(p.categories) == 1 for p in seed_world.papers.values())
    assert kq.run(seed_engine, "cross-listed").rows == [] == kq.run(seed_engine, "category-pairs").rows


def test_unknowns(seed_engine, seed_world: World) -> None:
    expected = sorted(
        (
            {
                "paper": p.iri,
                "title": p.title,
                "issued": p.issued,
                "truncated": p.truncated,
                "visible_authors": sum(pos is not None for _, pos in p.authors),
                "inferred_authors": sum(pos is None for _, pos in p.authors),
                "year_inferred": p.year_inferred,
            }
            for p in seed_world.papers.values()
            if p.truncated or p.year_inferred or any(pos is None for _, pos in p.authors)
        ),
        key=lambda r: (r["issued"], r["title"], r["paper"]),
    )
    rows = kq.run(seed_engine, "unknowns").rows
    assert rows == expected
    assert sum(r["inferred_authors"] for r in rows) == 17 and sum(r["truncated"] for r in rows) == 47


def _months_back(d: dt.date, months: int) -> dt.date:
    """The same day N months earlier, clamped to the end of a shorter month."""
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


@pytest.mark.parametrize(("as_of", "months"), [("2026-11-26", 12), ("2025-06-30", 6), ("2024-12-31", 1)])
def test_new_collaborators(seed_engine, seed_world: World, as_of: str, months: int) -> None:
    me, day = person(OWNER), dt.date.fromisoformat(as_of)
    cutoff = _months_back(day, months)
    expected = []
    for c, ps in seed_world.coauthors(me).items():
        first = min(p.issued for p in ps)
        if cutoff < first <= day:
            expected.append(
                {"coauthor": c, "name": seed_world.names[c], "first_joint": first, "papers": len(ps)}
            )
    expected.sort(key=lambda r: (-r["first_joint"].toordinal(), r["name"]))
    rows = kq.run(seed_engine, "new-collaborators", author=OWNER, as_of=as_of, months=months).rows
    assert rows == expected
    assert rows, "each window holds someone new"


def test_new_collaborators_default_window(seed_engine) -> None:
    explicit = kq.run(seed_engine, "new-collaborators", author=OWNER, as_of=AS_OF, months=12).rows
    assert kq.run(seed_engine, "new-collaborators", author=OWNER, as_of=AS_OF).rows == explicit


def test_most_collaborative(two_engine, two_world: World) -> None:
    expected = []
    for who, name in two_world.names.items():
        co = two_world.coauthors(who)
        joint = {p.iri: p for ps in co.values() for p in ps}
        if co:
            expected.append(
                {
                    "person": who,
                    "name": name,
                    "coauthors": len(co),
                    "papers": len(joint),
                    "truncated_papers": sum(p.truncated for p in joint.values()),
                }
            )
    expected.sort(key=lambda r: (-r["coauthors"], -r["papers"], r["name"], r["person"]))
    rows = kq.run(two_engine, "most-collaborative").rows
    assert rows == expected
    assert rows[0]["name"] == OWNER and rows[0]["coauthors"] == 54  # 53 on the seed page + Tina Bridge


# -- the library as a whole --------------------------------------------------------------------

MINE = sorted(n for n in kq.library() if not n.startswith("topic-"))


def test_library_has_the_eighteen_questions() -> None:
    assert len(MINE) >= 18
    for name in ("coauthors", "joint-papers", "org-papers"):
        assert name in MINE


@pytest.mark.parametrize("name", sorted(kq.library()))
def test_header_is_complete_and_matches_the_query(name: str, two_store: KGStore) -> None:
    from rdflib.plugins.sparql import prepareQuery

    q = kq.get_query(name)
    assert q.title and q.question, f"{name}: header needs a title and a question"
    prepareQuery(q.text)  # parses with no predeclared prefixes: the file declares its own
    for p in q.params:
        assert p.example, f"{name}: parameter {p.name} needs an example"
    result = kq.run(two_store, name, **q.example_params)
    if q.columns:
        assert result.columns == [c.name for c in q.columns]


@pytest.mark.parametrize("name", MINE)
def test_same_rows_on_oxigraph_rdflib_and_values_block(name: str, two_store: KGStore, two_rdflib) -> None:
    q = kq.get_query(name)
    ox_engine = kq.OxigraphEngine(two_store)
    bindings = kq.bind(q, q.example_params, ox_engine)
    native = ox_engine.select(q.text, bindings)
    assert native.rows == two_rdflib.select(q.text, bindings).rows
    # The endpoint path: parameters as a VALUES block, nothing bound by the engine.
    assert native.rows == ox_engine.select(with_values(q.text, bindings), {}).rows
    # people-by-metric needs an analysis stored by `kg analyze --write` (tests/test_analysis_cli.py).
    if name in MINE and name not in ("cross-listed", "category-pairs", "suggested-collaborators",
                                     "people-by-metric"):
        assert native.rows, f"{name}: the example answers something"


def test_rows_are_plain_python_values(two_store: KGStore) -> None:
    rows = kq.run(two_store, "joint-papers", author=OWNER, other="Tao Qi").rows
    assert {type(v) for r in rows for v in r.values()} == {str, dt.date, bool}
    rows = kq.run(two_store, "coauthors", author=OWNER).rows
    assert all(type(r["papers"]) is int for r in rows)


def test_limit_keeps_the_first_rows(seed_memory_store: KGStore) -> None:
    full = kq.run(seed_memory_store, "coauthors", author=OWNER).rows
    assert kq.run(seed_memory_store, "coauthors", author=OWNER, limit=5).rows == full[:5]


def test_run_on_a_store_folder_and_callable_module(seed_store: KGStore) -> None:
    assert seed_store.path is not None
    import kg

    by_path = kq.run(seed_store.path, "coauthors", author=OWNER).rows
    assert by_path == kq.run(seed_store, "coauthors", author=OWNER).rows
    assert kg.query(seed_store, "coauthors", author=OWNER).rows == by_path


def test_dataframe(seed_memory_store: KGStore) -> None:
    df = kq.run(seed_memory_store, "papers-per-year", author=OWNER).to_dataframe()
    assert list(df.columns) == ["year", "papers", "coauthors", "new_coauthors"]
    assert int(df["papers"].sum()) == 50


# -- parameters ---------------------------------------------------------------------------------


def test_person_error_lists_near_matches(seed_engine) -> None:
    with pytest.raises(kq.ParameterError, match=r"no person named 'Chuhan Wo'.*'Chuhan Wu'"):
        kq.run(seed_engine, "coauthors", author="Chuhan Wo")


def test_person_by_iri_and_unknown_iri(seed_engine) -> None:
    rows = kq.run(seed_engine, "coauthors", author=f"<{person(OWNER)}>").rows
    assert len(rows) == 53
    with pytest.raises(kq.ParameterError, match="no person with IRI"):
        kq.run(seed_engine, "coauthors", author="https://w3id.org/scholarly-kg/id/person/nobody")


def test_several_people_share_a_name_key(tmp_path: Path) -> None:
    # Two bases mint two IRIs for one name: the name alone is ambiguous, an IRI is not.
    store = KGStore()
    build_sources([SEED], store=store, as_of=AS_OF)
    build_sources([SEED], store=store, as_of=AS_OF, base_iri="https://example.org/other/", force=True)
    with pytest.raises(kq.ParameterError, match=r"2 persons match 'Tao Qi'"):
        kq.run(store, "coauthors", author="Tao Qi")
    assert kq.run(store, "coauthors", author="https://example.org/other/person/tao_qi").rows


def test_missing_unknown_and_malformed_parameters(seed_engine) -> None:
    with pytest.raises(kq.ParameterError, match="needs parameter 'author'"):
        kq.run(seed_engine, "coauthors")
    with pytest.raises(kq.ParameterError, match="has no parameter 'autor'"):
        kq.run(seed_engine, "coauthors", author=OWNER, autor=OWNER)
    with pytest.raises(kq.ParameterError, match="'soon' is not a date"):
        kq.run(seed_engine, "new-collaborators", author=OWNER, as_of="soon")
    with pytest.raises(kq.ParameterError, match="not an integer"):
        kq.run(seed_engine, "new-collaborators", author=OWNER, as_of=AS_OF, months="12; DROP ALL")
    with pytest.raises(kq.ParameterError, match="no organization"):
        kq.run(seed_engine, "org-papers", org="Tencnet AI")
    with pytest.raises(kq.ParameterError, match="no topic"):
        kq.run(seed_engine, "coauthor-experts", author=OWNER, topic="Quantum Gravity Retrieval")


def test_unknown_query_name_suggests() -> None:
    with pytest.raises(kq.QueryFileError, match="did you mean coauthors"):
        kq.get_query("coauthorz")


def test_bad_header_is_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.rq"
    f.write_text("# title: x\n# param: who | human | Ann\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(kq.QueryFileError, match=r"bad.rq:2: parameter 'who' has unknown type 'human'"):
        kq.load_query(f)


# -- injection ---------------------------------------------------------------------------------

HOSTILE_NAMES = [
    'Wu" } UNION { ?s ?p ?o } #',
    "Wu' } UNION { ?s ?p ?o } #",
    'Chuhan Wu"@en . ?s ?p ?o . FILTER("a"="a',
    'Wu\\" } ; DROP ALL ; #',
    'x"""\n} UNION { ?s ?p ?o }\n#',
]
HOSTILE_IRIS = [
    "https://w3id.org/scholarly-kg/id/person/chuhan_wu> } UNION { ?s ?p ?o } #",
    "<https://w3id.org/x> ?p ?o } ; DROP ALL ; { <a:b>",
    "https://w3id.org/x y",
    "https://w3id.org/scholarly-kg/id/person/chuhan_wu>",
]


def _nquads(store: KGStore) -> list[str]:
    return sorted(str(q) for q in store.ox)


@pytest.mark.parametrize("hostile", HOSTILE_NAMES + HOSTILE_IRIS)
def test_hostile_people_find_nobody_and_change_nothing(
    hostile: str, seed_memory_store: KGStore, seed_rdflib
) -> None:
    before = _nquads(seed_memory_store)
    for engine in (kq.OxigraphEngine(seed_memory_store), seed_rdflib):
        with pytest.raises(kq.ParameterError):
            kq.run(engine, "coauthors", author=hostile)
        with pytest.raises(kq.ParameterError):
            kq.run(engine, "org-papers", org=hostile)
        with pytest.raises(kq.ParameterError):
            kq.run(engine, "coauthor-experts", author=OWNER, topic=hostile)
    assert _nquads(seed_memory_store) == before


NAME_QUERY = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?name ?p WHERE { ?p foaf:name ?name } ORDER BY ?p"""
IRI_QUERY = """# param: who | iri | https://w3id.org/scholarly-kg/id/person/chuhan_wu
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?who ?name WHERE { ?who foaf:name ?name }"""


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_literals_are_bound_as_values(hostile: str, seed_memory_store: KGStore, seed_rdflib) -> None:
    before = _nquads(seed_memory_store)
    ox_engine = kq.OxigraphEngine(seed_memory_store)
    for engine in (ox_engine, seed_rdflib):
        assert kq.run(engine, NAME_QUERY, name=hostile).rows == []
    bindings = kq.bind(kq.parse_query(NAME_QUERY), {"name": hostile}, ox_engine)
    sent = with_values(NAME_QUERY, bindings)
    assert ox_engine.select(sent, {}).rows == []
    assert kq.run(ox_engine, NAME_QUERY, name=OWNER).rows == [{"p": person(OWNER)}]
    assert _nquads(seed_memory_store) == before


@pytest.mark.parametrize("hostile", HOSTILE_IRIS)
def test_hostile_iris_are_refused(hostile: str, seed_memory_store: KGStore, seed_rdflib) -> None:
    before = _nquads(seed_memory_store)
    for engine in (kq.OxigraphEngine(seed_memory_store), seed_rdflib):
        with pytest.raises(kq.ParameterError):
            kq.run(engine, IRI_QUERY, who=hostile)
    with pytest.raises(ValueError):
        with_values(IRI_QUERY, {"who": ox.NamedNode("https://ok.example/")} | {"who x": ox.Literal("y")})
    assert _nquads(seed_memory_store) == before


def test_values_block_placement_and_escaping() -> None:
    text = (
        "# a comment with { brace\nPREFIX ex: <http://ex.org/a#>\n"
        "SELECT ?name WHERE { ?p ex:name '{not here}' . FILTER(?x < ?y) ?p ex:n ?name }"
    )
    out = with_values(text, {"name": ox.Literal('a"} #\nb')})
    assert out.index("VALUES") > out.index("WHERE {")
    assert 'VALUES (?name) { ("a\\"} #\\nb") }' in out
    with pytest.raises(ValueError):
        with_values(text, {"bad name": ox.Literal("x")})
    marked = "SELECT ?n WHERE {\n  OPTIONAL {\n    #@values\n    ?p <urn:n> ?n }\n  # not #@values\n}"
    out = with_values(marked, {"n": ox.Literal("\\1 \\g<0>")})
    assert out.count('VALUES (?n) { ("\\\\1 \\\\g<0>") }') == 2 and "# not #@values" in out


def test_name_binding_agrees_with_python_for_any_text(seed_memory_store: KGStore, seed_world: World) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ox_engine = kq.OxigraphEngine(seed_memory_store)
    names = list(seed_world.names.values())

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.one_of(
            st.sampled_from(names),
            st.text(min_size=1, max_size=40),
            st.sampled_from(names).map(lambda n: n + '" } UNION { ?s ?p ?o } #'),
        )
    )
    def check(text: str) -> None:
        expected = sorted(p for p, n in seed_world.names.items() if n == text)
        bindings = {"name": ox.Literal(text)}
        assert [r["p"] for r in ox_engine.select(NAME_QUERY, bindings).rows] == expected
        assert [r["p"] for r in ox_engine.select(with_values(NAME_QUERY, bindings), {}).rows] == expected

    check()


def test_name_keys_resolve_like_the_extractor(seed_engine, seed_records: ProfileRecords) -> None:
    # Every name as written, in any case and spacing, resolves to the IRI minted for its key.
    from kg.query.params import resolve_person

    for a in {a.name: a for p in seed_records.papers for a in p.authors}.values():
        variant = "  ".join(a.name.upper().split())
        assert name_key(variant) == a.name_key
        assert resolve_person(seed_engine, variant).value == person(a.name)
