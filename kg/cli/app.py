"""The shared Typer application and console helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from kg.store import KGStore

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


def open_store_or_fail(path: Path, *, read_only: bool = True, need_source: bool = True) -> KGStore:
    """The existing store at ``path`` (see :func:`kg.store.open_existing_store`), or exit 1.

    Every command that reads a store, or changes one that must already exist, opens it here:
    a missing or empty store is an error naming the folder and ``kg build``, and nothing is
    created on disk.
    """
    from kg.store import StoreError, open_existing_store

    try:
        return open_existing_store(path, read_only=read_only, need_source=need_source)
    except StoreError as e:
        raise fail(str(e)) from None
