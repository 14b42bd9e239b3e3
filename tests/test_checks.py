"""Arithmetic identities declared in source.toml: checked, stored, shown in the alert, in
`monitor latest` and in `monitor check`; a failure never withholds a figure."""

from __future__ import annotations

import json

import pytest

from conftest import run_monitor
from fixtures.crawl_site import crawl_config, db
from monitor import archive, checks, messages
from monitor.sources.prisoners_defenders.sample import report_post
from monitor.wpsite import Site


def figures(total: int, new: int, released: int, conv: int, sent: int) -> dict[str, int]:
    return {"political_prisoners_total": total, "new_political_prisoners": new,
            "released": released, "convicts_of_conscience": conv,
            "sentenced_of_conscience": sent, "other_political_prisoners": total - conv - sent,
            "women": 120, "minors": 25, "with_health_issues": 400}


def _config(tmp_path, srv, hook) -> object:
    cfg = crawl_config(tmp_path / "config.toml", srv)
    cfg.write_text(cfg.read_text() + f'\n[notify]\nurls = ["{hook.url}"]\n')
    return cfg


def test_identities_checked_in_the_alert_latest_and_check_command(tmp_path, serve, webhook):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-09", figures(1180, 20, 9, 300, 700)))
    site.add(report_post("2025-10", figures(1185, 13, 8, 310, 702)))
    srv = serve(site)
    cfg = _config(tmp_path, srv, webhook)

    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    body = webhook.received[-1]["message"]
    assert ("- Check (last month's total + new - released = this month's total): "
            "1,180 + 13 - 8 = 1,185 ✓") in body
    assert ("- Check (convicts + sentenced + other political prisoners = total): "
            "310 + 702 + 173 = 1,185 ✓") in body
    with db(tmp_path / "monitor.db") as conn:
        stored = [dict(r) for r in conn.execute('SELECT * FROM checks ORDER BY "check", period')]
    assert [(s["check"], s["period"], s["holds"], s["stated"], s["computed"], s["expression"])
            for s in stored] == [
        ("categories_sum", "2025-09", 1, 1180, 1180, "300 + 700 + 180 = 1180"),
        ("categories_sum", "2025-10", 1, 1185, 1185, "310 + 702 + 173 = 1185"),
        ("monthly_balance", "2025-10", 1, 1185, 1185, "1180 + 13 - 8 = 1185")]
    r = run_monitor("check", "--format", "json", config=cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert {k for row in got for k in row} >= {"source", "check", "period", "holds", "stated",
                                                "computed"}
    assert all(row["holds"] is True for row in got) and len(got) == 3

    # November's report does not add up: the figure is kept and alerted, the alert says so
    site.add(report_post("2025-11", figures(1187, 10, 5, 312, 700)))
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    alert = webhook.received[-1]
    assert alert["title"].startswith("Prisoners Defenders: 1,187 political prisoners in Cuba")
    assert ("- Check (last month's total + new - released = this month's total): does not "
            "add up: 1,185 + 10 - 5 = 1,190, the report says 1,187; check the source"
            ) in alert["message"]
    with db(tmp_path / "monitor.db") as conn:
        conn.row_factory = None
        assert conn.execute("SELECT value FROM figures WHERE metric='political_prisoners_total'"
                            " AND period='2025-11'").fetchone() == (1187,)
        # the Spanish alert line, from the same stored result
        conn.row_factory = archive.sqlite3.Row
        results = checks.for_period(conn, "prisoners_defenders", "2025-11")
        assert messages.check_lines(results, "prisoners_defenders", "es")[0] == (
            "- Comprobación (total del mes anterior + nuevos - excarcelados = total del mes): "
            "no cuadra: 1.185 + 10 - 5 = 1.190, el informe dice 1.187; revise la fuente")

    r = run_monitor("check", "--format", "csv", config=cfg)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "source,check,period,holds,stated,computed,difference,expression"
    assert "prisoners_defenders,monthly_balance,2025-11,False,1187,1190,-3,1185 + 10 - 5 = 1190" \
        in lines
    assert run_monitor("check", "--since", "2025-10", "--source", "ocdh",
                       config=cfg).returncode == 0
    r = run_monitor("check", "--since", "2025-12", config=cfg)
    assert r.returncode == 0 and "(no rows)" in r.stdout

    r = run_monitor("latest", "--source", "prisoners_defenders", "--format", "json",
                    config=cfg)
    assert r.returncode == 0, r.stderr
    latest = {row["metric"]: row for row in map(json.loads, r.stdout.splitlines())}
    assert latest["political_prisoners_total"]["check"] == "fails: monthly_balance"
    assert latest["released"]["check"] == "fails: monthly_balance"
    assert latest["convicts_of_conscience"]["check"] == "holds"
    assert latest["women"]["check"] == ""


@pytest.mark.parametrize(("figs", "expected"), [
    # OCDH: actions split into detentions and other abuses; detentions by sex
    ({("repressive_actions", "2016-03"): 500, ("arbitrary_detentions", "2016-03"): 300,
      ("other_abuses", "2016-03"): 200, ("detentions_women", "2016-03"): 120,
      ("detentions_men", "2016-03"): 178},
     {("actions_split", "2016-03"): (True, "300 + 200 = 500"),
      ("detentions_by_sex", "2016-03"): (False, "120 + 178 = 298")}),
    # a term missing: nothing is checked
    ({("repressive_actions", "2024-01"): 500, ("arbitrary_detentions", "2024-01"): 300},
     {}),
])
def test_ocdh_identities(figs, expected):
    results = checks.evaluate("ocdh", {k: (v, "exact") for k, v in figs.items()})
    assert {(r.check, r.period): (r.holds, r.expression) for r in results} == expected


def test_an_approximate_figure_is_not_checked():
    figs = {("political_prisoners_total", "2025-09"): (1180, "exact"),
            ("new_political_prisoners", "2025-10"): (13, "exact"),
            ("released", "2025-10"): (8, "about"),
            ("political_prisoners_total", "2025-10"): (1190, "exact")}
    assert checks.evaluate("prisoners_defenders", figs) == []
    # the same with an exact count does not add up
    figs[("released", "2025-10")] = (8, "exact")
    [res] = checks.evaluate("prisoners_defenders", figs)
    assert not res.holds and res.text() == (
        "does not add up: 1,180 + 13 - 8 = 1,185, the report says 1,190; check the source")
