"""What every extraction gets, whichever source reads the page: the real charset, no date
from the future, no month after the publication month, a reading stored with each figure,
and `monitor extract --explain`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from conftest import run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.extract import extract
from monitor.wpsite import Site

PD = "prisoners_defenders"
PD_URL = "https://www.prisonersdefenders.org/2025/09/11/informe/"


def page(title: str, paragraphs: list[str], published: str | None = "2025-09-11",
         charset: str = "UTF-8") -> str:
    meta = (f'<meta property="article:published_time" content="{published}T10:00:00+00:00">'
            if published else "")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><meta charset="{charset}">{meta}</head><body><article>'
            f"<h1>{title}</h1><div class='entry-content'>{body}</div></article></body></html>")


REPORT = ("Cuba: 1.185 presos políticos en agosto de 2025",
          ["La lista contiene un total de 1.185 presos políticos y de conciencia, según la "
           "organización."])


@pytest.mark.parametrize("declared", ["utf-16", "cp037", "utf-16-le", "ebcdic-cp-us"])
def test_page_declaring_another_charset_but_utf8_is_read_and_logged(declared, caplog):
    html = page(*REPORT, charset=declared).encode("utf-8")
    with caplog.at_level("WARNING", logger="monitor.extract"):
        res = extract(PD, html, PD_URL)
    assert [(o.metric, o.period, o.value) for o in res.observations] == [
        ("political_prisoners_total", "2025-08", 1185)]
    assert "políticos" in res.observations[0].evidence
    assert any(f"declares charset {declared}" in r.getMessage() for r in caplog.records)


def test_real_utf16_page_with_its_bom_is_read():
    html = page(*REPORT, charset="utf-16").encode("utf-16")
    res = extract(PD, html, PD_URL)
    assert [(o.metric, o.value) for o in res.observations] == [
        ("political_prisoners_total", 1185)]


def test_publication_date_in_the_future_is_ignored(caplog):
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    html = page("Presos políticos en Cuba", [
        "Al cierre de agosto, la lista contenía 1.185 presos políticos."], published=future)
    with caplog.at_level("WARNING", logger="monitor.extract"):
        res = extract(PD, html, PD_URL)        # the URL's date (2025-09-11) is used instead
    assert res.published != future
    assert [(o.metric, o.period) for o in res.observations] == [
        ("political_prisoners_total", "2025-08")]
    assert any("in the future" in r.getMessage() for r in caplog.records)


def test_a_month_after_the_publication_month_is_dropped_with_a_reason(caplog):
    html = page("Cuba: 1.150 presos políticos en marzo de 2026", [
        "Al cierre de marzo de 2026, la lista contenía 1.150 presos políticos."],
        published="2025-04-10")
    with caplog.at_level("WARNING", logger="monitor.extract"):
        res = extract(PD, html, "https://news.example/informe/")
    assert all(o.period <= "2025-04" for o in res.observations)
    assert any("after publication month" in n for n in res.notes)
    assert any("after publication month" in r.getMessage() for r in caplog.records)


def test_every_observation_carries_a_reading():
    res = extract(PD, page(*REPORT), PD_URL)
    assert res.observations
    for o in res.observations:
        r = json.loads(json.dumps(o.reading))
        assert r["period"] == o.period and r["window"] == "month" and r["rule"]
        assert "reading" not in o.as_dict()        # `monitor extract` keys stay the SPEC's


def test_cli_explain_prints_readings_on_stderr_and_keeps_stdout_json(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(page("Cuba: 1.150 presos políticos en marzo de 2026", [
        "La lista contiene un total de 1.185 presos políticos al cierre de agosto de 2025.",
        "Al cierre de marzo de 2026, la lista contenía 1.150 presos políticos."],
        published="2025-09-10"), encoding="utf-8")
    r = run_monitor("extract", "--source", PD, str(path), "--url", PD_URL, "--explain")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows and all(set(row) == {"source", "metric", "period", "value", "qualifier",
                                     "published", "url", "evidence"} for row in rows)
    assert ("political_prisoners_total", "2025-08", 1185) in {
        (x["metric"], x["period"], x["value"]) for x in rows}
    explain = [line for line in r.stderr.splitlines() if line.startswith("explain:")]
    assert any("political_prisoners_total 2025-08" in line for line in explain)
    assert any("after publication month" in line for line in explain)
    plain = run_monitor("extract", "--source", PD, str(path), "--url", PD_URL)
    assert plain.stdout == r.stdout and "explain:" not in plain.stderr


def test_crawl_stores_each_observation_with_its_reading(tmp_path, serve):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-08", {"political_prisoners_total": 1185,
                                     "new_political_prisoners": 13}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={PD: srv})
    r = run_monitor("crawl", "--no-notify", config=cfg, timeout=180)
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(tmp_path / "monitor.db")
    rows = conn.execute("SELECT metric, period, reading FROM observations").fetchall()
    conn.close()
    assert {(m, p) for m, p, _ in rows} >= {("political_prisoners_total", "2025-08"),
                                            ("new_political_prisoners", "2025-08")}
    for _metric, per, raw in rows:
        reading = json.loads(raw)
        assert reading["period"] == per and reading["window"] == "month"
