"""`monitor publish`: the static site built from the demo archive, crawled for real.

The demo sites are served on loopback and backfilled with `monitor crawl`; the site is
published, then a new month and a correction of an earlier one are crawled and it is
published again. Pages are parsed strictly (links, loads), the feed with feedparser, the
CSV against `monitor history`, and two pages are rendered in headless Chromium.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import posixpath
import re
import shutil
import sqlite3
import struct
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import run_monitor, write_config
from monitor import sources
from monitor.cli import main
from monitor.demo import build_sites, load_series
from monitor.wpsite import SiteServer

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
LOADING_TAGS = {"script", "iframe", "img", "object", "embed", "audio", "video", "source",
                "base", "frame", "applet", "picture", "track", "image", "use", "foreignobject"}


class Page(HTMLParser):
    """Parses one page strictly: every element closed in order, ids unique; collects links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value}")
                self.ids.add(value or "")
            if name in ("href", "src", "xlink:href", "action", "srcset", "poster", "data"):
                self.links.append((tag, name, value or ""))
            if name == "style":
                self.styles.append(value or "")
            if name.startswith("on"):
                self.errors.append(f"event handler {name} on <{tag}>")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._attrs(tag, attrs)
        self._in_style = tag == "style"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def check_site_pages(root: Path, allowed_external: set[str]) -> dict[str, Page]:
    """Every HTML page parses strictly, loads nothing, and every relative link resolves."""
    pages = {p.relative_to(root).as_posix(): Page(p.read_text(encoding="utf-8"))
             for p in sorted(root.rglob("*.html"))}
    assert pages, "no pages"
    problems: list[str] = []
    for rel, page in pages.items():
        problems += [f"{rel}: {e}" for e in page.errors]
        if page.tags[:2] != ["html", "head"] or "title" not in page.tags:
            problems.append(f"{rel}: no html/head/title")
        for tag in LOADING_TAGS & set(page.tags):
            problems.append(f"{rel}: <{tag}> element")
        for css in page.styles:
            if "url(" in css or "@import" in css:
                problems.append(f"{rel}: css loads something: {css[:60]}")
        for tag, attr, value in page.links:
            if attr != "href":
                problems.append(f"{rel}: {attr}= on <{tag}>")
                continue
            if value == "data:," and tag == "link":
                continue  # the empty favicon: keeps browsers from asking for /favicon.ico
            if value.startswith(("http://", "https://")):
                if tag != "a" or value not in allowed_external:
                    problems.append(f"{rel}: external URL {value} on <{tag}>")
                continue
            if ":" in value.split("/")[0] or value.startswith(("/", "//")):
                problems.append(f"{rel}: not a relative link: {value}")
                continue
            path, _, frag = value.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)) \
                if path else rel
            if target.startswith("..") or not (root / target).is_file():
                problems.append(f"{rel}: broken link {value}")
            elif frag and target.endswith(".html"):
                other = pages[target]
                if frag not in other.ids:
                    problems.append(f"{rel}: no #{frag} in {target}")
    assert not problems, "\n".join(problems)
    return pages


# -- the demo archive, crawled for real, published before and after a revision -------------


@dataclass
class Built:
    tmp: Path
    config: Path
    db: Path
    site: Path  # published after the second crawl
    before: dict[str, bytes]  # every file of the site published after the first crawl
    publish_out: str


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def cli(*args: str, config: Path) -> subprocess.CompletedProcess:
    """`monitor --config CONFIG ARGS...` in this process (faster than a subprocess; the
    crawls, which need their own process, use run_monitor)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--config", str(config), *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The demo sites backfilled by `monitor crawl`, published; then a new month and a
    correction of an earlier one are crawled and the site is published again."""
    tmp = tmp_path_factory.mktemp("publish")
    sites = build_sites()
    with SiteServer(sites.pd) as pd_srv, SiteServer(sites.ocdh) as ocdh_srv:
        cfg = write_config(tmp / "config.toml",
                           sites={"prisoners_defenders": pd_srv, "ocdh": ocdh_srv})
        ok(run_monitor("crawl", "--backfill", "--no-notify", config=cfg, timeout=180))
        site = tmp / "site"
        ok(cli("publish", str(site), config=cfg))
        before = files_of(site)
        for post in sites.later_pd:
            sites.pd.add(post)
        for post in sites.later_ocdh:
            sites.ocdh.add(post)
        ok(run_monitor("crawl", "--no-notify", config=cfg, timeout=180))
    out = ok(cli("publish", str(site), config=cfg)).stdout
    return Built(tmp, cfg, tmp / "monitor.db", site, before, out)


def query(db: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def source_urls(db: Path) -> set[str]:
    urls = {r[0] for r in query(db, "SELECT url FROM figures UNION SELECT url FROM events"
                                    " WHERE url IS NOT NULL")}
    return urls | {s.decl.get("homepage") for s in sources.all_sources()}


def test_the_site_has_the_layout_spec_names(built):
    files = files_of(built.site)
    names = [n for n in sources.names()]
    assert {"index.html", "feed.atom", "data/events.csv", "data/README.md",
            "data/SHA256SUMS"} <= set(files)
    for source in names:
        metrics = {r[0] for r in query(built.db, "SELECT DISTINCT metric FROM figures WHERE"
                                                 " source=?", (source,))}
        assert metrics, source
        for m in metrics:
            assert f"series/{source}/{m}.html" in files
            assert f"embed/{source}/{m}.svg" in files
        assert {f"data/{source}.csv", f"data/{source}.json"} <= set(files)
    assert "published" in built.publish_out


def test_every_page_is_valid_links_only_relatively_and_loads_nothing(built):
    pages = check_site_pages(built.site, source_urls(built.db))
    assert len(pages) == 1 + sum(1 for p in files_of(built.site) if p.startswith("series/"))
    text = "".join((built.site / p).read_text(encoding="utf-8") for p in pages)
    assert "<script" not in text.lower()


def test_index_leads_each_source_with_its_newest_headline_figure(built):
    doc = etree.HTML((built.site / "index.html").read_bytes())
    latest = {(r["source"], r["metric"]): r for r in query(built.db, "SELECT * FROM latest")}
    for source in sources.names():
        head = sources.get(source).headline[0]
        row = latest[(source, head)]
        (lead,) = doc.xpath(f'//section[@id="{source}"]//div[@class="lead"]')
        assert lead.get("data-period") == row["period"]
        big = lead.xpath('.//p[@class="big"]')[0]
        assert int(big.get("data-value")) == row["value"]
        assert f"{row['value']:,}" in "".join(big.itertext())
        change = "".join(lead.xpath('.//p[contains(@class,"change")]')[0].itertext())
        sign = "+" if row["change"] > 0 else "−"
        assert change.startswith(f"{sign}{abs(row['change']):,}"), change
        # the evidence and the page it came from, and a chart of the headline series
        assert " ".join(row["evidence"].split()) in "".join(
            doc.xpath(f'//section[@id="{source}"]//blockquote')[0].itertext())
        assert doc.xpath(f'//section[@id="{source}"]//a[@href="{row["url"]}"]')
        (fig,) = doc.xpath(f'//section[@id="{source}"]//figure[@data-metric="{head}"]')
        points = fig.xpath('.//*[local-name()="circle"][@class="point"]')
        n = query(built.db, "SELECT COUNT(*) FROM figures WHERE source=? AND metric=? AND"
                            " length(period)=7", (source, head))[0][0]
        assert len(points) == n
        # every metric's latest value, linked to its series page and its source
        for (src, metric), r in latest.items():
            if src != source:
                continue
            (tr,) = doc.xpath(f'//tr[@data-source="{src}" and @data-metric="{metric}"'
                              f' and @data-period="{r["period"]}"]')
            assert int(tr.xpath('.//td[@data-value]')[0].get("data-value")) == r["value"]
            assert tr.xpath(f'.//a[@href="series/{src}/{metric}.html"]')
            assert tr.xpath(f'.//a[@href="{r["url"]}"]')


def test_index_lists_recent_events_with_the_revision(built):
    doc = etree.HTML((built.site / "index.html").read_bytes())
    (rev,) = query(built.db, "SELECT * FROM events WHERE kind='revised'")
    (tr,) = doc.xpath(f'//tr[@class="event" and @data-id="{rev["id"]}"]')
    assert f"{rev['old_value']:,} → {rev['new_value']:,}" in "".join(tr.itertext())
    # newest first, and no operational event
    ids = [int(t.get("data-id")) for t in doc.xpath('//tr[@class="event"]')]
    assert ids == sorted(ids, reverse=True) and len(ids) == 25


def test_series_page_has_the_full_table_the_revision_and_the_methodology(built):
    series = load_series()
    rev = series["revision"]
    page = built.site / "series/prisoners_defenders/political_prisoners_total.html"
    doc = etree.HTML(page.read_bytes())
    figs = query(built.db, "SELECT * FROM figures WHERE source='prisoners_defenders' AND"
                           " metric='political_prisoners_total' ORDER BY period")
    rows = doc.xpath('//table[@class="series"]//tr[@class="figure"]')
    assert [r.get("data-period") for r in rows] == [f["period"] for f in reversed(figs)]
    by_period = {r.get("data-period"): r for r in rows}
    for f in figs:
        cells = by_period[f["period"]].xpath("./td")
        assert int(cells[1].get("data-value")) == f["value"]
        assert cells[3].xpath(".//a/@href") == [f["url"]]
        assert " ".join(f["evidence"].split()) == "".join(cells[4].itertext())
    old = series["prisoners_defenders"][rev["period"]]["political_prisoners_total"]
    revised = "".join(by_period[rev["period"]].xpath("./td")[6].itertext())
    assert revised.startswith(f"{old:,} (")
    assert "".join(by_period[figs[0]["period"]].xpath("./td")[6].itertext()) == ""
    # the chart marks the revision and labels the latest value
    (mark,) = doc.xpath('//*[local-name()="g"][@class="revision"]')
    assert (mark.get("data-period"), int(mark.get("data-old")), int(mark.get("data-new"))) \
        == (rev["period"], old, rev["political_prisoners_total"])
    (label,) = doc.xpath('//*[local-name()="text"][@class="latest-label"]')
    assert label.get("data-period") == figs[-1]["period"]
    assert label.text == f"{figs[-1]['value']:,}"
    note = "".join(doc.xpath('//section[@class="methodology"]//text()'))
    assert "verified" in note and "at least" in note


def test_feed_has_one_entry_per_figure_version_with_stable_ids(built):
    before = feedparser.parse(built.before["feed.atom"])
    after = feedparser.parse((built.site / "feed.atom").read_bytes())
    assert not before.bozo and not after.bozo, after.get("bozo_exception")
    keys = {(r[0], r[1], r[2], r[3]) for r in query(
        built.db, "SELECT source, metric, period, new_value FROM events WHERE kind IN"
                  " ('new','revised') UNION SELECT source, metric, period, value FROM figures")}
    assert len(after.entries) == len(keys)
    ids_before = {e.id: e for e in before.entries}
    ids_after = {e.id: e for e in after.entries}
    assert len(ids_after) == len(after.entries)  # unique
    # a rerun after a new crawl keeps every old entry as it was; the revision is a new one
    for id_, e in ids_before.items():
        assert id_ in ids_after
        assert ids_after[id_].updated == e.updated and ids_after[id_].title == e.title
    new = [ids_after[i] for i in set(ids_after) - set(ids_before)]
    (rev,) = query(built.db, "SELECT * FROM events WHERE kind='revised'")
    (entry,) = [e for e in new if f":{rev['period']}:{rev['new_value']}" in e.id
                and ":political_prisoners_total:" in e.id]
    assert f"revised from {rev['old_value']:,}" in entry.title
    assert entry.title.startswith(f"Prisoners Defenders: {rev['new_value']:,} political "
                                  "prisoners in Cuba")
    stored = rev["created"].replace("Z", "+00:00")
    assert entry.updated == stored
    assert entry.link == "series/prisoners_defenders/political_prisoners_total.html"
    # the new month arrived as new entries too
    newest = query(built.db, "SELECT MAX(period) FROM figures WHERE"
                             " source='prisoners_defenders'")[0][0]
    assert any(f":{newest}:" in e.id for e in new)
    assert after.feed.updated == max(e.updated for e in after.entries)


def test_feed_links_are_absolute_only_with_base_url(built, tmp_path):
    out = tmp_path / "absolute"
    ok(cli("publish", str(out), "--base-url", "https://example.org/cuba/",
                   config=built.config))
    feed = feedparser.parse((out / "feed.atom").read_bytes())
    assert not feed.bozo
    assert {e.link.rsplit("/series/", 1)[0] for e in feed.entries} == {
        "https://example.org/cuba"}
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        "https://example.org/cuba/feed.atom"]
    # the ids do not depend on where the site is served
    plain = feedparser.parse((built.site / "feed.atom").read_bytes())
    assert {e.id for e in feed.entries} == {e.id for e in plain.entries}
    # and the pages still link relatively: only the feed changed
    assert files_of(out)["index.html"] == files_of(built.site)["index.html"]
    r = cli("publish", str(tmp_path / "x"), "--base-url", "example.org",
                    config=built.config)
    assert r.returncode == 2 and "--base-url" in r.stderr


def test_csv_loads_back_as_the_history(built):
    for source in sources.names():
        hist = ok(cli("history", "--source", source, "--format", "csv",
                              config=built.config)).stdout
        want = list(csv.DictReader(io.StringIO(hist)))
        text = (built.site / f"data/{source}.csv").read_text(encoding="utf-8")
        got = list(csv.DictReader(io.StringIO(text)))
        assert want and len(got) == len(want)
        assert [{k: g[k] for k in w} for g, w in zip(got, want, strict=True)] == want
        # the JSON has the same rows, typed
        rows = json.loads((built.site / f"data/{source}.json").read_text(encoding="utf-8"))
        assert [{k: r[k] for k in ("metric", "period", "value")} for r in rows] == [
            {"metric": w["metric"], "period": w["period"], "value": int(w["value"])}
            for w in want]
        # the wide file: one row per month, one column per monthly metric
        wide = list(csv.DictReader(io.StringIO((built.site / f"data/{source}_monthly.csv")
                                               .read_text(encoding="utf-8"))))
        for w in want:
            if len(w["period"]) == 7:
                (row,) = [r for r in wide if r["period"] == w["period"]]
                assert row[w["metric"]] == w["value"]
    rev = query(built.db, "SELECT * FROM events WHERE kind='revised'")[0]
    pd = list(csv.DictReader(io.StringIO((built.site / "data/prisoners_defenders.csv")
                                         .read_text(encoding="utf-8"))))
    (row,) = [r for r in pd if r["metric"] == rev["metric"] and r["period"] == rev["period"]]
    assert row["revised_from"] == str(rev["old_value"])
    events = list(csv.DictReader(io.StringIO((built.site / "data/events.csv")
                                             .read_text(encoding="utf-8"))))
    assert [int(e["id"]) for e in events] == [r[0] for r in query(
        built.db, "SELECT id FROM events WHERE kind IN ('new','revised','conflict','late')"
                  " ORDER BY id")]


def test_data_dictionary_and_checksums(built):
    readme = (built.site / "data/README.md").read_text(encoding="utf-8")
    for column in ("period", "qualifier", "evidence", "first_seen", "revised_from",
                   "old_value"):
        assert f"| `{column}` |" in readme
    for source in sources.all_sources():
        for m in source.metrics:
            assert f"| `{m.name}` | {m.period} |" in readme
    sums = (built.site / "data/SHA256SUMS").read_text(encoding="ascii").splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split("  ")
        listed[name] = digest
    data_files = {p.name for p in (built.site / "data").iterdir()} - {"SHA256SUMS"}
    assert set(listed) == data_files
    for name, digest in listed.items():
        assert hashlib.sha256((built.site / "data" / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        ok(subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=built.site / "data",
                          capture_output=True, text=True))


def test_embedded_charts_stand_alone_with_source_and_date(built):
    path = built.site / "embed/prisoners_defenders/political_prisoners_total.svg"
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(path.read_bytes(), parser)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "600" and root.get("viewBox") == "0 0 600 360"
    texts = " ".join("".join(t.itertext()) for t in root.iter("{*}text"))
    latest = query(built.db, "SELECT * FROM latest WHERE source='prisoners_defenders' AND"
                             " metric='political_prisoners_total'")[0]
    assert "Prisoners Defenders" in texts and "prisonersdefenders.org" in texts
    assert latest["published"] in texts and latest["last_changed"][:10] in texts
    assert f"{latest['value']:,}" in texts
    for svg in (built.site / "embed").rglob("*.svg"):
        body = svg.read_text(encoding="utf-8")
        assert "href" not in body and "url(" not in body and "<script" not in body
        min_font = min(int(v) for v in re.findall(r'font-size="(\d+)"', body))
        assert min_font >= 12  # readable when shown 600 px wide


def test_rerun_with_no_change_rewrites_nothing(built, tmp_path):
    stat = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.site.rglob("*")}
    r = ok(cli("publish", str(built.site), config=built.config))
    assert "up to date" in r.stdout
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.site.rglob("*")} == stat
    # a build elsewhere gives the same bytes: nothing depends on the time or the folder
    other = tmp_path / "elsewhere" / "site"
    ok(cli("publish", str(other), config=built.config))
    assert files_of(other) == files_of(built.site)
    # no temporary folder is left beside the site
    assert sorted(p.name for p in other.parent.iterdir()) == [".site.lock", "site"]


def test_a_change_swaps_the_whole_site_in(built, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built.site, site)
    (site / "series/ocdh/stale.html").write_text("left over", encoding="utf-8")
    killed = tmp_path / ".site.new-killed"  # what a publish killed half way leaves behind
    (killed / "data").mkdir(parents=True)
    ok(cli("publish", str(site), config=built.config))
    assert files_of(site) == files_of(built.site)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "site"]


def test_refuses_to_replace_a_folder_it_did_not_write(built, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("do not lose me", encoding="utf-8")
    r = cli("publish", str(mine), config=built.config)
    assert r.returncode == 2 and "did not write" in r.stderr
    assert [p.name for p in mine.iterdir()] == ["thesis.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    ok(cli("publish", str(empty), config=built.config))
    assert (empty / "index.html").exists()


def test_spanish_interface_keeps_the_evidence_as_published(built, tmp_path):
    es = tmp_path / "es"
    ok(cli("publish", str(es), "--lang", "es", config=built.config))
    check_site_pages(es, source_urls(built.db))
    latest = query(built.db, "SELECT * FROM latest WHERE source='prisoners_defenders' AND"
                             " metric='political_prisoners_total'")[0]
    en_doc = etree.HTML((built.site / "index.html").read_bytes())
    es_doc = etree.HTML((es / "index.html").read_bytes())
    assert es_doc.get("lang") == "es" and en_doc.get("lang") == "en"
    def big(d):
        return "".join(d.xpath('//section[@id="prisoners_defenders"]//p[@class="big"]')[0]
                       .itertext())

    assert big(en_doc) == f"{latest['value']:,}"
    assert big(es_doc) == f"{latest['value']:,}".replace(",", ".")
    from monitor.extract.numbers import MONTH_NAMES_ES

    month = f"{MONTH_NAMES_ES[int(latest['period'][5:]) - 1]} de {latest['period'][:4]}"
    assert month in "".join(es_doc.xpath('//div[@class="lead"]//text()'))
    def quote(d):
        return "".join(d.xpath('//section[@id="prisoners_defenders"]//blockquote')[0]
                       .itertext())

    assert quote(en_doc) == quote(es_doc)
    assert "presos políticos en Cuba" in "".join(es_doc.xpath("//h1//text()|//p//text()"))
    assert "Cómo cuenta" in (es / "series/ocdh/repressive_actions.html").read_text("utf-8")
    feed = feedparser.parse((es / "feed.atom").read_bytes())
    assert feed.feed.language == "es" and not feed.bozo
    # the data is the same in every language; only the dictionary is translated
    assert files_of(es)["data/prisoners_defenders.csv"] == files_of(
        built.site)["data/prisoners_defenders.csv"]
    assert "Diccionario de datos" in (es / "data/README.md").read_text(encoding="utf-8")


# -- screenshots in a real browser ------------------------------------------------------------

def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("page", ["index.html",
                                  "series/prisoners_defenders/political_prisoners_total.html"])
def test_pages_render_in_headless_chromium(built, tmp_path_factory, page):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run "
                    "installs it)")
    from PIL import Image

    shots = tmp_path_factory.mktemp("screenshots")
    png = shots / (page.replace("/", "_") + ".png")
    width, height = 1200, 1600
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                        f"--user-data-dir={shots / 'profile'}",
                        f"--window-size={width},{height}", f"--screenshot={png}",
                        (built.site / page).as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert png.exists(), r.stderr[-2000:]
    data = png.read_bytes()
    assert _png_size(data) == (width, height)
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colors) > 50, "a blank or nearly blank page"
        hist = rgb.convert("L").histogram()
        inked = sum(hist[:200]) / (width * height)
        assert inked > 0.01, f"almost nothing drawn ({inked:.2%} of the page is ink)"
        # the chart's line colour is on screen: the inline SVG was rendered
        assert any(c[1] == (0x1f, 0x5f, 0x8b) for c in colors)
