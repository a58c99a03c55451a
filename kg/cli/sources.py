"""The SOURCES arguments of the commands that build: files, folders and glob patterns.

Shared by every command that takes sources, so they all accept the same things and say the
same about what they picked up (on stderr: stdout stays the command's own report).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.text import Text

from kg.cli.app import err, fail
from kg.extract.discover import Discovery, DiscoveryError, discover_sources

SOURCES_HELP = ("Files, folders (searched recursively for the files a reader recognises) "
                "or quoted glob patterns ('exports/**/*.bib').")


def report_discovery(found: Discovery) -> None:
    """One line per folder or pattern (files picked up, by format), one note per skipped file."""
    for origin in found.origins:
        picked = [f for f in found.found if f.origin == origin]
        skipped = [s for s in found.skipped if s.origin == origin]
        formats = Counter(f.format for f in picked)
        by_format = ", ".join(f"{fmt} {n}" for fmt, n in sorted(formats.items()))
        line = f"{origin}: picked up {len(picked)} file{'s' * (len(picked) != 1)} ({by_format})"
        if skipped:
            line += f", skipped {len(skipped)}"
        err.print(Text(line))
        for s in skipped:
            err.print(Text.assemble(("note: ", "dim"), f"skipped {s.path}: {s.reason}"))


def expand_sources(args: list[Path], *, format: str | None = None) -> list[Path]:
    """The files ``args`` mean, in a stable order, reported on stderr; exit 1 when one names none.

    ``format`` (``--format``): folders and patterns give the files that reader's sniffing accepts.
    """
    try:
        found = discover_sources(args, format=format)
    except (DiscoveryError, ValueError) as e:  # ValueError: an unknown --format
        raise fail(str(e)) from None
    report_discovery(found)
    return found.sources
