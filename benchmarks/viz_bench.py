"""How `kg viz` pages scale: HTML generation time and time to a stable first paint in
headless Chromium, for synthetic co-author graphs of 500, 2,000 and 10,000 people.

Baselines measured in the same run:
* generation: pyvis's own ``Network.write_html`` (``cdn_resources="in_line"``) of the very
  same nodes, edges and options;
* first paint: an empty page from file://, and pyvis's own page of the same graph (its
  ``load`` event; it also tries to fetch Bootstrap from a CDN, which is refused here).

Usage::

    python benchmarks/viz_bench.py                    # 500, 2000, 10000 people, medians of 3
    python benchmarks/viz_bench.py --sizes 500 --repeat 1
    python benchmarks/viz_bench.py --screenshot kg-coauthors.html docs/images/coauthors.png --click "Tao Qi"
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyvis.network import Network

from kg.analysis.coauthors import Author, PaperFacts
from kg.viz import KGNetwork, network_from_papers
from kg.viz.layout import SPRING_LIMIT

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run"]
CHROMIUM = "/usr/bin/chromium"
PHYSICS_CHECK_LIMIT = 2000
PHYSICS_ON = {"enabled": True, "solver": "forceAtlas2Based",
              "forceAtlas2Based": {"gravitationalConstant": -40, "springLength": 90},
              "stabilization": {"enabled": True, "iterations": 150, "fit": True}}


def synthetic_papers(people: int, seed: int = 1) -> list[PaperFacts]:
    """Papers whose authors are drawn with preferential attachment (a few prolific people,
    many occasional ones), every person on at least one paper."""
    rng = random.Random(seed)
    n_papers = max(1, int(people * 0.8))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(people)]
    teams: list[set[int]] = [set() for _ in range(n_papers)]
    for person in range(people):  # everyone somewhere
        teams[person % n_papers].add(person)
    for team in teams:
        while len(team) < rng.randint(2, 6):
            team.add(rng.choices(range(people), weights)[0])
    papers = []
    for k, team in enumerate(teams):
        authors = [Author(f"urn:p:{i:06d}", f"Person {i}", pos, False)
                   for pos, i in enumerate(sorted(team), 1)]
        papers.append(PaperFacts(f"urn:paper:{k:06d}", f"Synthetic paper {k}", 2000 + k % 25,
                                 arxiv_id=f"2401.{k:05d}", authors=authors,
                                 categories=[("urn:c:IR", "cs.IR", "Information Retrieval")]))
    return papers


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def wait_until(page: Any, expression: str, timeout_s: float = 600) -> None:
    """Poll with ``evaluate`` (``wait_for_function`` uses ``eval``, which the page's CSP refuses)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.02)


def paint_ms(browser: Any, path: Path, ours: bool) -> float:
    """Milliseconds from navigation start to a stable first paint (ours) or to ``load``."""
    ctx = browser.new_context(offline=True, viewport={"width": 1280, "height": 860})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = ctx.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=600_000)
        if ours:
            wait_until(page, "!!(window.kgView && window.kgView.ready === true)")
            return float(page.evaluate("kgView.firstPaint"))
        return float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
    finally:
        ctx.close()


def bench(sizes: list[int], repeat: int, out_dir: Path) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    rows = []
    empty = out_dir / "empty.html"
    empty.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for n in sizes:
            papers = synthetic_papers(n)
            build: list[float] = []
            render, pyvis_gen, ours_paint, pyvis_paint, empty_paint, physics = [], [], [], [], [], []
            net = None
            for _ in range(repeat):
                t, net = timed(lambda papers=papers: network_from_papers(papers, "coauthors"))
                build.append(t)
                t, page = timed(net.generate_html)
                render.append(t)
                ours = out_dir / f"ours-{n}.html"
                ours.write_text(page, encoding="utf-8")
                plain = Network(height="750px", width="100%", cdn_resources="in_line")
                plain.nodes, plain.edges, plain.options = net.nodes, net.edges, net.options
                theirs = out_dir / f"pyvis-{n}.html"
                t, _ = timed(lambda plain=plain, theirs=theirs: plain.write_html(str(theirs)))
                pyvis_gen.append(t)
                ours_paint.append(paint_ms(browser, ours, True))
                pyvis_paint.append(paint_ms(browser, theirs, False))
                empty_paint.append(paint_ms(browser, empty, False))
                if n <= PHYSICS_CHECK_LIMIT:  # the same page with physics on, as small pictures have it
                    moving = KGNetwork(net.kg_title)
                    moving.nodes, moving.edges = net.nodes, net.edges
                    moving.options = {**net.options, "physics": PHYSICS_ON}
                    on = out_dir / f"physics-{n}.html"
                    moving.write_html(str(on))
                    physics.append(paint_ms(browser, on, True))
            assert net is not None
            rows.append({
                "people": n, "nodes": len(net.nodes), "edges": len(net.edges),
                "physics": net.options["physics"]["enabled"],
                "layout": "spring" if n <= SPRING_LIMIT else "communities",
                "build_s": median(build), "html_s": median(render), "pyvis_write_s": median(pyvis_gen),
                "mb": round(len(page.encode()) / 1e6, 2),
                "paint_ms": median(ours_paint), "pyvis_load_ms": median(pyvis_paint),
                "empty_ms": median(empty_paint), "physics_on_ms": median(physics) if physics else None,
            })
            print_row(rows[-1])
        browser.close()
    return rows


def print_row(r: dict[str, Any]) -> None:
    print(f"{r['people']:>6} people | {r['nodes']:>6} nodes {r['edges']:>6} edges | layout {r['layout']:<8} "
          f"physics {'on' if r['physics'] else 'off'} | build+layout {r['build_s']:.2f} s | "
          f"our HTML {r['html_s'] * 1000:.0f} ms vs pyvis write_html {r['pyvis_write_s'] * 1000:.0f} ms "
          f"(x{r['html_s'] / r['pyvis_write_s']:.2f}) | {r['mb']} MB | first stable paint "
          f"{r['paint_ms']:.0f} ms vs pyvis page load {r['pyvis_load_ms']:.0f} ms, empty page "
          f"{r['empty_ms']:.0f} ms (x{r['paint_ms'] / max(r['empty_ms'], 1):.1f})"
          + (f" | with physics on: {r['physics_on_ms']:.0f} ms to settle" if r["physics_on_ms"] else ""),
          flush=True)


def screenshot(html: Path, png: Path, click: str | None = None) -> None:
    """A picture of a page once it has settled (for the README), after clicking a node."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        ctx = browser.new_context(offline=True, viewport={"width": 1280, "height": 820})
        page = ctx.new_page()
        page.goto(html.resolve().as_uri())
        wait_until(page, "!!(window.kgView && window.kgView.ready === true)", 120)
        if click:
            x, y, right, bottom = page.evaluate(
                """(l) => { const net = kgView.network;
                            const id = kgView.nodes.getIds({filter: n => n.label === l})[0];
                            const p = net.canvasToDOM(net.getPositions([id])[id]);
                            const r = document.getElementById('kg-network').getBoundingClientRect();
                            return [r.left + p.x, r.top + p.y, r.right - 3, r.bottom - 3]; }""", click)
            page.mouse.click(x, y)
            page.mouse.move(right, bottom, steps=5)  # off the node, inside the canvas: no tooltip
        page.wait_for_timeout(300)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
        browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--screenshot", nargs=2, metavar=("HTML", "PNG"), type=Path)
    ap.add_argument("--click", help="with --screenshot: click the node with this label first")
    args = ap.parse_args(argv)
    if args.screenshot:
        screenshot(*args.screenshot, click=args.click)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        bench(args.sizes, args.repeat, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
