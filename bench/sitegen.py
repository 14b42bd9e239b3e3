"""WordPress-shaped benchmark sites: N monthly reports per source, in each source's shape.

Posts carry the figures in the wording the organisations use (paraphrased), plus the
kind of surrounding prose a real report has, so extraction costs what it costs on real
pages. Figures follow a deterministic random walk (seeded), never the real series.
"""

from __future__ import annotations

import datetime as dt
import random

from monitor.wpsite import Post, Site

MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre"]

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


def _es(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _published(y: int, m: int, day: int) -> dt.date:
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.date(ny, nm, day)


def _filler(rng: random.Random, k: int = 8) -> str:
    return "\n".join(f"<p>{rng.choice(FILLER)} {rng.choice(FILLER)}</p>" for _ in range(k))


def pd_post(y: int, m: int, total: int, new: int, rng: random.Random) -> Post:
    pub = _published(y, m, 10)
    mes = MESES[m - 1]
    women, minors = total // 10, max(1, total // 40)
    content = (
        f"<p>La lista mensual de Prisoners Defenders, con cierre de datos a fecha "
        f"{pub.day} de {MESES[pub.month - 1]} de {pub.year}, contiene un total de "
        f"{_es(total)} presos políticos y de conciencia en Cuba.</p>\n"
        f"<p>En {mes} se incorporaron {new} nuevos presos políticos a la lista.</p>\n"
        f"<p>Entre ellos hay {women} mujeres y {minors} menores de edad.</p>\n"
        + _filler(rng))
    return Post(slug=f"{total}-presos-politicos-en-cuba-en-{mes}-de-{y}",
                title=f"Prisoners Defenders: {_es(total)} presos políticos en Cuba en {mes} "
                      f"de {y}",
                subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
                published=pub, content=content)


def ocdh_post(y: int, m: int, actions: int, detentions: int, rng: random.Random) -> Post:
    pub = _published(y, m, 4)
    mes = MESES[m - 1]
    content = (
        f"<p>Madrid, {pub.day} de {MESES[pub.month - 1]} de {pub.year}</p>\n"
        f"<p>El Observatorio Cubano de Derechos Humanos (OCDH) registró durante el mes de "
        f"{mes} un total de {_es(actions)} acciones represivas en Cuba, de las cuales "
        f"{_es(detentions)} fueron detenciones arbitrarias y {_es(actions - detentions)} "
        f"otros abusos.</p>\n" + _filler(rng))
    return Post(slug=f"ocdh-{_es(actions)}-acciones-represivas-{mes}-{y}",
                title=f"El OCDH registra {_es(actions)} acciones represivas en {mes}",
                published=pub, content=content)


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
                theme: bool = True) -> tuple[Site, Site]:
    """(Prisoners Defenders site, OCDH site), each with `n` monthly reports.

    `theme` adds the markup a real WordPress theme serves around the content, so pages
    weigh what real ones do (tens of KB) instead of the bare fixture's ~5 KB.
    """
    rng = random.Random(seed)
    pd = Site("Prisoners Defenders", style="dated")
    ocdh = Site("Observatorio Cubano de Derechos Humanos", style="slug")
    if theme:
        for site in (pd, ocdh):
            site.theme_head, site.theme_aside = theme_head(), theme_aside()
    total, actions = 900, 300
    for y, m in months_back(n, newest):
        new = rng.randint(8, 40)
        total = max(100, total + new - rng.randint(5, 40))
        pd.add(pd_post(y, m, total, new, rng))
        actions = max(50, actions + rng.randint(-60, 60))
        ocdh.add(ocdh_post(y, m, actions, actions * rng.randint(15, 40) // 100, rng))
    return pd, ocdh


def next_pd_post(site: Site, seed: int = 99) -> Post:
    """The report for the month after the newest one on `site`."""
    newest = max(site.posts, key=lambda p: p.published).published  # published in M+1
    return pd_post(newest.year, newest.month, 1234, 21, random.Random(seed))
