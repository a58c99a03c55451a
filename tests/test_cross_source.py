"""Five sources, one graph: the bundled page plus a BibTeX file, an arXiv Atom answer, OpenAlex
works and DBLP records that share papers with it (tests/data/cross/).

Every expected number below is counted by hand from the fixture files (the comments say how),
never taken from the code under test: distinct papers and people, the full author lists that
replace the page's truncated ones, Chuhan Wu's co-author counts before and after, the one
position conflict, and the one near-duplicate title.  Then `kg remove` of a source must give
byte for byte the graph built without it, and `kg add` must restore the original.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AS_OF, SEED

import kg
from kg.builder import build_sources, remove_sources
from kg.doctor import diagnose
from kg.rdf.namespaces import KG, ONTOLOGY_GRAPH
from kg.store import KGStore

DATA = Path(__file__).resolve().parent / "data" / "cross"
FILES = ["chuhan-wu.bib", "arxiv.atom", "openalex.jsonl", "dblp.xml"]
EPOCH = "1790000000"
B = "https://w3id.org/scholarly-kg/id/"

# Works the other sources share with the page (page index: title), and what they bring:
#   #45 Fastformer          bib + atom + openalex + dblp   full list of 5 (atom's, first in precedence)
#   #44 Smart Bird          atom                            full list of 7
#   #0  LLM4Rec survey      atom                            full list of 14, Chuhan Wu confirmed at 8
#   #4  FairVFL             bib                             full list of 9
#   #46 Is News Rec ...     openalex (2022 vs 2021: years within one)   full list of 5
#   #47 Personalized News   dblp (CoRR 2021)                full list of 4
#   #49 HieRec              bib (2 visible + "others")      the page's 3 stay; position 2 conflicts
# New works: NRMS (bib + dblp, same DOI) and the 2023 TOIS version of #47 (openalex; two years
# from the page's 2021, so a separate work that kg doctor lists as a near-duplicate title).
PAPERS = 50 + 2
# New people (not among the page's 54 names): Xing Xie, Binxing Jiao, Daxin Jiang, Bo Chen,
# Hao Zhang, Yong Liu, Xiangyang Li, Chenxu Zhu, Huifeng Guo, Yong Yu, Weinan Zhang, Tong Xu,
# Hao Liao, Zhongliang Yang, Chenliang Li, Suyu Ge.  Lingjuan Lyu, Weiwen Liu, Ruiming Tang and
# Yongfeng Huang are the page's (a shared work or a shared co-author, Chuhan Wu).
PEOPLE = 54 + 16
# Chuhan Wu's joint papers gained, per co-author (one line per work above):
GAINED = {
    # Fastformer: Yongfeng Huang, Xing Xie.  Smart Bird: Binxing Jiao, Daxin Jiang, Yongfeng, Xing.
    # Survey: Weiwen Liu, Bo Chen, Hao Zhang, Yong Liu, Xiangyang Li, Chenxu Zhu, Huifeng Guo,
    #   Yong Yu, Ruiming Tang, Weinan Zhang.  FairVFL: Lingjuan Lyu, Tong Xu, Hao Liao,
    #   Zhongliang Yang, Yongfeng, Xing.  Is News Rec: Chenliang Li, Yongfeng.  #47: Xing.
    #   NRMS: Fangzhao Wu, Suyu Ge, Tao Qi, Yongfeng, Xing.  TOIS #47: Fangzhao, Yongfeng, Xing.
    "Yongfeng Huang": 6, "Xing Xie": 6, "Fangzhao Wu": 2, "Tao Qi": 1, "Binxing Jiao": 1,
    "Daxin Jiang": 1, "Weiwen Liu": 1, "Bo Chen": 1, "Hao Zhang": 1, "Yong Liu": 1, "Xiangyang Li": 1,
    "Chenxu Zhu": 1, "Huifeng Guo": 1, "Yong Yu": 1, "Ruiming Tang": 1, "Weinan Zhang": 1,
    "Lingjuan Lyu": 1, "Tong Xu": 1, "Hao Liao": 1, "Zhongliang Yang": 1, "Chenliang Li": 1, "Suyu Ge": 1,
}


def _sources(tmp: Path) -> list[Path]:
    out = []
    for name in FILES:
        shutil.copy(DATA / name, tmp / name)
        out.append(tmp / name)
    return out


def _nquads(store: KGStore) -> list[str]:
    return sorted(str(q) for q in store.quads())


def _coauthors(store: KGStore) -> dict[str, int]:
    rows = kg.query.run(store, "coauthors", author="Chuhan Wu").rows
    return {r["name"]: int(r["papers"]) for r in rows}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[KGStore, KGStore, list[Path]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    tmp = tmp_path_factory.mktemp("cross")
    page = KGStore(tmp / "page")
    build_sources([SEED], store=page, as_of=AS_OF)
    merged = KGStore(tmp / "merged")
    build_sources([SEED], store=merged, as_of=AS_OF)
    files = _sources(tmp)
    kg.open(merged).add(files)  # the Python API's add
    yield page, merged, files
    mp.undo()


def test_distinct_papers_and_people(stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    page, merged, _ = stores
    assert kg.open(page).stats()["papers"] == 50 and kg.open(page).stats()["people"] == 54
    counts = kg.open(merged).stats()
    assert counts["papers"] == PAPERS and counts["people"] == PEOPLE


def _authors_of(store: KGStore, title: str) -> list[tuple[int | None, str]]:
    rows = store.query("""SELECT ?t ?pos ?name WHERE { ?p dcterms:title ?t ; kg:hasAuthorship ?a .
        ?a pro:isHeldBy ?who . ?who foaf:name ?name . OPTIONAL { ?a kg:position ?pos } }""",
                       substitutions={ox.Variable("t"): ox.Literal(title)})
    return sorted(((int(r["pos"].value) if r["pos"] else 0), r["name"].value) for r in rows)


def test_truncated_lists_get_their_full_authors(stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    page, merged, _ = stores
    survey = "How Can Recommender Systems Benefit from Large Language Models: A Survey"
    assert _authors_of(page, survey) == [(0, "Chuhan Wu"), (1, "Jianghao Lin"), (2, "Xinyi Dai"),
                                         (3, "Yunjia Xi")]  # 0: inferred, no position
    names = ["Jianghao Lin", "Xinyi Dai", "Yunjia Xi", "Weiwen Liu", "Bo Chen", "Hao Zhang", "Yong Liu",
             "Chuhan Wu", "Xiangyang Li", "Chenxu Zhu", "Huifeng Guo", "Yong Yu", "Ruiming Tang",
             "Weinan Zhang"]
    assert _authors_of(merged, survey) == list(enumerate(names, start=1))
    fair = "FairVFL: A Fair Vertical Federated Learning Framework with Contrastive Adversarial Learning"
    assert [n for _, n in _authors_of(merged, fair)] == [
        "Tao Qi", "Fangzhao Wu", "Chuhan Wu", "Lingjuan Lyu", "Tong Xu", "Hao Liao", "Zhongliang Yang",
        "Yongfeng Huang", "Xing Xie"]
    assert [n for _, n in _authors_of(merged, "Fastformer: Additive Attention Can Be All You Need")] == [
        "Chuhan Wu", "Fangzhao Wu", "Tao Qi", "Yongfeng Huang", "Xing Xie"]
    truncated = {r["t"].value for r in merged.query(
        "SELECT ?t WHERE { ?p kg:authorListTruncated true ; dcterms:title ?t }")}
    before = {r["t"].value for r in page.query(
        "SELECT ?t WHERE { ?p kg:authorListTruncated true ; dcterms:title ?t }")}
    assert len(before) == 47 and before - truncated == {
        survey, fair, "Fastformer: Additive Attention Can Be All You Need",
        "Smart Bird: Learnable Sparse Attention for Efficient and Effective Transformer",
        "Is News Recommendation a Sequential Recommendation Task?",
        "Personalized News Recommendation: Methods and Challenges"}
    assert truncated - before == set()


def test_chuhan_wus_coauthor_counts_rise_by_the_hand_count(
        stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    page, merged, _ = stores
    before, after = _coauthors(page), _coauthors(merged)
    expected = dict(before)
    for name, n in GAINED.items():
        expected[name] = expected.get(name, 0) + n
    assert after == expected
    assert after["Fangzhao Wu"] == 26 and after["Yongfeng Huang"] == 8 and after["Xing Xie"] == 6


def test_one_position_conflict_is_reported_with_both_sources(
        stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    _, merged, _ = stores
    diagnosis = diagnose(merged)
    assert [(c.rule, c.message) for c in diagnosis.conflicts] == [
        ("author-position", "position 2: 'Chuhan Wu' here, 'Fangzhao Wu' in the most complete list")]
    assert sorted(diagnosis.conflicts[0].records.split(" / ")) == ["chuhan-wu.bib:34", "chuhan-wu.txt:355"]
    [near] = diagnosis.titles
    assert near.ratio == 1.0 and sorted(y for _, _, y in near.papers) == [2021, 2023]
    assert diagnosis.people == []


def test_merge_decisions_are_queryable(stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    _, merged, _ = stores
    rows = kg.query.run(merged, "merge-decisions").rows
    by_rule: dict[str, set[str]] = {}
    for r in rows:
        if r["kind"] == "merged":
            by_rule.setdefault(r["rule"], set()).add(r["value"])
    assert by_rule["doi"] == {"10.18653/v1/d19-1671"}
    assert "2108.09084" in by_rule["arxiv-id"]
    assert "fastformer additive attention can be all you need" in by_rule["title-year"]
    assert "0000-0002-7777-1239" in by_rule["orcid"]  # Xing Xie 0001 (DBLP) = Xing Xie (OpenAlex)


def test_no_triple_is_in_two_graphs_and_every_kg_term_is_declared(
        stores: tuple[KGStore, KGStore, list[Path]]) -> None:
    _, merged, _ = stores
    seen: dict[str, str] = {}
    for q in merged.quads():
        t = str(ox.Triple(q.subject, q.predicate, q.object))
        assert seen.setdefault(t, q.graph_name.value) == q.graph_name.value, t
    declared = {q.subject.value for q in merged.quads(ONTOLOGY_GRAPH)}
    used = {t.value for q in merged.quads() if q.graph_name != ONTOLOGY_GRAPH
            for t in (q.predicate, q.object) if isinstance(t, ox.NamedNode) and t.value.startswith(str(KG))}
    assert used - declared == set()


def test_remove_gives_the_graph_built_without_the_source_and_add_restores_it(
        stores: tuple[KGStore, KGStore, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    _, merged, files = stores
    original = _nquads(merged)
    work = KGStore(tmp_path / "work")
    build_sources([SEED, *files], store=work, as_of=AS_OF)
    assert _nquads(work) == original  # one build of all five = the page, then kg add of four
    for gone in ("openalex.jsonl", "chuhan-wu.txt"):
        remove_sources([gone], store=work)
        without = KGStore(tmp_path / f"without-{gone}")
        build_sources([p for p in [SEED, *files] if p.name != gone], store=without, as_of=AS_OF)
        assert _nquads(work) == _nquads(without), gone
        build_sources([p for p in [SEED, *files] if p.name == gone], store=work, as_of=AS_OF)
        assert _nquads(work) == original, gone
