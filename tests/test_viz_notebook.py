"""In Jupyter, ``kg.viz.viz(...)`` displays inline: a sandboxed iframe holding the safe page."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pytest
from conftest import AS_OF, OWNER, SEED
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


def test_network_displays_inline_in_a_notebook() -> None:
    pytest.importorskip("ipykernel")
    code = f"""
import datetime as dt
from kg.builder import build_sources
from kg.store import KGStore
from kg.viz import viz
store = KGStore()
build_sources([{str(SEED)!r}], store=store, as_of=dt.date.fromisoformat({AS_OF.isoformat()!r}),
              validate=False)
viz(store, "ego", focus={OWNER!r}, top=6)
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"]
    shown = outputs[0]["data"]["text/html"]
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" style="[^"]*" '
                     r'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>', shown)
    assert m, shown[:200]
    page = html.unescape(m.group(1))
    found = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert found
    data = json.loads(found[1])
    assert len(data["nodes"]) == 6
    assert OWNER in {n["label"] for n in data["nodes"]}
    assert "vis.Network" in page
    assert not any(host in page for host in ("bootstrap", "cdnjs.", "jsdelivr."))
