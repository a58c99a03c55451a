"""The notebook walkthrough runs top to bottom on a fresh install, offline (issue 8), from any
working directory (issue 13): it finds the bundled example through the package."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "collaboration.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text())
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_finds_the_example_through_the_package() -> None:
    source = "".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"])
    assert 'kg.examples.path("chuhan-wu")' in source and "../examples" not in source


def test_notebook_runs_top_to_bottom_from_another_directory(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh kernel whose working directory is outside the repository, as papermill, a copied
    # notebook or a server started elsewhere give it; it imports this checkout's kg.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert NOTEBOOK.parent.parent not in elsewhere.parents
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(NOTEBOOK.parent.parent),
                                                                   os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(elsewhere)}}).execute()
    outputs = {i: c.outputs for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    assert all(o.get("output_type") != "error" for outs in outputs.values() for o in outs)
    text = "\n".join(o.get("text", "") for outs in outputs.values() for o in outs)
    assert "Chuhan Wu: h-index 46, 14304 citations, 50 of 77 papers listed on the page" in text
    html = "\n".join(o.get("data", {}).get("text/html", "") for outs in outputs.values() for o in outs)
    assert "vis-network" in html or "vis.Network" in html  # the pyvis picture rendered inline


def test_bundled_examples_are_found_by_name_from_any_directory(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest

    import kg.examples

    monkeypatch.chdir(tmp_path)
    assert kg.examples.path("chuhan-wu") == NOTEBOOK.parent.parent / "examples" / "profiles" / "chuhan-wu.txt"
    assert doctest.testmod(kg.examples).failed == 0
    with pytest.raises(FileNotFoundError, match=r"no bundled example named 'nobody'; there are: chuhan-wu"):
        kg.examples.path("nobody")
