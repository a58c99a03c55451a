"""Validated records: what every reader produces and the one RDF mapping consumes.

Every source (profile pages, BibTeX, arXiv Atom, OpenAlex, DBLP XML) is read into these
source-agnostic models, so the rest of the pipeline (records -> resolution -> triples ->
store) never sees raw text and never knows which reader a record came from:

* :class:`Paper` -- a work as one source describes it (``Work`` is the same class);
* :class:`Authorship` -- a person's name as written, with position, identifiers
  (ORCID, OpenAlex, DBLP) and affiliations (:class:`OrgRef`);
* :class:`TopicRef` -- a topic or concept a source assigns (OpenAlex topics/concepts);
* :class:`SourceRecords` -- one source: :class:`SourceInfo`, its papers, an optional
  :class:`Profile` header, and the :class:`Problem` list.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kg.names import name_key, title_key

_ORCID = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrgRef(_Record):
    """An organisation as a source names it (an author's affiliation)."""

    name: str = Field(min_length=1, description="The name as written (or the institution's display name).")
    ror: str | None = Field(default=None, pattern=r"^https://ror\.org/0[a-z0-9]{8}$",
                            description="ROR id as an IRI, e.g. 'https://ror.org/05t99sp05'.")
    openalex_id: str | None = Field(default=None, pattern=r"^I\d+$", description="e.g. 'I99065089'.")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code, when given.")


class TopicRef(_Record):
    """A topic or concept that a source assigns to a work (not the project's own topic matcher)."""

    iri: str = Field(min_length=1, description="The concept's IRI, e.g. 'https://openalex.org/T10181'.")
    label: str = Field(min_length=1)
    scheme: str = Field(min_length=1, description="What kind: 'openalex-topic', 'openalex-concept', "
                        "'openalex-keyword'.")
    score: float | None = Field(default=None, ge=0, le=1)


class Authorship(_Record):
    """One person's authorship of one paper.

    ``position`` is the 1-based place in the author list, or ``None`` when it is unknown
    (the profile owner hidden in a truncated ``et al.`` list).  Positions are never invented.
    """

    name: str = Field(min_length=1, description="The name exactly as written in the source.")
    name_key: str = Field(default="", description="Normalised key used to match people.")
    position: int | None = Field(default=None, ge=1)
    inferred: bool = Field(
        default=False, description="True when not visible in the source but implied by it."
    )
    orcid: str | None = Field(default=None, pattern=_ORCID, description="Bare ORCID iD, e.g. "
                              "'0000-0002-1825-0097'.")
    openalex_id: str | None = Field(default=None, pattern=r"^A\d+$", description="e.g. 'A5023888391'.")
    dblp_name: str | None = Field(default=None, min_length=1, description="DBLP's person name with its "
                                  "homonym number ('Wei Li 0002'); different numbers are different people.")
    affiliations: list[OrgRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _key(self) -> Authorship:
        key = name_key(self.name)
        if not key:
            raise ValueError(f"author name {self.name!r} is blank")
        if self.name_key and self.name_key != key:
            raise ValueError(f"name_key {self.name_key!r} does not match name {self.name!r}")
        object.__setattr__(self, "name_key", key)
        if self.inferred and self.position is not None:
            raise ValueError("an inferred authorship has no known position")
        if not self.inferred and self.position is None:
            raise ValueError("a visible authorship needs its position")
        return self


LinkKind = Literal["repository", "account", "other"]


class Link(_Record):
    """A code repository, a code-hosting account, or another web link found in a text."""

    url: str = Field(description="Normalised URL: https, lowercase host, no trailing punctuation, "
                     "slash or .git.")
    kind: LinkKind
    host: str
    owner: str | None = Field(default=None, description="Account/organisation on the host.")
    name: str | None = Field(default=None, description="Repository (or model/dataset) name.")


class Paper(_Record):
    """A work (paper) as one source describes it.

    ``published`` is the full date when the source gives one; ``year`` is always known
    (taken from ``published`` when only that is given).  Identifiers are normalised by the
    readers: ``arxiv_id`` without version ('2306.01234', 'cs/0112017'), ``doi`` lowercase
    without resolver prefix, ``openalex_id`` like 'W2741809807', ``dblp_key`` like
    'conf/kdd/WuWQH21'.
    """

    title: str = Field(min_length=1)
    title_key: str = ""
    categories: list[str] = Field(
        default_factory=list, description="arXiv category codes as written in the source, primary first "
        "(empty when the source has none)."
    )
    published: dt.date | None = None
    year: int | None = Field(default=None, ge=1000, le=9999)
    year_inferred: bool = Field(
        default=False, description="True when the source gave no year and it was inferred."
    )
    has_code: bool = False
    org: str | None = Field(default=None, description="Organisation slug, e.g. 'tencent-ai'.")
    authors: list[Authorship] = Field(min_length=1)
    author_list_truncated: bool = False
    abstract: str = Field(default="", description="The abstract exactly as given.")
    abstract_text: str = Field(default="", description="The abstract with LaTeX markup removed.")
    links: list[Link] = Field(default_factory=list)
    arxiv_id: str | None = None
    arxiv_version: int | None = Field(default=None, ge=1)
    doi: str | None = None
    openalex_id: str | None = Field(default=None, pattern=r"^W\d+$")
    dblp_key: str | None = None
    venue: str | None = Field(default=None, min_length=1, description="Journal or proceedings name.")
    work_type: str | None = Field(default=None, description="The source's record type, e.g. "
                                  "'article', 'inproceedings', 'preprint'.")
    updated: dt.date | None = Field(default=None, description="Last revision date (arXiv 'updated').")
    topics: list[TopicRef] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list, description="Other landing pages (e.g. DBLP 'ee').")
    source_line: int | None = Field(default=None, ge=1, description="First line of the block.")
    record: int | None = Field(default=None, ge=1, description="1-based record number in the source.")

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def visible_authors(self) -> list[Authorship]:
        return [a for a in self.authors if not a.inferred]

    @model_validator(mode="after")
    def _check(self) -> Paper:
        key = title_key(self.title)
        if not key:
            raise ValueError(f"title {self.title!r} has no letters or digits")
        object.__setattr__(self, "title_key", key)
        if self.published is not None:
            if self.year is not None and self.year != self.published.year:
                raise ValueError(f"year {self.year} does not match the date {self.published}")
            object.__setattr__(self, "year", self.published.year)
        elif self.year is None:
            raise ValueError("a paper needs a publication date or year")
        positions = [a.position for a in self.authors if a.position is not None]
        if positions != list(range(1, len(positions) + 1)):
            raise ValueError(f"author positions must be 1..n in order, got {positions}")
        # Two authors may share a name when an identifier tells them apart (two DBLP homonyms,
        # 'Wei Li 0002' and 'Wei Li 0005', on one paper); otherwise it is one author listed twice.
        keys = [(a.name_key, a.dblp_name or a.orcid or a.openalex_id) for a in self.authors]
        if len(set(keys)) != len(keys):
            raise ValueError("the same author appears twice in one paper")
        return self

    @field_validator("categories")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"duplicate category in {v}")
        return v


class Profile(_Record):
    """The header of a researcher's profile page: a snapshot of metrics on a capture date."""

    name: str = Field(min_length=1)
    name_key: str = ""
    primary_category: str | None = None
    h_index: int | None = Field(default=None, ge=0)
    papers_stated: int | None = Field(default=None, ge=0, description="Paper count the page states.")
    papers_listed: int = Field(ge=0, description="Papers actually listed and extracted.")
    citations: int | None = Field(default=None, ge=0)
    novelty_pct: int | None = Field(default=None, ge=0, le=100)
    ai_score: int | None = Field(default=None, ge=0)
    as_of: dt.date = Field(description="Capture date used to read the page (and year-less dates).")

    @model_validator(mode="after")
    def _key(self) -> Profile:
        object.__setattr__(self, "name_key", name_key(self.name))
        if not self.name_key:
            raise ValueError("profile owner name is blank")
        return self


class Problem(_Record):
    """Something wrong in a source, located by file and line."""

    file: str
    line: int = Field(ge=0, description="1-based line; 0 when it concerns the whole file.")
    message: str
    severity: Literal["error", "warning"] = "error"
    skipped_block: bool = Field(default=False, description="True when a block was skipped for it.")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


SourceKind = Literal["profile-page", "bibtex", "arxiv-atom", "openalex", "dblp-xml"]


class SourceInfo(_Record):
    """Where records came from: enough to describe the source in PROV-O."""

    path: str
    name: str = Field(description="File name, used for the source's named graph.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: SourceKind = "profile-page"


class SourceRecords(_Record):
    """Everything read from one source: its papers, the profile header if it has one, and what
    went wrong.  Every reader returns this; the builder and the mapper take nothing else."""

    source: SourceInfo
    profile: Profile | None = None
    papers: list[Paper]
    problems: list[Problem] = Field(default_factory=list)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.skipped_block]


class ProfileRecords(SourceRecords):
    """What the profile-page reader returns: source records whose profile header is always set."""

    profile: Profile


Work = Paper
