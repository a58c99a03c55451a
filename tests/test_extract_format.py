"""Every point of the profile-page format, on the seed and on tiny pages, with exact values.

Seed numbers are the ones issue 2 must show, each also recomputed by an independent
regular-expression scan of the file (``test_extract_helpers.scan``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from conftest import AS_OF, OWNER, SEED
from test_extract_helpers import block, page, parse, scan

from kg.extract import read_profile
from kg.extract.latex import latex_to_text
from kg.extract.links import find_links, normalise_link
from kg.extract.profile import resolve_date
from kg.models import ProfileRecords
from kg.names import name_key, title_key

SEED_TEXT = SEED.read_text(encoding="utf-8")
BLOCKS = scan(SEED_TEXT)


def by_title(records: ProfileRecords, title: str):
    (paper,) = [p for p in records.papers if p.title == title]
    return paper


# -- the seed: the numbers issue 2 must show -----------------------------------------------


def test_seed_paper_count(seed_records: ProfileRecords) -> None:
    assert len(seed_records.papers) == 50 == len(BLOCKS)
    assert seed_records.problems == []
    assert [p.title for p in seed_records.papers] == [b.title for b in BLOCKS]
    assert [p.source_line for p in seed_records.papers] == [b.line for b in BLOCKS]


def test_seed_primary_categories(seed_records: ProfileRecords) -> None:
    got = Counter(p.primary_category for p in seed_records.papers)
    assert got == {"IR": 16, "CL": 15, "LG": 14, "AI": 3, "CV": 2}
    assert got == Counter(b.codes[0] for b in BLOCKS)
    assert [p.categories for p in seed_records.papers] == [list(b.codes) for b in BLOCKS]


def test_seed_code_and_org(seed_records: ProfileRecords) -> None:
    assert sum(p.has_code for p in seed_records.papers) == 7 == sum(b.code for b in BLOCKS)
    orgs = Counter(p.org for p in seed_records.papers)
    assert orgs == {None: 42, "tencent-ai": 8} == Counter(b.org for b in BLOCKS)


def test_seed_yearless_dates(seed_records: ProfileRecords) -> None:
    inferred = [(p.published, p.year_inferred) for p in seed_records.papers if p.year_inferred]
    assert inferred == [(dt.date(2026, 5, 29), True), (dt.date(2026, 4, 14), True)]
    assert sum(b.year is None for b in BLOCKS) == 2
    for paper, b in zip(seed_records.papers, BLOCKS, strict=True):
        if b.year is not None:
            assert paper.published.year == int(b.year) and not paper.year_inferred


def test_seed_links(seed_records: ProfileRecords) -> None:
    urls = [(link.url, link.kind) for p in seed_records.papers for link in p.links]
    assert urls == [
        ("https://github.com/CHIANGEL/Awesome-LLM-for-RecSys", "repository"),
        ("https://huggingface.co/Team-ACE", "account"),
        ("https://github.com/Tencent/Universal_Audio_Tokenizer", "repository"),
        ("https://github.com/Tencent/Unified_Audio_Schema", "repository"),
        ("https://github.com/YJiangcm/LTE", "repository"),
        ("https://github.com/YJiangcm/WebR", "repository"),
        ("https://github.com/Tencent/POINTS-Reader", "repository"),
    ]
    # Independent: every https URL in the raw abstracts, minus sentence period and slash.
    import re

    raw = [u.rstrip("./") for b in BLOCKS for u in re.findall(r"https://\S+", b.abstract)]
    assert [u for u, _ in urls] == raw
    assert sum(u.endswith(".") for b in BLOCKS for u in re.findall(r"https://\S+", b.abstract)) >= 1


def test_seed_truncated_and_names(seed_records: ProfileRecords) -> None:
    papers = seed_records.papers
    assert sum(p.author_list_truncated for p in papers) == 47 == sum(b.truncated for b in BLOCKS)
    visible = {a.name for p in papers for a in p.visible_authors}
    assert len(visible) == 54 == len({n for b in BLOCKS for n in b.names})
    assert len({a.name_key for p in papers for a in p.visible_authors}) == 54
    for paper, b in zip(papers, BLOCKS, strict=True):
        assert [(a.name, a.position) for a in paper.visible_authors] == \
            [(n, k) for k, n in enumerate(b.names, start=1)]
        if b.truncated:
            assert len(b.names) == 3


def test_seed_owner_inferred(seed_records: ProfileRecords) -> None:
    hidden = [p for p in seed_records.papers if OWNER not in [a.name for a in p.visible_authors]]
    assert len(hidden) == 17 == sum(OWNER not in b.names for b in BLOCKS)
    for p in seed_records.papers:
        owner = [a for a in p.authors if a.name_key == name_key(OWNER)]
        assert len(owner) == 1  # never dropped, never duplicated
        if p in hidden:
            assert owner[0].inferred and owner[0].position is None and p.author_list_truncated
        else:
            assert not owner[0].inferred and owner[0].position is not None


def test_seed_performance_law(seed_records: ProfileRecords) -> None:
    p = by_title(seed_records, "Performance Law of Large Language Models")
    assert [(a.name, a.position, a.inferred) for a in p.authors] == [
        ("Chuhan Wu", 1, False), ("Ruiming Tang", 2, False)]
    assert not p.author_list_truncated


def test_seed_profile_header(seed_records: ProfileRecords) -> None:
    prof = seed_records.profile
    assert (prof.name, prof.primary_category, prof.h_index, prof.papers_stated, prof.papers_listed,
            prof.citations, prof.novelty_pct, prof.ai_score, prof.as_of) == \
        ("Chuhan Wu", "IR", 46, 77, 50, 14304, 50, 61, AS_OF)
    head = SEED_TEXT.split("\n")[:11]
    assert head[5] == "14,304citations" and head[6] == "Novelty50%"  # the strings read above


def test_seed_abstracts_exact(seed_records: ProfileRecords) -> None:
    assert [p.abstract for p in seed_records.papers] == [b.abstract for b in BLOCKS]
    assert not SEED_TEXT.endswith("\n")  # the last block has no final newline, and is read
    assert seed_records.papers[-1].abstract == SEED_TEXT.rsplit("\n", 1)[1]


def test_seed_latex_plain_text(seed_records: ProfileRecords) -> None:
    texts = {p.title: p.abstract_text for p in seed_records.papers}
    joined = "\n".join(texts.values())
    assert "\\" not in joined and "$" not in joined and "``" not in joined
    zip_text = next(t for t in texts.values() if "method named ZIP for" in t)
    assert "an \u201centropy law\u201d that" in zip_text
    assert "a remarkable 17.11% enhancement" in joined
    assert "we propose TayFCS, a lightweight" in joined
    assert "the entire available 2500-day test period" in joined
    # plain text changes only where there was markup
    for p in seed_records.papers:
        if not any(c in p.abstract for c in "\\$`") and "--" not in p.abstract and "''" not in p.abstract:
            assert p.abstract_text == p.abstract


def test_as_of_is_recorded_and_changes_yearless_dates() -> None:
    recs = read_profile(SEED, as_of=dt.date(2027, 5, 1))
    assert recs.profile.as_of == dt.date(2027, 5, 1)
    assert [p.published for p in recs.papers if p.year_inferred] == [dt.date(2026, 5, 29),
                                                                     dt.date(2027, 4, 14)]


def test_default_as_of_is_today() -> None:
    assert read_profile(SEED).profile.as_of == dt.date.today()


# -- format points on tiny pages ------------------------------------------------------------


def test_fused_codes_and_code_flag() -> None:
    recs = parse(page(block("LGIRJun 9, 2023Code"), block("CLCVAIMay 29", title="B")))
    a, b = recs.papers
    assert (a.categories, a.primary_category, a.has_code, a.published, a.year_inferred) == \
        (["LG", "IR"], "LG", True, dt.date(2023, 6, 9), False)
    assert (b.categories, b.has_code, b.published, b.year_inferred) == \
        (["CL", "CV", "AI"], False, dt.date(2026, 5, 29), True)
    assert recs.problems == []


def test_unknown_code_kept_and_warned() -> None:
    recs = parse(page(block("ZZIRJun 9, 2023")))
    assert recs.papers[0].categories == ["ZZ", "IR"]
    assert [(p.line, p.severity) for p in recs.problems] == [(9, "warning")]
    assert "'ZZ'" in recs.problems[0].message


@pytest.mark.parametrize(("month", "day", "as_of", "expected"), [
    (5, 29, dt.date(2026, 11, 26), dt.date(2026, 5, 29)),
    (11, 26, dt.date(2026, 11, 26), dt.date(2026, 11, 26)),  # the capture day itself
    (11, 27, dt.date(2026, 11, 26), dt.date(2025, 11, 27)),  # the next day: last year
    (12, 28, dt.date(2026, 11, 26), dt.date(2025, 12, 28)),  # Dec before a Nov capture
    (1, 1, dt.date(2027, 1, 1), dt.date(2027, 1, 1)),
    (2, 29, dt.date(2026, 11, 26), dt.date(2024, 2, 29)),
    (2, 29, dt.date(2028, 2, 28), dt.date(2024, 2, 29)),
    (2, 29, dt.date(2028, 2, 29), dt.date(2028, 2, 29)),
    (2, 29, dt.date(2100, 3, 1), dt.date(2096, 2, 29)),  # 2100 is no leap year
    (2, 29, dt.date(2104, 2, 28), dt.date(2096, 2, 29)),  # ... so 8 years back
])
def test_yearless_rollover(month: int, day: int, as_of: dt.date, expected: dt.date) -> None:
    assert resolve_date(month, day, None, as_of) == (expected, True)
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
    recs = parse(page(block(f"IR{mon} {day}")), as_of=as_of)
    assert (recs.papers[0].published, recs.papers[0].year_inferred) == (expected, True)


def test_author_line_forms() -> None:
    recs = parse(page(
        block(authors="Ann Lee, Bo Li, Cy Ng et al. · tencent-ai", title="T1"),
        block(authors="Chuhan Wu, Ann Lee et al.", title="T2"),
        block(authors="Ann Lee, Chuhan Wu · some-org", title="T3"),
        block(authors="Chuhan Wu", title="T4"),
    ))
    t1, t2, t3, t4 = recs.papers
    assert [(a.name, a.position, a.inferred) for a in t1.authors] == [
        ("Ann Lee", 1, False), ("Bo Li", 2, False), ("Cy Ng", 3, False), ("Chuhan Wu", None, True)]
    assert (t1.author_list_truncated, t1.org) == (True, "tencent-ai")
    assert [(a.name, a.position) for a in t2.authors] == [("Chuhan Wu", 1), ("Ann Lee", 2)]
    assert (t2.author_list_truncated, t2.org) == (True, None)
    assert [(a.position, t3.org, t3.author_list_truncated) for a in t3.authors] == \
        [(1, "some-org", False), (2, "some-org", False)]
    assert [(a.name, a.position) for a in t4.authors] == [("Chuhan Wu", 1)]
    # T2 shows 2 names before et al. (pages show 3): kept and warned about
    assert [(p.line, p.severity) for p in recs.problems] == [(19, "warning")]


def test_org_tag_forms() -> None:
    recs = parse(page(block(authors="Chuhan Wu, Ann Lee ·", title="T1"),
                      block(authors="Chuhan Wu · Tencent AI Lab", title="T2")))
    assert [(p.org, [a.name for a in p.authors]) for p in recs.papers] == [
        (None, ["Chuhan Wu", "Ann Lee"]), ("Tencent AI Lab", ["Chuhan Wu"])]
    assert [(p.line, p.severity, p.message) for p in recs.problems] == [
        (12, "warning", "empty organisation tag after ' · ' ignored"),
        (19, "warning", "organisation tag 'Tencent AI Lab' is not a slug; kept as written")]


def test_owner_missing_from_complete_list_is_inferred_and_warned() -> None:
    recs = parse(page(block(authors="Ann Lee, Bo Li")))
    assert [(a.name, a.position, a.inferred) for a in recs.papers[0].authors] == [
        ("Ann Lee", 1, False), ("Bo Li", 2, False), ("Chuhan Wu", None, True)]
    assert [(p.line, p.severity) for p in recs.problems] == [(12, "warning")]


def test_names_sharing_initials_are_never_merged() -> None:
    # "Chuhan Wu" and "Chuhan Wú" ARE the same key: the block is refused and reported, not merged
    recs = parse(page(block(authors="C. Wu, Chuhan Wu, Chu Wu, Chuhan Wú", title="X")))
    assert recs.papers == [] and [p.line for p in recs.skipped] == [9]
    assert "the same author appears twice" in recs.skipped[0].message
    recs = parse(page(block(authors="C. Wu, Chu Wu, Fang Wu, Fangzhao Wu et al.", title="X")))
    p = recs.papers[0]
    assert [(a.name, a.position) for a in p.visible_authors] == [
        ("C. Wu", 1), ("Chu Wu", 2), ("Fang Wu", 3), ("Fangzhao Wu", 4)]
    assert [a.name for a in p.authors if a.inferred] == ["Chuhan Wu"]  # C. Wu is not the owner


@pytest.mark.parametrize(("a", "b"), [
    ("Chuhan Wu", "chuhan wu"), ("Chuhan Wu", "CHUHAN  WU"), ("Chuhan Wu", " Chuhan\u00a0Wu "),
    ("José Müller", "Jose Muller"), ("José Müller", "Jose\u0301 Mu\u0308ller"),  # composed/decomposed
    ("Ｃｈｕｈａｎ Ｗｕ", "Chuhan Wu"),  # full-width (NFKC)
    ("Straße", "STRASSE"),  # case folding, not lower()
    ("Zoë Ångström", "zoe angstrom"),
])
def test_name_keys_match(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("C. Wu", "Chuhan Wu"), ("J. Wu", "Jia Wu"), ("Fang Wu", "Fangzhao Wu"), ("Wu Chuhan", "Chuhan Wu"),
    ("Chuhan Wu", "Chuhan-Wu"), ("Li Wei", "Li Wen"),
])
def test_name_keys_differ(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_name_kept_as_written() -> None:
    recs = parse(page(block(authors="José  Müller, Chuhan Wu")))
    a = recs.papers[0].authors[0]
    assert (a.name, a.name_key) == ("José  Müller", "jose muller")


def test_title_key() -> None:
    recs = parse(page(block(title="Fastformer: Additive Attention, Can Be All You Need!")))
    assert recs.papers[0].title == "Fastformer: Additive Attention, Can Be All You Need!"
    assert recs.papers[0].title_key == "fastformer additive attention can be all you need"
    assert title_key("Ünïcode  TITLE") == "unicode title"


@pytest.mark.parametrize(("raw", "url", "kind", "owner", "name"), [
    ("https://github.com/YJiangcm/LTE.", "https://github.com/YJiangcm/LTE", "repository", "YJiangcm", "LTE"),
    ("http://github.com/a/b", "https://github.com/a/b", "repository", "a", "b"),
    ("https://GitHub.COM/Owner/Repo/", "https://github.com/Owner/Repo", "repository", "Owner", "Repo"),
    ("https://github.com/o/r.git", "https://github.com/o/r", "repository", "o", "r"),
    ("https://github.com/o/r.git/).", "https://github.com/o/r", "repository", "o", "r"),
    ("https://www.github.com/o/r/tree/main/src", "https://github.com/o/r", "repository", "o", "r"),
    ("github.com/o/r,", "https://github.com/o/r", "repository", "o", "r"),
    ("https://github.com/Tencent", "https://github.com/Tencent", "account", "Tencent", None),
    ("https://github.com/orgs/Tencent/", "https://github.com/Tencent", "account", "Tencent", None),
    ("https://huggingface.co/Team-ACE.", "https://huggingface.co/Team-ACE", "account", "Team-ACE", None),
    ("https://huggingface.co/Team-ACE/ToolACE-8B", "https://huggingface.co/Team-ACE/ToolACE-8B",
     "repository", "Team-ACE", "ToolACE-8B"),
    ("https://huggingface.co/datasets/Team-ACE/ToolACE;", "https://huggingface.co/datasets/Team-ACE/ToolACE",
     "repository", "Team-ACE", "ToolACE"),
    ("https://HuggingFace.co/spaces/org/demo/", "https://huggingface.co/spaces/org/demo",
     "repository", "org", "demo"),
    ("https://example.org/Path/page.html).", "https://example.org/Path/page.html", "other", None, None),
])
def test_link_normalisation(raw: str, url: str, kind: str, owner: str | None, name: str | None) -> None:
    link = normalise_link(raw)
    assert link is not None
    assert (link.url, link.kind, link.owner, link.name) == (url, kind, owner, name)
    # the same inside a sentence, at its end
    assert [x.url for x in find_links(f"Code is at {raw} now")] == [url]


def test_links_deduplicated_in_order() -> None:
    text = "See https://github.com/a/b. Also github.com/a/b/ and (https://github.com/c)."
    assert [(x.url, x.kind) for x in find_links(text)] == [
        ("https://github.com/a/b", "repository"), ("https://github.com/c", "account")]


@pytest.mark.parametrize(("latex", "plain"), [
    (r"named \textbf{ZIP} for", "named ZIP for"),
    (r"propose $\textbf{TayFCS}$, a", "propose TayFCS, a"),
    ("an ``entropy law'' that", "an \u201centropy law\u201d that"),
    (r"a \textbf{17.11}\% gain", "a 17.11% gain"),
    (r"the $2500$-day test", "the 2500-day test"),
    (r"50\% of \emph{all} data", "50% of all data"),
    (r"$\alpha$ and \textit{\textbf{nested}}", "α and nested"),
    ("1.58--5.52pp", "1.58\u20135.52pp"),
    ("see https://x.org/a--b_$c.", "see https://x.org/a--b_$c."),  # URLs untouched
    ("no markup at all, 50% sure.", "no markup at all, 50% sure."),
])
def test_latex_plain_text(latex: str, plain: str) -> None:
    assert latex_to_text(latex) == plain
    recs = parse(page(block(abstract=latex)))
    assert (recs.papers[0].abstract, recs.papers[0].abstract_text) == (latex, plain)


def test_date_spellings() -> None:
    recs = parse(page(block("IRJune 9, 2023", title="T1"), block("IRSept\u00a030,\u00a02021Code", title="T2"),
                      block("IRJan. 2,2020", title="T3"), block("AIJunk 9", title="T4"),
                      block("CVFeb 30", title="T5")))
    assert [(p.title, p.published, p.year_inferred, p.has_code) for p in recs.papers] == [
        ("T1", dt.date(2023, 6, 9), False, False), ("T2", dt.date(2021, 9, 30), False, True),
        ("T3", dt.date(2020, 1, 2), False, False)]
    assert [(p.line, p.message.split(";")[0]) for p in recs.skipped] == [
        (30, "unknown month 'Junk' in 'AIJunk 9'"),
        (37, "invalid date in 'CVFeb 30' (no 02-30 on or before 2026-11-26)")]


@pytest.mark.parametrize("module", ["kg.extract.profile", "kg.extract.writer", "kg.extract.links",
                                    "kg.extract.latex"])
def test_docstring_examples_hold(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import importlib

    monkeypatch.chdir(SEED.parent.parent.parent)  # the examples use repository-relative paths
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
