"""A backfill commits as it goes, survives a kill, continues where it stopped, and shows
its progress (issue 12 points 2 and 3). Real crawls of a fixture site on loopback, a real
SIGKILL of the whole process tree, the real archive."""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlsplit

from conftest import SERIES, run_monitor, write_config
from fixtures.pd_posts import series_posts
from monitor.wpsite import Site


def _series() -> dict:
    return json.loads(SERIES.read_text(encoding="utf-8"))["prisoners_defenders"]


def _expected() -> dict:
    return {(m, p): v for p, ms in _series().items() for m, v in ms.items()}


def _figures(db) -> dict:
    return {(m, p): v for m, p, v in _rows(db, "SELECT metric, period, value FROM figures")
            if len(p) == 7}


def _site() -> Site:
    series = _series()
    site = Site("Prisoners Defenders")
    for post in series_posts(series):
        site.add(post)
    return site


def _rows(db, sql, *params):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}


def _post_paths(srv) -> list[str]:
    return [p for p, _s, _n in srv.requests if p.count("/") >= 5 and "/page/" not in p]


def _kill_a_backfill_midway(tmp_path, srv):
    """Start a slow backfill, SIGKILL the whole tree once a batch is committed."""
    slow = write_config(tmp_path / "slow.toml", sites={"prisoners_defenders": srv})
    slow.write_text(slow.read_text().replace("download_delay = 0.0", "download_delay = 0.3"))
    db = tmp_path / "monitor.db"
    log = open(tmp_path / "first.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(slow), "crawl",
                             "--backfill", "--no-notify"], stdout=subprocess.DEVNULL,
                            stderr=log, env=_env(), start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    done = _rows(db, "SELECT COUNT(*) FROM backfill_progress WHERE"
                                     " kind='post'")[0][0]
                except sqlite3.OperationalError:
                    done = 0
            if done:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the backfill finished before it could be stopped"
        assert done, "no batch was committed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # monitor and its Scrapy child, no cleanup
        proc.wait()
    log.seek(0)
    return db, log.read()


def test_a_killed_backfill_keeps_its_batches_and_a_rerun_finishes_without_them(tmp_path,
                                                                                 serve,
                                                                                 webhook):
    site = _site()
    srv = serve(site)
    db, first = _kill_a_backfill_midway(tmp_path, srv)
    stored = {r[0] for r in _rows(db, "SELECT url FROM backfill_progress WHERE kind='post'")}
    assert 0 < len(stored) < len(site.posts)
    figures = _rows(db, "SELECT COUNT(*) FROM figures")[0][0]
    assert figures > 0  # the committed batches' figures are kept
    # not a single message was planned: only the end of a backfill decides what alerts
    assert _rows(db, "SELECT COUNT(*) FROM notifications")[0][0] == 0

    srv.clear_log()
    fast = write_config(tmp_path / "fast.toml", sites={"prisoners_defenders": srv},
                        notify_urls=[webhook.url])
    r = run_monitor("crawl", "--backfill", "--no-notify", config=fast)
    assert r.returncode == 0, r.stderr
    assert "continuing a backfill" in r.stderr
    again = set(_post_paths(srv))
    assert not again & {urlsplit(u).path for u in stored}, "committed posts were fetched again"
    assert len(again) == len(site.posts) - len(stored)
    # the archive holds the whole series, as a backfill in one go would
    assert _figures(db) == _expected()
    months = {p for _m, p in _expected()}
    # one data message for the whole backfill (kept unsent: --no-notify), newest period
    msgs = _rows(db, "SELECT status, event_ids, title FROM notifications WHERE"
                     " category='data'")
    assert len(msgs) == 1 and msgs[0][0] == "unsent"
    newest = max(months)
    alerted = json.loads(msgs[0][1])
    periods = {r[0] for r in _rows(db, f"SELECT DISTINCT period FROM events WHERE id IN"
                                       f" ({','.join(map(str, alerted))})")}
    assert periods <= {newest, newest[:4]}, periods
    assert _rows(db, "SELECT COUNT(*) FROM backfill_progress")[0][0] == 0
    outcomes = [r[0] for r in _rows(db, "SELECT outcome FROM runs ORDER BY id")]
    assert outcomes == ["interrupted", "ok"]
    # every (metric, period) got exactly one `new` event across both runs
    dupes = _rows(db, "SELECT metric, period, COUNT(*) FROM events WHERE kind='new'"
                      " GROUP BY metric, period HAVING COUNT(*) > 1")
    assert dupes == []
    # the first run said how far it had got, as plain log lines (stderr was a file)
    assert "backfill:" in first and "pages fetched" in first and "pages/s" in first


def test_run_timeout_does_not_stop_a_backfill_making_progress(tmp_path, serve):
    site = _site()
    srv = serve(site)
    cfg = write_config(tmp_path / "c.toml", sites={"prisoners_defenders": srv},
                       extra='[schedule]\nrun_timeout = "1s"\nbackfill_idle_timeout = "60s"\n')
    cfg.write_text(cfg.read_text().replace("download_delay = 0.0", "download_delay = 0.05"))
    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "timed out" not in r.stderr
    db = tmp_path / "monitor.db"
    assert _figures(db) == _expected()
    # the progress lines name what a person watching wants to know
    lines = [ln for ln in r.stderr.splitlines() if "backfill:" in ln]
    assert lines, r.stderr
    last = lines[-1]
    for words in ("listing pages", "pages fetched", "figures read", "pages/s"):
        assert words in last, last


def test_backfill_progress_is_one_updating_line_on_a_terminal(tmp_path, serve):
    site = _site()
    srv = serve(site)
    cfg = write_config(tmp_path / "c.toml", sites={"prisoners_defenders": srv})
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "crawl",
                             "--backfill", "--no-notify"], stdout=subprocess.DEVNULL,
                            stderr=slave, env=_env())
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "\r\x1b[K" in text and "backfill:" in text
    assert "INFO monitor.backfill" not in text  # a progress line, not log lines


def test_a_scheduled_run_keeps_its_one_summary_line(tmp_path, serve):
    srv = serve(_site())
    cfg = write_config(tmp_path / "c.toml", sites={"prisoners_defenders": srv})
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "backfill:" not in r.stderr
    assert sum("pages fetched" in ln for ln in r.stderr.splitlines()) == 1
    db = tmp_path / "monitor.db"
    assert _rows(db, "SELECT COUNT(*) FROM backfill_progress")[0][0] == 0


def test_a_scheduled_run_after_a_stopped_backfill_alerts_its_newest_figures(tmp_path,
                                                                           serve, webhook):
    """The newest figures a stopped backfill stored are not left unsent until someone
    reruns the backfill: the next scheduled run's message carries them, once."""
    site = _site()
    srv = serve(site)
    db, _log = _kill_a_backfill_midway(tmp_path, srv)
    newest = max(p for _m, p in _expected())
    stored = {r[0] for r in _rows(db, "SELECT period FROM figures")}
    assert newest in stored  # the feed comes first: the newest reports are in batch one
    cfg = write_config(tmp_path / "fast.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url])
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    def data():  # ops messages (an extraction gap of the fixture) start "monitor:"
        return [m for m in webhook.received if not m["title"].startswith("monitor:")]

    assert len(data()) == 1, webhook.received
    assert newest in str(_rows(db, "SELECT period FROM events WHERE alert=1"))
    total = _series()[newest]["political_prisoners_total"]
    assert data()[0]["title"].startswith(f"Prisoners Defenders: {total:,} political prisoners")
    r = run_monitor("crawl", "--backfill", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(data()) == 1  # nothing sent twice; older periods only recorded
    gaps = [m["message"] for m in webhook.received if m["title"].startswith("monitor:")]
    assert len(gaps) == len(set(gaps))  # no ops message twice either
    assert _figures(db) == _expected()
    assert _rows(db, "SELECT COUNT(*) FROM backfill_runs")[0][0] == 0
