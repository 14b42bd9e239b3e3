"""Toy Watch: monthly count of people detained (a test source; reads its vocabulary.toml).

A small self-contained reading (the sentence's month, a number before a vocabulary noun)
over monitor.extract.base helpers. TODO(reading): switch to the shared reading pipeline
(monitor.extract) once it lands; keep this vocabulary.
"""

import re
import tomllib
from pathlib import Path

from monitor.extract.base import Extraction, Observation, parse_page, sentences
from monitor.extract.numbers import MONTHS, fold, numbers_of, period, qualifier_at

VERSION = "1"
VOCAB = tomllib.loads((Path(__file__).parent / "vocabulary.toml").read_text("utf-8"))
MONTH = re.compile(r"\b(" + "|".join(k for k in MONTHS if len(k) > 3) + r") de (\d{4})\b")


def extract(html: bytes | str, url: str) -> Extraction:
    page = parse_page(html, url)
    out = Extraction("toy_detenidos", url, title=page.title, published=page.meta_published,
                     text=page.text)
    for sent in (s for p in [page.title, *page.paragraphs] for s in sentences(p)):
        low, month = fold(sent), MONTH.search(fold(sent))
        if not month or any(d in low for d in VOCAB["distractors"]["phrases"]):
            continue
        per = period(int(month.group(2)), MONTHS[month.group(1)])
        for num in numbers_of(sent):
            after = low[num.end:num.end + 40]
            for m in VOCAB["metric"]:
                if any(re.match(r"\s+(?:\w+\s+)?" + n + r"\b", after) for n in m["nouns"]):
                    out.observations.append(Observation(
                        "toy_detenidos", m["name"], per, num.value, qualifier_at(sent, num.start),
                        page.meta_published, url, sent))
    seen: set[tuple[str, str]] = set()  # first mention of a metric and month wins
    out.observations = [o for o in out.observations
                        if (o.metric, o.period) not in seen and not seen.add((o.metric, o.period))]
    out.headline_found = any(o.metric == "detained" for o in out.observations)
    return out
