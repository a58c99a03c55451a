"""The pages in a real browser: Debian's Chromium driven by Playwright (never a downloaded one).

Each page is opened from file:// in an offline context whose every request is recorded and,
unless it is file: or data:, aborted; a request that tried to leave the page fails the test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OWNER, SEED, need
from test_viz_support import HOSTILE, HOSTILE_NAME_2, build_store, expected_network, write_hostile

from kg.models import ProfileRecords
from kg.names import name_key
from kg.store import KGStore
from kg.viz import viz, write_html

pytestmark = pytest.mark.browser

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run"]
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = need("chromium", "the browser tests drive Debian's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS, timeout=TIMEOUT_MS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def viz_store() -> KGStore:
    return build_store([SEED])


def wait_until(page: Any, expression: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Poll ``expression`` with ``page.evaluate`` until truthy.

    Playwright's ``wait_for_function`` polls through ``eval``, which the page's CSP refuses;
    ``evaluate`` goes through the DevTools protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


class Opened:
    """A page loaded from file:// with what it requested and logged."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.context = browser.new_context(offline=True, viewport={"width": 1280, "height": 860})
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
        wait_until(self.page, "!!(window.kgView && window.kgView.ready === true)")

    def counts(self) -> tuple[int, int]:
        n, e = self.page.evaluate("[kgView.nodes.length, kgView.edges.length]")
        return n, e

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where a node is on the screen (its centre)."""
        return tuple(self.page.evaluate(
            """(id) => { const net = kgView.network; const p = net.canvasToDOM(net.getPositions([id])[id]);
                         const r = document.getElementById('kg-network').getBoundingClientRect();
                         return [r.left + p.x, r.top + p.y]; }""", node_id))

    def node_id(self, label: str) -> str:
        ids = self.page.evaluate("(l) => kgView.nodes.getIds({filter: n => n.label === l})", label)
        assert len(ids) == 1, ids
        return ids[0]

    def assert_clean(self) -> None:
        assert self.blocked == []
        assert self.requests and all(u.startswith(("file:", "data:")) for u in self.requests), self.requests
        assert self.errors == []

    def close(self) -> None:
        self.context.close()


def test_seed_coauthor_page_loads_offline_with_the_right_graph(browser: Any, viz_store: KGStore,
                                                                 seed_records: ProfileRecords,
                                                                 tmp_path: Path) -> None:
    papers, pairs, _ = expected_network(seed_records)
    page = Opened(browser, write_html(viz(viz_store, "coauthors"), tmp_path / "coauthors.html"))
    try:
        assert page.counts() == (len(papers), len(pairs)) == (54, len(pairs))
        labels = page.page.evaluate("kgView.nodes.get().map(n => n.label)")
        assert sorted(name_key(x) for x in labels) == sorted(papers)
        assert page.page.locator("#kg-legend .kg-key").count() >= 2
        # Clicking a node highlights exactly its co-authors and shows its details.
        focus = "Tao Qi"
        k = name_key(focus)
        near = {k} | {o for pair in pairs if k in pair for o in pair}
        x, y = page.node_point(page.node_id(focus))
        page.page.mouse.click(x, y)
        wait_until(page.page, "kgView.highlighted.length > 0")
        lit = page.page.evaluate("kgView.highlighted.map(id => kgView.nodes.get(id).label)")
        assert {name_key(x) for x in lit} == near
        assert page.page.locator("#kg-info h2").text_content() == focus
        # Clicking empty space restores the picture.
        page.page.mouse.click(5, page.page.viewport_size["height"] - 5)
        wait_until(page.page, "kgView.highlighted.length === 0")
        page.assert_clean()
    finally:
        page.close()


@pytest.mark.parametrize(("view", "kwargs"), [
    ("full", {}), ("ego", {"focus": OWNER, "hops": 1, "top": 12}), ("coauthors", {"since": 2030})])
def test_other_views_load_with_the_graph_the_python_side_built(browser: Any, viz_store: KGStore,
                                                               tmp_path: Path, view: str,
                                                               kwargs: dict[str, Any]) -> None:
    net = viz(viz_store, view, **kwargs)
    page = Opened(browser, write_html(net, tmp_path / f"{view}.html"))
    try:
        assert page.counts() == (len(net.nodes), len(net.edges))
        notes = page.page.locator("#kg-notes").text_content()
        if "top" in kwargs:
            assert "left out 42" in notes
        if "since" in kwargs:
            assert page.counts() == (0, 0)
            assert "nothing to draw" in notes
        page.assert_clean()
    finally:
        page.close()


def test_hostile_names_stay_text(browser: Any, tmp_path: Path) -> None:
    store = build_store([write_hostile(tmp_path)])
    for view, kwargs in (("coauthors", {}), ("ego", {"focus": HOSTILE})):
        page = Opened(browser, write_html(viz(store, view, **kwargs), tmp_path / f"hostile-{view}.html"))
        try:
            node = page.node_id(HOSTILE)
            x, y = page.node_point(node)
            page.page.mouse.move(x, y)
            tooltip = page.page.locator("div.vis-tooltip")
            tooltip.wait_for(state="visible", timeout=TIMEOUT_MS)
            assert HOSTILE in tooltip.text_content()
            page.page.mouse.click(x, y)
            wait_until(page.page, "kgView.highlighted.length > 0")
            assert page.page.locator("#kg-info h2").text_content() == HOSTILE
            assert HOSTILE_NAME_2 in page.page.locator("#kg-info").text_content()
            page.page.wait_for_timeout(300)
            assert page.page.evaluate("window.__pwned") is None
            assert page.page.evaluate("document.querySelectorAll('img').length") == 0
            assert page.page.evaluate("document.scripts.length") == 3
            if view == "ego":
                heading = f"Co-authors of {HOSTILE} within 1 step"
                assert page.page.locator("#kg-title").text_content() == heading
                assert page.page.title() == heading
            page.assert_clean()
        finally:
            page.close()


def test_notebook_iframe_draws_inside_its_sandbox(browser: Any, viz_store: KGStore, tmp_path: Path) -> None:
    net = viz(viz_store, "coauthors", top=9)
    host = tmp_path / "notebook.html"
    host.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{net._repr_html_()}"
                    "</body></html>", encoding="utf-8")
    context = browser.new_context(offline=True)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(host.as_uri(), timeout=TIMEOUT_MS)
        frame = next(f for f in page.frames if f != page.main_frame)
        wait_until(frame, "!!(window.kgView && window.kgView.ready === true)")
        counts = frame.evaluate("[kgView.nodes.length, kgView.edges.length]")
        assert counts == [len(net.nodes), len(net.edges)]
        assert page.evaluate("window.kgView") is None  # the picture lives in its own sandboxed document
        assert errors == []
    finally:
        context.close()
