"""`monitor chart`: valid PNG/SVG files that carry the series they were drawn from."""

from __future__ import annotations

import io
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from conftest import run_monitor
from fixtures.known_archive import make_archive
from monitor.chart import embedded_series
from monitor.cli import main

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def db(tmp_path):
    return make_archive(tmp_path / "known.db")


def chart(capsys, db, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "chart", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(db, source: str, metric: str) -> list[list]:
    conn = sqlite3.connect(db)
    try:
        return [[p, v] for p, v in conn.execute(
            "SELECT period, value FROM figures WHERE source=? AND metric=? AND"
            " length(period)=7 ORDER BY period", (source, metric))]
    finally:
        conn.close()


def test_svg_is_valid_and_drawn_from_the_archived_series(capsys, db, tmp_path):
    out = tmp_path / "total.svg"
    code, stdout, err = chart(capsys, db, "--source", "prisoners_defenders",
                              "--metric", "political_prisoners_total", "--out", str(out))
    assert code == 0, err
    assert stdout.startswith(f"wrote {out}: ")
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag == SVG + "svg"
    data = embedded_series(out.read_bytes())
    assert data["points"] == stored(db, "prisoners_defenders", "political_prisoners_total")
    assert data["points"] == [["2025-07", 1180], ["2025-08", 1185], ["2025-09", 1187]]
    assert data["latest"] == ["2025-09", 1187]
    # the revision (1183 -> 1185 for August) is marked
    assert [(r["period"], r["old_value"], r["new_value"]) for r in data["revisions"]] == [
        ("2025-08", 1183, 1185)]
    ids = {el.get("id") for el in root.iter()}
    assert {"series", "revised", "latest-label"} <= ids
    label = next(el for el in root.iter() if el.get("id") == "latest-label")
    assert "1,187" in "".join(label.itertext())


def test_png_is_valid_and_since_limits_the_series(capsys, db, tmp_path):
    out = tmp_path / "total.png"
    code, _, err = chart(capsys, db, "--source", "prisoners_defenders", "--metric",
                         "political_prisoners_total", "--since", "2025-08", "--out", str(out))
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as img:
        img.verify()
    data = embedded_series(raw)
    assert data["points"] == [["2025-08", 1185], ["2025-09", 1187]]
    assert data["latest"] == ["2025-09", 1187]


def test_qualifier_is_carried_into_the_chart_data(capsys, db, tmp_path):
    out = tmp_path / "actions.svg"
    code, _, err = chart(capsys, db, "--source", "ocdh", "--metric", "repressive_actions",
                         "--out", str(out))
    assert code == 0, err
    data = embedded_series(out.read_bytes())
    assert data["points"] == [["2025-09", 438]]
    assert data["qualifiers"] == {"2025-09": "at_least"}


def test_unknown_series_and_bad_output_name(capsys, db, tmp_path):
    code, _, err = chart(capsys, db, "--source", "ocdh", "--metric", "house_sieges",
                         "--out", str(tmp_path / "x.svg"))
    assert code == 1
    assert "no figures for ocdh house_sieges" in err and "repressive_actions" in err
    code, _, err = chart(capsys, db, "--source", "ocdh", "--metric", "women",
                         "--out", str(tmp_path / "x.svg"))
    assert code == 2 and "unknown metric 'women'" in err  # not an OCDH metric at all
    assert not (tmp_path / "x.svg").exists()
    code, _, err = chart(capsys, db, "--source", "ocdh", "--metric", "repressive_actions",
                         "--out", str(tmp_path / "x.jpg"))
    assert code == 2 and ".png or .svg" in err


def test_without_matplotlib_the_error_says_what_to_install(db, tmp_path):
    # an environment where `import matplotlib` fails, as on an install without the extra
    shadow = tmp_path / "shadow" / "matplotlib"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    r = run_monitor("--db", str(db), "chart", "--source", "prisoners_defenders", "--metric",
                    "political_prisoners_total", "--out", str(tmp_path / "c.png"),
                    env={"PYTHONPATH": str(tmp_path / "shadow")})
    assert r.returncode == 1
    assert "pip install 'monitor[chart]'" in r.stderr
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize(("periods", "segments"), [
    (["2024-11", "2024-12", "2025-01", "2025-02"], 1),   # across a year end: no gap
    (["2024-12", "2025-01", "2025-02", "2025-04"], 2),   # March missing
    (["2024-10", "2025-01", "2025-02", "2025-06"], 3),
    (["2021", "2022", "2023"], 1),
    (["2020", "2021", "2023"], 2),                         # 2022 missing
])
def test_the_line_breaks_where_a_period_is_missing(periods, segments):
    from monitor.chart import Point, Series, render

    series = Series("prisoners_defenders", "political_prisoners_total",
                    [Point(p, 100 + i, "exact", None) for i, p in enumerate(periods)])
    root = ET.fromstring(render(series, "svg"))
    line = next(el for el in root.iter() if el.get("id") == "series")
    path = next(el.get("d") for el in line.iter() if el.get("d"))
    assert path.count("M") == segments
