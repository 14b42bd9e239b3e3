"""The SQLite archive: the one module that owns the SQL (`monitor query` runs the user's).

This file opens and migrates the archive and holds the run's transaction; the rest is
split by concern, each a small module named after what the pipeline does with it:
`archive.events` (the change log, as `Event` values), `archive.figures` (observations,
accepted figures, series), `archive.runs` (runs, source health), `archive.pages` (short
links, page metadata, robots.txt), `archive.notifications` (planned and delivered
messages) and `archive.backfill` (a backfill's progress); callers write
`archive.events.record(...)`, `archive.figures.candidates(...)`.

Writes happen inside one explicit transaction per run (`transaction`), so a crash leaves
the whole run or none of it. Inserts and upserts of what a run found (pages' observations,
figures, events, messages, short links) go through sqlite-utils (`database`, wrapping the
same connection): its `atomic()` nests as a SAVEPOINT inside that transaction
(sqlite-utils >= 4), so it never commits a run half-way. A no-change run writes only its
run row and source state, in plain SQL, and never imports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import json
import re
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.clock import now, parse_ts, utcnow  # noqa: F401  (the one clock; re-exported)

if TYPE_CHECKING:
    import sqlite_utils


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every bundled migration, in order."""
    out = []
    pkg = importlib.resources.files("monitor.migrations")
    for entry in pkg.iterdir():
        m = re.match(r"^(\d+)_.*\.sql$", entry.name)
        if m:
            out.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION = max(v for v, _, _ in migrations())


def connect(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """Open (and migrate) the archive. Autocommit mode: callers use `transaction`."""
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(f"no archive at {path} (run `monitor crawl` first)")
    if not create:  # a reader that cannot write the folder still reads (monitor.archive.readonly)
        from monitor.archive.readonly import connect_for_reading

        ro = connect_for_reading(path)
        if ro is not None:
            return ro
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to SCHEMA_VERSION; each migration in its own transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version, _name, sql in migrations():
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-check under the write lock: another process may have migrated meanwhile
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                conn.execute("ROLLBACK")
                continue
            for stmt in _split_sql(sql):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version={version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _split_sql(sql: str) -> list[str]:
    out, buf = [], []
    for line in sql.splitlines():
        stripped = line.split("--", 1)[0] if "--" in line and "'" not in line else line
        buf.append(stripped)
        if stripped.rstrip().endswith(";") and sqlite3.complete_statement("\n".join(buf)):
            out.append("\n".join(buf).strip())
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return [s for s in out if s.strip(" ;\n")]


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (or a signal-raised one).

    A failing COMMIT (disk full, an I/O error, a deferred constraint) rolls back too, as
    sqlite-utils' Database.atomic() does: otherwise the connection stays inside the open
    transaction and the caller's recovery (recording a failed run) cannot start its own.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # keep the error that got us here
                conn.execute("ROLLBACK")
        raise


def database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    import sqlite_utils  # imported here: a no-change crawl never needs it (~0.2 s, numpy)

    return sqlite_utils.Database(conn)


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def compress(html: bytes) -> bytes:
    return zlib.compress(html, 6)


def decompress(blob: bytes | None) -> bytes:
    return zlib.decompress(blob) if blob else b""


def known_pages(conn: sqlite3.Connection, source: str) -> dict[str, dict[str, Any]]:
    """url -> validators and dates, handed to the crawl child so it can skip or revalidate."""
    rows = conn.execute(
        "SELECT url, kind, etag, last_modified, content_hash, published FROM pages WHERE source=?",
        (source,),
    )
    return {r["url"]: dict(r) for r in rows}


def upsert_page(conn: sqlite3.Connection, *, source: str, url: str, kind: str, fetched: str,
                status: int | None, etag: str | None, last_modified: str | None,
                body: bytes | None, title: str | None, published: str | None,
                text: str | None, extractor_version: str | None,
                digest: str | None = None) -> tuple[int, bool]:
    """Insert or update one page; returns (page id, content changed). `digest`: the
    body's content_hash when the caller has it already (crawlproto.Page.digest)."""
    row = conn.execute("SELECT id, content_hash FROM pages WHERE url=?", (url,)).fetchone()
    if body is not None and digest is None:
        digest = content_hash(body)
    elif body is None:
        digest = None
    if row is None:
        cur = conn.execute(
            "INSERT INTO pages (source, url, kind, first_fetched, last_fetched, last_changed,"
            " http_status, etag, last_modified, content_hash, title, published, text, html_z,"
            " extractor_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (source, url, kind, fetched, fetched, fetched, status, etag, last_modified, digest,
             title, published, text, compress(body) if body is not None else None,
             extractor_version),
        )
        return cur.lastrowid, True
    changed = digest is not None and digest != row["content_hash"]
    if changed:
        conn.execute(
            "UPDATE pages SET kind=?, last_fetched=?, last_changed=?, http_status=?, etag=?,"
            " last_modified=?, content_hash=?, title=?, published=?, text=?, html_z=?,"
            " extractor_version=? WHERE id=?",
            (kind, fetched, fetched, status, etag, last_modified, digest, title, published,
             text, compress(body), extractor_version, row["id"]),
        )
    else:
        conn.execute(
            "UPDATE pages SET last_fetched=?, http_status=?, etag=COALESCE(?, etag),"
            " last_modified=COALESCE(?, last_modified) WHERE id=?",
            (fetched, status, etag, last_modified, row["id"]),
        )
    return row["id"], changed


def insert_run(conn: sqlite3.Connection, **fields: Any) -> int:
    """A new run row; returns its id."""
    if "responses" in fields and not isinstance(fields["responses"], str):
        fields["responses"] = json.dumps(fields["responses"], sort_keys=True)
    # plain SQL: the one insert a no-change run makes, which so never imports sqlite-utils
    cols = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    return conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})",
                        tuple(fields.values())).lastrowid


def source_state(conn: sqlite3.Connection, source: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM source_state WHERE source=?", (source,)).fetchone()
    if row is None:
        conn.execute("INSERT OR IGNORE INTO source_state (source) VALUES (?)", (source,))
        row = conn.execute("SELECT * FROM source_state WHERE source=?", (source,)).fetchone()
    return dict(row)


def update_source_state(conn: sqlite3.Connection, source: str, **fields: Any) -> None:
    source_state(conn, source)
    sets = ", ".join(f"{k}=?" for k in fields)
    conn.execute(f"UPDATE source_state SET {sets} WHERE source=?", (*fields.values(), source))


# -- arithmetic checks, the publishing calendar, as-of reads (checks.py, late.py, asof.py)

def source_figures(conn: sqlite3.Connection, source: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(metric, period) -> (value, qualifier) of every accepted figure of `source`."""
    return {(r["metric"], r["period"]): (r["value"], r["qualifier"]) for r in conn.execute(
        "SELECT metric, period, value, qualifier FROM figures WHERE source=?", (source,))}


def stored_checks(conn: sqlite3.Connection, source: str,
                  period: str | None = None) -> list[sqlite3.Row]:
    sql, args = 'SELECT * FROM checks WHERE source=?', [source]
    if period is not None:
        sql += " AND period=?"
        args.append(period)
    return conn.execute(sql, args).fetchall()


def put_check(conn: sqlite3.Connection, **row: Any) -> None:
    database(conn)["checks"].upsert(row, pk=("source", "check", "period"))


def drop_check(conn: sqlite3.Connection, source: str, check: str, period: str) -> None:
    conn.execute('DELETE FROM checks WHERE source=? AND "check"=? AND period=?',
                 (source, check, period))


def monthly_periods(conn: sqlite3.Connection, source: str) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT period FROM figures WHERE source=? AND length(period)=7", (source,))}


def first_figure_stored(conn: sqlite3.Connection, source: str) -> str | None:
    """When the monitor first stored a figure for `source` (it watches it since)."""
    return conn.execute("SELECT MIN(first_seen) FROM figures WHERE source=?",
                        (source,)).fetchone()[0]


_FIGURES_AS_OF = """
WITH ranked AS (
    SELECT e.source, e.metric, e.period, e.new_value AS value,
           COALESCE(e.qualifier, 'exact') AS qualifier, e.url, e.created,
           ROW_NUMBER() OVER (PARTITION BY e.source, e.metric, e.period
                              ORDER BY e.created DESC, e.id DESC) AS rn
    FROM events e
    WHERE e.kind IN ('new', 'revised') AND e.created <= ? AND e.new_value IS NOT NULL
)
SELECT r.source, r.metric, r.period, r.value, r.qualifier, p.published, r.url,
       r.created AS last_changed
FROM ranked r LEFT JOIN pages p ON p.url = r.url
WHERE r.rn = 1
"""


def figures_as_of(conn: sqlite3.Connection, when: str, source: str | None = None,
                  metric: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
    """The accepted figures as they stood at `when` (stored timestamp form): each one's last
    `new`/`revised` event recorded by then (a conflict leaves the accepted value alone)."""
    sql = f"SELECT * FROM ({_FIGURES_AS_OF}) WHERE 1=1"
    params: list[Any] = [when]
    for col, value, op in (("source", source, "="), ("metric", metric, "="),
                           ("period", since, ">=")):
        if value:
            sql += f" AND {col}{op}?"
            params.append(value)
    sql += " ORDER BY source, metric, length(period), period"
    return [dict(r) for r in conn.execute(sql, params)]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the archive has this table or view (an older archive may lack one)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name=? AND type IN ('table','view')",
                        (name,)).fetchone() is not None


@contextlib.contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Reads that must agree with each other (a published site): one read transaction."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def all_events(conn: sqlite3.Connection, columns: list[str], kinds: list[str] | None = None,
               since: str | None = None, source: str | None = None) -> sqlite3.Cursor:
    """`monitor events` and the published change log: events in id order, filtered."""
    sql = f"SELECT {', '.join(columns)} FROM events WHERE 1=1"
    params: list[Any] = []
    if since:
        sql += " AND created>=?"
        params.append(since)
    if kinds:
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        params.extend(kinds)
    if source:
        sql += " AND source=?"
        params.append(source)
    return conn.execute(sql + " ORDER BY id", params)


def all_checks(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute('SELECT * FROM checks ORDER BY source, period, "check"').fetchall()


# the archive's concerns, one small module each (imported last: they use the helpers above)
from monitor.archive import (  # noqa: E402, F401
    backfill,
    events,
    figures,
    notifications,
    pages,
    runs,
)
