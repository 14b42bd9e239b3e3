"""Stored pages beyond their rows (see `upsert_page`): short links, extracted metadata,
what a reparse reads back, the probe's validators and its robots.txt cache."""

from __future__ import annotations

import sqlite3
from typing import Any

from monitor import archive


def aliases(conn: sqlite3.Connection, source: str) -> dict[str, str]:
    """alias -> permalink of the source's stored posts."""
    rows = conn.execute("SELECT alias, url FROM page_aliases WHERE source=?", (source,))
    return {r["alias"]: r["url"] for r in rows}


def save_aliases(conn: sqlite3.Connection, source: str, new: dict[str, str]) -> None:
    """Remember short links of stored posts (only of pages the archive holds)."""
    rows = [{"alias": a, "url": u, "source": source} for a, u in new.items()
            if conn.execute("SELECT 1 FROM pages WHERE url=?", (u,)).fetchone()]
    if rows:
        archive.database(conn)["page_aliases"].upsert_all(rows, pk="alias")


def set_metadata(conn: sqlite3.Connection, page_id: int, *, title: str | None,
                 published: str | None, text: str | None,
                 extractor_version: str | None) -> None:
    """Same content re-extracted (reparse): keep its extracted metadata current."""
    conn.execute("UPDATE pages SET title=?, published=?, text=?, extractor_version=?"
                 " WHERE id=?", (title, published, text, extractor_version, page_id))


def stored_posts(conn: sqlite3.Connection, source: str) -> list[dict[str, Any]]:
    """Every stored post of the source with its body (decompressed), for a reparse."""
    rows = conn.execute("SELECT url, kind, http_status, etag, last_modified, html_z"
                        " FROM pages WHERE source=? AND kind='post'", (source,))
    return [{"url": r["url"], "kind": r["kind"], "status": r["http_status"], "etag": r["etag"],
             "last_modified": r["last_modified"], "body": archive.decompress(r["html_z"])}
            for r in rows]


def validators(conn: sqlite3.Connection, source: str, url: str) -> sqlite3.Row | None:
    """kind, etag, last_modified, content_hash of one stored page (None if unknown)."""
    return conn.execute("SELECT kind, etag, last_modified, content_hash FROM pages"
                        " WHERE source=? AND url=?", (source, url)).fetchone()


def robots(conn: sqlite3.Connection, origin: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM robots_txt WHERE origin=?", (origin,)).fetchone()


def save_robots(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    """Cache one origin's robots.txt (its own transaction; plain SQL: a no-change run
    makes it, and never imports sqlite-utils)."""
    with archive.transaction(conn):
        conn.execute("INSERT OR REPLACE INTO robots_txt (origin, fetched, http_status, etag,"
                     " last_modified, body) VALUES (:origin, :fetched, :http_status, :etag,"
                     " :last_modified, :body)", row)
