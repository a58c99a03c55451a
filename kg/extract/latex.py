"""Plain text from abstracts that carry a little LaTeX (``\\textbf{ZIP}``, ``$2500$``, ````entropy law''``).

A deliberately small converter: general LaTeX-to-text libraries treat ``%`` as a comment and
would cut "50% of" short; abstracts are prose with a few inline commands, and URLs in them
must come through untouched.
"""

from __future__ import annotations

import re

from kg.extract.links import URL_PATTERN

# \cmd{arg} -> arg for formatting commands (and any other one-argument command).
_CMD_ARG = re.compile(r"\\([A-Za-z]+)\*?\{([^{}]*)\}")
_HREF = re.compile(r"\\href\{([^{}]*)\}\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([%&_#$\{\}])")
_BARE_CMD = re.compile(r"\\([A-Za-z]+)\b ?")
_INLINE_MATH = re.compile(r"(?<!\\)\$([^$]+)(?<!\\)\$")
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ",
    "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "theta": "θ", "phi": "φ", "omega": "ω",
    "times": "×", "approx": "≈", "leq": "≤", "geq": "≥", "sim": "~", "pm": "±", "cdot": "·",
    "rightarrow": "→", "to": "→", "infty": "∞",
}


def _bare_commands(text: str) -> str:
    return _BARE_CMD.sub(lambda m: _GREEK.get(m.group(1), m.group(1)), text)


def _plain_segment(text: str) -> str:
    text = _HREF.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    previous = None
    while previous != text:  # innermost first, so nested commands unwrap fully
        previous = text
        text = _CMD_ARG.sub(lambda m: m.group(2), text)
    # Commands inside math first: "$\alpha$ and" keeps its space after the closing "$".
    text = _INLINE_MATH.sub(lambda m: _bare_commands(m.group(1)), text)
    text = _bare_commands(text)
    text = _ESCAPED.sub(lambda m: m.group(1), text)
    text = text.replace("``", "\u201c").replace("''", "\u201d")
    return text.replace("---", "\u2014").replace("--", "\u2013")


def latex_to_text(text: str) -> str:
    """Remove inline LaTeX markup, leaving URLs exactly as written.

    >>> latex_to_text(r"we propose $\\textbf{TayFCS}$, a ``fast'' method -- see https://x.org/a--b")
    'we propose TayFCS, a \u201cfast\u201d method \u2013 see https://x.org/a--b'
    """
    if "\\" not in text and "$" not in text and "``" not in text and "''" not in text and "--" not in text:
        return text
    out: list[str] = []
    pos = 0
    for m in URL_PATTERN.finditer(text):
        out.append(_plain_segment(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_plain_segment(text[pos:]))
    return "".join(out)
