"""Opening an archive the reader cannot write: `/var/lib/monitor` read by another user, a
read-only mount, a copy on a CD.

A reading command must still work there. SQLite in WAL mode wants to create `-shm`/`-wal`
files next to the database even to read it, so such an archive is opened with
`immutable=1` when no write-ahead log is present (nothing can be changing it: the writer
is stopped), and with `mode=ro` when a log is present (a daemon is running: its recent
commits are in the log). No migration is attempted; the archive is read as it is.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger("monitor.archive")


def writable(path: Path) -> bool:
    """True when this process may write the archive and the folder it lives in."""
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def has_wal(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def uri(path: Path, *, mode_ro: bool = True) -> str:
    """The URI that reads `path` without writing anything next to it."""
    base = path.resolve().as_uri()
    if writable(path) and mode_ro:
        return base + "?mode=ro"
    return base + ("?mode=ro" if has_wal(path) else "?immutable=1")


def connect_for_reading(path: Path) -> sqlite3.Connection | None:
    """A read-only connection when the archive or its folder is not writable, else None
    (the caller opens it normally, which also applies pending migrations)."""
    if writable(path):
        return None
    conn = sqlite3.connect(uri(path, mode_ro=False), uri=True, isolation_level=None,
                           timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA query_only=ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        conn.close()
        raise
    from monitor import archive

    if version < archive.SCHEMA_VERSION:
        log.warning("%s is read-only and was written by an older version (schema %d, this "
                    "version needs %d): read as it is, some views may be missing",
                    path, version, archive.SCHEMA_VERSION)
    return conn


def check_can_write(path: Path, key: str = "database.path") -> str | None:
    """Why a crawl cannot write the archive at `path` (one line naming it), or None."""
    folder = path.parent
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"cannot create the archive {path} ({key}): {probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "folder" if probe == folder else "folder it would be created in"
        return (f"cannot write the archive {path} ({key}): the {what} {probe} is not "
                f"writable by this user")
    if path.exists() and not os.access(path, os.W_OK):
        return f"cannot write the archive {path} ({key}): the file is read-only for this user"
    return None
