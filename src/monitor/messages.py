"""Alert texts: plain text that reads well as email and in chat, in English or Spanish.

Data alerts (one per source per cycle) lead with the headline figure in the title, then
list every new or revised figure with the previous period, the signed change, the
evidence sentence and the page it came from. Operational alerts say what broke, since
when, the last error, and what the operator can do. No markup: the same text goes to an
email body and to Telegram / Slack / Matrix through apprise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from monitor import sources
from monitor.extract.numbers import format_int
from monitor.period import is_monthly
from monitor.period import label as period_label
from monitor.period import previous as previous_period

if TYPE_CHECKING:
    from monitor.archive.events import Event
    from monitor.checks import Result

Figures = Mapping[tuple[str, str], tuple[int, str]]  # (metric, period) -> (value, qualifier)


def org(source: str) -> str:
    """The organisation's short name for alerts and tables (the source name if unknown)."""
    try:
        return sources.get(source).short_name
    except KeyError:
        return source


def label(source: str, metric: str, language: str = "en", period: str | None = None) -> str:
    """The declared en/es label of a metric (its yearly label for a `YYYY` period)."""
    yearly = period is not None and not is_monthly(period)
    try:
        return sources.get(source).label(metric, language, yearly=yearly)
    except KeyError:
        return metric.replace("_", " ")


def metric_order(source: str) -> dict[str, int]:
    """Headline metrics first, then the rest in the order the source declares them."""
    try:
        src = sources.get(source)
    except KeyError:
        return {}
    names = list(dict.fromkeys([*src.headline, *src.metric_names]))
    return {m: i for i, m in enumerate(names)}


class _Orgs(Mapping[str, str]):
    """source -> short name, read from the registry (kept for callers that index it)."""

    def __getitem__(self, source: str) -> str:
        return sources.get(source).short_name

    def __iter__(self) -> Iterator[str]:
        return iter(sources.names())

    def __len__(self) -> int:
        return len(sources.names())


class _Labels(Mapping[str, str]):
    """metric -> monthly label in one language, over every registered source."""

    def __init__(self, language: str) -> None:
        self.language = language

    def _all(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for src in sources.all_sources():
            for m in src.metric_names:
                out.setdefault(m, src.label(m, self.language))
        return out

    def __getitem__(self, metric: str) -> str:
        return self._all()[metric]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


ORGS: Mapping[str, str] = _Orgs()
LABELS: dict[str, Mapping[str, str]] = {"en": _Labels("en"), "es": _Labels("es")}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "source": "Source", "evidence": "Evidence", "change": "change",
        "no_change": "no change", "no_previous": "no figure",
        "revised": "revised from {old} to {new}", "revised_short": "revised from {old}",
        "new_header": "{period}: new figures", "revised_header": "{period}: revised figures",
        "conflict_header": "{period}: conflicting figures",
        "conflict": "pages published on {date} disagree: {values}. The accepted value "
                    "stays {old}; please check which one is right.",
        "conflict_title": "{org}: conflicting figures for {period}, please check",
        "pages": "Pages", "at_least": "at least ", "about": "about ",
        "intro": "{org} published figures that the monitor had not seen before.",
        "check": "Check",
    },
    "es": {
        "source": "Fuente", "evidence": "Texto", "change": "cambio",
        "no_change": "sin cambio", "no_previous": "sin cifra",
        "revised": "revisado de {old} a {new}", "revised_short": "revisado de {old}",
        "new_header": "{period}: cifras nuevas", "revised_header": "{period}: cifras revisadas",
        "conflict_header": "{period}: cifras contradictorias",
        "conflict": "páginas publicadas el {date} no coinciden: {values}. Se mantiene "
                    "{old}; revise cuál es la correcta.",
        "conflict_title": "{org}: cifras contradictorias para {period}, revíselas",
        "pages": "Páginas", "at_least": "al menos ", "about": "unos ",
        "intro": "{org} ha publicado cifras que el monitor no había visto antes.",
        "check": "Comprobación",
    },
}


def signed(delta: int, language: str) -> str:
    """+5 / -3 (ASCII minus, so it survives every mail client and chat)."""
    if delta == 0:
        return WORDS[language]["no_change"]
    return ("+" if delta > 0 else "-") + format_int(abs(delta), language)


def change(delta: int, language: str) -> str:
    """'change +5' / 'change -3', and plainly 'no change' (never 'change no change')."""
    if delta == 0:
        return WORDS[language]["no_change"]
    return f"{WORDS[language]['change']} {signed(delta, language)}"


def plural(n: int, one: str, many: str) -> str:
    """'1 alert message' / '2 alert messages': a count never reads '(s)'."""
    return f"{n:,} {one if n == 1 else many}"


def _num(value: int, qualifier: str | None, language: str) -> str:
    q = WORDS[language].get(qualifier or "", "") if qualifier not in (None, "", "exact") else ""
    return q + format_int(value, language)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sort_key(order: dict[str, int]):
    def key(e: Event) -> tuple:
        kind_rank = {"new": 0, "revised": 1, "conflict": 2}.get(e.kind, 3)
        per = e.period or ""
        # newest period first; a month sorts before its year
        return (kind_rank, [-ord(c) for c in per.ljust(7, " ")], order.get(e.metric, 99),
                e.metric or "")
    return key


def render_data(source: str, events: Sequence[Event], language: str = "en", *,
                figures: Figures | None = None,
                checks: Mapping[str, Sequence[Result]] | None = None) -> tuple[str, str]:
    """Title and body of one source's data alert for one cycle; headline figure first.

    Rendered from values alone: `figures` are the source's accepted figures (for the
    previous period of each new one), `checks` the arithmetic results per period."""
    figures = figures or {}
    checks = checks or {}
    w = WORDS[language]
    org_name = org(source)
    order = metric_order(source)
    headline = set(sources.get(source).headline) if source in sources.names() else set()
    evs = sorted(events, key=_sort_key(order))
    figs = [e for e in evs if e.kind in ("new", "revised")]
    if figs:
        heads = [e for e in figs if e.metric in headline]
        newest = max(e.period for e in figs)
        lead = next((e for e in heads if e.period == newest), None) or (
            heads[0] if heads else figs[0])
        title = (f"{org_name}: {_num(lead.new_value, lead.qualifier, language)} "
                 f"{label(source, lead.metric, language, lead.period)}, "
                 f"{period_label(lead.period, language)}")
        if lead.kind == "revised":
            title += " (" + w["revised_short"].format(
                old=format_int(lead.old_value, language)) + ")"
    else:
        title = w["conflict_title"].format(org=org_name,
                                           period=period_label(evs[0].period, language))
    lines: list[str] = [w["intro"].format(org=org_name)] if any(
        e.kind == "new" for e in evs) else []
    group: tuple | None = None
    urls: list[str] = []
    checked: set[str] = set()

    def flush() -> None:
        if group and group[0] in ("new", "revised") and group[1] not in checked:
            checked.add(group[1])
            lines.extend(check_lines(checks.get(group[1], ()), source, language))
        for u in urls:
            lines.append(f"{w['source']}: {u}")
        urls.clear()

    for e in evs:
        header_key = (e.kind, e.period)
        if header_key != group:
            flush()
            group = header_key
            lines.append("")
            lines.append(w[f"{e.kind}_header"].format(
                period=_cap(period_label(e.period, language))))
        lines.extend(_figure_lines(figures, source, e, language))
        if e.kind != "conflict" and e.url and e.url not in urls:
            urls.append(e.url)
    flush()
    return title, "\n".join(lines).strip() + "\n"


def check_lines(results: Sequence[Result], source: str, language: str) -> list[str]:
    """One line per arithmetic identity checked for a period (`results`, see
    checks.for_period): it adds up (✓), or what does not add up and what the report says.
    A failure never withholds a figure."""
    from monitor import checks

    w = WORDS[language]
    return [f"- {w['check']} ({checks.label(source, r.check, language)}): {r.text(language)}"
            for r in results]


def _figure_lines(figures: Figures, source: str, e: Event, language: str) -> list[str]:
    w = WORDS[language]
    name = _cap(label(source, e.metric, language, e.period))
    out: list[str] = []
    if e.kind == "conflict":
        vals = e.details.get("values", [])
        out.append(f"- {name}: " + w["conflict"].format(
            date=e.details.get("published", "?"),
            values=", ".join(format_int(v, language) for v in vals),
            old=format_int(e.old_value, language)))
        for u in e.details.get("urls", []):
            out.append(f"  {w['pages']}: {u}")
        return out
    value = _num(e.new_value, e.qualifier, language)
    prev_p = previous_period(e.period)
    prev = figures.get((e.metric, prev_p))
    prev_label = period_label(prev_p, language)
    if e.kind == "revised":
        line = f"- {name}: " + w["revised"].format(
            old=format_int(e.old_value, language), new=value)
        line += f" ({change(e.new_value - e.old_value, language)})"
    else:
        line = f"- {name}: {value}"
        if prev is not None:
            prev_value, prev_qualifier = prev
            line += (f" ({prev_label}: {_num(prev_value, prev_qualifier, language)}, "
                     f"{change(e.new_value - prev_value, language)})")
        else:
            line += f" ({prev_label}: {w['no_previous']})"
    out.append(line)
    if e.evidence:
        out.append(f"  {w['evidence']}: \"{' '.join(e.evidence.split())}\"")
    return out


def when(stamp: str | None) -> str:
    """'2025-10-12T06:00:00Z' -> '2025-10-12 06:00 UTC'."""
    if not stamp:
        return "?"
    return stamp.replace("T", " ")[:16] + " UTC" if "T" in stamp else stamp


def human_duration(seconds: int, language: str) -> str:
    units = (("days", "días", 86400), ("hours", "horas", 3600), ("minutes", "minutos", 60))
    for en, es, size in units:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {es if language == 'es' else en}"
    return f"{seconds} {'segundos' if language == 'es' else 'seconds'}"


OPS_TEXT = {
    "en": {
        "late": (
            "monitor: {org} report for {period} is late",
            "What: the {org} report for {period} was due by day {due_by_day} of the next "
            "month; the archive has no figure for {period}, and it is late since {since}.\n"
            "Newest period on file: {newest}\n"
            "What to do: look at the site. If the report is out, run `monitor crawl --source "
            "{source}`; if it is not read, `monitor extract --source {source} <report URL>` "
            "shows what is read. You will get one message when it arrives (one per missing "
            "month)."),
        "late_cleared": (
            "monitor: {org} report for {period} has arrived",
            "The {org} report for {period}, late since {since}, is in the archive since "
            "{at}.\nNothing to do: its figures come in their own alert."),
        "source_failing": (
            "monitor: {org} is failing ({runs} in a row)",
            "What broke: {source} has had {runs} in a row.\n"
            "Since: {since}\n"
            "Last error: {error}\n"
            "What to do: open the start URLs ({start_urls}) in a browser; if the site "
            "moved, update sources.{source}.start_urls and allowed_domains in config.toml. "
            "`monitor status` shows the runs; `monitor crawl --source {source}` tries again "
            "now. You will get one message when it works again."),
        "source_recovered": (
            "monitor: {org} works again",
            "{source} ran successfully at {at} after {runs} (failing since "
            "{since}).\nNothing to do: figures published meanwhile, if any, come in their "
            "own alert."),
        "stale": (
            "monitor: no new {org} figures since {since_date}",
            "What: the monitor has not stored a new period for {source} since {since} "
            "(newest period: {newest}); the limit (stale_after) is {limit}.\n"
            "Last successful run: {last_success}\n"
            "Why it can happen: {org} has not published yet, or its site changed and the "
            "report is no longer found or read.\n"
            "What to do: look at the site. If a newer report is there, run `monitor "
            "extract --source {source} <report URL>` to see what is read, and check "
            "`monitor status`. You will not get this alert again until a new period "
            "arrives and goes stale again."),
        "extraction_gap": (
            "monitor: {org} report without a headline figure",
            "What: {count_pages} like a monthly report, but no headline figure "
            "could be read from {them}. Nothing was guessed or stored for them.\n"
            "{pages}\n"
            "What to do: open the page; `monitor extract --source {source} <URL>` shows "
            "what the extractor reads. If the wording changed, the extractor needs a fix "
            "(then `monitor reparse --source {source}`)."),
    },
    "es": {
        "late": (
            "monitor: el informe de {org} de {period} llega tarde",
            "Qué pasa: el informe de {org} de {period} debía publicarse a más tardar el día "
            "{due_by_day} del mes siguiente; no hay ninguna cifra de {period} en el archivo y "
            "llega tarde desde {since}.\n"
            "Periodo más reciente archivado: {newest}\n"
            "Qué hacer: mire el sitio. Si el informe está publicado, ejecute `monitor crawl "
            "--source {source}`; si no se lee, `monitor extract --source {source} <URL del "
            "informe>` muestra qué se lee. Recibirá un mensaje cuando llegue (una vez por "
            "mes que falte)."),
        "late_cleared": (
            "monitor: ha llegado el informe de {org} de {period}",
            "El informe de {org} de {period}, que llegaba tarde desde {since}, está en el "
            "archivo desde {at}.\nNo hay que hacer nada: sus cifras llegan en su propio "
            "aviso."),
        "source_failing": (
            "monitor: {org} falla ({runs} seguidas)",
            "Qué falla: {source} ha tenido {runs} seguidas.\n"
            "Desde: {since}\n"
            "Último error: {error}\n"
            "Qué hacer: abra las URL de inicio ({start_urls}) en un navegador; si el sitio "
            "se ha movido, actualice sources.{source}.start_urls y allowed_domains en "
            "config.toml. `monitor status` muestra las ejecuciones; `monitor crawl --source "
            "{source}` lo intenta de nuevo ahora. Recibirá un mensaje cuando vuelva a "
            "funcionar."),
        "source_recovered": (
            "monitor: {org} vuelve a funcionar",
            "{source} se ejecutó correctamente el {at} tras {runs} "
            "(fallaba desde {since}).\nNo hay que hacer nada: las cifras publicadas "
            "mientras tanto, si las hay, llegan en su propio aviso."),
        "stale": (
            "monitor: sin cifras nuevas de {org} desde {since_date}",
            "Qué pasa: el monitor no ha guardado un periodo nuevo de {source} desde "
            "{since} (periodo más reciente: {newest}); el límite (stale_after) es "
            "{limit}.\n"
            "Última ejecución correcta: {last_success}\n"
            "Por qué puede pasar: {org} aún no ha publicado, o su sitio ha cambiado y el "
            "informe ya no se encuentra o no se lee.\n"
            "Qué hacer: mire el sitio. Si hay un informe más reciente, ejecute `monitor "
            "extract --source {source} <URL del informe>` para ver qué se lee, y revise "
            "`monitor status`. No recibirá este aviso otra vez hasta que llegue un periodo "
            "nuevo y vuelva a pasar el plazo."),
        "extraction_gap": (
            "monitor: informe de {org} sin cifra principal",
            "Qué pasa: {count_pages} un informe mensual, pero no se pudo leer "
            "su cifra principal. No se ha inventado ni guardado nada.\n"
            "{pages}\n"
            "Qué hacer: abra la página; `monitor extract --source {source} <URL>` muestra "
            "lo que lee el extractor. Si la redacción cambió, hay que corregir el extractor "
            "(y luego `monitor reparse --source {source}`)."),
    },
}


def _runs(n: int | None, language: str) -> str:
    """'3 failed runs' / '1 failed run' (es: '3 ejecuciones fallidas')."""
    n = n or 0
    if language == "es":
        return f"{n} ejecución fallida" if n == 1 else f"{n} ejecuciones fallidas"
    return f"{n} failed run" if n == 1 else f"{n} failed runs"


def render_ops(events: Sequence[Event], language: str = "en") -> tuple[str, str]:
    """One operational alert for events of one kind and one source (gaps are grouped)."""
    first = events[0]
    details = first.details
    none = "—"
    kind = first.kind
    if kind == "late" and details.get("state") == "cleared":
        kind = "late_cleared"
    title_t, body_t = OPS_TEXT[language][kind]
    pages = "\n".join(f"- {e.url}" + (f" ({e.details['title']})" if e.details.get("title")
                                      else "") for e in events)
    newest = details.get("newest")
    fields = {
        "org": org(first.source), "source": first.source,
        "n": details.get("failures", "?"), "since": when(details.get("since")),
        "since_date": (details.get("since") or "?")[:10], "error": details.get("error") or none,
        "at": when(details.get("at") or details.get("arrived") or first.created),
        "period": period_label(first.period, language) if first.period else none,
        "due_by_day": details.get("due_by_day", "?"),
        "start_urls": ", ".join(details.get("start_urls", [])) or none,
        "newest": period_label(newest, language) if newest else none,
        "limit": human_duration(int(details.get("stale_after", 0)), language),
        "last_success": when(details.get("last_success")) if details.get("last_success")
        else none,
        "count": len(events), "pages": pages,
        "count_pages": (plural(len(events), "página parece", "páginas parecen")
                        if language == "es" else
                        plural(len(events), "page looks", "pages look")),
        "them": "it" if len(events) == 1 else "them",
        "runs": _runs(details.get("failures"), language),
    }
    return title_t.format(**fields), body_t.format(**fields)


def render_test(language: str = "en") -> tuple[str, str]:
    if language == "es":
        return ("monitor: mensaje de prueba",
                "Este es un mensaje de prueba de monitor. Si puede leerlo, los avisos llegan "
                "a este destino.")
    return ("monitor: test alert",
            "This is a test message from monitor. If you can read it, alerts reach this "
            "target.")
