"""`monitor query`: read-only SQL on the archive.

Three independent locks, so no single mistake opens a hole: the file is opened with
SQLite's `mode=ro`, `PRAGMA query_only` is on, and an authorizer allows only reading
(SELECT, reads, functions, recursive CTEs and introspection PRAGMAs). The authorizer is
what refuses ATTACH/DETACH and `VACUUM INTO 'file'` *before* SQLite creates any file;
mode=ro alone would let `VACUUM INTO` create an empty file before failing.

A query is also bounded: SQLite's progress handler stops it after `--timeout` (default
30 s) or at Ctrl-C / SIGTERM, and at most `--max-rows` rows (and MAX_BYTES of values) are
collected, so a runaway recursive CTE ends with a clear message instead of running forever.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

from monitor.output import write_rows

DEFAULT_TIMEOUT = 30
DEFAULT_MAX_ROWS = 1_000_000
MAX_BYTES = 512 * 1024**2  # values collected before the query is stopped

# PRAGMAs that only report; the first set takes a table/index name (or a limit) as argument.
_PRAGMAS_WITH_ARG = frozenset({
    "table_info", "table_xinfo", "index_info", "index_xinfo", "index_list",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
})
_PRAGMAS_READ = _PRAGMAS_WITH_ARG | frozenset({
    "user_version", "schema_version", "application_id", "page_count", "page_size",
    "freelist_count", "journal_mode", "encoding", "table_list", "database_list",
    "collation_list", "function_list", "module_list", "pragma_list", "compile_options",
    "data_version", "foreign_keys", "query_only", "auto_vacuum", "max_page_count",
})
_ALLOWED = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                      sqlite3.SQLITE_RECURSIVE})


class Refused(Exception):
    """The statement would write, attach or create a file."""


class Stopped(Exception):
    """The query ran past a limit (time, rows, memory) or was interrupted; exit 1."""

    def __init__(self, message: str, interrupted: bool = False) -> None:
        super().__init__(message)
        self.interrupted = interrupted


def connect_ro(db_path: Path | str) -> sqlite3.Connection:
    """Open the archive so that nothing done through the connection can change anything."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no archive at {path} (run `monitor crawl` first)")
    from monitor.archive.readonly import uri as ro_uri

    # mode=ro; immutable=1 in a folder this user cannot write (no -shm can be created)
    conn = sqlite3.connect(ro_uri(path), uri=True, isolation_level=None, timeout=30)
    conn.execute("PRAGMA query_only=ON")
    conn.set_authorizer(_authorizer)
    return conn


def _authorizer(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action in _ALLOWED:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_UPDATE and arg1 in ("sqlite_master", "sqlite_temp_master"):
        # SQLite asks this while reading the schema for pragma_*() table functions; a real
        # write to the schema table is still impossible (mode=ro, query_only, SQLite itself)
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _PRAGMAS_READ and (arg2 is None or name in _PRAGMAS_WITH_ARG):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


_WRITE_ERRORS = ("not authorized", "authorization denied", "readonly", "read-only",
                 "attempt to write", "may not be modified")


class _Limits:
    """Deadline and stop flag, checked by SQLite's progress handler every few thousand
    virtual-machine steps (so even a query that returns no row yet can be stopped)."""

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if timeout else None
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason

    def __call__(self) -> int:
        if self.reason is None and self.deadline is not None and (
                time.monotonic() > self.deadline):
            self.reason = "timeout"
        return 1 if self.reason else 0


def _size(row: tuple) -> int:
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row) + 16 * len(row)


def execute(db_path: Path | str, sql: str, *, timeout: float | None = DEFAULT_TIMEOUT,
            max_rows: int | None = DEFAULT_MAX_ROWS) -> tuple[list[str], list[tuple]]:
    """Run one read-only statement: (columns, rows). Raises Refused, Stopped or
    sqlite3.Error."""
    _ensure_migrated(Path(db_path))
    conn = connect_ro(db_path)
    limits = _Limits(timeout)
    conn.set_progress_handler(limits, 5000)
    restore = _stop_on_signals(limits)
    try:
        cur = conn.execute(sql)
        cols = [d[0] for d in cur.description or []]
        rows: list[tuple] = []
        size = 0
        while True:
            batch = cur.fetchmany(1000)
            if not batch:
                break
            rows.extend(batch)
            size += sum(_size(r) for r in batch)
            if max_rows is not None and len(rows) > max_rows:
                raise Stopped(f"query stopped: it returns more than {max_rows:,} rows; add a "
                              f"LIMIT, or raise --max-rows")
            if size > MAX_BYTES:
                raise Stopped(f"query stopped: its rows hold more than "
                              f"{MAX_BYTES // 1024**2} MB; add a LIMIT or select fewer "
                              f"columns")
        return cols, rows
    except sqlite3.DatabaseError as exc:
        if limits.reason:
            raise _stopped(limits) from None
        if any(w in str(exc).lower() for w in _WRITE_ERRORS):
            raise Refused(str(exc)) from None
        raise
    finally:
        restore()
        conn.close()


def _stopped(limits: _Limits) -> Stopped:
    if limits.reason == "timeout":
        return Stopped(f"query stopped: still running after {limits.timeout:g}s (--timeout; "
                       f"a recursive CTE without an end, or a join without a condition?)")
    return Stopped(f"query stopped: interrupted ({limits.reason})", interrupted=True)


def _stop_on_signals(limits: _Limits):  # -> Callable[[], None]
    """Ctrl-C and SIGTERM stop the running statement (SQLite does not look at Python's
    pending signals while it runs); returns a function that restores the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {}

    def handler(signum: int, _frame: object) -> None:
        limits.stop(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        old[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, h in old.items():
            signal.signal(sig, h)
    return restore


def _ensure_migrated(db_path: Path) -> None:
    """Give an archive written by an older version the current views before reading it.

    This is the program's own schema migration, never the user's statement; if the file
    cannot be written (a read-only copy), the query runs on the schema it has.
    """
    from monitor import archive
    from monitor.archive.readonly import writable

    if not db_path.exists() or not writable(db_path):
        return  # a read-only archive is read on the schema it has
    try:
        ro = connect_ro(db_path)
        try:
            version = ro.execute("PRAGMA user_version").fetchone()[0]
        finally:
            ro.close()
        if 1 <= version < archive.SCHEMA_VERSION:  # an archive, not some other SQLite file
            archive.connect(db_path, create=False).close()
    except sqlite3.Error:
        pass


def run_query(db_path: Path, sql: str, fmt: str, *, timeout: float | None = DEFAULT_TIMEOUT,
              max_rows: int | None = DEFAULT_MAX_ROWS) -> int:
    """`monitor query`: 0 ok, 1 refused, stopped by a limit (130 interrupted) or no
    archive, 2 bad SQL with SQLite's message."""
    if not sqlite3.complete_statement(sql + "\n;") or not sql.strip(" \t\n;"):
        print("monitor: bad SQL: empty or incomplete statement", file=sys.stderr)
        return 2
    try:
        cols, rows = execute(db_path, sql, timeout=timeout, max_rows=max_rows)
    except Stopped as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 130 if exc.interrupted else 1
    except FileNotFoundError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"monitor: refused: `monitor query` is read-only; statements that write, "
              f"ATTACH/DETACH or create files are not allowed (SQLite: {exc})",
              file=sys.stderr)
        return 1
    except (sqlite3.Error, sqlite3.Warning) as exc:
        print(f"monitor: bad SQL: {exc}", file=sys.stderr)
        return 2
    if cols:
        write_rows(cols, rows, fmt)
    return 0
