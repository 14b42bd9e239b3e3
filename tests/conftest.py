"""Real parts on loopback: a fixture WordPress site, an SMTP server, a webhook receiver."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.wpsite import Site, SiteServer

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    """No test reaches the internet: the reference cases carry the real sites' URLs as
    page addresses only, and a connection anywhere but this machine is a test bug."""
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and not (host in ("localhost", "::1") or str(host).startswith("127.")):
        raise OSError(f"test tried to reach {host!r}: tests use loopback servers only")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)

# `make test` stays quiet: aiosmtpd logs every session at INFO on "mail.log", and the
# in-process `monitor` commands install an INFO handler on the root logger
logging.getLogger("mail.log").setLevel(logging.WARNING)


def pytest_configure(config: pytest.Config) -> None:
    # apprise imports the stdlib imghdr module, deprecated since Python 3.11: not ours
    config.addinivalue_line("filterwarnings",
                            "ignore:'imghdr' is deprecated:DeprecationWarning")


ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
# the real monthly series (figures only), kept in the repo so the suite runs without shared/
SERIES = Path(__file__).resolve().parent / "data" / "series.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Messages an aiosmtpd server on loopback received."""

    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def wait(self, n: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)


class SMTPServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.running = False

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def url(self) -> str:
        return (f"mailto://127.0.0.1:{self.port}?from=monitor@example.org"
                f"&to=alerts@example.org&smtp=127.0.0.1&secure=no")

    @property
    def messages(self) -> list:
        return self.mailbox.messages


class Webhook:
    """An HTTP receiver for apprise json:// that can be told to fail the next N posts."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_next = 0
        self.fail_status = 500
        self.attempts = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                hook.attempts += 1
                if hook.fail_next > 0:
                    hook.fail_next -= 1
                    self.send_response(hook.fail_status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                hook.received.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.stop()


@pytest.fixture
def serve():
    """serve(site, host='127.0.0.1') -> running SiteServer, stopped after the test."""
    servers: list[SiteServer] = []

    def start(site: Site, host: str = "127.0.0.1") -> SiteServer:
        srv = SiteServer(site, host).start()
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.stop()


def write_config(path: Path, *, sites: dict[str, SiteServer], notify_urls: list[str] = (),
                 extra: str = "", language: str = "en") -> Path:
    """A config.toml for a test: enabled sources are exactly `sites`."""
    lines = ['[database]', 'path = "monitor.db"', '',
             '[crawl]', 'download_delay = 0.0', 'timeout = "10s"', '',
             '[notify]', f'urls = {json.dumps(list(notify_urls))}', f'language = "{language}"', '']
    for name in ("prisoners_defenders", "ocdh"):
        lines.append(f"[sources.{name}]")
        if name in sites:
            srv = sites[name]
            lines += [f'start_urls = ["{srv.base_url}/feed/"]',
                      f'allowed_domains = ["{srv.host}"]']
        else:
            lines.append("enabled = false")
        lines.append("")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def run_monitor(*args: str, config: Path | None = None, env: dict | None = None,
                timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m monitor ...` as a user would, in a subprocess."""
    cmd = [sys.executable, "-m", "monitor"]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    full_env.update(env or {})
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=cwd)
