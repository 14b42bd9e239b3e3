"""The shared reading pipeline, class by class: sentences written for each class of wording
(from the vocabulary and from how both organisations and the press write), one table row
per sentence. Positives must be read exactly; negatives must give no figure at all.

These run the pipeline through each source's registered reader (its folder's
vocabulary as data), as the product does.
"""

from __future__ import annotations

import pytest

from monitor import sources
from monitor.extract.pipeline import explain


def _page(title: str, paragraphs: list[str], published: str | None) -> str:
    meta = (f'<meta property="article:published_time" content="{published}T10:00:00+00:00">'
            if published else "")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><meta charset="UTF-8">{meta}</head><body><article>'
            f"<h1>{title}</h1><div class='entry-content'>{body}</div></article></body></html>")


def read(source: str, title: str, paragraphs: list[str], published: str | None = "2025-10-10",
         url: str = "https://news.example/informe/") -> dict[tuple[str, str], int]:
    mod = sources.get(source).module
    res = mod.extract(_page(title, paragraphs, published), url)
    return {(o.metric, o.period): o.value for o in res.observations}


PD = "prisoners_defenders"
T = "Informe mensual de presos políticos"     # a title with no figure and no month

POSITIVE = [
    # verbs of leaving the list; "este mes" is the report's month
    ("este mes", PD, T, ["Este mes, 4 presos políticos fueron excarcelados."],
     {("released", "2025-09"): 4}),
    # entering and leaving in one sentence, the second number sharing the noun
    ("enter and leave", PD, T, [
        "A lo largo del mes entraron en la lista 13 nuevos presos políticos y 4 fueron "
        "excarcelados, casi siempre tras cumplir la totalidad de su condena."],
     {("new_political_prisoners", "2025-09"): 13, ("released", "2025-09"): 4}),
    ("ellipsis otras", PD, T, [
        "En septiembre se sumaron a la lista 13 nuevos presos políticos y otras cuatro "
        "personas la abandonaron."],
     {("new_political_prisoners", "2025-09"): 13, ("released", "2025-09"): 4}),
    ("incorporated, left", PD, T, [
        "Durante septiembre fueron incorporados 9 nuevos prisioneros políticos, mientras que "
        "6 salieron de la lista tras cumplir íntegramente su condena."],
     {("new_political_prisoners", "2025-09"): 9, ("released", "2025-09"): 6}),
    ("english added and left", PD, "Cuba political prisoners report", [
        "In September, 11 new political prisoners were added to the list and 5 left it."],
     {("new_political_prisoners", "2025-09"): 11, ("released", "2025-09"): 5}),
    ("number words", PD, T, ["En septiembre entraron en la lista doce nuevos presos "
                             "políticos."],
     {("new_political_prisoners", "2025-09"): 12}),
    # the month named only in the title
    ("month in title", PD, "Cuba: 1.190 presos políticos en septiembre de 2025", [
        "La lista contiene un total de 1.190 presos políticos y de conciencia."],
     {("political_prisoners_total", "2025-09"): 1190}),
    # "al cierre de agosto" names the list's month
    ("al cierre de", PD, T, ["Al cierre de agosto, la lista contenía 1.185 presos "
                             "políticos."],
     {("political_prisoners_total", "2025-08"): 1185}),
    ("pasado mes de", PD, T, ["El pasado mes de agosto se incorporaron 13 nuevos presos "
                              "políticos a la lista."],
     {("new_political_prisoners", "2025-08"): 13}),
    ("primer mes de", PD, T, ["En el primer mes de 2018 entraron en la lista 7 nuevos presos "
                              "políticos."],
     {("new_political_prisoners", "2018-01"): 7}),
    # the headline total in the title, its breakdown in the text
    ("title total, breakdown", PD, "Cuba cierra septiembre con 1.190 presos políticos", [
        "De ellos, 700 son convictos de conciencia, 230 condenados de conciencia y 260 otros "
        "presos políticos."],
     {("political_prisoners_total", "2025-09"): 1190, ("convicts_of_conscience", "2025-09"): 700,
      ("sentenced_of_conscience", "2025-09"): 230,
      ("other_political_prisoners", "2025-09"): 260}),
    # health and minors with other nouns
    ("aquejadas", PD, T, ["En septiembre, 470 personas de la lista estaban aquejadas de "
                          "patologías graves."],
     {("with_health_issues", "2025-09"): 470}),
    ("minors continue", PD, T, ["Hay 33 menores de edad en la lista, 30 de ellos cumpliendo "
                                "condena."],
     {("minors", "2025-09"): 33}),
    ("part of the whole", PD, T, ["Al menos 62 presos padecen trastornos de salud mental, y "
                                  "329 de los 1.105 prisioneros sufren enfermedades graves."],
     {("mental_health_issues", "2025-09"): 62, ("with_health_issues", "2025-09"): 329}),
    # deaths are not releases
    ("deaths", PD, T, ["En septiembre hubo siete bajas: seis de presos que cumplieron su "
                       "condena y una por fallecimiento."],
     {("released", "2025-09"): 6}),
    # OCDH: a detention count split by sex after it
    ("de ellas mujeres", "ocdh", "Informe mensual del Observatorio", [
        "En septiembre se produjeron 306 detenciones arbitrarias; 221 de ellas se practicaron "
        "contra mujeres y 85 contra hombres."],
     {("arbitrary_detentions", "2025-09"): 306, ("detentions_women", "2025-09"): 221,
      ("detentions_men", "2025-09"): 85}),
    ("actions and parts", "ocdh", "Informe mensual del Observatorio", [
        "En septiembre se contabilizaron al menos 275 acciones represivas; 81 de ellas "
        "consistieron en algún tipo de detención y 194, en otros abusos."],
     {("repressive_actions", "2025-09"): 275, ("arbitrary_detentions", "2025-09"): 81,
      ("other_abuses", "2025-09"): 194}),
    ("ocdh sieges", "ocdh", "Informe mensual del Observatorio", [
        "En septiembre se contabilizaron 300 acciones represivas.",
        "El sitio policial de viviendas de activistas volvió a ser la práctica más "
        "extendida, con 83 casos."],
     {("repressive_actions", "2025-09"): 300, ("house_sieges", "2025-09"): 83}),
    # minors and women among the new ones are not the list's minors and women
    ("subset of the new", PD, T, ["Entre los 13 nuevos presos políticos hay dos menores y "
                                  "tres mujeres."],
     {("new_political_prisoners", "2025-09"): 13}),
    ("ocdh year total", "ocdh", "Cuba cerró 2024 con 3.921 acciones represivas", [
        "El OCDH contabilizó al menos 3.921 acciones represivas a lo largo de 2024."],
     {("repressive_actions", "2024"): 3921}),
    # a hedged title figure the exact count satisfies restates it
    ("hedged title, exact text", "ocdh", "Más de 300 detenciones arbitrarias en octubre", [
        "El OCDH documentó en octubre 312 detenciones arbitrarias."],
     {("arbitrary_detentions", "2025-10"): 312}),
    # a sentence's subject attributes every number it coordinates
    ("our name said another way", "ocdh", "Informe", [
        "En octubre, el Observatorio Cubano para los Derechos Humanos (OCDH) contabilizó "
        "240 acciones represivas y 51 detenciones arbitrarias."],
     {("repressive_actions", "2025-10"): 240, ("arbitrary_detentions", "2025-10"): 51}),
    # homes counted with a siege verb, and the times a siege was done
    ("homes besieged", "ocdh", "Informe", [
        "En octubre fueron sitiadas 44 viviendas de activistas.",
        "Homes of dissidents were surrounded by police 44 times in October."],
     {("house_sieges", "2025-10"): 44}),
    # a part inherits its whole's year
    ("part of a year", "ocdh", "Balance anual", [
        "En 2024 hubo 3.712 acciones represivas y, entre ellas, 898 detenciones arbitrarias."],
     {("repressive_actions", "2024"): 3712, ("arbitrary_detentions", "2024"): 898}),
    # people on the list during a year
    ("present on the list", PD, "Balance del año 2024", [
        "A lo largo de 2024 se añadieron a la lista 214 nuevos presos políticos y 1.377 "
        "personas estuvieron en ella en algún momento del año."],
     {("new_political_prisoners", "2024"): 214, ("present_on_list", "2024"): 1377}),
    # a year's close: a stock at it is December's
    ("a year's close", PD, "Cuba cerró 2024 con 1.161 presos políticos", [
        "La organización publicó su lista anual."],
     {("political_prisoners_total", "2024-12"): 1161}),
    # brackets lend their noun only inside them
    ("brackets", PD, T, [
        "Con 12 nuevos presos políticos (tres de ellos menores) y 9 excarcelados, la lista "
        "se mantiene."],
     {("new_political_prisoners", "2025-09"): 12, ("released", "2025-09"): 9}),
    # an ordinal month, and a place after "desde"
    ("ordinal month", "ocdh", "Informe", [
        "En el segundo mes del año el OCDH contó 301 acciones represivas, según denuncias "
        "enviadas desde Cuba."],
     {("repressive_actions", "2025-02"): 301}),
    # "fell to N, one of them ...": the part is not its whole's object
    ("fell to, one of them", "ocdh", "Informe", [
        "In September the OCDH recorded 170 repressive actions; arbitrary detentions fell "
        "to 15, one of them violent."],
     {("repressive_actions", "2025-09"): 170, ("arbitrary_detentions", "2025-09"): 15,
      ("violent_detentions", "2025-09"): 1}),
    # "that left N": the list's count after the flows
    ("that left", PD, "Prisoners Defenders: September report", [
        "Joining the list in September were 17 people and 9 left it. That left 1,176 "
        "political prisoners behind bars."],
     {("new_political_prisoners", "2025-09"): 17, ("released", "2025-09"): 9,
      ("political_prisoners_total", "2025-09"): 1176}),
    # the close of the year before publication's
    ("close of last year", PD, "Prisoners Defenders: balance del año", [
        "La ONG elevó este jueves a 1.071 el número de presos políticos al cierre del año "
        "pasado."],
     {("political_prisoners_total", "2024-12"): 1071}),
]

NEGATIVE = [
    ("12-month window", PD, ["En los últimos 12 meses entraron en la lista 150 nuevos presos "
                             "políticos."]),
    ("year to date", PD, ["En lo que va de año han entrado 110 nuevos presos políticos."]),
    ("average", PD, ["El promedio es de 14 nuevos presos políticos cada mes."]),
    ("percentage", PD, ["El 85 % de los nuevos presos no tiene vínculos con la oposición."]),
    ("since a date", PD, ["Desde julio de 2021 han pasado por la lista 1.882 personas."]),
    ("range of dates", PD, ["Entre 2015 y junio de 2021 pasaron por la lista 1.500 presos "
                            "políticos (2015-junio 2021)."]),
    ("anaphoric window", PD, ["Los últimos 12 meses fueron duros.",
                              "En ese período, 60 presos políticos salieron de la lista."]),
    ("another organisation", PD, ["Según Amnistía Internacional, hay 300 presos de "
                                  "conciencia en la isla."]),
    ("government announcement", PD, ["El régimen anunció la excarcelación de 553 presos."]),
    ("org name is no count", PD, ["Cuban Prisoners Defenders cuenta con 25 voluntarios."]),
    ("ages", PD, ["La edad penal mínima en Cuba es de 16 años."]),
    ("other country", PD, ["En Venezuela hay 300 presos políticos, según el Foro Penal."]),
    ("subset by a relative clause", PD, ["Hay 32 menores de edad que cumplen condena y otros "
                                         "tres a la espera de juicio."]),
    ("comparison", PD, ["Hace un año, la cifra era de 1.105 presos políticos."]),
    ("ocdh event window", "ocdh", ["Tras las protestas, el OCDH contó 757 detenciones "
                                   "arbitrarias."]),
    ("ocdh a day", "ocdh", ["Solo ayer, día 15, el OCDH contó 29 detenciones."]),
    ("ocdh rate", "ocdh", ["Cuba sufrió unas 10 acciones represivas cada 24 horas."]),
    ("day range", PD, ["La mayoría de las excarcelaciones ocurrió entre el 12 y el 18 de "
                       "septiembre."]),
    ("ages in a list", PD, ["Entre los procesados hay jóvenes de 16, 17 y 18 años."]),
    ("a claim of the government", PD, ["Las autoridades afirman haber liberado a 480 "
                                       "reclusos este mes."]),
    ("unknown body", "ocdh", ["Por su parte, el Centro de Estudios Cívicos de Cuba registró "
                              "en septiembre 210 acciones represivas y 40 detenciones."]),
    ("another country's page", "ocdh", ["En Honduras se denunciaron 25 detenciones "
                                        "arbitrarias de mujeres en mayo."]),
    ("start of a month", PD, ["Noviembre de 2025 comenzó con 1.190 presos políticos en la "
                              "lista."]),
    ("garbled list", PD, ["De ellos, 701 son convictos de conciencia; 412 convictos de "
                          "conciencia y 35 otros presos políticos."]),
    ("related links", PD, ["Lea también: 1.150 presos políticos en Cuba en enero de 2025"]),
    ("projection", "ocdh", ["Si se mantiene la tendencia, las acciones represivas podrían "
                            "superar las 4.500 este año."]),
    ("same period of a past year", "ocdh", ["En el mismo periodo de 2019 se contaron 2.100 "
                                            "detenciones arbitrarias."]),
    ("sedition breakdown", PD, ["El registro incluye 215 personas sentenciadas por "
                                "sedición."]),
]


@pytest.mark.parametrize("label,source,title,paragraphs,expected", POSITIVE,
                         ids=[p[0] for p in POSITIVE])
def test_class_is_read(label, source, title, paragraphs, expected):
    assert read(source, title, paragraphs) == expected


@pytest.mark.parametrize("label,source,paragraphs", NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_distractor_gives_no_figure(label, source, paragraphs):
    assert read(source, "Informe", paragraphs) == {}


def test_a_month_after_publication_is_dropped_with_its_reason():
    mod = sources.get(PD).module
    html = _page("Cuba: 1.150 presos políticos", [
        "Al cierre de marzo de 2026, la lista contenía 1.150 presos políticos."], "2025-04-10")
    res, reading = mod.explain(html, "https://news.example/x/")
    assert res.observations == []
    assert any("period after publication month" in line for line in explain(reading))


def test_two_readings_that_disagree_give_nothing_and_say_why():
    mod = sources.get(PD).module
    html = _page(T, ["Al cierre de agosto, la lista contenía 1.185 presos políticos.",
                     "Al cierre de agosto, la lista contenía 1.190 presos políticos."],
                 "2025-09-10")
    res, reading = mod.explain(html, "https://news.example/x/")
    assert res.observations == []
    assert any("conflicting political_prisoners_total 2025-08" in n for n in res.notes)
    assert any("two candidates disagree" in line for line in explain(reading))


def test_every_observation_has_a_json_reading():
    import json

    mod = sources.get(PD).module
    html = _page("Cuba: 1.190 presos políticos en septiembre de 2025",
                 ["En septiembre entraron en la lista 13 nuevos presos políticos."], "2025-10-10")
    res = mod.extract(html, "https://news.example/x/")
    assert res.observations
    for o in res.observations:
        back = json.loads(json.dumps(o.reading))
        assert back["thing"] == "prisoner" and back["period"] == o.period and back["rule"]


def test_a_page_published_late_in_a_month_takes_the_month_its_text_gives():
    """Reports come out by the 20th: a copy published on the 22nd takes its month from the
    text's headline figure, and a page that names no month yields nothing."""
    late = read(PD, "Fewer political prisoners in Cuba", [
        "With two new political prisoners added in the August update, the list stands at "
        "1,105.", "The list includes 117 women."], published="2024-09-22")
    assert late == {("new_political_prisoners", "2024-08"): 2,
                    ("political_prisoners_total", "2024-08"): 1105, ("women", "2024-08"): 117}
    assert read(PD, "Prisoners Defenders updates its list", [
        "The current list has 126 prisoners for political reasons."],
        published="2019-08-27") == {}
    # on time, the month before publication is the page's
    assert read(PD, "Prisoners Defenders updates its list", [
        "The current list has 126 prisoners for political reasons."],
        published="2019-09-12") == {("political_prisoners_total", "2019-08"): 126}


def test_explain_says_which_blocks_it_did_not_read():
    mod = sources.get(PD).module
    html = _page(T, ["En septiembre entraron en la lista 9 nuevos presos políticos.",
                     "Lea también: 1.150 presos políticos en Cuba en enero de 2025"],
                 "2025-10-10")
    res, reading = mod.explain(html, "https://news.example/x/")
    assert {(o.metric, o.value) for o in res.observations} == {("new_political_prisoners", 9)}
    assert any("links to other posts" in line and "1.150" in line
               for line in explain(reading))
