"""Start and stop a private, throwaway Virtuoso 7 (Debian ``virtuoso-opensource``) on 127.0.0.1.

Used by the test-suite and handy for trying ``kg push`` by hand::

    with VirtuosoServer(Path("/tmp/vt")) as vt:
        print(vt.sparql_auth_url, vt.gsp_auth_url)   # digest auth dba/dba

Why a private instance: the package's system instance listens on all interfaces with fixed
ports; ours has its own ini (absolute paths, loopback-only free ports) and a raised
``ResultSetMaxRows`` so large results are never cut silently (the default, 10000, truncates
without an error).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import requests

from kg.remote._proc import die_with_parent

DEFAULT_PASSWORD = "dba"  # the factory password of a fresh database; throwaway instances only
PLUGINS = Path("/usr/lib/x86_64-linux-gnu/virtuoso-opensource-7/hosting")
VSP_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")

_INI = """\
[Database]
DatabaseFile    = {db}/virtuoso.db
ErrorLogFile    = {db}/virtuoso.log
LockFile        = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
MaxCheckpointRemap = 2000
Striping        = 0
TempStorage     = TempDatabase
[TempDatabase]
DatabaseFile    = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping        = 0
[Parameters]
ServerPort      = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode        = 2
DirsAllowed     = ., {data}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem     = 512M
[HTTPServer]
ServerPort      = 127.0.0.1:{http_port}
ServerRoot      = {vsp}
MaxClientConnections = 10
ServerThreads   = 10
KeepAliveTimeout = 10
Charset         = UTF-8
EnabledDavVSP   = 0
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
[Plugins]
LoadPath        = {plugins}
"""


class VirtuosoError(RuntimeError):
    """Virtuoso is not installed, did not start, or did not stop."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class VirtuosoServer:
    """A Virtuoso process with its own database folder, on free loopback ports."""

    def __init__(self, folder: Path, *, max_rows: int = 1_000_000, startup_timeout: float = 120.0,
                 program: str = "virtuoso-t") -> None:
        self.folder = Path(folder).resolve()
        self.max_rows = max_rows
        self.startup_timeout = startup_timeout
        self.program = program
        self.sql_port = 0
        self.http_port = 0
        self.process: subprocess.Popen[bytes] | None = None

    # -- addresses ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """Anonymous, read-only SPARQL endpoint."""
        return f"{self.base_url}/sparql"

    @property
    def sparql_auth_url(self) -> str:
        """SPARQL query + update endpoint behind digest auth."""
        return f"{self.base_url}/sparql-auth"

    @property
    def gsp_auth_url(self) -> str:
        """Graph Store HTTP Protocol endpoint behind digest auth."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def log_file(self) -> Path:
        return self.folder / "db" / "virtuoso.log"

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> VirtuosoServer:
        """Write the ini, start ``virtuoso-t +foreground`` and wait until SPARQL answers."""
        exe = shutil.which(self.program)
        if exe is None:
            raise VirtuosoError(f"{self.program} is not installed (Debian package virtuoso-opensource)")
        db = self.folder / "db"
        data = self.folder / "data"
        db.mkdir(parents=True, exist_ok=True)
        data.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        ini = self.folder / "virtuoso.ini"
        ini.write_text(_INI.format(db=db, data=data, sql_port=self.sql_port, http_port=self.http_port,
                                   vsp=VSP_ROOT, plugins=PLUGINS, max_rows=self.max_rows))
        log = (self.folder / "stdout.log").open("wb")
        self.process = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                                        stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with status {self.process.returncode}; "
                                    f"see {self.folder / 'stdout.log'} and {self.log_file}")
            try:
                r = requests.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise VirtuosoError(f"Virtuoso did not answer on {self.sparql_url} within {self.startup_timeout} s")

    def isql(self, sql: str) -> str:
        """Run SQL through ``isql-vt`` as dba (throwaway instances only)."""
        exe = shutil.which("isql-vt") or shutil.which("isql")
        if exe is None:
            raise VirtuosoError("isql-vt is not installed (Debian package virtuoso-opensource)")
        out = subprocess.run([exe, f"127.0.0.1:{self.sql_port}", "dba", DEFAULT_PASSWORD, f"exec={sql}"],
                             capture_output=True, text=True, timeout=60, check=False)
        if out.returncode != 0 or "*** Error" in out.stdout:
            raise VirtuosoError(f"isql failed: {out.stdout.strip()} {out.stderr.strip()}")
        return out.stdout

    def stop(self, timeout: float = 30.0) -> None:
        """Checkpoint and shut down through isql (clean), else SIGTERM, else SIGKILL."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        exe = shutil.which("isql-vt") or shutil.which("isql")
        if exe is not None:
            subprocess.run([exe, f"127.0.0.1:{self.sql_port}", "dba", DEFAULT_PASSWORD, "-K"],
                           capture_output=True, timeout=timeout, check=False)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
