"""UI strings, one catalogue per language, and number formatting per language.

Swedish is the default. ``t(key, lang)`` falls back to Swedish for a key missing in English,
and a test checks that both catalogues have the same keys.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

LANGS = ("sv", "en")
LOCALES = {"sv": "sv_SE", "en": "en_GB"}

SV: dict[str, str] = {
    "app.title": "MalmöLundregionen – uppföljning",
    "app.tagline": "Uppföljning av fokusfrågorna",
    "nav.home": "Översikt",
    "nav.compare": "Jämför kommuner",
    "nav.data": "Data",
    "nav.about": "Om",
    "nav.skip": "Hoppa till innehållet",
    "nav.language": "In English",
    "nav.main": "Huvudmeny",
    "footer.source": "Data",
    "footer.updated": "uppdaterad",
    "footer.observations": "observationer",
    "home.heading": "Fokusfrågor",
    "home.intro": "MalmöLundregionens fokusfrågor i {plan}, med de långsiktiga målbilderna och de senaste värdena för regionen som helhet.",
    "home.closed": "Avslutade fokusfrågor",
    "home.closed_in": "Avslutad {year}",
    "home.responsible": "Ansvariga kommuner",
    "home.target_picture": "Långsiktig målbild",
    "home.full_text": "Hela målbilden",
    "home.open": "Öppna fokusfrågan",
    "home.latest": "Senaste värde för MLR",
    "home.no_value": "Underlag saknas",
    "home.final_result": "Slutresultat",
    "focus.not_found": "Fokusfrågan {id} finns inte.",
    "focus.description": "Beskrivning och genomförande",
    "focus.results": "Resultat",
    "focus.activities": "Aktiviteter",
    "focus.indicators": "Indikatorer",
    "focus.no_data": "Inga värden för {name} ännu: underlag saknas.",
    "chart.table": "Visa data som tabell",
    "chart.download": "Ladda ner CSV",
    "chart.source": "Källa",
    "chart.gap": "Luckor i linjerna betyder att värde saknas i källan.",
    "table.region": "Område",
    "table.period": "År",
    "table.value": "Värde",
    "table.status": "Status",
    "table.unit": "Enhet",
    "table.indicator": "Indikator",
    "table.source": "Källa",
    "table.retrieved": "Hämtad",
    "table.note": "Anmärkning",
    "summary.none": "Det finns inga värden för {name} i det valda urvalet.",
    "summary.latest": "{name} {year}: högst i {top} ({top_value}), lägst i {bottom} ({bottom_value}).",
    "summary.single": "{name} {year}: {region} {value}.",
    "summary.mlr": "MalmöLundregionen totalt {value}.",
    "compare.heading": "Jämför kommuner",
    "compare.indicator": "Indikator",
    "compare.regions": "Kommuner och jämförelser",
    "compare.period": "Period",
    "data.heading": "Data",
    "data.intro": "Alla observationer med källa och hämtningsdatum. Filtrera och sortera i tabellen.",
    "about.heading": "Om uppföljningen",
    "about.sources": "Indikatorer och källor",
    "about.method": "Metod",
    "about.method_text": "MalmöLundregionens totaler räknas fram ur medlemskommunernas egna värden med det medlemskap som gällde varje år: summa för antal, befolkningsviktat medel för andelar. Saknas värdet för någon medlem ett år visas ingen total för det året, hellre en lucka än en missvisande summa.",
    "about.coverage": "Täckning",
    "about.years": "År",
    "about.regions": "Områden",
    "about.retrieved": "Senast hämtad",
    "status.final": "slutlig",
    "status.preliminary": "preliminär",
    "status.missing": "saknas",
    "status.derived": "beräknad",
    "status.incomplete": "ofullständig",
    "notfound.heading": "Sidan finns inte",
    "notfound.text": "Adressen {path} leder inte till någon sida här.",
    "notfound.back": "Till översikten",
    "error.db": "Databasen kan inte läsas just nu. Försök igen om en stund.",
    # [board] strings for the overview, focus pages, status, presentation and print
    # [compare] strings for /jamfor
    # [data] strings for /data, /om and the API
}

EN: dict[str, str] = {
    "app.title": "Malmö–Lund Region – follow-up",
    "app.tagline": "Follow-up of the focus areas",
    "nav.home": "Overview",
    "nav.compare": "Compare municipalities",
    "nav.data": "Data",
    "nav.about": "About",
    "nav.skip": "Skip to content",
    "nav.language": "På svenska",
    "nav.main": "Main menu",
    "footer.source": "Data",
    "footer.updated": "updated",
    "footer.observations": "observations",
    "home.heading": "Focus areas",
    "home.intro": "The Malmö–Lund Region's focus areas in {plan}, with their long-term target pictures and the latest values for the region as a whole.",
    "home.closed": "Closed focus areas",
    "home.closed_in": "Closed {year}",
    "home.responsible": "Responsible municipalities",
    "home.target_picture": "Long-term target picture",
    "home.full_text": "Full target picture",
    "home.open": "Open the focus area",
    "home.latest": "Latest value for MLR",
    "home.no_value": "No data",
    "home.final_result": "Final result",
    "focus.not_found": "There is no focus area {id}.",
    "focus.description": "Description and implementation",
    "focus.results": "Results",
    "focus.activities": "Activities",
    "focus.indicators": "Indicators",
    "focus.no_data": "No values for {name} yet: data missing.",
    "chart.table": "Show data as a table",
    "chart.download": "Download CSV",
    "chart.source": "Source",
    "chart.gap": "Gaps in the lines mean the source has no value.",
    "table.region": "Area",
    "table.period": "Year",
    "table.value": "Value",
    "table.status": "Status",
    "table.unit": "Unit",
    "table.indicator": "Indicator",
    "table.source": "Source",
    "table.retrieved": "Retrieved",
    "table.note": "Note",
    "summary.none": "There are no values for {name} in the selection.",
    "summary.latest": "{name} {year}: highest in {top} ({top_value}), lowest in {bottom} ({bottom_value}).",
    "summary.single": "{name} {year}: {region} {value}.",
    "summary.mlr": "Malmö–Lund Region in total {value}.",
    "compare.heading": "Compare municipalities",
    "compare.indicator": "Indicator",
    "compare.regions": "Municipalities and benchmarks",
    "compare.period": "Period",
    "data.heading": "Data",
    "data.intro": "Every observation with its source and retrieval date. Filter and sort in the table.",
    "about.heading": "About the follow-up",
    "about.sources": "Indicators and sources",
    "about.method": "Method",
    "about.method_text": "The Malmö–Lund Region's totals are computed from the member municipalities' own values with the membership of each year: a sum for counts, a population-weighted mean for shares. If any member's value is missing in a year, no total is shown for that year: a gap rather than a misleading sum.",
    "about.coverage": "Coverage",
    "about.years": "Years",
    "about.regions": "Areas",
    "about.retrieved": "Last retrieved",
    "status.final": "final",
    "status.preliminary": "preliminary",
    "status.missing": "missing",
    "status.derived": "derived",
    "status.incomplete": "incomplete",
    "notfound.heading": "Page not found",
    "notfound.text": "The address {path} leads to no page here.",
    "notfound.back": "To the overview",
    "error.db": "The database cannot be read right now. Please try again shortly.",
    # [board] strings for the overview, focus pages, status, presentation and print
    # [compare] strings for /jamfor
    # [data] strings for /data, /om and the API
}

CATALOGUES = {"sv": SV, "en": EN}


def lang_of(value: object) -> str:
    """A supported language code; anything else is Swedish."""
    return value if value in LANGS else "sv"  # type: ignore[return-value]


def t(key: str, lang: str = "sv", **fmt: object) -> str:
    text = CATALOGUES[lang_of(lang)].get(key) or SV[key]
    return text.format(**fmt) if fmt else text


def fmt_number(value: float | None, decimals: int = 0, lang: str = "sv") -> str:
    """``1 234,5`` in Swedish, ``1,234.5`` in English; an en dash for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang_of(lang)])


def name_col(lang: str) -> str:
    return "name_en" if lang_of(lang) == "en" else "name_sv"
