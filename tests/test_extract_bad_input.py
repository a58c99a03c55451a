"""Every class of bad input, made by damaging the seed: reported at the right line, the other
blocks still read exactly as from the intact seed, the skipped count right, strict refuses."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import AS_OF, SEED
from test_extract_helpers import scan

from kg.extract import ExtractionError, read_profile
from kg.models import Paper, ProfileRecords

SEED_BYTES = SEED.read_bytes()
SEED_LINES = SEED_BYTES.split(b"\n")
BLOCKS = scan(SEED_BYTES.decode("utf-8"))
K = 20  # the block damaged in most tests
HEAD = BLOCKS[K].line  # 1-based line numbers of its lines
TITLE, AUTHORS, ABSTRACT = HEAD + 1, HEAD + 3, HEAD + 5


def same(a: Paper, b: Paper) -> bool:
    """Equal papers, ignoring where they start (inserted/removed lines shift that)."""
    return a.model_copy(update={"source_line": None}) == b.model_copy(update={"source_line": None})


def with_lines(edit: Callable[[list[bytes]], None]) -> bytes:
    lines = list(SEED_LINES)
    edit(lines)
    return b"\n".join(lines)


def read(tmp_path: Path, data: bytes, strict: bool = False) -> ProfileRecords:
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    return read_profile(path, as_of=AS_OF, strict=strict)


def located(records: ProfileRecords, tmp_path: Path) -> list[tuple[int, str]]:
    """(line, severity) of every problem, checking each prints as ``file:line: ...``."""
    for p in records.problems:
        assert str(p).startswith(f"{tmp_path / 'page.txt'}:{p.line}: {p.severity}: ")
    return [(p.line, p.severity) for p in records.problems]


def assert_others_intact(records: ProfileRecords, seed: ProfileRecords, lost: set[int]) -> None:
    """Every seed paper except the ``lost`` block indexes is read, in order, unchanged."""
    expected = [p for k, p in enumerate(seed.papers) if k not in lost]
    assert len(records.papers) == len(expected)
    for got, want in zip(records.papers, expected, strict=True):
        assert same(got, want), want.title


def assert_strict_refuses(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "strict.txt"
    path.write_bytes(data)
    with pytest.raises(ExtractionError) as e:
        read_profile(path, as_of=AS_OF, strict=True)
    assert e.value.problems and all(str(p).startswith(f"{path}:") for p in e.value.problems)


# -- damaged blocks: skipped, located, the rest read ------------------------------------------


@pytest.mark.parametrize(("name", "edit", "line", "words"), [
    ("unknown month", lambda ls: ls.__setitem__(HEAD - 1, ls[HEAD - 1].replace(b"Apr", b"Apx")),
     HEAD, "unknown month 'Apx'"),
    ("impossible day", lambda ls: ls.__setitem__(HEAD - 1, ls[HEAD - 1].replace(b"Apr 12", b"Apr 31")),
     HEAD, "invalid date"),
    ("missing title (blank)", lambda ls: ls.__setitem__(TITLE - 1, b""), HEAD, "missing title"),
    ("missing title (deleted)", lambda ls: ls.__delitem__(TITLE - 1), HEAD, "missing title"),
    # the abstract moves up to line AUTHORS and is reported there as "not a list of names"
    ("missing author line", lambda ls: ls.__delitem__(slice(AUTHORS - 2, AUTHORS)), AUTHORS,
     "does not look like a list of names"),
    ("invalid UTF-8 in authors", lambda ls: ls.__setitem__(AUTHORS - 1, ls[AUTHORS - 1] + b"\xff\xfe"),
     AUTHORS, "unreadable author line"),
    ("invalid UTF-8 in title", lambda ls: ls.__setitem__(TITLE - 1, b"\xc3(" + ls[TITLE - 1]),
     TITLE, "unreadable title line"),
    ("invalid UTF-8 in abstract",
     lambda ls: ls.__setitem__(ABSTRACT - 1, ls[ABSTRACT - 1][:50] + b"\xe2\x82"),
     ABSTRACT, "unreadable abstract line"),
    ("garbage head", lambda ls: ls.__setitem__(HEAD - 1, b"%%%% 12 garbage %%%%"), HEAD,
     "not part of any paper"),
    ("lower-case month", lambda ls: ls.__setitem__(HEAD - 1, ls[HEAD - 1].replace(b"Apr", b"apr")), HEAD,
     "not part of any paper"),
])
def test_damaged_block_is_skipped(tmp_path: Path, seed_records: ProfileRecords, name: str,
                                  edit: Callable[[list[bytes]], None], line: int, words: str) -> None:
    assert BLOCKS[K].title and b"Apr 12" in SEED_LINES[HEAD - 1]  # the block this test damages
    data = with_lines(edit)
    recs = read(tmp_path, data)
    assert_others_intact(recs, seed_records, lost={K})
    assert [p.line for p in recs.skipped] == [line], name
    assert words in recs.skipped[0].message
    assert recs.profile.papers_listed == 49
    errors = [(ln, sev) for ln, sev in located(recs, tmp_path) if sev == "error"]
    assert all(ln == line for ln, _ in errors)
    assert_strict_refuses(tmp_path, data)


def test_garbage_line_between_blocks(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = with_lines(lambda ls: ls.insert(HEAD - 1, b"<<< not a paper >>>"))  # becomes line HEAD
    recs = read(tmp_path, data)
    assert_others_intact(recs, seed_records, lost=set())
    assert located(recs, tmp_path) == [(HEAD, "error")] and len(recs.skipped) == 1
    assert "'<<< not a paper >>>'" in recs.skipped[0].message
    assert_strict_refuses(tmp_path, data)


def test_garbage_after_header(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = with_lines(lambda ls: ls.insert(11, b"Show more"))  # line 12, before the first block
    recs = read(tmp_path, data)
    assert_others_intact(recs, seed_records, lost=set())
    assert located(recs, tmp_path) == [(12, "error")] and len(recs.skipped) == 1


def test_unknown_category_code_kept_and_warned(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = with_lines(lambda ls: ls.__setitem__(HEAD - 1, b"QQ" + ls[HEAD - 1]))
    recs = read(tmp_path, data)
    assert len(recs.papers) == 50 and recs.skipped == []
    assert recs.papers[K].categories == ["QQ", *seed_records.papers[K].categories]
    assert located(recs, tmp_path) == [(HEAD, "warning")] and "'QQ'" in recs.problems[0].message
    assert_others_intact(recs.model_copy(update={"papers": recs.papers[:K] + recs.papers[K + 1:]}),
                         seed_records, lost={K})
    assert_strict_refuses(tmp_path, data)


# -- the whole file: truncated, encodings, line endings, white space ---------------------------


def test_truncated_in_a_title(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = b"\n".join(SEED_LINES[: TITLE - 1]) + b"\n" + SEED_LINES[TITLE - 1][:20]
    recs = read(tmp_path, data)
    assert_others_intact(recs, seed_records, lost=set(range(K, 50)))
    assert [p.line for p in recs.skipped] == [HEAD] and "missing author line" in recs.skipped[0].message
    assert_strict_refuses(tmp_path, data)


def test_truncated_in_an_abstract(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = b"\n".join(SEED_LINES[: ABSTRACT - 1]) + b"\n" + SEED_LINES[ABSTRACT - 1][:100]
    recs = read(tmp_path, data)
    assert recs.skipped == [] and len(recs.papers) == K + 1
    assert recs.papers[K].abstract == SEED_LINES[ABSTRACT - 1][:100].decode().strip()
    assert located(recs, tmp_path) == [(ABSTRACT, "warning")]
    assert "may be truncated" in recs.problems[0].message
    assert_others_intact(recs.model_copy(update={"papers": recs.papers[:K]}), seed_records,
                         lost=set(range(K, 50)))


def test_truncated_inside_a_multibyte_character(tmp_path: Path, seed_records: ProfileRecords) -> None:
    k = next(k for k, b in enumerate(BLOCKS) if b.org)  # an author line with " · "
    line = SEED_LINES[BLOCKS[k].line + 2]
    cut = line.index("·".encode()) + 1  # keep only the first byte of the 2-byte "·"
    data = b"\n".join(SEED_LINES[: BLOCKS[k].line + 2]) + b"\n" + line[:cut]
    recs = read(tmp_path, data)
    assert_others_intact(recs, seed_records, lost=set(range(k, 50)))
    assert located(recs, tmp_path) == [(BLOCKS[k].line + 3, "error"), (BLOCKS[k].line + 3, "error")]
    assert "invalid UTF-8" in recs.problems[0].message and len(recs.skipped) == 1


def test_truncated_in_the_header(tmp_path: Path) -> None:
    recs = read(tmp_path, b"\n".join(SEED_LINES[:5]))
    assert recs.papers == [] and (recs.profile.name, recs.profile.h_index) == ("Chuhan Wu", 46)
    assert located(recs, tmp_path) == [(5, "warning")] and "no paper blocks" in recs.problems[0].message


def test_bom(tmp_path: Path, seed_records: ProfileRecords) -> None:
    recs = read(tmp_path, b"\xef\xbb\xbf" + SEED_BYTES)
    assert recs.papers == seed_records.papers and recs.profile == seed_records.profile
    assert located(recs, tmp_path) == [(1, "warning")] and "BOM" in recs.problems[0].message
    assert_strict_refuses(tmp_path, b"\xef\xbb\xbf" + SEED_BYTES)


def test_crlf(tmp_path: Path, seed_records: ProfileRecords) -> None:
    recs = read(tmp_path, SEED_BYTES.replace(b"\n", b"\r\n"))
    assert recs.papers == seed_records.papers and recs.profile == seed_records.profile
    assert located(recs, tmp_path) == [(1, "warning")] and "CRLF" in recs.problems[0].message
    assert_strict_refuses(tmp_path, SEED_BYTES.replace(b"\n", b"\r\n"))


def test_lone_carriage_returns_and_controls(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = with_lines(lambda ls: ls.__setitem__(TITLE - 1, ls[TITLE - 1].replace(b" ", b"\r", 1)
                                                .replace(b" ", b"\x00", 1)))
    recs = read(tmp_path, data)
    assert recs.papers == seed_records.papers
    assert located(recs, tmp_path) == [(TITLE, "warning")]
    assert "U+0000, U+000D" in recs.problems[0].message


def test_tabs(tmp_path: Path, seed_records: ProfileRecords) -> None:
    def edit(ls: list[bytes]) -> None:
        ls[TITLE - 1] = b"\t" + ls[TITLE - 1] + b"\t"
        ls[AUTHORS - 1] = ls[AUTHORS - 1].replace(b", ", b",\t")

    recs = read(tmp_path, with_lines(edit))
    assert recs.papers == seed_records.papers
    assert located(recs, tmp_path) == [(TITLE, "warning"), (AUTHORS, "warning")]
    assert_strict_refuses(tmp_path, with_lines(edit))


def test_runs_of_blank_lines(tmp_path: Path, seed_records: ProfileRecords) -> None:
    def edit(ls: list[bytes]) -> None:
        ls[AUTHORS] = b"\n\n"  # 3 blank lines between authors and abstract: lines AUTHORS+1..+3
        ls[HEAD - 2] = b"   \n\n\n"  # 4 blank lines (one with spaces) before the block

    recs = read(tmp_path, with_lines(edit))
    assert_others_intact(recs, seed_records, lost=set())
    assert located(recs, tmp_path) == [(AUTHORS + 3 + 1, "warning")]
    assert recs.problems[0].message.startswith("3 blank lines where the page has one")
    assert_strict_refuses(tmp_path, with_lines(edit))
    # between blocks the format allows any number of blank lines: nothing to report
    between = with_lines(lambda ls: ls.__setitem__(HEAD - 2, b"\n\n\n\n"))
    assert read(tmp_path, between, strict=True).problems == []


def test_no_blank_between_title_and_authors(tmp_path: Path, seed_records: ProfileRecords) -> None:
    recs = read(tmp_path, with_lines(lambda ls: ls.__delitem__(TITLE)))
    assert_others_intact(recs, seed_records, lost=set())
    assert located(recs, tmp_path) == [(TITLE + 1, "warning")]


def test_final_newline_or_not(tmp_path: Path, seed_records: ProfileRecords) -> None:
    for tail in (b"\n", b"\n\n\n"):
        recs = read(tmp_path, SEED_BYTES + tail)
        assert recs.papers == seed_records.papers and recs.problems == []


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\n\n  \r\n\t\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(4000),
     "binary"),
    (random.Random(2).randbytes(50_000), "binary"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "binary"),
])
def test_unreadable_files(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    with pytest.raises(ExtractionError) as e:
        read_profile(path, as_of=AS_OF)
    assert [(p.line, p.severity) for p in e.value.problems] == [(0, "error")]
    assert words in e.value.problems[0].message and str(e.value).startswith(f"{path}:0: error:")


def test_one_stray_nul_is_not_a_binary_file(tmp_path: Path, seed_records: ProfileRecords) -> None:
    data = with_lines(lambda ls: ls.__setitem__(ABSTRACT - 1, ls[ABSTRACT - 1] + b"\x00"))
    recs = read(tmp_path, data)
    assert recs.papers == seed_records.papers and located(recs, tmp_path) == [(ABSTRACT, "warning")]


def test_missing_owner_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as e:
        read(tmp_path, b"\n".join(SEED_LINES[11:]))  # starts with a block: no owner
    assert [(p.line, "owner" in p.message) for p in e.value.problems] == [(1, True)]
    with pytest.raises(ExtractionError) as e:
        read_profile(tmp_path / "nope.txt", as_of=AS_OF)
    assert str(e.value).startswith(f"{tmp_path / 'nope.txt'}:0: error: cannot read the file")


def test_latin1_file_reports_each_bad_line(tmp_path: Path) -> None:
    text = SEED_BYTES.decode("utf-8").replace(" · ", " - ").replace("Tang", "Täng")
    data = text.encode("latin-1")
    recs = read(tmp_path, data)
    bad = [n for n, line in enumerate(data.split(b"\n"), start=1) if b"\xe4" in line]
    assert bad and [p.line for p in recs.problems if "invalid UTF-8" in p.message] == bad
    assert len(recs.papers) + len(recs.skipped) == 50 and recs.skipped


def test_strict_passes_clean_seed() -> None:
    assert read_profile(SEED, as_of=AS_OF, strict=True).problems == []


def test_year_less_date_with_other_capture_date() -> None:
    recs = read_profile(SEED, as_of=dt.date(2026, 5, 28))  # the day before "May 29"
    assert [p.published for p in recs.papers if p.year_inferred] == [dt.date(2025, 5, 29),
                                                                     dt.date(2026, 4, 14)]


# -- the header -------------------------------------------------------------------------------


def test_header_damage_never_costs_the_papers(tmp_path: Path, seed_records: ProfileRecords) -> None:
    def edit(ls: list[bytes]) -> None:
        ls[6] = b"Novelty150%"  # out of range: reported and left out
        ls[9] = b"78 Papers"  # disagrees with "77papers" on line 5
        ls.insert(7, b"h-index47")  # a repeated metric: line 8, the first (46) kept
        ls.insert(8, b"Followers 12")  # unrecognised: line 9

    recs = read(tmp_path, with_lines(edit))
    shifted = [p.model_copy(update={"source_line": p.source_line + 2}) for p in seed_records.papers]
    assert recs.papers == shifted
    prof = recs.profile
    assert (prof.h_index, prof.novelty_pct, prof.papers_stated, prof.citations) == (46, None, 77, 14304)
    assert located(recs, tmp_path) == [(7, "error"), (8, "warning"), (9, "warning"), (12, "warning")]
    assert "novelty_pct=150" in recs.problems[0].message and recs.skipped == []
    assert "heading says 78 papers but the header states 77 (line 5)" in recs.problems[3].message


def test_header_with_only_the_owner(tmp_path: Path, seed_records: ProfileRecords) -> None:
    recs = read(tmp_path, b"Chuhan Wu\n\n" + b"\n".join(SEED_LINES[11:]))
    assert recs.problems == [] and len(recs.papers) == 50
    prof = recs.profile
    assert (prof.primary_category, prof.h_index, prof.papers_stated) == (None, None, None)
    assert [p.model_copy(update={"source_line": None}) for p in recs.papers] == \
        [p.model_copy(update={"source_line": None}) for p in seed_records.papers]
