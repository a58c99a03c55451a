"""The OpenAlex reader (kg.extract.openalex): the three layouts of the same works give the
same records field by field; bad records are reported at their line and skipped; the file
streams with bounded memory; hostile input never crashes it."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract.errors import ExtractionError
from kg.extract.openalex import (
    MAX_DEPTH,
    READER,
    _sniff,
    iter_openalex,
    openalex_id,
    plain_title,
    read_openalex,
)
from kg.extract.sources import detect, read_source
from kg.models import Authorship, Link, OrgRef, Paper, Problem, TopicRef

DATA = Path(__file__).parent / "data" / "openalex"
ROOT = Path(__file__).resolve().parent.parent
OA = "https://openalex.org/"

# ---------------------------------------------------------------------------------------------
# The expected records, written out by hand from the Work objects in make_fixtures.py.

TSINGHUA = OrgRef(name="Tsinghua University", ror="https://ror.org/03cve4549", openalex_id="I99065089",
                  country="CN")
MSRA = OrgRef(name="Microsoft Research Asia (China)", ror="https://ror.org/0300m5276",
              openalex_id="I4210113369", country="CN")
USTC = OrgRef(name="University of Science and Technology of China", ror="https://ror.org/04c4dkn09",
              openalex_id="I126520041", country="CN")
KYOTO_RAW = OrgRef(name="Kyoto University, Kyoto, Japan")  # OpenAlex matched no institution


def chuhan(p: int) -> Authorship:
    return Authorship(name="Chuhan Wu", position=p, orcid="0000-0001-5730-8792", openalex_id="A5101634210",
                      affiliations=[TSINGHUA])


def fangzhao(p: int) -> Authorship:
    return Authorship(name="Fangzhao Wu", position=p, orcid="0000-0001-9138-1862", openalex_id="A5043521880",
                      affiliations=[MSRA])


def tao(p: int) -> Authorship:
    return Authorship(name="Tao Qi", position=p, openalex_id="A5085347213", affiliations=[TSINGHUA])


def yongfeng(p: int) -> Authorship:
    return Authorship(name="Yongfeng Huang", position=p, orcid="0000-0003-2263-8710",
                      openalex_id="A5031873226", affiliations=[TSINGHUA])


def xing(p: int) -> Authorship:
    return Authorship(name="Xing Xie", position=p, orcid="0000-0002-8608-8482", openalex_id="A5047729571",
                      affiliations=[MSRA])


def topic(tid: str, label: str, score: float) -> TopicRef:
    return TopicRef(iri=OA + tid, label=label, scheme="openalex-topic", score=score)


def concept(cid: str, label: str, score: float) -> TopicRef:
    return TopicRef(iri=OA + cid, label=label, scheme="openalex-concept", score=score)


def keyword(slug: str, label: str, score: float) -> TopicRef:
    return TopicRef(iri=f"{OA}keywords/{slug}", label=label, scheme="openalex-keyword", score=score)


NLP = topic("T10181", "Natural Language Processing Techniques", 0.9987)
RECSYS = topic("T10203", "Recommender Systems and Techniques", 0.9995)
CS = concept("C41008148", "Computer science", 0.8123)
RECOMMENDER = concept("C557471498", "Recommender system", 0.7419)
AI = concept("C154945302", "Artificial intelligence", 0.4311)

FASTFORMER_ABSTRACT = (
    "Transformer is a powerful model for text understanding, but its complexity is quadratic in the input "
    "length. We propose Fastformer, an efficient Transformer based on additive attention: it first models "
    "global contexts with additive attention and then transforms each token by its interaction with them, "
    "which gives linear complexity. Experiments on five datasets show that Fastformer is much more efficient "
    "than many Transformer models and as effective in long text modeling. Code: "
    "https://github.com/wuch15/Fastformer.")
NRMS_ABSTRACT = (
    "News recommendation helps users find news they are interested in. We propose a neural news "
    "recommendation approach with multi-head self-attention (NRMS): the news encoder learns news "
    "representations from titles by modeling word interactions, and the user encoder learns user "
    "representations from browsed news, with additive attention to select important words and news. "
    "Experiments on a real-world dataset validate NRMS.")
PLMNR_ABSTRACT = (
    "Personalized news recommendation relies on modeling news texts, yet existing methods use shallow "
    "models. We propose PLM-NR, which empowers news recommendation with pre-trained language models, "
    "improving results on offline datasets and in online flight tests. Code is at "
    "https://github.com/wuch15/PLM4NewsRec")
FEDGNN_ABSTRACT = (
    "Graph neural networks model high-order user-item interactions for recommendation, but training them "
    "centrally on user data raises privacy concerns. We propose FedGNN, a federated framework that trains "
    "GNN models on local user-item graphs and uploads perturbed gradients protected by local differential "
    "privacy.")
SURVEY_ABSTRACT = (
    "Personalized news recommendation helps users find news of interest and improves reading experience. "
    "This survey reviews the key techniques: news modeling, user modeling, personalized ranking, training "
    "and evaluation, and discusses responsible recommendation (privacy, fairness and diversity).")


def expected(lines: list[int]) -> list[Paper]:
    """The six works, with the first line of each record in the file at hand."""
    return [
        Paper(
            title="Fastformer: Additive Attention Can Be All You Need", published=dt.date(2021, 8, 20),
            authors=[chuhan(1), fangzhao(2), tao(3), yongfeng(4), xing(5)],
            abstract=FASTFORMER_ABSTRACT, abstract_text=FASTFORMER_ABSTRACT,
            links=[Link(url="https://github.com/wuch15/Fastformer", kind="repository", host="github.com",
                        owner="wuch15", name="Fastformer")], has_code=True,
            # the DataCite DOI 10.48550/arxiv.2108.09084 is the arXiv id, not a DOI; v6 from a pdf_url
            arxiv_id="2108.09084", arxiv_version=6, doi=None, openalex_id="W3194729311",
            venue=None,  # arXiv is a repository: a host, not a venue
            work_type="preprint",
            topics=[NLP, topic("T10028", "Topic Modeling", 0.9921),
                    topic("T11307", "Domain Adaptation and Few-Shot Learning", 0.965),
                    CS, concept("C66322947", "Transformer", 0.6875), AI,
                    keyword("transformer", "Transformer", 0.61),
                    keyword("additive-attention", "Additive Attention", 0.55)],
            urls=["https://arxiv.org/abs/2108.09084", "https://doi.org/10.48550/arxiv.2108.09084"],
            source_line=lines[0], record=1),
        Paper(
            title="Neural News Recommendation with Multi-Head Self-Attention", published=dt.date(2019, 1, 1),
            authors=[chuhan(1), fangzhao(2),
                     Authorship(name="Suyu Ge", position=3, openalex_id="A5012589334",
                                affiliations=[TSINGHUA]),
                     tao(4), yongfeng(5), xing(6)],
            abstract=NRMS_ABSTRACT, abstract_text=NRMS_ABSTRACT,
            doi="10.18653/v1/d19-1671", openalex_id="W2970290486",
            venue="Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing "
                  "and the 9th International Joint Conference on Natural Language Processing (EMNLP-IJCNLP)",
            work_type="article",
            topics=[RECSYS, NLP, CS, RECOMMENDER, AI,
                    keyword("news-recommendation", "News Recommendation", 0.71)],
            urls=["https://doi.org/10.18653/v1/d19-1671", "https://aclanthology.org/D19-1671"],
            source_line=lines[1], record=2),
        Paper(
            title="Empowering News Recommendation with Pre-trained Language Models",
            published=dt.date(2021, 7, 11), authors=[chuhan(1), fangzhao(2), tao(3), yongfeng(4)],
            abstract=PLMNR_ABSTRACT, abstract_text=PLMNR_ABSTRACT,
            links=[Link(url="https://github.com/wuch15/PLM4NewsRec", kind="repository", host="github.com",
                        owner="wuch15", name="PLM4NewsRec")], has_code=True,
            arxiv_id="2104.07413", arxiv_version=None,  # from the arXiv location's landing page
            doi="10.1145/3404835.3463069", openalex_id="W3176937612",
            venue="Proceedings of the 44th International ACM SIGIR Conference on Research and Development in "
                  "Information Retrieval",
            work_type="article",
            topics=[RECSYS, NLP, CS, RECOMMENDER, keyword("language-model", "Language Model", 0.48)],
            urls=["https://doi.org/10.1145/3404835.3463069", "http://arxiv.org/abs/2104.07413"],
            source_line=lines[2], record=3),
        Paper(
            title="FedGNN: Federated Graph Neural Network for Privacy-Preserving Recommendation",
            published=dt.date(2021, 2, 9),
            authors=[chuhan(1), fangzhao(2),
                     Authorship(name="Yang Cao", position=3, orcid="0000-0003-0546-101X",
                                openalex_id="A5068912406", affiliations=[KYOTO_RAW]),
                     yongfeng(4), xing(5)],
            abstract=FEDGNN_ABSTRACT, abstract_text=FEDGNN_ABSTRACT,
            arxiv_id="2102.04925", doi=None, openalex_id="W3128960813", work_type="preprint",
            topics=[topic("T10764", "Privacy-Preserving Technologies in Data", 0.9998), RECSYS, CS,
                    RECOMMENDER,
                    concept("C2778455829", "Federated learning", 0.5902),
                    keyword("federated-learning", "Federated Learning", 0.66)],
            urls=["https://arxiv.org/abs/2102.04925"],
            source_line=lines[3], record=4),
        Paper(
            title="Neural News Recommendation with Long- and Short-term User Representations",
            published=dt.date(2019, 1, 1),
            authors=[Authorship(name="Mingxiao An", position=1, openalex_id="A5090011845",
                                affiliations=[USTC]),
                     fangzhao(2), chuhan(3),
                     Authorship(name="Kun Zhang", position=4, orcid="0000-0002-4071-3529",
                                openalex_id="A5017742239", affiliations=[USTC]),
                     Authorship(name="Zheng Liu", position=5, openalex_id="A5076602418", affiliations=[MSRA]),
                     xing(6)],
            abstract="", abstract_text="",  # abstract_inverted_index is null
            doi="10.18653/v1/p19-1033", openalex_id="W2949676527",
            venue="Proceedings of the 57th Annual Meeting of the Association for Computational Linguistics",
            work_type="article", topics=[RECSYS, CS, RECOMMENDER],
            urls=["https://doi.org/10.18653/v1/p19-1033"],
            source_line=lines[4], record=5),
        Paper(
            title="Personalized News Recommendation: Methods and Challenges", published=dt.date(2023, 1, 31),
            authors=[chuhan(1), fangzhao(2), yongfeng(3), xing(4)],
            abstract=SURVEY_ABSTRACT, abstract_text=SURVEY_ABSTRACT,
            arxiv_id="2106.08934", arxiv_version=3, doi="10.1145/3530257", openalex_id="W3169826011",
            venue="ACM Transactions on Information Systems", work_type="article",
            topics=[RECSYS, CS, RECOMMENDER, AI, keyword("news-recommendation", "News Recommendation", 0.74)],
            urls=["https://doi.org/10.1145/3530257", "https://arxiv.org/abs/2106.08934v3"],
            source_line=lines[5], record=6),
    ]


# works.json is json.dump(indent=2): "[" on line 1, each work's "{" on a line of its own.
FORMS = {
    "works.jsonl": [1, 2, 3, 4, 5, 6],
    "works.json": [2, 669, 1278, 1786, 2315, 2734],
    "page.json": [1, 1, 1, 1, 1, 1],  # the API's one-line page
}


def assert_same_papers(got: list[Paper], want: list[Paper]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.model_dump() == w.model_dump(), g.title


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_field_of_every_record(name: str) -> None:
    records = read_openalex(DATA / name)
    assert records.problems == []
    assert records.source.kind == "openalex"
    assert records.source.name == name
    assert records.profile is None
    assert_same_papers(records.papers, expected(FORMS[name]))


def test_pretty_printed_lines_are_the_lines_of_each_opening_brace() -> None:
    lines = (DATA / "works.json").read_text().splitlines()
    starts = [k for k, text in enumerate(lines, start=1) if text == "  {"]
    assert starts == FORMS["works.json"]


def test_fixtures_are_what_the_generator_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.render().items():
        assert (DATA / name).read_text(encoding="utf-8") == text, f"{name}: run make_fixtures.py"


@pytest.mark.parametrize("name,compressed", [
    ("works.jsonl.gz", "works.jsonl"), ("part_000.gz", "works.jsonl"), ("works.json.gz", "works.json"),
    ("page.json.gz", "page.json")])
def test_gzip_by_magic_bytes(tmp_path: Path, name: str, compressed: str) -> None:
    path = tmp_path / name  # snapshot files are called part_000.gz: no .jsonl in the name
    path.write_bytes(gzip.compress((DATA / compressed).read_bytes()))
    assert detect(path) is READER
    records = read_source(path)
    assert records.problems == []
    assert_same_papers(records.papers, expected(FORMS[compressed]))


@pytest.mark.parametrize("form", ["jsonl", "json"])
def test_truncated_gzip_keeps_the_works_before_the_damage(tmp_path: Path, form: str) -> None:
    rng = random.Random(7)  # incompressible abstracts, so the cut falls inside the works
    lines = []
    for k, work in enumerate(json.loads((DATA / "works.json").read_text()) * 5):
        work = dict(work, abstract_inverted_index={f"{rng.getrandbits(64):x}": [i] for i in range(400)})
        lines.append(json.dumps(dict(work, id=f"{OA}W{k + 1}")))
    text = "\n".join(lines) + "\n" if form == "jsonl" else "[" + ",\n".join(lines) + "]\n"
    data = gzip.compress(text.encode())  # the json form: a list with one work on each line
    path = tmp_path / "part_001.gz"
    path.write_bytes(data[: len(data) // 2])
    problems: list[Problem] = []
    papers = list(iter_openalex(path, problems))
    assert 0 < len(papers) < 30
    assert [p.record for p in papers] == list(range(1, len(papers) + 1))
    (problem,) = problems
    assert problem.skipped_block and problem.line == len(papers) + 1
    assert problem.message == (f"the gzip stream is damaged or truncated after line {len(papers)} "
                               "(Compressed file ended before the end-of-stream marker was reached); "
                               f"the {len(papers)} record(s) before it are kept")


# ---------------------------------------------------------------------------------------------
# Bad records: reported at their line, skipped, and the rest kept.

BAD_PROBLEMS = [
    (2, "error", True, "record 2 (W4200000002): no title (title and display_name are missing or blank); "
     "work skipped"),
    (3, "error", True, "record 3 (W4200000003): no authorships; work skipped"),
    (4, "error", True, "record 4 (W4200000004): no publication year (publication_date and publication_year "
     "are missing or invalid); work skipped"),
    (5, "error", True, "record 5: malformed JSON (Expecting ',' delimiter at column 62); work skipped"),
    (6, "warning", False, "invalid UTF-8 at byte 56 of the line read as U+FFFD"),
    (7, "error", True, "record 7 (W4200000007): the same author twice: 'Tao Qi' (authorship 1) and 'Tao Qi' "
     "(authorship 2); work skipped"),
    (8, "warning", False, "record 8 (W4200000008): authorship 2 (Fangzhao Wu) is marked author_position "
     "'last' but is author 2 of 3; the list order is kept"),
    (8, "warning", False, "record 8 (W4200000008): authorship 3 (Xing Xie) is marked author_position "
     "'middle' but is author 3 of 3; the list order is kept"),
    (9, "warning", False, "record 9 (W4200000009): authorship 1 (Chuhan Wu) ORCID "
     "'https://orcid.org/0000-0001-5730-8793' is not a valid ORCID iD (form or check digit); left out"),
    (9, "warning", False, "record 9 (W4200000009): authorship 1 institution 1 ROR 'https://ror.org/3cve4549' "
     "is not a ROR id; left out"),
    (9, "warning", False, "record 9 (W4200000009): authorship 1 institution 1 country_code 'China' is not an "
     "ISO 3166-1 alpha-2 code; left out"),
    (9, "warning", False, "record 9 (W4200000009): concept 1 score 1.7 is not a number from 0 to 1; "
     "left out"),
    (10, "error", True, "record 10 is an OpenAlex author (https://openalex.org/A5023888391), not a work; "
     "work skipped"),
    (11, "warning", False, "record 11 (W4200000011): publication_year 2020 differs from publication_date "
     "2021-03-01; the date is kept"),
    (13, "warning", False, "record 12 (W4200000013): 1 keyword(s) without an OpenAlex id (older format) "
     "left out"),
    (14, "warning", False, "control characters read as spaces"),
    (15, "error", True, "record 14 is a list, not a Work object; work skipped"),
]


def ada(title: str, line: int, record: int, wid: int, **fields: object) -> Paper:
    """One of bad.jsonl's one-author works (W42000000NN)."""
    return Paper(title=title, authors=[Authorship(name="Ada Lovelace", position=1)], work_type="article",
                 openalex_id=f"W42000000{wid:02d}", source_line=line, record=record,
                 **fields)  # type: ignore[arg-type]


def test_bad_records_are_reported_at_their_line_and_the_rest_kept() -> None:
    path = DATA / "bad.jsonl"
    records = read_openalex(path)
    got = [(p.line, p.severity, p.skipped_block, p.message) for p in records.problems]
    assert got == BAD_PROBLEMS
    assert all(p.file == str(path) for p in records.problems)
    inst = OrgRef(name="Tsinghua University", openalex_id="I99065089")  # bad ROR, country left out
    want = [
        ada("Notes on the Analytical Engine", 1, 1, 1, published=dt.date(1843, 9, 1)),
        ada("Caf\ufffd Society", 6, 6, 6, year=2021),
        Paper(title="Markers Out of Order", year=2021, work_type="article", openalex_id="W4200000008",
              authors=[Authorship(name="Chuhan Wu", position=1), Authorship(name="Fangzhao Wu", position=2),
                       Authorship(name="Xing Xie", position=3)], source_line=8, record=8),
        Paper(title="Damaged Identifiers", year=2022, work_type="article", openalex_id="W4200000009",
              authors=[Authorship(name="Chuhan Wu", position=1, openalex_id="A5101634210",
                                  affiliations=[inst])],
              topics=[TopicRef(iri=f"{OA}C41008148", label="Computer science", scheme="openalex-concept")],
              source_line=9, record=9),
        ada("Year and Date Disagree", 11, 11, 11, published=dt.date(2021, 3, 1)),
        ada("Old Keywords", 13, 12, 13, year=2023),  # line 12 is blank: no record
        ada("Control Title", 14, 13, 14, year=2023),
        ada("First on the Page", 16, 15, 16, year=2024),  # one API page on line 16
        ada("Second on the Page", 16, 16, 17, year=2024),
    ]
    assert_same_papers(records.papers, want)


def test_strict_mode_raises_on_any_problem() -> None:
    with pytest.raises(ExtractionError) as e:
        read_openalex(DATA / "bad.jsonl", strict=True)
    assert [(p.line, p.message) for p in e.value.problems] == [(p[0], p[3]) for p in BAD_PROBLEMS]
    assert str(e.value).splitlines()[0] == f"{DATA / 'bad.jsonl'}:2: error: {BAD_PROBLEMS[0][3]}"
    # a clean file is fine in strict mode
    assert len(read_openalex(DATA / "works.json", strict=True).papers) == 6


def _break(text: str, record_start: int, old: str, new: str) -> tuple[str, int]:
    """``text`` with the first ``old`` after line ``record_start`` replaced; and that line."""
    lines = text.split("\n")
    for k in range(record_start - 1, len(lines)):
        if old in lines[k]:
            lines[k] = lines[k].replace(old, new, 1)
            return "\n".join(lines), k + 1
    raise AssertionError(old)


def test_malformed_json_midway_keeps_the_works_before_it(tmp_path: Path) -> None:
    text, line = _break((DATA / "works.json").read_text(), FORMS["works.json"][3], '"title": ', '"title" ')
    path = tmp_path / "works.json"
    path.write_text(text)
    records = read_openalex(path)
    assert_same_papers(records.papers, expected(FORMS["works.json"])[:3])
    assert [(p.line, p.severity, p.skipped_block, p.message) for p in records.problems] == [
        (line, "error", True, "malformed JSON after record 3 (parse error: object key and value must be "
         "separated by a colon (':')); the rest of the file cannot be read; the 3 record(s) before it are "
         "kept")]


def test_malformed_page_midway(tmp_path: Path) -> None:
    text = (DATA / "page.json").read_text()
    cut = text.index('"id":"https://openalex.org/W3128960813"')  # the 4th result
    path = tmp_path / "page.json"
    path.write_text(text[:cut] + "oops" + text[cut:])
    records = read_openalex(path)
    assert [p.record for p in records.papers] == [1, 2, 3]
    (problem,) = records.problems
    assert problem.line == 1 and problem.skipped_block
    assert problem.message == ("malformed JSON after record 3 (lexical error: invalid char in json text.); "
                               "the rest of the file cannot be read; the 3 record(s) before it are kept")


def test_truncated_json_list(tmp_path: Path) -> None:
    text = (DATA / "works.json").read_text()
    lines = text.split("\n")
    path = tmp_path / "works.json"
    path.write_text("\n".join(lines[:1500]))  # ends inside the third work
    records = read_openalex(path)
    assert_same_papers(records.papers, expected(FORMS["works.json"])[:2])
    assert [(p.line, p.message) for p in records.problems] == [
        (1500, "the file ends inside record 3 or the list around it (parse error: premature EOF): is it "
         "truncated? the 2 record(s) before it are kept")]


def test_a_single_work_saved_from_the_api(tmp_path: Path) -> None:
    work = json.loads((DATA / "works.jsonl").read_text().splitlines()[2])
    path = tmp_path / "W3176937612.json"
    path.write_text(json.dumps(work, indent=4))
    records = read_openalex(path)
    assert records.problems == []
    assert_same_papers(records.papers, [expected([1] * 6)[2].model_copy(update={"record": 1})])


def test_an_empty_page_or_group_by_page_has_no_works(tmp_path: Path) -> None:
    path = tmp_path / "groups.json"
    path.write_text(json.dumps({"meta": {"count": 246136992, "db_response_time_ms": 12, "groups_count": 2},
                                "results": [], "group_by": [{"key": "article", "key_display_name": "article",
                                                             "count": 202814957}]}))
    assert detect(path) is READER
    records = read_openalex(path)
    assert records.papers == []
    assert [str(p) for p in records.problems] == [f"{path}:0: warning: no works in the file"]


def test_truncated_author_lists_and_author_positions(tmp_path: Path) -> None:
    """The API cuts authorships at 100 and says so: the list is kept as truncated, and the
    100th author is not expected to be 'last'."""
    people = [{"author_position": "first" if k == 0 else "middle",
               "author": {"id": f"{OA}A{5000000000 + k}", "display_name": f"Physicist Number{k}"}}
              for k in range(100)]
    work = {"id": f"{OA}W2168909179", "title": "A Big Collaboration", "publication_year": 2012,
            "authorships": people, "is_authors_truncated": True}
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(work) + "\n")
    records = read_openalex(path)
    assert records.problems == []
    (paper,) = records.papers
    assert paper.author_list_truncated
    assert [a.position for a in paper.authors] == list(range(1, 101))
    people[99]["author_position"] = "last"  # a truncated list cannot show its last author
    path.write_text(json.dumps(work) + "\n")
    assert [p.message for p in read_openalex(path).problems] == [
        "record 1 (W2168909179): authorship 100 (Physicist Number99) is marked author_position 'last' but is "
        "author 100 of 100 listed (list truncated); the list order is kept"]


def test_nameless_authorship_skips_the_work_rather_than_renumber(tmp_path: Path) -> None:
    work = {"id": f"{OA}W1", "title": "T", "publication_year": 2020,
            "authorships": [{"author": {"display_name": "A B"}}, {"author": {}, "raw_author_name": " "},
                            {"author": {"display_name": "C D"}}]}
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(work))
    records = read_openalex(path)
    assert records.papers == []
    assert [p.message for p in records.problems] == [
        "record 1 (W1): authorship 2 has no author name (author.display_name, raw_author_name); author "
        "positions would be wrong without it; work skipped"]


def test_raw_author_name_and_html_title(tmp_path: Path) -> None:
    work = {"id": f"{OA}W7", "display_name": "Imaging <i>in vivo</i> &amp; the <scp>k</scp>-NN Rule",
            "publication_date": "2020-02-30", "publication_year": 2020,
            "authorships": [{"author": None, "raw_author_name": "Wu,  Chuhan"}]}
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(work))
    records = read_openalex(path)
    (paper,) = records.papers
    assert paper.title == "Imaging in vivo & the k-NN Rule"
    assert paper.authors[0].name == "Wu, Chuhan"  # a raw name is kept as written
    assert paper.published is None and paper.year == 2020
    assert [p.message for p in records.problems] == [
        "record 1 (W7): publication_date '2020-02-30' is not a date (YYYY-MM-DD); left out"]


def test_arxiv_doi_is_an_arxiv_id_not_a_doi(tmp_path: Path) -> None:
    work = {"id": f"{OA}W9", "title": "T", "publication_year": 2023, "doi": "https://doi.org/10.48550/arXiv.2306.01234",
            "authorships": [{"author": {"display_name": "A B"}}],
            "locations": [{"landing_page_url": "https://arxiv.org/abs/2306.05678v2"}]}
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(work))
    records = read_openalex(path)
    (paper,) = records.papers
    assert (paper.doi, paper.arxiv_id, paper.arxiv_version) == (None, "2306.01234", None)
    assert [p.message for p in records.problems] == [
        "record 1 (W9): more than one arXiv id: 2306.01234 (doi) kept, 2306.05678 left out"]


def test_unreadable_files_raise(tmp_path: Path) -> None:
    cases = {"missing.jsonl": None, "empty.json": b"", "blank.jsonl": b" \n\n",
             "text.json": b"hello world", "xml.json": b"<?xml version='1.0'?><dblp/>",
             "broken.gz": b"\x1f\x8b\x08\x00garbage", "empty.gz": gzip.compress(b"")}
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(ExtractionError) as e:
            read_openalex(path)
        (problem,) = e.value.problems
        assert problem.line == 0 and problem.file == str(path), name
    assert "cannot read the file" in str(read_error(tmp_path / "missing.jsonl"))


def read_error(path: Path) -> ExtractionError:
    try:
        read_openalex(path)
    except ExtractionError as e:
        return e
    raise AssertionError(path)


# ---------------------------------------------------------------------------------------------
# Sniffing and the registry.


def test_detect_picks_openalex_and_only_for_openalex() -> None:
    for name in FORMS:
        assert detect(DATA / name) is READER
    assert detect(DATA / "bad.jsonl") is READER
    assert detect(ROOT / "examples" / "profiles" / "chuhan-wu.txt").format == "profile"
    assert not _sniff((ROOT / "examples" / "profiles" / "chuhan-wu.txt").read_bytes()[:65536])


@pytest.mark.parametrize("head", [
    b"@article{wu2021fastformer,\n  title={Fastformer},\n}",
    b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2108.09084v6'
    b'</id></entry></feed>',
    b'<?xml version="1.0"?>\n<dblp><article key="journals/corr/abs-2108-09084"></article></dblp>',
    b"Chuhan Wu\n\nIR\nCLIRMar 5, 2024\nA title\n",
    b'{"name": "not openalex", "id": 7}',
    b'[{"id": "https://openalex.org/A5023888391", "display_name": "an author list"}]',
    b"",
])
def test_sniff_rejects_other_formats(head: bytes) -> None:
    assert not _sniff(head)


def test_sniff_reads_json_forms_and_gzip() -> None:
    for name in FORMS:
        head = (DATA / name).read_bytes()[:65536]
        assert _sniff(head)
        assert _sniff(gzip.compress((DATA / name).read_bytes())[:65536])
    assert _sniff(b'\xef\xbb\xbf  {"meta": {"count": 0, "db_response_time_ms": 3}, "results": []}')
    assert not _sniff(b"\x1f\x8bnot really gzip")


# ---------------------------------------------------------------------------------------------
# Streaming: bounded memory on a big generated file.


def _work(i: int) -> dict[str, object]:
    """A generated work of about 11 KB, most of it what real works carry and the reader skips
    (150 referenced works, related works, counts by year) plus a 200-word abstract."""
    return {"id": f"{OA}W{4000000000 + i}", "doi": f"https://doi.org/10.1145/{i}",
            "title": f"Neural news recommendation study number {i}", "publication_year": 2000 + i % 25,
            "type": "article",
            "primary_location": {"landing_page_url": f"https://doi.org/10.1145/{i}",
                                 "source": {"display_name": "Proceedings of SIGIR", "type": "conference"}},
            "authorships": [{"author_position": pos,
                             "author": {"id": f"{OA}A{5000000000 + (3 * i + k) % 40000}",
                                        "display_name": f"Author Number{(3 * i + k) % 40000}"},
                             "institutions": [{"id": f"{OA}I99065089", "display_name": "Tsinghua University",
                                               "ror": "https://ror.org/03cve4549", "country_code": "CN"}]}
                            for k, pos in enumerate(("first", "middle", "last"))],
            "abstract_inverted_index": {f"w{i % 97}x{k}": [k] for k in range(200)},
            "referenced_works": [f"{OA}W{2000000000 + (7 * i + k) % 900000}" for k in range(150)],
            "related_works": [f"{OA}W{3000000000 + (11 * i + k) % 900000}" for k in range(20)],
            "concepts": [{"id": f"{OA}C41008148", "display_name": "Computer science", "level": 0,
                          "score": 0.5}],
            "counts_by_year": [{"year": 2000 + y, "cited_by_count": y} for y in range(12)]}


@pytest.mark.parametrize("form", ["jsonl", "json"])
def test_big_file_streams_with_bounded_memory(tmp_path: Path, form: str) -> None:
    """Tens of MB, read with a tracemalloc peak a fraction of the file.  tracemalloc makes
    the allocation-heavy parse several times slower, so the file has fewer, fatter (realistic)
    records rather than 20,000 small ones: the test stays a few seconds."""
    n = 2_000
    path = tmp_path / f"big.{form}"
    with path.open("w") as f:
        if form == "jsonl":
            for i in range(n):
                f.write(json.dumps(_work(i)) + "\n")
        else:  # an API-page-shaped file, all on one line
            f.write(f'{{"meta": {{"count": {n}}}, "results": [')
            f.write(",".join(json.dumps(_work(i)) for i in range(n)))
            f.write("]}")
    size = path.stat().st_size
    assert size > 20_000_000
    problems: list[Problem] = []
    tracemalloc.start()
    try:
        count = 0
        last = None
        for paper in iter_openalex(path, problems):
            count += 1
            last = paper
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problems == []
    assert count == n and last is not None and last.record == n
    assert last.source_line == (n if form == "jsonl" else 1)
    assert peak < size / 5, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


# ---------------------------------------------------------------------------------------------
# Hostile input.


def _read_bytes(data: bytes, suffix: str) -> None:
    fd, name = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            records = read_openalex(name)
        except ExtractionError as e:
            assert e.problems
        else:
            assert all(isinstance(p, Paper) for p in records.papers)
    finally:
        os.unlink(name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from([".json", ".jsonl", ".gz"]))
def test_random_bytes_never_crash(data: bytes, suffix: str) -> None:
    _read_bytes(data, suffix)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=5000))
def test_damage_anywhere_in_a_real_file_never_crashes(noise: bytes, at: int) -> None:
    data = (DATA / "works.jsonl").read_bytes()
    _read_bytes(data[:at] + noise + data[at:], ".jsonl")
    pretty = (DATA / "works.json").read_bytes()
    _read_bytes(pretty[:at * 10] + noise + pretty[at * 10:], ".json")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
WORK_FIELDS = ["id", "doi", "title", "display_name", "publication_year", "publication_date", "type", "ids",
               "primary_location", "locations", "best_oa_location", "authorships", "is_authors_truncated",
               "abstract_inverted_index", "primary_topic", "topics", "concepts", "keywords"]


AUTHORSHIP_FIELDS = ["author", "author_position", "institutions", "raw_author_name",
                     "raw_affiliation_strings"]


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.sampled_from(WORK_FIELDS), JSON_VALUES, max_size=6),
       st.dictionaries(st.sampled_from(AUTHORSHIP_FIELDS), JSON_VALUES, max_size=3), st.integers(0, 5))
def test_wrong_types_in_any_field_never_crash(changes: dict[str, object], in_author: dict[str, object],
                                              which: int) -> None:
    work = json.loads((DATA / "works.jsonl").read_text().splitlines()[which])
    work["authorships"][1].update(in_author)
    work.update(changes)
    _read_bytes(json.dumps(work).encode() + b"\n", ".jsonl")


def test_nesting_bombs_are_reported_not_parsed(tmp_path: Path) -> None:
    for name, data in {"deep.json": b"[" * 200_000, "balanced.json": b"[" * 100_000 + b"]" * 100_000,
                       "deep.jsonl": b'{"a":' * 100_000 + b"\n"}.items():
        path = tmp_path / name
        path.write_bytes(data)
        records = read_openalex(path)
        (problem,) = records.problems
        assert problem.skipped_block and problem.line == 1
        assert (f"more than {MAX_DEPTH} levels deep" in problem.message
                or "nested too deeply" in problem.message), problem.message
    path = tmp_path / "ok.json"  # brackets inside strings do not count
    work = json.loads((DATA / "works.jsonl").read_text().splitlines()[0])
    work["title"] = "Brackets " + "[" * 5000 + ' \\" {{{ ' + "\\" * 3
    path.write_text(json.dumps([work]))
    assert read_openalex(path).problems == []


def test_control_characters_bom_and_crlf(tmp_path: Path) -> None:
    lines = (DATA / "works.jsonl").read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"Multi-Head", b"Multi-\x01Head")
    lines[2] = lines[2].replace(b'"title": "Empowering', b'"title": "\\u0007Empowering')
    path = tmp_path / "w.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines))
    records = read_openalex(path)
    assert [str(p) for p in records.problems] == [
        f"{path}:1: warning: byte order mark (BOM) at the start of the file ignored",
        f"{path}:2: warning: control characters read as spaces",
        f"{path}:3: warning: record 3 (W3176937612): control characters in title read as spaces",
    ]
    titles = [p.title for p in records.papers]
    assert titles[1] == "Neural News Recommendation with Multi- Head Self-Attention"
    assert titles[2] == "Empowering News Recommendation with Pre-trained Language Models"
    assert len(records.papers) == 6


def test_helpers() -> None:
    assert openalex_id("https://openalex.org/W2741809807", "W") == "W2741809807"
    assert openalex_id("https://api.openalex.org/works/w2741809807", "W") == "W2741809807"
    assert openalex_id("https://openalex.org/A5023888391", "W") is None
    assert openalex_id("https://example.org/W1", "W") is None
    assert plain_title("H<sub>2</sub>O and <mml:math><mml:mi>x</mml:mi></mml:math>") == "H2O and x"
    assert READER.format == "openalex" and READER.kind == "openalex"
    assert ".jsonl" in READER.extensions and ".ndjson" in READER.extensions


def test_multibyte_characters_across_piece_boundaries(tmp_path: Path) -> None:
    """Long lines reach ijson in 8 KiB pieces; a character cut between two pieces is whole."""
    work = json.loads((DATA / "works.jsonl").read_text().splitlines()[0])
    for shift in range(3):  # a 3-byte character: each of its cut points
        title = "x" * shift + "清华大学新闻推荐" * 1200
        path = tmp_path / f"w{shift}.json"
        path.write_text(json.dumps([dict(work, title=title)], ensure_ascii=False), encoding="utf-8")
        records = read_openalex(path)
        assert records.problems == []
        assert records.papers[0].title == title
