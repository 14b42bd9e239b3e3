"""Found share and wrong figures of the extractors on tests/cases and on the backfill series.

    .venv/bin/python bench/extract_score.py [-v]

The scoring is the one tests/test_extract_*.py and the backfill tests use: a wrong figure
is a core monthly figure the page does not state with that value,
or a yearly one the page does not state.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from fixtures.ocdh_posts import series_site  # noqa: E402
from fixtures.pd_posts import series_posts  # noqa: E402
from monitor import sources  # noqa: E402
from monitor.wpsite import Site, render_post  # noqa: E402

OCDH_MONTHLY = {"repressive_actions", "arbitrary_detentions", "other_abuses",
                "violent_detentions", "detentions_women", "detentions_men", "house_sieges"}


def extractor(name: str):
    return sources.get(name).extract


def score_pd_cases(fn, verbose: bool) -> tuple[int, int, int]:
    found = total = wrong = 0
    for p in sorted((ROOT / "tests/cases/prisoners_defenders").glob("*.json")):
        case = json.loads(p.read_text(encoding="utf-8"))
        res = fn(case["html"], case["url"])
        monthly = set(sources.get("prisoners_defenders").metric_names)
        got = {(o.metric, o.period): o.value for o in res.observations if len(o.period) == 7
               and o.metric in monthly}
        exp = {(m, pr): v for m, pr, v in case["expected"]}
        yearly = {(m, pr[:4], v) for m, pr, v in case["forbidden"] if pr and "year" in m}
        for k, v in got.items():
            if exp.get(k) != v:
                wrong += 1
                if verbose:
                    print(f"  WRONG {case['id']}: {k} = {v} (want {exp.get(k)})")
        for o in res.observations:
            if len(o.period) == 4 and (o.metric + "_year", o.period, o.value) not in yearly:
                wrong += 1
                if verbose:
                    print(f"  WRONG {case['id']}: yearly {o.metric} {o.period} = {o.value}")
        if case["countable"]:
            total += len(exp)
            hit = sum(1 for k, v in exp.items() if got.get(k) == v)
            found += hit
            if verbose:
                for k, v in exp.items():
                    if got.get(k) != v:
                        print(f"  miss {case['id']}: {k} = {v}")
    return found, total, wrong


def score_ocdh_cases(fn, verbose: bool) -> tuple[int, int, int]:
    found = total = wrong = 0
    for p in sorted((ROOT / "tests/cases/ocdh").glob("*.json")):
        case = json.loads(p.read_text(encoding="utf-8"))
        res = fn(case["html"], case["url"])
        exp = {(e["metric"], e["period"], e["value"]) for e in case["expected"]}
        stated = {(e["period"], e["value"]) for e in case["other_figures"]}
        got = {(o.metric, o.period, o.value) for o in res.observations}
        for o in res.observations:
            key = (o.metric, o.period, o.value)
            if (len(o.period) == 7 and o.metric in OCDH_MONTHLY and key not in exp) or (
                    len(o.period) == 4 and (o.period, o.value) not in stated):
                wrong += 1
                if verbose:
                    print(f"  WRONG {case['id']}: {key}")
        if case["counted"]:
            total += len(exp)
            found += len(exp & got)
            if verbose:
                for k in sorted(exp - got):
                    print(f"  miss {case['id']}: {k}")
    return found, total, wrong


def score_series(name: str, fn, verbose: bool) -> tuple[int, int, int]:
    series = json.loads((ROOT / "tests/data/series.json").read_text(encoding="utf-8"))[name]
    want = {(m, per): v for per, ms in series.items() for m, v in ms.items()}
    got: dict[tuple[str, str], int] = {}
    wrong = 0
    base = "http://127.0.0.1:8000"
    if name == "prisoners_defenders":
        site = Site("Prisoners Defenders")
        posts = series_posts(series)
        for post in posts:
            site.add(post)
        pages = [(render_post(site, post, base), base + post.path("dated")) for post in posts]
    else:
        site = series_site(series)
        pages = [(render_post(site, post, base), base + post.path("slug")) for post in site.posts]
    for html, url in pages:
        for o in fn(html, url).observations:
            if len(o.period) != 7:
                continue
            k = (o.metric, o.period)
            if want.get(k) != o.value or (k in got and got[k] != o.value):
                wrong += 1
                if verbose:
                    print(f"  WRONG series {name}: {k} = {o.value} (want {want.get(k)}) {url}")
            got.setdefault(k, o.value)
    found = sum(1 for k, v in want.items() if got.get(k) == v)
    if verbose:
        for k, v in sorted(want.items()):
            if got.get(k) != v:
                print(f"  miss series {name}: {k} = {v}")
    return found, len(want), wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and wrong ones")
    args = ap.parse_args()
    pd = extractor("prisoners_defenders")
    oc = extractor("ocdh")
    for label, (f, t, w) in (
            ("PD cases", score_pd_cases(pd, args.verbose)),
            ("OCDH cases", score_ocdh_cases(oc, args.verbose)),
            ("PD series", score_series("prisoners_defenders", pd, args.verbose)),
            ("OCDH series", score_series("ocdh", oc, args.verbose))):
        print(f"{label:12} found {f}/{t} = {f / max(t, 1):.1%}  wrong {w}")


if __name__ == "__main__":
    main()
