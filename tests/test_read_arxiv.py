"""The arXiv API Atom reader (kg.extract.arxiv): exact records from realistic feeds, damage
reported with its line, hostile XML refused, streaming with flat memory.

The fixtures in tests/data/arxiv/ follow the arXiv API User's Manual (sections 3.3, 3.4):
``query.atom`` is a classic-API response (per-element namespace declarations, ``-05:00``
timestamps on the oldest entry), ``query-2025.xml`` one of the 2025 API (https ids, ``Z``
dates, ``primary_category`` without scheme, DOI links without ``title``), ``error.atom`` the
manual's own error feed, ``empty*.atom`` result pages without entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import billion_laughs_doctype
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract.arxiv import MAX_LINE_REPORTS, READER, _sniff, iter_arxiv, read_arxiv
from kg.extract.errors import ExtractionError
from kg.extract.sources import detect, read_source
from kg.models import Authorship, Link, OrgRef, Paper, Problem

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "arxiv"
QUERY = DATA / "query.atom"
QUERY_2025 = DATA / "query-2025.xml"
PROFILE = ROOT / "examples" / "profiles" / "chuhan-wu.txt"


def author(name: str, position: int, *affiliations: str) -> Authorship:
    return Authorship(name=name, position=position, affiliations=[OrgRef(name=a) for a in affiliations])


def authors(*names: str) -> list[Authorship]:
    return [author(n, k) for k, n in enumerate(names, start=1)]


def github(owner: str, name: str) -> Link:
    return Link(url=f"https://github.com/{owner}/{name}", kind="repository", host="github.com",
                owner=owner, name=name)


FASTFORMER_ABSTRACT = (
    "Transformer is a powerful model for text understanding. However, it is inefficient due to its "
    "quadratic complexity to input sequence length. Although there are many methods on Transformer "
    "acceleration, they are still either inefficient on long sequences or not effective enough. In this "
    "paper, we propose Fastformer, which is an efficient Transformer model based on additive attention. "
    "In Fastformer, instead of modeling the pair-wise interactions between tokens, we first use additive "
    "attention mechanism to model global contexts, and then further transform each token representation "
    "based on its interaction with global context representations. In this way, Fastformer can achieve "
    "effective context modeling with linear complexity. Extensive experiments on five datasets show that "
    "Fastformer is much more efficient than many existing Transformer models and can meanwhile achieve "
    "comparable or even better long text modeling performance.")
MALDACENA_PARTS = (
    "We show that the large {N} limit of certain conformal field theories in various dimensions include "
    "in their Hilbert space a sector describing supergravity on the product of Anti-deSitter spacetimes, "
    "spheres and other compact manifolds. This is shown by taking some branes in the full M/string theory "
    "and then taking a low energy limit where the field theory on the brane decouples from the bulk. We "
    "observe that, in this limit, we can still trust the near horizon geometry for large {N}. The "
    "enhanced supersymmetries of the near horizon geometry correspond to the extra supersymmetry "
    "generators present in the superconformal group (as opposed to just the super-Poincare group). The "
    "'t Hooft limit of 4-d {N4} super-Yang-Mills at the conformal point is shown to contain strings: they "
    "are IIB strings.")
KNOTS = ("We compute the colored Jones polynomials of the twist knots {K} at roots of unity and show that "
         "their growth rate is governed by the hyperbolic volume of the complement, as predicted by the "
         "volume conjecture. The proof uses a {q}-series identity and an estimate for the torsion {tau} of "
         "the knot.")
QLORA_ABSTRACT = (
    "We present QLoRA, an efficient finetuning approach that reduces memory usage enough to finetune a "
    "65B parameter model on a single 48GB GPU while preserving full 16-bit finetuning task performance. "
    "QLoRA backpropagates gradients through a frozen, 4-bit quantized pretrained language model into Low "
    "Rank Adapters~(LoRA). We release all of our models and code, including CUDA kernels for 4-bit "
    "training.")
ATTENTION_ABSTRACT = (
    "The dominant sequence transduction models are based on complex recurrent or convolutional neural "
    "networks in an encoder-decoder configuration. The best performing models also connect the encoder "
    "and decoder through an attention mechanism. We propose a new simple network architecture, the "
    "Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions "
    "entirely. Experiments on two machine translation tasks show these models to be superior in quality "
    "while being more parallelizable and requiring significantly less time to train.")
LORA_ABSTRACT = (
    "We propose Low-Rank Adaptation, or LoRA, which freezes the pre-trained model weights and injects "
    "trainable rank decomposition matrices into each layer of the Transformer architecture, greatly "
    "reducing the number of trainable parameters for downstream tasks. We release a package that "
    "facilitates the integration of LoRA with PyTorch models and provide our implementations and model "
    "checkpoints for RoBERTa, DeBERTa, and GPT-2 at https://github.com/microsoft/LoRA.")
NUMPY_ABSTRACT = (
    "Array programming provides a powerful, compact, expressive syntax for accessing, manipulating, and "
    "operating on data in vectors, matrices, and higher-dimensional arrays. NumPy is the primary array "
    "programming library for the Python language.")

EXPECTED_QUERY = [
    Paper(title="Fastformer: Additive Attention Can Be All You Need", categories=["cs.CL", "cs.AI"],
          published=dt.date(2021, 8, 20), updated=dt.date(2021, 9, 5), has_code=True,
          authors=authors("Chuhan Wu", "Fangzhao Wu", "Tao Qi", "Yongfeng Huang", "Xing Xie"),
          abstract=FASTFORMER_ABSTRACT, abstract_text=FASTFORMER_ABSTRACT,
          links=[github("wuch15", "Fastformer")],  # from the arxiv:comment
          arxiv_id="2108.09084", arxiv_version=6, work_type="preprint", source_line=10, record=1),
    Paper(title="The Large N Limit of Superconformal field theories and supergravity", categories=["hep-th"],
          published=dt.date(1997, 11, 27),
          updated=dt.date(1998, 1, 23),  # 1998-01-22T21:21:21-05:00 is the 23rd in UTC
          authors=[author("Juan M. Maldacena", 1, "Harvard University")],
          abstract=MALDACENA_PARTS.format(N="$N$", N4="$\\mathcal{N} = 4$"),
          abstract_text=MALDACENA_PARTS.format(N="N", N4="N = 4"),
          arxiv_id="hep-th/9711200", arxiv_version=3, doi="10.1023/a:1026654312961",
          venue="Adv.Theor.Math.Phys.2:231-252,1998", work_type="preprint", source_line=52, record=2),
    Paper(title="Colored Jones polynomials of twist knots at roots of unity",
          categories=["math.GT", "math.QA"],  # the MSC classes 57M25; 57M27 are no arXiv categories
          published=dt.date(2003, 9, 8), updated=dt.date(2003, 9, 8),
          authors=authors("Anna K. Lindqvist", "Tomás Ferreira"),
          abstract=KNOTS.format(K="$K_p$", q="$q$", tau="$\\tau$"),
          abstract_text=KNOTS.format(K="K_p", q="q", tau="τ"),
          arxiv_id="math.GT/0309136", arxiv_version=1, work_type="preprint", source_line=84, record=3),
    Paper(title="QLoRA: Efficient Finetuning of Quantized LLMs", categories=["cs.LG"],
          published=dt.date(2023, 5, 23), updated=dt.date(2023, 5, 23),
          authors=[author("Tim Dettmers", 1, "University of Washington"),
                   author("Artidoro Pagnoni", 2, "University of Washington"),
                   author("Ari Holtzman", 3, "University of Washington"),
                   author("Luke Zettlemoyer", 4, "University of Washington", "Meta AI, Seattle")],
          abstract=QLORA_ABSTRACT, abstract_text=QLORA_ABSTRACT,
          arxiv_id="2305.14314", arxiv_version=1, work_type="preprint", source_line=108, record=4),
    Paper(title="Attention Is All You Need", categories=["cs.CL", "cs.LG"],
          published=dt.date(2017, 6, 12), updated=dt.date(2023, 8, 2),
          authors=authors("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones",
                          "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"),
          abstract=ATTENTION_ABSTRACT, abstract_text=ATTENTION_ABSTRACT,
          arxiv_id="1706.03762", arxiv_version=7, work_type="preprint", source_line=144, record=5),
    Paper(title="LoRA: Low-Rank Adaptation of Large Language Models", categories=["cs.CL", "cs.AI", "cs.LG"],
          published=dt.date(2021, 6, 17), updated=dt.date(2021, 10, 16), has_code=True,
          authors=authors("Edward J. Hu", "Yelong Shen", "Phillip Wallis", "Zeyuan Allen-Zhu", "Yuanzhi Li",
                          "Shean Wang", "Lu Wang", "Weizhu Chen"),
          abstract=LORA_ABSTRACT, abstract_text=LORA_ABSTRACT, links=[github("microsoft", "LoRA")],
          arxiv_id="2106.09685", arxiv_version=2, work_type="preprint", source_line=189, record=6),
    Paper(title="Array Programming with NumPy", categories=["cs.MS", "stat.CO"],
          published=dt.date(2020, 6, 18), updated=dt.date(2020, 6, 18),
          authors=authors("Charles R. Harris", "K. Jarrod Millman", "Stéfan J. van der Walt", "Ralf Gommers"),
          abstract=NUMPY_ABSTRACT, abstract_text=NUMPY_ABSTRACT, arxiv_id="2006.10256", arxiv_version=1,
          doi="10.1038/s41586-020-2649-2", venue="Nature 585, 357-362 (2020)", work_type="preprint",
          source_line=235, record=7),
]

XLING = ("News recommendation across languages needs user models that transfer. We encode each user with "
         "several interest vectors and align them across 12 languages. Code and data: "
         "https://github.com/example-lab/xling-newsrec.")
EXPECTED_2025 = [
    Paper(title="Grammar Induction from Bracketed Corpora with Inside-Outside Estimation",
          categories=["cs.CL"],  # cmp-lg, the obsolete archive, is not in the taxonomy
          published=dt.date(1994, 4, 5), updated=dt.date(1994, 4, 5),
          authors=[author("Margaret O'Rourke", 1)],
          abstract="We describe an extension of the inside-outside algorithm that uses partial bracketing "
          "of a corpus to constrain the grammars it induces.",
          abstract_text="We describe an extension of the inside-outside algorithm that uses partial "
          "bracketing of a corpus to constrain the grammars it induces.",
          arxiv_id="cmp-lg/9404002", arxiv_version=1, work_type="preprint", source_line=10, record=1),
    Paper(title="Cross-Lingual News Recommendation with Multi-Interest Encoders",
          categories=["cs.IR", "cs.CL"],
          published=dt.date(2024, 3, 12), updated=dt.date(2024, 5, 2), has_code=True,
          authors=[author("Lena Brandt", 1, "Technical University of Munich"),
                   author("Kenji Watanabe", 2, "University of Tokyo", "RIKEN AIP")],
          abstract=XLING, abstract_text=XLING, links=[github("example-lab", "xling-newsrec")],
          arxiv_id="2403.07816", arxiv_version=2, doi="10.1145/3589334.3645402",
          venue="Proceedings of the ACM Web Conference 2024 (WWW '24), 3312-3321", work_type="preprint",
          urls=["https://doi.org/10.5281/zenodo.10567890"], source_line=28, record=2),
    Paper(title="Small Models & Long Contexts: When Does Retrieval Help?", categories=["cs.CL", "cs.LG"],
          published=dt.date(2025, 1, 8), updated=dt.date(2025, 1, 8),
          authors=authors("Priya Raman", "José Álvarez"),
          abstract="Retrieval improves small language models only when the context holds fewer than 8k "
          "tokens (p < 0.05 on 9 of 11 tasks).",
          abstract_text="Retrieval improves small language models only when the context holds fewer than "
          "8k tokens (p < 0.05 on 9 of 11 tasks).",
          arxiv_id="2501.04519", arxiv_version=1, work_type="preprint", source_line=58, record=3),
]


def assert_papers(got: list[Paper], want: list[Paper]) -> None:
    """Every field of every record (one record at a time, so a failure names its field)."""
    assert [p.record for p in got] == [p.record for p in want]
    for g, w in zip(got, want, strict=True):
        assert g.model_dump() == w.model_dump(), f"record {w.record} ({w.arxiv_id})"


def problems_of(problems: list[Problem]) -> list[tuple[int, str, bool, str]]:
    return [(p.line, p.severity, p.skipped_block, p.message) for p in problems]


def write(tmp_path: Path, text: str | bytes, name: str = "feed.atom") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def feed(*entries: str, head: str = "") -> str:
    """A minimal feed around entries (the first entry starts on line 3 when ``head`` is empty)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + head
            + '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
            + "".join(entries) + "</feed>\n")


def entry(*, id: str = "http://arxiv.org/abs/2101.00001v1", title: str = "A paper",
          extra: str = "", authors_xml: str = "<author><name>Ann Lee</name></author>",
          published: str = "2021-01-04T10:00:00Z", updated: str = "2021-01-04T10:00:00Z") -> str:
    return (f"<entry><id>{id}</id><published>{published}</published><updated>{updated}</updated>"
            f"<title>{title}</title><summary>An abstract.</summary>{authors_xml}{extra}</entry>\n")


# --- the fixtures, record by record ---------------------------------------------------------------


def test_classic_api_feed_gives_exact_records() -> None:
    records = read_arxiv(QUERY)
    assert_papers(records.papers, EXPECTED_QUERY)
    assert records.problems == []
    assert records.profile is None
    assert records.source.kind == "arxiv-atom"
    assert records.source.name == "query.atom"
    assert records.source.sha256 == hashlib.sha256(QUERY.read_bytes()).hexdigest()
    # keys for matching come from the names and titles as written
    assert records.papers[2].authors[1].name_key == "tomas ferreira"
    assert records.papers[6].authors[2].name_key == "stefan j. van der walt"
    assert records.papers[0].title_key == "fastformer additive attention can be all you need"
    assert records.papers[0].primary_category == "cs.CL"
    assert all(not p.author_list_truncated and not p.year_inferred for p in records.papers)


def test_2025_api_feed_gives_exact_records() -> None:
    records = read_arxiv(QUERY_2025)
    assert_papers(records.papers, EXPECTED_2025)
    assert problems_of(records.problems) == [
        (10, "warning", False, "entry 1 (cmp-lg/9404002): unknown arXiv category 'cmp-lg' left out "
         "(not in the taxonomy)")]


def test_iter_arxiv_streams_the_same_records() -> None:
    problems: list[Problem] = []
    stream = iter_arxiv(QUERY, problems)
    first = next(stream)
    assert first.arxiv_id == "2108.09084"
    assert_papers([first, *stream], EXPECTED_QUERY)
    assert problems == []


def test_error_feed_is_a_problem_not_a_paper() -> None:
    records = read_arxiv(DATA / "error.atom")
    assert records.papers == []
    assert problems_of(records.problems) == [
        (11, "error", False, "the arXiv API returned an error instead of results: incorrect id format for "
         "1234.12345 (http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345)")]
    with pytest.raises(ExtractionError, match="incorrect id format"):
        read_arxiv(DATA / "error.atom", strict=True)


def test_empty_result_feed_has_no_papers_and_no_problems() -> None:
    records = read_arxiv(DATA / "empty.atom", strict=True)
    assert records.papers == [] and records.problems == []


def test_page_shorter_than_its_opensearch_numbers_is_a_warning() -> None:
    # A real classic-API answer for an unknown id: totalResults 1, no entry.
    records = read_arxiv(DATA / "empty-classic.atom")
    assert records.papers == []
    assert problems_of(records.problems) == [
        (0, "warning", False, "the feed has 0 entries but its opensearch numbers (1 results at 10 per page) "
         "promise 1; the arXiv API sometimes returns short pages, so this one may be incomplete")]


# --- damaged entries ---------------------------------------------------------------------------------


def test_bad_entries_are_reported_with_their_line_and_the_rest_kept() -> None:
    records = read_arxiv(DATA / "bad-entries.atom")
    assert [(p.record, p.source_line, p.arxiv_id, p.arxiv_version, p.updated) for p in records.papers] == [
        (1, 8, "2102.04490", 2, dt.date(2021, 6, 1)),
        (9, 63, "2103.00006", 1, None),
        (10, 71, "2103.00007", 3, dt.date(2021, 3, 20)),
    ]
    assert problems_of(records.problems) == [
        (19, "error", True, "entry 2: no <id>; entry skipped"),
        (24, "error", True, "entry 3: <id> 'http://arxiv.org/abs/not-an-id' is not an arXiv abstract URL; "
         "entry skipped"),
        (30, "error", True, "entry 4 (2103.00001): no <title>; entry skipped"),
        (37, "error", True, "entry 5 (2103.00002): no <author>; entry skipped"),
        (42, "error", True, "entry 6 (2103.00003): <published> '2021-13-45T10:00:00Z' is not an ISO 8601 "
         "date; entry skipped"),
        (48, "error", True, "entry 7 (2103.00004): author 3 'Chuhan Wu' (line 54) is author 1 'Chuhan Wu' "
         "again; entry skipped"),
        (56, "error", True, "entry 8 (2103.00005): author 2 (line 61) has no <name>; entry skipped"),
        (63, "warning", False, "entry 9 (2103.00006): <updated> 'yesterday' is not an ISO 8601 date; "
         "left out"),
    ]
    assert len(records.skipped) == 7
    assert str(records.skipped[0]).endswith("bad-entries.atom:19: error: entry 2: no <id>; entry skipped")


def test_strict_mode_raises_on_any_problem() -> None:
    with pytest.raises(ExtractionError) as e:
        read_arxiv(DATA / "bad-entries.atom", strict=True)
    assert len(e.value.problems) == 8
    with pytest.raises(ExtractionError, match="cmp-lg"):  # a warning is enough
        read_arxiv(QUERY_2025, strict=True)
    assert len(read_arxiv(QUERY, strict=True).papers) == 7


def test_truncated_file_keeps_the_entries_before_the_cut(tmp_path: Path) -> None:
    lines = QUERY.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write(tmp_path, "".join(lines[:95]))  # cut inside entry 3 (lines 84-107)
    records = read_arxiv(path)
    assert_papers(records.papers, EXPECTED_QUERY[:2])
    assert problems_of(records.problems) == [
        (96, "error", True, "malformed XML: the file ends before the feed is closed (is it truncated?); "
         "reading stopped here (2 entries before it were read); the entry starting at line 84 is incomplete "
         "and skipped")]
    with pytest.raises(ExtractionError):
        read_arxiv(path, strict=True)


def test_malformed_xml_mid_file_stops_there_and_keeps_what_came_before(tmp_path: Path) -> None:
    text = QUERY.read_text(encoding="utf-8")
    assert "<name>Tim Dettmers</name>" in text.splitlines()[120]  # line 121, in entry 4 (line 108)
    path = write(tmp_path, text.replace("<name>Tim Dettmers</name>", "<name>Tim Dettmers</nam>"))
    records = read_arxiv(path)
    assert_papers(records.papers, EXPECTED_QUERY[:3])
    [problem] = records.problems
    assert (problem.line, problem.severity, problem.skipped_block) == (121, "error", True)
    assert problem.message == ("malformed XML: mismatched tag (column 27); reading stopped here (3 entries"
                               " before it were read); the entry starting at line 108 is incomplete and "
                               "skipped")


NO_START_TAG = "not well-formed (invalid token) (column 1)"


@pytest.mark.parametrize(("content", "line", "message"), [
    (b"", 0, "the file is empty"),
    (b"   \n\n", 3, "not well-formed XML: no element found (column 1)"),
    (b"@article{wu2021,\n  title={Fastformer}\n}\n", 1, f"not well-formed XML: {NO_START_TAG}"),
    (b'{"id": "https://openalex.org/W3193981010"}', 1, f"not well-formed XML: {NO_START_TAG}"),
    (b'<?xml version="1.0"?>\n<dblp>\n<article key="journals/corr/abs-2108-09084"><title>F</title></article>'
     b"\n</dblp>\n", 2, "not an Atom feed: the root element is 'dblp', not {http://www.w3.org/2005/Atom}feed"),
    (b'<rss version="2.0"><channel><title>cs.CL updates on arXiv.org</title></channel></rss>', 1,
     "not an Atom feed: the root element is 'rss', not {http://www.w3.org/2005/Atom}feed"),
    (b'<?xml version="1.0"?>\n<feed>\n<entry><id>http://arxiv.org/abs/2101.00001v1</id></entry></feed>', 2,
     "not an Atom feed: the root element is 'feed', not {http://www.w3.org/2005/Atom}feed"),
])
def test_a_file_that_is_no_atom_feed_is_refused(tmp_path: Path, content: bytes, line: int,
                                                message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ExtractionError) as e:
        read_arxiv(path)
    assert problems_of(e.value.problems) == [(line, "error", False, message)]


def test_a_missing_file_is_a_line_0_problem(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as e:
        read_arxiv(tmp_path / "nowhere.atom")
    assert problems_of(e.value.problems) == [(0, "error", False, "cannot read the file: No such file or "
                                              "directory")]


# --- fields: ids, dates, categories, DOIs, links --------------------------------------------------


@pytest.mark.parametrize(("raw", "arxiv_id", "version"), [
    ("http://arxiv.org/abs/2306.01234v2", "2306.01234", 2),
    ("https://arxiv.org/abs/2306.01234v12", "2306.01234", 12),
    ("http://arxiv.org/abs/0704.0001v1", "0704.0001", 1),
    ("http://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
    ("http://arxiv.org/abs/math.GT/0309136", "math.GT/0309136", None),
    ("  http://arxiv.org/abs/cond-mat/0207270v1\n ", "cond-mat/0207270", 1),
])
def test_ids_and_versions(tmp_path: Path, raw: str, arxiv_id: str, version: int | None) -> None:
    [paper] = read_arxiv(write(tmp_path, feed(entry(id=raw)))).papers
    assert (paper.arxiv_id, paper.arxiv_version) == (arxiv_id, version)


@pytest.mark.parametrize(("published", "updated", "want"), [
    ("2007-02-27T16:02:02-05:00", "2007-06-25T17:09:59-04:00", (dt.date(2007, 2, 27), dt.date(2007, 6, 25))),
    ("2007-02-27T21:02:02-05:00", "2007-06-25T23:09:59-04:00", (dt.date(2007, 2, 28), dt.date(2007, 6, 26))),
    ("2025-01-08T23:59:59Z", "2025-01-09T00:00:00+00:00", (dt.date(2025, 1, 8), dt.date(2025, 1, 9))),
    ("2021-03-01", "2021-03-02", (dt.date(2021, 3, 1), dt.date(2021, 3, 2))),
])
def test_dates_are_utc_dates(tmp_path: Path, published: str, updated: str,
                             want: tuple[dt.date, dt.date]) -> None:
    path = write(tmp_path, feed(entry(published=published, updated=updated)))
    [paper] = read_arxiv(path, strict=True).papers
    assert (paper.published, paper.updated, paper.year) == (*want, want[0].year)


def test_updated_before_published_and_missing_updated_are_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, feed(entry(published="2021-03-02T00:00:00Z", updated="2021-03-01T00:00:00Z"),
                                entry(id="http://arxiv.org/abs/2101.00002v1").replace(
                                    "<updated>2021-01-04T10:00:00Z</updated>", "")))
    records = read_arxiv(path)
    assert [(p.updated, p.record) for p in records.papers] == [(dt.date(2021, 3, 1), 1), (None, 2)]
    assert problems_of(records.problems) == [
        (3, "warning", False, "entry 1 (2101.00001): <updated> 2021-03-01 is before <published> 2021-03-02; "
         "both kept"),
        (4, "warning", False, "entry 2 (2101.00002): no <updated> date"),
    ]


def test_categories_primary_first_deduplicated_arxiv_only(tmp_path: Path) -> None:
    terms = ["cs.LG", "cs.CL", "stat.ML", "cs.LG", "I.2.7", "68T50", "H.3.3; I.2.7", "IR", "cmp-lg",
             "math-ph", "cond-mat.stat-mech", "q-bio.NC", "eess.AS"]
    extra = ('<arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>'
             + "".join(f'<category term="{t}" scheme="http://arxiv.org/schemas/atom"/>' for t in terms))
    records = read_arxiv(write(tmp_path, feed(entry(extra=extra))))
    assert records.papers[0].categories == ["cs.CL", "cs.LG", "stat.ML", "math-ph", "cond-mat.stat-mech",
                                            "q-bio.NC", "eess.AS"]
    # ACM (I.2.7, H.3.3), MSC (68T50) and a profile-page code (IR) go silently: they are no arXiv terms.
    assert problems_of(records.problems) == [
        (3, "warning", False, "entry 1 (2101.00001): unknown arXiv category 'cmp-lg' left out (not in the "
         "taxonomy)")]


def test_no_categories_gives_an_empty_list(tmp_path: Path) -> None:
    [paper] = read_arxiv(write(tmp_path, feed(entry())), strict=True).papers
    assert paper.categories == [] and paper.primary_category is None


def test_dois_first_is_doi_others_are_urls(tmp_path: Path) -> None:
    extra = ("<arxiv:doi>10.1103/PhysRevD.76.013009 10.1103/PhysRevD.76.013010</arxiv:doi>"
             '<link title="doi" href="http://dx.doi.org/10.1103/PhysRevD.76.013009" rel="related"/>'
             '<link rel="related" href="https://doi.org/10.5281/ZENODO.42"/>'
             "<arxiv:doi>10.48550/arXiv.2101.00001</arxiv:doi>"  # the paper's own DataCite DOI: no DOI
             "<arxiv:doi>10.48550/arXiv.1706.03762</arxiv:doi>"
             "<arxiv:doi>n/a</arxiv:doi>"
             '<link href="http://arxiv.org/abs/2101.00001v1" rel="alternate" type="text/html"/>')
    records = read_arxiv(write(tmp_path, feed(entry(extra=extra))))
    [paper] = records.papers
    assert paper.doi == "10.1103/physrevd.76.013009"
    assert paper.urls == ["https://doi.org/10.1103/physrevd.76.013010", "https://doi.org/10.5281/zenodo.42"]
    assert problems_of(records.problems) == [
        (3, "warning", False, "entry 1 (2101.00001): DOI 10.48550/arxiv.1706.03762 names another arXiv "
         "paper (1706.03762); left out"),
        (3, "warning", False, "entry 1 (2101.00001): 'n/a' (line 3) is not a DOI; left out"),
    ]


def test_links_come_from_summary_then_comment(tmp_path: Path) -> None:
    text = feed(entry(extra="<arxiv:comment>Code: https://github.com/a/b and https://example.org/x; "
                            "also https://github.com/a/b.git</arxiv:comment>").replace(
        "An abstract.", "See\n  https://huggingface.co/org and $\\textbf{ZIP}$ at https://github.com/a/b."))
    [paper] = read_arxiv(write(tmp_path, text), strict=True).papers
    assert [link.url for link in paper.links] == ["https://huggingface.co/org", "https://github.com/a/b",
                                                   "https://example.org/x"]
    assert paper.has_code
    assert paper.abstract == "See https://huggingface.co/org and $\\textbf{ZIP}$ at https://github.com/a/b."
    assert paper.abstract_text == "See https://huggingface.co/org and ZIP at https://github.com/a/b."


def test_title_latex_and_white_space_and_author_affiliations(tmp_path: Path) -> None:
    authors_xml = ("<author><name>  Ana\n de la  Fuente </name><arxiv:affiliation>CSIC,\n Madrid"
                   "</arxiv:affiliation><arxiv:affiliation>CSIC, Madrid</arxiv:affiliation>"
                   "<arxiv:affiliation> </arxiv:affiliation></author>"
                   "<author><name>Wei Li</name><uri>https://example.org/wl</uri></author>")
    title = "On the\n   $\\alpha$-Stability of\n  \\textit{Deep} Nets"
    text = feed(entry(title=title, authors_xml=authors_xml))
    [paper] = read_arxiv(write(tmp_path, text), strict=True).papers
    assert paper.title == "On the α-Stability of Deep Nets"
    assert paper.authors == [author("Ana de la Fuente", 1, "CSIC, Madrid"), author("Wei Li", 2)]
    assert not paper.author_list_truncated


def test_repeated_single_elements_use_the_first(tmp_path: Path) -> None:
    text = feed(entry(extra="<title>Another title</title>"))
    records = read_arxiv(write(tmp_path, text))
    assert records.papers[0].title == "A paper"
    assert problems_of(records.problems) == [
        (3, "warning", False, "entry 1 (2101.00001): more than one <title>; the first is used")]


def test_entries_on_one_line_are_told_apart_by_record_number(tmp_path: Path) -> None:
    one_line = feed(entry(), entry(id="http://arxiv.org/abs/2101.00002v1"), entry(title="")).replace("\n", "")
    records = read_arxiv(write(tmp_path, one_line))
    assert [(p.record, p.source_line) for p in records.papers] == [(1, 1), (2, 1)]
    assert problems_of(records.problems) == [(1, "error", True, "entry 3 (2101.00001): no <title>; entry "
                                              "skipped")]


# --- hostile XML -----------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
""" + billion_laughs_doctype("feed") + """
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2101.00001v1</id>
<published>2021-01-04T10:00:00Z</published><title>&lol9;</title><summary>&lol9;</summary>
<author><name>Ann Lee</name></author></entry></feed>
"""


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(ExtractionError) as e:
        read_arxiv(write(tmp_path, BILLION_LAUGHS))
    assert time.perf_counter() - start < 2
    assert problems_of(e.value.problems) == [
        (3, "error", False, "the DOCTYPE (line 2) declares the entity 'lol'; the arXiv API never sends a "
         "DOCTYPE, and entity declarations can expand without bound or read local files, so the file is "
         "refused")]
    problems: list[Problem] = []
    assert list(iter_arxiv(tmp_path / "feed.atom", problems)) == []  # the stream refuses it too
    assert len(problems) == 1


def _xxe(target: str, parameter: bool = False) -> str:
    decl = (f'<!ENTITY % ext SYSTEM "{target}"> %ext;' if parameter else f'<!ENTITY xxe SYSTEM "{target}">')
    return feed(entry(title="Leak &xxe; here" if not parameter else "A paper"),
                head=f"<!DOCTYPE feed [ {decl} ]>\n")


@pytest.mark.parametrize("parameter", [False, True])
def test_xxe_is_refused_and_the_local_file_never_appears(tmp_path: Path, parameter: bool) -> None:
    etc = Path("/etc/passwd")
    passwd = etc.read_text(encoding="utf-8", errors="replace") if etc.exists() else "root:x:0:0"
    with pytest.raises(ExtractionError) as e:
        read_arxiv(write(tmp_path, _xxe("file:///etc/passwd", parameter)))
    [problem] = e.value.problems
    kind = "parameter entity 'ext'" if parameter else "entity 'xxe'"
    assert problem.line == 2 and f"the DOCTYPE (line 2) declares the {kind};" in problem.message
    assert passwd.splitlines()[0] not in str(e.value)
    # The stream interface yields nothing either, so no record can carry the file.
    problems: list[Problem] = []
    papers = list(iter_arxiv(tmp_path / "feed.atom", problems))
    assert papers == []
    assert all(passwd.splitlines()[0] not in p.message for p in problems)


def _never_opens(path: Path, tmp_path: Path) -> list[Problem]:
    """Read ``path`` in a thread; a FIFO named in the document would block any attempt to open it."""
    problems: list[Problem] = []
    done = threading.Event()

    def run() -> None:
        list(iter_arxiv(path, problems))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(10), "the reader tried to open the entity's or the DTD's target"
    return problems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["entity", "parameter", "dtd"])
def test_external_entities_and_dtds_are_never_opened(tmp_path: Path, kind: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    if kind == "dtd":
        text = feed(entry(), head=f'<!DOCTYPE feed SYSTEM "{fifo.as_uri()}">\n')
    else:
        text = _xxe(fifo.as_uri(), parameter=kind == "parameter")
    problems = _never_opens(write(tmp_path, text), tmp_path)
    if kind == "dtd":  # an external DTD is not an entity declaration: it is simply not loaded
        assert problems_of(problems) == [(2, "warning", False, "a DOCTYPE is not part of the arXiv API "
                                          "format; it was not loaded")]
    else:
        assert [p.line for p in problems] == [2] and "declares the" in problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_no_network_for_an_http_dtd(tmp_path: Path) -> None:
    text = feed(entry(), head='<!DOCTYPE feed SYSTEM "http://127.0.0.1:9/never.dtd">\n')
    records = read_arxiv(write(tmp_path, text))
    assert len(records.papers) == 1
    assert [p.message for p in records.problems] == ["a DOCTYPE is not part of the arXiv API format; it was "
                                                     "not loaded"]


# --- encoding damage -------------------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_reported_at_its_line(tmp_path: Path) -> None:
    data = QUERY.read_bytes()
    assert "Tomás".encode() in data.splitlines()[97]  # line 98
    path = write(tmp_path, data.replace("Tomás".encode(), b"Tom\xe1s"))  # Latin-1 bytes in a UTF-8 file
    records = read_arxiv(path)
    assert len(records.papers) == 7
    assert records.papers[2].authors[1].name == "Tom\ufffds Ferreira"
    assert_papers(records.papers[3:], EXPECTED_QUERY[3:])
    assert problems_of(records.problems) == [(98, "warning", False, "invalid UTF-8 read as U+FFFD (\ufffd)")]


def test_control_characters_are_read_as_spaces(tmp_path: Path) -> None:
    data = QUERY.read_bytes().replace(b"Fastformer: Additive", b"Fastformer:\x01Additive\x1b", 1)
    records = read_arxiv(write(tmp_path, data))
    assert records.papers[0].title == "Fastformer: Additive Attention Can Be All You Need"
    assert problems_of(records.problems) == [
        (14, "warning", False, "control character U+0001 (not allowed in XML) read as a space")]


def test_utf8_split_across_read_chunks_is_not_damage(tmp_path: Path) -> None:
    from kg.extract import arxiv
    text = feed(*(entry(id=f"http://arxiv.org/abs/2101.{k:05d}v1", title=f"Éé {k} ∑ 😀 ñ")
                  for k in range(1200)))
    path = write(tmp_path, text)
    assert len(text.encode()) > 3 * arxiv.READ_SIZE  # many chunk borders fall inside characters
    records = read_arxiv(path, strict=True)
    assert [p.title for p in records.papers] == [f"Éé {k} ∑ 😀 ñ" for k in range(1200)]


def test_many_damaged_lines_are_summed_up(tmp_path: Path) -> None:
    text = feed(*(entry(id=f"http://arxiv.org/abs/2101.{k:05d}v1", title=f"Paper {k} \udcff")
                  for k in range(MAX_LINE_REPORTS + 5)))
    path = write(tmp_path, text.encode("utf-8", errors="surrogateescape"))
    records = read_arxiv(path)
    assert len(records.papers) == MAX_LINE_REPORTS + 5
    assert len(records.problems) == MAX_LINE_REPORTS + 1
    assert records.problems[-1].message == ("5 more lines with invalid UTF-8 (replaced) are not listed one "
                                            "by one")
    assert records.problems[-1].line == MAX_LINE_REPORTS + 5 + 2


# --- the registry ------------------------------------------------------------------------------------


def test_reader_registration() -> None:
    assert (READER.format, READER.kind, READER.extensions) == ("arxiv", "arxiv-atom", (".atom",))
    assert READER.read is read_arxiv


def test_detect_by_extension_and_by_sniffing(tmp_path: Path) -> None:
    assert detect(QUERY) is READER
    assert detect(QUERY_2025) is READER  # .xml: by its content
    copy = write(tmp_path, QUERY.read_bytes(), "export.arxiv.org-api-query")  # no extension at all
    assert detect(copy) is READER
    assert len(read_source(copy).papers) == 7
    assert detect(PROFILE).format == "profile"
    assert not _sniff(PROFILE.read_bytes()[:65536])


@pytest.mark.parametrize(("head", "claimed"), [
    (QUERY.read_bytes(), True),
    (QUERY_2025.read_bytes(), True),
    ((DATA / "error.atom").read_bytes(), True),
    ((DATA / "empty.atom").read_bytes(), True),
    ((DATA / "empty-classic.atom").read_bytes(), True),  # only the Atom namespace, but arXiv API URLs
    (b"<atom:feed xmlns:atom='http://www.w3.org/2005/Atom'><atom:id>http://arxiv.org/api/x</atom:id>", True),
    (b"Chuhan Wu\n\nIR\nh-index46 / 77papers\n\n77 Papers\n\nCLIRMar 5, 2024\nA title\n", False),
    (b"@article{wu2021fastformer,\n  title={Fastformer},\n  eprint={2108.09084},\n  url={https://arxiv.org/abs/"
     b"2108.09084}\n}\n", False),
    (b'{"results": [{"id": "https://openalex.org/W3193981010", "ids": {"arxiv": "https://arxiv.org/abs/2108.09084"'
     b"}}]}", False),
    (b'<?xml version="1.0"?>\n<dblp><article key="journals/corr/abs-2108-09084"><ee>https://arxiv.org/abs/'
     b"2108.09084</ee></article></dblp>", False),
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A blog</title><entry>'
     b"<id>tag:blog</id></entry></feed>", False),  # an Atom feed, but no arXiv one
    (b'<rss version="2.0"><channel><link>https://arxiv.org/abs/2108.09084</link></channel></rss>', False),
])
def test_sniff_claims_arxiv_feeds_only(head: bytes, claimed: bool) -> None:
    assert _sniff(head[:65536]) is claimed


# --- streaming, speed and memory -----------------------------------------------------------------

PAD = ("We evaluate the method on standard benchmarks and report consistent gains over strong baselines "
       "while using a fraction of the memory of earlier models.\n") * 9
BIG_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{yymm}.{n:05d}v{v}</id>
    <updated>20{yy}-{mm:02d}-{dd:02d}T10:00:00Z</updated>
    <published>20{yy}-{mm:02d}-{dd:02d}T09:00:00Z</published>
    <title>Generated paper {i}: efficient
  attention for long documents</title>
    <summary>  Problem {i} is studied with a linear-time model.
{pad}{code}</summary>
    <author><name>Author {a} Lee</name><arxiv:affiliation>University {u}</arxiv:affiliation></author>
    <author><name>Author {b} Kim</name></author>
    <arxiv:comment>12 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/{yymm}.{n:05d}v{v}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{yymm}.{n:05d}v{v}" rel="related" type="application/pdf"/>
    <arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def write_big(path: Path, count: int) -> int:
    """A feed of ``count`` generated entries (about 2.3 kB each); returns its size in bytes."""
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
                'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
                'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
                f"  <opensearch:totalResults>{count}</opensearch:totalResults>\n")
        for i in range(count):
            yy, mm, dd = 10 + i % 15, 1 + i % 12, 1 + i % 28
            f.write(BIG_ENTRY.format(i=i, yy=yy, mm=mm, dd=dd, yymm=f"{yy}{mm:02d}", n=i % 100000,
                                     v=1 + i % 3, a=i % 400, b=(i * 7) % 400, u=i % 50, pad=PAD,
                                     code=f"Code: https://github.com/lab/p{i}\n" if i % 10 == 0 else ""))
        f.write("</feed>\n")
    return path.stat().st_size


MEASURE = """
import resource, sys, time
from kg.extract.arxiv import iter_arxiv, read_arxiv
read_arxiv(sys.argv[2])  # imports, caches
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
problems = []
start = time.perf_counter()
count, last = 0, None
for last in iter_arxiv(sys.argv[1], problems):
    count += 1
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(count, len(problems), (after - before) * 1024, seconds, last.record, last.source_line)
"""


def test_big_file_streams_with_flat_memory(tmp_path: Path) -> None:
    """20,000 entries (~46 MB) in a fresh interpreter: peak RSS may not grow by a twentieth of it.

    RSS sees everything, the parser's C buffers included; tracemalloc, which slows reading
    fivefold, is used on a smaller file below.  The last entry's line is checked too.
    """
    count = 20_000
    size = write_big(tmp_path / "big.atom", count)
    assert size > 30_000_000
    out = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path / "big.atom"), str(QUERY)],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    n, problems, grown, seconds = int(out[0]), int(out[1]), int(out[2]), float(out[3])
    assert (n, problems) == (count, 0)
    # Exact lines far past 65,535 (where libxml2, behind lxml, would be off by one).
    data = (tmp_path / "big.atom").read_bytes()
    assert (int(out[4]), int(out[5])) == (count, data.count(b"\n", 0, data.rindex(b"<entry>")) + 1)
    assert int(out[5]) > 500_000
    assert grown < size / 20, f"peak RSS grew by {grown / 1e6:.1f} MB reading {size / 1e6:.1f} MB"
    print(f"{count} records in {seconds:.2f} s: {count / seconds:.0f} records/s")


def test_python_allocations_stay_flat(tmp_path: Path) -> None:
    """tracemalloc: the Python-side peak is small and does not grow with the number of entries."""
    read_arxiv(QUERY)  # the taxonomy and other one-time loads are not per-record memory
    peaks = []
    for count in (250, 1000):
        size = write_big(tmp_path / f"{count}.atom", count)
        problems: list[Problem] = []
        tracemalloc.start()
        try:
            assert sum(1 for _ in iter_arxiv(tmp_path / f"{count}.atom", problems)) == count
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert problems == []
    # under 1 MB: bounded caches and one read chunk; the 46 MB file above stays at the same level
    assert peaks[1] < min(size / 2, 2_000_000), f"tracemalloc peak {peaks[1] / 1e6:.1f} MB"
    assert peaks[1] < peaks[0] * 1.5, f"peak grew from {peaks[0]} to {peaks[1]} bytes with 4x the entries"


# --- fuzzing ------------------------------------------------------------------------------------------


def _read_bytes(data: bytes) -> list[Paper]:
    """Read ``data`` from a temporary file; nothing but ExtractionError may escape."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.atom"
        path.write_bytes(data)
        try:
            records = read_arxiv(path)
        except ExtractionError as e:
            assert e.problems and all(isinstance(p, Problem) for p in e.problems)
            return []
        assert all(isinstance(p, Problem) for p in records.problems)
        return records.papers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _read_bytes(data)


QUERY_BYTES = QUERY.read_bytes()
ENTRY_ENDS = [QUERY_BYTES.index(b"</entry>", QUERY_BYTES.index(f"/{p.arxiv_id}v{p.arxiv_version}<".encode()))
              + len(b"</entry>") for p in EXPECTED_QUERY]
DAMAGE = [b"\x00", b"\xff", b"\xc3", b"<", b">", b"&", b"&lol;", b"]]>", b"</entry>", b"<entry>", b'"',
          b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"\n", b"\xef\xbb\xbf", b"<![CDATA[", b"\x1b"]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, len(QUERY_BYTES)), st.integers(0, 40), st.sampled_from(DAMAGE), st.booleans())
def test_damage_never_costs_the_entries_before_it(at: int, cut: int, insert: bytes, truncate: bool) -> None:
    """Whatever is done at byte ``at``, every entry that ends before it comes out unchanged."""
    data = QUERY_BYTES[:at] if truncate else QUERY_BYTES[:at] + insert + QUERY_BYTES[at + cut:]
    papers = {p.record: p for p in _read_bytes(data)}
    for want, end in zip(EXPECTED_QUERY, ENTRY_ENDS, strict=True):
        if end <= at:
            assert papers.get(want.record) == want


# --- more structure -----------------------------------------------------------------------------------


def test_an_oversized_entry_is_skipped_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.extract import arxiv
    monkeypatch.setattr(arxiv, "MAX_ENTRY_CHARS", 1000)
    big = entry(id="http://arxiv.org/abs/2101.00002v1").replace("An abstract.", "word " * 400)
    records = read_arxiv(write(tmp_path, feed(entry(), big, entry(id="http://arxiv.org/abs/2101.00003v1"))))
    assert [p.arxiv_id for p in records.papers] == ["2101.00001", "2101.00003"]
    assert problems_of(records.problems) == [
        (4, "error", True, "entry 2: it holds more than 1,000 characters of text; entry skipped")]


def test_xhtml_title_text_and_undeclared_entities(tmp_path: Path) -> None:
    title = ('<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b>\n'
             "  title</div></title>")
    text = feed(entry(extra=title).replace("<summary>An abstract.", "<summary>An &unknown; abstract."),
                head='<!DOCTYPE feed SYSTEM "https://example.org/feed.dtd">\n')
    records = read_arxiv(write(tmp_path, text))
    [paper] = records.papers
    assert paper.title == "A paper"  # the first title wins; the second is reported
    assert paper.abstract == "An abstract."
    assert problems_of(records.problems) == [
        (2, "warning", False, "a DOCTYPE is not part of the arXiv API format; it was not loaded"),
        (4, "warning", False, "entity reference &unknown; left out (entities are never expanded)"),
        (4, "warning", False, "entry 1 (2101.00001): more than one <title>; the first is used"),
    ]
    only_xhtml = feed(entry(title="").replace("<title></title>", title))
    [paper] = read_arxiv(write(tmp_path, only_xhtml), strict=True).papers
    assert paper.title == "A bold title"


def test_two_concatenated_pages_keep_the_first(tmp_path: Path) -> None:
    first = feed(entry())
    path = write(tmp_path, first + feed(entry(id="http://arxiv.org/abs/2101.00002v1")))
    records = read_arxiv(path)
    assert [p.arxiv_id for p in records.papers] == ["2101.00001"]
    assert problems_of(records.problems) == [
        (5, "error", False, "malformed XML: junk after document element (column 1); reading stopped here (1 "
         "entries before it were read)")]


def test_entries_outside_the_atom_namespace_are_not_read(tmp_path: Path) -> None:
    text = feed(entry().replace("<entry>", '<entry xmlns="http://example.org/other">'), entry())
    records = read_arxiv(write(tmp_path, text), strict=True)
    assert [(p.record, p.source_line) for p in records.papers] == [(1, 4)]
