"""Alert semantics through the real store path: extractor, SQLite, apprise to loopback.

Each test feeds rendered fixture pages to `runner.store` (the function a crawl calls after
fetching; no Scrapy, so these are fast), delivers with `notify.deliver_pending` to a real
HTTP receiver or SMTP server, and checks what a person receives and what the archive says.
Figures are read from whatever the PD extractor emits, so a richer extractor keeps these
tests valid.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from pathlib import Path

from conftest import Webhook
from fixtures.pd_posts import report_post
from monitor import archive, notify, runner
from monitor.config import Config, load
from monitor.extract.base import Extraction, Observation
from monitor.wpsite import Post, Site, render_post

PD = "prisoners_defenders"
BASE = "http://127.0.0.1:9"  # pages are rendered as if served here; nothing is fetched


def make_config(tmp_path: Path, *, urls: list[str] = (), language: str = "en",
                pd_extra: str = "", notify_extra: str = "") -> Config:
    text = "\n".join([
        '[database]', 'path = "monitor.db"', '',
        '[notify]', f'urls = {json.dumps(list(urls))}', f'language = "{language}"',
        notify_extra, '',
        f'[sources.{PD}]', f'start_urls = ["{BASE}/feed/"]', 'allowed_domains = ["127.0.0.1"]',
        pd_extra, '', '[sources.ocdh]', 'enabled = false', ''])
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load(str(path), None)


def cycle(cfg: Config, posts: list[Post] = (), *, failed: bool = False, send: bool = True,
          results: dict[str, Extraction] | None = None) -> runner.RunOutcome:
    """One run of the PD source over `posts`, then delivery, as `monitor crawl` does."""
    site = Site("Prisoners Defenders")
    pages = [runner.PageInput(BASE + p.path("dated"), "post", 200, None, None,
                              render_post(site, p, BASE).encode()) for p in posts]
    conn = archive.connect(cfg.db_path)
    try:
        targets = notify.load_targets(cfg)
        out = runner.store(cfg, conn, cfg.sources[PD], runner.Run(
            pages, archive.now(), time.monotonic(), targets, send=send, failed=failed,
            error="start URL refused the connection" if failed else None, results=results))
        if send:
            notify.deliver_pending(conn, cfg, targets=targets)
        return out
    finally:
        conn.close()


def rows(cfg: Config, sql: str, *args) -> list[dict]:
    conn = sqlite3.connect(cfg.db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def url_of(post: Post) -> str:
    return BASE + post.path("dated")


def test_new_month_one_message_with_every_figure_previous_and_change(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    aug = report_post("2025-08", {"political_prisoners_total": 1185,
                                  "new_political_prisoners": 13, "released": 7})
    cycle(cfg, [aug])
    assert len(webhook.received) == 1
    sep = report_post("2025-09", {"political_prisoners_total": 1187,
                                  "new_political_prisoners": 11, "released": 9})
    cycle(cfg, [aug, sep])
    assert len(webhook.received) == 2
    msg = webhook.received[1]
    assert msg["title"] == "Prisoners Defenders: 1,187 political prisoners in Cuba, September 2025"
    body = msg["message"]
    assert "Political prisoners in Cuba: 1,187 (August 2025: 1,185, change +2)" in body
    assert url_of(sep) in body and url_of(aug) not in body
    figs = rows(cfg, "SELECT metric, value, evidence FROM figures WHERE period='2025-09'")
    assert figs
    for f in figs:  # every figure the extractor read is in the one message, with evidence
        assert f"{f['value']:,}" in body
        assert " ".join(f["evidence"].split()) in body


def test_three_new_figures_for_a_month_make_one_message(tmp_path, webhook, smtp):
    cfg = make_config(tmp_path, urls=[webhook.url, smtp.url])
    post = report_post("2025-09", {"political_prisoners_total": 1187})
    url = url_of(post)
    ex = Extraction(source=PD, url=url, title=post.title, published="2025-10-10", text="")
    for metric, value, sentence in [
            ("political_prisoners_total", 1187, "un total de 1.187 presos políticos"),
            ("new_political_prisoners", 11, "se incorporaron 11 nuevos presos políticos"),
            ("women", 121, "121 mujeres presas políticas")]:
        ex.observations.append(Observation(PD, metric, "2025-09", value, "exact",
                                           "2025-10-10", url, sentence))
    ex.headline_found = True
    cycle(cfg, [post], results={url: ex})
    assert len(webhook.received) == 1
    assert len(smtp.mailbox.wait(1)) == 1 and len(smtp.mailbox.wait(2, timeout=0.5)) == 1
    body = webhook.received[0]["message"]
    assert "Political prisoners in Cuba: 1,187" in body
    assert "New political prisoners: 11" in body
    assert "Women political prisoners: 121" in body
    assert body.count(url) == 1  # one source line for the page, not one per figure
    assert body.index("1,187") < body.index("11 (")  # headline figure first
    events = rows(cfg, "SELECT kind FROM events WHERE kind='new'")
    assert len(events) == 3
    note = rows(cfg, "SELECT event_ids, status FROM notifications")
    assert len(note) == 2 and all(len(json.loads(n["event_ids"])) == 3 for n in note)
    assert {n["status"] for n in note} == {"sent"}


def test_revised_figure_says_revised_from_x_to_y(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    first = report_post("2025-09", {"political_prisoners_total": 1185})
    cycle(cfg, [first])
    later = report_post("2025-09", {"political_prisoners_total": 1190},
                        published=dt.date(2025, 10, 20))
    cycle(cfg, [first, later])
    assert len(webhook.received) == 2
    msg = webhook.received[1]
    assert "revised from 1,185 to 1,190" in msg["message"]
    assert "(change +5)" in msg["message"]
    assert msg["title"].startswith("Prisoners Defenders: 1,190 political prisoners in Cuba, "
                                   "September 2025")
    assert url_of(later) in msg["message"]
    fig = rows(cfg, "SELECT value, url FROM figures WHERE metric='political_prisoners_total'")
    assert fig == [{"value": 1190, "url": url_of(later)}]
    ev = rows(cfg, "SELECT old_value, new_value FROM events WHERE kind='revised'")
    assert ev == [{"old_value": 1185, "new_value": 1190}]


def test_accepted_value_is_from_latest_page_whatever_the_order(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    older = report_post("2025-09", {"political_prisoners_total": 1185})
    newer = report_post("2025-09", {"political_prisoners_total": 1190},
                        published=dt.date(2025, 10, 20))
    cycle(cfg, [newer])       # the later page is seen first ...
    cycle(cfg, [older])       # ... the earlier one later (a backfill): nothing changes
    fig = rows(cfg, "SELECT value FROM figures WHERE metric='political_prisoners_total'")
    assert fig == [{"value": 1190}]
    assert rows(cfg, "SELECT kind FROM events WHERE kind IN ('revised','conflict')") == []
    assert len(webhook.received) == 1


def test_same_day_disagreement_is_one_conflict_and_keeps_accepted(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    a = report_post("2025-09", {"political_prisoners_total": 1185})
    cycle(cfg, [a])
    b = report_post("2025-09", {"political_prisoners_total": 1190}, published=a.published)
    cycle(cfg, [a, b])
    cycle(cfg, [a, b])
    assert rows(cfg, "SELECT value FROM figures WHERE metric='political_prisoners_total'"
                ) == [{"value": 1185}]
    conflicts = rows(cfg, "SELECT old_value, new_value FROM events WHERE kind='conflict'")
    assert conflicts == [{"old_value": 1185, "new_value": 1190}]
    assert len(webhook.received) == 2
    msg = webhook.received[1]
    assert "conflicting" in msg["title"] and "please check" in msg["title"]
    assert "1,185, 1,190" in msg["message"] and "stays 1,185" in msg["message"]
    assert url_of(a) in msg["message"] and url_of(b) in msg["message"]


def test_backfill_on_empty_archive_sends_only_newest_period(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    posts = [report_post(f"2025-{m:02d}", {"political_prisoners_total": 1100 + m})
             for m in range(3, 10)]
    cycle(cfg, posts)
    assert len(webhook.received) == 1
    msg = webhook.received[0]
    assert msg["title"] == "Prisoners Defenders: 1,109 political prisoners in Cuba, September 2025"
    assert "1,108" in msg["message"]            # the previous period, for the change
    assert "March 2025" not in msg["message"]
    news = rows(cfg, "SELECT period, alert FROM events WHERE kind='new' ORDER BY period")
    assert [n["period"] for n in news] == [f"2025-{m:02d}" for m in range(3, 10)]
    assert [n["alert"] for n in news] == [0] * 6 + [1]


def test_both_languages(tmp_path, webhook):
    for lang, title, line in [
        ("en", "Prisoners Defenders: 1,185 political prisoners in Cuba, September 2025",
         "Political prisoners in Cuba: 1,185 (August 2025: 1,190, change -5)"),
        ("es", "Prisoners Defenders: 1.185 presos políticos en Cuba, septiembre de 2025",
         "Presos políticos en Cuba: 1.185 (agosto de 2025: 1.190, cambio -5)"),
    ]:
        d = tmp_path / lang
        d.mkdir()
        cfg = make_config(d, urls=[webhook.url], language=lang)
        cycle(cfg, [report_post("2025-08", {"political_prisoners_total": 1190})])
        cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1185})])
        msg = webhook.received[-1]
        assert msg["title"] == title
        assert line in msg["message"]
    en, es = webhook.received[1]["message"], webhook.received[3]["message"]
    assert "Evidence:" in en and "Source:" in en
    assert "Texto:" in es and "Fuente:" in es and "Septiembre de 2025: cifras nuevas" in es


def test_failing_and_recovered_once_per_state_change(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url], pd_extra="failing_after = 2")
    post = report_post("2025-09", {"political_prisoners_total": 1187})
    cycle(cfg, [post])
    assert len(webhook.received) == 1
    cycle(cfg, failed=True)
    assert len(webhook.received) == 1           # one failure is not yet "failing"
    cycle(cfg, failed=True)
    cycle(cfg, failed=True)
    cycle(cfg, failed=True)
    assert len(webhook.received) == 2
    msg = webhook.received[1]
    assert msg["title"] == "monitor: Prisoners Defenders is failing (2 failed runs in a row)"
    assert "Last error: start URL refused the connection" in msg["message"]
    assert "What to do:" in msg["message"] and "Since: " in msg["message"]
    cycle(cfg, [post])
    cycle(cfg, [post])
    assert len(webhook.received) == 3
    assert webhook.received[2]["title"] == "monitor: Prisoners Defenders works again"
    assert "after 4 failed runs" in webhook.received[2]["message"]
    kinds = [r["kind"] for r in rows(cfg, "SELECT kind FROM events WHERE kind LIKE 'source_%'"
                                          " ORDER BY id")]
    assert kinds == ["source_failing", "source_recovered"]
    cycle(cfg, failed=True)
    cycle(cfg, failed=True)
    assert len(webhook.received) == 4 and "failing" in webhook.received[3]["title"]


def test_stale_once_per_state_change_and_never_on_first_crawl(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url], pd_extra='stale_after = "0s"')
    aug = report_post("2025-08", {"political_prisoners_total": 1185})
    cycle(cfg, [aug])
    assert [m["title"] for m in webhook.received] == [
        "Prisoners Defenders: 1,185 political prisoners in Cuba, August 2025"]
    cycle(cfg, [aug])
    cycle(cfg, [aug])
    assert len(webhook.received) == 2
    stale = webhook.received[1]
    assert stale["title"].startswith("monitor: no new Prisoners Defenders figures since ")
    assert "newest period: August 2025" in stale["message"]
    assert "What to do:" in stale["message"]
    # an older period found later (backfill) does not reset the clock
    jul = report_post("2025-07", {"political_prisoners_total": 1180})
    cycle(cfg, [jul])
    assert len(webhook.received) == 2
    # a new period resets it; going stale again alerts again, once
    sep = report_post("2025-09", {"political_prisoners_total": 1187})
    cycle(cfg, [sep])
    assert len(webhook.received) == 3 and "1,187" in webhook.received[2]["title"]
    cycle(cfg, [sep])
    cycle(cfg, [sep])
    assert len(webhook.received) == 4 and "no new" in webhook.received[3]["title"]
    assert len(rows(cfg, "SELECT id FROM events WHERE kind='stale'")) == 2


def test_extraction_gap_goes_to_ops_target_once(tmp_path):
    ops, data = Webhook(), Webhook()
    try:
        apprise_cfg = tmp_path / "apprise.yml"
        apprise_cfg.write_text(f"urls:\n  - {ops.url}:\n      tag: ops\n  - {data.url}\n")
        cfg = make_config(tmp_path, notify_extra=f'config = "{apprise_cfg}"')
        gap = Post(slug="informe-mensual", title="Prisoners Defenders: presos políticos en "
                   "Cuba en octubre de 2025", published=dt.date(2025, 11, 10),
                   content="<p>El informe de este mes se publicará en formato PDF.</p>")
        cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1187}), gap])
        cycle(cfg, [gap])
        gaps = [m for m in ops.received if "without a headline figure" in m["title"]]
        assert len(gaps) == 1
        assert url_of(gap) in gaps[0]["message"] and "What to do:" in gaps[0]["message"]
        assert not any("headline" in m["title"] for m in data.received)
        assert len(data.received) == 1 and "1,187" in data.received[0]["title"]
    finally:
        ops.stop()
        data.stop()


def test_routing_by_tags_from_apprise_yaml(tmp_path):
    hooks = {name: Webhook() for name in ("ops", "pd", "ocdh", "plain")}
    try:
        apprise_cfg = tmp_path / "apprise.yml"
        apprise_cfg.write_text(
            "urls:\n"
            f"  - {hooks['ops'].url}:\n      tag: ops\n"
            f"  - {hooks['pd'].url}:\n      tag: {PD}\n"
            f"  - {hooks['ocdh'].url}:\n      tag: ocdh\n"
            f"  - {hooks['plain'].url}\n")
        cfg = make_config(tmp_path, pd_extra="failing_after = 1",
                          notify_extra=f'config = "{apprise_cfg}"')
        cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1187})])
        cycle(cfg, failed=True)
        got = {k: [m["title"] for m in h.received] for k, h in hooks.items()}
        data_title = "Prisoners Defenders: 1,187 political prisoners in Cuba, September 2025"
        assert got["pd"] == [data_title]
        assert got["plain"] == [data_title]
        assert got["ocdh"] == []
        assert len(got["ops"]) == 2 and got["ops"][0] == data_title
        assert "failing" in got["ops"][1]
        names = {r["target"] for r in rows(cfg, "SELECT target FROM notifications")}
        base = hooks["pd"].url.rsplit("/", 1)[0]
        assert f"[{PD}] {base}/****" in names  # a webhook's path may hold a token: masked
    finally:
        for h in hooks.values():
            h.stop()


def test_no_notify_rows_are_unsent_and_never_sent_later(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1187})], send=False)
    assert rows(cfg, "SELECT status FROM notifications") == [{"status": "unsent"}]
    cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1187})])
    assert webhook.received == []
    assert rows(cfg, "SELECT status FROM notifications") == [{"status": "unsent"}]


def test_failed_delivery_retried_with_backoff_and_never_resent(tmp_path, webhook):
    cfg = make_config(tmp_path, urls=[webhook.url])
    webhook.fail_next = 2
    cycle(cfg, [report_post("2025-09", {"political_prisoners_total": 1187})])
    note = rows(cfg, "SELECT status, attempts, last_error, next_attempt FROM notifications")[0]
    assert note["status"] == "pending" and note["attempts"] == 1
    assert "500" in note["last_error"] and note["next_attempt"]
    conn = archive.connect(cfg.db_path)
    try:
        # the daemon honours the backoff: not due yet, so not tried
        assert notify.deliver_pending(conn, cfg, honor_backoff=True) == (0, 0)
        assert webhook.attempts == 1
        # a later crawl retries regardless of backoff
        assert notify.deliver_pending(conn, cfg) == (0, 1)
        conn.execute("UPDATE notifications SET next_attempt='2000-01-01T00:00:00Z'")
        assert notify.deliver_pending(conn, cfg, honor_backoff=True) == (1, 0)
        assert notify.deliver_pending(conn, cfg) == (0, 0)
    finally:
        conn.close()
    assert len(webhook.received) == 1 and webhook.attempts == 3
    note = rows(cfg, "SELECT status, attempts, last_error, sent_at FROM notifications")[0]
    assert note["status"] == "sent" and note["attempts"] == 3
    assert note["last_error"] is None and note["sent_at"]


def test_a_message_carries_exactly_the_events_recorded_as_alerted(tmp_path, webhook):
    """Two months in one run (as a backfill finds them): the data message lists the newest
    month's events, which the archive records alert=1 under the ids the message names;
    the older month's are recorded alert=0 and appear in no message."""
    cfg = make_config(tmp_path, urls=[webhook.url])
    aug = report_post("2025-08", {"political_prisoners_total": 1185})
    sep = report_post("2025-09", {"political_prisoners_total": 1187})
    cycle(cfg, [aug, sep])
    assert len(webhook.received) == 1
    events = rows(cfg, "SELECT id, period, alert FROM events WHERE kind='new'")
    sent = [e["id"] for e in events if e["alert"]]
    assert {e["period"] for e in events if e["alert"]} == {"2025-09"}
    assert {e["period"] for e in events if not e["alert"]} == {"2025-08"}
    note = rows(cfg, "SELECT category, event_ids FROM notifications")
    assert [(n["category"], json.loads(n["event_ids"])) for n in note] == [("data", sent)]
    assert "August 2025: 1,185" in webhook.received[0]["message"]
    assert url_of(aug) not in webhook.received[0]["message"]
