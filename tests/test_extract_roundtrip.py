"""Round trips through the writer: parse(write(records)) == records, for generated records and
for the seed.

Generated records respect the page format's limits (a name cannot hold ", ", a title cannot
look like a category/date line); the derived fields (plain-text abstract, links) are
computed by the strategies from the pieces they assemble, independently of the extractor.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import AS_OF, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract import WriteError, parse_profile, read_profile, write_profile
from kg.extract.profile import BLOCK_START
from kg.models import Authorship, Link, Paper, Profile, ProfileRecords, SourceInfo
from kg.names import name_key

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèüöäøåñçłšžßÉÖÅØ吴楚涵王αβΩ"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZÉÖÅØ"
SOURCE = SourceInfo(path="gen.txt", name="gen.txt", sha256="0" * 64)

word = st.text(alphabet=LETTERS, min_size=1, max_size=8)
name_word = st.one_of(
    st.builds(lambda a, b: a + b, st.sampled_from(UPPER), st.text(alphabet=LETTERS, max_size=8)),
    st.builds(lambda a: a + ".", st.sampled_from(UPPER)),  # an initial: "J."
    st.builds(lambda a, b: f"{a}-{b}", word, word),  # Jean-Luc
    st.builds(lambda a, b: f"{a}'{b}", st.sampled_from(UPPER), word),  # O'Neil
)
person = st.lists(name_word, min_size=1, max_size=4).map(" ".join).filter(
    lambda n: not BLOCK_START.match(n) and not re.search(r"(^|\s)et al\.?$", n))

title = st.lists(st.tuples(st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=10),
                           st.sampled_from([" ", " ", ", ", ": ", " - ", "? ", " · ", "! "])),
                 min_size=1, max_size=8).map(
    lambda parts: "".join(w + s for w, s in parts).rstrip(" ,:-·")).filter(
    lambda t: t == t.strip() and not BLOCK_START.match(t))

# LaTeX fragments as the seed has them, with the plain text they must turn into.
LATEX = [
    (r"\textbf{ZIP}", "ZIP"), (r"$\textbf{TayFCS}$", "TayFCS"),
    ("``entropy law''", "\u201centropy law\u201d"), (r"\textbf{17.11}\%", "17.11%"),
    (r"$2500$-day", "2500-day"), (r"\emph{all}", "all"), ("1.58--5.52pp", "1.58\u20135.52pp"),
    (r"$\alpha$", "α"), (r"50\%", "50%"),
]
prose = st.builds(lambda w, p: w + p, st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=10),
                  st.sampled_from(["", "", ",", ":", ";", ".", "?"]))
latex = st.sampled_from(LATEX)

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1,
                  max_size=12).filter(lambda s: s.lower() not in
                                      {"orgs", "users", "sponsors", "topics", "features", "marketplace",
                                       "about", "collections", "settings", "login", "search", "explore",
                                       "apps", "datasets", "spaces", "models"})
repo = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1,
               max_size=16).filter(lambda s: s[0].isalnum() and not s.endswith(".") and
                                   not s.lower().endswith(".git"))


@st.composite
def url(draw: st.DrawFn) -> tuple[str, Link]:
    """A raw URL as an abstract may write it, and the link it must normalise to."""
    owner = draw(segment)
    kind = draw(st.sampled_from(["gh-repo", "gh-account", "hf-repo", "hf-account", "hf-sub"]))
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://"]))
    tail = draw(st.sampled_from(["", ".", ".", ")."])) if kind == "gh-repo" else draw(
        st.sampled_from(["", "."]))
    if kind.startswith("gh"):
        host = draw(st.sampled_from(["github.com", "GitHub.com", "www.github.com"]))
        if kind == "gh-account":
            raw = f"{scheme}{host}/{owner}{draw(st.sampled_from(['', '/']))}"
            return raw + tail, Link(url=f"https://github.com/{owner}", kind="account",
                                    host="github.com", owner=owner)
        name = draw(repo)
        raw = f"{scheme}{host}/{owner}/{name}{draw(st.sampled_from(['', '/', '.git', '.git/']))}"
        if tail == ").":
            raw = "(" + raw
        return raw + tail, Link(url=f"https://github.com/{owner}/{name}", kind="repository",
                                host="github.com", owner=owner, name=name)
    host = draw(st.sampled_from(["huggingface.co", "HuggingFace.co"]))
    if kind == "hf-account":
        return f"{scheme}{host}/{owner}{tail}", Link(url=f"https://huggingface.co/{owner}", kind="account",
                                                    host="huggingface.co", owner=owner)
    name = draw(repo)
    sub = draw(st.sampled_from(["datasets/", "spaces/"])) if kind == "hf-sub" else ""
    return f"{scheme}{host}/{sub}{owner}/{name}{tail}", Link(
        url=f"https://huggingface.co/{sub}{owner}/{name}", kind="repository", host="huggingface.co",
        owner=owner, name=name)


@st.composite
def abstract(draw: st.DrawFn) -> tuple[str, str, list[Link]]:
    """(abstract, its plain text, its links), built from prose, LaTeX and URL pieces."""
    pieces = draw(st.lists(st.one_of(prose.map(lambda w: (w, w, None)),
                                     latex.map(lambda lp: (lp[0], lp[1], None)),
                                     url().map(lambda u: (u[0], u[0], u[1]))), max_size=12))
    if draw(st.booleans()):  # a URL at the very end, often with the sentence's period
        u = draw(url())
        pieces.append((u[0], u[0], u[1]))
    raw = " ".join(p[0] for p in pieces)
    plain = " ".join(p[1] for p in pieces)
    links: dict[str, Link] = {}
    for _, _, link in pieces:
        if link is not None:
            links.setdefault(link.url, link)
    return raw, plain, list(links.values())


codes = st.lists(st.one_of(st.sampled_from(["IR", "LG", "CL", "AI", "CV", "SE", "DB", "ML"]),
                           st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)),
                 min_size=1, max_size=3, unique=True)
org = st.one_of(st.none(), st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,15}\Z"))


@st.composite
def paper(draw: st.DrawFn, owner: str, as_of: dt.date) -> Paper:
    truncated = draw(st.booleans())
    owner_shown = draw(st.booleans())
    others = draw(st.lists(person.filter(lambda n: name_key(n) != name_key(owner)),
                           min_size=3 if truncated else 1, max_size=3 if truncated else 6,
                           unique_by=name_key))
    if truncated:
        others = others[:2] if owner_shown else others
    if owner_shown:
        others.insert(draw(st.integers(0, len(others))), owner)
    authors = [Authorship(name=n, position=k) for k, n in enumerate(others, start=1)]
    if not owner_shown:
        authors.append(Authorship(name=owner, position=None, inferred=True))
    if draw(st.booleans()):  # a year-less date: the latest such day on or before the capture date
        published = as_of - dt.timedelta(days=draw(st.integers(0, 364)))
        inferred = True
    else:
        published = draw(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))
        inferred = False
    text, plain, links = draw(abstract())
    return Paper(title=draw(title), categories=draw(codes), published=published, year_inferred=inferred,
                 has_code=draw(st.booleans()), org=draw(org), authors=authors,
                 author_list_truncated=truncated, abstract=text, abstract_text=plain, links=links)


@st.composite
def records(draw: st.DrawFn) -> ProfileRecords:
    owner = draw(person)
    as_of = draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
    papers = draw(st.lists(paper(owner, as_of), max_size=5))
    n = st.one_of(st.none(), st.integers(0, 10**7))
    profile = Profile(name=owner, primary_category=draw(st.one_of(st.none(), codes.map(lambda c: c[0]))),
                      h_index=draw(n), papers_stated=draw(n), papers_listed=len(papers), citations=draw(n),
                      novelty_pct=draw(st.one_of(st.none(), st.integers(0, 100))), ai_score=draw(n),
                      as_of=as_of)
    return ProfileRecords(source=SOURCE, profile=profile, papers=papers)


def _strip(p: Paper) -> Paper:
    return p.model_copy(update={"source_line": None})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_parse_write_roundtrip(recs: ProfileRecords) -> None:
    text = write_profile(recs)
    back = parse_profile(text, as_of=recs.profile.as_of)
    assert back.profile == recs.profile
    assert [_strip(p) for p in back.papers] == recs.papers
    assert not back.skipped
    assert write_profile(back) == text


def test_seed_roundtrip(seed_records: ProfileRecords) -> None:
    text = write_profile(seed_records)
    assert text == SEED.read_text(encoding="utf-8") + "\n"  # the seed, plus its missing final newline
    back = parse_profile(text, as_of=AS_OF, file=str(SEED))
    assert back.papers == seed_records.papers and back.profile == seed_records.profile
    assert back.problems == []


def _one(paper_kw: dict[str, object], owner: str = "Ann Lee") -> ProfileRecords:
    base: dict[str, object] = dict(title="T", categories=["IR"], published=dt.date(2020, 1, 2),
                                   authors=[Authorship(name=owner, position=1)])
    base.update(paper_kw)
    return ProfileRecords(source=SOURCE, profile=Profile(name=owner, papers_listed=1, as_of=AS_OF),
                          papers=[Paper(**base)])


@pytest.mark.parametrize(("paper_kw", "words"), [
    ({"authors": [Authorship(name="Ann Lee", position=1), Authorship(name="Wu, Bo", position=2)]},
     "cannot be told apart"),
    ({"authors": [Authorship(name="Ann Lee", position=1), Authorship(name="Bo et al.", position=2)]},
     "cannot be told apart"),
    ({"title": "IRJun 9, 2023"}, "category/date line"),
    ({"org": "a · b"}, "holds ' · '"),
    ({"org": ""}, "is empty"),
    ({"title": "Two\nlines"}, "control character"),
    ({"abstract": " padded"}, "white space"),
    ({"categories": ["cs.IR"]}, "2-letter code"),
    ({"published": dt.date(2026, 11, 27), "year_inferred": True}, "another year"),
    ({"published": dt.date(999, 1, 1)}, "4 digits"),
    ({"authors": [Authorship(name="Bo Li", position=1)]}, "inferred exactly when not visible"),
    ({"authors": [Authorship(name="Bo Li", position=1), Authorship(name="Cy Ng", inferred=True)]},
     "is not the owner"),
])
def test_writer_refuses_what_the_format_cannot_carry(paper_kw: dict[str, object], words: str) -> None:
    with pytest.raises(WriteError, match=re.escape(words)):
        write_profile(_one(paper_kw))


def test_written_page_reads_with_read_profile(tmp_path, seed_records: ProfileRecords) -> None:
    path = tmp_path / "copy.txt"
    path.write_text(write_profile(seed_records), encoding="utf-8")
    assert read_profile(path, as_of=AS_OF, strict=True).papers == seed_records.papers
