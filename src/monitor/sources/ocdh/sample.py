"""Sample OCDH releases (own wording) for `monitor demo` and bench/sitegen.py.

The demo renders `sample.json`'s illustrative figures with `demo_post`; the benchmark
walks figures with `bench_figures` and renders them with `bench_post`. Neither is read by
the extractor: they only make pages in the shape of the organisation's real releases.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from monitor.extract.numbers import MONTH_NAMES_ES, format_int, shift_month
from monitor.wpsite import Post

SITE_TITLE = "Observatorio Cubano de Derechos Humanos"
URL_STYLE = "slug"         # /<slug>/, as declared by post_path
POSTS_NOUN = "monthly releases"


def _es(n: int) -> str:
    return format_int(n, "es")


def demo_post(per: str, series: dict[str, dict[str, int]]) -> Post:
    """The monthly release for `per`; the year-to-date count comes from the series."""
    ytd = sum(series[p]["repressive_actions"] for p in series
              if p[:4] == per[:4] and p <= per)
    return release_post(per, series[per], ytd)


def release_post(per: str, f: dict[str, int], year_to_date: int) -> Post:
    """An OCDH monthly release: dateline, actions, detentions, other abuses (own wording)."""
    mes, y = MONTH_NAMES_ES[int(per[5:7]) - 1], int(per[:4])
    ny, nm = shift_month(y, int(per[5:7]), 1)
    published = dt.date(ny, nm, 2 + int(per[5:7]) % 5)
    mes_pub = MONTH_NAMES_ES[published.month - 1]
    paras = [
        f"Madrid, {published.day} de {mes_pub} de {published.year}",
        f"El Observatorio Cubano de Derechos Humanos (OCDH) documentó durante el mes de "
        f"{mes} un total de {f['repressive_actions']} acciones represivas en Cuba: "
        f"{f['arbitrary_detentions']} detenciones arbitrarias y {f['other_abuses']} "
        f"otros abusos.",
        f"En lo que va de año, el OCDH contabiliza {_es(year_to_date)} acciones represivas.",
        "Entre los abusos documentados figuran citaciones policiales, amenazas, multas y "
        "retenciones en viviendas de activistas y periodistas independientes.",
    ]
    return Post(
        slug=f"{f['repressive_actions']}-acciones-represivas-en-cuba-en-{mes}-de-{y}",
        title=f"{f['repressive_actions']} acciones represivas en Cuba en {mes} de {y}",
        published=published,
        content="\n".join(f"<p>{p}</p>" for p in paras),
    )


def bench_figures(state: dict[str, Any], rng: random.Random) -> dict[str, int]:
    """One month of a deterministic random walk (never the real series)."""
    state["actions"] = max(50, state.get("actions", 300) + rng.randint(-60, 60))
    detentions = state["actions"] * rng.randint(15, 40) // 100
    return {"repressive_actions": state["actions"], "arbitrary_detentions": detentions,
            "other_abuses": state["actions"] - detentions}


def bench_post(y: int, m: int, f: dict[str, int], filler: str) -> Post:
    """A benchmark release: the figures in the organisation's wording, then `filler` prose."""
    ny, nm = shift_month(y, m, 1)
    pub = dt.date(ny, nm, 4)
    mes = MONTH_NAMES_ES[m - 1]
    actions, detentions = f["repressive_actions"], f["arbitrary_detentions"]
    content = (
        f"<p>Madrid, {pub.day} de {MONTH_NAMES_ES[pub.month - 1]} de {pub.year}</p>\n"
        f"<p>El Observatorio Cubano de Derechos Humanos (OCDH) registró durante el mes de "
        f"{mes} un total de {_es(actions)} acciones represivas en Cuba, de las cuales "
        f"{_es(detentions)} fueron detenciones arbitrarias y {_es(actions - detentions)} "
        f"otros abusos.</p>\n" + filler)
    return Post(slug=f"ocdh-{_es(actions)}-acciones-represivas-{mes}-{y}",
                title=f"El OCDH registra {_es(actions)} acciones represivas en {mes}",
                published=pub, content=content)
