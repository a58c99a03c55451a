"""Where the shipped ontology and query files are.

In a source checkout (and an editable install) they are the top-level ``ontology/``,
``queries/`` and ``examples/`` folders; a wheel carries them inside the package as ``kg/_data/...``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation of scholarly-kg")


def ontology_dir() -> Path:
    """The folder with ``kg.ttl``, ``shapes.ttl``, the taxonomies and the alias table."""
    return _find("ontology")


def queries_dir() -> Path:
    """The folder with the SPARQL query library (``*.rq``)."""
    return _find("queries")


def examples_dir() -> Path:
    """The folder of bundled example sources (``profiles/chuhan-wu.txt``)."""
    return _find("examples")
