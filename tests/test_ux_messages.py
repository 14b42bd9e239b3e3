"""Alert and summary wording (issue 12 point 17): no "change no change", no "(s)", the
source's declared metric order."""

from __future__ import annotations

import dataclasses
import random

from conftest import run_monitor
from fixtures.known_archive import make_archive
from monitor import archive, messages, sources
from monitor.archive.events import Event
from monitor.runner import RunOutcome


def _event(conn, **f):
    return archive.events.record(conn, run_id=None, **f)


def test_an_unchanged_figure_says_no_change_once(tmp_path):
    conn = archive.connect(tmp_path / "m.db")
    conn.execute("INSERT INTO figures (source, metric, period, value, qualifier, first_seen,"
                 " last_changed) VALUES ('ocdh', 'repressive_actions', '2025-11', 1302,"
                 " 'exact', 'x', 'x')")
    ev = _event(conn, source="ocdh", kind="new", metric="repressive_actions",
                period="2025-12", new_value=1302, qualifier="exact", url="http://x/")
    for lang, words in (("en", "(November 2025: 1,302, no change)"),
                        ("es", "(noviembre de 2025: 1.302, sin cambio)")):
        _title, body = messages.render_data("ocdh", [ev], lang,
                                            figures=archive.source_figures(conn, "ocdh"))
        assert words in body, body
        assert "change no change" not in body and "cambio sin cambio" not in body


def test_metrics_are_listed_in_the_declared_order(tmp_path):
    conn = archive.connect(tmp_path / "m.db")
    src = sources.get("prisoners_defenders")
    monthly = [m.name for m in src.metrics if m.period == "monthly"]
    shuffled = list(monthly)
    random.Random(7).shuffle(shuffled)
    evs = [_event(conn, source=src.name, kind="new", metric=m, period="2025-09",
                  new_value=100 + i, qualifier="exact", url="http://x/")
           for i, m in enumerate(shuffled)]
    _title, body = messages.render_data(src.name, evs, "en",
                                        figures=archive.source_figures(conn, src.name))
    labels = [messages._cap(src.label(m, "en")) for m in monthly]
    positions = [body.index(f"- {label}:") for label in labels]
    assert positions == sorted(positions), body


def test_counts_are_singular_or_plural_never_s_in_brackets(tmp_path):
    one = RunOutcome(source="ocdh", ok=True, pages_fetched=1, observations=1, events=1,
                     alerts=1).summary()
    assert "1 page fetched" in one and "1 alert message," in one and "1 event," in one
    assert "1 figure read" in one and "0 page errors" in one
    many = RunOutcome(source="ocdh", ok=True, pages_fetched=2, alerts=2).summary()
    assert "2 pages fetched" in many and "2 alert messages" in many
    gap = Event(id=1, source="ocdh", kind="extraction_gap", url="http://x/", period=None,
                details={"title": "Informe"}, created="2025-01-01T00:00:00Z")
    _t, body = messages.render_ops([gap], "en")
    assert "1 page looks like a monthly report" in body and "(s)" not in body
    _t, body = messages.render_ops([gap, dataclasses.replace(gap, id=2, url="http://y/")], "es")
    assert "2 páginas parecen un informe mensual" in body and "(s)" not in body
    db = make_archive(tmp_path / "known.db")
    r = run_monitor("--db", str(db), "chart", "--source", "prisoners_defenders", "--metric",
                    "political_prisoners_total", "--out", str(tmp_path / "c.svg"))
    assert r.returncode == 0, r.stderr
    assert "1 revision marked" in r.stdout and "(s)" not in r.stdout


def test_the_smtp_test_server_does_not_chatter_on_stderr(capsys, tmp_path, smtp):
    """`make test` output stays quiet: no aiosmtpd INFO lines, even after a `monitor`
    command in this process has set up INFO logging to stderr."""
    import smtplib

    from monitor.cli import main

    db = make_archive(tmp_path / "k.db")
    assert main(["--db", str(db), "latest", "--format", "csv"]) == 0
    capsys.readouterr()
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as client:
        client.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nhello\r\n")
    assert smtp.mailbox.wait(1)
    smtp.stop()
    err = capsys.readouterr().err
    assert "mail.log" not in err and "Peer:" not in err, err
