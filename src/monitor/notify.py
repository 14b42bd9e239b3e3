"""Targets, routing, and delivery of alerts through apprise.

Messages are planned as `notifications` rows inside the run's transaction and delivered
after it commits, by whoever holds the delivery lock, so a message is never lost (it stays
pending until a target accepts it) and never sent twice by two processes at once.

A target's apprise URL may hold a secret (an SMTP password, a bot token). It lives only in
memory: the archive and the logs name a target by its tags and a redacted URL, match it on
retry by a hash, and every error text from apprise is scrubbed before it is stored or shown.
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
from urllib.parse import unquote

from monitor.archive import now, parse_ts
from monitor.config import Config, ConfigError, source_names

log = logging.getLogger("monitor.notify")

NOTIFIERS = {
    "mailto": "email over SMTP (mailto://user:pass@host?to=...; mailtos:// for TLS)",
    "json": "JSON webhook: POSTs {title, message, type} to an HTTP endpoint",
    "tgram": "Telegram bot (tgram://bottoken/chat_id)",
    "slack": "Slack incoming webhook",
    "matrix": "Matrix room",
    "*": "any other apprise URL scheme (see `apprise --details`)",
}

_TOKEN_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")


@dataclass
class Target:
    """One apprise URL with its tags. `url` is secret; `name` is safe to show and store."""

    url: str
    tags: set[str] = field(default_factory=set)
    name: str = ""
    key: str = ""
    secrets: list[str] = field(default_factory=list, repr=False)

    def matches_source(self, source: str) -> bool:
        """Targets tagged with source names get only those sources' data alerts."""
        source_tags = self.tags & set(source_names())
        return not source_tags or source in source_tags


def redact(url: str) -> str:
    """The URL as apprise prints it with privacy on, without its query string."""
    import apprise

    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin:
            return plugin.url(privacy=True).split("?", 1)[0]
    except Exception:
        pass
    m = re.match(r"^([a-z0-9+]+)://", url, re.I)
    return (m.group(1) if m else "unknown") + "://****"


def _secret_pieces(url: str) -> list[str]:
    """Parts of the URL that apprise hides when it prints it privately (passwords, tokens)."""
    import apprise

    shown = url.split("://", 1)[0] + "://****"
    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin:
            shown = plugin.url(privacy=True)
    except Exception:
        pass
    shown_l = unquote(shown).lower()
    pieces: set[str] = set()
    for raw in _TOKEN_SPLIT.split(url.split("://", 1)[-1]):
        for piece in {raw, unquote(raw)}:
            if len(piece) >= 4 and piece.lower() not in shown_l:
                pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


def scrub(text: str, targets: list[Target]) -> str:
    """Remove every secret of every target from a text (an apprise error, an exception)."""
    for t in targets:
        text = text.replace(t.url, t.name)
        for piece in t.secrets:
            text = text.replace(piece, "****")
    return text


def _make_target(url: str, tags: set[str]) -> Target:
    t = Target(url=url, tags=set(tags))
    t.key = hashlib.sha256(url.encode()).hexdigest()
    t.secrets = _secret_pieces(url)
    return t


def _name(t: Target) -> str:
    red = redact(t.url)
    return (f"[{','.join(sorted(t.tags))}] " if t.tags else "") + red


def load_targets(cfg: Config) -> list[Target]:
    """Targets from notify.urls, $MONITOR_NOTIFY_URLS and notify.config (apprise, with tags).

    A URL apprise cannot use, or an unreadable apprise config, is a ConfigError (exit 2):
    silently dropping a target would lose every alert meant for it.
    """
    import apprise

    found: list[tuple[str, set[str], str]] = []
    for i, u in enumerate(cfg.notify["urls"]):
        found.append((u, set(), f"notify.urls[{i}]"))
    for i, u in enumerate(os.environ.get("MONITOR_NOTIFY_URLS", "").split()):
        found.append((u, set(), f"$MONITOR_NOTIFY_URLS entry {i + 1}"))
    targets: list[Target] = []
    for url, tags, where in found:
        if apprise.Apprise.instantiate(url) is None:
            raise ConfigError(f"{where}: apprise cannot use this URL ({redact(url)})")
        targets.append(_make_target(url, tags))
    if cfg.notify["config"]:
        path = cfg.notify["config"]
        if not Path(path).is_file():
            raise ConfigError(f"notify.config: no apprise config file at {path}")
        ac = apprise.AppriseConfig()
        if not ac.add(path):
            raise ConfigError(f"notify.config: cannot read apprise config {path}")
        servers = ac.services()
        if not servers:
            raise ConfigError(f"notify.config: no usable URL in apprise config {path}")
        for server in servers:
            targets.append(_make_target(server.url(privacy=False),
                                        {str(t) for t in server.tags}))
    seen: dict[str, Target] = {}
    for t in targets:
        if t.key in seen:
            seen[t.key].tags |= t.tags
        else:
            seen[t.key] = t
    out = list(seen.values())
    for t in out:
        t.name = _name(t)
    return out


def route(targets: list[Target], category: str, source: str | None, ops_tag: str) -> list[Target]:
    """Data: every target, but source-tagged ones only for their source. Ops: ops_tag ones."""
    if category == "ops":
        ops = [t for t in targets if ops_tag in t.tags]
        return ops or targets
    if category == "data" and source:
        return [t for t in targets if t.matches_source(source)]
    return targets


def plan(conn: sqlite3.Connection, targets: list[Target], *, run_id: int | None,
         source: str | None, category: str, title: str, body: str, event_ids: list[int],
         ops_tag: str, send: bool = True) -> int:
    """Write one pending (or, with --no-notify, unsent) notification row per matching target."""
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
    """Wait before the daemon retries: 1 min, 2, 4, ... capped at 6 h."""
    return min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.lines.append(record.getMessage())


def send_one(target: Target, title: str, body: str, all_targets: list[Target]) -> str | None:
    """Deliver to one target; None on success, else a scrubbed error text.

    apprise's own log lines are captured (not propagated to our handlers) so that nothing
    it might say about a URL reaches stderr unscrubbed.
    """
    import apprise

    a = apprise.Apprise()
    if not a.add(target.url):
        return f"apprise cannot use the URL of {target.name}"
    alog = logging.getLogger("apprise")
    cap = _Capture()
    old_prop, old_level = alog.propagate, alog.level
    alog.addHandler(cap)
    alog.propagate = False
    if alog.getEffectiveLevel() > logging.WARNING:
        alog.setLevel(logging.WARNING)
    try:
        ok = bool(a.notify(title=title, body=body))
    except Exception as exc:
        ok = False
        cap.lines.append(f"{type(exc).__name__}: {exc}")
    finally:
        alog.removeHandler(cap)
        alog.propagate = old_prop
        alog.setLevel(old_level)
    if ok:
        return None
    lines = [ln.strip() for ln in cap.lines if ln.strip()]
    return scrub(" | ".join(lines[-3:]) or "delivery failed", all_targets)[:500]


def deliver_pending(conn: sqlite3.Connection, cfg: Config, *, honor_backoff: bool = False,
                    targets: list[Target] | None = None) -> tuple[int, int]:
    """Send every pending notification; returns (sent, failed).

    `crawl` retries every pending row (honor_backoff=False); the daemon passes
    honor_backoff=True and skips rows whose next_attempt is in the future. A target that
    fails once in a pass is not tried again in the same pass. A row is marked sent right
    after its target accepts it, so a crash can at worst repeat that one message, never
    lose it.
    """
    if targets is None:
        try:
            targets = load_targets(cfg)
        except ConfigError as exc:
            log.error("cannot deliver alerts: %s", exc)
            return 0, 0
    by_key = {t.key: t for t in targets}
    sent = failed = 0
    with delivery_lock(cfg.db_path) as got:
        if not got:
            log.warning("another process is delivering alerts; leaving pending ones to it")
            return 0, 0
        rows = conn.execute(
            "SELECT * FROM notifications WHERE status='pending' ORDER BY id").fetchall()
        stamp = dt.datetime.now(dt.UTC)
        down: set[str] = set()
        elsewhere = 0
        for row in rows:
            if honor_backoff and row["next_attempt"] and parse_ts(row["next_attempt"]) > stamp:
                continue
            target = by_key.get(row["target_key"])
            if target is None:
                # configured elsewhere (another environment) or removed: keep it pending
                conn.execute("UPDATE notifications SET last_error=? WHERE id=?",
                             ("target not configured in the process that tried to send it",
                              row["id"]))
                elsewhere += 1
                continue
            if target.key in down:
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
                down.add(target.key)
                nxt = (stamp + dt.timedelta(seconds=backoff_seconds(attempts))).strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
                conn.execute(
                    "UPDATE notifications SET attempts=?, last_error=?, next_attempt=?"
                    " WHERE id=?", (attempts, error, nxt, row["id"]))
                failed += 1
                log.warning("alert %d to %s failed (attempt %d, kept pending): %s", row["id"],
                            target.name, attempts, error)
        if elsewhere:
            log.warning("%d pending alert(s) are for targets this process does not have "
                        "(notify.urls, $MONITOR_NOTIFY_URLS, notify.config); left pending",
                        elsewhere)
    return sent, failed


def send_test(cfg: Config) -> list[tuple[str, str | None]]:
    """Send a test message to every target; (target name, error or None) for each."""
    from monitor.messages import render_test

    targets = load_targets(cfg)
    title, body = render_test(cfg.notify["language"])
    return [(t.name, send_one(t, title, body, targets)) for t in targets]
