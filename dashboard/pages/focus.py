"""``/fokus/<focus_id>``: one focus area: target picture, description, results, activities and a
chart with data table for each of its indicators."""

from __future__ import annotations

import dash
from dash import html

from dashboard import model, queries
from dashboard.blocks import indicator_block
from dashboard.i18n import t
from dashboard.pages._common import page

dash.register_page(__name__, path_template="/fokus/<focus_id>", name="Fokusfråga", order=1)


@page
def layout(lang: str, focus_id: str | None = None, **_query: str) -> html.Div:
    areas = queries.focus_areas().set_index("id", drop=False)
    if focus_id not in areas.index:
        return html.Div([html.H1(t("notfound.heading", lang)), html.P(t("focus.not_found", lang, id=focus_id))])
    fa = areas.loc[focus_id].to_dict()
    sfx = "en" if lang == "en" else "sv"
    links = queries.focus_area_indicators()
    ids = list(links.loc[links["focus_area_id"] == focus_id, "indicator_id"])
    inds = queries.indicators().set_index("id", drop=False)
    regions = queries.regions()
    names = model.region_names(regions, lang)
    frame = queries.series(ids, list(names), 1900, 2100)
    results = queries.follow_up()
    results = results[results["focus_area_id"] == focus_id]
    acts = queries.activities()
    acts = acts[acts["focus_area_id"] == focus_id]
    responsible = ", ".join(names.get(c, c) for c in fa["responsible"] or [])
    return html.Div(
        [
            html.H1(fa[f"name_{sfx}"]),
            html.P([html.Strong(t("home.responsible", lang) + ": "), responsible or "–"]),
            html.H2(t("home.target_picture", lang), className="h4"),
            html.P(fa[f"target_picture_{sfx}"], className="target-picture lead"),
            html.H2(t("focus.description", lang), className="h4"),
            html.P(fa[f"description_{sfx}"]),
            html.H2(t("focus.indicators", lang), className="h4 mt-4"),
            *[indicator_block(inds.loc[i].to_dict(), frame[frame["indicator_id"] == i], names, lang) for i in ids],
            html.H2(t("focus.results", lang), className="h4"),
            *[html.Div([html.H3(str(r["year"]), className="h6"), html.P(r[f"result_{sfx}"]),
                        html.P(r["source"], className="small text-body-secondary")])
              for r in results.to_dict("records")],
            html.H2(t("focus.activities", lang), className="h4"),
            html.Ul([html.Li([html.Strong(f"{a['year']}: {a[f'title_{sfx}']}"),
                              html.Span(" – " + a[f"description_{sfx}"]) if a[f"description_{sfx}"] else None])
                     for a in acts.to_dict("records")]),
        ]
    )
