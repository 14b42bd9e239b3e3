"""Interface words, months and number formats for the published site (en, es).

Only the interface is translated: evidence sentences stay as the organisation wrote them.
"""

from __future__ import annotations

from monitor.period import Period, month_name

LANGS = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "site_title": "Political prisoners and repression in Cuba: the figures",
        "site_intro": "Monthly figures as published by {orgs}, archived by monitor. Every "
                      "value links to the page it was read from; evidence is quoted as "
                      "published.",
        "as_of": "Figures stored up to {date}.",
        "no_figures": "No figures from this source in the archive yet.",
        "empty": "The archive has no figures yet: run monitor crawl --backfill, then publish "
                 "again.",
        "latest": "Latest of every figure", "figure": "Figure", "period": "Period",
        "value": "Value", "change": "Change",
        "evidence": "Evidence", "source_page": "Source page", "page": "page",
        "qualifier": "Qualifier", "first_seen": "First seen", "revised_from": "Revised from",
        "no_change": "no change", "vs": "vs {period}", "no_previous": "no figure for {period}",
        "at_least": "at least ", "about": "about ",
        "q_exact": "exact", "q_at_least": "at least", "q_about": "about",
        "events": "Recent events", "no_events": "No events recorded yet.",
        "recorded": "Recorded", "source": "Source", "event": "Event",
        "ev_new": "new", "ev_revised": "revised", "ev_conflict": "conflict", "ev_late": "late",
        "checks": "Arithmetic checks", "check": "Check", "stated": "Stated",
        "computed": "Computed", "holds": "Holds", "sum": "Sum",
        "yes": "yes", "no": "NO", "unknown": "—",
        "checks_note": "Whether the published figures add up, per period.",
        "downloads": "Downloads", "dl_csv": "CSV (one row per figure)",
        "dl_wide": "CSV, one column per monthly figure (for charting tools)",
        "dl_json": "JSON", "dl_events": "events (CSV)", "dl_readme": "data dictionary",
        "dl_sums": "SHA-256 checksums", "dl_feed": "Atom feed of new and revised figures",
        "dl_embed": "embeddable chart (SVG)", "home": "All figures",
        "series_title": "{org}: {label}", "table": "Every period",
        "methodology": "How {org} counts", "monthly": "monthly", "yearly": "yearly",
        "chart_revised": "revised value",
        "chart_before": "value before revision",
        "chart_desc": "{label}, {first} to {last}; latest {value} ({period}).",
        "chart_source": "Source: {org} ({host})",
        "chart_date": "Latest: {period} · published {published} · stored by monitor {date}",
        "revisions_n": "{n} revision(s) marked",
        "feed_title": "monitor: new and revised figures",
        "feed_subtitle": "One entry per figure version stored by monitor: {orgs}.",
        "feed_revised": " (revised from {old})",
        "feed_content": "{value} {label} in {period}, as published by {org}{on}.",
        "feed_on": " on {date}", "feed_evidence": "Evidence: \"{evidence}\"",
        "feed_source": "Source: {url}",
    },
    "es": {
        "site_title": "Presos políticos y represión en Cuba: las cifras",
        "site_intro": "Cifras mensuales tal como las publican {orgs}, archivadas por monitor. "
                      "Cada valor enlaza con la página de la que se leyó; el texto se cita "
                      "tal como se publicó.",
        "as_of": "Cifras guardadas hasta el {date}.",
        "no_figures": "Aún no hay cifras de esta fuente en el archivo.",
        "empty": "El archivo aún no tiene cifras: ejecute monitor crawl --backfill y vuelva "
                 "a publicar.",
        "latest": "Última cifra de cada serie", "figure": "Cifra", "period": "Periodo",
        "value": "Valor", "change": "Cambio",
        "evidence": "Texto", "source_page": "Página de origen", "page": "página",
        "qualifier": "Calificador", "first_seen": "Vista por primera vez",
        "revised_from": "Revisada desde",
        "no_change": "sin cambio", "vs": "frente a {period}",
        "no_previous": "sin cifra de {period}",
        "at_least": "al menos ", "about": "unos ",
        "q_exact": "exacta", "q_at_least": "al menos", "q_about": "aproximada",
        "events": "Cambios recientes", "no_events": "Aún no hay cambios registrados.",
        "recorded": "Registrado", "source": "Fuente", "event": "Cambio",
        "ev_new": "nueva", "ev_revised": "revisada", "ev_conflict": "conflicto",
        "ev_late": "retraso",
        "checks": "Comprobaciones aritméticas", "check": "Comprobación", "stated": "Publicado",
        "computed": "Calculado", "holds": "Cuadra", "sum": "Suma",
        "yes": "sí", "no": "NO", "unknown": "—",
        "checks_note": "Si las cifras publicadas cuadran, por periodo.",
        "downloads": "Descargas", "dl_csv": "CSV (una fila por cifra)",
        "dl_wide": "CSV, una columna por cifra mensual (para herramientas de gráficos)",
        "dl_json": "JSON", "dl_events": "cambios (CSV)", "dl_readme": "diccionario de datos",
        "dl_sums": "sumas SHA-256", "dl_feed": "feed Atom de cifras nuevas y revisadas",
        "dl_embed": "gráfico para insertar (SVG)", "home": "Todas las cifras",
        "series_title": "{org}: {label}", "table": "Todos los periodos",
        "methodology": "Cómo cuenta {org}", "monthly": "mensual", "yearly": "anual",
        "chart_revised": "valor revisado",
        "chart_before": "valor antes de la revisión",
        "chart_desc": "{label}, de {first} a {last}; última cifra {value} ({period}).",
        "chart_source": "Fuente: {org} ({host})",
        "chart_date": "Última: {period} · publicada {published} · guardada por monitor {date}",
        "revisions_n": "{n} revisión(es) marcada(s)",
        "feed_title": "monitor: cifras nuevas y revisadas",
        "feed_subtitle": "Una entrada por cada versión de una cifra guardada por monitor: "
                         "{orgs}.",
        "feed_revised": " (revisada desde {old})",
        "feed_content": "{value} {label} en {period}, según {org}{on}.",
        "feed_on": " el {date}", "feed_evidence": "Texto: \"{evidence}\"",
        "feed_source": "Fuente: {url}",
    },
}


def word(lang: str, key: str, **fields: object) -> str:
    text = WORDS[lang][key]
    return text.format(**fields) if fields else text


def number(value: int | None, lang: str) -> str:
    """1185 -> '1,185' (en) or '1.185' (es), as the issue of the site fixes."""
    if value is None:
        return ""
    text = f"{abs(value):,}"
    if lang == "es":
        text = text.replace(",", ".")
    return ("-" if value < 0 else "") + text


def signed(delta: int, lang: str) -> str:
    if delta == 0:
        return word(lang, "no_change")
    return ("+" if delta > 0 else "−") + number(abs(delta), lang)


def qualified(value: int, qualifier: str | None, lang: str) -> str:
    """'at least 438' / 'al menos 438'."""
    prefix = WORDS[lang].get(qualifier or "", "") if qualifier in ("at_least", "about") else ""
    return prefix + number(value, lang)


def period(per: str, lang: str) -> str:
    """'2025-09' -> 'September 2025' / 'septiembre de 2025'; a year stays as it is."""
    return Period.parse(per).label(lang)


def short_period(per: str, lang: str) -> str:
    """'2025-09' -> 'Sep 2025' / 'sept 2025' (chart axes)."""
    return Period.parse(per).short_label(lang)


def date(stamp: str | None, lang: str) -> str:
    """'2025-10-12T06:00:00Z' -> '12 October 2025' / '12 de octubre de 2025'."""
    if not stamp or len(stamp) < 10:
        return stamp or ""
    y, m, d = int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10])
    if lang == "es":
        return f"{d} de {month_name(m, lang)} de {y}"
    return f"{d} {month_name(m, lang)} {y}"


def join(items: list[str], lang: str) -> str:
    """'A, B and C' / 'A, B y C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" y " if lang == "es" else " and ") + items[-1]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
