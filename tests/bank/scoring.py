"""The paraphrase bank: loading, rendering as WordPress pages, and scoring (shared by
tests/test_bank.py and bench/bank_score.py).

Scoring follows /work/shared/reference/README.md: an expected figure is *found* when the
extractor emits it (metric, period, value, qualifier); a *wrong* figure is an emitted
figure of one of the source's declared metrics whose (metric, period) is expected with
another value, or not expected at all. An emitted figure with the expected value but
another qualifier is neither found nor wrong: it is reported as a qualifier mismatch.
Figures under names the source does not declare are ignored (the reference allows them).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monitor import sources
from monitor.extract import extract
from monitor.wpsite import Post, Site, render_post

BANK_DIR = Path(__file__).resolve().parent
BASE = "http://127.0.0.1:8000"
MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre"]
QUALIFIERS = {"exact", "at_least", "about"}


@dataclass(frozen=True)
class Expect:
    metric: str
    period: str
    value: int
    qualifier: str = "exact"


@dataclass
class Entry:
    source: str
    id: str
    lang: str
    cls: str
    published: str
    text: str
    title: str = ""
    url: str = ""
    expect: list[Expect] = field(default_factory=list)
    allow: list[Expect] = field(default_factory=list)   # legitimate but not required

    @property
    def negative(self) -> bool:
        return self.cls.startswith("neg-")


def period_kind(period: str) -> str:
    return "yearly" if re.fullmatch(r"\d{4}", period) else "monthly"


def bank_sources(bank_dir: Path | None = None) -> list[str]:
    """Sources with a bank file in bank_dir (default: this directory)."""
    d = Path(bank_dir) if bank_dir is not None else BANK_DIR
    return [n for n in sources.names() if (d / f"{n}.toml").exists()]


def load(source: str, bank_dir: Path | None = None) -> list[Entry]:
    """Read and validate one source's bank (from bank_dir, default this directory, so a
    held-out bank such as tests/bank/heldout/ loads the same way); a malformed entry is an
    error naming its id."""
    d = Path(bank_dir) if bank_dir is not None else BANK_DIR
    data = tomllib.loads((d / f"{source}.toml").read_text(encoding="utf-8"))
    declared = {(m.name, m.period) for m in sources.get(source).metrics}
    entries, seen = [], set()
    for raw in data.get("entry", []):
        eid = raw.get("id", "?")
        unknown = set(raw) - {"id", "lang", "class", "published", "title", "text", "url",
                              "expect", "allow"}
        if unknown:
            raise ValueError(f"{source}/{eid}: unknown keys {sorted(unknown)}")
        if eid in seen:
            raise ValueError(f"{source}/{eid}: duplicate id")
        seen.add(eid)
        dt.date.fromisoformat(raw["published"])
        if raw["lang"] not in ("es", "en"):
            raise ValueError(f"{source}/{eid}: lang must be es or en")
        exp, allow = [], []
        for x in raw.get("expect", []) + raw.get("allow", []):
            e = Expect(x["metric"], str(x["period"]), int(x["value"]),
                       x.get("qualifier", "exact"))
            if (e.metric, period_kind(e.period)) not in declared:
                raise ValueError(f"{source}/{eid}: {e.metric} {e.period} is not declared")
            if e.qualifier not in QUALIFIERS:
                raise ValueError(f"{source}/{eid}: qualifier {e.qualifier!r}")
            (exp if len(exp) < len(raw.get("expect", [])) else allow).append(e)
        if len({(e.metric, e.period) for e in exp}) != len(exp):
            raise ValueError(f"{source}/{eid}: two expectations for one metric and period")
        entries.append(Entry(source, eid, raw["lang"], raw["class"], raw["published"],
                             raw["text"].strip(), raw.get("title", ""), raw.get("url", ""),
                             exp, allow))
    return entries


def _slug(e: Entry) -> str:
    if e.url:
        return e.url.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9]+", "-", e.id.lower()).strip("-")


def page(e: Entry) -> tuple[str, str]:
    """The entry as a WordPress page of its source's shape: (html, url)."""
    pub = dt.date.fromisoformat(e.published)
    src = sources.get(e.source)
    dated = bool(src.post_path.match("/2000/01/01/x/"))
    paras = [p.strip() for p in re.split(r"\n\s*\n", e.text) if p.strip()]
    body = [f"<p>{htmllib.escape(p, quote=False)}</p>" for p in paras]
    if not dated:   # OCDH releases open with a Madrid dateline
        body.insert(0, f"<p>Madrid, {pub.day} de {MESES[pub.month - 1]} de {pub.year}</p>")
    post = Post(slug=_slug(e), title=e.title or "Informe", published=pub,
                content="\n".join(body), lang=e.lang)
    site = Site(name=e.source, style="dated" if dated else "slug")
    if e.url.startswith("http"):
        url = e.url
    elif e.url.startswith("/"):
        url = BASE + e.url
    else:
        url = BASE + post.path(site.style)
    return render_post(site, post, BASE), url


@dataclass
class Outcome:
    entry: Entry
    found: list[Expect]
    missed: list[Expect]
    wrong: list[Expect]            # emitted, not expected (or another value)
    qualifier: list[Expect]        # emitted with the expected value, another qualifier
    error: str = ""


def judge(e: Entry) -> Outcome:
    declared = {(m.name, m.period) for m in sources.get(e.source).metrics}
    html, url = page(e)
    try:
        obs = extract(e.source, html, url).observations
    except Exception as exc:
        return Outcome(e, [], list(e.expect), [], [], f"{type(exc).__name__}: {exc}")
    got = {Expect(o.metric, o.period, int(o.value), o.qualifier) for o in obs
           if (o.metric, period_kind(o.period)) in declared}
    want = {(x.metric, x.period): x for x in e.expect}
    found, missed, qual = [], [], []
    for x in e.expect:
        if x in got:
            found.append(x)
        elif any(g.metric == x.metric and g.period == x.period and g.value == x.value
                 for g in got):
            qual.append(x)
        else:
            missed.append(x)
    wrong = []
    for g in sorted(got, key=lambda g: (g.metric, g.period, g.value)):
        w = want.get((g.metric, g.period))
        if g in e.allow or any((a.metric, a.period, a.value) == (g.metric, g.period, g.value)
                               for a in e.allow):
            continue
        if w is None or w.value != g.value:
            wrong.append(g)
    return Outcome(e, found, missed + qual, wrong, qual)


@dataclass
class Score:
    source: str
    outcomes: list[Outcome]

    @property
    def expected(self) -> int:
        return sum(len(o.entry.expect) for o in self.outcomes)

    @property
    def found(self) -> int:
        return sum(len(o.found) for o in self.outcomes)

    @property
    def wrong(self) -> int:
        return sum(len(o.wrong) for o in self.outcomes)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    def by_class(self, what: str) -> Counter:
        c: Counter = Counter()
        for o in self.outcomes:
            n = len(getattr(o, what))
            if n:
                c[o.entry.cls] += n
        return c


def score(source: str, bank_dir: Path | None = None) -> Score:
    return Score(source, [judge(e) for e in load(source, bank_dir)])


def coverage(entries: list[Entry]) -> dict[tuple[str, str, str], int]:
    """Positive entries per (metric, period kind, lang)."""
    c: Counter = Counter()
    for e in entries:
        if e.negative:
            continue
        for key in {(x.metric, period_kind(x.period)) for x in e.expect}:
            c[(*key, e.lang)] += 1
    return dict(c)
