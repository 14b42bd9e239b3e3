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

from monitor import sources as registry


def source_names() -> tuple[str, ...]:
    """Every registered source (built-ins, $MONITOR_SOURCE_DIRS, the loaded config's
    `plugins.source_dirs`), in the registry's order."""
    return tuple(registry.names())


def __getattr__(name: str) -> Any:
    # SOURCE_NAMES, for older callers: read when asked, since a config may register more
    if name == "SOURCE_NAMES":
        return source_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


PARSE_SHARE = 5  # a page's markup is parsed up to max_page_size / PARSE_SHARE characters


def parse_chars(max_page_size: int) -> int:
    """How many characters of a page's markup the extractors parse: a fifth of
    `crawl.max_page_size` (2,000,000 at the default 10MB). A report's figures are near its
    top; the cut bounds the time a huge page costs, and a larger max_page_size raises it."""
    return max(1, max_page_size // PARSE_SHARE)


def default_parse_chars() -> int:
    """`parse_chars` of the default max_page_size (when no config is loaded)."""
    return parse_chars(parse_size(DEFAULTS["crawl"]["max_page_size"]))


def _source_defaults(name: str) -> dict[str, Any]:
    """A source's config defaults come from its declaration (source.toml)."""
    decl = registry.get(name)
    return {
        "enabled": True,
        "start_urls": decl.start_urls,
        "allowed_domains": decl.hosts,
        "max_listing_pages": 3,
        "stale_after": decl.stale_after,
        "due_by_day": decl.due_by_day,
        "late_grace": decl.calendar.get("late_grace", DEFAULT_LATE_GRACE),
        "revalidate_recent": 3,
        "max_new_posts": 50,
        "full_crawl_every": "7d",
        "failing_after": 3,
        "interval": None,
        "cron": None,
        "jitter": None,
        "run_timeout": None,
    }


# days after due_by_day before a missing month is `late` (a report a day late is common)
DEFAULT_LATE_GRACE = "0d"


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
    "plugins": {"source_dirs": []},
    "sources": {},  # filled per load from the registry: see _defaults()
    "notify": {"urls": [], "config": "", "language": "en", "ops_tag": "ops",
               "timeout": "60s", "alerts_undelivered_after": "1h"},
    "publish": {"dir": "", "lang": "en", "base_url": ""},
}

# Expected type per key; None-default keys are optional strings.
_TYPES: dict[str, Any] = {
    "database.path": str,
    "schedule.interval": str, "schedule.cron": str, "schedule.jitter": str,
    "schedule.run_timeout": str, "schedule.backfill_idle_timeout": str,
    "crawl.user_agent": str, "crawl.obey_robots": bool, "crawl.download_delay": float,
    "crawl.timeout": str, "crawl.max_page_size": (str, int),
    "source.enabled": bool, "source.start_urls": list, "source.allowed_domains": list,
    "source.max_listing_pages": int, "source.revalidate_recent": int,
    "source.max_new_posts": int, "source.stale_after": str, "source.failing_after": int,
    "source.due_by_day": int, "source.late_grace": str,
    "source.full_crawl_every": str,
    "source.interval": str, "source.cron": str, "source.jitter": str, "source.run_timeout": str,
    "notify.urls": list, "notify.config": str, "notify.language": str, "notify.ops_tag": str,
    "plugins.source_dirs": list,
    "notify.timeout": str, "notify.alerts_undelivered_after": str,
    "publish.dir": str, "publish.lang": str, "publish.base_url": str,
}

_DURATION_KEYS = {"interval", "jitter", "run_timeout", "timeout", "stale_after", "late_grace"}


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
    due_by_day: int | None = None  # report for month M due by this day of M+1
    late_grace: int = 0            # seconds after that day ends before `late`
    post_path: str = r"^/[^/]+/?$"  # from the declaration: a post's URL path (regex)
    revalidate_recent: int = 3   # scheduled runs revalidate the posts of this many periods
    max_new_posts: int = 50      # new posts a scheduled run fetches (backfill: all)
    # a scheduled run whose start URLs are unchanged skips Scrapy, but a full crawl still
    # runs at least this often (seconds; 0: every run crawls)
    full_crawl_every: int = 7 * 86400


@dataclass
class Config:
    path: Path | None
    db_path: Path
    crawl: dict[str, Any]
    schedule: dict[str, Any]
    sources: dict[str, SourceConfig]
    notify: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    publish: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS["publish"]))

    @property
    def timeout(self) -> int:
        return self.crawl["timeout"]

    @property
    def max_page_size(self) -> int:
        return self.crawl["max_page_size"]

    @property
    def max_parse_chars(self) -> int:
        return parse_chars(self.max_page_size)

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


def _register_plugins(data: dict[str, Any], base: Path) -> None:
    """`plugins.source_dirs` first: the sources they hold are valid [sources.NAME] tables."""
    body = data.get("plugins", {})
    dirs = body.get("source_dirs", []) if isinstance(body, dict) else []
    if isinstance(body, dict) and "source_dirs" in body:
        _check_type("plugins.source_dirs", "plugins.source_dirs", dirs)
    try:
        registry.set_config_dirs([base / d for d in dirs])
        registry.names()
    except (registry.SourceError, OSError) as exc:
        raise ConfigError(f"plugins.source_dirs: {exc}") from None


def _defaults() -> dict[str, Any]:
    merged = copy.deepcopy(DEFAULTS)
    merged["sources"] = {name: _source_defaults(name) for name in registry.names()}
    return merged


def _merge(data: dict[str, Any]) -> dict[str, Any]:
    merged = _defaults()
    known = source_names()
    for section, body in data.items():
        if section not in DEFAULTS:
            raise ConfigError(f"unknown config section [{section}]")
        if not isinstance(body, dict):
            raise ConfigError(f"{section}: expected a table")
        if section == "sources":
            for sname, sbody in body.items():
                if sname not in known:
                    raise ConfigError(
                        f"unknown source [sources.{sname}] (known: {', '.join(known)})")
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
    base = path.parent if path else Path.cwd()
    _register_plugins(data, base)
    merged = _merge(data)
    _check_schedule_choice(data)
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
        if s["due_by_day"] is not None and not 1 <= s["due_by_day"] <= 28:
            raise ConfigError(f"{key}.due_by_day: must be a day between 1 and 28")
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
            due_by_day=s["due_by_day"],
            late_grace=parse_duration(s["late_grace"], f"{key}.late_grace"),
            post_path=registry.get(name).decl.get("post_path", r"^/[^/]+/?$"),
            revalidate_recent=s["revalidate_recent"],
            max_new_posts=s["max_new_posts"],
            full_crawl_every=parse_duration(s["full_crawl_every"], f"{key}.full_crawl_every"),
        )
    notify = dict(merged["notify"])
    if notify["language"] not in ("en", "es"):
        raise ConfigError(f"notify.language: expected \"en\" or \"es\", got {notify['language']!r}")
    if notify["config"]:
        notify["config"] = str((base / notify["config"]).resolve())
    notify["timeout"] = parse_duration(notify["timeout"], "notify.timeout")
    if notify["timeout"] < 1:
        raise ConfigError("notify.timeout: must be at least \"1s\"")
    notify["alerts_undelivered_after"] = parse_duration(
        notify["alerts_undelivered_after"], "notify.alerts_undelivered_after")
    db = Path(db_override) if db_override else base / merged["database"]["path"]
    cfg = Config(path=path, db_path=db, crawl=crawl, schedule=schedule, sources=sources,
                 notify=notify, raw=merged, publish=_publish(merged["publish"], base))
    check_ranges(cfg)
    return cfg


def _publish(pub: dict[str, Any], base: Path) -> dict[str, Any]:
    """[publish]: dir "" = the daemon does not publish; a relative dir is from the config."""
    if pub["lang"] not in ("en", "es"):
        raise ConfigError(f"publish.lang: expected \"en\" or \"es\", got {pub['lang']!r}")
    if pub["base_url"] and not re.match(r"^https?://[^/\s]+", pub["base_url"]):
        raise ConfigError(f"publish.base_url: not an http(s) URL: {pub['base_url']!r}")
    out = dict(pub)
    if out["dir"]:
        out["dir"] = str((base / out["dir"]).resolve())
    return out


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
