"""A third source registered from a folder under tests/ runs end to end: crawl, extract,
store, diff and alert, with nothing about it in the pipeline (sources are units)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.request
from pathlib import Path

from conftest import run_monitor
from fixtures.crawl_site import db
from monitor.wpsite import Post, Site

TOY = Path(__file__).resolve().parent / "sources" / "toy_detenidos"
MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre"]


def toy_post(y: int, m: int, detained: int, released: int, still: int) -> Post:
    """A monthly note of the toy organisation, at /informe/<slug>/ (its declared post_path)."""
    mes = MESES[m - 1]
    pub = dt.date(y + (m == 12), m % 12 + 1, 3)
    return Post(
        slug=f"informe/balance-de-{mes}-{y}", title=f"Balance de {mes} de {y}", published=pub,
        content=(f"<p>Durante {mes} de {y} fueron {detained} personas detenidas en la "
                 f"provincia, y {released} personas liberadas.</p>\n"
                 f"<p>Al cierre de {mes} de {y}, {still} personas siguen detenidas.</p>\n"
                 f"<p>En lo que va de año suman {detained * 9} detenciones.</p>"))


def toy_config(tmp_path: Path, srv, hook_url: str, plugin_dir: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[database]\npath = "monitor.db"\n\n'
        f'[plugins]\nsource_dirs = ["{plugin_dir}"]\n\n'
        '[crawl]\ndownload_delay = 0.0\ntimeout = "10s"\n\n'
        '[sources.prisoners_defenders]\nenabled = false\n\n'
        '[sources.ocdh]\nenabled = false\n\n'
        f'[sources.toy_detenidos]\nstart_urls = ["{srv.base_url}/feed/"]\n'
        f'allowed_domains = ["{srv.host}"]\n\n'
        f'[notify]\nurls = ["{hook_url}"]\n', encoding="utf-8")
    return cfg


def test_toy_source_from_a_plugin_folder_crawls_extracts_diffs_and_alerts(
        tmp_path, serve, webhook):
    # the folder is copied next to the config: plugins.source_dirs is relative to it
    shutil.copytree(TOY, tmp_path / "plugins" / "toy_detenidos")
    site = Site("Observatorio de Juguete", style="slug")
    site.add(toy_post(2025, 9, 25, 5, 100))
    site.add(toy_post(2025, 10, 30, 10, 120))
    # a page outside the declared post_path is never fetched as a post
    site.add(Post(slug="quienes-somos", title="Quiénes somos", published=dt.date(2025, 1, 1),
                  content="<p>En enero de 2025 fueron 999 personas detenidas.</p>"))
    srv = serve(site)
    cfg = toy_config(tmp_path, srv, webhook.url, "plugins")

    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    with db(tmp_path / "monitor.db") as conn:
        figs = {(f["metric"], f["period"]): f["value"] for f in conn.execute(
            "SELECT * FROM figures WHERE source='toy_detenidos'")}
        posts = {p["url"] for p in conn.execute("SELECT url FROM pages WHERE kind='post'")}
    assert figs == {("detained", "2025-09"): 25, ("released_detainees", "2025-09"): 5,
                    ("still_detained", "2025-09"): 100, ("detained", "2025-10"): 30,
                    ("released_detainees", "2025-10"): 10, ("still_detained", "2025-10"): 120}
    assert not any("quienes-somos" in u for u in posts)
    # one data alert, for the newest month, headline first, labels from the declaration
    assert len(webhook.received) == 1
    alert = webhook.received[0]
    assert alert["title"] == "Toy Watch: 30 people detained, October 2025"
    body = alert["message"]
    assert "- People detained: 30 (September 2025: 25, change +5)" in body
    assert "- Still detained at month end: 120 (September 2025: 100, change +20)" in body
    assert body.index("People detained") < body.index("Detainees released") < body.index(
        "Still detained")
    assert f"Source: {srv.base_url}/informe/balance-de-octubre-2025/" in body
    # its own declared identity is checked like a built-in one
    assert ("- Check (still detained last month + detained - released = still detained): "
            "100 + 30 - 10 = 120 ✓") in body

    # a new month: alerted alone; the history, latest and extract commands know the source
    site.add(toy_post(2025, 11, 12, 40, 92))
    r = run_monitor("crawl", "--source", "toy_detenidos", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(webhook.received) == 2
    assert webhook.received[1]["title"] == "Toy Watch: 12 people detained, November 2025"
    r = run_monitor("latest", "--source", "toy_detenidos", "--format", "json", config=cfg)
    assert r.returncode == 0, r.stderr
    latest = {row["metric"]: row for row in map(json.loads, r.stdout.splitlines())}
    assert latest["still_detained"]["value"] == 92
    assert latest["still_detained"]["change"] == -28

    page = tmp_path / "page.html"
    with urllib.request.urlopen(f"{srv.base_url}/informe/balance-de-noviembre-2025/") as resp:
        page.write_bytes(resp.read())
    r = run_monitor("extract", "--source", "toy_detenidos", str(page), config=cfg)
    assert r.returncode == 0, r.stderr
    got = {(o["metric"], o["period"], o["value"]) for o in map(json.loads, r.stdout.splitlines())}
    assert got == {("detained", "2025-11", 12), ("released_detainees", "2025-11", 40),
                   ("still_detained", "2025-11", 92)}


def test_a_source_folder_is_registered_by_env_or_config_and_unknown_ones_are_refused(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><div class='entry-content'><p>Durante marzo de "
                    "2024 fueron 7 personas detenidas.</p></div></article></body></html>")
    r = run_monitor("extract", "--source", "toy_detenidos", str(page), cwd=tmp_path)
    assert r.returncode == 2 and "unknown source 'toy_detenidos'" in r.stderr
    assert "prisoners_defenders" in r.stderr  # the known names are listed
    r = run_monitor("extract", "--source", "toy_detenidos", str(page), cwd=tmp_path,
                    env={"MONITOR_SOURCE_DIRS": str(TOY.parent)})
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["value"] for line in r.stdout.splitlines()] == [7]

    # a config table for a source nobody registered is an error naming it
    cfg = tmp_path / "c.toml"
    cfg.write_text("[sources.toy_detenidos]\nenabled = false\n")
    r = run_monitor("status", config=cfg, cwd=tmp_path)
    assert r.returncode == 2 and "sources.toy_detenidos" in r.stderr
    cfg.write_text(f'[plugins]\nsource_dirs = ["{TOY.parent}"]\n'
                   "[sources.toy_detenidos]\nenabled = false\n")
    r = run_monitor("status", "--format", "csv", config=cfg, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "toy_detenidos,disabled" in r.stdout
    cfg.write_text('[plugins]\nsource_dirs = ["no-such-folder"]\n')
    r = run_monitor("status", config=cfg, cwd=tmp_path)
    assert r.returncode == 2 and "plugins.source_dirs" in r.stderr
    # a declaration that cannot work is refused when registered, naming file and key
    broken = tmp_path / "broken" / "toy_detenidos"
    shutil.copytree(TOY, broken)
    decl = broken / "source.toml"
    decl.write_text(decl.read_text().replace('"-released_detainees"', '"-freed"'))
    cfg.write_text(f'[plugins]\nsource_dirs = ["{broken.parent}"]\n')
    r = run_monitor("status", config=cfg, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert str(decl) in r.stderr and "'freed' is not a declared metric" in r.stderr
    r = run_monitor("extract", "--source", "toy_detenidos", str(page), cwd=tmp_path,
                    env={"MONITOR_SOURCE_DIRS": str(broken.parent)})
    assert r.returncode == 2 and "identities.detained_balance" in r.stderr
