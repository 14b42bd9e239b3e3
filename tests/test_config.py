"""config.toml documents the defaults, and every way of naming a config works."""

from __future__ import annotations

import subprocess

import pytest

from conftest import ROOT, run_monitor
from monitor import archive, config


def test_shipped_config_toml_is_exactly_the_defaults(tmp_path, monkeypatch):
    shipped = config.load(str(ROOT / "config.toml"))
    monkeypatch.chdir(tmp_path)  # no ./config.toml here: built-in defaults
    builtin = config.load(None)
    assert shipped.raw == builtin.raw


def test_monitor_config_env_and_db_override(tmp_path):
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[database]\npath = "sub/archive.db"\n[sources.ocdh]\nenabled = false\n')
    r = run_monitor("status", "--format", "csv", env={"MONITOR_CONFIG": str(cfg)}, cwd=tmp_path)
    # relative to the config's folder; status never creates an archive
    assert r.returncode == 1 and f"no archive at {tmp_path / 'sub' / 'archive.db'}" in r.stderr
    assert not (tmp_path / "sub").exists()
    archive.connect(tmp_path / "sub" / "archive.db").close()
    r = run_monitor("status", "--format", "csv", env={"MONITOR_CONFIG": str(cfg)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ocdh,disabled" in r.stdout
    archive.connect(tmp_path / "other.db").close()
    r = run_monitor("--db", str(tmp_path / "other.db"), "status", "--format", "csv",
                    env={"MONITOR_CONFIG": str(cfg)}, cwd=tmp_path)
    assert r.returncode == 0 and "ocdh,disabled" in r.stdout, r.stderr


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


def _load_error(tmp_path, text: str) -> str:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(config.ConfigError) as exc:
        config.load(str(cfg))
    return str(exc.value)


@pytest.mark.parametrize("text, key, words", [
    # absurd values: each names the key and the allowed range (issue 17 point 9)
    ('[crawl]\ndownload_delay = inf\n', "crawl.download_delay", "between 0 and 300"),
    ('[crawl]\ndownload_delay = nan\n', "crawl.download_delay", "between 0 and 300"),
    ('[crawl]\ndownload_delay = -1\n', "crawl.download_delay", "between 0 and 300"),
    ('[schedule]\ninterval = "99999999999d"\n', "schedule.interval", "at most"),
    ('[schedule]\ninterval = "400d"\n', "schedule.interval", '"1s" and "366d"'),
    ('[sources.ocdh]\ninterval = "0s"\n', "sources.ocdh.interval", '"1s" and "366d"'),
    ('[crawl]\nmax_page_size = 0\n', "crawl.max_page_size", '"1KB" and "1GB"'),
    ('[crawl]\nmax_page_size = "0MB"\n', "crawl.max_page_size", '"1KB" and "1GB"'),
    ('[crawl]\ntimeout = "0s"\n', "crawl.timeout", '"1s" and "1h"'),
    ('[database]\npath = ""\n', "database.path", "must not be empty"),
    ('[schedule]\nrun_timeout = "0s"\n', "schedule.run_timeout", '"1s" and "7d"'),
    ('[sources.ocdh]\nfailing_after = 0\n', "sources.ocdh.failing_after", "1 and 1000"),
    # both ways of scheduling in one table (issue 12 point 16)
    ('[schedule]\ninterval = "1h"\ncron = "0 * * * *"\n', "schedule.cron",
     "both cron and interval"),
    ('[sources.ocdh]\ninterval = "1h"\ncron = "0 * * * *"\n', "sources.ocdh.interval",
     "both cron and interval"),
    # a duration as a bare number says how to write it
    ('[schedule]\nrun_timeout = 30\n', "schedule.run_timeout", 'write "30s"'),
    ('[crawl]\ntimeout = 30\n', "crawl.timeout", 'write "30s"'),
    ('[sources.ocdh]\nstale_after = 45\n', "sources.ocdh.stale_after", 'write "45s"'),
    # a start URL the spider may not follow (issue 12 point 9)
    ('[sources.ocdh]\nstart_urls = ["https://example.com/feed/"]\n',
     "sources.ocdh.start_urls", "sources.ocdh.allowed_domains"),
])
def test_values_out_of_range_name_key_and_range(tmp_path, text, key, words):
    message = _load_error(tmp_path, text)
    assert key in message and words in message, message


def test_values_in_range_load(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[schedule]\ncron = "0 * * * *"\n[crawl]\ndownload_delay = 0\n'
                   'max_page_size = "50KB"\n[sources.ocdh]\ninterval = "1s"\n'
                   'start_urls = ["https://www.observacuba.org/feed/"]\n'
                   'stale_after = "0s"\n')
    loaded = config.load(str(cfg))
    assert loaded.sources["ocdh"].interval == 1
    assert loaded.schedule["backfill_idle_timeout"] == 600


def test_user_settings_live_outside_the_tracked_file():
    """config.toml stays the documented defaults: config.local.toml is ignored by git and
    the README shows how to point MONITOR_CONFIG at it."""
    r = subprocess.run(["git", "check-ignore", "-q", "config.local.toml"], cwd=ROOT)
    assert r.returncode == 0, "config.local.toml is not covered by .gitignore"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "config.local.toml" in readme and "MONITOR_CONFIG=" in readme
