"""The table of the query library in ``docs/queries.md``, with one real answer per question.

Regenerate after changing a query or the bundled example::

    python -m kg.query.docs > docs/queries.md

The answers are computed by running each query on the bundled example page, so the table
cannot drift from what the queries return (``tests/test_queries_cli.py`` checks it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kg.query.library import library
from kg.query.results import QueryResult, display

EXAMPLE = "examples/profiles/chuhan-wu.txt"
EXAMPLE_AS_OF = dt.date(2026, 11, 26)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def example_answer(result: QueryResult) -> str:
    """The first row as ``column: value`` pairs (IRIs left out when other columns say more)."""
    if not result.terms:
        return "(no rows on the example)"
    row = result.terms[0]
    shown = [c for c in result.columns if c in row and row[c].type != "uri"] or list(row)
    pairs = ", ".join(f"{c}: {display(row[c])}" for c in shown)
    return f"{pairs} ({len(result)} rows)"


def library_table(store: Any) -> list[tuple[str, str]]:
    """``(query name, markdown table row)`` for every library query, run on ``store``."""
    from kg.query import run

    rows = []
    for name, q in library().items():
        params = " ".join(f'`{p.name}="{p.example}"`' for p in q.params) or "–"
        answer = example_answer(run(store, q, **q.example_params))
        question = q.question or q.title
        rows.append(
            (
                name,
                f"| {_cell(question)} | [`{name}.rq`](../queries/{name}.rq) | {_cell(params)} "
                f"| {_cell(answer)} |",
            )
        )
    return rows


def render(store: Any) -> str:
    head = [
        "# The SPARQL query library",
        "",
        "One question per file in [`queries/`](../queries/); run any of them with",
        '`kg query NAME --param author="Chuhan Wu"`, from Python with',
        '`kg.query.run(store, NAME, author="Chuhan Wu")`, or paste the file into any SPARQL 1.1',
        "endpoint (parameters then go in a `VALUES` block at the start of the `WHERE` clause).",
        "`kg query --list` prints every header (parameters, columns, notes).",
        "",
        f"Example answers: the first row on the bundled example (`{EXAMPLE}`,",
        f"built with `--as-of {EXAMPLE_AS_OF.isoformat()}`). Counts that depend on truncated author",
        "lists are lower bounds; each query's header says so.",
        "Regenerate with `python -m kg.query.docs > docs/queries.md`.",
        "",
        "| Question | File | Example parameters | Example answer (first row) |",
        "| --- | --- | --- | --- |",
    ]
    return "\n".join([*head, *(r for _, r in library_table(store))]) + "\n"


def main() -> None:
    import sys

    from kg.builder import build_sources
    from kg.resources import queries_dir
    from kg.store import KGStore

    store = KGStore()
    build_sources([queries_dir().parent / EXAMPLE], store=store, as_of=EXAMPLE_AS_OF)
    sys.stdout.write(render(store))


if __name__ == "__main__":
    main()
