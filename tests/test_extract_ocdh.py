"""OCDH extractor, table-driven on the reference cases (tests/cases/ocdh/*.json) and on
pages of our own: no wrong core figure ever, and >= 98% of the expected ones found."""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from pathlib import Path

import pytest

from conftest import run_monitor
from fixtures.ocdh_posts import release_post
from monitor.extract import extract
from monitor.wpsite import Site, render_post

CASES = sorted((Path(__file__).parent / "cases" / "ocdh").glob("*.json"))
MONTHLY = {"repressive_actions", "arbitrary_detentions", "other_abuses", "violent_detentions",
           "detentions_women", "detentions_men", "house_sieges"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _judge(case: dict) -> tuple[list, list, list]:
    """(found, missed, wrong) for one case; wrong = a core monthly figure not expected, or a
    yearly figure the page does not state."""
    ex = extract("ocdh", case["html"], case["url"])
    expected = {(e["metric"], e["period"], e["value"]) for e in case["expected"]}
    stated = {(e["period"], e["value"]) for e in case["other_figures"]}
    got = {(o.metric, o.period, o.value) for o in ex.observations}
    wrong = []
    for o in ex.observations:
        key = (o.metric, o.period, o.value)
        monthly_wrong = len(o.period) == 7 and o.metric in MONTHLY and key not in expected
        if monthly_wrong or (len(o.period) == 4 and (o.period, o.value) not in stated):
            wrong.append(key)
    return sorted(expected & got), sorted(expected - got), wrong


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_case_has_no_wrong_figure(path):
    case = _load(path)
    _, missed, wrong = _judge(case)
    assert not wrong, f"{case['id']}: wrong {wrong}; missed {missed}; notes: {case['notes']}"


def test_reference_cases_found_at_least_98_percent():
    total, found_n, misses = 0, 0, []
    for path in CASES:
        case = _load(path)
        if not case["counted"]:
            continue
        found, missed, _ = _judge(case)
        total += len(found) + len(missed)
        found_n += len(found)
        misses += [f"{case['id']}: {m}" for m in missed]
    share = found_n / total
    print(f"\nOCDH reference cases: found {found_n}/{total} = {share:.1%}")
    assert total > 80
    assert share >= 0.98, f"found {found_n}/{total} = {share:.1%}; missed:\n" + "\n".join(misses)


def test_every_observation_carries_evidence_and_version():
    case = _load(CASES[0])
    ex = extract("ocdh", case["html"], case["url"])
    assert ex.observations and ex.extractor_version.startswith("ocdh/")
    for o in ex.observations:
        assert o.evidence and str(o.value) in o.evidence.replace(".", "")


# ---------------------------------------------------------------- pages of our own

def _page(paragraphs: list[str], title: str = "Informe", published: str = "2022-10-04") -> str:
    import datetime as dt

    from monitor.wpsite import Post
    post = Post(slug="informe", title=title, published=dt.date.fromisoformat(published),
                content="\n".join(f"<p>{p}</p>" for p in paragraphs))
    return render_post(Site("OCDH", style="slug"), post, "https://www.example.org")


def _obs(html: str, url: str = "https://www.example.org/informe/") -> dict:
    ex = extract("ocdh", html, url)
    return {(o.metric, o.period): (o.value, o.qualifier) for o in ex.observations}


def test_implicit_month_is_the_one_before_the_dateline_and_numbers_as_written():
    html = _page(["Madrid, 4 de octubre de 2022",
                  "La red del OCDH contabilizó al menos 3 mil 830 acciones represivas; "
                  "1.130 de ellas fueron detenciones arbitrarias y 2.700, otros abusos.",
                  "Del conjunto de detenciones, 14 fueron violentas."])
    assert _obs(html) == {
        ("repressive_actions", "2022-09"): (3830, "at_least"),
        ("arbitrary_detentions", "2022-09"): (1130, "exact"),
        ("other_abuses", "2022-09"): (2700, "exact"),
        ("violent_detentions", "2022-09"): (14, "exact"),
    }


def test_metadata_wins_over_a_wrong_dateline_and_the_mismatch_is_logged(caplog):
    html = _page(["Madrid, 3 de febrero de 2020",
                  "El OCDH registró en enero al menos 300 acciones represivas."],
                 published="2021-02-03")
    with caplog.at_level("WARNING"):
        ex = extract("ocdh", html, "https://www.example.org/informe/")
    assert ex.published == "2021-02-03"
    assert [(o.metric, o.period, o.value) for o in ex.observations] == [
        ("repressive_actions", "2021-01", 300)]
    assert "dateline" in caplog.text and "metadata" in caplog.text


def test_yearly_totals_go_to_the_year_and_windows_are_not_monthly():
    html = _page(["Madrid, 5 de enero de 2024",
                  "Cuba cerró 2023 con al menos 3.830 acciones represivas, según el OCDH.",
                  "En los últimos 12 meses hubo 936 detenciones arbitrarias; en el primer "
                  "semestre, 488. En lo que va de año van 12 acciones represivas.",
                  "El régimen cometió de media 10 acciones represivas al día, y el 60% de "
                  "las detenciones arbitrarias fueron contra mujeres.",
                  "En diciembre hubo 438 acciones represivas, frente a las 300 del mes "
                  "anterior."], published="2024-01-05")
    assert _obs(html) == {
        ("repressive_actions", "2023"): (3830, "at_least"),
        ("repressive_actions", "2023-12"): (438, "exact"),
        ("repressive_actions", "2023-11"): (300, "exact"),
    }


def test_other_organisations_and_provinces_are_not_taken():
    html = _page(["Madrid, 4 de marzo de 2023",
                  "En febrero el OCDH registró 340 acciones represivas.",
                  "Por su parte, el Observatorio Cubano de Conflictos (OCC) contabilizó 232 "
                  "acciones de protesta y Cubalex documentó 95 detenciones arbitrarias.",
                  "En La Habana hubo 57 detenciones arbitrarias."], published="2023-03-04")
    got = _obs(html)
    assert got[("repressive_actions", "2023-02")] == (340, "exact")
    assert ("arbitrary_detentions", "2023-02") not in got


def test_english_copy():
    html = _page(["In July, the Cuban Observatory of Human Rights (OCDH) recorded at least "
                  "338 repressive actions, including 90 arbitrary arrests and 248 other "
                  "abuses; 113 activists ended up besieged in their own homes.",
                  "June had closed with more than two hundred incidents."],
                 title="NGO counts 338 repressive actions in Cuba", published="2023-08-07")
    assert _obs(html) == {
        ("repressive_actions", "2023-07"): (338, "at_least"),
        ("arbitrary_detentions", "2023-07"): (90, "exact"),
        ("other_abuses", "2023-07"): (248, "exact"),
        ("house_sieges", "2023-07"): (113, "exact"),
    }   # "more than two hundred": an estimate in words, not a count (reference ocdh-051)


def test_monthly_release_without_headline_is_an_extraction_gap():
    html = _page(["Madrid, 4 de octubre de 2022",
                  "En su informe mensual, el OCDH denuncia que la represión continúa; las "
                  "acciones represivas se dirigieron sobre todo contra mujeres."])
    ex = extract("ocdh", html, "https://www.example.org/informe/")
    assert ex.looks_like_report and not ex.headline_found and ex.extraction_gap
    statement = _page(["Madrid, 4 de octubre de 2022",
                       "El OCDH lamenta la muerte de un preso político de 45 años."],
                      title="El OCDH lamenta la muerte de un preso político")
    assert not extract("ocdh", statement, "https://www.example.org/x/").extraction_gap


def test_release_with_its_headline_still_reads_as_a_report():
    """The report test runs only when asked; asked, it answers as before."""
    html = _page(["Madrid, 4 de octubre de 2022",
                  "El OCDH registró en septiembre un total de 412 acciones represivas, de "
                  "ellas 96 detenciones arbitrarias."],
                 title="El OCDH registra 412 acciones represivas en septiembre")
    ex = extract("ocdh", html, "https://www.example.org/septiembre/")
    assert ex.headline_found and not ex.extraction_gap
    assert ex.looks_like_report is True
    assert ex.looks_like_report is True      # answered once, then kept


def test_fixture_release_formats_round_trip():
    old = release_post("2017-11", {"arbitrary_detentions": 306, "detentions_women": 221,
                                   "detentions_men": 85, "violent_detentions": 11})
    new = release_post("2023-03", {"repressive_actions": 406, "arbitrary_detentions": 121,
                                   "other_abuses": 285, "house_sieges": 90},
                       ytd={"repressive_actions": 1107}, previous={"repressive_actions": 340})
    site = Site("OCDH", style="slug")
    got_old = _obs(render_post(site, old, "https://www.example.org"))
    got_new = _obs(render_post(site, new, "https://www.example.org"))
    assert {k: v[0] for k, v in got_old.items()} == {
        ("arbitrary_detentions", "2017-11"): 306, ("detentions_women", "2017-11"): 221,
        ("detentions_men", "2017-11"): 85, ("violent_detentions", "2017-11"): 11}
    assert {k: v[0] for k, v in got_new.items()} == {
        ("repressive_actions", "2023-03"): 406, ("arbitrary_detentions", "2023-03"): 121,
        ("other_abuses", "2023-03"): 285, ("house_sieges", "2023-03"): 90,
        ("repressive_actions", "2023-02"): 340}


def test_cli_extract_prints_json_lines(tmp_path):
    case = _load(CASES[0])
    page = tmp_path / "page.html"
    page.write_text(case["html"], encoding="utf-8")
    r = run_monitor("extract", "--source", "ocdh", str(page), "--url", case["url"],
                    cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    got = {(x["metric"], x["period"], x["value"]) for x in rows}
    assert got == {(e["metric"], e["period"], e["value"]) for e in case["expected"]}
    assert all(x["source"] == "ocdh" and x["evidence"] and x["url"] == case["url"] for x in rows)
    assert not list(tmp_path.glob("*.db"))


def test_2016_format_with_relative_clauses_and_other_groups_counts():
    html = _page(["Madrid, 2 de marzo de 2016.- En el mes de febrero se produjeron en Cuba al "
                  "menos 1.416 detenciones arbitrarias, de las cuales 547 fueron contra mujeres "
                  "y 869 contra hombres. De ellas, 45 fueron violentas.",
                  "La Comisión Cubana de Derechos Humanos y Reconciliación Nacional documentó "
                  "1.414 detenciones arbitrarias en el mismo mes.",
                  "En las últimas 48 horas hubo 60 detenciones arbitrarias más."],
                 published="2016-03-02")
    assert {k: v[0] for k, v in _obs(html).items()} == {
        ("arbitrary_detentions", "2016-02"): 1416, ("detentions_women", "2016-02"): 547,
        ("detentions_men", "2016-02"): 869, ("violent_detentions", "2016-02"): 45}


def test_english_dateline_and_year_to_date_in_the_same_release():
    html = _page(["Madrid, October 4, 2022",
                  "The OCDH documented at least 275 repressive actions: 81 arbitrary "
                  "detentions and 194 other abuses. So far this year it counts 3,100 "
                  "repressive actions, and in the first half of the year 1,932."],
                 title="Repression report", published="2022-10-04")
    assert {k: v[0] for k, v in _obs(html).items()} == {
        ("repressive_actions", "2022-09"): 275, ("arbitrary_detentions", "2022-09"): 81,
        ("other_abuses", "2022-09"): 194}


def test_press_article_about_other_figures_yields_nothing():
    # a paraphrase of an English press piece on Prisoners Defenders' figures (early 2025)
    text = [
        "Prisoners Defenders and other rights groups say the Cuban government holds 1,150 "
        "political prisoners, most of them jailed for protesting.",
        "The latest report, published in January 2025, counts 34 minors among them.",
        "Almost 60% should have the right to an open regime, and 59% of the 688 political "
        "prisoners should already be free.",
        "The government announced the release of 553 prisoners; by February 4 only 200 "
        "releases had been confirmed, 94% of them already eligible.",
        "The Cuban Observatory for Human Rights (OCDH) called the measure too generic.",
        "At the end of 2024 the count stood at 1,161; 166 people joined the list that year "
        "and 1,219 were on it at some point between January 1 and December 31.",
    ]
    paragraphs = [html_escape(p) for p in text]
    ex = extract("ocdh", _page(paragraphs, title="Cuba's political prisoners",
                               published="2025-02-10"), "https://www.example.org/news/")
    assert ex.observations == [] and not ex.extraction_gap


def test_undated_page_with_a_month_but_no_year_yields_nothing():
    body = ["El OCDH contabilizó en marzo al menos 406 acciones represivas; 121 fueron "
            "detenciones arbitrarias."]
    dated = _page(body, title="406 acciones represivas en marzo", published="2023-04-02")
    undated = re.sub(r'<meta property="article:[a-z_]+time"[^>]*>|<time [^>]*>', "", dated)
    assert extract("ocdh", undated, "https://www.example.org/x/").observations == []
    assert {(o.metric, o.period) for o in extract(
        "ocdh", dated, "https://www.example.org/x/").observations} == {
        ("repressive_actions", "2023-03"), ("arbitrary_detentions", "2023-03")}


def test_related_post_links_are_not_read_as_this_pages_figures():
    html = _page(["Madrid, 6 de mayo de 2025",
                  "En abril se contabilizaron al menos 332 acciones represivas.",
                  '<a href="/ocdh-275-acciones-represivas-en-septiembre/">OCDH: 275 acciones '
                  'represivas en septiembre</a>'], published="2025-05-06")
    assert _obs(html) == {("repressive_actions", "2025-04"): (332, "at_least")}


def test_province_breakdown_never_replaces_the_national_figure():
    html = _page(["Madrid, 6 de mayo de 2025",
                  "En abril se contabilizaron al menos 332 acciones represivas.",
                  "Las provincias más afectadas fueron La Habana, con 80 acciones represivas, "
                  "y Matanzas, con 45.",
                  "Santiago de Cuba sumó 30 detenciones arbitrarias."], published="2025-05-06")
    assert _obs(html) == {("repressive_actions", "2025-04"): (332, "at_least")}


def test_date_in_the_url_hint_dates_an_undated_press_copy():
    dated = _page(["Según el OCDH, en noviembre hubo casi 1.130 acciones represivas y más de "
                   "doscientas detenciones arbitrarias."], published="2021-12-03")
    undated = re.sub(r'<meta property="article:[a-z_]+time"[^>]*>|<time [^>]*>', "", dated)
    assert _obs(undated, "https://news.example.com/2021/12/03/cuba-ocdh/") == {
        ("repressive_actions", "2021-11"): (1130, "about")}   # "más de doscientas": no count
    assert _obs(undated, "https://news.example.com/cuba-ocdh/") == {}


def test_counts_for_one_group_and_ambiguous_titles_are_not_monthly_totals():
    html = _page(["Madrid, 4 de octubre de 2022",
                  "En septiembre hubo más de 300 acciones represivas; 42 acciones represivas "
                  "contra presos políticos y 5 detenciones de periodistas."])
    assert _obs(html) == {("repressive_actions", "2022-09"): (300, "at_least")}
    # the clause of the number names one month: that month's count
    one_month = _page(["El OCDH registró 300 acciones represivas."],
                      title="Tras el récord de julio, agosto registra 300 acciones",
                      published="2022-09-04")
    assert _obs(one_month) == {("repressive_actions", "2022-08"): (300, "exact")}
    # a count over two months is neither month's
    two_months = _page(["El OCDH registró 300 acciones represivas."],
                       title="Julio y agosto suman 300 acciones represivas",
                       published="2022-09-04")
    assert _obs(two_months) == {}


def test_a_year_standing_alone_is_never_read_as_the_releases_month():
    html = _page(["Madrid, 5 de enero de 2024",
                  "Durante todo 2023 se registraron 3.830 acciones represivas. Hasta el 30 "
                  "de septiembre hubo 2.900. En los nueve meses, 2.500 detenciones arbitrarias.",
                  "En diciembre hubo 438 acciones represivas."], published="2024-01-05")
    assert _obs(html) == {("repressive_actions", "2023"): (3830, "exact"),
                          ("repressive_actions", "2023-12"): (438, "exact")}


def test_bulleted_lists_and_ratios():
    html = _page(["Madrid, 4 de octubre de 2022",
                  "En septiembre hubo 275 acciones represivas; 1 de cada 3 detenciones fue "
                  "contra mujeres.", "• Detenciones arbitrarias: 81", "• Otros abusos: 194"])
    assert {k: v[0] for k, v in _obs(html).items()} == {
        ("repressive_actions", "2022-09"): 275, ("arbitrary_detentions", "2022-09"): 81,
        ("other_abuses", "2022-09"): 194}
