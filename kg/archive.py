"""Copies of the source files a store was built from, so that adding or removing one source
can resolve all of them together again (the graph is a function of the set of sources).

On disk they live in ``<store>/kg-sources/<sha256>`` (content-addressed, written before the
commit that refers to them and never changed; copies no committed graph refers to are removed
after each commit).  An in-memory store keeps them in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ARCHIVE_DIR = "kg-sources"


class SourceArchive:
    def __init__(self, store_path: Path | None) -> None:
        self.root = store_path / ARCHIVE_DIR if store_path is not None else None
        self._memory: dict[str, Path] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def _mem_dir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kg-sources-")
        return Path(self._tmp.name)

    def path(self, sha256: str) -> Path | None:
        """Where the archived copy of a source with this hash is, or None when there is none."""
        p = self._memory.get(sha256) if self.root is None else self.root / sha256
        return p if p is not None and p.is_file() else None

    def put(self, src: str | Path, sha256: str) -> None:
        """Archive a copy of ``src`` (atomically: a copy and a rename)."""
        root = self._mem_dir() if self.root is None else self.root
        target = root / sha256
        if target.is_file():
            self._memory.setdefault(sha256, target)
            return
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".part-")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._memory[sha256] = target

    def keep_only(self, shas: set[str]) -> None:
        """Remove the copies of sources no committed graph refers to any more."""
        root = self.root if self.root is not None else (Path(self._tmp.name) if self._tmp else None)
        if root is None or not root.is_dir():
            return
        for p in root.iterdir():
            if p.name not in shas:
                p.unlink(missing_ok=True)
                self._memory.pop(p.name, None)
