"""Sample Prisoners Defenders posts (own wording) for `monitor demo` and bench/sitegen.py.

The demo renders `sample.json`'s illustrative figures with `demo_post`; the benchmark
walks figures with `bench_figures` and renders them with `bench_post`. Neither is read by
the extractor: they only make pages in the shape of the organisation's real reports.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from monitor.extract.numbers import MONTH_NAMES_ES, format_int, shift_month
from monitor.wpsite import Post

SITE_TITLE = "Prisoners Defenders"
URL_STYLE = "dated"        # /YYYY/MM/DD/<slug>/, as declared by post_path
POSTS_NOUN = "monthly reports"


def _es(n: int) -> str:
    return format_int(n, "es")


def _next_month(per: str, day: int) -> dt.date:
    y, m = shift_month(int(per[:4]), int(per[5:7]), 1)
    return dt.date(y, m, day)


def _mes(per: str) -> tuple[str, int]:
    return MONTH_NAMES_ES[int(per[5:7]) - 1], int(per[:4])


def demo_post(per: str, series: dict[str, dict[str, int]],
              published: dt.date | None = None) -> Post:
    """The monthly report for `per`; the 12-month count comes from the series before it."""
    periods = sorted(p for p in series if p <= per)
    window = periods[-12:]
    last12 = (sum(series[p]["new_political_prisoners"] for p in window)
              if len(window) == 12 else None)
    return report_post(per, series[per], last12, published)


def report_post(per: str, f: dict[str, int], last12: int | None = None,
                published: dt.date | None = None) -> Post:
    """A Prisoners Defenders monthly report in the shape of the real ones (own wording)."""
    mes, y = _mes(per)
    published = published or _next_month(per, 8 + int(per[5:7]) % 6)
    total = f["political_prisoners_total"]
    paras = [
        f"La lista mensual de Prisoners Defenders, con cierre de datos a "
        f"{published.day} de {MONTH_NAMES_ES[published.month - 1]} de {published.year}, "
        f"contiene un total de {_es(total)} presos políticos y de conciencia en Cuba.",
        f"En {mes} entraron en la lista {f['new_political_prisoners']} nuevos presos "
        f"políticos, y otros {f['released']} salieron de ella tras cumplir su condena.",
        f"De ellos, {f['convicts_of_conscience']} son convictos de conciencia, "
        f"{f['sentenced_of_conscience']} condenados de conciencia y "
        f"{f['other_political_prisoners']} otros presos políticos.",
        f"La lista incluye {f['women']} mujeres y {f['minors']} menores de edad, y "
        f"{f['with_health_issues']} presos políticos padecen enfermedades graves.",
    ]
    if last12 is not None:
        paras.append(f"En los últimos 12 meses entraron en la lista {last12} nuevos presos "
                     f"políticos (un promedio de {round(last12 / 12)} al mes).")
    paras.append("La organización pide a la comunidad internacional que exija la liberación "
                 "de todas las personas encarceladas por sus ideas.")
    slug_total = _es(total).replace(".", "-")
    return Post(
        slug=f"{slug_total}-presos-politicos-en-cuba-en-{mes}-de-{y}",
        title=f"Prisoners Defenders: {_es(total)} presos políticos en Cuba en {mes} de {y}",
        subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
        published=published,
        content="\n".join(f"<p>{p}</p>" for p in paras),
    )


def correction_post(per: str, figures: dict[str, int], published: dt.date) -> Post:
    """A later post that corrects one month's total: the archive records a revision."""
    mes, y = _mes(per)
    total = figures["political_prisoners_total"]
    return Post(
        slug=f"actualizacion-de-la-lista-de-{mes}-de-{y}",
        title=f"Prisoners Defenders actualiza la lista de {mes} de {y}",
        subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
        published=published,
        content=(f"<p>Tras verificar casos documentados con retraso, la lista de {mes} de {y} "
                 f"contiene un total de {_es(total)} presos políticos en Cuba.</p>\n"
                 "<p>La organización actualiza así la cifra publicada inicialmente.</p>"),
    )


def bench_figures(state: dict[str, Any], rng: random.Random) -> dict[str, int]:
    """One month of a deterministic random walk (never the real series)."""
    new = rng.randint(8, 40)
    state["total"] = max(100, state.get("total", 900) + new - rng.randint(5, 40))
    return {"political_prisoners_total": state["total"], "new_political_prisoners": new}


def bench_post(y: int, m: int, f: dict[str, int], filler: str) -> Post:
    """A benchmark report: the figures in the organisation's wording, then `filler` prose."""
    ny, nm = shift_month(y, m, 1)
    pub = dt.date(ny, nm, 10)
    mes = MONTH_NAMES_ES[m - 1]
    total, new = f["political_prisoners_total"], f["new_political_prisoners"]
    women, minors = total // 10, max(1, total // 40)
    content = (
        f"<p>La lista mensual de Prisoners Defenders, con cierre de datos a fecha "
        f"{pub.day} de {MONTH_NAMES_ES[pub.month - 1]} de {pub.year}, contiene un total de "
        f"{_es(total)} presos políticos y de conciencia en Cuba.</p>\n"
        f"<p>En {mes} se incorporaron {new} nuevos presos políticos a la lista.</p>\n"
        f"<p>Entre ellos hay {women} mujeres y {minors} menores de edad.</p>\n"
        + filler)
    return Post(slug=f"{total}-presos-politicos-en-cuba-en-{mes}-de-{y}",
                title=f"Prisoners Defenders: {_es(total)} presos políticos en Cuba en {mes} "
                      f"de {y}",
                subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
                published=pub, content=content)
