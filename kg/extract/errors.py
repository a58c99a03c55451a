"""The one error every reader raises when a source cannot be read as asked."""

from __future__ import annotations

from collections.abc import Iterable

from kg.models import Problem


class ExtractionError(Exception):
    """A source could not be read as asked (``strict`` mode, or not readable at all)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
