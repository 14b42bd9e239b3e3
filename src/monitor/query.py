"""`monitor query`: read-only SQL on the archive.

Three independent locks, so no single mistake opens a hole: the file is opened with
SQLite's `mode=ro`, `PRAGMA query_only` is on, and an authorizer allows only reading
(SELECT, reads, functions, recursive CTEs and introspection PRAGMAs). The authorizer is
what refuses ATTACH/DETACH and `VACUUM INTO 'file'` *before* SQLite creates any file;
mode=ro alone would let `VACUUM INTO` create an empty file before failing.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from monitor.output import write_rows

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


def connect_ro(db_path: Path | str) -> sqlite3.Connection:
    """Open the archive so that nothing done through the connection can change anything."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no archive at {path} (run `monitor crawl` first)")
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
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


def execute(db_path: Path | str, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one read-only statement: (columns, rows). Raises Refused or sqlite3.Error."""
    _ensure_migrated(Path(db_path))
    conn = connect_ro(db_path)
    try:
        cur = conn.execute(sql)
        cols = [d[0] for d in cur.description or []]
        return cols, cur.fetchall()
    except sqlite3.DatabaseError as exc:
        if any(w in str(exc).lower() for w in _WRITE_ERRORS):
            raise Refused(str(exc)) from None
        raise
    finally:
        conn.close()


def _ensure_migrated(db_path: Path) -> None:
    """Give an archive written by an older version the current views before reading it.

    This is the program's own schema migration, never the user's statement; if the file
    cannot be written (a read-only copy), the query runs on the schema it has.
    """
    from monitor import archive

    if not db_path.exists():
        return
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


def run_query(db_path: Path, sql: str, fmt: str) -> int:
    """`monitor query`: 0 ok, 1 refused (or no archive), 2 bad SQL with SQLite's message."""
    if not sqlite3.complete_statement(sql + "\n;") or not sql.strip(" \t\n;"):
        print("monitor: bad SQL: empty or incomplete statement", file=sys.stderr)
        return 2
    try:
        cols, rows = execute(db_path, sql)
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
