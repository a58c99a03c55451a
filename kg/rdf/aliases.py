"""The curated alias table (``ontology/aliases.toml``): organisations, and people known by
several names (``[[person]]`` entries, for what entity resolution cannot prove by itself)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kg.resources import ontology_dir


class OrgAlias(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str
    label: str
    parent: str | None = None
    homepage: str | None = None
    accounts: tuple[str, ...] = Field(default=())


class PersonEntry(BaseModel):
    """``[[person]] name = "Chuhan Wu"  aliases = ["C. Wu"]  orcid = "..."``: one person."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = Field(default=())
    orcid: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


class AliasTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    orgs: dict[str, OrgAlias]
    persons: tuple[PersonEntry, ...] = ()

    def account_owner(self, host: str, owner: str) -> str | None:
        """The slug of the organisation an account (``github.com``, ``Tencent``) belongs to."""
        wanted = f"{host.lower()}/{owner.casefold()}"
        for slug, org in self.orgs.items():
            if any(a.lower() == wanted for a in org.accounts):
                return slug
        return None

    def lineage(self, slug: str) -> list[str]:
        """The slug and its parents, nearest first (cycles are cut)."""
        out: list[str] = []
        while slug and slug not in out:
            out.append(slug)
            org = self.orgs.get(slug)
            slug = org.parent if org and org.parent else ""
        return out


def load_aliases(path: Path | None = None) -> AliasTable:
    path = path or ontology_dir() / "aliases.toml"
    with path.open("rb") as f:
        data = tomllib.load(f)
    orgs = {slug: OrgAlias(slug=slug, **entry) for slug, entry in data.get("org", {}).items()}
    for org in orgs.values():
        if org.parent and org.parent not in orgs:
            raise ValueError(f"{path}: organisation {org.slug!r} has unknown parent {org.parent!r}")
    try:
        persons = tuple(PersonEntry(**entry) for entry in data.get("person", []))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: a [[person]] entry is invalid: {e}") from None
    return AliasTable(orgs=orgs, persons=persons)


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    return load_aliases()
