"""Charts that do not mislead and print well (issue 12 point 18): a y-axis from zero (or
a plain note), no room past the last period, markers that do not touch, 2x PNGs."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from conftest import run_monitor
from fixtures.known_archive import make_archive
from monitor import archive
from monitor.chart import embedded_series

pytest.importorskip("matplotlib")
SVG = "{http://www.w3.org/2000/svg}"


def _chart(db, out, *extra):
    r = run_monitor("--db", str(db), "chart", "--source", "prisoners_defenders", "--metric",
                    "political_prisoners_total", "--out", str(out), *extra)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _group(root, gid):
    return next(el for el in root.iter() if el.get("id") == gid)


def _numbers(d: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]


def test_png_is_2x_by_default_and_width_dpi_set_it(tmp_path):
    db = make_archive(tmp_path / "k.db")
    assert _png_size(_chart(db, tmp_path / "a.png"))[0] == 1760   # 880 px at 2x
    assert _png_size(_chart(db, tmp_path / "b.png", "--width", "600", "--dpi", "110"))[0] == 600
    assert _png_size(_chart(db, tmp_path / "c.png", "--width", "600"))[0] == 1200
    r = run_monitor("--db", str(db), "chart", "--source", "prisoners_defenders", "--metric",
                    "political_prisoners_total", "--out", str(tmp_path / "d.png"),
                    "--dpi", "0")
    assert r.returncode == 2 and "--dpi" in r.stderr


def test_y_axis_starts_at_zero_or_says_it_does_not(tmp_path):
    db = make_archive(tmp_path / "k.db")
    raw = _chart(db, tmp_path / "a.svg")
    assert embedded_series(raw)["y_axis_from_zero"] is True
    root = ET.fromstring(raw)
    ticks = ["".join(t.itertext()).strip() for g in root.iter(SVG + "g")
             if (g.get("id") or "").startswith("ytick") for t in g.iter(SVG + "text")]
    assert "0" in ticks, ticks
    assert "does not start at zero" not in raw.decode()
    raw = _chart(db, tmp_path / "z.svg", "--zoom")
    assert embedded_series(raw)["y_axis_from_zero"] is False
    subtitle = "".join(_group(ET.fromstring(raw), "subtitle").itertext())
    assert "y-axis does not start at zero" in subtitle


def test_the_x_axis_ends_at_the_last_period(tmp_path):
    db = make_archive(tmp_path / "k.db")
    root = ET.fromstring(_chart(db, tmp_path / "a.svg"))
    area = _numbers(next(_group(root, "plot-area").iter(SVG + "path")).get("d"))
    right = max(area[0::2])
    line = _numbers(next(_group(root, "series").iter(SVG + "path")).get("d"))
    last_x = line[-2]
    assert abs(last_x - right) < 1.0, (last_x, right)


def test_markers_are_left_out_where_they_would_touch(tmp_path):
    db = make_archive(tmp_path / "k.db")
    root = ET.fromstring(_chart(db, tmp_path / "few.svg"))
    assert len(list(_group(root, "series").iter(SVG + "use"))) == 3  # one per month
    conn = archive.connect(db)
    with archive.transaction(conn):
        for i in range(240):  # twenty years of months
            y, m = divmod(i, 12)
            conn.execute("INSERT OR IGNORE INTO figures (source, metric, period, value,"
                         " qualifier, first_seen, last_changed) VALUES ('prisoners_defenders',"
                         " 'political_prisoners_total', ?, ?, 'exact', 'x', 'x')",
                         (f"{2000 + y}-{m + 1:02d}", 100 + i))
    conn.close()
    root = ET.fromstring(_chart(db, tmp_path / "many.svg"))
    assert list(_group(root, "series").iter(SVG + "use")) == []
    # wider, they fit again
    root = ET.fromstring(_chart(db, tmp_path / "wide.svg", "--width", "4000"))
    assert len(list(_group(root, "series").iter(SVG + "use"))) > 200
