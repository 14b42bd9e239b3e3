"""The downloads: data/<source>.csv and .json (one row per figure), a wide monthly CSV
for charting tools, data/events.csv, the data dictionary and SHA256SUMS.

Values are written as stored (integers, ISO dates, the evidence as published), whatever
the interface language; only the data dictionary is written in the site's language.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from monitor.publish import i18n, model, notes
from monitor.publish.model import Figure, Snapshot

FIGURE_COLUMNS = ["source", "metric", "period", "value", "qualifier", "published", "url",
                  "evidence", "first_seen", "last_changed", "revised_from"]
EVENT_COLUMNS = ["id", "created", "source", "kind", "metric", "period", "old_value",
                 "new_value", "qualifier", "url", "evidence", "details"]

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "en": {
        "source": "the source's name in the monitor (one file per source)",
        "metric": "what is counted (see Metrics below)",
        "period": "YYYY-MM for a monthly figure (the month counted, not the month it was "
                  "published), YYYY for a yearly one",
        "value": "the figure, an integer",
        "qualifier": "exact; at_least when the organisation wrote \"at least\" / \"more "
                     "than\"; about when it wrote \"nearly\" / \"some\"",
        "published": "publication date (YYYY-MM-DD) of the page the value was read from",
        "url": "that page",
        "evidence": "the sentence the value was read from, as published (not translated)",
        "first_seen": "when the monitor first stored a value for this source, metric and "
                      "period (UTC)",
        "last_changed": "when the monitor stored the current value (UTC)",
        "revised_from": "the value before the latest revision, empty if never revised",
        "id": "the event's number (increasing)",
        "created": "when the monitor recorded the event (UTC)",
        "kind": "new (first value for the period), revised (a later page changed it), "
                "conflict (two pages of the same day disagree; the value stays), late (the "
                "report for a month is overdue)",
        "old_value": "the value before (revised, conflict)",
        "new_value": "the value after (new, revised) or the other page's value",
        "details": "JSON with more about the event (conflicting values and pages; the month "
                   "that is late)",
    },
    "es": {
        "source": "nombre de la fuente en el monitor (un fichero por fuente)",
        "metric": "qué se cuenta (ver Métricas más abajo)",
        "period": "AAAA-MM para una cifra mensual (el mes que se cuenta, no el mes en que se "
                  "publicó), AAAA para una anual",
        "value": "la cifra, un número entero",
        "qualifier": "exact; at_least cuando la organización escribió \"al menos\" / \"más "
                     "de\"; about cuando escribió \"casi\" / \"unos\"",
        "published": "fecha de publicación (AAAA-MM-DD) de la página de la que se leyó",
        "url": "esa página",
        "evidence": "la frase de la que se leyó la cifra, tal como se publicó (sin traducir)",
        "first_seen": "cuándo guardó el monitor por primera vez un valor para esta fuente, "
                      "métrica y periodo (UTC)",
        "last_changed": "cuándo guardó el monitor el valor actual (UTC)",
        "revised_from": "el valor anterior a la última revisión; vacío si nunca se revisó",
        "id": "número del cambio (creciente)",
        "created": "cuándo registró el monitor el cambio (UTC)",
        "kind": "new (primer valor del periodo), revised (una página posterior lo cambió), "
                "conflict (dos páginas del mismo día no coinciden; el valor se mantiene), "
                "late (el informe de un mes se retrasa)",
        "old_value": "el valor anterior (revised, conflict)",
        "new_value": "el valor nuevo (new, revised) o el de la otra página",
        "details": "JSON con más datos del cambio (valores y páginas en conflicto; el mes "
                   "que se retrasa)",
    },
}

README_WORDS = {
    "en": {"title": "Data dictionary", "files": "Files", "columns": "Columns of",
           "metrics": "Metrics", "monthly": "monthly", "yearly": "yearly",
           "wide": "one row per month, one column per monthly metric (the value only; for "
                   "charting tools such as Datawrapper)",
           "figures": "one row per figure: the accepted value for each metric and period",
           "json": "the same rows as the CSV, as a JSON array of objects",
           "events": "the change log: new, revised, conflicting and late figures",
           "sums": "SHA-256 of every other file here (`sha256sum -c SHA256SUMS`)",
           "encoding": "CSV files are UTF-8, comma-separated, with a header row; empty "
                       "cells are missing values. Numbers are plain integers (no thousands "
                       "separator)."},
    "es": {"title": "Diccionario de datos", "files": "Ficheros", "columns": "Columnas de",
           "metrics": "Métricas", "monthly": "mensual", "yearly": "anual",
           "wide": "una fila por mes, una columna por métrica mensual (solo el valor; para "
                   "herramientas de gráficos como Datawrapper)",
           "figures": "una fila por cifra: el valor aceptado de cada métrica y periodo",
           "json": "las mismas filas que el CSV, como lista JSON de objetos",
           "events": "el registro de cambios: cifras nuevas, revisadas, en conflicto y con "
                     "retraso",
           "sums": "SHA-256 de los demás ficheros de esta carpeta (`sha256sum -c SHA256SUMS`)",
           "encoding": "Los CSV están en UTF-8, separados por comas y con fila de cabecera; "
                       "una celda vacía es un valor que falta. Los números son enteros sin "
                       "separador de miles."},
}


def figure_row(f: Figure) -> dict[str, Any]:
    return {"source": f.source, "metric": f.metric, "period": f.period, "value": f.value,
            "qualifier": f.qualifier, "published": f.published, "url": f.url,
            "evidence": f.evidence, "first_seen": f.first_seen,
            "last_changed": f.last_changed,
            "revised_from": f.revised_from[-1][0] if f.revised_from else None}


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in columns])
    return buf.getvalue().encode("utf-8")


def wide_metrics(snap: Snapshot, source: str) -> list[str]:
    return [m for m in snap.metrics(source) if snap.series(source, m, yearly=False)]


def files(snap: Snapshot, lang: str) -> dict[str, bytes]:
    """data/... path -> bytes, SHA256SUMS last."""
    out: dict[str, bytes] = {}
    for source in snap.source_names:
        rows = [figure_row(f) for f in snap.of(source)]
        out[f"data/{source}.csv"] = _csv(FIGURE_COLUMNS, rows)
        out[f"data/{source}.json"] = (json.dumps(rows, ensure_ascii=False, indent=1)
                                      + "\n").encode("utf-8")
        metrics = wide_metrics(snap, source)
        by_period: dict[str, dict[str, Any]] = {}
        for m in metrics:
            for f in snap.series(source, m, yearly=False):
                by_period.setdefault(f.period, {"period": f.period})[m] = f.value
        out[f"data/{source}_monthly.csv"] = _csv(["period", *metrics],
                                                 [by_period[p] for p in sorted(by_period)])
    out["data/events.csv"] = _csv(EVENT_COLUMNS, snap.events)
    out["data/README.md"] = readme(snap, lang).encode("utf-8")
    sums = "".join(f"{hashlib.sha256(body).hexdigest()}  {path.removeprefix('data/')}\n"
                   for path, body in sorted(out.items()))
    out["data/SHA256SUMS"] = sums.encode("ascii")
    return out


def readme(snap: Snapshot, lang: str) -> str:
    w = README_WORDS[lang]
    docs = COLUMN_DOCS[lang]
    lines = [f"# {w['title']}", "", w["encoding"], "", f"## {w['files']}", ""]
    for source in snap.source_names:
        org = model.organisation(source)
        lines.append(f"- `{source}.csv` ({org}): {w['figures']}")
        lines.append(f"- `{source}.json` ({org}): {w['json']}")
        lines.append(f"- `{source}_monthly.csv` ({org}): {w['wide']}")
    lines += [f"- `events.csv`: {w['events']}", f"- `SHA256SUMS`: {w['sums']}", ""]
    for name, cols in (("`<source>.csv` / `<source>.json`", FIGURE_COLUMNS),
                       ("`events.csv`", EVENT_COLUMNS)):
        lines += [f"## {w['columns']} {name}", "", "| column | |", "|---|---|"]
        lines += [f"| `{c}` | {docs[c]} |" for c in cols]
        lines.append("")
    lines += [f"## {w['metrics']}", ""]
    for source in snap.source_names:
        lines += [f"### {model.organisation(source)} (`{source}`)", "",
                  "| metric | period | |", "|---|---|---|"]
        for metric, yearly in notes.declared_metrics(source, snap):
            text = notes.definition(source, metric, lang, yearly) or i18n.cap(
                model.label(source, metric, lang, yearly))
            kind = w["yearly"] if yearly else w["monthly"]
            lines.append(f"| `{metric}` | {kind} | {text} |")
        note = notes.methodology(source, lang)
        if note:
            lines += ["", note]
        lines.append("")
    return "\n".join(lines)
