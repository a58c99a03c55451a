"""Render records back into the profile-page format that :mod:`kg.extract.profile` reads.

Why: a writer is the other half of a round-trip proof (``parse(write(r)) == r``), and it
lets tests and users make well-formed pages (fixtures, anonymised examples) from records.
The writer refuses records the page format cannot carry faithfully (a name holding ``", "``,
a title that looks like a category/date line, a year-less date that the capture date would
read differently) instead of writing a page that reads back as something else.
"""

from __future__ import annotations

import re

from kg.extract.profile import BLOCK_START, ORG_SEPARATOR, resolve_date
from kg.models import Paper, Profile, ProfileRecords

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CODE = re.compile(r"^[A-Z]{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ET_AL_END = re.compile(r"(?:^|\s)et al\.?$")


class WriteError(ValueError):
    """Records that the page format cannot represent so that they read back unchanged."""


def _line(text: str, what: str) -> str:
    """Check that ``text`` survives as one line of a page (read back stripped, no controls)."""
    if _CONTROL.search(text):
        raise WriteError(f"{what} {text[:60]!r} holds a control character or line break")
    if text != text.strip():
        raise WriteError(f"{what} {text[:60]!r} starts or ends with white space")
    if BLOCK_START.match(text):
        raise WriteError(f"{what} {text[:60]!r} would be read as a category/date line")
    return text


def _header(profile: Profile) -> list[str]:
    out = [_line(profile.name, "the owner's name"), ""]
    if profile.primary_category is not None:
        if not _CODE.match(profile.primary_category):
            raise WriteError(f"primary category {profile.primary_category!r} is not a 2-letter code")
        out.append(profile.primary_category)
    if profile.h_index is not None:
        out.append(f"h-index{profile.h_index}")
    if profile.papers_stated is not None:
        out.append(f"{profile.papers_stated}papers")
    if profile.citations is not None:
        out.append(f"{profile.citations:,}citations")
    if profile.novelty_pct is not None:
        out.append(f"Novelty{profile.novelty_pct}%")
    if profile.ai_score is not None:
        out.append(f"AI Score{profile.ai_score}")
    out.append("")
    if profile.papers_stated is not None:
        out += [f"{profile.papers_stated} Papers", ""]
    return out


def _head(paper: Paper, profile: Profile) -> str:
    for code in paper.categories:
        if not _CODE.match(code):
            raise WriteError(f"category {code!r} of {paper.title!r} is not a 2-letter code")
    d = paper.published
    date = f"{MONTH_NAMES[d.month - 1]} {d.day}"
    if paper.year_inferred:
        if resolve_date(d.month, d.day, None, profile.as_of) != (d, True):
            raise WriteError(f"year-less date {d} of {paper.title!r} would be read as another year "
                             f"with the capture date {profile.as_of}")
    else:
        if not 1000 <= d.year <= 9999:
            raise WriteError(f"year {d.year} of {paper.title!r} is not written with 4 digits")
        date += f", {d.year}"
    return "".join(paper.categories) + date + ("Code" if paper.has_code else "")


def _authors(paper: Paper, profile: Profile) -> str:
    names: list[str] = []
    for a in paper.authors:
        if a.inferred:
            if a.name_key != profile.name_key:
                raise WriteError(f"inferred author {a.name!r} of {paper.title!r} is not the owner")
            continue
        name = _line(a.name, "author name")
        if ", " in name or ORG_SEPARATOR.strip() in name or name.endswith(",") or _ET_AL_END.search(name):
            raise WriteError(f"author name {name!r} of {paper.title!r} cannot be told apart from the "
                             "author line's separators")
        names.append(name)
    visible = {a.name_key for a in paper.authors if not a.inferred}
    hidden = any(a.inferred for a in paper.authors)
    if hidden == (profile.name_key in visible):
        raise WriteError(f"the owner must be inferred exactly when not visible in {paper.title!r}")
    text = ", ".join(names) + (" et al." if paper.author_list_truncated else "")
    if paper.org is not None:
        if not paper.org or ORG_SEPARATOR.strip() in paper.org:
            raise WriteError(f"organisation {paper.org!r} of {paper.title!r} is empty or holds ' · '")
        text += ORG_SEPARATOR + _line(paper.org, "organisation")
    return _line(text, "author line")


def write_block(paper: Paper, profile: Profile) -> list[str]:
    """The lines of one paper block (no trailing blank line)."""
    lines = [_head(paper, profile), _line(paper.title, "title"), "", _authors(paper, profile)]
    if paper.abstract:
        lines += ["", _line(paper.abstract, "abstract")]
    return lines


def write_profile(records: ProfileRecords) -> str:
    """The page text of ``records``: header, then one block per paper, ending in a newline.

    Derived fields (keys, plain-text abstract, links, inferred owner authorships) are not
    written; the reader derives them again.

    >>> import datetime as dt
    >>> from kg.extract import parse_profile
    >>> page = "Ann Lee\\n\\nIR\\n\\nLGIRJun 9Code\\nA title\\n\\nBo Li, Ann Lee\\n\\nText.\\n"
    >>> write_profile(parse_profile(page, as_of=dt.date(2026, 11, 26))) == page
    True
    """
    lines = _header(records.profile)
    for paper in records.papers:
        lines += [*write_block(paper, records.profile), ""]
    return "\n".join(lines)
