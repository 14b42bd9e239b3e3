"""Process locks next to the archive (flock: released on exit, recovered after a crash)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class LockHeld(Exception):
    """Another process holds the lock; the message says which and where."""


class FileLock:
    def __init__(self, path: Path, what: str) -> None:
        self.path = Path(path)
        self.what = what
        self._fh: IO[str] | None = None

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise LockHeld(f"{self.what} is held by another process (pid {holder}; lock "
                           f"{self.path})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def source_lock(db_path: Path, source: str) -> FileLock:
    return FileLock(Path(f"{db_path}.crawl-{source}.lock"), f"a crawl of {source}")


def daemon_lock(db_path: Path) -> FileLock:
    return FileLock(Path(f"{db_path}.daemon.lock"), f"the daemon for {db_path}")
