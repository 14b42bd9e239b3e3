"""Prisoners Defenders monthly list of political prisoners in Cuba (total and breakdowns)."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from monitor.extract.base import Extraction, Observation, log, parse_page
from monitor.extract.fastre import alternation, dispatch, holds_any, regroup, splitter
from monitor.extract.numbers import (
    MONTHS,
    Number,
    find_numbers,
    fold,
    numbers_of,
    qualifier_at,
    text_cache,
)
from monitor.extract.periods import (
    MONTH_ALT,
    YM,
    Ref,
    cutoff_month,
    find_refs,
    iso_or_partial,
    refs_of,
    resolve_month,
    url_date,
)

VERSION = "1.0"
SOURCE = "prisoners_defenders"

MONTHLY = ("political_prisoners_total", "new_political_prisoners", "released",
           "convicts_of_conscience", "sentenced_of_conscience", "other_political_prisoners",
           "women", "minors", "with_health_issues", "mental_health_issues",
           "eleven_j_prisoners")
YEARLY = ("new_political_prisoners", "present_on_list")
FLOWS = ("new_political_prisoners", "released")
TOTAL = "political_prisoners_total"
# Lists close at month end; a data cut-off in the first half of a month ("as of October 1",
# "con cierre de datos a 10 de septiembre") is the previous month's list closed late.
_EARLY_DAYS = 15
# A report's figures sit in its first few thousand characters; past this much text a page
# is a long archive or junk, and reading on costs time and invites false readings.
_MAX_TEXT = 60_000

# ----------------------------------------------------------------------------- vocabulary
# All patterns run on fold()ed text: lower case, no accents.

_Q = "[\"'\u00ab\u00bb\u201c\u201d\u2018\u2019]"
_PP = (r"(?:presos|prisioneros|reos|reclusos)\s+(?:politicos|por\s+(?:motivos|razones)\s+"
       r"politic\w*)|political\s+prisoners|prisoners\s+for\s+political\s+reasons|"
       r"convictos\s+y\s+condenados(?:\s+politicos)?|presos\s+y\s+condenados|"
       r"prisoners\s+and\s+convicts|condenados\s+politicos")
_PERSONS = r"(?:personas|people|cubanos|cubans|ciudadanos|individuos)"
# what may stand between "1.176 personas" and "por motivos políticos": being held, not an
# arrest on some day ("300 personas fueron detenidas por motivos políticos en la marcha")
_HELD_WORDS = set(re.split(r"\s+", """privadas privados de la libertad presas presos encarceladas
    encarcelados en prision carcel carceles condenadas condenados a tras las rejas behind bars
    jailed imprisoned in prison held cuba estan are siguen permanecen que who remain still the
    island isla""".strip()))
_TOTAL_RC = re.compile(
    r"^\s*" + _Q + r"?\s*(?:(?:los|las)\s+)?(?:" + _PP + r"|" + _PERSONS
    + r"\s+(?:(?:" + alternation(sorted(_HELD_WORDS)) + r")\s+){0,5}?"
    r"(?:por\s+(?:motivos|razones)\s+politic\w*|for\s+political\s+reasons)"
    r"|(?:prisoners|presos|prisioneros|people|personas)\s+(?:appear|figuran|are|estan)\s+"
    r"(?:on|en)\s+(?:our|the|la|nuestra|su)\s+(?:list|lista)"
    r"|(?:es|era|fue|is|was)\s+(?:el|la|the)\s+(?:numero|cifra|number|total|count)\s+(?:de|of)\s+"
    r"(?:" + _PP + r"))")
_TOTAL_RC_WEAK = re.compile(
    r"^\s*" + _Q + r"?\s*(?:en\s+total|in\s+total|casos\b|" + _PERSONS
    + r"\b|prisoners\b|presos\b|prisioneros\b|" + _Q + r"?\s*[,.;:)]|$|segun\b|according\b|"
    r"(?:en|in|al|at|a|hasta|until|as)\s+(?:finales|cierre|the\s+end|el\s+mes|the\s+month|of\b|"
    + alternation(sorted(MONTHS, key=len, reverse=True)) + r"))")
_TOTAL_AFTER_BAD = re.compile(
    r"^\W*(?:y\s+de\s+conciencia\W*|and\s+(?:prisoners\s+)?of\s+conscience\W*)?"
    r"(?:que\s+|who\s+|which\s+)?(?:sufren|padecen|suffer|tienen|have\b|has\b|proceden|cumplen|"
    r"fueron|han\s+sido|han\s+pasado|pasaron|han\s+estado|llegaron|were\b|nuev|new\b|"
    r"arrastran|aquejados|con\s+(?:enfermedades|patolog)|with\s+serious|condenad\w*\s+(?:por|a)\b|"
    r"sentenciad|acusad|procesad|liberad|excarcelad|released|freed|sentenced|charged|"
    r"(?:del|por\s+el|por\s+las\s+protestas(?:\s+del)?|for\s+the)\s+11\s*-?j|por\s+(?:las\s+)?protestas|"
    r"(?:en|in|de)\s+(?:la\s+provincia|the\s+province|santiago|villa\s+clara|camaguey|ciego|"
    r"pinar|holguin|granma|matanzas|cienfuegos|sancti|las\s+tunas|guantanamo|artemisa|"
    r"mayabeque|la\s+habana|havana|isla\s+de\s+la\s+juventud|venezuela|nicaragua))")
_TOTAL_LC = re.compile(
    regroup(r"(?:\btotal\b[^.;\d]{0,40}?\b(?:de|en|a|at|to|of|is|was|alcanza|alcanzo|reached|reaches|"
    r"reaching)"
    r"|\b(?:en\s+total|in\s+total)\s*,?|\btotal\s*:"
    r"|\bcifra\b[^.;\d]{0,60}?\b(?:en|a|de|es\s+de|era\s+de|hasta)"
    r"|\b(?:list|lista|registro)\b[^.;\d]{0,30}?\b(?:contiene|contains|recoge|reune|incluye|"
    r"includes|cuenta|counts|tiene)(?:\s+un\s+total\s+de|\s+a\s+total\s+of)?"
    r")\s*(?:" + _Q + r"|\s)*(?:(?:los|las|ya|a|at\s+least|al\s+menos|mas\s+de|more\s+than|"
    r"over|casi|nearly|some|unos)\s+)*$"))
_TOTAL_VERB = re.compile(
    regroup(r"\b(?:eleva|elevo|elevan|elevaron|sube|subio|suben|subieron|situa|situo|cifra|cifro|aumenta|"
    r"aumento|suman?|sumaban|suma\s+ya|alcanzan?|alcanzo|alcanzaron|llegan?|llego|llegaron|"
    r"asciende|ascienden|ascendia|ascendio|se\s+eleva|se\s+elevo|se\s+situa|se\s+situo|crecio|"
    r"rise|rises|rose|climb|climbs|climbed|reach|reaches|reached|increased|grew|went\s+up|"
    r"number|numbers|numbered|stays|stay|stayed|remains|remained|stood|stands|totals|totaled|"
    r"totalled|amounts|amounted|se\s+mantiene|se\s+mantuvo|sigue|queda|quedo|contabiliza|"
    r"contabilizo|conto|contaba|verifico|verified|counts|counted|confirms|audited|hay|habia|"
    r"there\s+are|there\s+were|arrojaba|era\s+de|es\s+de|fue\s+de|were|hit|hits|holds|held|"
    r"(?:un|una|a)\s+(?:nuevo\s+|new\s+)?(?:record|maximo|high)(?:\s+historico)?(?:\s+(?:de|of))?)"
    r"(?:\s+(?:en|in|durante|during)\s+(?:el\s+mes\s+de\s+)?[a-z]+(?:\s+(?:de\s+)?\d{4})?)?"
    r"(?:\s+(?:a|en|hasta|to|at|ya|now|hoy|today|los|las|un\s+total\s+de|de))*\s*"
    r"(?:(?:at\s+least|al\s+menos|mas\s+de|more\s+than|over)\s+)?$"))
_PP_COLON = re.compile(r"(?:" + _PP + r"|presos|prisioneros|prisoners)[^.;\d]{0,25}:\s*$")
_SUBJECT_PP = re.compile(regroup(
    r"(?:" + _PP + r"|\bcifra\b|\btotal\b|\btally\b|\blista?\b|\bcount\b"
    r"|presos|prisioneros|prisoners)"))
_OTHER_SUBJECT = re.compile(regroup(r"\b(?:mujeres|women|menores|minors|ninos|ninas|manifestantes|"
                            r"protesters|patolog\w*|enfermedad\w*|mental|medical|sedicion|"
                            r"sedition|nuev[oa]s|new|excarcelad\w*|liberad\w*|released|freed|"
                            r"salieron|bajas|sentenciad\w*|condenad\w*|procesad\w*|acusad\w*|"
                            r"11\s*-?j)\b"))
# "la lista comenzó con N", "The list opened January 2021 with N": the stock at a month start
_BASELINE_LC = re.compile(
    regroup(r"\b(?:comenzo|empezo|empezado|arranco|inicio|started|opened|began|contenia|contained|"
    r"abrio)\b[^.;]{0,30}?\b(?:con|with)\s*$|\b(?:contenia|contained|tenia|sumaba)\s*$"))

_NEW_RC = re.compile(
    r"^\s*" + _Q + r"?\s*(?:"
    r"(?:nuev[oa]s|new)\s+(?:casos|cases|nombres|names|presos|prisioneros|prisioneras|reclusos|"
    r"political\s+prisoners|prisoners|personas|people|entradas|ingresos)\b"
    r"|(?:nuev[oa]s|new)\s*(?:$|[,.;:]|en\b|in\b|este\b|this\b|ese\b|durante\b)"
    r"|(?:casos|cases|nombres|names)\s+(?:nuevos|new)\b"
    r"|(?:casos|cases|nombres|names)\s+(?:a|al|to|en|in)\s+(?:la|su|el|the|our|nuestra)?\s*"
    r"(?:lista|listado|registro|list|registry)"
    r"|casos\s+de\s+(?:presos|prisioneros)\s+politicos\s+nuevos"
    r"|(?:presos|prisioneros)\s+politicos\s+nuevos"
    r"|cases\s+of\s+new\s+political\s+prisoners"
    r"|que\s+(?:entraron|ingresaron|se\s+incorporaron|se\s+sumaron)"
    r"|(?:nombres|names|casos|cases|personas|people|presos|prisioneros|prisoners)\s+"
    r"(?:[a-z]+\s+){0,4}?(?:se\s+incorporaron|se\s+sumaron|se\s+agregaron|se\s+anadieron|"
    r"incorporados|incorporadas|anadidos|agregados|fueron\s+(?:incluid|incorporad|anadid|agregad)"
    r"\w*|entraron\s+en|ingresaron\s+en\s+(?:la|el)\s+"
    r"(?:lista|listado|registro)|were\s+(?:added|incorporated|included)|joined\s+the|"
    r"entered\s+the|came\s+onto))")
# "entraron en la lista 166 (un promedio ...)": the verb before, nothing after
_NEW_LC = re.compile(regroup(
    r"\b(?:entraron|ingresaron|se\s+incorporaron|se\s+sumaron|se\s+agregaron|"
    r"se\s+anadieron|joined|entered)\s+(?:en\s+|a\s+|to\s+)?(?:la|su|el|nuestra|the|"
    r"our)\s+(?:lista|listado|registro|list|registry)\s*$"))
_NEW_BAD = re.compile(
    r"^[^.;\d]{0,60}?\b(?:fueron|han\s+sido|were|have\s+been|habian\s+sido)\s+"
    r"(?:sentenciad|condenad|sentenced|convicted|golpead|beaten|juzgad|tried|arrestad|detenid)")
_NEW_CATEGORY = re.compile(r"^\s*(?:nuev[oa]s|new)\s+(?:convict|condemn|condenad|convict)")

_REL_RC = re.compile(
    r"^\s*" + _Q + r"?\s*(?:(?:[a-z]+\s+){0,3}?(?:salieron|abandonaron|dejaron|salen|"
    r"han\s+salido)\s+(?:de\s+)?(?:la\s+lista|el\s+listado|su\s+listado|ella\b|el\b|"
    r"la\s+misma|del\s+registro|de\s+la\s+lista|prision|la\s+carcel)"
    r"|(?:la|lo)\s+abandonaron"
    r"|(?:[a-z]+\s+){0,2}?quedaron\s+en\s+libertad"
    r"|(?:[a-z]+\s+){0,3}?(?:were\s+(?:freed|released)|left\s+(?:it\b|the\s+list|the\s+registry)|"
    r"exited\s+the\s+(?:list|registry)|came\s+off\s+the\s+list)"
    r"|bajas?\b)")
_REL_LC = re.compile(r"(?:dio\s+de\s+baja\s+a|salir\s+(?:de\s+(?:prision|la\s+lista)\s+)?a|"
                     r"se\s+eliminaron|eliminaron\s+a)\s*$")
_DEATH = re.compile(r"(?P<n>\w+)\s+(?:\w+\s+){0,2}?por\s+(?:la\s+)?(?:fallecimiento|muerte|"
                    r"defuncion)|(?P<n2>\w+)\s+(?:due\s+to|by|from)\s+(?:a\s+)?death")
_SAME_NUMBER = re.compile(regroup(r"\b(?:the\s+same\s+number|el\s+mismo\s+numero|otros\s+tantos|"
                          r"la\s+misma\s+cantidad)\b[^.;]{0,40}?\b(?:released|freed|left|"
                          r"salieron|abandonaron|excarcelad|liberad|bajas?)"))

_CAT_FILL = (r"(?:\s+|" + _Q + r"|,|son\b|are\b|is\b|figuran\s+como\b|se\s+consideran\b|"
             r"considerados\b|considered\b|prisioneros\b|presos\b|casos\s+de\b|cases\s+of\b|casos\b|"
             r"cases\b)*")
_CATS = {
    "sentenced_of_conscience": r"condenados\s+de\s+conciencia|condemned\s+of\s+conscience|"
                               r"sentenced\s+of\s+conscience|condenados\s+con\s+licencia\s+extrapenal",
    "other_political_prisoners": r"otros\s+presos\s+politicos|other\s+political\s+prisoners|"
                                 r"no\s+catalogables|por\s+otros\s+motivos\s+politicos",
    "convicts_of_conscience": r"convictos\s+de\s+conciencia|convicts\s+of\s+conscience|"
                              r"convicted\s+of\s+conscience|presos\s+de\s+conciencia|"
                              r"prisoners\s+of\s+conscience|presos\s+politicos\s+que\s+reunen"
                              r"[^.;\d]{0,80}?de\s+conciencia",
}
_CAT_RC = re.compile(r"^" + _CAT_FILL + r"(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _CATS.items())
                     + r")")
_CAT_LABEL = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _CATS.items()))

# "dos mujeres fueron condenadas": something that happened to some, not a count of the list
_EVENT = (r"(?:(?:fueron|han\s+sido|were|have\s+been)\s+)?(?:detenid|arrestad|condenad|sentenciad|"
          r"sentenced|arrested|detained|golpead|beaten|excarcelad|liberad|released|freed)")
_WOMEN_RC = re.compile(r"^\s*" + _Q + r"?\s*(?:(?:las|los|son|are)\s+)?(?:(?:incarcerated|"
                       r"imprisoned|political|jailed)\s+)?(?:mujeres|women|prisioneras|presas\s+politicas)\b"
                       r"(?!\s+(?:ingresaron|entraron|nuevas|trans\b|transgenero|joined|" + _EVENT
                       + r"))")
_WOMEN_LC = re.compile(regroup(r"(?:mujeres|women)\b[^.;\d]{0,50}?\b(?:son|es\s+de|number|suman|"
                       r"ascienden\s+a)\s*$"))
_MINORS_RC = re.compile(r"^\s*" + _Q + r"?\s*(?:(?:son|are)\s+)?(?:menores|minors|ninos\b"
                        r"(?!\s+y\s+\w+\s+ninas))"
                        r"(?!(?:\s+de\s+edad)?\s+(?:que\s+|who\s+)?(?:cumplen|cumpliendo|siguen\s+"
                        r"cumpliendo|serving|are\s+serving|already|" + _EVENT + r"))")
_MINORS_LC = re.compile(regroup(r"(?:menores|minors)\b[^.;\d]{0,30}?\b(?:son|number|suman|"
                        r"account\s+for)\s*$"))
_NEW_ENTRY = re.compile(regroup(
    r"\b(?:nuev[oa]s|new|entraron|ingresaron|incorporad\w*|incorporaron|"
    r"added|joined)\b"))
_SUBSET_LC = re.compile(regroup(
    r"(?:entre\s+ellas|entre\s+ellos|de\s+ellas|de\s+ellos|among\s+them|"
    r"of\s+them|incluidas|incluidos|including|la\s+mitad|half|de\s+estos|"
    r"de\s+estas)[,:\s]*(?:\w+\s+){0,2}$"))
_HEALTH_GAP_WORDS = frozenset(re.split(r"\s+", """
    presos prisioneros politicos personas people prisoners inmates reclusos de la lista los las
    actuales that who que sufren padecen tienen have has suffer suffering arrastran carry carries
    a an clinical diagnosis of with con aquejados casos cases in prison en prision graves
    serious severe severos severas y and trastornos disorders disorder salud health problemas
    medical medicas medicos patients siguen sufriendo padeciendo political jailed list on the
    currently from""".strip()))
_HEALTH_NOUN = re.compile(r"(?P<mental>mental|mentales|psiquiatric\w*|psychiatric)|(?P<health>"
                          r"patologias?|enfermedades|enfermedad|conditions|pathologies|illness\w*|"
                          r"diseases?)\b")
_11J = re.compile(regroup(
    r"\b11\s*-?\s*j\b|\b11\s+de\s+julio\b|\bjuly\s+11\b|\bjulio\s+de\s+2021\b|"
    r"\bjuly\s+2021\b|protestas\s+de\s+hace\s+(?:dos|2)\s+anos"))
_11J_RC = re.compile(
    r"\b(?:proceden|stem|linked|vinculad\w*|relacionad\w*)\b|\b(?:el|del)\s+11\s*-?\s*j\b|"
    r"\b(?:el|del|the)\s+oncej\b|"
    r"\bpor\s+haberse\s+manifestado|"
    r"\bpor\s+(?:su\s+participacion|haber\s+participado|participar|las\s+protestas|el\s+11\s*-?j)|"
    r"\b(?:condenad\w*|encarcelad\w*|detenid\w*|presos|jailed|imprisoned)\s+(?:[a-z]+\s+){0,3}?"
    r"(?:por|for|after)\s+(?:las\s+|aquellas\s+|esas\s+|estas\s+|the\s+)?(?:protestas|protests|"
    r"manifestaciones|su\s+participacion|haber\s+participado|11\s*-?j|oncej)")

# Windows, averages and announcements: numbers under them are not monthly figures.
_WINDOW_PHRASES = [
    r"ultim[oa]s?\s+(?:\w+\s+)?(?:meses|semanas|anos)",
    r"\w+\s+ultim[oa]s\s+(?:meses|semanas|anos)",
    r"este\s+ano", r"this\s+year", r"en\s+lo\s+que\s+va", r"so\s+far", r"hasta\s+ahora",
    r"hace\s+(?:un|una|\w+|\d+)\s+(?:anos?|mes|meses|semanas)",
    *(w + r"\s+(?:years?|months?)\s+(?:ago|earlier|before)" for w in ("a", "one", "two", "three",
                                                                   r"\d+")),
    r"\bel\s+ano\s+pasado", r"last\s+year", r"un\s+ano\s+antes", r"year\s+earlier",
    r"\bultimo\s+ano\b", r"\bultimo\s+semestre", r"\bsemestre\b",
    r"past\s+(?:\w+\s+)?(?:months|weeks|years)", r"last\s+(?:\w+\s+)?(?:months|weeks|years)",
    r"past\s+year\b", r"last\s+year\b", r"over\s+the\s+(?:past|last)\b", r"over\s+the\s+year",
    r"over\s+(?:19|20)\d\d", r"during\s+the\s+year", r"a\s+lo\s+largo", r"en\s+el\s+conjunto",
    r"\bdesde\b", r"\bsince\b", r"\bbetween\b", r"\bentre\s+(?:el\s+)?\d{1,2}\s+de",
    r"balance\s+anual", r"\banual\b", r"\bannual\b", r"en\s+algun\s+momento", r"han\s+pasado",
    r"pasaron\s+por", r"por\s+ella\s+pasaron", r"llegaron\s+a\s+figurar", r"han\s+estado",
    r"came\s+to\s+include", r"has\s+included", r"\bacumula", r"year[\s-]to[\s-]date",
    r"en\s+lo\s+que\s+va", r"hubo\s+en\s+total", r"same\s+period", r"mismo\s+periodo",
    r"promedio", r"\bmedia\b", r"average", r"per\s+month", r"\bal\s+mes\b", r"cada\s+mes",
    r"each\s+month", r"a\s+month\b", r"mensual\s+de", r"por\s+provincias", r"by\s+province",
    r"en\s+el\s+ano\s+\d{4}", r"in\s+the\s+year",
]
_WINDOW = re.compile(dispatch(_WINDOW_PHRASES))
# The two phrases that do not start with a letter stop the engine from skipping ahead to
# the next possible first letter. A sentence holding none of their words cannot match
# them anywhere, so it is scanned without them: same matches, about twice as fast.
WINDOW_OPTIONAL: dict[str, tuple[str, ...]] = {
    r"\w+\s+ultim[oa]s\s+(?:meses|semanas|anos)": ("ultim",),
    r"\d+\s+(?:years?|months?)\s+(?:ago|earlier|before)": ("ago", "earlier", "before"),
}
_WINDOW_LETTERS = re.compile(dispatch([p for p in _WINDOW_PHRASES if p not in WINDOW_OPTIONAL]))
_WINDOW_OPTIONAL_WORDS = tuple(w for words in WINDOW_OPTIONAL.values() for w in words)
_RESET = re.compile(regroup(r";|\bso\b|\bhoy\b|\btoday\b|\bactualmente\b|\bcurrently\b|\bremain\b|"
                    r"\bquedan\b|\bseguian\b|\bpermanecen\b"))
_ANNOUNCE = re.compile(regroup(r"anunci\w*|announc\w*|prometid\w*|pledg\w*|promis\w*|comprometi\w*|"
                       r"se\s+habia\s+comprometido"))
_OTHER_ORG = re.compile(
    regroup(r"\b(?:amnist\w*|amnesty|ccdh|centro\s+cubano\s+de\s+derechos|unpacu|foro\s+penal|"
    r"naciones\s+unidas|united\s+nations|onu|un\s+committee|observatorio|obserbatorio|ocdh|"
    r"cubalex|justicia\s*11j|human\s+rights\s+watch|cidh|iachr|ai|oea|fundacion)\b"))
_OTHER_COUNTRY = re.compile(regroup(r"\b(?:venezuela|venezolan\w*|nicaragua\w*|bielorrusia|belarus|"
                            r"rusia|russia|china|iran|bolivia)\b"))
_OTHER_COUNTRY_WORDS = ("venezuela", "venezolan", "nicaragua", "bielorrusia", "belarus",
                        "rusia", "russia", "china", "iran", "bolivia")
_11J_WORDS = ("11", "2021", "protestas")     # every _11J match holds one of them


@text_cache(8192)
def _holds(folded: str, words: tuple[str, ...]) -> bool:
    """Does a sentence hold one of `words`? Asked per sentence, not of the joined page text:
    a page repeats its boilerplate sentences, so most answers are cached. (No word has a
    space, so none can straddle the spaces that join the sentences.)"""
    return holds_any(folded, words)


# Strings every match of a pattern holds (tests/test_fastre.py checks it): a text holding
# none of them is not scanned for that pattern.
GUARDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _OTHER_COUNTRY: _OTHER_COUNTRY_WORDS,
    _11J: _11J_WORDS,
    _CAT_LABEL: ("concien", "conscien", "politic", "catalogables", "extrapenal"),
    _REL_RC: ("salieron", "abandonaron", "dejaron", "salen", "salido", "libertad", "freed",
              "released", "left", "exited", "came", "baja"),
    _HEALTH_NOUN: ("mental", "psiquiatric", "psychiatric", "patologia", "enfermedad",
                   "conditions", "pathologies", "illness", "disease"),
}


def _can_match(rx: re.Pattern[str], text: str) -> bool:
    return holds_any(text, GUARDS[rx])


_CUBA = re.compile(regroup(r"\b(?:cuba|cuban\w*|cubano\w*|cubana\w*|la\s+isla|the\s+island|habana|"
                   r"havana)\b"))
_CLAUSE = re.compile(r"[,;:()\u2014\u2013]|\s-\s")
_NOISE_RC = re.compile(
    r"^\s*(?:%|por\s*ciento|percent|per\s+cent|anos\b|ano\b|years?\b|meses\b|mes\b|months?\b|"
    r"dias\b|days?\b|horas\b|hours?\b|semanas\b|weeks?\b|minutos\b|millones\b|millon\b|"
    r"millions?\b|veces\b|times\b|tipos\b|types\b|patterns\b|(?:mas|menos|more|fewer|less)\b(?!\s+de)|"
    r"[/:\-]\d)")
_NOISE_LC = re.compile(regroup(
    r"(?:\barticulo|\barticle|\+|#|@|\bn\.?o|\bnumero|\bedad\s+penal[^.]{0,20}|"
    r"rose\s+by|increased\s+by|grew\s+by|aumento\s+en|crecio\s+en|fell\s+by|"
    r"up\s+by|down\s+by|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|"
    r"miercoles|jueves|viernes|sabado|domingo)\s*\()\s*$"))
_COMPARE_LC = re.compile(regroup(
    r"(?:frente\s+a|against|compared\s+(?:to|with)|versus|vs\.?|respecto\s+a|"
    r"up\s+from|down\s+from|from)\s*(?:los|las|the)?\s*$"))
_PREV_RC = re.compile(r"^\s*(?:\w+\s+){0,3}?(?:del\s+mes\s+anterior|del\s+mes\s+pasado|"
                      r"(?:in|of)\s+the\s+previous\s+month|the\s+month\s+before|last\s+month)")
_REF_LC_BAD = re.compile(
    regroup(r"(?:protest\w*|manifestacion\w*|estallido|nacid\w*|born|aniversario|@\w+\)?|"
    r"(?:arrest\w*|detenid\w*|juzgad\w*|sentenciad\w*|condenad\w*)\s+(?:el|on))"
    r"\W*(?:\w+\s+){0,2}(?:de\s+|of\s+)?$"))
_REF_COMPARE_NUM = re.compile(regroup(
    r"(?:frente\s+a|against|compared\s+(?:to|with)|versus|vs\.?|\bthan|"
    r"\bque|respecto\s+a|up\s+from|from)\s+(?:los|las|the)?\s*\d[\d.,]*"
    r"(?:\s+\w+){0,3}?\s+(?:en|in|de|of|del)?\s*$"))
_REF_COMPARE = re.compile(regroup(
    r"(?:\bque|than|frente\s+a|against|compared\s+(?:to|with)|respecto\s+a|"
    r"desde|since|from|between|entre|a\s+partir\s+de)\s+(?:en\s+|in\s+|el\s+|"
    r"the\s+|al\s+)?(?:mes\s+de\s+|month\s+of\s+)?(?:\d{1,2}\s+de\s+)?$"))
_CUTOFF_LC = re.compile(
    r"(?:fecha|hasta(?:\s+el)?|until|as\s+(?:of|at)|closed\s+on|cerrados\s+al?|datos\s+al?|"
    r"cierre\s+de|al\s+cierre\s+de|a\s+finales\s+de|al\s+(?:termino|terminar|final)\s+de|"
    r"al\s+terminar|at\s+the\s+end\s+of|by\s+the\s+end\s+of|end\s+of|(?:^|[,.]\s*)a(?:l)?|"
    r"\sa)\s*(?:el\s+|the\s+)?$")
_MONTH_OK_LC = re.compile(
    r"(?:\ben|\bin|durante|during|de|this|este|last|el\s+mes\s+de|the\s+month\s+of|cierre\s+de|"
    r"finales\s+de|termino\s+de|terminar|end\s+of|hasta|until|through|registrados\s+en|for|"
    r"over\s+the\s+month\s+of|started|opened|began|empezado|^|[:.>]|the|contabilizo\s+en)\s*$")


@lru_cache(maxsize=2048)
def _cutoff_before(lc: str) -> bool:
    """Does `lc` end with a data cut-off phrase ("con cierre de datos a fecha")? Cached:
    the date passes and the sentence pass ask it of the same words before a date."""
    return _CUTOFF_LC.search(lc) is not None


@lru_cache(maxsize=2048)
def _month_ok_before(lc: str) -> bool:
    """Do the words before a month let it be the figures' month ("en", "durante", ...)?"""
    return _MONTH_OK_LC.search(lc) is not None


_MONTH_OK_RC = re.compile(r"^\s*(?:pasado|update|report|list|de\s+\d{4}|\d{4}|:|comenzo|empezo|"
                          r"arranco|inicio)")
_YEAR_END = re.compile(regroup(
    r"(?:al\s+cierre\s+de|al\s+cerrar|a\s+finales\s+de|at\s+the\s+end\s+of|"
    r"by\s+the\s+end\s+of|end\s+of|termina|cierra|closes|ends|concluye|acaba)"
    r"\s+(?:el\s+ano\s+|the\s+year\s+)?$"))
_YEAR_END_AFTER = re.compile(r"^\s*(?:termina|cierra|closes|ends|concluye|acaba)\b")
_YEAR_START = re.compile(regroup(
    r"(?:al\s+comenzar|al\s+inicio\s+de|a\s+principios\s+de|arranca|empieza|"
    r"inicia|start\s+of|beginning\s+of|starts|begins)\s+(?:este\s+|el\s+ano\s+|"
    r"the\s+year\s+)?$"))
_BASELINE_WORDS = re.compile(regroup(r"\b(?:comenz\w*|empez\w*|arranc\w*|inici\w*|conten\w*|"
                             r"opened|started|began|contained|abrio)\b"))
_YEAR_BASELINE_AFTER = re.compile(r"^\s*(?:comenzo|empezo|began|started|opened)\s+(?:con|with)\b")
_YEAR_WINDOW_LC = re.compile(regroup(
    r"(?:en\s+el\s+conjunto\s+de|a\s+lo\s+largo\s+de(?:l\s+ano)?|durante|"
    r"during|over(?:\s+the\s+year)?|en|(?:recien\s+)?terminado|"
    r"concluido)\s+(?:el\s+ano\s+)?$"))
_PRESENT_RC = re.compile(r"^\s*(?:[a-z]+\s+){0,3}?(?:llegaron\s+a\s+figurar|estuvieron\s+"
                         r"(?:encarcelad\w*|pres[oa]s|en\s+la\s+lista)|pasaron\s+por|"
                         r"appeared\s+on|were\s+on\s+the\s+list)")
_PRESENT_LC = re.compile(r"(?:por\s+ella\s+pasaron|pasaron\s+por\s+(?:ella|la\s+lista|"
                         r"el\s+registro)|came\s+to\s+include|hubo\s+en\s+total)(?:\s+\w+){0,2}\s*$")
_CURRENT = re.compile(regroup(r"\b(?:current|currently|actual|actuales|actualmente|hoy|today|now|"
                      r"en\s+la\s+actualidad)\b"))
_RELATED = re.compile(r"^\W*(?:noticias\s+relacionadas|related|lea\s+tambien|leer\s+mas|"
                      r"lee\s+tambien|te\s+puede\s+interesar|le\s+puede\s+interesar|"
                      r"tambien\s+(?:le|te)\s+puede|read\s+(?:also|more)|see\s+also|ver\s+tambien|"
                      r"mas\s+noticias|otras\s+noticias|more\s+news|relacionad[oa]s?)\b")
_BULLETS = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
                      "\u2022\ufe0f]+|\\s>\\s")
_SENT = splitter(".!?", r"[A-Z\u00c0-\u00dd\u00bf\u00a1\"\u201c\u00ab(0-9]")
_HIGH = re.compile("[\u2022-\U0010ffff]")   # where a bullet character could be


# ----------------------------------------------------------------------------- data

@dataclass(slots=True)
class Cand:
    metric: str
    period: str
    value: int
    qualifier: str
    evidence: str
    score: int
    order: int


@dataclass(slots=True)
class Sent:
    text: str
    folded: str
    order: int
    title: bool = False
    # its numbers and dates, found once: every pass over the page reads them
    _nums: tuple[Number, ...] | None = None
    _refs: tuple[Ref, ...] | None = None

    def numbers(self) -> tuple[Number, ...]:
        if self._nums is None:
            self._nums = numbers_of(self.text)
        return self._nums

    def refs(self) -> tuple[Ref, ...]:
        if self._refs is None:
            self._refs = refs_of(self.folded, self.text)
        return self._refs


@dataclass
class Ctx:
    """What the page tells about time: publication and the month its figures describe."""

    pub: tuple[int, int, int | None] | None = None
    doc: YM | None = None
    doc_from_text: bool = False
    eleven_j_doc: bool = False
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- page

@text_cache(4096)
def _split(text: str) -> tuple[tuple[str, str], ...]:
    """(sentence, folded sentence) pairs of a block; cached per block of text, since a
    site repeats its boilerplate paragraphs on every report."""
    return tuple((s, fold(s)) for s in _split_text(text))


def _split_text(text: str) -> list[str]:
    out: list[str] = []
    # exact shortcuts: every bullet character is U+2022 or above, and " > " needs a ">";
    # a sentence break needs a ".", "!" or "?" before it
    chunks = _BULLETS.split(text) if ">" in text or _HIGH.search(text) else [text]
    for chunk in chunks:
        for s in (_SENT(chunk) if "." in chunk or "!" in chunk or "?" in chunk else [chunk]):
            s = s.strip(" \u2014\u2013-")
            if s:
                out.append(s)
    return out


@text_cache(4096)
def _related(block: str) -> bool:
    return _RELATED.match(fold(block)) is not None


def _sentences(title: str, paragraphs: list[str]) -> tuple[list[Sent], bool]:
    """The page's sentences in order (title first), and whether the text was cut short."""
    sents: list[Sent] = []
    size = 0
    for i, block in enumerate([title, *paragraphs]):
        size += len(block)
        if size > _MAX_TEXT:
            return sents, True
        if i and _related(block):
            continue    # "Noticias relacionadas: ...": other articles' headlines
        for s, f in _split(block):
            sents.append(Sent(s, f, len(sents) + 1, title=(i == 0)))
    return sents, False


def _meta_partial(page) -> str | None:
    got = page.meta("article:published_time", "datePublished", "date")
    if got is not None:
        return got
    t = page.first("time", "datetime")
    return str(t.get("datetime")) if t is not None else None


def _is_report_head(title: str, subtitle: str) -> bool:
    """A monthly list report by its headline: political prisoners and a month."""
    head = fold(" ".join([title, subtitle]))
    return bool(
        re.search(r"pres[oa]s\s+politic|prisioneros\s+politic|political\s+prisoners", head)
        and any(r.month for r in find_refs(head, title + " " + subtitle)))


def _dateline(sents: list[Sent]) -> tuple[int, int, int] | None:
    """'MADRID, August 26, 2019.' / 'April 1, 2019.' at the start of the text."""
    for s in sents[:4]:
        if s.title:
            continue
        head = s.folded[:48]
        for r in find_refs(head, s.text[:48]):
            if r.kind == "date" and r.year and r.start <= 24 and re.fullmatch(
                    r"[a-z .\-]{0,22},?\s*", head[:r.start]):
                return r.year, r.month or 1, r.day or 1
        break
    return None


def extract(html: bytes | str, url: str) -> Extraction:
    page = parse_page(html, url)
    ctx = Ctx()
    ctx.pub = iso_or_partial(page.meta_published) or iso_or_partial(_meta_partial(page)) \
        or url_date(url)
    sents, cut = _sentences(page.title, page.paragraphs)
    if cut:
        log.warning("%s: long page (%d characters of text); reading figures from the first "
                    "%d only", url, len(page.text), _MAX_TEXT)
    if ctx.pub is None:
        ctx.pub = _dateline(sents)
    published = None
    if ctx.pub and ctx.pub[2]:
        published = f"{ctx.pub[0]:04d}-{ctx.pub[1]:02d}-{ctx.pub[2]:02d}"
    out = Extraction(source=SOURCE, url=url, title=page.title, published=published,
                     text=page.text)
    if cut:
        out.notes.append(f"text cut at {_MAX_TEXT} characters")

    # run when first read (see Extraction.looks_like_report); holds strings, not the page
    out.looks_like_report = functools.partial(_is_report_head, page.title, page.subtitle)

    alltext = " ".join(s.folded for s in sents)
    # substring pre-checks: every match of these patterns contains one of the words
    other = _OTHER_COUNTRY.findall(alltext) if any(
        _holds(s.folded, _OTHER_COUNTRY_WORDS) for s in sents) else []
    if other:
        cuba = _CUBA.findall(alltext)
        title_other = _OTHER_COUNTRY.search(fold(page.title)) and not _CUBA.search(
            fold(page.title))
    if other and (not cuba or len(other) > len(cuba) or title_other):
        log.info("%s: page is about %s, not Cuba; no figures", url, other[0])
        out.notes.append("not about Cuba")
        out.looks_like_report = False
        return out
    ctx.eleven_j_doc = bool(any(_holds(s.folded, _11J_WORDS) for s in sents)
                            and _11J.search(alltext))
    ctx.doc, ctx.doc_from_text = _doc_period(sents, ctx)
    out.notes.extend(ctx.notes)
    if ctx.doc is None:
        log.info("%s: the month the figures describe cannot be told; only figures with "
                 "their own month are read", url)
        out.notes.append("no period")

    tainted = _tainted(sents)
    cands: list[Cand] = []
    for s in sents:
        cands.extend(_sentence(s, ctx))
    cands = [c for c in cands if not (c.metric == TOTAL and c.value in tainted)]
    _choose(out, cands, url, published)
    if not out.headline_found and out.looks_like_report:
        log.warning("%s: looks like a monthly report but no total found (extraction gap)", url)
        out.notes.append("no headline figure")
    return out


def _pub_ym(ctx: Ctx) -> YM | None:
    return YM(ctx.pub[0], ctx.pub[1]) if ctx.pub else None


def _ref_anchor(ctx: Ctx) -> tuple[YM | None, bool]:
    """What a month without a year is resolved against, and whether that month itself is
    allowed (a month-end date in the text) or only earlier ones (publication)."""
    pub = _pub_ym(ctx)
    if pub is not None:
        return pub, bool(ctx.pub and ctx.pub[2] and ctx.pub[2] >= 28)
    if ctx.doc is not None and ctx.doc_from_text:
        return ctx.doc, True
    return None, False


def _month_of(r: Ref, ctx: Ctx, anchor: YM | None = None) -> YM | None:
    if r.month is None:
        return None
    if r.year:
        return YM(r.year, r.month)
    if anchor is not None:
        return resolve_month(r.month, anchor, allow_same=True)
    ref, same = _ref_anchor(ctx)
    return resolve_month(r.month, ref, allow_same=same, max_back=6)


_LAST_YEAR_RC = re.compile(r"^\s*del\s+ano\s+pasado")


def _classify_ref(s: Sent, r: Ref, ctx: Ctx, anchor: YM | None = None
                  ) -> tuple[str, YM | None] | None:
    """What a time expression means for the figures near it:
    ('month', YM) the month they describe, ('year', YM(y, 12)) a calendar year,
    ('stock_only', YM) a point in time good for stocks only, or None (not the figures' time)."""
    f = s.folded
    lc = f[max(0, r.start - 45):r.start]
    rc = f[r.end:r.end + 30]
    if _REF_COMPARE.search(lc) or _REF_COMPARE_NUM.search(lc):
        return None
    if r.kind == "year":
        y = r.year or 0
        if _YEAR_END.search(lc) or _YEAR_END_AFTER.match(rc):
            return "year_end", YM(y, 12)
        if _YEAR_START.search(lc):
            return "stock_only", YM(y - 1, 12)
        if _YEAR_BASELINE_AFTER.match(rc):
            return "stock_only", YM(y, 1)
        if _YEAR_WINDOW_LC.search(lc):
            return "year", YM(y, 12)
        return None
    if r.kind == "date":
        if not (_cutoff_before(lc) or r.start == 0):
            return None
        if r.year:
            return "month", cutoff_month(r.year, r.month or 1, r.day, _EARLY_DAYS)
        m = _month_of(Ref(r.start, r.end, r.month, None), ctx, anchor)
        if m is None:
            return "unknown", None
        return "month", (m.shift(-1) if r.day and r.day <= _EARLY_DAYS else m)
    # a month
    if _REF_LC_BAD.search(lc) and not _cutoff_before(lc):
        return None
    if not (_month_ok_before(lc) or _MONTH_OK_RC.match(rc) or r.year):
        return None
    if _LAST_YEAR_RC.match(rc):
        base = ctx.doc if ctx.doc_from_text and ctx.doc else _pub_ym(ctx)
        if base is None:
            return "unknown", None
        return "month", YM(base.year - 1, r.month or 1)
    if r.year is None and not (_month_ok_before(lc) or _MONTH_OK_RC.match(rc)):
        return None
    m = _month_of(r, ctx, anchor)
    # a month that cannot be placed ("en enero" a year back) is still not the page's month
    return ("month", m) if m else ("unknown", None)


def _doc_period(sents: list[Sent], ctx: Ctx) -> tuple[YM | None, bool]:
    """The month the page's figures describe when a sentence names none."""
    anchor = None
    # a cut-off with a year anchors months named without one (no publication date)
    for s in sents:
        for r in s.refs():
            if r.kind == "date" and r.year and _cutoff_before(s.folded[max(0, r.start - 45):
                                                                          r.start]):
                anchor = cutoff_month(r.year, r.month or 1, r.day, _EARLY_DAYS)
                break
        if anchor:
            break
    for pass_ in ("cutoff", "title", "any"):
        for k, s in enumerate(sents):
            if pass_ == "title" and not s.title:
                continue
            if pass_ == "any" and _pub_ym(ctx) is not None:
                break
            # without a date, a month named in the lead or a heading ("Agosto de 2025: ...")
            # is the report's; one further down may be a baseline or an old event
            if pass_ == "any" and ((k > 3 and len(s.text) > 80) or _BASELINE_WORDS.search(
                    s.folded)):
                continue
            for r in s.refs():
                lc = s.folded[max(0, r.start - 45):r.start]
                if pass_ == "cutoff" and not (_cutoff_before(lc) or _YEAR_END.search(lc)
                                              or _YEAR_START.search(lc)):
                    continue
                if pass_ == "any" and (r.year is None or r.kind == "year"
                                       or _in_window(s.folded, r.start)
                                       or _YEAR_BASELINE_AFTER.match(s.folded[r.end:])
                                       or re.match(r"^\s*(?:comenzo|empezo|began|started)",
                                                   s.folded[r.end:])):
                    continue
                c = _classify_ref(s, r, ctx, anchor)
                if c and c[0] in ("month", "year_end", "stock_only") and c[1]:
                    if pass_ == "cutoff" and _in_window(s.folded, r.start):
                        continue
                    return c[1], True
    pub = _pub_ym(ctx)
    if pub is None:
        return anchor, anchor is not None
    day = ctx.pub[2] if ctx.pub else None
    # since 2021 the report for M appears on the 5th-15th of M+1 (2019-2020 lists were
    # dated the 1st): a page from the first days of a month may still quote M-2
    early = day is not None and day <= 4 and pub.year >= 2021
    if day is None or (day <= 20 and not early):
        return pub.shift(-1), False
    # published outside the release window: only a month the text names will do
    for s in sents:
        for r in s.refs():
            if r.kind != "month" or _in_window(s.folded, r.start):
                continue
            c = _classify_ref(s, r, ctx, None)
            if c and c[0] == "month" and c[1]:
                return c[1], True
    # a dated press release ("MADRID, August 26, 2019.") counting its "current list"
    dl = _dateline(sents)
    if dl and not early and (dl[0], dl[1]) == (pub.year, pub.month) and dl[2] > 20 and any(
            _CURRENT.search(s.folded) for s in sents):
        return YM(dl[0], dl[1]), True
    ctx.notes.append("published outside the release window with no month named")
    return None, False


# ----------------------------------------------------------------------------- sentences

def _in_window(f: str, pos: int) -> bool:
    """Is position `pos` under a cumulative window, an average or a province breakdown?"""
    return any(a <= pos < b for a, b in _window_spans(f))


def _window_spans(f: str) -> tuple[tuple[int, int], ...]:
    return _window_scan(f)[0]


def _window_starts(f: str) -> tuple[int, ...]:
    return _window_scan(f)[1]


@text_cache(4096)
def _window_scan(f: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...]]:
    """One scan per sentence for both readings of its window phrases: the stretches each
    covers (from its clause start to the next reset), for _in_window, asked once per
    number and time expression; and where each starts, for _tainted."""
    spans: list[tuple[int, int]] = []
    starts: list[int] = []
    rx = _WINDOW if holds_any(f, _WINDOW_OPTIONAL_WORDS) else _WINDOW_LETTERS
    for m in rx.finditer(f):
        starts.append(m.start())
        if m.group(0) in ("same period", "mismo periodo"):
            continue
        cl_start = max([c.end() for c in _CLAUSE.finditer(f, 0, m.start())] or [0])
        reset = _RESET.search(f, m.end())
        end = reset.start() if reset else len(f)
        spans.append((cl_start, end))
    return tuple(spans), tuple(starts)


_TAINT_CLAUSE = re.compile(r"[,;:()\u2014\u2013]|\s(?:y|and)\s")


def _tainted(sents: list[Sent]) -> set[int]:
    """Values the page states as cumulative counts ('525 political prisoners over the last
    12 months'): never the monthly total, wherever else the page repeats them."""
    out: set[int] = set()
    for s in sents:
        if not s.numbers():
            continue
        f = s.folded
        bounds = [0] + [m.end() for m in _TAINT_CLAUSE.finditer(f)]
        bounds.append(len(f) + 1)
        windows: list[int] | None = None     # found once per sentence, only when needed
        for n in s.numbers():
            if n.value < 50:
                continue
            a = max(b for b in bounds if b <= n.start)
            b = min(b for b in bounds if b > n.start)
            if windows is None:
                windows = _window_starts(f)
            if any(a <= w < b for w in windows):
                out.add(n.value)
    return out


@text_cache(1024)
def _segments(f: str) -> tuple[tuple[int, int], ...]:
    bounds = [0] + [m.end() for m in re.finditer(r";", f)] + [len(f)]
    return tuple(itertools.pairwise(bounds))


def _sentence(s: Sent, ctx: Ctx) -> list[Cand]:
    if not s.numbers():
        return []   # every reading below starts from a number; most prose has none
    f = s.folded
    if _OTHER_ORG.search(f) or _ANNOUNCE.search(f):
        return []
    if _holds(f, _OTHER_COUNTRY_WORDS) and _OTHER_COUNTRY.search(f) and not _CUBA.search(f):
        return []
    refs = [(r, _classify_ref(s, r, ctx)) for r in s.refs()]
    same_period_ok = any(c and c[0] == "month" for _, c in refs)
    same_period = "period" in f and bool(_SAME_PERIOD.search(f))   # every match holds it
    nums = [n for n in s.numbers() if not _noise(f, n, refs)]
    out: list[Cand] = []
    has_new_word = bool(_NEW_WORD.search(f))
    for idx, n in enumerate(nums):
        nxt = nums[idx + 1].start if idx + 1 < len(nums) else len(f)
        found = _metrics_for(f, n, nums, idx, nxt, ctx, has_new_word)
        # "en ese mismo periodo" is the month when the sentence names one, else a window
        if _in_window(f, n.start) or (same_period and not same_period_ok):
            out.extend(_yearly(s, n, ctx, [m for m, _ in found], refs))
            continue
        if not found:
            continue
        for metric, score in found:
            per = _period_for(s, n, metric, refs, ctx)
            if per is None:
                continue
            value = n.value
            if metric == "released":
                value -= _deaths(f[n.end:n.end + 120])
                if value <= 0:
                    continue
            out.append(Cand(metric, per, value, qualifier_at(s.text, n.start), s.text, score,
                            s.order))
    # "seven new names ... and the same number of prisoners were released"
    m = _SAME_NUMBER.search(f)
    if m:
        news = [c for c in out if c.metric == "new_political_prisoners"]
        if news:
            c = news[0]
            out.append(Cand("released", c.period, c.value, c.qualifier, s.text, 1, s.order))
    if not has_new_word:
        out.extend(_label_first(s, nums, refs, ctx))
    return out


def _noise(f: str, n: Number, refs: list) -> bool:
    if n.is_decimal:
        return True
    if any(r.start <= n.start < r.end for r, _ in refs):
        return True  # part of a date or a year
    return bool(_NOISE_RC.match(f[n.end:]) or _NOISE_LC.search(f[max(0, n.start - 30):n.start]))


_REFERENCE_LC = re.compile(r"(?:\bde|\bof)\s+(?:los|las|the|estos|esos)\s*$")
_CONDITIONAL = re.compile(r"\b(?:habrian|habria|would)\b")
_IN_MONTH_RC = re.compile(r"^\s+(?:en|in|de|of|del\s+mes\s+de|at\s+the\s+end\s+of|al\s+cierre\s+de)"
                          r"\s+(?:" + MONTH_ALT + r")\b")
_LIST_LC = re.compile(r"\b(?:lista?|registro)\b[^.;\d]{0,25}$")
_NEW_WORD = re.compile(r"\b(?:nuev[oa]s?|new|gained|added|incorpor\w+|entraron)\b")
_SAME_PERIOD = re.compile(r"same\s+period|mismo\s+periodo")


@text_cache(1024)
def _new_entry(f: str) -> bool:
    """Does the sentence speak of new entries (asked once per number in it)?"""
    return _NEW_ENTRY.search(f) is not None


def _to_stop(text: str) -> str:
    """`text` up to its first "." or ";" (re.split(r"[.;]", text, maxsplit=1)[0])."""
    stops = [i for i in (text.find("."), text.find(";")) if i >= 0]
    return text[:min(stops)] if stops else text


def _metrics_for(f: str, n: Number, nums: list[Number], idx: int, nxt: int, ctx: Ctx,
                 has_new_word: bool) -> list[tuple[str, int]]:
    """(metric, score) readings of number `n` from the words around it."""
    lc = f[max(0, n.start - 80):n.start]
    rc_full = f[n.end:]
    rc = f[n.end:nxt]
    out: list[tuple[str, int]] = []
    reference = bool(_REFERENCE_LC.search(lc))
    # a count for another country in a sentence that also speaks of Cuba
    near = lc[-40:] + " " + _to_stop(rc_full[:40])
    if _can_match(_OTHER_COUNTRY, near) and _OTHER_COUNTRY.search(near) and not _CUBA.search(
            near):
        return []
    compare = bool(_COMPARE_LC.search(lc))
    subset = bool(_SUBSET_LC.search(lc))
    conditional = bool(_CONDITIONAL.search(rc_full[:40]))

    # total
    if n.value >= 50 and not compare:
        score = 0
        if _TOTAL_RC.match(rc_full) and not _TOTAL_AFTER_BAD.match(
                _TOTAL_RC.sub("", rc_full, count=1)):
            score = 2
            stripped = _strip_total_conscience(rc)
            if _can_match(_CAT_LABEL, stripped) and _CAT_LABEL.search(stripped):
                score = 0
        if _TOTAL_LC.search(lc) and _TOTAL_RC_WEAK.match(rc_full) and not _TOTAL_AFTER_BAD.match(
                rc_full):
            score = max(score, 3)
        if not score and _TOTAL_VERB.search(lc) and _TOTAL_RC_WEAK.match(rc_full):
            tail = lc[-60:]
            if _SUBJECT_PP.search(tail) and not _OTHER_SUBJECT.search(tail):
                score = 1
        if not score and _PP_COLON.search(lc) and _TOTAL_RC_WEAK.match(rc_full):
            score = 2
        if not score and _BASELINE_LC.search(lc) and re.search(
                r"\b(?:lista?|registro|presos|prisioneros|prisoners)\b", f):
            score = 1
        if score:
            out.append((TOTAL, score - (1 if reference else 0)))
    elif n.value >= 50 and compare and (_PREV_RC.match(rc_full) or _IN_MONTH_RC.match(rc_full)):
        out.append(("previous_total", 1))
    if reference or compare or conditional:
        return [(m, s) for m, s in out if s > 0]

    # new entries
    if _NEW_RC.match(rc_full) and not _NEW_BAD.match(rc_full) and not _NEW_CATEGORY.match(rc):
        out.append(("new_political_prisoners", 2))
    elif _NEW_LC.search(lc) and re.match(r"^\s*(?:$|[,.;:(])", rc_full):
        out.append(("new_political_prisoners", 1))
    # releases
    if (_can_match(_REL_RC, rc) and _REL_RC.match(rc)) or _REL_LC.search(lc):
        out.append(("released", 2))
    # categories (not in a sentence about new entries: "3 new Convicts of Conscience")
    if not has_new_word:
        m = _CAT_RC.match(_strip_total_conscience(rc))
        if m:
            out = [(k, v) for k, v in out if k != TOTAL]
            out.append((m.lastgroup, 2))
    # women, minors
    # ("... 120 mujeres, entre ellas dos mujeres trans": a part of a count already given)
    # a part of a group just named ("de ellos, 13 menores") counts less than a plain count
    before = f[:n.start]
    if _new_entry(f) and not _LIST_LC.search(lc):
        subset = True
        before += " mujeres menores"
    if (_WOMEN_RC.match(rc_full) or _WOMEN_LC.search(lc)) and not (
            subset and re.search(r"mujeres|women|prisioneras", before)):
        out.append(("women", 1 if subset else 2))
    if (_MINORS_RC.match(rc_full) or _MINORS_LC.search(lc)) and not (
            subset and re.search(r"menores|minors|ninos|children", before)):
        out.append(("minors", 1 if subset else 2))

    # health (not of a subgroup: "de los 34 menores, 5 padecen ...")
    h = _health(rc_full, nums, idx)
    clause = lc[max(lc.rfind("."), lc.rfind(";")) + 1:]    # after the last . or ;
    if h and re.search(r"\b(?:menores|minors|mujeres|women|ninos|manifestantes|protesters)\b",
                       clause):
        h = None
    if h:
        out = [(k, v) for k, v in out if k != TOTAL]
        out.append((h, 2))
    # 11J
    if ctx.eleven_j_doc and n.value >= 50 and not n.is_word:
        body = re.sub(r"\([^)]*\)", " ", rc_full)
        body = re.sub(r"\b11\s*-?\s*j\b|\b11\s+de\s+julio(?:\s+de\s+2021)?|"
                      r"\bjuly\s+11(?:,?\s+2021)?", "oncej", body)
        cut = re.search(r"\d|[.;]", body)
        body = body[:cut.start()] if cut else body
        if _11J_RC.search(body[:140]) and not re.search(
                r"15\s*-?\s*n\b|15\s+de\s+noviembre", f) and qualifier_at(f, n.start) == "exact":
            out = [(k, v) for k, v in out if k != TOTAL]
            out.append(("eleven_j_prisoners", 2))
    return out


_TOTAL_CONSCIENCE = re.compile(r"^\s*(?:" + _PP + r")?\s*(?:y\s+de\s+conciencia|and\s+"
                               r"(?:prisoners\s+)?of\s+conscience)")


@text_cache(1024)
def _strip_total_conscience(rc: str) -> str:
    """'... presos políticos y de conciencia' is the total's name, not a category."""
    return _TOTAL_CONSCIENCE.sub(" ", rc)


def _health(rc: str, nums: list[Number], idx: int) -> str | None:
    """'N presos padecen patologías médicas graves' / 'N have serious mental disorders'."""
    head = rc[:110]
    m = _HEALTH_NOUN.search(head) if _can_match(_HEALTH_NOUN, head) else None
    if not m:
        return None
    gap = rc[:m.start()]
    gap = re.sub(r"\b(?:de|of)\s+(?:los|las|the)\s+(?:\d[\d.,\s]*\d|\d)", " ", gap)
    words = re.findall(r"[a-z]+|\d", gap)
    if any(w not in _HEALTH_GAP_WORDS for w in words):
        return None
    tail = re.split(r"[\d,;.]", rc[m.start():], maxsplit=1)[0][:40]
    return "mental_health_issues" if m.group("mental") or re.search(
        r"\b(?:salud\s+mental|mental)\b", tail) else "with_health_issues"


def _deaths(rc: str) -> int:
    """How many of the exits just counted were deaths: a death is not a release."""
    for n in find_numbers(rc):
        if re.match(r"^\s+(?:\w+\s+){0,2}?(?:por|due\s+to|by|from)\s+(?:la\s+|a\s+)?"
                    r"(?:fallecimiento|muerte|defuncion|death)", rc[n.end:]):
            return n.value
    m = re.search(r"\b(?:uno|una|one)\s+(?:\w+\s+){0,2}?(?:por|due\s+to|by|from)\s+"
                  r"(?:la\s+|a\s+)?(?:fallecimiento|muerte|defuncion|death)", rc)
    return 1 if m else 0


def _label_first(s: Sent, nums: list[Number], refs: list, ctx: Ctx) -> list[Cand]:
    """'the Convicted of Conscience are practically unchanged (87 today, against 88 ...)':
    a category named first, its figure after it."""
    f = s.folded
    out: list[Cand] = []
    for m in _CAT_LABEL.finditer(f) if _can_match(_CAT_LABEL, f) else ():
        if re.search(r"\d\W{0,3}(?:\w+\W+){0,2}$", f[max(0, m.start() - 20):m.start()]):
            continue  # the figure came before the label
        for n in nums:
            if n.start < m.end() or n.start - m.end() > 60:
                continue
            lc = f[max(0, n.start - 25):n.start]
            if _COMPARE_LC.search(lc) or re.search(r"\bby\s*$|\bpor\s*$", lc):
                continue
            if not re.match(r"^\s*(?:[).,;:]|$|today|hoy|now|ahora|en\s+total|in\s+total)",
                            f[n.end:]):
                break   # "convictos de conciencia, 15 son menores": another count
            per = _period_for(s, n, m.lastgroup, refs, ctx)
            if per:
                out.append(Cand(m.lastgroup, per, n.value, qualifier_at(s.text, n.start), s.text,
                                1, s.order))
            break
    return out


def _period_for(s: Sent, n: Number, metric: str, refs: list, ctx: Ctx) -> str | None:
    f = s.folded
    seg = next(((a, b) for a, b in _segments(f) if a <= n.start < b), (0, len(f)))
    mine = [(r, c) for r, c in refs if c and seg[0] <= r.start < seg[1]]
    before = [(r, c) for r, c in mine if r.end <= n.start]
    after = [(r, c) for r, c in mine if r.start >= n.end]
    chosen = before[-1] if before else (after[0] if after else None)
    flow = metric in FLOWS
    if metric == "previous_total":
        own = chosen[1][1] if chosen and chosen[1][0] == "month" else ctx.doc
        if own is None:
            return None
        named = [r for r, _ in refs if r.month and 0 < r.start - n.end <= 25]
        if named:   # "frente a 1.105 en agosto": only when agosto is the month before
            m = _month_of(named[0], ctx, own)
            return str(m) if m is not None and m == own.shift(-1) else None
        return str(own.shift(-1))
    if chosen is not None:
        kind, ym = chosen[1]
        if kind == "unknown":
            return None
        if kind == "month":
            return str(ym)
        if kind == "year_end":
            r = chosen[0]
            if flow and (_YEAR_END_AFTER.match(f[r.end:r.end + 20]) or re.search(
                    r"(?:termina|cierra|closes|ends|concluye|acaba)\s+(?:el\s+ano\s+)?$",
                    f[max(0, r.start - 30):r.start])):
                return None     # "2025 termina con 134 nuevos": the year's count
            return str(ym)
        if kind == "stock_only":
            return None if flow else str(ym)
        return None             # a calendar year: not a monthly figure
    return str(ctx.doc) if ctx.doc is not None else None


def _yearly(s: Sent, n: Number, ctx: Ctx, metrics: list[str], refs: list) -> list[Cand]:
    """A calendar year's count: 'en el conjunto de 2024 entraron 166 ... y por ella pasaron
    1.219' (new entries, everyone present on the list that year)."""
    f = s.folded
    names = []
    if "new_political_prisoners" in metrics:
        names.append("new_political_prisoners")
    if (_PRESENT_RC.match(f[n.end:]) or _PRESENT_LC.search(f[max(0, n.start - 40):n.start])) \
            and n.value >= 50:
        names.append("present_on_list")
    if not names:
        return []
    year = None
    for r, c in refs:
        if c and c[0] in ("year", "year_end") and r.start < n.start:
            year = c[1].year
    if year is None and ctx.doc is not None and ctx.doc.month == 12 and re.search(
            r"a\s+lo\s+largo\s+del\s+ano|en\s+el\s+conjunto\s+del\s+ano|balance\s+anual|"
            r"durante\s+el\s+ano|over\s+the\s+year\b", f):
        year = ctx.doc.year
    if year is None or re.search(r"ultimo\s+ano|last\s+year|past\s+year|meses|months", f):
        return []
    return [Cand(name, f"{year:04d}", n.value, qualifier_at(s.text, n.start), s.text, 1, s.order)
            for name in names]


# ----------------------------------------------------------------------------- choice

def _choose(out: Extraction, cands: list[Cand], url: str, published: str | None) -> None:
    """One value per (metric, period): the best-stated; equally good ones that disagree
    cancel out (precision beats recall)."""
    groups: dict[tuple[str, str], list[Cand]] = {}
    for c in cands:
        metric = TOTAL if c.metric == "previous_total" else c.metric
        groups.setdefault((metric, c.period), []).append(c)
    chosen: list[Cand] = []
    for (metric, per), cs in groups.items():
        # a hedged round number ("más de 700", "at least 10") approximates, it is no figure
        cs = [c for c in cs if c.qualifier == "exact" or c.value % 10]
        if not cs:
            continue
        top = max(c.score for c in cs)
        tops = [c for c in cs if c.score == top]
        exact = [c for c in tops if c.qualifier == "exact"]
        pool = exact or tops
        values = {c.value for c in pool}
        if len(values) > 1:
            log.info("%s: %s %s stated as %s; emitting none", url, metric, per, sorted(values))
            out.notes.append(f"conflicting {metric} {per}: {sorted(values)}")
            continue
        best = min(pool, key=lambda c: c.order)
        best.metric = metric
        chosen.append(best)
    for c in sorted(chosen, key=lambda c: (c.order, c.metric)):
        out.observations.append(Observation(SOURCE, c.metric, c.period, c.value, c.qualifier,
                                            published, url, c.evidence))
        if c.metric == TOTAL:
            out.headline_found = True
