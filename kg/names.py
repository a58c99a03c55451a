"""Normalised keys for matching names and titles, and IRI-safe segments built from them.

Keys are for *matching* (the same person written with or without accents, in any case);
the text as written is always kept next to them.  Keys never merge strings that differ in
more than case, accents, Unicode compatibility form or white space: "J. Wu" and "Jia Wu"
stay different people.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """NFKC, case-folded, accents removed, white space collapsed."""
    s = unicodedata.normalize("NFKC", text).casefold()
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", _SPACES.sub(" ", s).strip())


def name_key(name: str) -> str:
    """The matching key of a person's name: ``name_key("Chuhan  WU") == name_key("Chuhan Wu")``.

    >>> name_key("José  Müller")
    'jose muller'
    """
    return fold(name)


_WORDS = re.compile(r"[^\W\d_]+")


def is_initials_only(name: str) -> bool:
    """True when every given name is an initial ("C. Wu", "J R R Tolkien"): too weak to match on.

    >>> is_initials_only("C. Wu"), is_initials_only("Chuhan Wu"), is_initials_only("Wu")
    (True, False, False)
    """
    words = _WORDS.findall(fold(name))
    return len(words) >= 2 and all(len(w) == 1 for w in words[:-1])


def title_key(title: str) -> str:
    """The matching key of a title: folded like names, punctuation dropped.

    >>> title_key("Fastformer: Additive Attention Can Be All You Need")
    'fastformer additive attention can be all you need'
    """
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", fold(title)).replace("_", " ")).strip()


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def iri_segment(key: str) -> str:
    """An injective, IRI-safe path segment for a key.

    Spaces become ``_``; ASCII letters, digits, ``-`` and ``.`` stay; every other character
    (``_`` and ``/`` included) is percent-encoded as UTF-8, so two different keys never
    share a segment.

    >>> iri_segment("chuhan wu")
    'chuhan_wu'
    >>> iri_segment("a_b c")
    'a%5Fb_c'
    """
    if not key:
        raise ValueError("cannot make an IRI segment from an empty key")
    out: list[str] = []
    for ch in key:
        if ch in _SAFE:
            out.append(ch)
        elif ch == " ":
            out.append("_")
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    seg = "".join(out)
    # "." and ".." are path navigation in IRIs; encode them so resolution never rewrites them.
    if seg in {".", ".."}:
        seg = seg.replace(".", "%2E")
    return seg
