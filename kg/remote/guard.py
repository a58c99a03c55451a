"""The result-size limit of ``kg serve``: a counting guard in front of the Oxigraph server.

``oxigraph serve-read-only`` answers SPARQL (parsing, evaluation, content negotiation, the
query page, the time limit) but has no result-size limit.  The guard is a small HTTP relay
on the public address that forwards every request unchanged to the server on a private
loopback port and, for a successful answer in a result or RDF format, *counts* what it
relays with the same parsers (pyoxigraph's streaming readers; the stdlib ``csv`` reader for
CSV, which pyoxigraph does not read back):

* within the limit, the client gets Oxigraph's bytes untouched (status, headers, body);
* over the limit, the guard stops reading at row ``max + 1``, drops the connection to the
  server and answers ``500`` with a plain-text reason: the SPARQL 1.1 Protocol's way for a
  service to refuse a query (section 2.1.4). Nothing is cut silently, unlike a
  ``ResultSetMaxRows`` that truncates.

The guard also turns the time limit into a clean error: when ``--timeout-s`` cancels a query
whose answer has started, the Oxigraph server ends a ``200`` body with
``The SPARQL operation has been cancelled``; the guard answers ``500`` instead, so no client
mistakes the truncated body for a result.

Rows are solutions for SELECT, triples for CONSTRUCT/DESCRIBE and Graph Store reads; an
ASK answer is one value.  The guard holds at most one answer of ``max`` rows in memory.
An answer it cannot count is refused too (it fails closed).
"""

from __future__ import annotations

import csv
import http.client
import io
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyoxigraph as ox

# Headers that belong to one HTTP hop, never forwarded (RFC 9110 section 7.6.1).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"})
_CHUNK = 64 * 1024


# What the Oxigraph server (0.5) appends to an answer cut by its time limit.
CANCELLED = b"The SPARQL operation has been cancelled"


class Refused(Exception):
    """The guard will not relay this answer."""


class ResultTooLarge(Refused):
    """An answer holds more than the limit."""


class QueryCancelled(Refused):
    """The server cancelled the query at its time limit, in the middle of the answer."""


class _Tee(io.RawIOBase):
    """A readable stream that keeps a copy of every byte it hands out."""

    def __init__(self, source: http.client.HTTPResponse) -> None:
        super().__init__()
        self.source = source
        self.copy = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.copy += data
        return n

    def drain(self) -> None:
        while self.source.read(_CHUNK):  # trailing whitespace after the document
            pass


def count_kind(content_type: str | None) -> ox.QueryResultsFormat | ox.RdfFormat | None:
    """The format the guard counts rows of, from a response's Content-Type (None: not counted)."""
    if not content_type:
        return None
    return ox.QueryResultsFormat.from_media_type(content_type) or ox.RdfFormat.from_media_type(content_type)


def _rows(stream: io.RawIOBase, kind: ox.QueryResultsFormat | ox.RdfFormat) -> Iterator[object]:
    if kind == ox.QueryResultsFormat.CSV:
        # The header line is not a row; an ASK answer in CSV is one bare value.
        rows = csv.reader(io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8", newline=""))
        next(rows, None)
        yield from rows
    elif isinstance(kind, ox.QueryResultsFormat):
        results = ox.parse_query_results(stream, kind)
        if isinstance(results, ox.QueryBoolean):
            yield results
        else:
            yield from results
    else:
        yield from ox.parse(stream, kind)


def read_within_limit(response: http.client.HTTPResponse, kind: ox.QueryResultsFormat | ox.RdfFormat,
                      limit: int) -> bytes:
    """The whole body of ``response`` if it holds at most ``limit`` rows; else :class:`ResultTooLarge`.

    Reading stops at row ``limit + 1``: a huge answer costs the guard ``limit`` rows, not more.
    """
    tee = _Tee(response)
    try:
        for n, _ in enumerate(_rows(tee, kind), start=1):
            if n > limit:
                raise ResultTooLarge(f"the answer has more than {limit:,} rows")
        tee.drain()
    except (SyntaxError, ValueError, csv.Error, UnicodeDecodeError):
        tee.drain()
        if tee.copy.endswith(CANCELLED):
            raise QueryCancelled("the query ran over the time limit and was cancelled") from None
        raise
    if tee.copy.endswith(CANCELLED):  # no parse error (e.g. CSV): the marker read as a last row
        raise QueryCancelled("the query ran over the time limit and was cancelled")
    return bytes(tee.copy)


def backend_connection(guard: ResultLimitGuard) -> http.client.HTTPConnection:
    """An HTTP connection straight to the server behind ``guard`` (as the guard opens them)."""
    return _BackendConnection(guard)


class _BackendConnection(http.client.HTTPConnection):
    """HTTP to the Oxigraph server: over the guard's ``connect`` (a private network) or loopback TCP."""

    def __init__(self, guard: ResultLimitGuard) -> None:
        super().__init__("127.0.0.1", guard.backend_port, timeout=guard.backend_timeout)
        self._open = guard.connect

    def connect(self) -> None:
        if self._open is None:
            super().connect()
        else:
            self.sock = self._open(self.timeout)


class _Relay(BaseHTTPRequestHandler):
    server: _GuardServer
    protocol_version = "HTTP/1.0"  # one request per connection: simple and enough for SPARQL clients

    def _forward(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._plain(411, "send the request body with a Content-Length")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        guard = self.server.guard
        conn = _BackendConnection(guard)
        try:
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
            except OSError as e:
                self._plain(502, f"the Oxigraph server did not answer: {e}")
                return
            kind = count_kind(response.getheader("Content-Type")) if response.status == 200 else None
            if kind is None or self.command == "HEAD":
                self._relay_stream(response)
                return
            try:
                data = read_within_limit(response, kind, guard.max_results)
            except ResultTooLarge as e:
                self._plain(500, f"Result too large: {e} (kg serve --max-results {guard.max_results}). "
                                 "Narrow the query, add LIMIT or aggregate.")
                return
            except QueryCancelled as e:
                self._plain(500, f"Query timeout: {e} (kg serve --timeout). Narrow the query or add LIMIT.")
                return
            except (SyntaxError, ValueError, OSError, UnicodeDecodeError, csv.Error) as e:
                self._plain(502, f"kg serve could not count the answer ({kind}): {e}")
                return
            self._head(response, len(data))
            self.wfile.write(data)
        finally:
            conn.close()

    def _head(self, response: http.client.HTTPResponse, length: int | None) -> None:
        self.send_response(response.status, response.reason)
        for k, v in response.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _relay_stream(self, response: http.client.HTTPResponse) -> None:
        length = response.getheader("Content-Length")
        self._head(response, int(length) if length and length.isdigit() else None)
        while chunk := response.read(_CHUNK):
            self.wfile.write(chunk)

    def _plain(self, status: int, message: str) -> None:
        data = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for the command's own summary, not an access log


class _GuardServer(ThreadingHTTPServer):
    daemon_threads = True
    guard: ResultLimitGuard

    def __init__(self, address: tuple[str, int], guard: ResultLimitGuard) -> None:
        self.guard = guard
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Relay)


class ResultLimitGuard:
    """Relay ``host:port`` to the Oxigraph server on ``127.0.0.1:backend_port`` (reached by
    ``connect`` when given: see :mod:`kg.remote._netns`), refusing answers of more than
    ``max_results`` rows; runs in a background thread.

    >>> guard = ResultLimitGuard(backend_port=7879, port=7878, max_results=10_000).start()  # doctest: +SKIP
    >>> guard.stop()  # doctest: +SKIP
    """

    def __init__(self, *, backend_port: int, host: str = "127.0.0.1", port: int, max_results: int,
                 backend_timeout: float = 3600.0,
                 connect: Callable[[float | None], socket.socket] | None = None) -> None:
        if max_results < 1:
            raise ValueError("max_results must be at least 1")
        self.connect = connect  # how to reach the server; None: TCP to 127.0.0.1:backend_port
        self.backend_port = backend_port
        self.host = host
        self.port = port
        self.max_results = max_results
        self.backend_timeout = backend_timeout
        self._server: _GuardServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ResultLimitGuard:
        self._server = _GuardServer((self.host, self.port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="kg-serve-guard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
