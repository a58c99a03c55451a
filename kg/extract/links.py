"""Find and normalise links to code (repositories, hosting accounts) in free text."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from kg.models import Link

# Explicit http(s) URLs, plus bare links to the big code hosts ("github.com/owner/repo").
URL_PATTERN = re.compile(
    r"(?:https?://|(?<![\w./@-])(?:www\.)?(?=(?:github\.com|gitlab\.com|huggingface\.co)/))"
    r"[^\s<>\"'`{}\\]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*'\"“”‘’"
_PAIRS = {")": "(", "]": "[", "}": "{"}

CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})
HF_HOST = "huggingface.co"
# First path segments on GitHub that are not owners.
_GITHUB_RESERVED = frozenset(
    {"orgs", "users", "sponsors", "topics", "features", "marketplace", "about", "collections",
     "settings", "login", "search", "explore", "apps"}
)
_HF_KINDS = frozenset({"datasets", "spaces", "models"})


def _strip_trailing(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(_PAIRS[last]) < url.count(last):
            url = url[:-1]  # closing bracket of the sentence, not of the URL
        else:
            break
    return url


def normalise_link(raw: str) -> Link | None:
    """Normalise one URL and classify it; ``None`` when nothing usable is left.

    >>> normalise_link("https://github.com/YJiangcm/LTE.").url
    'https://github.com/YJiangcm/LTE'
    >>> normalise_link("HTTP://HuggingFace.co/Team-ACE/").kind
    'account'
    """
    url = _strip_trailing(raw.strip())
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host:
        return None
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4].rstrip("/")
    segments = [s for s in path.split("/") if s]
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    if host in CODE_HOSTS and segments:
        if host == "github.com" and segments[0].lower() in _GITHUB_RESERVED:
            segments = segments[1:2]
        if not segments:
            return None
        owner = segments[0]
        if len(segments) == 1:
            return Link(url=f"https://{host}/{owner}", kind="account", host=host, owner=owner)
        name = segments[1]
        return Link(url=f"https://{host}/{owner}/{name}", kind="repository", host=host,
                    owner=owner, name=name)
    if host == HF_HOST and segments:
        prefix = ""
        if segments[0].lower() in _HF_KINDS:
            prefix = segments[0].lower() + "/"
            segments = segments[1:]
        if not segments:
            return None
        owner = segments[0]
        if len(segments) == 1 and not prefix:
            return Link(url=f"https://{host}/{owner}", kind="account", host=host, owner=owner)
        if len(segments) == 1:
            return Link(url=f"https://{host}/{prefix}{owner}", kind="other", host=host, owner=owner)
        name = segments[1]
        return Link(url=f"https://{host}/{prefix}{owner}/{name}", kind="repository", host=host,
                    owner=owner, name=name)
    rest = path + (f"?{parts.query}" if parts.query else "")
    return Link(url=f"https://{host}{port}{rest}", kind="other", host=host)


def find_links(text: str) -> list[Link]:
    """Every distinct link in ``text``, in order of first appearance."""
    seen: dict[str, Link] = {}
    folded = text.lower()
    if "http" not in folded and "github.com" not in folded and "gitlab.com" not in folded \
            and "huggingface.co" not in folded:
        return []  # fast path: most abstracts have no link, and the pattern is costly to scan
    for m in URL_PATTERN.finditer(text):
        link = normalise_link(m.group(0))
        if link is not None and link.url not in seen:
            seen[link.url] = link
    return list(seen.values())
