"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over the store, by the Oxigraph server.

We run the real server shipped by the PyPI ``oxigraph`` package rather than a home-made one::

    oxigraph serve-read-only --location SNAPSHOT --bind 127.0.0.1:PORT --union-default-graph --timeout-s S

* **Read-only**: ``serve-read-only`` answers ``/query`` (and the query page at ``/``) and
  refuses SPARQL updates and Graph Store writes.
* **Snapshot**: the server reads a *backup* of the store (hard links, so cheap) in a temporary
  folder, with staging graphs of interrupted builds removed: it never shares a folder with a
  writer (undefined behaviour in RocksDB) and ``kg build`` can keep running meanwhile.
* **Union default graph**: queries without ``GRAPH`` see every source graph, as
  ``KGStore.query`` does.
* **Limits**: the binary enforces the query time limit (``--timeout-s``).  It has no
  result-size limit, so for one :class:`~kg.remote.guard.ResultLimitGuard` takes the public
  address: it relays everything unchanged and refuses (HTTP 500, the SPARQL Protocol's
  refusal) an answer of more than ``max_results`` rows or triples, instead of truncating it.
  The server then listens in a network namespace of its own (:mod:`kg.remote._netns`), so
  the guard is the only way to it; where Linux does not allow that (no user namespaces), on
  a loopback port, which local processes could query without the limit
  (:attr:`OxigraphServer.isolated` is then False and ``kg serve`` warns).
"""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox
import requests

from kg.remote._netns import PrivateBackend
from kg.remote._proc import die_with_parent
from kg.remote.guard import ResultLimitGuard, backend_connection
from kg.remote.virtuoso import free_port
from kg.store import KGStore, StoreError, open_existing_store

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESULTS = 100_000


class ServeError(RuntimeError):
    """The server cannot be started as asked."""


def oxigraph_binary() -> str:
    """The ``oxigraph`` program of this environment, checked to match pyoxigraph's version.

    Both read the same on-disk format only within one minor version (0.5.x).
    """
    sibling = Path(sys.executable).parent / "oxigraph"
    exe = str(sibling) if sibling.exists() else shutil.which("oxigraph")
    if exe is None:
        raise ServeError("the `oxigraph` server program is not installed (pip install 'oxigraph>=0.5,<0.6')")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    version = out.stdout.split()[-1] if out.stdout.split() else "?"
    wanted = ".".join(ox.__version__.split(".")[:2])
    if ".".join(version.split(".")[:2]) != wanted:
        raise ServeError(f"{exe} is oxigraph {version} but pyoxigraph is {ox.__version__}: "
                         f"install oxigraph {wanted}.x so both read the same store format")
    return exe


def snapshot(store: str | Path | KGStore, target: Path) -> Path:
    """A consistent copy of the store in ``target`` (must not exist), staging graphs removed."""
    if isinstance(store, KGStore):
        if store.path is None:
            raise ServeError("an in-memory store cannot be served; build into a folder (--store)")
        source = store
    else:
        source = open_existing_store(store)  # never serve (or make up) a missing or empty store
    try:
        source.ox.backup(str(target))
    except OSError as e:
        raise ServeError(f"cannot copy the store {source.path} to {target}: {e}") from None
    copy = KGStore(target)
    copy.drop_staging()  # staging graphs and half-done first loads (hidden by catalog marks)
    copy.flush()
    del copy
    return target


def server_command(location: Path, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                   timeout: float | None = DEFAULT_TIMEOUT) -> list[str]:
    """The exact command line ``kg serve`` runs."""
    cmd = [oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"{host}:{port}",
           "--union-default-graph"]
    if timeout:
        cmd += ["--timeout-s", str(max(1, round(timeout)))]
    return cmd


class OxigraphServer:
    """``oxigraph serve-read-only`` over a snapshot of a store; a context manager.

    ``timeout`` (seconds) and ``max_results`` (rows or triples per answer) bound every query;
    ``None`` lifts a limit (then the Oxigraph server itself takes ``host:port``).

    >>> with OxigraphServer("kg-store", port=7878, max_results=10_000) as srv:   # doctest: +SKIP
    ...     print(srv.query_url)
    """

    def __init__(self, store: str | Path | KGStore, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 timeout: float | None = DEFAULT_TIMEOUT, max_results: int | None = DEFAULT_MAX_RESULTS,
                 startup_timeout: float = 30.0) -> None:
        if timeout is not None and timeout <= 0:
            raise ServeError("--timeout must be a positive number of seconds")
        if max_results is not None and max_results < 1:
            raise ServeError("--max-results must be at least 1")
        self.store = store
        self.host = host
        self.port = port
        self.timeout = timeout
        self.max_results = max_results
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.guard: ResultLimitGuard | None = None
        self.backend: PrivateBackend | None = None
        #: True when the server behind the result limit is reachable only through the guard.
        self.isolated = False
        # With a result limit the Oxigraph server only listens on loopback, behind the guard.
        self.backend_port = port if max_results is None else free_port()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.command: list[str] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    def start(self) -> OxigraphServer:
        try:
            self._tmp = tempfile.TemporaryDirectory(prefix="kg-serve-")
            location = snapshot(self.store, Path(self._tmp.name) / "store")
        except StoreError as e:
            self._cleanup()
            raise ServeError(str(e)) from None
        except BaseException:
            self._cleanup()
            raise
        backend_host = self.host if self.max_results is None else "127.0.0.1"
        self.command = server_command(location, host=backend_host, port=self.backend_port,
                                      timeout=self.timeout)
        log = Path(self._tmp.name) / "server.log"
        with log.open("wb") as f:
            if self.max_results is not None:
                try:  # the server in a network of its own: only the guard can reach it
                    self.backend = PrivateBackend(self.command, self.backend_port, f)
                    self.process, self.isolated = self.backend.process, True
                except OSError:
                    self.backend = None
            if self.process is None:
                self.process = subprocess.Popen(self.command, stdout=f, stderr=subprocess.STDOUT,
                                                preexec_fn=die_with_parent)
        try:
            if self.max_results is not None:
                connect = self.backend.connect if self.backend else None
                try:
                    self.guard = ResultLimitGuard(backend_port=self.backend_port, host=self.host,
                                                  port=self.port, max_results=self.max_results,
                                                  backend_timeout=(self.timeout or 3600) + 60,
                                                  connect=connect).start()
                except OSError as e:
                    raise ServeError(f"cannot listen on {self.host}:{self.port}: {e.strerror or e}") from None
            self._wait_ready(log)
        except BaseException:  # Ctrl-C while starting must not leave a server behind
            self.stop()
            raise
        return self

    def _wait_ready(self, log: Path) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                message = log.read_text(errors="replace").strip()
                self.stop()
                raise ServeError(f"the Oxigraph server exited (status {self.process_status}): {message}")
            try:
                if requests.get(self.query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise ServeError(f"the Oxigraph server did not answer on {self.query_url} "
                         f"within {self.startup_timeout} s")

    process_status: int | None = None

    def backend_connection(self) -> http.client.HTTPConnection:
        """HTTP straight to the Oxigraph server, past the result limit (for tests and benchmarks).

        Behind the guard only this process can open one (the server's network is private).
        """
        if self.guard is None:
            return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return backend_connection(self.guard)

    def wait(self) -> int:
        """Block until the server exits (Ctrl-C stops it)."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        guard, self.guard = self.guard, None
        if guard is not None:
            guard.stop()
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self.process_status = proc.returncode
        backend, self.backend = self.backend, None
        if backend is not None:
            backend.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
