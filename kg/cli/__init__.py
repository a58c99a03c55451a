"""The ``kg`` command line: a thin layer over the Python API.

Each command group lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

from kg.cli import build as _build  # noqa: F401  (registers commands)
from kg.cli.app import app

for _mod in ("extract", "query", "viz", "topics", "remote"):
    try:
        __import__(f"kg.cli.{_mod}")
    except ModuleNotFoundError as _e:  # a command module not written yet
        if _e.name != f"kg.cli.{_mod}":
            raise

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``kg`` script and of ``python -m kg``."""
    app(prog_name="kg")
