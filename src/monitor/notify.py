"""Targets, routing, and delivery of alerts through apprise.

Messages are planned as `notifications` rows inside the run's transaction and delivered
after it commits, by whoever holds the delivery lock, so a message is never lost (it stays
pending until a target accepts it) and never sent twice by two processes at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from monitor.archive import now, parse_ts
from monitor.config import SOURCE_NAMES, Config

log = logging.getLogger("monitor.notify")

NOTIFIERS = {
    "mailto": "email over SMTP (mailto://user:pass@host?to=...; mailtos:// for TLS)",
    "json": "JSON webhook: POSTs {title, body, type} to an HTTP endpoint",
    "tgram": "Telegram bot (tgram://bottoken/chat_id)",
    "slack": "Slack incoming webhook",
    "matrix": "Matrix room",
    "*": "any other apprise URL scheme (see `apprise --details`)",
}


@dataclass
class Target:
    """One apprise URL with its tags. `url` is secret; `name` is safe to show and store."""

    url: str
    tags: set[str] = field(default_factory=set)
    name: str = ""
    key: str = ""

    def matches_source(self, source: str) -> bool:
        source_tags = self.tags & set(SOURCE_NAMES)
        return not source_tags or source in source_tags


def redact(url: str) -> str:
    """The URL as apprise shows it with privacy on; secrets replaced."""
    import apprise

    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin:
            return plugin.url(privacy=True)
    except Exception:
        pass
    m = re.match(r"^([a-z0-9+]+)://", url, re.I)
    return (m.group(1) if m else "unknown") + "://****"


def scrub(text: str, targets: list[Target]) -> str:
    """Remove anything secret-looking that belongs to a target URL from an error text."""
    for t in targets:
        text = text.replace(t.url, t.name)
        for piece in re.split(r"[/:@?&=]+", t.url.split("://", 1)[-1]):
            if len(piece) >= 6 and piece not in t.name:
                text = text.replace(piece, "****")
    return text


def load_targets(cfg: Config) -> list[Target]:
    import apprise

    urls = list(cfg.notify["urls"])
    env = os.environ.get("MONITOR_NOTIFY_URLS", "")
    urls += env.split()
    targets: list[Target] = [Target(url=u) for u in urls]
    if cfg.notify["config"]:
        ac = apprise.AppriseConfig()
        if not ac.add(cfg.notify["config"]):
            raise ValueError(f"notify.config: cannot read apprise config {cfg.notify['config']}")
        for server in ac.servers():
            targets.append(Target(url=server.url(privacy=False), tags=set(server.tags)))
    seen: dict[str, Target] = {}
    for t in targets:
        t.key = hashlib.sha256(t.url.encode()).hexdigest()
        red = redact(t.url)
        t.name = (f"[{','.join(sorted(t.tags))}] " if t.tags else "") + red
        if t.key in seen:
            seen[t.key].tags |= t.tags
        else:
            seen[t.key] = t
    return list(seen.values())


def route(targets: list[Target], category: str, source: str | None, ops_tag: str) -> list[Target]:
    if category == "ops":
        ops = [t for t in targets if ops_tag in t.tags]
        return ops or targets
    if category == "data" and source:
        return [t for t in targets if t.matches_source(source)]
    return targets


def plan(conn: sqlite3.Connection, targets: list[Target], *, run_id: int | None,
         source: str | None, category: str, title: str, body: str, event_ids: list[int],
         ops_tag: str, send: bool = True) -> int:
    """Write one pending (or unsent) notification row per matching target."""
    n = 0
    for t in route(targets, category, source, ops_tag):
        conn.execute(
            "INSERT INTO notifications (created, run_id, source, category, target, target_key,"
            " title, body, event_ids, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (now(), run_id, source, category, t.name, t.key, title, body,
             json.dumps(event_ids), "pending" if send else "unsent"),
        )
        n += 1
    return n


@contextlib.contextmanager
def delivery_lock(db_path: Path, wait: float = 120.0) -> Iterator[bool]:
    """One deliverer at a time per archive, so no message goes out twice concurrently."""
    path = Path(str(db_path) + ".notify.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def backoff_seconds(attempts: int) -> int:
    return min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)


def send_one(target: Target, title: str, body: str, all_targets: list[Target]) -> str | None:
    """Deliver to one target; None on success, else a scrubbed error text."""
    import apprise

    a = apprise.Apprise()
    if not a.add(target.url):
        return f"apprise cannot use the URL of {target.name}"
    with apprise.LogCapture(level=logging.WARNING) as logs:
        try:
            ok = a.notify(title=title, body=body)
        except Exception as exc:
            ok = False
            logs.write(f"{type(exc).__name__}: {exc}\n")
        captured = logs.getvalue().strip()
    if ok:
        return None
    lines = [ln for ln in captured.splitlines() if ln.strip()]
    return scrub(" | ".join(lines[-3:]) or "delivery failed", all_targets)


def deliver_pending(conn: sqlite3.Connection, cfg: Config, *, honor_backoff: bool = False,
                    targets: list[Target] | None = None) -> tuple[int, int]:
    """Send every pending notification; returns (sent, failed)."""
    targets = load_targets(cfg) if targets is None else targets
    by_key = {t.key: t for t in targets}
    sent = failed = 0
    with delivery_lock(cfg.db_path) as got:
        if not got:
            log.warning("another process is delivering alerts; leaving pending ones to it")
            return 0, 0
        rows = conn.execute(
            "SELECT * FROM notifications WHERE status='pending' ORDER BY id").fetchall()
        stamp = dt.datetime.now(dt.UTC)
        for row in rows:
            if honor_backoff and row["next_attempt"] and parse_ts(row["next_attempt"]) > stamp:
                continue
            target = by_key.get(row["target_key"])
            if target is None:
                conn.execute(
                    "UPDATE notifications SET status='failed', last_error=? WHERE id=?",
                    ("target no longer configured", row["id"]))
                failed += 1
                continue
            error = send_one(target, row["title"], row["body"], targets)
            attempts = row["attempts"] + 1
            if error is None:
                conn.execute(
                    "UPDATE notifications SET status='sent', attempts=?, sent_at=?,"
                    " last_error=NULL, next_attempt=NULL WHERE id=?",
                    (attempts, now(), row["id"]))
                sent += 1
                log.info("alert %d sent to %s", row["id"], target.name)
            else:
                nxt = (stamp + dt.timedelta(seconds=backoff_seconds(attempts))).strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
                conn.execute(
                    "UPDATE notifications SET attempts=?, last_error=?, next_attempt=?"
                    " WHERE id=?", (attempts, error, nxt, row["id"]))
                failed += 1
                log.warning("alert %d to %s failed (attempt %d): %s", row["id"], target.name,
                            attempts, error)
    return sent, failed


def send_test(cfg: Config) -> list[tuple[str, str | None]]:
    """Send a test message to every target; (target name, error or None)."""
    targets = load_targets(cfg)
    results = []
    for t in targets:
        err = send_one(t, "monitor: test alert",
                       "This is a test message from monitor. If you can read it, alerts "
                       "reach this target.", targets)
        results.append((t.name, err))
    return results
