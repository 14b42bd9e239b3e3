"""OCDH end to end: a slug-style site with one release per month of the real series (every
format since 2015), backfilled through the listing pages into `figures` exactly."""

from __future__ import annotations

import json
import sqlite3

from conftest import SERIES, run_monitor, write_config
from fixtures.ocdh_posts import series_site, year_total


def test_backfill_reconstructs_the_real_series(tmp_path, serve):
    series = json.loads(SERIES.read_text(encoding="utf-8"))["ocdh"]
    site = series_site(series, per_page=8)
    assert len(site.posts) > site.per_page * 4          # several listing pages to walk
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"ocdh": srv})

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg, timeout=240)
    assert r.returncode == 0, r.stderr

    conn = sqlite3.connect(tmp_path / "monitor.db")
    try:
        rows = conn.execute("SELECT metric, period, value FROM figures WHERE source='ocdh'")
        got: dict[str, dict[str, int]] = {}
        yearly: dict[tuple[str, str], int] = {}
        for metric, per, value in rows:
            if len(per) == 4:
                yearly[(metric, per)] = value
            else:
                got.setdefault(per, {})[metric] = value
        gaps = conn.execute("SELECT count(*) FROM events WHERE kind='extraction_gap'"
                            ).fetchone()[0]
    finally:
        conn.close()
    missing = {p: {m: v for m, v in f.items() if got.get(p, {}).get(m) != v}
               for p, f in series.items()}
    extra = {p: {m: v for m, v in f.items() if series.get(p, {}).get(m) != v}
             for p, f in got.items()}
    assert got == series, (f"missing or different: { {p: f for p, f in missing.items() if f} }; "
                           f"not in the series: { {p: f for p, f in extra.items() if f} }")
    januaries = sorted(int(p[:4]) - 1 for p in series if p.endswith("-01") and p >= "2021")
    assert yearly == {("repressive_actions", str(y)): year_total(y) for y in januaries}
    assert gaps == 0
