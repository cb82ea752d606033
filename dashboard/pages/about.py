"""``/om``: indicators with definitions, sources and coverage, and the method."""

from __future__ import annotations

import dash
from dash import html

from dashboard import queries
from dashboard.i18n import t
from dashboard.pages._common import page

dash.register_page(__name__, path="/om", name="Om", order=4)


@page
def layout(lang: str, **_query: str) -> html.Div:
    inds = queries.indicators()
    en = lang == "en"
    rows = []
    for r in inds.to_dict("records"):
        years = f"{int(r['first'])}–{int(r['last'])}" if r["first"] == r["first"] and r["first"] is not None else "–"
        retrieved = r["retrieved_at"].strftime("%Y-%m-%d") if hasattr(r["retrieved_at"], "strftime") else "–"
        rows.append(
            html.Tr(
                [
                    html.Th(r["name_en" if en else "name_sv"], scope="row"),
                    html.Td(r["definition_en" if en else "definition"]),
                    html.Td(r["unit_en" if en else "unit"]),
                    html.Td(f"{r['source']}: {r['source_table']}"),
                    html.Td(years),
                    html.Td(str(int(r["n_regions"])) if r["n_regions"] == r["n_regions"] else "0"),
                    html.Td(retrieved),
                ],
                id=f"about-{r['id']}",
            )
        )
    head = [t("table.indicator", lang), "Definition", t("table.unit", lang), t("table.source", lang),
            t("about.years", lang), t("about.regions", lang), t("about.retrieved", lang)]
    return html.Div(
        [
            html.H1(t("about.heading", lang)),
            html.H2(t("about.sources", lang), className="h4"),
            html.Div(
                html.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
                           className="table table-sm align-top"),
                className="table-responsive",
            ),
            html.H2(t("about.method", lang), className="h4"),
            html.P(t("about.method_text", lang)),
        ]
    )
