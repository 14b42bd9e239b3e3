"""feed.atom: one entry per figure version (feedgen writes it).

An entry's id is derived from (source, metric, period, value) only, so a rerun gives the
same entry and a revision gives a new one. `updated` is when the monitor stored that
value and the feed's own `updated` the newest of them: nothing in the file depends on
when it was built. Links are relative to the feed unless --base-url is given.
"""

from __future__ import annotations

from urllib.parse import quote

from feedgen.feed import FeedGenerator

from monitor import __version__
from monitor.period import is_monthly
from monitor.publish import i18n, model
from monitor.publish.model import Snapshot, Version

EPOCH = "1970-01-01T00:00:00Z"


def entry_id(source: str, metric: str, period: str, value: int) -> str:
    """Stable for (source, metric, period, value), whatever the site's address."""
    return f"urn:monitor:figure:{quote(source)}:{quote(metric)}:{period}:{value}"


def title(v: Version, lang: str) -> str:
    """Like the alert's headline: 'Prisoners Defenders: 1,187 political prisoners in Cuba,
    September 2025 (revised from 1,183)'."""
    text = (f"{model.short_name(v.source)}: {i18n.qualified(v.value, v.qualifier, lang)} "
            f"{model.label(v.source, v.metric, lang, not is_monthly(v.period))}, "
            f"{i18n.period(v.period, lang)}")
    if v.old_value is not None:
        text += i18n.word(lang, "feed_revised", old=i18n.number(v.old_value, lang))
    return text


def summary(v: Version, lang: str) -> str:
    yearly = not is_monthly(v.period)
    parts = [i18n.word(lang, "feed_content", value=i18n.qualified(v.value, v.qualifier, lang),
                       label=model.label(v.source, v.metric, lang, yearly),
                       period=i18n.period(v.period, lang), org=model.organisation(v.source),
                       on=i18n.word(lang, "feed_on", date=v.published) if v.published else "")]
    if v.evidence:
        parts.append(i18n.word(lang, "feed_evidence", evidence=" ".join(v.evidence.split())))
    if v.url:
        parts.append(i18n.word(lang, "feed_source", url=v.url))
    return " ".join(parts)


def _link(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def build(snap: Snapshot, lang: str, base_url: str = "") -> bytes:
    fg = FeedGenerator()
    fg.id(_link(base_url, "feed.atom") if base_url else "urn:monitor:feed")
    fg.title(i18n.word(lang, "feed_title"))
    orgs = i18n.join([model.organisation(s) for s in snap.source_names], lang)
    fg.subtitle(i18n.word(lang, "feed_subtitle", orgs=orgs))
    fg.language(lang)
    fg.generator("monitor", version=__version__)
    fg.link(href=_link(base_url, "index.html"), rel="alternate", type="text/html")
    if base_url:
        fg.link(href=_link(base_url, "feed.atom"), rel="self",
                type="application/atom+xml")
    fg.updated(max((v.stored for v in snap.versions), default=EPOCH))
    for v in snap.versions:  # oldest first: feedgen puts each new entry on top
        fe = fg.add_entry()
        fe.id(entry_id(v.source, v.metric, v.period, v.value))
        fe.title(title(v, lang))
        fe.updated(v.stored)
        fe.author({"name": model.organisation(v.source)})
        # one link only: feedgen 1.0 drops an entry link's rel and type, so a second one
        # would read as a second "alternate"; the source page is in the summary
        fe.link(href=_link(base_url, f"series/{v.source}/{v.metric}.html"))
        fe.category(term=v.metric, label=model.label(v.source, v.metric, lang,
                                                     not is_monthly(v.period)))
        fe.summary(summary(v, lang))
    return fg.atom_str(pretty=True)
