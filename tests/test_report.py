"""`monitor report`: the published site's front page as one self-contained file (an alias
over `monitor publish`'s renderer), with every latest figure linked to its source."""

from __future__ import annotations

import re
import sqlite3

import lxml.html
import pytest

from fixtures.known_archive import make_archive
from monitor import archive
from monitor.cli import main


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The known archive and its report, built once (drawing charts takes a moment)."""
    tmp = tmp_path_factory.mktemp("report")
    db = make_archive(tmp / "known.db")
    out = tmp / "report.html"
    code = main(["--db", str(db), "report", "--out", str(out)])
    assert code == 0
    return db, out, out.read_text(encoding="utf-8")


def report(capsys, db, out) -> tuple[int, str, str]:
    code = main(["--db", str(db), "report", "--out", str(out)])
    stdout, err = capsys.readouterr()
    return code, stdout, err


def rows(db, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_report_has_every_latest_figure_linked_to_its_source(built):
    db, _out, text = built
    doc = lxml.html.fromstring(text)
    latest = rows(db, "SELECT * FROM latest")
    assert len(latest) == 4
    for r in latest:
        (tr,) = doc.xpath(f'//tr[@data-source="{r["source"]}" and @data-metric="{r["metric"]}"'
                          f' and @data-period="{r["period"]}"]')
        (cell,) = tr.xpath('.//td[@data-value]')
        assert int(cell.get("data-value")) == r["value"]
        assert f"{r['value']:,}" in cell.text_content()
        assert cell.xpath(".//a/@href") == [r["url"]]
    # the qualifier is shown with the value, the change with its sign
    (ocdh,) = doc.xpath('//tr[@data-metric="repressive_actions"]//td[@data-value]')
    assert ocdh.text_content() == "at least 438"
    (pd_row,) = doc.xpath('//tr[@data-metric="political_prisoners_total"]')
    assert "+2" in pd_row.text_content() and "1,185" in pd_row.text_content()


def test_report_has_a_chart_of_each_headline_series_drawn_from_the_archive(built):
    doc = lxml.html.fromstring(built[2])
    charts = {(f.get("data-source"), f.get("data-metric")): f
              for f in doc.xpath("//figure[@class='chart']")}
    assert set(charts) == {("prisoners_defenders", "political_prisoners_total"),
                           ("ocdh", "repressive_actions")}
    pd_chart = charts[("prisoners_defenders", "political_prisoners_total")]
    points = [(c.get("data-period"), int(c.get("data-value")))
              for c in pd_chart.xpath(".//svg//circle[@class='point']")]
    assert points == [("2025-07", 1180), ("2025-08", 1185), ("2025-09", 1187)]
    (rev,) = pd_chart.xpath(".//svg//g[@class='revision']")
    assert (rev.get("data-period"), rev.get("data-old")) == ("2025-08", "1183")
    (label,) = pd_chart.xpath(".//svg//text[@class='latest-label']")
    assert label.text == "1,187"


def test_report_lists_recent_events(built):
    doc = lxml.html.fromstring(built[2])
    ids = [int(tr.get("data-id")) for tr in doc.xpath("//tr[@class='event']")]
    assert ids == [5, 3, 2, 1]  # figure events only: the source_failing one is not news
    (rev,) = doc.xpath("//tr[@data-id='3']")
    assert "1,183 → 1,185" in rev.text_content()


def test_report_opens_without_network(built):
    db, _out, text = built
    doc = lxml.html.fromstring(text)
    # the one <link> is the empty favicon (data:,), which keeps browsers from fetching one
    assert [el.get("href") for el in doc.xpath("//link")] == ["data:,"]
    for tag in ("script", "iframe", "img", "object", "embed", "base", "audio",
                "video", "source"):
        assert not doc.xpath(f"//{tag}"), tag
    assert not doc.xpath("//@src")
    sources = {r["url"] for r in rows(db, "SELECT url FROM figures UNION SELECT url FROM"
                                          " events WHERE url IS NOT NULL")}
    for el in doc.iter():
        for name, value in el.attrib.items():
            if name.endswith("href"):
                # one file: no link to the rest of the site, only to the source pages
                assert (el.tag == "a" and value in sources) or (
                    el.tag == "link" and value == "data:,"), value
    assert "@import" not in text
    assert re.findall(r"url\((?!#)", text) == []
    # no URL anywhere in the page except the links to the source pages
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= sources


def test_report_never_links_anything_but_http(capsys, tmp_path):
    db = make_archive(tmp_path / "evil.db")
    conn = archive.connect(db)
    conn.execute("UPDATE figures SET url = 'javascript:alert(1)', evidence = '<script>x'"
                 " WHERE source = 'ocdh'")
    conn.close()
    out = tmp_path / "report.html"
    assert report(capsys, db, out)[0] == 0
    text = out.read_text(encoding="utf-8")
    assert "javascript:" not in text and "<script" not in text
    doc = lxml.html.fromstring(text)
    (cell,) = doc.xpath('//tr[@data-metric="repressive_actions"]//td[@data-value]')
    assert cell.text_content() == "at least 438" and not cell.xpath(".//a")


def test_report_on_an_empty_archive(capsys, tmp_path):
    db = tmp_path / "empty.db"
    archive.connect(db).close()
    out = tmp_path / "report.html"
    code, stdout, _ = report(capsys, db, out)
    assert code == 0
    assert stdout.startswith(f"wrote {out}: 0 latest figures, ")
    assert "no figures yet" in out.read_text(encoding="utf-8")


def test_report_in_spanish(capsys, tmp_path):
    db = make_archive(tmp_path / "known.db")
    out = tmp_path / "informe.html"
    assert main(["--db", str(db), "report", "--lang", "es", "--out", str(out)]) == 0
    doc = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert doc.get("lang") == "es"
    (pd_row,) = doc.xpath('//tr[@data-metric="political_prisoners_total"]')
    assert "1.187" in pd_row.text_content() and "septiembre de 2025" in pd_row.text_content()
    (ocdh,) = doc.xpath('//tr[@data-metric="repressive_actions"]//td[@data-value]')
    assert ocdh.text_content() == "al menos 438"
