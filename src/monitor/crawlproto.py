"""What the crawl parent (monitor.fetch) and the Scrapy child (monitor.crawl_child) exchange.

They talk through files in the crawl's spool folder: `params.json` (`CrawlParams`, parent ->
child), `handover/` (`Handover`: the probe's fresh responses, so the child does not ask the
site again), `pages.jsonl` (one `Page` per line, body in `bodies/NAME`) and `result.json`
(`ChildResult`). One typed schema for both sides; each side validates what it reads
(`from_dict`), so a mismatch is a clear error naming the file and the field instead of a
KeyError deep in a crawl.

`Page` is also the one shape a page has on its way into the archive (fetched now, spooled
by a backfill, or read back from the archive by `reparse`): its body is read at most once
and hashed at most once (the child hashes what it writes; `sha256` travels with the line).
Nothing here imports Scrapy.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ProtocolError(ValueError):
    """A crawl file that does not match the schema (names the file and the field)."""


def _check(value: Any, hint: Any, where: str) -> Any:
    """`value` checked (and nested dataclasses built) against the type `hint`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        if type(value) in options and type(value) in (str, int, bool):
            return value  # the common case, without trying the options one by one
        errors = []
        for option in options:
            try:
                return _check(value, option, where)
            except ProtocolError as exc:
                errors.append(exc)
        raise errors[-1] if len(errors) == 1 else ProtocolError(
            f"{where}: {value!r} is not {_name(hint)}")
    if hint is type(None):
        if value is not None:
            raise ProtocolError(f"{where}: expected null, got {value!r}")
        return None
    if origin is list:
        if not isinstance(value, list):
            raise ProtocolError(f"{where}: expected a list, got {type(value).__name__}")
        (item,) = typing.get_args(hint)
        return [_check(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: expected an object, got {type(value).__name__}")
        _k, item = typing.get_args(hint)
        return {str(k): _check(v, item, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return _from_dict(hint, value, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProtocolError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is int and isinstance(value, bool):
        raise ProtocolError(f"{where}: expected an integer, got {value!r}")
    if hint in (str, int, bool):
        if not isinstance(value, hint):
            raise ProtocolError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    raise TypeError(f"{where}: unsupported schema type {hint!r}")  # a bug in this module


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


@functools.cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """(type hints, wire fields) of a schema class, worked out once per class."""
    hints = typing.get_type_hints(cls)
    wire = {f.name: f for f in dataclasses.fields(cls) if f.init and f.metadata.get("wire", True)}
    return hints, wire


def _from_dict(cls: type[T], data: Any, where: str, **extra: Any) -> T:
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: expected an object, got {type(data).__name__}")
    hints, wire = _schema(cls)
    unknown = sorted(set(data) - set(wire))
    if unknown:
        raise ProtocolError(f"{where}: unknown field {unknown[0]!r}")
    kwargs = {}
    for name, f in wire.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ProtocolError(f"{where}: missing field {name!r}")
            continue
        kwargs[name] = _check(data[name], hints[name], f"{where}.{name}")
    return cls(**kwargs, **extra)


def _to_dict(obj: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        if not f.metadata.get("wire", True):
            continue
        v = getattr(obj, f.name)
        out[f.name] = _to_dict(v) if dataclasses.is_dataclass(v) else (
            [_to_dict(x) if dataclasses.is_dataclass(x) else x for x in v]
            if isinstance(v, list) else v)
    return out


def read_json(cls: type[T], path: Path) -> T:
    """One JSON file of the protocol, validated."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProtocolError(f"{path.name}: unreadable: {exc}") from None
    return _from_dict(cls, data, path.name)


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(_to_dict(obj), default=str), encoding="utf-8")


# -- parent -> child -----------------------------------------------------------------------
@dataclass
class Politeness:
    """The crawl settings the probe and the spider share (`[crawl]` of the config)."""

    user_agent: str
    obey_robots: bool
    download_delay: float
    timeout: int
    max_page_size: int

    @classmethod
    def from_config(cls, crawl: dict[str, Any], max_page_size: int) -> Politeness:
        return cls(user_agent=crawl["user_agent"], obey_robots=bool(crawl["obey_robots"]),
                   download_delay=float(crawl["download_delay"]),
                   timeout=int(crawl["timeout"]), max_page_size=int(max_page_size))


@dataclass
class Handover:
    """A response the probe received in this run, as it came over the wire.

    The child answers its own request for `url` with it (once) instead of asking the site
    again: `status`, the header lines, and the undecoded body in `handover/BODY_FILE`. A
    304 stands only for a request that carries the very validators the probe sent.
    """

    url: str
    status: int
    headers: list[list[str]]
    body_file: str
    sent_etag: str | None = None
    sent_last_modified: str | None = None


@dataclass
class CrawlParams:
    """`params.json`: what one crawl child is asked to do."""

    source: str
    start_urls: list[str]
    allowed_domains: list[str]
    polite: Politeness
    out_dir: str
    post_path: str | None = None         # the regex a post's URL path matches
    max_listing_pages: int | None = None  # None: follow every listing page
    backfill: bool = False
    known_posts: list[str] = field(default_factory=list)
    revalidate_posts: list[str] = field(default_factory=list)
    max_new_posts: int | None = None
    backfill_done: list[str] = field(default_factory=list)  # stored by a stopped backfill
    httpcache_dir: str | None = None
    log_level: str = "WARNING"
    # the child's end of a pipe only the parent can write to: end-of-file means the parent
    # is gone (the child exits); one byte means "go" (the parent is ready for the pages)
    parent_pipe: int | None = None
    handover: list[Handover] = field(default_factory=list)


# -- child -> parent -----------------------------------------------------------------------
@dataclass
class Page:
    """One page on its way into the archive: a line of `pages.jsonl` plus its body.

    `body` is bytes, or the Path of the file the child wrote it to (a backfill of
    thousands of pages never holds every body at once); either way it is read at most once
    (`release()` lets it go after storing) and hashed at most once.
    """

    url: str
    kind: str
    status: int | None
    etag: str | None
    last_modified: str | None
    body_src: bytes | Path = field(repr=False, metadata={"wire": False})
    cached: bool = False             # answered from the HTTP cache after a 304
    aliases: list[str] = field(default_factory=list)
    request_url: str | None = None
    sha256: str | None = None
    body_file: str | None = None
    _body: bytes | None = field(default=None, init=False, repr=False, compare=False,
                                metadata={"wire": False})

    @property
    def body(self) -> bytes:
        if self._body is None:
            src = self.body_src
            self._body = src.read_bytes() if isinstance(src, Path) else src
        return self._body

    @property
    def digest(self) -> str:
        """SHA-256 of the body (the archive's `content_hash`), computed at most once."""
        if self.sha256 is None:
            self.sha256 = hashlib.sha256(self.body).hexdigest()
        return self.sha256

    def blank(self) -> bool:
        """An empty or whitespace-only body (a file is read only when it is tiny)."""
        if self._body is None and isinstance(self.body_src, Path):
            size = self.body_src.stat().st_size
            if size == 0:
                return True
            if size >= 512:
                return False
        return not self.body.strip()

    def release(self) -> None:
        """Drop the body read into memory (it can be read again from its file)."""
        if isinstance(self.body_src, Path):
            self._body = None

    def line(self) -> str:
        """The `pages.jsonl` line of this page."""
        return json.dumps(_to_dict(self))

    @classmethod
    def from_line(cls, line: str | bytes, bodies: Path, where: str = "pages.jsonl") -> Page:
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ProtocolError(f"{where}: not JSON: {exc}") from None
        name = data.get("body_file") if isinstance(data, dict) else None
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise ProtocolError(f"{where}.body_file: expected a file name in bodies/, "
                                f"got {name!r}")
        return _from_dict(cls, data, where, body_src=bodies / name)


def read_pages(index: Path, bodies: Path) -> list[Page]:
    """Every line of a finished `pages.jsonl` (none when the file is absent)."""
    if not index.exists():
        return []
    with open(index, encoding="utf-8") as fh:
        return [Page.from_line(line, bodies, f"pages.jsonl line {i}")
                for i, line in enumerate(fh, 1)]


@dataclass
class ChildResult:
    """`result.json`: how the crawl went, written by the child when its spider closed."""

    start_failures: list[str]
    page_errors: list[str]
    robots_skipped: list[str]
    posts_left: list[str]
    stats: dict[str, int | float | str | bool]
    finish_reason: str | None
    handed_over: list[str] = field(default_factory=list)  # URLs answered from the handover
