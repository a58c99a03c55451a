"""Child processes (servers) that never outlive the Python process that started them."""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGTERM when its parent dies, even by SIGKILL (Linux).

    Without it, a killed ``kg serve`` or test run would leave a server holding its port.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
