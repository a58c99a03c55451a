"""Entity resolution on hand-made records: every merge rule, and the merges that must not happen.

Records are written out here (no reader involved), so each case says exactly which evidence
the sources give; the expected people and works are counted by hand.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kg.builder import build_sources
from kg.doctor import diagnose
from kg.models import Authorship, Paper, SourceInfo, SourceRecords
from kg.rdf.iri import Minter
from kg.resolve import PersonAlias, resolve
from kg.store import KGStore


def src(name: str, kind: str, *papers: Paper) -> SourceRecords:
    return SourceRecords(source=SourceInfo(path=name, name=name, sha256=f"{abs(hash(name)):064x}"[:64],
                                           kind=kind), papers=list(papers))  # type: ignore[arg-type]


def paper(title: str, year: int, *names: str | Authorship, doi: str | None = None, arxiv: str | None = None,
          truncated: bool = False) -> Paper:
    authors = [a if isinstance(a, Authorship) else Authorship(name=a, position=k)
               for k, a in enumerate(names, start=1)]
    return Paper(title=title, year=year, authors=authors, doi=doi, arxiv_id=arxiv,
                 author_list_truncated=truncated)


def people(res, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The distinct persons (their IRI tails) any mention of ``name`` resolved to."""
    found = []
    for m, k in res.people.of.items():
        a = res.people_authorship(m)
        if a is not None and a.name == name and res.people.persons[k].iri_tail not in found:
            found.append(res.people.persons[k].iri_tail)
    return found


# -- works -----------------------------------------------------------------------------------


def test_works_merge_by_doi_then_arxiv_then_title_and_year_within_one() -> None:
    a = src("a.bib", "bibtex",
            paper("Graph Things", 2020, "Ann Able", doi="10.1/x"),
            paper("Other Things", 2021, "Ann Able", arxiv="2101.00001"),
            paper("Same Words, Here.", 2019, "Ann Able"),
            paper("Same Words Here", 2016, "Ann Able"))
    b = src("b.atom", "arxiv-atom",
            paper("Graph things (journal version)", 2021, "Ann Able", doi="10.1/X".lower()),
            paper("Other things, renamed", 2021, "Ann Able", arxiv="2101.00001"),
            paper("same words here", 2020, "Ann Able"))
    res = resolve([a, b])
    rules = sorted(d.rule for d in res.decisions if d.rule in {"doi", "arxiv-id", "title-year"})
    assert rules == ["arxiv-id", "doi", "title-year"]
    # 7 records: DOI pair, arXiv pair, 2019+2020 by title, 2016 alone (4 years away)
    assert len(res.works) == 4


def test_two_different_dois_or_arxiv_ids_never_merge_even_with_one_title() -> None:
    a = src("a.bib", "bibtex", paper("One Title", 2020, "Ann Able", doi="10.1/a"))
    b = src("b.bib", "bibtex", paper("One Title", 2020, "Ann Able", doi="10.1/b"),
            paper("Two Title", 2020, "Ann Able", arxiv="2001.00001"))
    c = src("c.atom", "arxiv-atom", paper("Two Title", 2020, "Ann Able", arxiv="2001.00002"))
    res = resolve([a, b, c])
    assert len(res.works) == 4
    assert sorted(c.rule for c in res.conflicts) == ["title-year", "title-year"]
    assert all("different" in c.message for c in res.conflicts)


# -- people ------------------------------------------------------------------------------------


def test_same_name_without_shared_work_or_coauthor_stays_two_people_and_doctor_lists_them() -> None:
    a = src("lab-a.bib", "bibtex", paper("Alpha", 2020, "Wei Zhang", "Ann Able"))
    b = src("lab-b.bib", "bibtex", paper("Beta", 2021, "Wei Zhang", "Bob Baker"))
    res = resolve([a, b])
    assert people(res, "Wei Zhang") == [("wei_zhang", "in", "lab-a.bib"), ("wei_zhang", "in", "lab-b.bib")]
    store = KGStore()
    _build(store, a, b)
    [dup] = diagnose(store).people
    assert dup.reason == "same name" and [p.iri.rsplit("/", 1)[-1] for p in dup.people] == ["lab-a.bib",
                                                                                            "lab-b.bib"]
    assert [p.sources for p in dup.people] == [("lab-a.bib",), ("lab-b.bib",)]


def test_same_name_on_a_shared_work_or_with_a_shared_coauthor_is_one_person() -> None:
    a = src("a.bib", "bibtex", paper("Alpha", 2020, "Wei Zhang", "Ann Able"),
            paper("Gamma", 2022, "Wei Zhang", "Cy Cole"))
    b = src("b.bib", "bibtex", paper("Alpha", 2020, "Wei Zhang", "Ann Able"))  # the same work
    # c's Cy Cole is a's (the same work Gamma); c's Wei Zhang writes with him on another paper
    c = src("c.bib", "bibtex", paper("Gamma", 2022, "Cy Cole"), paper("Delta", 2023, "Wei Zhang", "Cy Cole"))
    res = resolve([a, b, c])
    assert people(res, "Wei Zhang") == [("wei_zhang",)]
    rules = {d.rule for d in res.decisions}
    assert {"name-and-shared-work", "name-and-shared-coauthor"} <= rules


def test_initials_never_merge_with_a_full_name_nor_by_coauthor() -> None:
    a = src("a.bib", "bibtex", paper("Alpha", 2020, "C. Wu", "Ann Able"))
    b = src("b.atom", "arxiv-atom", paper("Alpha", 2020, "Chuhan Wu", "Ann Able"),
            paper("Beta", 2021, "Chen Wu", "Ann Able"))
    c = src("c.bib", "bibtex", paper("Gamma", 2021, "C. Wu", "Ann Able"))  # shares only a co-author
    res = resolve([a, b, c])
    assert len(people(res, "Chuhan Wu")) == len(people(res, "Chen Wu")) == 1
    assert people(res, "Chuhan Wu") != people(res, "Chen Wu")   # same surname and initial: two people
    assert len(people(res, "C. Wu")) == 2  # initials: not even with each other through a co-author
    assert all(t not in people(res, "C. Wu") for t in people(res, "Chuhan Wu"))
    store = KGStore()
    _build(store, a, b, c)
    reasons = [d.reason for d in diagnose(store).people]
    assert reasons.count("initials") == 1 and reasons.count("same name") == 1


def test_two_dblp_homonyms_stay_two_even_through_a_name_only_source() -> None:
    def d(name: str, pos: int, orcid: str | None = None) -> Authorship:
        return Authorship(name=name.rsplit(" ", 1)[0] if name[-4:].isdigit() else name, position=pos,
                          dblp_name=name, orcid=orcid)

    dblp = src("dblp.xml", "dblp-xml",
               Paper(title="One", year=2020, authors=[d("Wei Li 0002", 1), d("Ann Able", 2)]),
               Paper(title="Two", year=2021, authors=[d("Wei Li 0005", 1), d("Ann Able", 2)]),
               Paper(title="Both", year=2022, authors=[d("Wei Li 0002", 1), d("Wei Li 0005", 2)]))
    # A page writes both as plain "Wei Li" (one name, one person on a profile site)
    page = src("page.bib", "bibtex", paper("One", 2020, "Wei Li", "Ann Able"),
               paper("Two", 2021, "Wei Li", "Ann Able"))
    res = resolve([dblp, page])
    assert sorted(people(res, "Wei Li")) == [("dblp", "wei_li_0002"), ("dblp", "wei_li_0005")]
    refused = [c for c in res.conflicts if "DBLP" in c.message]
    assert refused and all("wei li 0002" in c.message and "wei li 0005" in c.message for c in refused)
    assert any(c.rule == "author-position" and "is not the person of that name" in c.message
               for c in res.conflicts)


def test_orcid_alias_and_openalex_ids_merge_different_spellings() -> None:
    a = src("a.json", "openalex", Paper(title="Alpha", year=2020, authors=[
        Authorship(name="Chuhan Wu", position=1, orcid="0000-0001-5730-8792")]))
    b = src("b.json", "openalex", Paper(title="Beta", year=2021, authors=[
        Authorship(name="Wu Chuhan", position=1, orcid="0000-0001-5730-8792", openalex_id="A1")]))
    c = src("c.json", "openalex", Paper(title="Gamma", year=2022, authors=[
        Authorship(name="C. H. Wu", position=1, openalex_id="A1")]))
    d = src("d.bib", "bibtex", paper("Delta", 2023, "Chu-han Wu"))
    res = resolve([a, b, c, d], [PersonAlias("Chuhan Wu", ("Chu-han Wu",))])
    tails = {res.people.persons[k].iri_tail for k in res.people.of.values()}
    assert tails == {("chuhan_wu",)}
    person = res.people.persons[0]
    assert person.name == "Chuhan Wu" and person.orcids == {"0000-0001-5730-8792"}
    assert sorted(person.names) == sorted(["Chuhan Wu", "Wu Chuhan", "C. H. Wu", "Chu-han Wu"])
    # two different ORCIDs are two people, whatever the name
    e = src("e.json", "openalex", Paper(title="Eps", year=2020, authors=[
        Authorship(name="Chuhan Wu", position=1, orcid="0000-0002-2138-3018")]))
    assert len(people(resolve([a, e]), "Chuhan Wu")) == 2


def test_a_fuller_list_confirms_the_inferred_owner_and_disagreeing_positions_are_conflicts() -> None:
    page_paper = Paper(title="Alpha", year=2020, author_list_truncated=True, authors=[
        Authorship(name="Ann Able", position=1), Authorship(name="Bob Baker", position=2),
        Authorship(name="Cy Cole", inferred=True)])
    page = src("page.bib", "bibtex", page_paper)
    full = src("full.atom", "arxiv-atom", paper("Alpha", 2020, "Ann Able", "Dee Dunn", "Eve Earl", "Cy Cole"))
    res = resolve([page, full])
    [work] = res.works
    assert not work.truncated and [s.position for s in work.slots] == [1, 2, 3, 4]
    assert [c.message for c in res.conflicts] == ["position 2: 'Bob Baker' here, 'Dee Dunn' in the most "
                                                  "complete list"]
    store = KGStore()
    _build(store, page, full)
    rows = list(store.query(
        "SELECT ?pos WHERE { ?a kg:nameAsWritten 'Cy Cole' . OPTIONAL { ?a kg:position ?pos } }"))
    assert [int(r["pos"].value) for r in rows] == [4]  # confirmed, with its position; no inferred node


def _build(store: KGStore, *sources: SourceRecords) -> None:
    """Build hand-made records through the real builder (reading is the only step skipped)."""
    import kg.builder as b

    by_name = {s.source.name: s for s in sources}
    real = b._read
    b._read = lambda inp, strict: by_name[inp.name]  # type: ignore[assignment]
    store.archive.put = lambda src, sha: None  # type: ignore[method-assign]  (no file to copy)
    try:
        build_sources([s.source.name for s in sources], store=store, as_of=dt.date(2026, 1, 1))
    finally:
        b._read = real


@pytest.mark.parametrize("order", [0, 1])
def test_resolution_does_not_depend_on_the_order_of_sources(order: int) -> None:
    a = src("a.bib", "bibtex", paper("Alpha", 2020, "Wei Zhang", "Ann Able"))
    b = src("b.atom", "arxiv-atom", paper("Alpha", 2020, "Wei Zhang", "Ann Able", "Bob Baker"))
    sources = [a, b] if order == 0 else [b, a]
    res = resolve(sources)
    assert [s.source.name for s in res.sources] == ["b.atom", "a.bib"]
    assert Minter().person_tail(res.people.persons[0].iri_tail).value.endswith("person/wei_zhang")
