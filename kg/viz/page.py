"""A self-contained, safe HTML page for a pyvis network.

pyvis's own templates load Bootstrap (and, in ``remote`` mode, vis-network) from CDNs and
paste the heading and menus into the page as raw HTML.  This page instead:

* inlines vis-network's JS and CSS from the installed pyvis package, and nothing else;
* carries all data as one JSON document in ``<script type="application/json">`` with ``<``,
  ``>``, ``&`` and U+2028/U+2029 escaped, read with ``JSON.parse``;
* builds the heading, notes, legend, tooltips and the details panel with ``textContent``
  (never ``innerHTML``); links get an ``href`` only when they are ``https://`` URLs;
* forbids every network fetch with a Content-Security-Policy (``default-src 'none'``) and
  runs only its own two scripts (allowed by SHA-256 hash; inline handlers are refused).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

VIS_VERSION = "9.1.2"

# Scripts are allowed by hash only, so even an injected inline handler (onerror=...) would not run.
_CSP = ("default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")

_STYLE = """
html, body { margin: 0; padding: 0; font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fff; }
#kg-top { padding: 8px 14px; border-bottom: 1px solid #ddd; }
#kg-top h1 { font-size: 18px; margin: 0 0 2px 0; }
#kg-sub, #kg-notes { color: #555; margin: 0; }
#kg-notes { padding-left: 18px; }
#kg-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px; }
.kg-key { display: inline-flex; align-items: center; gap: 5px; }
.kg-swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #666; }
.kg-swatch.dot { border-radius: 50%; } .kg-swatch.diamond { transform: rotate(45deg) scale(.85); }
.kg-swatch.triangle { border-radius: 2px 2px 6px 6px; } .kg-swatch.star { border-radius: 3px; }
#kg-main { display: flex; height: calc(100vh - 110px); min-height: 480px; }
#kg-network { flex: 1; border-right: 1px solid #ddd; }
#kg-info { width: 320px; overflow-y: auto; padding: 8px 12px; font-size: 13px; }
#kg-info h2 { font-size: 15px; margin: 4px 0; }
#kg-info dt { font-weight: 600; } #kg-info dd { margin: 0 0 4px 0; }
#kg-info ul { padding-left: 16px; } #kg-info li { margin-bottom: 4px; overflow-wrap: anywhere; }
div.vis-tooltip { white-space: normal; max-width: 440px; }
.kg-tip { white-space: pre-wrap; font: 12px/1.35 system-ui, sans-serif; }
"""

# Everything data-derived reaches the DOM through textContent / DataSet values only.
_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function tip(text) { return el("div", text, "kg-tip"); }
  function safeUrl(u) { return typeof u === "string" && /^https:\/\/[^\s]+$/.test(u) ? u : null; }
  document.title = data.title;
  document.getElementById("kg-title").textContent = data.title;
  document.getElementById("kg-sub").textContent = data.subtitle || "";
  var notes = document.getElementById("kg-notes");
  (data.notes || []).forEach(function (n) { notes.appendChild(el("li", n)); });
  var legend = document.getElementById("kg-legend");
  (data.legend || []).forEach(function (item) {
    var key = el("span", null, "kg-key");
    var sw = el("span", null, "kg-swatch " + (item.shape === "dot" || item.shape === "diamond" ||
      item.shape === "triangle" || item.shape === "star" ? item.shape : "square"));
    sw.style.backgroundColor = item.color;
    key.appendChild(sw);
    key.appendChild(el("span", item.label));
    legend.appendChild(key);
  });
  var info = new Map();
  var nodeItems = data.nodes.map(function (n) {
    var copy = Object.assign({}, n);
    info.set(n.id, n.info || null);
    delete copy.info;
    if (typeof copy.title === "string") { copy.title = tip(copy.title); }
    return copy;
  });
  var edgeItems = data.edges.map(function (e) {
    var copy = Object.assign({}, e);
    if (typeof copy.title === "string") { copy.title = tip(copy.title); }
    return copy;
  });
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  var panel = document.getElementById("kg-info");
  function showInfo(id) {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    var d = info.get(id);
    if (!d) { panel.appendChild(el("p", data.hint)); return; }
    panel.appendChild(el("h2", d.heading));
    if (d.facts && d.facts.length) {
      var dl = el("dl");
      d.facts.forEach(function (f) { dl.appendChild(el("dt", f[0])); dl.appendChild(el("dd", f[1])); });
      panel.appendChild(dl);
    }
    if (d.items && d.items.length) {
      if (d.items_heading) { panel.appendChild(el("h3", d.items_heading)); }
      var ul = el("ul");
      d.items.forEach(function (it) {
        var li = el("li", it.text);
        (it.links || []).forEach(function (l) {
          var url = safeUrl(l[1]);
          if (!url) { return; }
          li.appendChild(document.createTextNode(" "));
          var a = el("a", l[0]);
          a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
          li.appendChild(a);
        });
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
  }
  var original = null;
  function highlight(id) {
    if (original === null) {
      original = { nodes: nodes.get({ fields: ["id", "color", "font"] }),
                   edges: edges.get({ fields: ["id", "color"] }) };
    }
    var keep = new Set(network.getConnectedNodes(id));
    keep.add(id);
    var near = new Set(network.getConnectedEdges(id));
    nodes.update(original.nodes.map(function (n) {
      return keep.has(n.id) ? n
        : { id: n.id, color: "rgba(200,200,200,0.35)", font: { color: "rgba(0,0,0,0.15)" } };
    }));
    edges.update(original.edges.map(function (e) {
      return near.has(e.id) ? e : { id: e.id, color: "rgba(200,200,200,0.2)" };
    }));
    window.kgView.highlighted = Array.from(keep).sort();
  }
  function reset() {
    if (original !== null) { nodes.update(original.nodes); edges.update(original.edges); }
    window.kgView.highlighted = [];
    showInfo(null);
  }
  network.on("click", function (params) {
    if (params.nodes.length) { highlight(params.nodes[0]); showInfo(params.nodes[0]); } else { reset(); }
  });
  window.kgView = { nodes: nodes, edges: edges, network: network, highlighted: [], ready: false };
  function ready() {
    if (window.kgView.ready) { return; }
    window.kgView.ready = true;
    window.kgView.firstPaint = performance.now();
    document.body.setAttribute("data-kg-ready", "1");
  }
  var physicsOn = !!(data.options.physics && data.options.physics.enabled);
  var stable = !physicsOn;
  function settle() {
    if (stable) { return; }
    stable = true;
    network.setOptions({ physics: { enabled: false } });  // keep the settled picture still
    network.redraw();
  }
  network.on("stabilizationIterationsDone", settle);
  network.on("stabilized", settle);
  network.on("afterDrawing", function () { if (stable) { ready(); } });
  showInfo(null);
})();
"""


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's (JS, CSS), read from the installed pyvis package."""
    lib = files("pyvis") / "lib" / f"vis-{VIS_VERSION}"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    for text, end in ((js, "</script"), (css, "</style")):
        if end in text.lower():  # would close the inline element early
            raise RuntimeError(f"the installed vis-network asset contains {end!r}")
    return js, css


def script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: no ``<``, ``>``, ``&`` or JS line separators left raw."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def render_page(data: dict[str, Any]) -> str:
    """The whole page for ``data`` (``title``, ``subtitle``, ``notes``, ``legend``, ``nodes``,
    ``edges``, ``options``, ``hint``)."""
    js, css = vis_assets()
    vis_script = f"\n{js}\n"
    csp = _CSP.format(hashes=f"{_csp_hash(vis_script)} {_csp_hash(_SCRIPT)}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>scholarly-kg</title>\n"
        f"<style>\n{css}\n</style>\n<style>{_STYLE}</style>\n"
        f"<script>{vis_script}</script>\n</head>\n<body>\n"
        "<div id=\"kg-top\"><h1 id=\"kg-title\"></h1><p id=\"kg-sub\"></p><ul id=\"kg-notes\"></ul>"
        "<div id=\"kg-legend\"></div></div>\n"
        "<div id=\"kg-main\"><div id=\"kg-network\"></div><aside id=\"kg-info\"></aside></div>\n"
        f"<script type=\"application/json\" id=\"kg-data\">{script_json(data)}</script>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def iframe(page: str, height: str = "800px") -> str:
    """The page as a sandboxed ``<iframe srcdoc>`` (Jupyter's inline display)."""
    return (f"<iframe srcdoc=\"{html.escape(page, quote=True)}\" "
            f"style=\"width: 100%; height: {html.escape(height)}; border: 0\" "
            "sandbox=\"allow-scripts allow-popups allow-popups-to-escape-sandbox\"></iframe>")
