"""The source registry: every source is a folder holding `source.toml` (its declaration),
its reading vocabulary and only the code its tables cannot express.

Built-in sources are the sub-folders of this package; more folders can be registered with
`$MONITOR_SOURCE_DIRS` (os.pathsep-separated) or the config key `plugins.source_dirs`, each
entry being a folder that holds one or more source folders. The rest of the pipeline asks
this module for names, metrics, labels, hosts and extractors, and names no source itself.

Contract (other modules rely on it):
- `names()` -> declared source names, built-ins first, in a stable order;
- `get(name)` -> `Source`, raising KeyError with the known names;
- `Source.extract(html, url)` -> `monitor.extract.Extraction`: the shared reading
  pipeline with the folder's `vocabulary.toml` (version `reader_version` in source.toml),
  or, for what the tables cannot express, the folder's own `extractor.py` exposing
  `extract(html, url)` and `VERSION` (`extractor` in source.toml may name a module path);
- `Source.metrics`, `.headline`, `.label(metric, lang)`, `.metric_order()`, `.identities`,
  `.due_by_day`, `.stale_after`, `.hosts`, `.start_urls`, `.post_path`;
- `Source.sample` -> the folder's sample.py (demo/benchmark posts) or None, and
  `Source.sample_data()` -> its sample.json (the demo's illustrative figures) or None.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

BUILTIN_DIR = Path(__file__).resolve().parent


class SourceError(LookupError):
    """A source folder that cannot be used (missing, bad TOML, a bad declaration)."""


_TERM = re.compile(r"^[+-]?[a-z0-9_]+(?:\[M-\d+\])?$")


def _validate(decl: dict[str, Any], where: Path) -> None:
    """Fail at registration, naming the file and the key, not in the middle of a run."""
    def bad(msg: str) -> SourceError:
        return SourceError(f"{where}: {msg}")

    name = decl.get("name", where.parent.name)
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise bad(f"name: expected a lower-case identifier, got {name!r}")
    for key in ("hosts", "start_urls"):
        if not isinstance(decl.get(key, []), list):
            raise bad(f"{key}: expected a list of strings")
    try:
        re.compile(decl.get("post_path", ""))
    except (re.error, TypeError) as exc:
        raise bad(f"post_path: not a regular expression: {exc}") from None
    due = decl.get("calendar", {}).get("due_by_day")
    if due is not None and (not isinstance(due, int) or not 1 <= due <= 28):
        raise bad(f"calendar.due_by_day: expected a day between 1 and 28, got {due!r}")
    metrics = set()
    for m in decl.get("metrics", []):
        if not isinstance(m, dict) or not isinstance(m.get("name"), str):
            raise bad("metrics: every [[metrics]] needs a name")
        if m.get("period", "monthly") not in ("monthly", "yearly"):
            raise bad(f"metrics.{m['name']}.period: expected \"monthly\" or \"yearly\"")
        metrics.add(m["name"])
    for i in decl.get("identities", []):
        terms = [*i.get("left", []), i.get("right", "")]
        if not i.get("name") or not i.get("left") or not i.get("right"):
            raise bad("identities: every [[identities]] needs name, left and right")
        for t in terms:
            if not isinstance(t, str) or not _TERM.match(t.replace(" ", "")):
                raise bad(f"identities.{i['name']}: bad term {t!r} (use [+-]metric or "
                          "metric[M-1])")
            metric = t.replace(" ", "").lstrip("+-").split("[", 1)[0]
            if metric not in metrics:
                raise bad(f"identities.{i['name']}: {metric!r} is not a declared metric")

_extra_dirs: list[Path] = []
_config_dirs: list[Path] = []
_cache: dict[str, Source] | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    period: str  # "monthly" or "yearly"
    headline: bool
    labels: dict[str, str]


@dataclass(frozen=True)
class Identity:
    name: str
    left: tuple[str, ...]
    right: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.name.replace("_", " ")


@dataclass
class Source:
    name: str
    folder: Path
    decl: dict[str, Any] = field(repr=False)

    @property
    def organisation(self) -> str:
        return self.decl.get("organisation", self.name)

    @property
    def short_name(self) -> str:
        return self.decl.get("short_name", self.organisation)

    @property
    def description(self) -> str:
        return self.decl.get("description", "")

    @property
    def hosts(self) -> list[str]:
        return list(self.decl.get("hosts", []))

    @property
    def start_urls(self) -> list[str]:
        return list(self.decl.get("start_urls", []))

    @cached_property
    def post_path(self) -> re.Pattern[str]:
        return re.compile(self.decl.get("post_path", r"^/[^/]+/?$"))

    @property
    def calendar(self) -> dict[str, Any]:
        return dict(self.decl.get("calendar", {}))

    @property
    def due_by_day(self) -> int | None:
        return self.calendar.get("due_by_day")

    @property
    def stale_after(self) -> str:
        return self.calendar.get("stale_after", "45d")

    @cached_property
    def metrics(self) -> list[Metric]:
        out = []
        for m in self.decl.get("metrics", []):
            labels = {k: v for k, v in m.items() if k in ("en", "es")}
            out.append(Metric(m["name"], m.get("period", "monthly"), bool(m.get("headline")),
                              labels))
        return out

    @property
    def metric_names(self) -> list[str]:
        """Each metric name once, in declared order."""
        return list(dict.fromkeys(m.name for m in self.metrics))

    @property
    def headline(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.name for m in self.metrics if m.headline))

    def metric_order(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.metric_names)}

    def label(self, metric: str, language: str = "en", yearly: bool = False) -> str:
        want = "yearly" if yearly else "monthly"
        found = None
        for m in self.metrics:
            if m.name == metric:
                if m.period == want:
                    return m.labels.get(language) or m.labels.get("en") or metric
                found = found or m
        if found:
            return found.labels.get(language) or found.labels.get("en") or metric
        return metric.replace("_", " ")

    @cached_property
    def identities(self) -> list[Identity]:
        return [Identity(i["name"], tuple(i["left"]), i["right"],
                         {k: v for k, v in i.items() if k in ("en", "es")})
                for i in self.decl.get("identities", [])]

    def _module(self, stem: str) -> ModuleType | None:
        """The folder's `<stem>.py` as a module (None when the folder has none)."""
        path = self.folder / f"{stem}.py"
        if not path.exists():
            return None
        if self.folder.parent == BUILTIN_DIR:
            return importlib.import_module(f"monitor.sources.{self.name}.{stem}")
        modname = f"monitor_source_{self.name}.{stem}"
        if modname in sys.modules:
            return sys.modules[modname]
        spec = importlib.util.spec_from_file_location(modname, path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        return mod

    @cached_property
    def module(self) -> Any:
        """The folder's extractor: its extractor.py when it has one (code the tables cannot
        express), else the shared reading pipeline with the folder's vocabulary.toml."""
        mod = self._module("extractor")
        if mod is not None:
            return mod
        if "extractor" in self.decl:
            return importlib.import_module(self.decl["extractor"])
        if (self.folder / "vocabulary.toml").exists():
            return VocabularyReader(self)
        raise LookupError(f"source {self.name!r} has neither a vocabulary.toml nor an "
                          f"extractor.py in {self.folder}")

    @cached_property
    def sample(self) -> ModuleType | None:
        """The folder's sample.py (demo and benchmark posts in this source's shape), if any."""
        return self._module("sample")

    def sample_data(self) -> dict[str, Any] | None:
        """The folder's sample.json (illustrative figures for `monitor demo`), if any."""
        path = self.folder / "sample.json"
        if not path.exists():
            return None
        import json

        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def version(self) -> str:
        return f"{self.name}/{getattr(self.module, 'VERSION', '0')}"

    def extract(self, html: bytes | str, url: str) -> Any:
        result = self.module.extract(html, url)
        result.extractor_version = self.version
        return result


class VocabularyReader:
    """A source read by the shared pipeline with its folder's vocabulary: what an
    extractor.py of four lines would be (`VERSION` is source.toml's `reader_version`)."""

    def __init__(self, source: Source) -> None:
        from monitor.extract import load_vocabulary
        self.VERSION = str(source.decl.get("reader_version", "1"))
        self.__doc__ = source.decl.get("description") or source.name
        self.vocabulary = load_vocabulary(source.folder)

    def extract(self, html: bytes | str, url: str) -> Any:
        from monitor.extract import read
        return read(html, url, self.vocabulary)[0]

    def explain(self, html: bytes | str, url: str) -> Any:
        from monitor.extract import read
        return read(html, url, self.vocabulary)


def add_dirs(dirs: list[str | Path]) -> None:
    """Register more folders of source folders (from config `plugins.source_dirs`)."""
    global _cache
    for d in dirs:
        p = Path(d).resolve()
        if p not in _extra_dirs:
            _extra_dirs.append(p)
            _cache = None


def set_config_dirs(dirs: list[str | Path]) -> None:
    """The folders the loaded config names (`plugins.source_dirs`, already resolved against
    the config file's folder); replaces those of a config loaded before in this process."""
    global _cache
    resolved = [Path(d).resolve() for d in dirs]
    if resolved != _config_dirs:
        _config_dirs[:] = resolved
        _cache = None


def _env_dirs() -> list[Path]:
    raw = os.environ.get("MONITOR_SOURCE_DIRS", "")
    return [Path(p).resolve() for p in raw.split(os.pathsep) if p.strip()]


def _scan(root: Path) -> list[Path]:
    if (root / "source.toml").exists():
        return [root]
    if not root.is_dir():
        raise SourceError(f"source folder {root} does not exist")
    return sorted(p.parent for p in root.glob("*/source.toml"))


def _load() -> dict[str, Source]:
    global _cache
    if _cache is not None:
        return _cache
    found: dict[str, Source] = {}
    roots = list(dict.fromkeys([BUILTIN_DIR, *_env_dirs(), *_config_dirs, *_extra_dirs]))
    for root in roots:
        for folder in _scan(root):
            try:
                with open(folder / "source.toml", "rb") as fh:
                    decl = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SourceError(f"{folder / 'source.toml'}: invalid TOML: {exc}") from None
            _validate(decl, folder / "source.toml")
            name = decl.get("name") or folder.name
            if name in found:
                raise SourceError(f"source {name!r} is declared twice "
                                  f"({found[name].folder} and {folder})")
            found[name] = Source(name, folder, decl)
    found = dict(sorted(found.items(), key=lambda kv: (kv[1].decl.get("order", 100), kv[0])))
    _cache = found
    return found


def names() -> list[str]:
    return list(_load())


def get(name: str) -> Source:
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(_load())})") from None


def all_sources() -> list[Source]:
    return list(_load().values())
