"""`monitor history --as-of` and `monitor latest --as-of`: the archive as it stood then; a
revision recorded later does not show. Times come from the test-only $MONITOR_TEST_NOW."""

from __future__ import annotations

import datetime as dt
import json

from conftest import run_monitor
from fixtures.crawl_site import crawl_config
from fixtures.pd_posts import correction_post, report_post
from monitor.wpsite import Site

PD = "prisoners_defenders"
TOTAL = "political_prisoners_total"


def _json(r) -> list[dict]:
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_as_of_answers_before_and_after_a_revision(tmp_path, serve):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-09", {TOTAL: 1180, "new_political_prisoners": 20}))
    site.add(report_post("2025-10", {TOTAL: 1185, "new_political_prisoners": 13}))
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    r = run_monitor("crawl", "--no-notify", config=cfg,
                    env={"MONITOR_TEST_NOW": "2025-11-12T09:00"})
    assert r.returncode == 0, r.stderr
    # the October total is corrected in a later post, recorded on 2025-11-20 at 10:30
    site.add(correction_post("2025-10", 1191, dt.date(2025, 11, 19)))
    r = run_monitor("crawl", "--no-notify", config=cfg,
                    env={"MONITOR_TEST_NOW": "2025-11-20T10:30"})
    assert r.returncode == 0, r.stderr

    def history(*extra: str) -> dict[str, int]:
        rows = _json(run_monitor("history", "--source", PD, "--metric", TOTAL,
                                 "--format", "json", *extra, config=cfg))
        return {row["period"]: row["value"] for row in rows}

    assert history() == {"2025-09": 1180, "2025-10": 1191}
    assert history("--as-of", "2025-11-15") == {"2025-09": 1180, "2025-10": 1185}
    assert history("--as-of", "2025-11-20T10:29") == {"2025-09": 1180, "2025-10": 1185}
    assert history("--as-of", "2025-11-20T10:30") == {"2025-09": 1180, "2025-10": 1191}
    assert history("--as-of", "2025-11-20") == {"2025-09": 1180, "2025-10": 1191}  # whole day
    assert history("--as-of", "2025-11-01") == {}  # before the monitor knew anything

    def latest(*extra: str) -> dict:
        rows = _json(run_monitor("latest", "--source", PD, "--format", "json", *extra,
                                 config=cfg))
        return next(row for row in rows if row["metric"] == TOTAL)

    before = latest("--as-of", "2025-11-15")
    assert (before["period"], before["value"], before["previous_value"], before["change"]) == (
        "2025-10", 1185, 1180, 5)
    now = latest()
    assert (now["period"], now["value"], now["change"]) == ("2025-10", 1191, 11)
    assert latest("--as-of", "2025-11-21")["value"] == 1191

    r = run_monitor("history", "--as-of", "last tuesday", config=cfg)
    assert r.returncode == 2 and "--as-of" in r.stderr
    r = run_monitor("latest", "--as-of", "2025-02-30", config=cfg)
    assert r.returncode == 2 and "--as-of" in r.stderr
