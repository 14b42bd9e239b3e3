"""`[publish] dir`: a real `monitor daemon` republishes the site after a cycle that stored
figures, through a `monitor publish` child (the daemon itself never loads lxml)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def wait_for(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_daemon_publishes_after_a_cycle_that_stored_figures(tmp_path, serve):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    srv = serve(site)
    out = tmp_path / "public"
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       extra='[schedule]\ninterval = "6h"\njitter = "0s"\n\n'
                             '[publish]\ndir = "public"\nlang = "es"\n'
                             'base_url = "https://example.org/m"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    log = tmp_path / "daemon.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg),
                                 "daemon"], stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                env=env)
    try:
        wait_for(lambda: (out / "feed.atom").exists(), 120, "the published site")
        page = (out / "index.html").read_text(encoding="utf-8")
        assert '<html lang="es">' in page and "1.187" in page
        assert "https://example.org/m/series/prisoners_defenders/" in (
            out / "feed.atom").read_text(encoding="utf-8")
        assert (out / "series/prisoners_defenders/political_prisoners_total.html").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    assert rc == 0, log.read_text()
    assert "published" in log.read_text()
