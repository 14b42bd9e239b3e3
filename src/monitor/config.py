"""Load and validate config.toml: every key optional, unknown keys and wrong types are errors.

Validation happens once, at load time, so a typo in a key fails the command that reads it
instead of being silently ignored by a daemon that runs for months.
"""

from __future__ import annotations

import copy
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE_NAMES = ("prisoners_defenders", "ocdh")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the key."""


_DURATION = re.compile(r"^(\d+)([smhd])$")
_SIZE = re.compile(r"^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE_UNITS = {
    "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3,
}


def parse_duration(text: str, key: str = "duration") -> int:
    """Seconds in a `<integer><s|m|h|d>` string."""
    if not isinstance(text, str):
        raise ConfigError(_number_for_duration(key, text) if _is_number(text) else
                          f"{key}: expected a duration string like \"6h\", got {text!r}")
    m = _DURATION.match(text.strip())
    if not m:
        raise ConfigError(f"{key}: bad duration {text!r} (use <integer><s|m|h|d>, e.g. \"30m\")")
    seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds > MAX_DURATION:
        raise ConfigError(f"{key}: {text!r} is too long (at most \"{MAX_DURATION // 86400}d\")")
    return seconds


MAX_DURATION = 3650 * 86400  # ten years: anything longer is a typo, and overflows dates


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_for_duration(key: str, value: Any) -> str:
    """A bare number where a duration belongs: say how to write it."""
    n = int(value) if isinstance(value, float) and value.is_integer() else value
    return (f"{key}: a duration needs a unit: write \"{n}s\" (or \"{n}m\", \"{n}h\", "
            f"\"{n}d\"), not the number {value!r}")


def parse_size(text: Any, key: str = "size") -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    m = _SIZE.match(str(text).strip()) if isinstance(text, str) else None
    if not m:
        raise ConfigError(f"{key}: bad size {text!r} (use e.g. \"10MB\")")
    return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]


def _source_defaults(name: str) -> dict[str, Any]:
    hosts = {"prisoners_defenders": "prisonersdefenders.org", "ocdh": "observacuba.org"}
    www = "www." if name == "prisoners_defenders" else ""
    return {
        "enabled": True,
        "start_urls": [f"https://{www}{hosts[name]}/feed/"],
        "allowed_domains": [hosts[name]],
        "max_listing_pages": 3,
        "stale_after": "45d",
        "failing_after": 3,
        "interval": None,
        "cron": None,
        "jitter": None,
        "run_timeout": None,
    }


DEFAULTS: dict[str, Any] = {
    "database": {"path": "db/monitor.db"},
    "schedule": {"interval": "6h", "cron": None, "jitter": "15m", "run_timeout": "30m",
                 "backfill_idle_timeout": "10m"},
    "crawl": {
        "user_agent": "monitor (+https://example.org/contact)",
        "obey_robots": True,
        "download_delay": 1.0,
        "timeout": "30s",
        "max_page_size": "10MB",
    },
    "sources": {name: _source_defaults(name) for name in SOURCE_NAMES},
    "notify": {"urls": [], "config": "", "language": "en", "ops_tag": "ops"},
}

# Expected type per key; None-default keys are optional strings.
_TYPES: dict[str, Any] = {
    "database.path": str,
    "schedule.interval": str, "schedule.cron": str, "schedule.jitter": str,
    "schedule.run_timeout": str, "schedule.backfill_idle_timeout": str,
    "crawl.user_agent": str, "crawl.obey_robots": bool, "crawl.download_delay": float,
    "crawl.timeout": str, "crawl.max_page_size": (str, int),
    "source.enabled": bool, "source.start_urls": list, "source.allowed_domains": list,
    "source.max_listing_pages": int, "source.stale_after": str, "source.failing_after": int,
    "source.interval": str, "source.cron": str, "source.jitter": str, "source.run_timeout": str,
    "notify.urls": list, "notify.config": str, "notify.language": str, "notify.ops_tag": str,
}

_DURATION_KEYS = {"interval", "jitter", "run_timeout", "timeout", "stale_after"}


@dataclass
class SourceConfig:
    name: str
    enabled: bool
    start_urls: list[str]
    allowed_domains: list[str]
    max_listing_pages: int
    stale_after: int
    failing_after: int
    interval: int | None
    cron: str | None
    jitter: int
    run_timeout: int


@dataclass
class Config:
    path: Path | None
    db_path: Path
    crawl: dict[str, Any]
    schedule: dict[str, Any]
    sources: dict[str, SourceConfig]
    notify: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def timeout(self) -> int:
        return self.crawl["timeout"]

    @property
    def max_page_size(self) -> int:
        return self.crawl["max_page_size"]

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources.values() if s.enabled]


def _check_type(key: str, typekey: str, value: Any) -> None:
    expected = _TYPES[typekey]
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(expected, tuple):
        ok = isinstance(value, expected) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok and expected is str and _is_number(value) and _is_duration_key(key):
        raise ConfigError(_number_for_duration(key, value))
    if not ok:
        name = expected.__name__ if isinstance(expected, type) else "string"
        raise ConfigError(f"{key}: expected {name}, got {type(value).__name__} {value!r}")
    if expected is list and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings")


def _is_duration_key(key: str) -> bool:
    last = key.rsplit(".", 1)[-1]
    return last in _DURATION_KEYS or last.endswith(("_timeout", "_after", "_every", "_grace"))


def _merge(data: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(DEFAULTS)
    for section, body in data.items():
        if section not in DEFAULTS:
            raise ConfigError(f"unknown config section [{section}]")
        if not isinstance(body, dict):
            raise ConfigError(f"{section}: expected a table")
        if section == "sources":
            for sname, sbody in body.items():
                if sname not in SOURCE_NAMES:
                    raise ConfigError(
                        f"unknown source [sources.{sname}] (known: {', '.join(SOURCE_NAMES)})")
                if not isinstance(sbody, dict):
                    raise ConfigError(f"sources.{sname}: expected a table")
                for k, v in sbody.items():
                    key = f"sources.{sname}.{k}"
                    if f"source.{k}" not in _TYPES:
                        raise ConfigError(f"unknown config key {key}")
                    _check_type(key, f"source.{k}", v)
                    merged["sources"][sname][k] = v
            continue
        for k, v in body.items():
            key = f"{section}.{k}"
            if key not in _TYPES:
                raise ConfigError(f"unknown config key {key}")
            _check_type(key, key, v)
            merged[section][k] = v
    return merged


def _dur(value: Any, key: str) -> int | None:
    return None if value is None else parse_duration(value, key)


def build(data: dict[str, Any], path: Path | None, db_override: str | None = None) -> Config:
    merged = _merge(data)
    _check_schedule_choice(data)
    base = path.parent if path else Path.cwd()
    sched = merged["schedule"]
    schedule = {
        "interval": _dur(sched["interval"], "schedule.interval"),
        "cron": sched["cron"],
        "jitter": _dur(sched["jitter"], "schedule.jitter"),
        "run_timeout": _dur(sched["run_timeout"], "schedule.run_timeout"),
        "backfill_idle_timeout": _dur(sched["backfill_idle_timeout"],
                                      "schedule.backfill_idle_timeout"),
    }
    if schedule["cron"]:
        _check_cron(schedule["cron"], "schedule.cron")
    crawl = dict(merged["crawl"])
    crawl["timeout"] = parse_duration(crawl["timeout"], "crawl.timeout")
    crawl["max_page_size"] = parse_size(crawl["max_page_size"], "crawl.max_page_size")
    sources: dict[str, SourceConfig] = {}
    for name, s in merged["sources"].items():
        key = f"sources.{name}"
        if s["cron"]:
            _check_cron(s["cron"], f"{key}.cron")
        for u in s["start_urls"]:
            if not re.match(r"^https?://", u):
                raise ConfigError(f"{key}.start_urls: not an http(s) URL: {u!r}")
        sources[name] = SourceConfig(
            name=name,
            enabled=s["enabled"],
            start_urls=list(s["start_urls"]),
            allowed_domains=list(s["allowed_domains"]),
            max_listing_pages=s["max_listing_pages"],
            stale_after=parse_duration(s["stale_after"], f"{key}.stale_after"),
            failing_after=s["failing_after"],
            interval=_dur(s["interval"], f"{key}.interval") if s["interval"] else (
                None if s["cron"] else schedule["interval"]),
            cron=s["cron"] or (None if s["interval"] else schedule["cron"]),
            jitter=_dur(s["jitter"], f"{key}.jitter") if s["jitter"] else schedule["jitter"],
            run_timeout=(_dur(s["run_timeout"], f"{key}.run_timeout") if s["run_timeout"]
                         else schedule["run_timeout"]),
        )
    notify = dict(merged["notify"])
    if notify["language"] not in ("en", "es"):
        raise ConfigError(f"notify.language: expected \"en\" or \"es\", got {notify['language']!r}")
    if notify["config"]:
        notify["config"] = str((base / notify["config"]).resolve())
    db = Path(db_override) if db_override else base / merged["database"]["path"]
    cfg = Config(path=path, db_path=db, crawl=crawl, schedule=schedule, sources=sources,
                 notify=notify, raw=merged)
    check_ranges(cfg)
    return cfg


def _check_cron(expr: str, key: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expr)
    except ValueError as exc:
        raise ConfigError(f"{key}: bad cron expression {expr!r}: {exc}") from None


def resolve_path(explicit: str | None) -> Path | None:
    """--config, else $MONITOR_CONFIG, else ./config.toml if it exists, else None (defaults)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    local = Path("config.toml")
    return local if local.exists() else None


def load(explicit: str | None = None, db_override: str | None = None) -> Config:
    path = resolve_path(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        path = path.resolve()
    return build(data, path, db_override)


def _check_schedule_choice(data: dict[str, Any]) -> None:
    """`cron` and `interval` in one table is ambiguous: which one schedules the runs?"""
    tables = [("schedule", data.get("schedule"))]
    tables += [(f"sources.{n}", t) for n, t in (data.get("sources") or {}).items()]
    for name, table in tables:
        if isinstance(table, dict) and table.get("cron") and table.get("interval"):
            raise ConfigError(f"{name}: both cron and interval are set; keep one of "
                              f"{name}.cron and {name}.interval")


def _between(key: str, value: float, lo: float, hi: float, what: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
        raise ConfigError(f"{key}: must be between {what}, got {value!r}")


# (key, low, high, the range as a user writes it); durations in seconds
DURATION_RANGES = {
    "interval": (1, 366 * 86400, '"1s" and "366d"'),
    "jitter": (0, 7 * 86400, '"0s" and "7d"'),
    "run_timeout": (1, 7 * 86400, '"1s" and "7d"'),
    "backfill_idle_timeout": (1, 86400, '"1s" and "1d"'),
}


def check_ranges(cfg: Config) -> None:
    """Values that parse but make no sense (inf, 0 where 0 turns a limit off, a year-long
    interval that overflows dates) are errors naming the key and the allowed range."""
    raw_db = cfg.raw.get("database", {}).get("path")
    if not isinstance(raw_db, str) or not raw_db.strip():
        raise ConfigError("database.path: must not be empty (the archive's file, e.g. "
                          "\"db/monitor.db\")")
    c = cfg.crawl
    _between("crawl.download_delay", c["download_delay"], 0, 300, "0 and 300 (seconds)")
    _between("crawl.timeout", c["timeout"], 1, 3600, '"1s" and "1h"')
    _between("crawl.max_page_size", c["max_page_size"], 1000, 10**9, '"1KB" and "1GB"')
    for k, (lo, hi, what) in DURATION_RANGES.items():
        if cfg.schedule.get(k) is not None:
            _between(f"schedule.{k}", cfg.schedule[k], lo, hi, what)
    for name, s in cfg.sources.items():
        key = f"sources.{name}"
        for k in ("interval", "jitter", "run_timeout"):
            lo, hi, what = DURATION_RANGES[k]
            if getattr(s, k) is not None:
                _between(f"{key}.{k}", getattr(s, k), lo, hi, what)
        _between(f"{key}.max_listing_pages", s.max_listing_pages, 0, 100_000, "0 and 100000")
        _between(f"{key}.failing_after", s.failing_after, 1, 1000, "1 and 1000")
        _check_start_domains(key, s.start_urls, s.allowed_domains)


def _check_start_domains(key: str, start_urls: list[str], allowed: list[str]) -> None:
    """A start URL the spider may not follow would be refused: a config error, not a run
    that fails every time."""
    from urllib.parse import urlsplit

    for url in start_urls:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if not any(host == d.lower().strip(".") or host.endswith("." + d.lower().strip("."))
                   for d in allowed):
            raise ConfigError(f"{key}.start_urls: {url!r} is outside {key}.allowed_domains "
                              f"({', '.join(allowed) or 'empty'}); add its host to "
                              f"allowed_domains or fix the URL")
