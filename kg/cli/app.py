"""The shared Typer application and console helpers."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(
    name="kg",
    help="scholarly-kg: build and question RDF knowledge graphs of research collaboration.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
# soft_wrap: an error names a file, an IRI or a query; rich must not break it across lines
# at the terminal width (copy-paste and grep need it whole, whatever the width).
err = Console(stderr=True, soft_wrap=True)


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def fail(message: str, code: int = 1) -> typer.Exit:
    # Text, not markup: messages quote user input, which must never be read as rich markup.
    err.print(Text.assemble(("error: ", "bold red"), message))
    return typer.Exit(code)
