"""WordPress-shaped benchmark sites: N monthly reports per source, in each source's shape.

Each source folder's sample.py writes its posts (`bench_figures`, `bench_post`); this
module adds the shared filler prose and theme weight and iterates the registry. Posts
carry the figures in the wording the organisations use (paraphrased), plus the kind of
surrounding prose a real report has, so extraction costs what it costs on real
pages. Figures follow a deterministic random walk (seeded), never the real series.
"""

from __future__ import annotations

import random

from monitor import sources
from monitor.period import MONTHS_ES as MESES
from monitor.wpsite import Post, Site

FILLER = [
    "La organización recuerda que cada caso se documenta con testimonios de familiares, "
    "abogados y activistas, y que solo se incluye cuando existen pruebas suficientes.",
    "Las autoridades mantienen su negativa a permitir visitas independientes a las "
    "prisiones, lo que dificulta verificar las condiciones de reclusión.",
    "Diversos relatores de Naciones Unidas han expresado su preocupación por el uso del "
    "derecho penal contra quienes ejercen la libertad de expresión y de reunión.",
    "Los familiares denuncian traslados sin aviso, restricciones de llamadas y la falta "
    "de atención médica adecuada para quienes padecen enfermedades crónicas.",
    "El informe completo, con la metodología y la relación nominal de casos, puede "
    "consultarse en la sección de documentos de la organización.",
    "La entidad agradece la colaboración de las redes de apoyo dentro de la isla, sin "
    "las cuales este trabajo de documentación no sería posible.",
]


def months_back(n: int, newest: tuple[int, int]) -> list[tuple[int, int]]:
    """The `n` months ending at `newest`, oldest first."""
    y, m = newest
    out = []
    for _ in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _filler(rng: random.Random, k: int = 8) -> str:
    return "\n".join(f"<p>{rng.choice(FILLER)} {rng.choice(FILLER)}</p>" for _ in range(k))


def bench_sources() -> list[str]:
    """The registered sources whose folder can write benchmark posts (sample.py)."""
    return [s.name for s in sources.all_sources()
            if s.sample is not None and hasattr(s.sample, "bench_post")]


def theme_head() -> str:
    """What a WordPress theme puts in <head>: inline CSS, JSON-LD, scripts (~45 KB)."""
    css = "\n".join(
        f".wp-block-{i % 40}-{i} .elementor-element-{i:05x}{{margin:{i % 7}px {i % 5}px;"
        f"padding:0 {i % 9}px;color:#{(i * 2654435761) % 0xFFFFFF:06x};font-size:{12 + i % 6}px}}"
        for i in range(420))
    ld = ('{"@context":"https://schema.org","@graph":[' + ",".join(
        f'{{"@type":"WebPage","@id":"#p{i}","name":"Sección {i}","inLanguage":"es"}}'
        for i in range(60)) + "]}")
    js = "\n".join(f"var wpcfg_{i} = {{ajaxurl: '/wp-admin/admin-ajax.php', nonce: "
                   f"'{i * 7919:08x}', i18n: {{more: 'Leer más', less: 'Leer menos'}}}};"
                   for i in range(80))
    return (f'\n<style id="theme-inline-css">{css}</style>\n'
            f'<script type="application/ld+json">{ld}</script>\n<script>{js}</script>')


def theme_aside() -> str:
    """Sidebar and footer widgets after the content: menus, archives, tags (~15 KB)."""
    menu = "".join(f'<li class="menu-item"><a href="/category/seccion-{i}/">Sección {i}</a>'
                   f"</li>" for i in range(40))
    archives = "".join(f'<li><a href="/{2025 - i // 12}/{i % 12 + 1:02d}/">'
                       f"{MESES[i % 12]} {2025 - i // 12}</a></li>" for i in range(96))
    tags = " ".join(f'<a href="/tag/etiqueta-{i}/" class="tag-cloud-link">etiqueta {i}</a>'
                    for i in range(120))
    return (f'\n<aside id="secondary" class="widget-area"><section class="widget">'
            f'<h2 class="widget-title">Archivos</h2><ul>{archives}</ul></section>'
            f'<section class="widget"><h2 class="widget-title">Etiquetas</h2>'
            f'<div class="tagcloud">{tags}</div></section></aside>'
            f'<nav class="footer-navigation"><ul>{menu}</ul></nav>')


def build_sites(n: int, newest: tuple[int, int] = (2025, 9), seed: int = 7,
                theme: bool = True) -> dict[str, Site]:
    """{source: site} with `n` monthly reports each, written by each source's sample.py.

    `theme` adds the markup a real WordPress theme serves around the content, so pages
    weigh what real ones do (tens of KB) instead of the bare fixture's ~5 KB.
    """
    rng = random.Random(seed)
    names = bench_sources()
    mods = {name: sources.get(name).sample for name in names}
    sites = {name: Site(mod.SITE_TITLE, style=mod.URL_STYLE) for name, mod in mods.items()}
    if theme:
        for site in sites.values():
            site.theme_head, site.theme_aside = theme_head(), theme_aside()
    state: dict[str, dict] = {name: {} for name in names}
    for y, m in months_back(n, newest):
        for name, mod in mods.items():
            figures = mod.bench_figures(state[name], rng)
            sites[name].add(mod.bench_post(y, m, figures, _filler(rng)))
    return sites


def next_post(source: str, site: Site, seed: int = 99) -> Post:
    """The report for the month after the newest one on `site`."""
    newest = max(site.posts, key=lambda p: p.published).published  # published in M+1
    mod = sources.get(source).sample
    rng = random.Random(seed)
    return mod.bench_post(newest.year, newest.month, mod.bench_figures({}, rng), _filler(rng))
