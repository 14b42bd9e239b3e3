"""`monitor query`: read-only SQL. The archive is opened with mode=ro and query_only, so a
write, ATTACH or file creation fails inside SQLite itself, not by parsing the SQL."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from monitor.output import write_rows


def connect_ro(db_path: Path) -> sqlite3.Connection:
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no archive at {db_path} (run `monitor crawl` first)")
    uri = Path(db_path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("PRAGMA query_only=ON")
    conn.set_authorizer(_authorizer)
    return conn


def _authorizer(action: int, *args: object) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and args[0] in ("query_only", "journal_mode",
                                                       "writable_schema"):
        return sqlite3.SQLITE_DENY if args[1] is not None else sqlite3.SQLITE_OK
    return sqlite3.SQLITE_OK


_WRITE_ERRORS = ("readonly", "read-only", "not authorized", "attempt to write")


def run_query(db_path: Path, sql: str, fmt: str) -> int:
    try:
        conn = connect_ro(db_path)
    except FileNotFoundError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 1
    try:
        cur = conn.execute(sql)
        cols = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except sqlite3.DatabaseError as exc:
        msg = str(exc)
        if any(w in msg.lower() for w in _WRITE_ERRORS):
            print(f"monitor: refused: the archive is read-only here ({msg})", file=sys.stderr)
            return 1
        print(f"monitor: bad SQL: {msg}", file=sys.stderr)
        return 2
    except sqlite3.Warning as exc:
        print(f"monitor: bad SQL: {exc}", file=sys.stderr)
        return 2
    finally:
        conn.close()
    if cols:
        write_rows(cols, rows, fmt)
    return 0
