"""config.toml documents the defaults, and every way of naming a config works."""

from __future__ import annotations

from conftest import ROOT, run_monitor
from monitor import config


def test_shipped_config_toml_is_exactly_the_defaults(tmp_path, monkeypatch):
    shipped = config.load(str(ROOT / "config.toml"))
    monkeypatch.chdir(tmp_path)  # no ./config.toml here: built-in defaults
    builtin = config.load(None)
    assert shipped.raw == builtin.raw


def test_monitor_config_env_and_db_override(tmp_path):
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[database]\npath = "sub/archive.db"\n[sources.ocdh]\nenabled = false\n')
    r = run_monitor("status", "--format", "csv", env={"MONITOR_CONFIG": str(cfg)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sub" / "archive.db").exists()  # relative to the config's folder
    assert "ocdh,disabled" in r.stdout
    r = run_monitor("--db", str(tmp_path / "other.db"), "status", env={"MONITOR_CONFIG": str(cfg)},
                    cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "other.db").exists()


def test_bad_values_name_their_key(tmp_path):
    cases = {
        '[sources.prisoners_defenders]\nstale_after = "45 days"\n': "stale_after",
        '[sources.nope]\nenabled = true\n': "sources.nope",
        '[notify]\nlanguage = "fr"\n': "notify.language",
        '[schedule]\ncron = "every day"\n': "schedule.cron",
        '[crawl]\nobey_robots = "yes"\n': "crawl.obey_robots",
    }
    for text, key in cases.items():
        cfg = tmp_path / "c.toml"
        cfg.write_text(text)
        r = run_monitor("status", config=cfg, cwd=tmp_path)
        assert r.returncode == 2, (text, r.stderr)
        assert key in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
