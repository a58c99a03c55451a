"""The bundled example sources, found through the package (any working directory, any install).

>>> import kg.examples
>>> kg.examples.path("chuhan-wu").name
'chuhan-wu.txt'
>>> kg.examples.names()
['chuhan-wu']
"""

from __future__ import annotations

from pathlib import Path

from kg.resources import examples_dir


def names() -> list[str]:
    """The names of the bundled examples, sorted."""
    return sorted(p.stem for p in examples_dir().glob("*/*") if p.is_file())


def path(name: str) -> Path:
    """The file of the bundled example ``name`` (e.g. ``"chuhan-wu"``), wherever kg is installed."""
    found = sorted(p for p in examples_dir().glob(f"*/{name}.*") if p.is_file())
    if not found:
        raise FileNotFoundError(f"no bundled example named {name!r}; there are: {', '.join(names())}")
    return found[0]
