"""Rebuild tests/cases/prisoners_defenders/*.json from the shared reference cases.

Run by hand (`.venv/bin/python tests/cases/build_pd_cases.py`) when the reference cases
change; the test suite reads only the JSON files this writes. Each file is one case: the
page as a WordPress-like HTML document, the address it came from, and the figures
expected out of it (`expected`), plus figures the page states that must never come out
as core monthly metrics (`forbidden`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from monitor.extract.timex import url_date
from monitor.wpsite import Post, Site, render_post

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parents[2] / "shared" / "reference" / "cases-prisoners_defenders.json"
OUT = HERE / "prisoners_defenders"


def page_for(case: dict) -> str:
    pub = case.get("published") or ""
    full = re.fullmatch(r"\d{4}-\d{2}-\d{2}", pub)
    date = dt.date.fromisoformat(pub) if full else dt.date(2000, 1, 1)
    content = "\n".join(f"<p>{html.escape(p)}</p>" for p in case["paragraphs"])
    site = Site("News")
    post = Post(slug=case["id"], title=case["title"], published=date, content=content,
                post_id=1)
    text = render_post(site, post, "http://127.0.0.1:8000")
    stamp = f"{date.isoformat()}T10:00:00+00:00"
    if not full:
        # the reference knows only the month, or nothing: the page says no more than that
        text = text.replace(f'<meta property="article:modified_time" content="{stamp}" />', "")
        if pub:
            text = text.replace(stamp, pub)
        else:
            text = re.sub(r'<meta property="article:published_time"[^>]*>\n?', "", text)
            text = re.sub(r'<span class="posted-on">.*?</span>', "", text)
        text = text.replace(">2000-01-01<", f">{pub}<")
    return text


def countable(case: dict) -> bool:
    """Spanish or English, and the month can be known from the page: its date, its URL,
    or the year of every expected figure written in its text."""
    if case["lang"] not in ("es", "en") or not case["expected"]:
        return False
    if case.get("published") or url_date(case["url"]):
        return True
    text = " ".join([case["title"], *case["paragraphs"]])
    return all(e["period"][:4] in text for e in case["expected"])


def main() -> None:
    cases = json.loads(REFERENCE.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for case in cases:
        data = {
            "id": case["id"], "lang": case["lang"], "url": case["url"],
            "published": case.get("published"), "countable": countable(case),
            "notes": case.get("notes", ""),
            "expected": sorted([e["metric"], e["period"], e["value"]] for e in case["expected"]),
            "forbidden": sorted(([e["metric"], e["period"], e["value"]]
                                 for e in case["other_figures"]), key=str),
            "html": page_for(case),
        }
        (OUT / f"{case['id']}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
