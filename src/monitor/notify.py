"""Targets, routing, and delivery of alerts through apprise.

Messages are planned as `notifications` rows inside the run's transaction and delivered
after it commits, by whoever holds the delivery lock, so a message is never lost (it stays
pending until a target accepts it, or `undelivered` while no target is configured) and
never sent twice by two processes at once. Each message has a stable id (email
Message-ID, webhook `message_id`); each attempt is recorded before it is made, and one
whose outcome is unknown (timeout after sending, interrupted) is retried once with the
same id, then marked `uncertain`. Every send ends within notify.timeout.

A target's apprise URL may hold a secret (an SMTP password, a bot token, a webhook path).
It lives only in memory: the archive and the logs name a target by its tags and a
redacted URL, match it on retry by an HMAC keyed with a file outside the archive, and
every error text from apprise is scrubbed before it is stored or shown.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from monitor import archive, clock, lock
from monitor.clock import now, parse_ts
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
_ABBREV = re.compile(r"(?<![\w.])\w\.\.\.\w(?![\w.])")  # apprise's privacy form "s...t"
# schemes whose path names recipients (addresses, not secrets); every other scheme's path
# may hold a token (json://host/hooks/TOKEN, ntfy topics) and is masked
_PUBLIC_PATH = {"mailto", "mailtos"}
NO_TARGET = "(no target configured)"


@dataclass
class Target:
    """One apprise URL with its tags. `url` is secret; `name` is safe to show and store."""

    url: str
    tags: set[str] = field(default_factory=set)
    name: str = ""
    key: str = ""
    legacy_key: str = field(default="", repr=False)
    secrets: list[str] = field(default_factory=list, repr=False)

    def matches_source(self, source: str) -> bool:
        """Targets tagged with source names get only those sources' data alerts."""
        source_tags = self.tags & set(source_names())
        return not source_tags or source in source_tags


def _privacy_url(url: str) -> str | None:
    import apprise

    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin:
            return plugin.url(privacy=True)
    except Exception:
        pass
    return None


def redact(url: str) -> str:
    """The URL with every secret replaced by ****, without its query string.

    apprise's privacy form still shows a token's first and last letters ("s...t") and
    keeps URL paths whole (json://host/hooks/TOKEN, ntfy://TOPIC): both are masked here.
    """
    shown = _privacy_url(url)
    if shown is None:
        m = re.match(r"^([a-z0-9+]+)://", url, re.I)
        return (m.group(1) if m else "unknown") + "://****"
    shown = _ABBREV.sub("****", shown.split("?", 1)[0])
    scheme, _, rest = shown.partition("://")
    authority, slash, path = rest.partition("/")
    if scheme.lower().startswith("ntfy") and not path.strip("/"):
        authority = "****"                       # ntfy://TOPIC: the "host" is the topic
    if scheme.lower() not in _PUBLIC_PATH:
        path = "/".join("****" if seg else seg for seg in path.split("/"))
        path = re.sub(r"(\*\*\*\*/)+\*\*\*\*", "****", path)
    return f"{scheme}://{authority}{slash}{path.rstrip('/') if path != '/' else ''}"


def _secret_pieces(url: str, name: str) -> list[str]:
    """Parts of the URL that its shown name hides (passwords, tokens, webhook paths)."""
    shown_l = unquote(name).lower()
    privacy = unquote(_privacy_url(url) or "").lower()
    pieces: set[str] = set()
    rest = url.split("://", 1)[-1]
    main, _, query = rest.partition("?")
    for raw in _TOKEN_SPLIT.split(main):
        for piece in {raw, unquote(raw)}:
            if len(piece) >= 3 and piece.lower() not in shown_l:
                pieces.add(piece)
    for _key, value in parse_qsl(query):  # a query value apprise itself masks
        for piece in {value, *_TOKEN_SPLIT.split(value)}:
            if len(piece) >= 3 and piece.lower() not in privacy:
                pieces.add(piece)
    with contextlib.suppress(ValueError):
        password = urlsplit(url).password
        if password:  # whatever its length
            pieces.update({password, unquote(password)})
    return sorted(pieces, key=len, reverse=True)


def scrub(text: str, targets: list[Target]) -> str:
    """Remove every secret of every target from a text (an apprise error, an exception)."""
    for t in targets:
        text = text.replace(t.url, t.name)
        for piece in t.secrets:
            text = text.replace(piece, "****")
            if len(piece) >= 3:  # apprise's own abbreviation of it
                text = text.replace(f"{piece[0]}...{piece[-1]}", "****")
    return _ABBREV.sub("****", text)


def archive_key(db_path: Path) -> bytes:
    """The archive's HMAC key for target keys: a random file beside the database (0600).

    It lives outside the archive, so a published or shared copy of the database (Datasette,
    a backup sent to a colleague) cannot be used to test guesses of a target's password.
    """
    path = Path(str(db_path) + ".key")
    for _ in range(50):
        with contextlib.suppress(FileNotFoundError):
            text = path.read_text().strip()
            if len(text) == 64:
                return bytes.fromhex(text)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic: the first process to create it wins
        tmp.unlink()
        time.sleep(0.01)
    raise OSError(f"cannot create the target key file {path}")


def _make_target(url: str, tags: set[str]) -> Target:
    return Target(url=url, tags=set(tags))


def _name(t: Target) -> str:
    red = redact(t.url)
    return (f"[{','.join(sorted(t.tags))}] " if t.tags else "") + red


def _load_hint(url: str) -> str:
    """Why apprise may have refused a mail URL: the common set-up mistakes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("mailto", "mailtos"):
        return ""
    host = parts.hostname or ""
    if _is_ip(host) and "from=" not in parts.query:
        return ("; a mail server given by IP address needs from=you@your.domain in the URL "
                "(apprise cannot guess a sender address from an IP)")
    if "to=" not in parts.query and not parts.path.strip("/"):
        return "; add to=recipient@example.org"
    return ""


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def load_targets(cfg: Config, *, keyed: bool = True) -> list[Target]:
    """Targets from notify.urls, $MONITOR_NOTIFY_URLS and notify.config (apprise, with tags).

    A URL apprise cannot use, or an unreadable apprise config, is a ConfigError (exit 2):
    silently dropping a target would lose every alert meant for it. `keyed` computes the
    keys that match stored notifications (it creates the archive's key file if needed).
    """
    import apprise

    _install_log_sink()
    found: list[tuple[str, set[str], str]] = []
    for i, u in enumerate(cfg.notify["urls"]):
        found.append((u, set(), f"notify.urls[{i}]"))
    for i, u in enumerate(os.environ.get("MONITOR_NOTIFY_URLS", "").split()):
        found.append((u, set(), f"$MONITOR_NOTIFY_URLS entry {i + 1}"))
    targets: list[Target] = []
    for url, tags, where in found:
        if _quiet_instantiate(url) is None:
            raise ConfigError(f"{where}: apprise cannot use this URL ({redact(url)})"
                              + _load_hint(url))
        targets.append(_make_target(url, tags))
    if cfg.notify["config"]:
        path = cfg.notify["config"]
        if not Path(path).is_file():
            raise ConfigError(f"notify.config: no apprise config file at {path}")
        with _capture():
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
        if t.url in seen:
            seen[t.url].tags |= t.tags
        else:
            seen[t.url] = t
    out = list(seen.values())
    try:
        key = archive_key(cfg.db_path) if keyed and out else b""
    except OSError as exc:  # the archive's folder is not writable: say so in one line
        raise ConfigError(f"cannot create the target key file {cfg.db_path}.key beside the "
                          f"archive: {exc.strerror or exc}") from None
    for t in out:
        t.name = _name(t)
        t.secrets = _secret_pieces(t.url, t.name)
        if keyed:
            t.key = hmac.new(key, t.url.encode(), hashlib.sha256).hexdigest()
            t.legacy_key = hashlib.sha256(t.url.encode()).hexdigest()
    return out


def _quiet_instantiate(url: str):
    """apprise's parser, its log lines (which show parts of secrets) kept off stderr."""
    import apprise

    _install_log_sink()
    with _capture() as _lines:
        return apprise.Apprise.instantiate(url)


def warn_if_no_target(cfg: Config, what: str) -> bool:
    """`crawl` and `daemon` say at start when alerts have nowhere to go; True if none."""
    try:
        targets = load_targets(cfg, keyed=False)
    except ConfigError:
        return False  # reported (exit 2) by whoever loads them for real
    if targets:
        return False
    log.warning("%s: no notification target configured (notify.urls, $MONITOR_NOTIFY_URLS "
                "or notify.config): alerts are kept as undelivered and sent once a target "
                "is set (see README, \"Alerts\")", what)
    return True


def route(targets: list[Target], category: str, source: str | None, ops_tag: str) -> list[Target]:
    """Data: every target, but source-tagged ones only for their source. Ops: ops_tag ones."""
    if category == "ops":
        ops = [t for t in targets if ops_tag in t.tags]
        return ops or targets
    if category == "data" and source:
        return [t for t in targets if t.matches_source(source)]
    return targets


def new_message_id() -> str:
    """A message's stable id: its email Message-ID and the webhook payload's message_id."""
    return f"<{uuid.uuid4().hex}@monitor>"


def plan(conn: sqlite3.Connection, targets: list[Target], *, run_id: int | None,
         source: str | None, category: str, title: str, body: str, event_ids: list[int],
         ops_tag: str, send: bool = True) -> int:
    """Write one pending (or, with --no-notify, unsent) notification row per matching target.

    With no matching target the message is kept in one `undelivered` row, which
    `deliver_pending` turns into pending rows once a target is configured.
    """
    matched = route(targets, category, source, ops_tag)
    rows = [(t.name, t.key, "pending" if send else "unsent") for t in matched] or [
        (NO_TARGET, "", "undelivered" if send else "unsent")]
    return archive.notifications.plan(conn, rows, run_id=run_id, source=source,
                                      category=category, title=title, body=body,
                                      event_ids=event_ids, message_id=new_message_id())


@contextlib.contextmanager
def delivery_lock(db_path: Path, wait: float = 120.0) -> Iterator[bool]:
    """One deliverer at a time per archive, so no message goes out twice concurrently."""
    try:
        held = lock.delivery_lock(db_path, wait).acquire()
    except lock.LockHeld:
        yield False
        return
    try:
        yield True
    finally:
        held.release()


def backoff_seconds(attempts: int) -> int:
    """Wait before the daemon retries: 1 min, 2, 4, ... capped at 6 h."""
    return min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)


_SINKS: dict[int, list[logging.LogRecord]] = {}
_SINK_LOCK = threading.Lock()
_MSGID: contextvars.ContextVar[str | None] = contextvars.ContextVar("monitor_msgid",
                                                                    default=None)
_installed = False


class _Sink(logging.Handler):
    """apprise's log records go to the list of the thread that made them, or nowhere.

    apprise's lines name URLs with the first and last letters of secrets; they are never
    propagated to our handlers. A send abandoned after notify.timeout keeps logging into
    a list nobody reads, never onto stderr.
    """

    def emit(self, record: logging.LogRecord) -> None:
        with _SINK_LOCK:
            sink = _SINKS.get(record.thread or 0)
        if sink is not None:
            sink.append(record)


def _install_log_sink() -> None:
    global _installed
    if _installed:
        return
    for name in ("apprise", "urllib3", "requests"):  # urllib3 logs request paths (tokens)
        lg = logging.getLogger(name)
        lg.addHandler(_Sink(logging.DEBUG))
        lg.propagate = False
        lg.setLevel(logging.DEBUG)
    with contextlib.suppress(Exception):  # the Message-ID of our choosing (see send_one)
        from apprise.plugins.email import base as email_base

        original = email_base.make_msgid

        def make_msgid(idstring: str | None = None, domain: str | None = None) -> str:
            return _MSGID.get() or original(idstring=idstring, domain=domain)

        email_base.make_msgid = make_msgid
    _installed = True


@contextlib.contextmanager
def _capture() -> Iterator[list[logging.LogRecord]]:
    lines: list[logging.LogRecord] = []
    ident = threading.get_ident()
    with _SINK_LOCK:
        _SINKS[ident] = lines
    try:
        yield lines
    finally:
        with _SINK_LOCK:
            _SINKS.pop(ident, None)


@dataclass
class Sent:
    """How one send ended: ok, or an error (scrubbed); `uncertain` when it may have arrived."""

    ok: bool
    error: str | None = None
    uncertain: bool = False


def _configure(plugin: object, timeout: float, message_id: str | None) -> None:
    """Timeouts long enough for real servers; the message id where the service has a place."""
    is_mail = hasattr(plugin, "smtp_host")
    if hasattr(plugin, "socket_read_timeout"):
        plugin.socket_read_timeout = float(timeout)
    if hasattr(plugin, "socket_connect_timeout"):
        # smtplib uses this one timeout for every read of the SMTP session
        plugin.socket_connect_timeout = float(timeout if is_mail else min(timeout, 10))
    if message_id and not is_mail:
        if isinstance(getattr(plugin, "payload_extras", None), dict):
            plugin.payload_extras["message_id"] = message_id
        if isinstance(getattr(plugin, "headers", None), dict):
            plugin.headers["X-Message-Id"] = message_id


def _probe(host: str, port: int, timeout: float) -> str | None:
    """Can a TCP connection be opened? Tells "never sent" from "sent, then no answer"."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"


_REASON = re.compile(r"exception|error|response|refused|timed out|denied|auth|reject|invalid",
                     re.I)


def _reason(records: list[logging.LogRecord]) -> str:
    """apprise's warnings plus the server's own reason (which apprise logs at debug)."""
    out: list[str] = []
    for rec in records:
        with contextlib.suppress(Exception):
            text = " ".join(rec.getMessage().split())
            if not text or text in out:
                continue
            if rec.levelno >= logging.WARNING or _REASON.search(text):
                if rec.levelno < logging.WARNING and (text.startswith("Loaded ")
                                                      or "URL:" in text):
                    continue
                out.append(text.removeprefix("Socket Exception: "))
    return " | ".join(out[-4:])


def send_one(target: Target, title: str, body: str, all_targets: list[Target], *,
             timeout: float = 60.0, message_id: str | None = None) -> Sent:
    """Deliver to one target; every send ends within `timeout` seconds.

    The send runs in a daemon thread: a target that drips its reply is abandoned at the
    deadline (the process can still exit), and the outcome is "uncertain": the message may
    have arrived. A read timeout after connecting is uncertain too; a refused connection or
    an error answer is a plain failure (nothing arrived).
    """
    import apprise

    _install_log_sink()
    with _capture():
        plugin = apprise.Apprise.instantiate(target.url)
    if plugin is None:
        return Sent(False, f"apprise cannot use the URL of {target.name}")
    _configure(plugin, timeout, message_id)
    mail = getattr(plugin, "smtp_host", None)
    started = time.monotonic()
    if mail:
        problem = _probe(plugin.smtp_host, int(plugin.port or 25), min(timeout / 2, 10))
        if problem:
            return Sent(False, scrub(problem, all_targets) + _mail_hint(plugin))
    result: dict[str, object] = {}

    def run() -> None:
        with _capture() as records:
            token = _MSGID.set(message_id)
            try:
                result["ok"] = bool(plugin.notify(title=title, body=body,
                                                  body_format=apprise.NotifyFormat.TEXT))
            except Exception as exc:
                result["ok"] = False
                records.append(logging.makeLogRecord(
                    {"msg": f"{type(exc).__name__}: {exc}", "levelno": logging.ERROR}))
            finally:
                _MSGID.reset(token)
                result["records"] = list(records)

    worker = threading.Thread(target=run, name="monitor-send", daemon=True)
    worker.start()
    worker.join(max(timeout - (time.monotonic() - started), 0.1))
    if worker.is_alive():
        return Sent(False, f"no answer from {target.name} within {timeout:g}s "
                           "(notify.timeout); the message may have arrived", uncertain=True)
    if result.get("ok"):
        return Sent(True)
    reason = _reason(result.get("records", [])) or "delivery failed"  # type: ignore[arg-type]
    uncertain = bool(re.search(r"read timed out" if not mail else r"timed out", reason, re.I))
    text = scrub(reason, all_targets)
    if uncertain:
        text += " (the message may have arrived)"
    elif mail:
        text += _mail_hint(plugin)
    return Sent(False, text[:600], uncertain=uncertain)


def _mail_hint(plugin: object) -> str:
    sender = (getattr(plugin, "from_addr", None) or ["", ""])[-1]
    if _is_ip(str(sender).rpartition("@")[2]):
        return (" (the mail server is given by IP address, so the sender address is "
                f"{sender}: set from=you@your.domain in the URL)")
    return ""


class Delivered(tuple):
    """(sent, failed) as before, with `uncertain` (counted in failed) alongside."""

    uncertain: int

    def __new__(cls, sent: int = 0, failed: int = 0, uncertain: int = 0) -> Delivered:
        obj = super().__new__(cls, (sent, failed))
        obj.uncertain = uncertain
        return obj


def _reroute_undelivered(conn: sqlite3.Connection, cfg: Config, targets: list[Target]) -> int:
    """Messages kept while no target matched: one pending row per target that matches now."""
    rows = archive.notifications.with_status(conn, "undelivered")
    moved = 0
    if not rows or not targets:
        return 0
    with archive.transaction(conn):
        for row in rows:
            matched = route(targets, row["category"], row["source"], cfg.notify["ops_tag"])
            if not matched:
                continue
            archive.notifications.route_undelivered(conn, row,
                                                    [(t.name, t.key) for t in matched])
            moved += 1
    if moved:
        log.info("%d alert message(s) kept while no target was configured are now pending",
                 moved)
    return moved


def _uncertain(conn: sqlite3.Connection, row: sqlite3.Row, error: str) -> str:
    """Count an attempt whose outcome is unknown: retried once (same id), then `uncertain`."""
    n = row["uncertain_attempts"] + 1
    status = "uncertain" if n >= 2 else "pending"
    archive.notifications.update(conn, row["id"], status=status, uncertain_attempts=n,
                                 attempt_started=None, last_error=error)
    return status


def _settle_interrupted(conn: sqlite3.Connection) -> None:
    """An attempt recorded as started but never finished (killed, SIGTERM): uncertain."""
    for row in archive.notifications.interrupted(conn):
        status = _uncertain(conn, row, f"interrupted while sending (attempt started "
                                       f"{row['attempt_started']}); the message may have "
                                       "arrived")
        log.warning("alert %d to %s: the previous attempt was interrupted; %s", row["id"],
                    row["target"], "retrying once with the same message id"
                    if status == "pending" else "marked uncertain, not sent again")


def deliver_pending(conn: sqlite3.Connection, cfg: Config, *, honor_backoff: bool = False,
                    targets: list[Target] | None = None) -> Delivered:
    """Send every pending notification; returns (sent, failed) with `.uncertain`.

    `crawl` retries every pending row (honor_backoff=False); the daemon passes
    honor_backoff=True and skips rows whose next_attempt is in the future. A target that
    fails once in a pass is not tried again in the same pass. Each attempt is recorded
    (attempt_started, attempts) before it is made, so an interrupted one is known; a row is
    marked sent right after its target accepts it. An attempt whose outcome is unknown (a
    timeout after the message went out, an interruption) is retried once with the same
    message id, then the row becomes `uncertain` and is never sent again.
    """
    if targets is None:
        try:
            targets = load_targets(cfg)
        except ConfigError as exc:
            log.error("cannot deliver alerts: %s", exc)
            return Delivered()
    by_key = {t.key: t for t in targets}
    legacy = {t.legacy_key: t for t in targets if t.legacy_key}
    timeout = cfg.notify.get("timeout", 60)
    sent = failed = uncertain = 0
    with delivery_lock(cfg.db_path) as got:
        if not got:
            log.warning("another process is delivering alerts; leaving pending ones to it")
            return Delivered()
        _reroute_undelivered(conn, cfg, targets)
        _settle_interrupted(conn)
        rows = archive.notifications.with_status(conn, "pending")
        stamp = clock.utcnow()
        down: set[str] = set()
        elsewhere = 0
        for row in rows:
            if honor_backoff and row["next_attempt"] and parse_ts(row["next_attempt"]) > stamp:
                continue
            target = by_key.get(row["target_key"])
            if target is None and row["target_key"] in legacy:  # a key of schema < 6
                target = legacy[row["target_key"]]
                archive.notifications.update(conn, row["id"], target_key=target.key)
            if target is None:
                # configured elsewhere (another environment) or removed: keep it pending
                archive.notifications.update(
                    conn, row["id"],
                    last_error="target not configured in the process that tried to send it")
                elsewhere += 1
                continue
            if target.key in down:
                failed += 1
                continue
            attempts = row["attempts"] + 1
            msg_id = archive.notifications.start_attempt(conn, row["id"], attempts,
                                                         new_message_id())
            try:
                res = send_one(target, row["title"], row["body"], targets, timeout=timeout,
                               message_id=msg_id)
            except BaseException:  # Ctrl-C, SIGTERM: the message may be on its way
                _uncertain(conn, row, "interrupted while sending; the message may have "
                                      "arrived")
                raise
            if res.ok:
                archive.notifications.update(conn, row["id"], status="sent", attempts=attempts,
                                             sent_at=now(), last_error=None, next_attempt=None,
                                             attempt_started=None)
                sent += 1
                log.info("alert %d sent to %s", row["id"], target.name)
                continue
            down.add(target.key)
            failed += 1
            nxt = clock.stamp(stamp + dt.timedelta(seconds=backoff_seconds(attempts)))
            archive.notifications.update(conn, row["id"], last_error=res.error,
                                         next_attempt=nxt, attempt_started=None)
            if res.uncertain:
                uncertain += 1
                status = _uncertain(conn, row, res.error or "")
                log.warning("alert %d to %s: delivery uncertain (attempt %d; %s): %s",
                            row["id"], target.name, attempts,
                            "will retry once with the same message id" if status == "pending"
                            else "marked uncertain, not sent again", res.error)
            else:
                log.warning("alert %d to %s failed (attempt %d, kept pending): %s", row["id"],
                            target.name, attempts, res.error)
        if elsewhere:
            log.warning("%d pending alert(s) are for targets this process does not have "
                        "(notify.urls, $MONITOR_NOTIFY_URLS, notify.config); left pending",
                        elsewhere)
    return Delivered(sent, failed, uncertain)


def send_test(cfg: Config) -> list[tuple[str, str | None]]:
    """Send a test message to every target; (target name, error or None) for each."""
    from monitor.messages import render_test

    targets = load_targets(cfg, keyed=False)
    title, body = render_test(cfg.notify["language"])
    out = []
    for t in targets:
        res = send_one(t, title, body, targets, timeout=cfg.notify.get("timeout", 60),
                       message_id=new_message_id())
        out.append((t.name, None if res.ok else res.error))
    return out
