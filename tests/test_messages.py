"""Alert texts rendered from recorded events: both languages, qualifiers, years, ops alerts."""

from __future__ import annotations

from monitor import archive, messages


def _archive(tmp_path):
    conn = archive.connect(tmp_path / "m.db")
    conn.execute("INSERT INTO figures (source, metric, period, value, qualifier, first_seen,"
                 " last_changed) VALUES ('ocdh', 'repressive_actions', '2025-11', 1302,"
                 " 'exact', 'x', 'x')")
    return conn


def _event(conn, **f):
    f.setdefault("source", "ocdh")
    return archive.events.record(conn, run_id=None, **f)


def test_ocdh_month_and_year_in_both_languages(tmp_path):
    conn = _archive(tmp_path)
    evs = [
        _event(conn, kind="new", metric="arbitrary_detentions", period="2025-12", new_value=412,
               qualifier="at_least", url="http://127.0.0.1:9/informe-diciembre/",
               evidence="al menos 412 detenciones arbitrarias"),
        _event(conn, kind="new", metric="repressive_actions", period="2025", new_value=15120,
               qualifier="exact", url="http://127.0.0.1:9/informe-diciembre/",
               evidence="15.120 acciones represivas en 2025"),
        _event(conn, kind="new", metric="repressive_actions", period="2025-12", new_value=1250,
               qualifier="exact", url="http://127.0.0.1:9/informe-diciembre/",
               evidence="1.250 acciones represivas en diciembre"),
    ]
    known = archive.source_figures(conn, "ocdh")
    title, body = messages.render_data("ocdh", evs, "en", figures=known)
    assert title == "OCDH: 1,250 repressive actions in Cuba, December 2025"
    assert "Repressive actions in Cuba: 1,250 (November 2025: 1,302, change -52)" in body
    assert "Arbitrary detentions: at least 412" in body
    assert "Repressive actions in the year: 15,120 (2024: no figure)" in body
    assert body.index("December 2025") < body.index("\n2025: new figures")
    assert body.count("http://127.0.0.1:9/informe-diciembre/") == 2  # once per group
    title, body = messages.render_data("ocdh", evs, "es", figures=known)
    assert title == "OCDH: 1.250 acciones represivas en Cuba, diciembre de 2025"
    assert "Acciones represivas en Cuba: 1.250 (noviembre de 2025: 1.302, cambio -52)" in body
    assert "Detenciones arbitrarias: al menos 412" in body
    assert "Acciones represivas en el año: 15.120 (2024: sin cifra)" in body


def test_ops_alerts_say_what_since_error_and_what_to_do(tmp_path):
    conn = _archive(tmp_path)
    failing = _event(conn, kind="source_failing", source="prisoners_defenders",
                     details={"failures": 3, "since": "2025-10-12T06:00:00Z",
                              "error": "start URL http://127.0.0.1:9/feed/ answered 503",
                              "start_urls": ["http://127.0.0.1:9/feed/"]})
    title, body = messages.render_ops([failing], "en")
    assert title == "monitor: Prisoners Defenders is failing (3 failed runs in a row)"
    assert "Since: 2025-10-12 06:00 UTC" in body
    assert "Last error: start URL http://127.0.0.1:9/feed/ answered 503" in body
    assert "What to do:" in body
    title, body = messages.render_ops([failing], "es")
    assert title == "monitor: Prisoners Defenders falla (3 ejecuciones fallidas seguidas)"
    assert "Desde: 2025-10-12 06:00 UTC" in body and "Último error:" in body
    assert "Qué hacer:" in body
    stale = _event(conn, kind="stale", source="prisoners_defenders",
                   details={"since": "2025-10-12T06:00:00Z", "newest": "2025-09",
                            "stale_after": 45 * 86400, "last_success": "2025-11-27T06:00:00Z"})
    title, body = messages.render_ops([stale], "en")
    assert title == "monitor: no new Prisoners Defenders figures since 2025-10-12"
    assert "newest period: September 2025" in body and "45 days" in body
    title, body = messages.render_ops([stale], "es")
    assert "septiembre de 2025" in body and "45 días" in body
