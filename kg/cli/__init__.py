"""The ``kg`` command line: a thin layer over the Python API.

Each command group lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

from kg.cli import analyze, build, extract, merge, query, remote, topics, viz  # noqa: F401  (register their commands)
from kg.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``kg`` script and of ``python -m kg``."""
    app(prog_name="kg")
