"""`monitor demo` end to end: offline, no config, real crawl path, alerts shown."""

from __future__ import annotations

import re

from conftest import run_monitor
from monitor.demo import build_sites, load_series


def test_demo_runs_offline_and_shows_latest_figures_and_alerts(tmp_path, webhook):
    sample = load_series()["prisoners_defenders"]
    pd = sample["series"]
    last = max(pd)
    total = pd[last]["political_prisoners_total"]
    rev = sample["revision"]
    old = pd[rev["period"]]["political_prisoners_total"]
    keep = tmp_path / "demo"
    # a target the user has configured must not receive the demo's alerts
    r = run_monitor("demo", "--keep", str(keep), cwd=tmp_path, timeout=120,
                    env={"MONITOR_NOTIFY_URLS": webhook.url})
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    # latest figures for Prisoners Defenders, from the backfilled archive
    assert re.search(rf"^prisoners_defenders\s+political_prisoners_total\s+{last}\s+{total}\s",
                     out, re.M), out
    # the alerts that were sent: the first backfill's newest month, then the new month and
    # the correction of an earlier one
    assert f"Prisoners Defenders: {total:,} political prisoners in Cuba" in out
    assert f"{old:,}" in out and f"{rev['figures']['political_prisoners_total']:,}" in out
    assert "revised" in out
    # the arithmetic checks: the new month adds up, the corrected total no longer does
    assert re.search(r"Check \(last month's total \+ new - released = this month's total\): "
                     r"[\d,]+ \+ \d+ - \d+ = [\d,]+ ✓", out), out
    assert f"the report says {rev['figures']['political_prisoners_total']:,}; check the source" \
        in out
    assert "To watch the real sites" in out and "monitor crawl --backfill" in out
    assert webhook.received == []
    assert (keep / "monitor.db").exists()
    assert f"{total:,}" in (keep / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "db").exists()  # no archive left in the working directory

    r = run_monitor("demo", "--keep", str(keep), cwd=tmp_path)
    assert r.returncode == 2 and "already exists" in r.stderr


def test_demo_pages_are_in_the_shape_the_extractors_read():
    sites = build_sites()
    pd_posts = sites["prisoners_defenders"].site.ordered()
    assert len(pd_posts) >= 24 and len(sites["ocdh"].site.posts) >= 24
    first = pd_posts[0]
    assert re.fullmatch(r"[\d.]+ presos políticos en Cuba en \w+ de \d{4}", first.subtitle)
    assert "contiene un total de" in first.content
    oc = sites["ocdh"].site.ordered()[0]
    assert re.search(r"<p>Madrid, \d{1,2} de \w+ de \d{4}</p>", oc.content)
    assert re.search(r"\d+ acciones represivas.*\d+ detenciones arbitrarias.*\d+ otros abusos",
                     oc.content)
