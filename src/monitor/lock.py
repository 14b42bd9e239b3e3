"""Process locks next to the archive (flock: released on exit, recovered after a crash)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class LockHeld(Exception):
    """Another process holds the lock; the message says which and where."""


class FileLock:
    """An exclusive flock on `path`; `held` formats the refusal ({pid}, {path})."""

    def __init__(self, path: Path, what: str, held: str | None = None) -> None:
        self.path = Path(path)
        self.what = what
        self.held = held or (what + " is held by another process (pid {pid}; lock {path})")
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
            raise LockHeld(self.held.format(pid=holder, path=self.path)) from None
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
    return FileLock(Path(f"{db_path}.daemon.lock"), f"the daemon for {db_path}",
                    held=f"another monitor daemon (pid {{pid}}) is already running on {db_path}")


def holder(lock: FileLock) -> int | None:
    """Pid holding `lock` right now, or None; reads /proc/locks, never takes the lock.

    Taking it, even briefly, could make a daemon starting at that moment refuse to run.
    """
    try:
        st = os.stat(lock.path)
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" (blocked waiters have "->")
        if "->" in parts or len(parts) < 6 or parts[1] != "FLOCK":
            continue
        try:
            _maj, _min, ino = parts[5].split(":")
            if int(ino) == st.st_ino:
                return int(parts[4])
        except ValueError:
            continue
    return None
