"""Backfill a fixture copy of the Prisoners Defenders site: `figures` equals the real series.

One realistic report post per month of the real series (tests/fixtures/pd_posts.py), served
on loopback with paginated listings; `monitor crawl --backfill` must rebuild every monthly
figure exactly, and a later post that gives another value for one month is one `revised`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from conftest import SERIES, run_monitor, write_config
from fixtures.pd_posts import correction_post, series_posts
from monitor import sources
from monitor.extract import extract
from monitor.wpsite import Site, render_post

MONTHLY = {m.name for m in sources.get("prisoners_defenders").metrics
           if m.period == "monthly"}


def load_series() -> dict[str, dict[str, int]]:
    return json.loads(SERIES.read_text(encoding="utf-8"))[
        "prisoners_defenders"]


def expected(series: dict[str, dict[str, int]]) -> dict[tuple[str, str], int]:
    return {(m, per): v for per, ms in series.items() for m, v in ms.items()}


def monthly_figures(db) -> dict[tuple[str, str], int]:
    conn = sqlite3.connect(db)
    try:
        return {(m, p): v for m, p, v in conn.execute(
            "SELECT metric, period, value FROM figures WHERE source='prisoners_defenders'")
            if len(p) == 7}
    finally:
        conn.close()


def diff(got: dict, want: dict) -> str:
    lines = [f"{k}: got {got.get(k)} want {want.get(k)}"
             for k in sorted(set(got) | set(want), key=lambda k: (k[1], k[0]))
             if got.get(k) != want.get(k)]
    return "\n".join(lines)


def test_every_fixture_post_yields_exactly_its_month():
    """The extractor alone on each post (fast, and names the post when it fails)."""
    series = load_series()
    site = Site("Prisoners Defenders")
    got: dict[tuple[str, str], int] = {}
    for post in series_posts(series):
        site.add(post)
        base = "http://127.0.0.1:8000"
        res = extract("prisoners_defenders", render_post(site, post, base),
                      base + post.path("dated"))
        for o in res.observations:
            if len(o.period) == 7:
                assert o.metric in MONTHLY
                assert (o.metric, o.period) not in got, (post.slug, o)
                got[(o.metric, o.period)] = o.value
    want = expected(series)
    assert got == want, diff(got, want)


def test_backfill_rebuilds_the_series_then_a_later_post_revises_one_figure(tmp_path, serve):
    series = load_series()
    site = Site("Prisoners Defenders", style="dated", per_page=10, feed_items=10)
    for post in series_posts(series):
        site.add(post)
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv})

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg, timeout=240)
    assert r.returncode == 0, r.stderr
    want = expected(series)
    got = monthly_figures(tmp_path / "monitor.db")
    assert got == want, diff(got, want)

    # a later post restates the newest month with another total: exactly one revision
    newest = max(series)
    old = series[newest]["political_prisoners_total"]
    latest = max(p.published for p in site.posts)
    site.add(correction_post(newest, old + 3, latest + dt.timedelta(days=3)))
    r = run_monitor("crawl", "--no-notify", config=cfg, timeout=120)
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(tmp_path / "monitor.db")
    revised = conn.execute("SELECT metric, period, old_value, new_value FROM events "
                           "WHERE kind='revised'").fetchall()
    conn.close()
    assert revised == [("political_prisoners_total", newest, old, old + 3)]
    want[("political_prisoners_total", newest)] = old + 3
    got = monthly_figures(tmp_path / "monitor.db")
    assert got == want, diff(got, want)
