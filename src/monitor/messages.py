"""Alert texts: plain text that reads well as email and in chat, in English or Spanish."""

from __future__ import annotations

import sqlite3
from typing import Any

from monitor.extract.numbers import MONTH_NAMES_EN, MONTH_NAMES_ES, format_int, shift_month

ORGS = {"prisoners_defenders": "Prisoners Defenders", "ocdh": "OCDH"}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "political_prisoners_total": "political prisoners in Cuba",
        "new_political_prisoners": "new political prisoners",
        "released": "released",
        "convicts_of_conscience": "convicts of conscience",
        "sentenced_of_conscience": "sentenced of conscience",
        "other_political_prisoners": "other political prisoners",
        "women": "women",
        "minors": "minors",
        "with_health_issues": "with serious health issues",
        "mental_health_issues": "with mental health issues",
        "eleven_j_prisoners": "11J prisoners still on the list",
        "present_on_list": "present on the list during the year",
        "repressive_actions": "repressive actions in Cuba",
        "arbitrary_detentions": "arbitrary detentions",
        "other_abuses": "other abuses",
        "violent_detentions": "violent detentions",
        "detentions_women": "detentions of women",
        "detentions_men": "detentions of men",
        "house_sieges": "house sieges",
    },
    "es": {
        "political_prisoners_total": "presos políticos en Cuba",
        "new_political_prisoners": "nuevos presos políticos",
        "released": "excarcelados",
        "convicts_of_conscience": "convictos de conciencia",
        "sentenced_of_conscience": "condenados de conciencia",
        "other_political_prisoners": "otros presos políticos",
        "women": "mujeres",
        "minors": "menores",
        "with_health_issues": "con enfermedades graves",
        "mental_health_issues": "con trastornos mentales",
        "eleven_j_prisoners": "presos del 11J aún en la lista",
        "present_on_list": "presentes en la lista durante el año",
        "repressive_actions": "acciones represivas en Cuba",
        "arbitrary_detentions": "detenciones arbitrarias",
        "other_abuses": "otros abusos",
        "violent_detentions": "detenciones violentas",
        "detentions_women": "detenciones de mujeres",
        "detentions_men": "detenciones de hombres",
        "house_sieges": "sitios a viviendas",
    },
}

WORDS = {
    "en": {"previous": "previous", "change": "change", "source": "Source",
           "evidence": "Evidence", "revised": "revised from {old} to {new}",
           "conflict": "conflicting values on pages published the same day: {values}; "
                       "kept {old}. Please check the sources.",
           "new": "new", "figures": "{n} figures", "at_least": "at least ", "about": "about ",
           "no_previous": "no previous figure"},
    "es": {"previous": "anterior", "change": "cambio", "source": "Fuente",
           "evidence": "Texto", "revised": "revisado de {old} a {new}",
           "conflict": "valores en conflicto en páginas publicadas el mismo día: {values}; "
                       "se mantiene {old}. Revise las fuentes.",
           "new": "nuevo", "figures": "{n} cifras", "at_least": "al menos ", "about": "unos ",
           "no_previous": "sin cifra anterior"},
}


def period_label(period: str, language: str) -> str:
    if len(period) == 7:
        y, m = int(period[:4]), int(period[5:7])
        if language == "es":
            return f"{MONTH_NAMES_ES[m - 1]} de {y}"
        return f"{MONTH_NAMES_EN[m - 1]} {y}"
    return period


def previous_period(period: str) -> str:
    if len(period) == 7:
        y, m = shift_month(int(period[:4]), int(period[5:7]), -1)
        return f"{y:04d}-{m:02d}"
    return str(int(period) - 1)


def _signed(delta: int, language: str) -> str:
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return sign + format_int(abs(delta), language)


def _figure(conn: sqlite3.Connection, source: str, metric: str, period: str) -> Any:
    return conn.execute(
        "SELECT value FROM figures WHERE source=? AND metric=? AND period=?",
        (source, metric, period),
    ).fetchone()


def render_data(conn: sqlite3.Connection, source: str, events: list[sqlite3.Row],
                language: str = "en") -> tuple[str, str]:
    """Title and body of one source's data alert for one cycle; headline figure first."""
    from monitor.diff import HEADLINE

    w = WORDS[language]
    labels = LABELS[language]
    heads = HEADLINE.get(source, ())
    order = {m: i for i, m in enumerate(heads)}
    evs = sorted(events, key=lambda e: (-int(e["period"].replace("-", "").ljust(6, "0")),
                                        order.get(e["metric"], 99), e["metric"]))
    org = ORGS.get(source, source)
    lead = next((e for e in evs if e["metric"] in heads), evs[0])
    qual = w.get(lead["qualifier"] or "exact", "") if lead["qualifier"] != "exact" else ""
    title = (f"{org}: {qual}{format_int(lead['new_value'], language)} "
             f"{labels.get(lead['metric'], lead['metric'])}, "
             f"{period_label(lead['period'], language)}")
    lines: list[str] = []
    for e in evs:
        label = labels.get(e["metric"], e["metric"])
        q = w.get(e["qualifier"], "") if e["qualifier"] and e["qualifier"] != "exact" else ""
        line = (f"- {period_label(e['period'], language)}: {q}"
                f"{format_int(e['new_value'], language)} {label}")
        if e["kind"] == "revised":
            line += " (" + w["revised"].format(old=format_int(e["old_value"], language),
                                               new=format_int(e["new_value"], language)) + ")"
        elif e["kind"] == "conflict":
            import json

            vals = json.loads(e["details"] or "{}").get("values", [])
            line += " (" + w["conflict"].format(
                values=", ".join(format_int(v, language) for v in vals),
                old=format_int(e["old_value"], language)) + ")"
        prev_p = previous_period(e["period"])
        prev = _figure(conn, source, e["metric"], prev_p)
        if prev is not None:
            line += (f"; {w['previous']} ({period_label(prev_p, language)}): "
                     f"{format_int(prev['value'], language)}, {w['change']} "
                     f"{_signed(e['new_value'] - prev['value'], language)}")
        lines.append(line)
        if e["evidence"]:
            lines.append(f"  {w['evidence']}: \"{e['evidence']}\"")
        if e["url"]:
            lines.append(f"  {w['source']}: {e['url']}")
    return title, "\n".join(lines)


OPS_TEXT = {
    "en": {
        "source_failing": ("{org}: source failing", "{n} consecutive runs of {source} failed "
                           "(since {since}).\nLast error: {error}\nWhat to do: check that the "
                           "start URLs in config.toml still answer, and `monitor status`."),
        "source_recovered": ("{org}: source recovered", "{source} works again after "
                             "{n} failed runs."),
        "stale": ("{org}: no new figures for {days} days", "{source} has not produced a new "
                  "period since {since}. The site may have changed its format or stopped "
                  "publishing. Check the site and `monitor status`."),
        "extraction_gap": ("{org}: a report yielded no headline figure", "The page {url} "
                           "looks like a monthly report, but no headline figure could be "
                           "read from it. Nothing was guessed. Please check the page; "
                           "`monitor extract --source {source} {url}` shows what is read."),
    },
    "es": {
        "source_failing": ("{org}: la fuente falla", "{n} ejecuciones seguidas de {source} "
                           "fallaron (desde {since}).\nÚltimo error: {error}\nQué hacer: "
                           "compruebe que las URL de inicio de config.toml responden y "
                           "`monitor status`."),
        "source_recovered": ("{org}: la fuente se ha recuperado", "{source} vuelve a "
                             "funcionar tras {n} ejecuciones fallidas."),
        "stale": ("{org}: sin cifras nuevas en {days} días", "{source} no ha producido un "
                  "periodo nuevo desde {since}. El sitio puede haber cambiado de formato o "
                  "dejado de publicar. Revise el sitio y `monitor status`."),
        "extraction_gap": ("{org}: un informe sin cifra principal", "La página {url} parece "
                           "un informe mensual, pero no se pudo leer su cifra principal. No se "
                           "ha inventado nada. Revise la página; `monitor extract --source "
                           "{source} {url}` muestra lo que se lee."),
    },
}


def render_ops(event: sqlite3.Row, language: str = "en") -> tuple[str, str]:
    import json

    details = json.loads(event["details"] or "{}")
    title_t, body_t = OPS_TEXT[language][event["kind"]]
    fields = {"org": ORGS.get(event["source"], event["source"]), "source": event["source"],
              "url": event["url"] or "", "n": details.get("failures", ""),
              "since": details.get("since", ""), "error": details.get("error", ""),
              "days": details.get("days", "")}
    return title_t.format(**fields), body_t.format(**fields)
