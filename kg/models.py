"""Validated records: what extractors produce and the RDF mapping consumes.

Every source (profile pages now; BibTeX, arXiv, OpenAlex, DBLP later) is read into these
models, so the rest of the pipeline (records -> triples -> store) never sees raw text.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kg.names import name_key, title_key


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    """A paper as listed in a source."""

    title: str = Field(min_length=1)
    title_key: str = ""
    categories: list[str] = Field(
        min_length=1, description="Category codes as written in the source, primary first."
    )
    published: dt.date
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
    doi: str | None = None
    source_line: int | None = Field(default=None, ge=1, description="First line of the block.")

    @property
    def primary_category(self) -> str:
        return self.categories[0]

    @property
    def visible_authors(self) -> list[Authorship]:
        return [a for a in self.authors if not a.inferred]

    @model_validator(mode="after")
    def _check(self) -> Paper:
        key = title_key(self.title)
        if not key:
            raise ValueError(f"title {self.title!r} has no letters or digits")
        object.__setattr__(self, "title_key", key)
        positions = [a.position for a in self.authors if a.position is not None]
        if positions != list(range(1, len(positions) + 1)):
            raise ValueError(f"author positions must be 1..n in order, got {positions}")
        keys = [a.name_key for a in self.authors]
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


class SourceInfo(_Record):
    """Where records came from: enough to describe the source in PROV-O."""

    path: str
    name: str = Field(description="File name, used for the source's named graph.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: Literal["profile-page"] = "profile-page"


class ProfileRecords(_Record):
    """Everything read from one profile page: the profile, its papers, and what went wrong."""

    source: SourceInfo
    profile: Profile
    papers: list[Paper]
    problems: list[Problem] = Field(default_factory=list)

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if p.skipped_block]
