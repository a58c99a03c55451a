"""The DBLP XML reader (kg.extract.dblp): exact records from dblp's three XML shapes, damage
reported at its line, hostile XML (entity bombs, external entities) never expanded, and flat
memory on a large generated dump."""

from __future__ import annotations

import hashlib
import itertools
import socket
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from conftest import billion_laughs_doctype
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract.dblp import READER, iter_dblp, read_dblp, sniff
from kg.extract.errors import ExtractionError
from kg.extract.sources import detect, read_source
from kg.models import Problem

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "dblp"
PERSON_PAGE = DATA / "chuhan-wu.xml"
DUMP = DATA / "dblp-excerpt.xml"
RECORD = DATA / "WuWGQHX19.xml"
PROFILE = ROOT / "examples" / "profiles" / "chuhan-wu.txt"

PAPER_FIELDS = {
    "title", "title_key", "categories", "published", "year", "year_inferred", "has_code", "org", "authors",
    "author_list_truncated", "abstract", "abstract_text", "links", "arxiv_id", "arxiv_version", "doi",
    "openalex_id", "dblp_key", "venue", "work_type", "updated", "topics", "urls", "source_line", "record"}


def author(name: str, key: str, position: int, dblp_name: str | None = None,
           orcid: str | None = None) -> dict:
    """An expected Authorship, every field written out."""
    return {"name": name, "name_key": key, "position": position, "inferred": False, "orcid": orcid,
            "openalex_id": None, "dblp_name": dblp_name or name, "affiliations": []}


def work(**fields: object) -> dict:
    """An expected Paper: what dblp never gives is empty; the rest is written per record."""
    expected: dict[str, object] = {
        "categories": [], "published": None, "year_inferred": False, "has_code": False, "org": None,
        "author_list_truncated": False, "abstract": "", "abstract_text": "", "links": [], "arxiv_id": None,
        "arxiv_version": None, "doi": None, "openalex_id": None, "dblp_key": None, "venue": None,
        "work_type": None, "updated": None, "topics": [], "urls": []}
    assert set(fields) <= PAPER_FIELDS
    expected.update(fields)
    assert set(expected) == PAPER_FIELDS
    return expected


def dumped(path: Path) -> list[dict]:
    records = read_dblp(path)
    out = [p.model_dump() for p in records.papers]
    for d in out:
        assert set(d) == PAPER_FIELDS, "a Paper field is not covered by these tests"
    return out


def problems(path: Path) -> list[str]:
    return [str(p).removeprefix(f"{path}:") for p in read_dblp(path).problems]


def write(tmp_path: Path, data: bytes | str, name: str = "in.xml") -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def record(body: str, tag: str = "article", key: str = "journals/x/A") -> str:
    return f'<{tag} mdate="2020-01-01" key="{key}">{body}</{tag}>\n'


def dblp(*records: str, head: str = '<?xml version="1.0" encoding="ISO-8859-1"?>\n') -> str:
    return head + "<dblp>\n" + "".join(records) + "</dblp>\n"


WU = author("Chuhan Wu", "chuhan wu", 1)
FASTFORMER_AUTHORS = [WU, author("Fangzhao Wu", "fangzhao wu", 2), author("Tao Qi", "tao qi", 3),
                      author("Yongfeng Huang", "yongfeng huang", 4),
                      author("Xing Xie", "xing xie", 5, "Xing Xie 0001")]
NRMS_AUTHORS = [WU, author("Fangzhao Wu", "fangzhao wu", 2), author("Suyu Ge", "suyu ge", 3),
                author("Tao Qi", "tao qi", 4), author("Yongfeng Huang", "yongfeng huang", 5),
                author("Xing Xie", "xing xie", 6, "Xing Xie 0001")]
FASTFORMER = dict(title="Fastformer: Additive Attention Can Be All You Need",
                  title_key="fastformer additive attention can be all you need", year=2021,
                  authors=FASTFORMER_AUTHORS, arxiv_id="2108.09084", dblp_key="journals/corr/abs-2108-09084",
                  venue="CoRR", work_type="article")
NRMS = dict(title="Neural News Recommendation with Multi-Head Self-Attention",
            title_key="neural news recommendation with multi head self attention", year=2019,
            authors=NRMS_AUTHORS, doi="10.18653/v1/d19-1671", dblp_key="conf/emnlp/WuWGQHX19",
            venue="EMNLP/IJCNLP (1)", work_type="inproceedings")
WEI_LI_2 = ("Wei Li", "wei li", "Wei Li 0002", "0000-0002-1825-0097")
WEI_LI_5 = ("Wei Li", "wei li", "Wei Li 0005", "0000-0003-1419-2405")


def wei_li(which: tuple[str, str, str, str], position: int) -> dict:
    name, key, dblp_name, orcid = which
    return author(name, key, position, dblp_name, orcid)


# -- the fixtures, record by record ---------------------------------------------------------------

def test_person_page_export_every_field() -> None:
    assert dumped(PERSON_PAGE) == [
        work(title="Denoising k-Nearest Neighbour User Modelling for News Recommendation",
             title_key="denoising k nearest neighbour user modelling for news recommendation", year=2023,
             authors=[WU, wei_li(WEI_LI_2, 2), author("Jörg Müller", "jorg muller", 3),
                      author("Yongfeng Huang", "yongfeng huang", 4)],
             doi="10.5555/tkde.2023.0001", dblp_key="journals/tkde/WuLMH23",
             venue="IEEE Trans. Knowl. Data Eng.", work_type="article", source_line=11, record=1),
        work(title="Is Click-Through Rate All You Need?", title_key="is click through rate all you need",
             year=2022, has_code=True,
             authors=[wei_li(WEI_LI_5, 1), author("Chuhan Wu", "chuhan wu", 2),
                      author("Yongfeng Huang", "yongfeng huang", 3)],
             links=[{"url": "https://github.com/example-org/ctr-all-you-need", "kind": "repository",
                     "host": "github.com", "owner": "example-org", "name": "ctr-all-you-need"}],
             doi="10.5555/www.2022.0042", dblp_key="conf/www/LiWH22", venue="WWW", work_type="inproceedings",
             urls=["https://github.com/example-org/ctr-all-you-need"], source_line=27, record=2),
        # record 3 is an edited <proceedings> volume: not a work, skipped without a problem
        work(**FASTFORMER, source_line=55, record=4),
        # record 5 has both Wei Li 0002 and Wei Li 0005: one name, two people, both kept
        work(title="Two Wei Lis, One Paper", title_key="two wei lis one paper", year=2021,
             authors=[wei_li(WEI_LI_2, 1), wei_li(WEI_LI_5, 2), author("Chuhan Wu", "chuhan wu", 3)],
             arxiv_id="2102.00001", dblp_key="journals/corr/abs-2102-00001", venue="CoRR",
             work_type="article",
             source_line=69, record=5),
        work(title="Personalized News Recommendation: Methods and Challenges",
             title_key="personalized news recommendation methods and challenges", year=2021,
             authors=[WU, author("Tao Qi", "tao qi", 2)], doi="10.5555/978-1-0716-2197-4_7",
             dblp_key="books/sp/21/WuQ21", venue="Recommender Systems Handbook", work_type="incollection",
             urls=["https://web.archive.org/web/2021/https://example.org/handbook/ch7"], source_line=81,
             record=6),
        work(**NRMS, source_line=94, record=7),
    ]
    assert problems(PERSON_PAGE) == []


def test_dump_excerpt_every_field() -> None:
    assert dumped(DUMP) == [
        work(**FASTFORMER, source_line=7, record=1),   # its DOI 10.48550/arXiv.2108.09084 is the arXiv id
        work(**NRMS, source_line=22, record=2),
        # 3: <proceedings>, 4: <www> person record -- not works
        work(title="Solving n×n Sudoku in O(n2) Steps with CO2-neutral GPUs",
             title_key="solving n n sudoku in o n2 steps with co2 neutral gpus", year=2020,
             authors=[author("Jörg Müller", "jorg muller", 1),
                      author("François Yérault", "francois yerault", 2, orcid="0000-0001-5109-3700"),
                      author("Stefan Groß", "stefan gross", 3), wei_li(WEI_LI_2, 4)],
             doi="10.5555/j.ins.2020.01.001", dblp_key="journals/isci/MullerYGL20", venue="Inf. Sci.",
             work_type="article", urls=["https://www.sciencedirect.com/science/article/pii/S0000000000000001"],
             source_line=56, record=5),
        # 6: an edited book (editors only), 7: an article without title
        work(title="Why Do Homonyms Matter for Scholarly Knowledge Graphs?",
             title_key="why do homonyms matter for scholarly knowledge graphs", year=2022,
             authors=[wei_li(WEI_LI_5, 1), author("Ana Sánchez", "ana sanchez", 2),
                      author("Bjørn Åström", "bjørn astrom", 3)],
             arxiv_id="2204.01234", arxiv_version=2, doi="10.5555/3477495.3531999",
             dblp_key="conf/sigir/LiSL22", venue="SIGIR", work_type="inproceedings", source_line=86,
             record=8),
        work(title="Constraint Propagation for Latin Squares",
             title_key="constraint propagation for latin squares", year=2020,
             authors=[author("Jörg Müller", "jorg muller", 1)], dblp_key="phd/dnb/Muller20",
             work_type="phdthesis", urls=["https://nbn-resolving.org/urn:nbn:de:hbz:385-00000"],
             source_line=99, record=9),
        work(title="A Short History of Sudoku", title_key="a short history of sudoku", year=2021,
             authors=[author("Stefan Groß", "stefan gross", 1)], doi="10.5555/978-3-000-00000-0_1",
             dblp_key="books/sp/21/Gross21", venue="Handbook of Sudoku Solving", work_type="incollection",
             source_line=106, record=10),
        work(title="Exact Cover Problems in Practice", title_key="exact cover problems in practice",
             year=2017,
             authors=[author("Bjørn Åström", "bjørn astrom", 1)], dblp_key="ms/Astrom17",
             work_type="mastersthesis", source_line=116, record=11),
        work(title="HomonymBench: Author Disambiguation Benchmark (Version 1.0)",
             title_key="homonymbench author disambiguation benchmark version 1 0", year=2022, has_code=True,
             authors=[wei_li(WEI_LI_5, 1), author("Ana Sánchez", "ana sanchez", 2)],
             links=[{"url": "https://github.com/example-org/homonymbench", "kind": "repository",
                     "host": "github.com", "owner": "example-org", "name": "homonymbench"}],
             doi="10.5555/zenodo.0000001", dblp_key="data/10/LiS22", work_type="data",
             urls=["https://github.com/example-org/homonymbench"], source_line=122, record=12),
    ]
    assert problems(DUMP) == [
        "71: warning: <book> books/sp/GrossM21: no <author> (2 <editor>s, who are not authors); "
        "record skipped",
        "80: error: <article> journals/isci/Anon19: no title; record skipped",
        "88: warning: <inproceedings> conf/sigir/LiSL22: invalid ORCID '0000-0002-1825-0098' of "
        "'Ana Sánchez' ignored",
    ]
    assert [p.skipped_block for p in read_dblp(DUMP).problems] == [True, True, False]


def test_single_record_export() -> None:
    records = read_dblp(RECORD)
    assert [p.model_dump() for p in records.papers] == [work(**NRMS, source_line=3, record=1)]
    assert records.problems == []
    assert read_dblp(RECORD, strict=True).papers == records.papers


def test_source_info() -> None:
    info = read_dblp(PERSON_PAGE).source
    assert (info.kind, info.name, info.path) == ("dblp-xml", "chuhan-wu.xml", str(PERSON_PAGE))
    assert info.sha256 == hashlib.sha256(PERSON_PAGE.read_bytes()).hexdigest()
    assert read_dblp(PERSON_PAGE).profile is None


def test_same_papers_in_every_export() -> None:
    """Fastformer and NRMS read the same from the dump, the person page and the record export."""
    def by_key(path: Path) -> dict[str, dict]:
        return {p.dblp_key: p.model_dump(exclude={"source_line", "record"}) for p in read_dblp(path).papers}
    page, dump, rec = by_key(PERSON_PAGE), by_key(DUMP), by_key(RECORD)
    assert page["conf/emnlp/WuWGQHX19"] == dump["conf/emnlp/WuWGQHX19"] == rec["conf/emnlp/WuWGQHX19"]
    assert page["journals/corr/abs-2108-09084"] == dump["journals/corr/abs-2108-09084"]


def test_homonyms_keep_their_numbers_and_orcids() -> None:
    people = {(a.dblp_name, a.orcid) for p in read_dblp(DUMP).papers + read_dblp(PERSON_PAGE).papers
              for a in p.authors if a.name == "Wei Li"}
    assert people == {("Wei Li 0002", "0000-0002-1825-0097"), ("Wei Li 0005", "0000-0003-1419-2405")}


# -- format details ----------------------------------------------------------------------------------

def test_named_entities_decoded_everywhere(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(record(
        "<author>J&uuml;rgen Gro&szlig;</author><author>Ren&eacute;e &Aring;berg-M&oslash;ller</author>"
        "<title>&Uuml;ber &laquo;Caf&eacute;s&raquo; &amp; &lt;Bistros&gt; &ndash; "
        "5&micro;m &times; 3&reg;&hellip;</title><year>2020</year>"
        "<journal>Z. f&uuml;r &quot;Tests&quot;</journal>")))
    [paper] = read_dblp(p, strict=True).papers
    assert [a.name for a in paper.authors] == ["Jürgen Groß", "Renée Åberg-Møller"]
    assert paper.title == "Über «Cafés» & <Bistros> – 5µm × 3®…"
    assert paper.venue == 'Z. für "Tests"'


def test_entities_in_attributes_and_character_references(tmp_path: Path) -> None:
    p = write(tmp_path, '<?xml version="1.0"?>\n<dblpperson name="J&ouml;rg M&#252;ller" pid="1/2">\n'
              '<r><article key="journals/x/A&amp;B"><author orcid="0000-0002-1825-0097">J&#xF6;rg M&#252;ller'
              '</author><title>T&#246;ne.</title><year>2020</year></article></r>\n</dblpperson>\n')
    [paper] = read_dblp(p, strict=True).papers
    assert (paper.dblp_key, paper.title, paper.authors[0].name) == ("journals/x/A&B", "Töne", "Jörg Müller")


def test_title_markup_and_closing_period(tmp_path: Path) -> None:
    titles = {
        "A<sub>2</sub>B <i>in</i> <tt>C++</tt> <sup><i>k</i></sup>.": "A2B in C++ k",
        "Wait for It...": "Wait for It...",
        "Is It?": "Is It?",
        "  Spread\n over  lines. ": "Spread over lines",
        "See <ref href=\"https://example.org\">this</ref>.": "See this",
    }
    p = write(tmp_path, dblp(*(record(f"<author>A B</author><title>{t}</title><year>2020</year>",
                                      key=f"journals/x/{k}") for k, t in enumerate(titles))))
    assert [paper.title for paper in read_dblp(p, strict=True).papers] == list(titles.values())


def test_electronic_editions(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(record(
        "<author>A B</author><title>T.</title><year>2020</year>"
        "<ee>http://doi.acm.org/10.1145/1400214.1400231</ee>"
        "<ee>https://dx.doi.org/10.1145/1400214.1400231</ee>"              # the same DOI again
        "<ee>https://doi.org/10.1007%2F978-3-030-00000-0_1</ee>"            # a second DOI, percent-encoded
        "<ee>https://arxiv.org/abs/cs/0112017v1</ee>"
        "<ee type=\"oa\">https://doi.org/10.48550/arXiv.cs/0112017</ee>"     # the same arXiv id
        "<ee>https://arxiv.org/abs/2001.00001</ee>"                          # a second arXiv id
        "<ee>db/journals/x/x1.html</ee>"                                     # relative: dblp's own
        "<ee>https://gitlab.com/group/tool.git</ee>"
        "<ee>https://gitlab.com/group/tool.git</ee>"
        "<ee>https://doi.ieeecomputersociety.org/10.1109/X.2020.1</ee>")))   # a landing page, not a DOI
    records = read_dblp(p)
    [paper] = records.papers
    assert (paper.doi, paper.arxiv_id, paper.arxiv_version) == ("10.1145/1400214.1400231", "cs/0112017", 1)
    assert paper.urls == ["https://doi.org/10.1007%2F978-3-030-00000-0_1", "https://arxiv.org/abs/2001.00001",
                          "https://dblp.org/db/journals/x/x1.html", "https://gitlab.com/group/tool.git",
                          "https://doi.ieeecomputersociety.org/10.1109/X.2020.1"]
    assert [link.url for link in paper.links] == ["https://gitlab.com/group/tool"] and paper.has_code
    assert [str(x).split(": ", 2)[2] for x in records.problems] == [
        "<article> journals/x/A: a second DOI 10.1007/978-3-030-00000-0_1 (the first is "
        "10.1145/1400214.1400231) kept as a URL",
        "<article> journals/x/A: a second arXiv id 2001.00001 (the first is cs/0112017) kept as a URL"]


def test_editors_month_and_unmapped_fields(tmp_path: Path) -> None:
    """Editors are not authors, a month is no full date, and the fields without a place in the
    record model (pages, volume, crossref, url, ...) are read silently."""
    p = write(tmp_path, dblp(record(
        "<author>A B</author><editor>C D</editor><title>T.</title><year>2020</year><month>May</month>"
        "<pages>1-2</pages><volume>3</volume><number>4</number><crossref>conf/x/2020</crossref>"
        "<url>db/conf/x/x2020.html#A</url><publisher>P</publisher><note type=\"award\">Best</note>"
        "<cite>conf/x/B</cite><isbn>978-0</isbn><series>S</series><address>Trier</address>"
        "<booktitle>X</booktitle><publnr>5</publnr><rel type=\"x\">y</rel>", tag="inproceedings")))
    [paper] = read_dblp(p, strict=True).papers
    assert [a.name for a in paper.authors] == ["A B"]
    assert (paper.year, paper.published, paper.venue) == (2020, None, "X")


def test_journal_wins_over_booktitle_and_repeated_fields_warn(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(record("<author>A B</author><title>T1.</title><title>T2.</title>"
                                    "<year>2020</year><year>2021</year><booktitle>B</booktitle>"
                                    "<journal>J</journal>")))
    records = read_dblp(p)
    assert (records.papers[0].title, records.papers[0].year, records.papers[0].venue) == ("T1", 2020, "J")
    assert [x.message for x in records.problems] == [
        "<article> journals/x/A: 2 <title> fields; the first is used",
        "<article> journals/x/A: 2 <year> fields; the first is used"]


def test_bad_records_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(
        record("<author>A B</author><title>Kept One.</title><year>2020</year>", key="k/x/1"),
        record("<author>A B</author><title>T.</title><year>20x0</year>", key="k/x/2"),
        record("<author>A B</author><author>A \t B</author><title>T.</title><year>2020</year>", key="k/x/3"),
        record("<author>A B</author><author> </author><title>T.</title><year>2020</year>", key="k/x/4"),
        record("<author>A B</author><title>...</title><year>2020</year>", key="k/x/5"),
        record("<author>A B</author><title>T.</title>", key="k/x/6"),
        record("<author>A B</author><title></title><year>2020</year>", key="k/x/7"),
        '<article mdate="2020-01-01"><author>A B</author><title>No Key.</title><year>2020</year></article>\n',
        record("<author>A B</author><title>T.</title><year>2020</year><foo>x</foo>", key="k/x/9"),
        record("<author>A B</author><title>Kept Last.</title><year>2021</year>", key="k/x/10")))
    records = read_dblp(p)
    assert [(x.title, x.dblp_key, x.source_line, x.record) for x in records.papers] == [
        ("Kept One", "k/x/1", 3, 1), ("No Key", None, 10, 8), ("T", "k/x/9", 11, 9),
        ("Kept Last", "k/x/10", 12, 10)]
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "4: error: <article> k/x/2: invalid <year> '20x0'; record skipped",
        "5: error: <article> k/x/3: 'A B' is listed twice; record skipped",
        "6: error: <article> k/x/4: empty <author> at position 2 (positions would be wrong); record skipped",
        "7: error: <article> k/x/5: Value error, title '...' has no letters or digits; record skipped",
        "8: error: <article> k/x/6: no <year>; record skipped",
        "9: error: <article> k/x/7: empty <title>; record skipped",
        "10: warning: <article> record without a key attribute: read without dblp_key",
        "11: warning: <article> k/x/9: unknown field <foo> ignored",
    ]
    assert [x.skipped_block for x in records.problems] == [True] * 6 + [False, False]
    with pytest.raises(ExtractionError) as e:
        read_dblp(p, strict=True)
    assert len(e.value.problems) == 8


def test_strict_mode_raises_on_any_problem() -> None:
    with pytest.raises(ExtractionError) as e:
        read_dblp(DUMP, strict=True)
    assert [p.line for p in e.value.problems] == [71, 80, 88]
    assert len(read_dblp(PERSON_PAGE, strict=True).papers) == 6  # no problem there: nothing raised


def test_person_page_header_homonyms_and_coauthors_are_not_records(tmp_path: Path) -> None:
    p = write(tmp_path, '<?xml version="1.0"?>\n<dblpperson name="Wei Li 0002" pid="64/6025-2" n="1">\n'
              '<person key="homepages/64/6025-2" mdate="2023-01-05"><author pid="64/6025-2">Wei Li 0002'
              '</author><url>https://orcid.org/0000-0002-1825-0097</url></person>\n'
              '<homonyms n="2"><h f="l/Li:Wei"><person publtype="disambiguation" key="homepages/64/6025">'
              '<author pid="64/6025">Wei Li</author></person></h>\n<h f="l/Li_0005:Wei"><person '
              'key="homepages/64/6025-5"><author pid="64/6025-5">Wei Li 0005</author></person></h>'
              '</homonyms>\n'
              '<r><article key="journals/x/L"><author orcid="0000-0002-1825-0097">Wei Li 0002</author>'
              '<title>Only One.</title><year>2020</year><journal>J</journal></article>\n</r>\n'
              '<coauthors n="0" nc="0"></coauthors>\n</dblpperson>\n')
    records = read_dblp(p, strict=True)
    assert [(x.title, x.record, x.source_line, x.authors[0].dblp_name) for x in records.papers] == [
        ("Only One", 1, 6, "Wei Li 0002")]


def test_unknown_and_stray_content_in_dblp(tmp_path: Path) -> None:
    rec = record("<author>A B</author><title>T.</title><year>2020</year>")
    p = write(tmp_path, "<dblp>\nstray\n" + rec + "<software key='s/1'/>\n" + rec + "text\n<bar/>\n</dblp>\n")
    records = read_dblp(p)
    assert len(records.papers) == 2
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "1: warning: text before the first record ignored: 'stray'",
        "4: warning: unknown element <software> in <dblp> skipped (not a dblp.dtd record type)",
        "5: warning: text after <article> ignored: 'text'",
        "7: warning: unknown element <bar> in <dblp> skipped (not a dblp.dtd record type)"]


def test_a_lone_record_as_the_document(tmp_path: Path) -> None:
    p = write(tmp_path, record("<author>A B</author><title>Alone.</title><year>2020</year>"))
    assert sniff(p.read_bytes())
    assert [(x.title, x.record, x.source_line) for x in read_dblp(p, strict=True).papers] == [("Alone", 1, 1)]


# -- damage ------------------------------------------------------------------------------------------

def test_malformed_xml_midway_keeps_records_before_and_resumes(tmp_path: Path) -> None:
    good = [record(f"<author>A B</author><title>Good {k}.</title><year>2020</year>", key=f"k/x/{k}")
            for k in range(1, 6)]
    broken = ('<article mdate="2020-01-01" key="k/x/bad">\n<author>A B</author>\n<title>Broken</titl>\n'
              '<year>2020</year>\n</article>\n')
    p = write(tmp_path, dblp(good[0], good[1], broken, good[2], "<article key='k/x/bad2'><author>A</authr>\n",
                             good[3], good[4]))
    records = read_dblp(p)
    assert [(x.title, x.source_line, x.record) for x in records.papers] == [
        ("Good 1", 3, 1), ("Good 2", 4, 2), ("Good 3", 10, 4), ("Good 4", 12, 6), ("Good 5", 13, 7)]
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "7: error: malformed XML: Opening and ending tag mismatch: title line 7 and titl, line 7, column 21; "
        "the <article> record starting at line 5 is incomplete and skipped; lines 8-9 skipped, reading "
        "resumes at line 10",
        "11: error: malformed XML: Opening and ending tag mismatch: author line 11 and authr, line 11, "
        "column 42; the <article> record starting at line 11 is incomplete and skipped; reading resumes at "
        "line 12"]
    assert all(x.skipped_block for x in records.problems)


def test_damage_ahead_of_malformed_xml_is_reported_once(tmp_path: Path) -> None:
    """The pre-pass reads ahead of the parser; after a resume the same lines are not reported again."""
    rec = '<article key="k/x/{0}"><author>A\x01 B</author><title>T {0}.</title><year>2020</year></article>\n'
    p = write(tmp_path, dblp(rec.format(1), "<article key='bad'><author>A</authr>\n",
                             *(rec.format(k) for k in range(2, 5))))
    records = read_dblp(p)
    assert [x.title for x in records.papers] == ["T 1", "T 2", "T 3", "T 4"]
    assert [(x.line, x.severity) for x in records.problems] == [
        (3, "warning"), (4, "error"), (5, "warning"), (6, "warning"), (7, "warning")]


def test_truncated_file_keeps_what_was_complete(tmp_path: Path) -> None:
    full = dblp(*(record(f"<author>A B</author><title>T {k}.</title><year>2020</year>", key=f"k/x/{k}")
                  for k in range(3)))
    p = write(tmp_path, full[: full.index("<title>T 2")])
    records = read_dblp(p)
    assert [x.title for x in records.papers] == ["T 0", "T 1"]
    [problem] = records.problems
    assert problem.line == 5 and problem.skipped_block
    assert problem.message.endswith("the <article> record starting at line 5 is incomplete and skipped; no "
                                    "record starts after it: the rest of the file is skipped")


def test_streaming_yields_before_reading_the_rest(tmp_path: Path) -> None:
    recs = [record(f"<author>A B</author><title>T {k}.</title><year>2020</year>", key=f"k/x/{k}")
            for k in range(3000)]
    p = write(tmp_path, dblp(*recs) + "<oops")
    found: list[Problem] = []
    stream = iter_dblp(p, found)
    assert next(stream).title == "T 0" and found == []     # nothing past the first chunk was needed
    assert sum(1 for _ in stream) == 2999
    assert [x.line for x in found] == [3004]


def test_invalid_utf8_is_replaced_and_reported_at_its_line(tmp_path: Path) -> None:
    p = write(tmp_path, b'<?xml version="1.0"?>\n<dblp>\n<article key="k/x/1">\n<author>J\xf6rg M\xc3\xbcller'
              b'</author><title>Caf\xc3\xa9s \xff\xfe.</title><year>2020</year></article>\n</dblp>\n')
    records = read_dblp(p)
    [paper] = records.papers
    assert (paper.authors[0].name, paper.title) == ("J\ufffdrg Müller", "Cafés \ufffd\ufffd")
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "4: warning: invalid UTF-8 (f6) read as U+FFFD", "4: warning: invalid UTF-8 (ff) read as U+FFFD",
        "4: warning: invalid UTF-8 (fe) read as U+FFFD"]


def test_blank_lines_before_the_xml_declaration(tmp_path: Path) -> None:
    p = write(tmp_path, "\n\n" + dblp(record("<author>A B</author><title>T.</title><year>2020</year>")))
    records = read_dblp(p)
    assert [(x.title, x.source_line) for x in records.papers] == [("T", 5)]
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "3: warning: the XML declaration does not start the file (something precedes it); read as if it did"]


def test_latin1_bytes_follow_the_declared_encoding(tmp_path: Path) -> None:
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<dblp>\n'
            + record("<author>Jörg Müller</author><title>Café.</title><year>2020</year>") + "</dblp>\n")
    p = write(tmp_path, data.encode("latin-1"))
    [paper] = read_dblp(p, strict=True).papers
    assert (paper.authors[0].name, paper.title) == ("Jörg Müller", "Café")


def test_utf16_with_bom(tmp_path: Path) -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?>\n<dblp>\n' + record(
        "<author>Jörg Müller</author><title>Café.</title><year>2020</year>") + "</dblp>\n"
    p = write(tmp_path, data.encode("utf-16"))
    assert detect(p) is READER
    [paper] = read_dblp(p, strict=True).papers
    assert (paper.authors[0].name, paper.title, paper.source_line) == ("Jörg Müller", "Café", 3)


def test_control_characters_and_bad_character_references(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(record("<author>Ann\x01 Author</author><title>Ti&#1;tle\x0b &#x110000; "
                                    "&#99999999999999999999;.</title><year>2020</year>")))
    records = read_dblp(p)
    [paper] = records.papers
    assert (paper.authors[0].name, paper.title) == ("Ann Author", "Ti\ufffdtle \ufffd \ufffd")
    assert [x.message for x in records.problems] == [
        "control character U+0001 (not allowed in XML) read as a space",
        "character reference &#1; is no XML character; read as U+FFFD",
        "control character U+000B (not allowed in XML) read as a space",
        "character reference &#x110000; is no XML character; read as U+FFFD",
        "character reference &#999999999999999999 is no XML character; read as U+FFFD"]
    assert {x.line for x in records.problems} == {3}


def test_repeated_damage_is_counted_not_listed(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(*(record(f"<author>A\x02 B</author><title>T {k}.</title><year>2020</year>",
                                      key=f"k/x/{k}") for k in range(50))))
    records = read_dblp(p)
    assert len(records.papers) == 50
    assert len(records.problems) == 21
    assert str(records.problems[-1]).removeprefix(f"{p}:") == \
        "23: warning: 30 more control characters from this line on (the first 20 are listed)"


def test_unknown_entities_are_kept_as_text(tmp_path: Path) -> None:
    p = write(tmp_path, dblp(record("<author>Ann &bogus; Author</author><title>T.</title><year>2020</year>")))
    records = read_dblp(p)
    assert records.papers[0].authors[0].name == "Ann &bogus; Author"
    assert [str(x).removeprefix(f"{p}:") for x in records.problems] == [
        "3: warning: unknown entity &bogus; (not an HTML/Latin-1 entity) kept as text"]


def test_unreadable_files_raise_with_a_located_problem(tmp_path: Path) -> None:
    cases = {
        "missing.xml": None,
        "empty.xml": b"",
        "text.xml": b"hello\nworld\n",
        "atom.xml": b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n',
        "broken.xml": b'<?xml version="1.0"?>\n\n<dblp <article>',
        "binary.xml": bytes(range(256)) * 4,
    }
    messages = {}
    for name, data in cases.items():
        p = tmp_path / name
        if data is not None:
            p.write_bytes(data)
        with pytest.raises(ExtractionError) as e:
            read_dblp(p)
        [problem] = e.value.problems
        messages[name] = str(problem).removeprefix(f"{p}:")
    assert messages["missing.xml"] == "0: error: cannot read the file: No such file or directory"
    assert messages["empty.xml"] == "0: error: the file is empty"
    assert messages["text.xml"] == ("1: error: no XML root element: this is not an XML file (it does not "
                                    "start with '<')")
    assert messages["atom.xml"] == ("2: error: the root element is <feed>, not <dblp> or <dblpperson>: this "
                                    "is not DBLP XML")
    assert messages["broken.xml"].startswith("3: error: malformed XML before any record: ")
    assert messages["binary.xml"] == messages["text.xml"]


# -- hostile XML ---------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
""" + billion_laughs_doctype("dblp") + """
<dblp>
<article key="journals/x/L"><author>Ann &lol9; Author</author><title>&lol9;&lol9;.</title>
<year>2020</year></article>
</dblp>
"""


def test_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    p = write(tmp_path, BILLION_LAUGHS)
    tracemalloc.start()
    try:
        records = read_dblp(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    [paper] = records.papers
    assert (paper.title, paper.authors[0].name) == ("&lol9;&lol9;", "Ann &lol9; Author")
    first = records.problems[0]
    assert (first.line, first.severity) == (3, "error")
    assert first.message.startswith("the DOCTYPE declares 10 entities (lol, lol1, lol2, lol3, lol4 and 5 "
                                    "more); entity declarations are never read or expanded")
    assert [str(x).removeprefix(f"{p}:") for x in records.problems[1:]] == [
        "15: warning: unknown entity &lol9; (declared in the ignored DOCTYPE) kept as text"] * 3
    with pytest.raises(ExtractionError):
        read_dblp(p, strict=True)


class _Listener:
    """A local TCP port that records whether anything connected (nothing may)."""

    def __enter__(self) -> _Listener:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        return self

    def connected(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except (TimeoutError, OSError):
            return False
        conn.close()
        return True

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_external_entities_are_neither_read_nor_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    with _Listener() as net:
        p = write(tmp_path, f"""<?xml version="1.0"?>
<!DOCTYPE dblp SYSTEM "{net.url}/dblp.dtd" [
  <!ENTITY xxe SYSTEM "file://{secret}">
  <!ENTITY passwd SYSTEM "file:///etc/passwd">
  <!ENTITY % remote SYSTEM "{net.url}/evil.dtd">
  %remote;
]>
<dblp>
<article key="journals/x/X"><author>Ann Author</author><title>Leak &xxe;.</title><year>2020</year>
<journal>&passwd;</journal></article>
</dblp>
""")
        records = read_dblp(p)
        assert not net.connected()
    [paper] = records.papers
    assert (paper.title, paper.venue) == ("Leak &xxe;", "&passwd;")
    dumped_text = repr([x.model_dump() for x in records.papers])
    assert "TOP-SECRET" not in dumped_text and "root:" not in dumped_text
    first = records.problems[0]
    assert (first.line, first.severity) == (3, "error")
    assert f"'xxe' (SYSTEM 'file://{secret}')" in first.message
    assert "'passwd' (SYSTEM 'file:///etc/passwd')" in first.message


def test_an_external_dtd_is_never_loaded(tmp_path: Path) -> None:
    """dblp.xml names dblp.dtd; a DTD next to the file (or on a server) is never read."""
    (tmp_path / "dblp.dtd").write_text('<!ENTITY auml "EVIL">')
    with _Listener() as net:
        for system in ("dblp.dtd", f"{net.url}/dblp.dtd"):
            p = write(tmp_path, dblp(record("<author>J&auml;ger</author><title>T.</title><year>2020</year>"),
                                     head=f'<?xml version="1.0"?>\n<!DOCTYPE dblp SYSTEM "{system}">\n'))
            assert read_dblp(p, strict=True).papers[0].authors[0].name == "Jäger"
        assert not net.connected()


# -- finding the reader ----------------------------------------------------------------------------

def test_detect_picks_the_dblp_reader(tmp_path: Path) -> None:
    for path in (PERSON_PAGE, DUMP, RECORD):
        assert detect(path) is READER
    named = write(tmp_path, RECORD.read_bytes(), "nrms.dblp.xml")
    assert detect(named) is READER
    assert [p.dblp_key for p in read_source(DUMP).papers][:2] == ["journals/corr/abs-2108-09084",
                                                                  "conf/emnlp/WuWGQHX19"]
    assert read_source(RECORD, format="dblp").source.kind == "dblp-xml"


def test_detect_does_not_pick_dblp_for_other_formats() -> None:
    assert detect(PROFILE).format != "dblp"
    assert not sniff(PROFILE.read_bytes()[:65536])
    for head in (b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>',
                 b"@article{wu2021fastformer,\n  title={Fastformer: <dblp> in a note},\n}",
                 b'{"id": "https://openalex.org/W3194720245", "title": "<dblp>"}',
                 b'<!DOCTYPE html>\n<html><body><dblp></dblp></body></html>',
                 b'<article xmlns="http://jats.nlm.nih.gov" article-type="research-article">',
                 b"CLIRMar 5, 2024\n<dblp>", b"", b"\x00\x01\x02<dblp>"):
        assert not sniff(head), head
    for head in (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n',
                 b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<dblpperson name="Chuhan Wu" pid="1/2">',
                 b'<dblp>'):
        assert sniff(head), head


# -- size and speed -----------------------------------------------------------------------------------

def _generate(path: Path, n: int) -> None:
    """A dump-shaped file of ``n`` works (and a <www> record every tenth), about 1 KB each: like
    many older dblp records they list their references as ``<cite>`` fields."""
    cites = "".join(f"<cite>conf/gen/C{k}</cite>\n" for k in range(16))
    with path.open("w", encoding="ascii") as f:
        f.write('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n')
        for i in range(n):
            tag = "article" if i % 2 else "inproceedings"
            f.write(f'<{tag} mdate="2021-08-25" key="journals/gen/K{i}">\n'
                    f"<author>J&ouml;rg M&uuml;ller {i % 97:04d}</author>\n"
                    f'<author orcid="0000-0002-1825-0097">Wei Li 0002</author>\n<author>Author {i}</author>\n'
                    f"<title>Generated Paper Number {i} on <i>Streaming</i> XML.</title>\n"
                    f"<pages>1-10</pages>\n<year>{1990 + i % 30}</year>\n<journal>J. Gen.</journal>\n"
                    f"<volume>{i % 50}</volume>\n<ee>https://doi.org/10.5555/gen.{i}</ee>\n"
                    f"<url>db/journals/gen/g{i % 50}.html#K{i}</url>\n{cites}</{tag}>\n")
            if i % 10 == 0:
                f.write(f'<www mdate="2020-01-01" key="homepages/{i}"><author>Author {i}</author>'
                        "<title>Home Page</title></www>\n")
        f.write("</dblp>\n")


BIG = 20_000


@pytest.fixture(scope="module")
def big_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dblp") / "big.xml"
    _generate(path, BIG)
    return path


def test_big_file_streams_in_bounded_memory(big_dump: Path) -> None:
    """Every record is read, and the peak resident memory of a child process reading the file
    grows by less than half the file size (keeping lxml's tree would take ~10x the file size;
    tracemalloc cannot see that memory, which libxml2 allocates)."""
    size = big_dump.stat().st_size
    assert size > 16_000_000
    script = ("import resource, sys\nfrom kg.extract.dblp import iter_dblp\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "problems = []\nlast = None\nn = 0\n"
              "for last in iter_dblp(sys.argv[1], problems):\n    n += 1\n"
              "grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
              "print(n, len(problems), last.dblp_key, last.record, grown)\n")
    out = subprocess.run([sys.executable, "-c", script, str(big_dump)], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    count, problem_count, last_key, last_record, grown_kib = int(out[0]), int(out[1]), out[2], int(out[3]), \
        int(out[4])
    assert (count, problem_count) == (BIG, 0)
    assert (last_key, last_record) == (f"journals/gen/K{BIG - 1}", BIG + BIG // 10)
    assert grown_kib * 1024 < size / 2, f"resident memory grew by {grown_kib} KiB for a {size}-byte file"


def test_python_memory_stays_flat_while_streaming(big_dump: Path) -> None:
    """tracemalloc's peak over records 1200-2400 is no higher than over the first 1200 (by then
    the bounded caches are full), and far below the file size: nothing accumulates per record."""
    size = big_dump.stat().st_size
    stream = iter_dblp(big_dump, [])
    tracemalloc.start()
    try:
        for _ in itertools.islice(stream, 1200):
            pass
        first = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        for _ in itertools.islice(stream, 1200):
            pass
        later = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        stream.close()
    assert later < first * 1.25 + 256_000, (first, later)
    assert max(first, later) < size / 8, (first, later, size)


# -- no crash on anything --------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = write(tmp_path, data, "fuzz.xml")
    try:
        records = read_dblp(p)
    except ExtractionError as e:
        assert e.problems and all(x.line >= 0 for x in e.problems)
    else:
        assert all(x.line >= 0 for x in records.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000), junk=st.binary(min_size=1, max_size=12),
       drop=st.integers(min_value=0, max_value=40))
def test_damaged_fixture_never_crashes(tmp_path: Path, cut: int, junk: bytes, drop: int) -> None:
    """Bytes spliced into a real dump: records before the damage survive, the rest is reported."""
    original = DUMP.read_bytes()
    cut = min(cut, len(original))
    p = write(tmp_path, original[:cut] + junk + original[cut + drop:], "damaged.xml")
    lines = p.read_bytes().count(b"\n") + 1
    try:
        records = read_dblp(p)
    except ExtractionError as e:
        assert all(0 <= x.line <= lines for x in e.problems)
        return
    assert all(0 <= x.line <= lines for x in records.problems)
    before_damage = set()
    for x in read_dblp(DUMP).papers:
        start = original.index(f'key="{x.dblp_key}"'.encode())
        if original.index(f"</{x.work_type}>".encode(), start) + len(x.work_type or "") + 3 <= cut:
            before_damage.add(x.dblp_key)
    assert before_damage <= {x.dblp_key for x in records.papers}
