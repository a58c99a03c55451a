"""Named artifacts a paper proposes (``Fastformer``, ``WildSpeech-Bench``), from its own words.

Sources of evidence, strongest first:

* the title prefix ``Name: ...`` when the prefix looks like a name (``FedX``, ``ToolACE-DEV``)
  or recurs with the same capitals in the abstract (``Smart Bird``, ``Fastformer``);
* ``named X``, ``called X``, ``dubbed X`` in the abstract;
* ``we propose/present/introduce X`` (and ``this paper presents X``) where X is capitalised;
* an acronym in parentheses in such a sentence: ``we propose a ... framework (FairVFL)``.

Named parts of a bigger contribution are left out: a name followed or preceded by
"module", "mechanism", "strategy", ... or introduced with "further" (unless it is named
with "named/called").  The artifact type comes from cue words next to the name
("benchmark", "dataset", "framework", "model"); "method" otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from kg.models import Link, Paper

ArtifactType = Literal["method", "model", "framework", "dataset", "benchmark"]
ARTIFACT_TYPES: tuple[str, ...] = ("method", "model", "framework", "dataset", "benchmark")


@dataclass(frozen=True)
class Artifact:
    """A named thing a paper introduces."""

    name: str
    type: ArtifactType
    aliases: tuple[str, ...] = ()
    source: Literal["title", "abstract"] = "abstract"

    @property
    def key(self) -> str:
        return artifact_key(self.name)

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def artifact_key(name: str) -> str:
    """Names compare case-insensitively, ignoring ``-``, ``_``, spaces and dots."""
    return re.sub(r"[-_\s.]+", "", name).casefold()


# A "word" of a name: letters/digits joined by - or . ("UniAudio-Token", "POINTS-1.5").  Every
# repetition is bounded, so no text makes these expressions backtrack for long.
_WORD = r"[A-Za-z0-9]{1,30}(?:[-.][A-Za-z0-9]{1,30}){0,4}"
_CAP_WORD = r"[A-Z][A-Za-z0-9]{0,30}(?:[-.][A-Za-z0-9]{1,30}){0,4}"
# A capitalised multi-word name: "Smart Bird", "Unified Audio Schema", "Learning to Edit".
_CAP_NAME = rf"{_CAP_WORD}(?:\s{{1,3}}(?:(?:to|of|and|as)\s{{1,3}})?{_CAP_WORD}){{0,5}}"
_ACR = r"\(([A-Za-z][A-Za-z0-9]{0,15}(?:-[A-Za-z0-9]{1,15}){0,3})\)"
_CUE = r"(?:propose|proposes|present|presents|introduce|introduces|develop|develops|design|designs)"
_SUBJECT = r"(?:\b[Ww]e|\b[Tt]his (?:paper|work|article|study)|\b[Ii]n this (?:paper|work),? we)"

_NAMED = re.compile(rf"\b(?:named|called|dubbed|termed|coined)\s+(?:\"|“)?(?P<name>{_CAP_NAME})(?:\"|”)?"
                    rf"(?:\s*{_ACR})?")
_PROPOSE = re.compile(rf"{_SUBJECT}\s+(?:\w{{1,20}}ly\s+)?(?P<cue>{_CUE})\s+(?:the\s+)?(?P<name>{_CAP_NAME})"
                      rf"(?:\s*{_ACR})?")
_PROPOSE_ACR = re.compile(rf"{_SUBJECT}\s+(?:\w{{1,20}}ly\s+)?{_CUE}\b[^.;()]{{0,200}}?"
                          rf"\b(?P<before>\w{{1,40}})\s*{_ACR}")
MAX_NAME = 60  # characters; longer "names" are runs of capitalised words, not names
_TITLE_PREFIX = re.compile(r"^\s*(?P<name>[^:]{1,60}?)\s*:\s+\S")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")

_COMPONENT = {"module", "modules", "mechanism", "mechanisms", "strategy", "strategies", "component",
              "components", "layer", "layers", "loss", "block", "blocks", "unit", "units", "scorer", "head"}
_NOT_NAMES = {"A", "An", "The", "In", "We", "Our", "This", "These", "It", "To", "For", "First", "Second",
              "Finally", "Specifically", "Moreover", "However", "Then", "Based", "Unlike", "Existing",
              "Experiments", "Extensive", "Large", "Both", "Each"}
_TYPE_CUES: tuple[tuple[ArtifactType, tuple[str, ...]], ...] = (
    ("benchmark", ("benchmark", "leaderboard", "testbed", "test suite", "bench")),
    ("dataset", ("dataset", "corpus", "data set", "collection of")),
    ("framework", ("framework", "pipeline", "paradigm", "toolkit", "platform", "schema", "system")),
    ("model", ("model", "network", "architecture", "transformer", "tokenizer", "encoder", "llm",
               "equation", "law")),
    ("method", ("method", "approach", "algorithm", "technique", "attack", "strategy")),
)


def _namelike(word: str) -> bool:
    """A single word that can only be a name: inner capitals or digits (FedX, POINTS-1.5, ZIP)."""
    letters = [c for c in word if c.isalpha()]
    return (len(letters) >= 2 and (any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word))
            and word not in _NOT_NAMES)


@lru_cache(maxsize=8)
def _keys(names: frozenset[str]) -> frozenset[str]:
    """Keys of an exclusion list, computed once per list (it is the same for every paper)."""
    return frozenset(artifact_key(x) for x in names)


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip(" -.,;:\"“”")


def _type(name: str, context: str, title: str | None) -> ArtifactType:
    """The type whose cue word comes first in the context, else in the name, else in the title
    (for a name taken from the title), else method."""
    for text in (context.casefold(), name.casefold(), (title or "").casefold()):
        best: tuple[int, ArtifactType] | None = None
        for typ, cues in _TYPE_CUES:
            for cue in cues:
                i = text.find(cue)
                if i >= 0 and (best is None or i < best[0]):
                    best = (i, typ)
        if best:
            return best[1]
    return "method"


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s]


def _initials_match(words: list[str], acronym: str) -> bool:
    initials = "".join(w[0] for w in words if w[:1].isupper()).casefold()
    letters = re.sub(r"[^A-Za-z]", "", acronym).casefold()
    return len(initials) >= 2 and initials == letters[: len(initials)]


class _Collector:
    def __init__(self, title: str, exclude: frozenset[str]) -> None:
        self.title = title
        self.exclude = exclude
        self.found: dict[str, Artifact] = {}
        self.alias_of: dict[str, str] = {}

    def add(self, name: str, context: str, aliases: Iterable[str] = (),
            source: Literal["title", "abstract"] = "abstract") -> None:
        name = _clean(name)
        if len(name) > MAX_NAME:
            return
        aliases = tuple(a for a in (_clean(x) for x in aliases)
                        if a and artifact_key(a) != artifact_key(name))
        if not name or name in _NOT_NAMES or artifact_key(name) in self.exclude:
            return
        keys = [artifact_key(n) for n in (name, *aliases)]
        owner = next((self.alias_of[k] for k in keys if k in self.alias_of), None)
        if owner is None:
            art = Artifact(name, _type(name, context, self.title if source == "title" else None),
                           aliases, source)
            self.found[art.key] = art
            for k in keys:
                self.alias_of[k] = art.key
            return
        old = self.found[owner]
        new_aliases = tuple(dict.fromkeys(a for a in (*old.aliases, name, *aliases)
                                          if artifact_key(a) != owner))
        self.found[owner] = Artifact(old.name, old.type, new_aliases, old.source)
        for k in keys:
            self.alias_of[k] = owner


def extract_artifacts(title: str, abstract: str, *, exclude: Iterable[str] = ()) -> list[Artifact]:
    """The named artifacts a paper proposes, title prefix first, then in abstract order.

    ``exclude``: names that are never artifacts (e.g. vocabulary acronyms such as ``LLM``).
    """
    col = _Collector(title, _keys(exclude if isinstance(exclude, frozenset) else frozenset(exclude)))
    m = _TITLE_PREFIX.match(title)
    if m:
        prefix = m.group("name")
        words = prefix.split()
        if (len(words) == 1 and _namelike(prefix)) or (
                re.fullmatch(_CAP_NAME, prefix) and re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(prefix)}\b",
                                                              abstract)):
            after = re.search(rf"\b{re.escape(prefix)}\s*{_ACR}", abstract)
            ctx = abstract[abstract.find(prefix):][:120] if prefix in abstract else title
            col.add(prefix, ctx, [after.group(1)] if after else [], source="title")
    for sentence in _sentences(abstract):
        further = re.search(r"\bfurther\b", sentence) is not None
        for m in _NAMED.finditer(sentence):
            name = m.group("name")
            if len(name.split()) == 1 and not _namelike(name) and not name[0].isupper():
                continue
            col.add(name, sentence[: m.start()][-40:] + " " + sentence[m.end():][:80],
                    [m.group(2)] if m.group(2) else [])
        if further:
            continue
        named_here = False
        for m in _PROPOSE.finditer(sentence):
            name, tail = m.group("name"), sentence[m.end():]
            if name.split()[0] in _NOT_NAMES:
                continue
            nxt = re.match(r"\W*(\w+)", tail)
            if nxt and nxt.group(1).casefold() in _COMPONENT:
                continue
            if len(name.split()) == 1 and not _namelike(name) and not re.match(r"\s*[,:(]", tail):
                continue
            col.add(name, tail[:80], [m.groups()[-1]] if m.groups()[-1] else [])
            named_here = True
        if named_here:
            continue
        m = _PROPOSE_ACR.search(sentence)
        if m and _namelike(m.group(2)) and m.group("before").casefold() not in _COMPONENT:
            head = sentence[: m.start(2) - 1].split()
            long_words: list[str] = []
            for w in reversed(head):
                if w[:1].isupper() or (long_words and w in {"to", "of", "for", "and"}):
                    long_words.insert(0, w)
                else:
                    break
            ctx = sentence[m.start():]
            if long_words and _initials_match(long_words, m.group(2)):
                col.add(" ".join(long_words), ctx, [m.group(2)])
            else:
                col.add(m.group(2), sentence[m.start():m.end()][-80:] + sentence[m.end():][:40])
    return list(col.found.values())


def artifacts_of(paper: Paper, exclude: Iterable[str] = ()) -> list[Artifact]:
    """:func:`extract_artifacts` on a paper's title and plain-text abstract."""
    return extract_artifacts(paper.title, paper.abstract_text or paper.abstract, exclude=exclude)


def matching_repositories(artifact: Artifact, links: Iterable[Link]) -> list[Link]:
    """Repository links whose name is one of the artifact's names (ignoring case, -, _)."""
    keys = {artifact_key(n) for n in artifact.names()}
    return [link for link in links
            if link.kind == "repository" and link.name and artifact_key(link.name) in keys]
