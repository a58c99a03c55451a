"""``kg push`` (graphs to a remote triple store) and ``kg serve`` (read-only SPARQL endpoint)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from kg.cli.app import app, console, err, fail, open_store_or_fail
from kg.store import DEFAULT_STORE

PASSWORD_ENV = "KG_PASSWORD"


@app.command()
def push(
    endpoint: str = typer.Option(..., "--endpoint", "-e", help=(
        "SPARQL endpoint of the target store, e.g. Virtuoso http://host:8890/sparql-auth, "
        "Oxigraph http://host:7878/query, Fuseki http://host:3030/ds/sparql.")),
    graph: list[str] = typer.Option(None, "--graph", "-g", help="Push only this named graph (repeatable)."),
    auth: str = typer.Option(None, "--auth", help="HTTP authentication: digest or basic."),
    user: str = typer.Option(None, "--user", "-u", help=f"User name (the password comes from ${PASSWORD_ENV} "
                                                        "or a prompt, never from the command line)."),
    store: Path = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph)."),
    protocol: str = typer.Option("gsp", "--protocol", help="gsp (Graph Store HTTP Protocol) or update "
                                                           "(SPARQL 1.1 Update, for stores without GSP)."),
    gsp: str = typer.Option(None, "--gsp", help="Graph Store endpoint, when it cannot be guessed."),
    update_endpoint: str = typer.Option(None, "--update-endpoint", help="SPARQL Update endpoint, when "
                                                                        "it cannot be guessed."),
    chunk_size: int = typer.Option(None, "--chunk-size", min=1, help="Triples per request "
                                                                     "(default 50000 gsp, 1000 update)."),
    retries: int = typer.Option(5, "--retries", min=0, help="Retries of a request on transient errors."),
    verify: str = typer.Option("full", "--verify", help="full (compare triples by value) or count."),
) -> None:
    """Replace the store's named graphs on a remote triple store, atomically and verified."""
    from kg.remote.push import Endpoints, PushError, push_store

    if auth not in (None, "digest", "basic"):
        raise typer.BadParameter("--auth must be digest or basic")
    if protocol not in ("gsp", "update"):
        raise typer.BadParameter("--protocol must be gsp or update")
    if verify not in ("full", "count"):
        raise typer.BadParameter("--verify must be full or count")
    password = None
    if auth is not None:
        if user is None:
            raise typer.BadParameter("--auth needs --user")
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = typer.prompt(f"password for {user}", hide_input=True, err=True)
    kg_store = open_store_or_fail(store)

    def progress(graph: str, n: int) -> None:
        err.print(f"  sent {n} triples of {graph}", highlight=False, markup=False)

    try:
        ends = Endpoints.guess(endpoint, update=update_endpoint, gsp=gsp)
        report = push_store(kg_store, ends, graphs=graph or None, protocol=protocol,  # type: ignore[arg-type]
                            auth=auth, user=user, password=password,  # type: ignore[arg-type]
                            chunk_size=chunk_size, retries=retries, verify=verify,  # type: ignore[arg-type]
                            on_chunk=progress)
    except PushError as e:
        raise fail(str(e)) from None
    table = Table(title=f"kg push → {report.endpoint} ({report.protocol})")
    for col in ("graph", "local triples", "on the server", "requests", "verified"):
        table.add_column(col, justify="left" if col in ("graph", "verified") else "right",
                         overflow="fold")
    for g in report.graphs:
        table.add_row(g.graph, str(g.local_triples), str(g.remote_triples), str(g.chunks), g.verified)
    console.print(table)
    console.print(f"{len(report.graphs)} graph(s), {report.triples} triples on the server · "
                  f"{report.seconds:.2f} s", highlight=False)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@app.command()
def serve(
    store: Path = typer.Option(DEFAULT_STORE, "--store", "-s", help="Store folder (embedded Oxigraph)."),
    port: int = typer.Option(7878, "--port", "-p", min=1, max=65535, help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback exposes "
                                                        "an unauthenticated endpoint."),
    timeout: float = typer.Option(30.0, "--timeout", min=1, help="Query time limit in seconds "
                                                                 "(enforced by the Oxigraph server)."),
    max_results: int = typer.Option(100_000, "--max-results", min=0, help=(
        "Result size limit: an answer of more rows (SELECT) or triples (CONSTRUCT, DESCRIBE) is refused "
        "with HTTP 500, never cut; 0 lifts the limit.")),
) -> None:
    """Serve the store read-only over the SPARQL 1.1 Protocol, with a query page (Oxigraph server)."""
    from kg.remote.serve import OxigraphServer, ServeError

    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(Text.assemble(("warning: ", "bold yellow"), f"binding {host}: anyone who can reach it can "
                                "query the graph (no authentication)"))
    # SIGTERM (kill, systemd, docker stop) and SIGHUP (closed terminal) stop the server like
    # Ctrl-C does, so its snapshot folder (/tmp/kg-serve-*) is removed too.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        server = OxigraphServer(store, host=host, port=port, timeout=timeout,
                                max_results=max_results or None).start()
    except ServeError as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:  # stopped while starting; start() already stopped the server
        raise typer.Exit(130) from None
    if max_results and not server.isolated:
        err.print(Text.assemble(("warning: ", "bold yellow"),
                                "no private network for the Oxigraph server here (user namespaces are off): "
                                f"local processes can query 127.0.0.1:{server.backend_port} unlimited"))
    console.print(f"serving {store} read-only (a snapshot) at {server.url}/  ·  SPARQL endpoint "
                  f"{server.query_url}  ·  query time limit {timeout:g} s  ·  "
                  f"{f'at most {max_results:,} rows per answer' if max_results else 'no result limit'}  ·  "
                  "Ctrl-C stops", highlight=False, markup=False, soft_wrap=True)
    try:
        status = server.wait()
    except KeyboardInterrupt:
        status = 0
    finally:
        server.stop()
    if status not in (0, -signal.SIGINT, -signal.SIGTERM):  # Ctrl-C reaches the server too
        raise fail(f"the Oxigraph server exited with status {status}")
