"""Redirects stay inside allowed_domains, and every post that cannot be read is an error.

A hand-made site on 127.0.0.1 whose answers are given per path (status, headers, body):
redirects offsite (to `localhost`, the same server under another name), to `file://`,
`<meta http-equiv=refresh>`, redirect loops and a gzip bomb. The server records the Host
of every request, so a test can say the offsite name was never asked for anything.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run_monitor
from fixtures.crawl_site import db, last_run

GOOD_POST = (b"<!DOCTYPE html><html><head><title>Nota</title></head><body><article>"
             b"<h1 class='entry-title'>Nota</h1><div class='entry-content'><p>Texto de una "
             b"nota sin cifras.</p></div></article></body></html>")


class Routes(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[tuple[str, str]] = []  # (Host header, path)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hosts(self) -> set[str]:
        with self.lock:
            return {h.split(":")[0] for h, _p in self.seen}

    def paths(self, host: str = "127.0.0.1") -> list[str]:
        with self.lock:
            return [p for h, p in self.seen if h.split(":")[0] == host]


class _Handler(BaseHTTPRequestHandler):
    server: Routes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.seen.append((self.headers.get("Host", ""), self.path))
        status, headers, body = self.server.routes.get(
            self.path, (404, {"Content-Type": "text/html"}, b"<html>Not found</html>"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def html(body: bytes) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=UTF-8"}, body


def redirect(location: str, status: int = 301) -> tuple[int, dict[str, str], bytes]:
    return status, {"Location": location, "Content-Type": "text/html"}, b""


def feed(srv: Routes, paths: list[str]) -> tuple[int, dict[str, str], bytes]:
    items = "".join(f"<item><title>{p}</title><link>{srv.url(p)}</link></item>" for p in paths)
    body = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>{srv.url('/')}</link>{items}</channel></rss>").encode()
    return 200, {"Content-Type": "application/rss+xml; charset=UTF-8"}, body


@pytest.fixture
def site():
    srv = Routes()
    srv.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"},
                                 b"User-agent: *\nDisallow: /private/\n")
    srv.routes["/"] = html(b"<html><body><p>Sin entradas.</p></body></html>")
    yield srv
    srv.shutdown()
    srv.server_close()


def config(tmp_path, srv: Routes, *, start: str = "/feed/", domains: tuple = ("127.0.0.1",),
           max_page_size: str = "10MB"):
    path = tmp_path / "config.toml"
    path.write_text(
        '[database]\npath = "monitor.db"\n\n[crawl]\ndownload_delay = 0.0\ntimeout = "10s"\n'
        f'max_page_size = "{max_page_size}"\n\n'
        f'[sources.prisoners_defenders]\nstart_urls = ["{srv.url(start)}"]\n'
        f"allowed_domains = {json.dumps(list(domains))}\n\n"
        "[sources.ocdh]\nenabled = false\n", encoding="utf-8")
    return path


def stored(tmp_path) -> list[tuple[str, str]]:
    with db(tmp_path / "monitor.db") as conn:
        return [tuple(r) for r in conn.execute("SELECT url, kind FROM pages ORDER BY url")]


@pytest.mark.parametrize("case", ["http-redirect", "meta-refresh", "redirect-chain"])
def test_start_url_leaving_allowed_domains_fails_the_run(tmp_path, site, case):
    offsite = site.url("/feed/", host="localhost")
    if case == "http-redirect":
        site.routes["/feed/"] = redirect(offsite)
    elif case == "meta-refresh":
        site.routes["/feed/"] = html(f'<html><head><meta http-equiv="refresh" content="0; '
                                     f'url={offsite}"></head><body></body></html>'.encode())
    else:  # an allowed hop first, then offsite
        site.routes["/feed/"] = redirect(site.url("/moved/"), 302)
        site.routes["/moved/"] = redirect(offsite, 302)
    r = run_monitor("crawl", "--no-notify", config=config(tmp_path, site))
    assert r.returncode == 1, r.stderr
    assert "outside allowed_domains" in r.stderr
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "failed"
    assert "start URL" in run["error"] and "outside allowed_domains" in run["error"]
    assert "localhost" in run["error"]
    assert stored(tmp_path) == []
    # the offsite name was never asked for anything, not even its robots.txt
    assert site.hosts() == {"127.0.0.1"}


def test_redirect_inside_allowed_domains_still_obeys_the_targets_robots(tmp_path, site):
    # both names allowed: the redirect is followed, but robots.txt forbids the target
    site.routes["/feed/"] = redirect(site.url("/private/feed/", host="localhost"))
    site.routes["/private/feed/"] = feed(site, [])
    r = run_monitor("crawl", "--no-notify",
                    config=config(tmp_path, site, domains=("127.0.0.1", "localhost")))
    assert r.returncode == 1, r.stderr
    assert "robots.txt" in last_run(tmp_path / "monitor.db")["error"]
    assert "/robots.txt" in site.paths("localhost")
    assert "/private/feed/" not in site.paths("localhost")
    assert stored(tmp_path) == []


def test_posts_lost_to_redirects_or_a_gzip_bomb_are_counted_and_logged(tmp_path, site):
    posts = ["/2025/01/10/buena/", "/2025/01/11/bucle/", "/2025/01/12/fuera/",
             "/2025/01/13/fichero/", "/2025/01/14/refresco/", "/2025/01/15/bomba/",
             "/2025/01/16/a-si-misma/", "/2025/01/17/refresco-fichero/",
             "/2025/01/18/vacia/"]
    site.routes["/feed/"] = feed(site, posts)
    site.routes[posts[0]] = html(GOOD_POST)
    site.routes[posts[1]] = redirect(site.url("/2025/01/11/bucle-b/"))
    site.routes["/2025/01/11/bucle-b/"] = redirect(site.url(posts[1]))
    site.routes[posts[2]] = redirect(site.url("/2025/01/12/fuera/", host="localhost"), 302)
    site.routes[posts[3]] = redirect("file:///etc/passwd")
    site.routes[posts[4]] = html(b'<html><head><meta http-equiv="refresh" content="0;url='
                                 + site.url("/x/", host="localhost").encode()
                                 + b'"></head><body><p>Redirigiendo</p></body></html>')
    bomb = gzip.compress(b"<html><body>" + b"0" * 30_000_000 + b"</body></html>")
    site.routes[posts[5]] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                             bomb)
    site.routes[posts[6]] = redirect(site.url(posts[6]), 302)
    site.routes[posts[7]] = html(b'<html><head><meta http-equiv="refresh" content="0;url='
                                 b'file:///etc/passwd"></head><body><p>x</p></body></html>')
    site.routes[posts[8]] = html(b"  \n")  # a 200 with nothing in it

    r = run_monitor("crawl", "--no-notify", config=config(tmp_path, site,
                                                          max_page_size="1MB"))
    assert r.returncode == 0, r.stderr  # a broken post is counted, it does not fail the run
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "ok"
    assert run["errors"] == 8, r.stderr
    warnings = [ln for ln in r.stderr.splitlines() if "WARNING" in ln and "page failed" in ln]
    reasons = {
        posts[1]: "redirect loop", posts[2]: "outside allowed_domains",
        posts[3]: "redirect that was not followed", posts[4]: "outside allowed_domains",
        posts[5]: "over max_page_size", posts[6]: "redirect loop",
        posts[7]: "meta http-equiv=refresh", posts[8]: "empty body",
    }
    for path, reason in reasons.items():
        assert any(site.url(path) in ln and reason in ln for ln in warnings), (path, r.stderr)
    # only the good post is stored as a post; nothing empty, nothing from the other name
    assert [u for u, k in stored(tmp_path) if k == "post"] == [site.url(posts[0])]
    assert "localhost" not in site.hosts()
    with db(tmp_path / "monitor.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE length(html_z) < 30"
                            " AND kind='post'").fetchone()[0] == 0
