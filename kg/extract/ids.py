"""Normalised identifiers and names shared by every reader, so that the same DOI, arXiv id,
ORCID or ROR id written in any of its usual forms becomes one string (and one IRI).

>>> normalise_doi("https://doi.org/10.1145/3447548.3467427")
'10.1145/3447548.3467427'
>>> split_arxiv_id("arXiv:2306.01234v2")
('2306.01234', 2)
>>> arxiv_id_from_doi("10.48550/arXiv.2306.01234")
'2306.01234'
>>> normalise_orcid("https://orcid.org/0000-0002-1825-0097")
'0000-0002-1825-0097'
>>> display_name("Wu, Chuhan"), display_name("de la Fuente, Ana"), display_name("Smith, Jr., John")
('Chuhan Wu', 'Ana de la Fuente', 'John Smith Jr.')
"""

from __future__ import annotations

import re

_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# New-style ids (0704.0001 onwards, 4 or 5 digits after the dot) and old-style 'cs/0112017',
# 'math.GT/0309136'; an optional 'vN' version.
_ARXIV = re.compile(
    r"^(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
_ROR = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/(0[a-z0-9]{8})$|^(0[a-z0-9]{8})$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def normalise_doi(text: str | None) -> str | None:
    """A DOI in lower case without resolver prefix, or None when ``text`` holds none.

    DOIs are case-insensitive (DOI Handbook 2.4), so lower case is their canonical form here.
    """
    if not text:
        return None
    s = _DOI_PREFIX.sub("", text.strip())
    m = _DOI.search(s)
    if not m:
        return None
    return m.group(1).rstrip(".,;").lower()


def split_arxiv_id(text: str | None) -> tuple[str, int | None] | None:
    """``(id without version, version or None)``, or None when ``text`` is no arXiv id.

    Accepts ``2306.01234v2``, ``arXiv:2306.01234``, ``https://arxiv.org/abs/cs/0112017v1``
    and ``.pdf`` links.
    """
    if not text:
        return None
    s = _ARXIV_PREFIX.sub("", text.strip())
    s = re.sub(r"\.pdf$", "", s)
    m = _ARXIV.match(s)
    if not m:
        return None
    return m.group("id"), int(m.group("v")) if m.group("v") else None


def normalise_arxiv_id(text: str | None) -> str | None:
    """The version-less arXiv id in ``text``, or None."""
    parts = split_arxiv_id(text)
    return parts[0] if parts else None


def arxiv_id_from_doi(doi: str | None) -> str | None:
    """The arXiv id behind a DataCite arXiv DOI (``10.48550/arXiv.2306.01234``), else None."""
    d = normalise_doi(doi)
    m = _ARXIV_DOI.match(d) if d else None
    return normalise_arxiv_id(m.group(1)) if m else None


def normalise_orcid(text: str | None) -> str | None:
    """The bare ORCID iD (``0000-0002-1825-0097``) in ``text``, or None.

    The check digit (ISO 7064 11-2) is verified, so a mistyped iD is never used to merge people.
    """
    if not text:
        return None
    m = _ORCID.search(text.strip())
    if not m:
        return None
    orcid = m.group(1).upper()
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return orcid if digits[-1] == ("X" if check == 10 else str(check)) else None


def normalise_ror(text: str | None) -> str | None:
    """A ROR id as ``https://ror.org/0xxxxxxxx``, or None."""
    if not text:
        return None
    m = _ROR.match(text.strip())
    if not m:
        return None
    return "https://ror.org/" + (m.group(1) or m.group(2)).lower()


def clean_space(text: str) -> str:
    """White space (newlines in XML and BibTeX values included) collapsed to single spaces."""
    return " ".join(text.split())  # str.split() splits on any Unicode white space, ~4x the regex


def display_name(name: str) -> str:
    """A person's name in 'Given Family' order, from BibTeX/DBLP forms.

    ``Family, Given`` and ``Family, Jr., Given`` (BibTeX's two comma forms) are turned around;
    a name without a comma is kept as written.  White space is collapsed.
    """
    s = clean_space(name).strip(",").strip()
    parts = [p.strip() for p in s.split(",")]
    if len(parts) == 2 and parts[0] and parts[1]:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and parts[0] and parts[2]:
        return f"{parts[2]} {parts[0]} {parts[1]}".strip()
    return s
