"""A failed run is a WARNING (seen with -q), and an unreachable site is named as such
(issue 12 point 13). A real crawl against a loopback port nobody listens on."""

from __future__ import annotations

import sqlite3

from conftest import free_port, run_monitor, write_config


def test_an_unreachable_site_is_a_warning_that_suggests_checking_the_network(tmp_path):
    port = free_port()  # closed: every connection is refused
    cfg = tmp_path / "c.toml"
    write_config(cfg, sites={})
    cfg.write_text(cfg.read_text().replace(
        "[sources.ocdh]\nenabled = false",
        f'[sources.ocdh]\nstart_urls = ["http://127.0.0.1:{port}/feed/"]\n'
        f'allowed_domains = ["127.0.0.1"]'))
    r = run_monitor("-q", "crawl", "--no-notify", config=cfg)
    assert r.returncode == 1, r.stderr
    summary = [ln for ln in r.stderr.splitlines() if "pages fetched" in ln]
    assert len(summary) == 1, r.stderr  # shown although -q: it is a WARNING
    line = summary[0]
    assert "WARNING" in line and "ocdh: FAILED" in line
    assert "unreachable" in line and "connection refused" in line and "network" in line
    conn = sqlite3.connect(tmp_path / "monitor.db")
    error = conn.execute("SELECT error FROM runs").fetchone()[0]
    conn.close()
    assert "unreachable" in error  # also what status and the failing alert show


def test_a_site_that_answers_with_errors_is_not_called_unreachable(tmp_path, serve):
    from monitor.wpsite import Site

    srv = serve(Site("OCDH"))
    cfg = write_config(tmp_path / "c.toml", sites={"ocdh": srv})
    cfg.write_text(cfg.read_text().replace("/feed/", "/no-such-feed/"))
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 1
    line = next(ln for ln in r.stderr.splitlines() if "pages fetched" in ln)
    assert "WARNING" in line and "unreachable" not in line
