"""The one lock implementation: an flock on a file (released on exit, recovered after a
crash), taken at once, within a wait, or blocking. Its users: one crawl per source, one
daemon and one alert deliverer per archive, one publisher per site folder."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO


class LockHeld(Exception):
    """Another process holds the lock; the message says which and where."""


POLL = 0.2  # seconds between attempts while waiting a limited time


class FileLock:
    """An exclusive flock on `path`; `held` formats the refusal ({pid}, {path}).

    `wait`: 0 refuses at once when another process holds it, a number of seconds waits that
    long first, None waits for as long as it takes. The holder's pid is written in the file.
    """

    def __init__(self, path: Path, what: str, held: str | None = None,
                 wait: float | None = 0) -> None:
        self.path = Path(path)
        self.what = what
        self.held = held or (what + " is held by another process (pid {pid}; lock {path})")
        self.wait = wait
        self._fh: IO[str] | None = None

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            _take(fh, self.wait)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise LockHeld(self.held.format(pid=holder, path=self.path)) from None
        except BaseException:  # interrupted while waiting: leave no open file behind
            fh.close()
            raise
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


def _take(fh: IO[str], wait: float | None) -> None:
    """flock `fh` exclusively; BlockingIOError when still held after `wait` seconds."""
    if wait is None:
        fcntl.flock(fh, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(POLL)


def source_lock(db_path: Path, source: str) -> FileLock:
    return FileLock(Path(f"{db_path}.crawl-{source}.lock"), f"a crawl of {source}")


def delivery_lock(db_path: Path, wait: float) -> FileLock:
    """One deliverer of alerts per archive (waits up to `wait` seconds for another)."""
    return FileLock(Path(f"{db_path}.notify.lock"), f"alert delivery for {db_path}",
                    wait=wait)


def publish_lock(out: Path) -> FileLock:
    """One publisher per site folder (the daemon and a user may both run it): waits."""
    return FileLock(out.parent / f".{out.name}.lock", f"publishing to {out}", wait=None)


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
