"""A private network for the Oxigraph server behind ``kg serve``'s result limit (Linux).

The result limit is enforced by the guard (:mod:`kg.remote.guard`) in front of the server, so
the guard must be the only way in: a server on a loopback port of the machine answers any
local process, in full.  Here the server runs in a network namespace of its own (a new user
namespace makes that possible without root, as ``unshare -rn`` does): its port exists only
in that namespace.  The helper process that owns the namespace (this module, run as a
script) starts the server and hands the guard each connection it asks for as a connected
socket, passed over a Unix socket pair (``SCM_RIGHTS``): nothing else can open one.

Where user namespaces are not allowed, :class:`PrivateBackend` raises :class:`OSError` and
``kg serve`` falls back to a loopback port, saying so.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO

from kg.remote._proc import die_with_parent

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _enter(uid: int, gid: int) -> None:
    """``preexec_fn``: a new user and network namespace, ourselves as root in it, loopback up."""
    die_with_parent()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER | CLONE_NEWNET)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a new namespace's lo is down
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | _IFF_UP))


class PrivateBackend:
    """The helper process (with the server as its child) in a private network namespace.

    ``connect()`` returns a socket connected to the server's port in that namespace.
    """

    def __init__(self, command: Sequence[str], port: int, log: IO[bytes]) -> None:
        if not sys.platform.startswith("linux"):
            raise OSError("private network namespaces need Linux")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._channel, self._lock = ours, threading.Lock()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg.remote._netns", str(theirs.fileno()), str(port), "--", *command],
                stdout=log, stderr=subprocess.STDOUT, pass_fds=(theirs.fileno(),),
                preexec_fn=lambda: _enter(os.getuid(), os.getgid()))
        except (OSError, subprocess.SubprocessError) as e:
            ours.close()
            raise OSError(f"cannot make a private network namespace: {e}") from None
        finally:
            theirs.close()

    def connect(self, timeout: float | None = None) -> socket.socket:
        with self._lock:
            self._channel.sendall(b"c")
            answer, fds, _, _ = socket.recv_fds(self._channel, 1, 1)
        if not fds:
            raise ConnectionRefusedError("the Oxigraph server is not listening (yet)" if answer
                                         else "the Oxigraph server has stopped")
        sock = socket.socket(fileno=fds[0])
        sock.settimeout(timeout)
        return sock

    def close(self) -> None:
        self._channel.close()


def _helper(channel_fd: int, port: int, command: list[str]) -> int:
    """Inside the namespace: run the server, hand out connections until the guard goes away."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C reaches the whole group: end quietly
    channel = socket.socket(fileno=channel_fd)
    server = subprocess.Popen(command, preexec_fn=die_with_parent)

    def serve() -> None:
        while channel.recv(1):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    socket.send_fds(channel, [b"+"], [conn.fileno()])
            except OSError:
                channel.sendall(b"-")
        server.terminate()  # the guard is gone

    threading.Thread(target=serve, daemon=True).start()
    status = server.wait()
    if status < 0:  # end the way the server ended, so ``kg serve`` reads the same status
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


if __name__ == "__main__":
    sys.exit(_helper(int(sys.argv[1]), int(sys.argv[2]), sys.argv[4:]))
