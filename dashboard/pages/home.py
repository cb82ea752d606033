"""``/``: the board's overview, one card per focus area of the current plan."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import model, queries
from dashboard.i18n import fmt_number, t
from dashboard.pages._common import page
from dashboard.shell import with_lang

dash.register_page(__name__, path="/", name="Översikt", order=0, title="MalmöLundregionen – uppföljning")


def _headline(ind: dict, frame, lang: str) -> html.Li:
    name = ind["name_en"] if lang == "en" else ind["name_sv"]
    unit = ind["unit_en"] if lang == "en" else ind["unit"]
    latest = model.latest_value(frame[frame["indicator_id"] == ind["id"]], "MLR")
    if latest is None:
        value = html.Span(t("home.no_value", lang), className="text-body-secondary")
    else:
        year, val = latest
        value = html.Span([html.Strong(fmt_number(val, ind["decimals"], lang)), f" {unit} ({year})"])
    return html.Li([html.Span(name + ": "), value], className="headline-indicator")


def _card(fa: dict, heads: list[dict], frame, names: dict[str, str], lang: str) -> dbc.Card:
    sfx = "en" if lang == "en" else "sv"
    responsible = ", ".join(names.get(c, c) for c in fa["responsible"] or [])
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(fa[f"name_{sfx}"], className="h4 card-title"),
                html.P(fa[f"target_picture_short_{sfx}"], className="target-picture"),
                html.Details([html.Summary(t("home.full_text", lang)), html.P(fa[f"target_picture_{sfx}"])]),
                html.P([html.Strong(t("home.responsible", lang) + ": "), responsible or "–"], className="small mt-2"),
                html.H3(t("home.latest", lang), className="h6 mt-3"),
                html.Ul([_headline(i, frame, lang) for i in heads], className="list-unstyled"),
                dcc.Link(t("home.open", lang), href=with_lang(f"/fokus/{fa['id']}", lang),
                         className="btn btn-primary btn-sm"),
            ]
        ),
        className="focus-card h-100",
        id=f"card-{fa['id']}",
    )


@page
def layout(lang: str, **_query: str) -> html.Div:
    areas = queries.focus_areas()
    links = queries.focus_area_indicators()
    inds = queries.indicators().set_index("id", drop=False)
    names = model.region_names(queries.regions(), lang)
    heads = links[links["headline"]]
    frame = queries.series(sorted(set(heads["indicator_id"])), ["MLR"], 1900, 2100)
    current = areas[areas["is_current"]]
    active = current[current["status"] == "active"]
    closed = current[current["status"] == "closed"]
    plan = current["plan_name_en" if lang == "en" else "plan_name_sv"].iloc[0] if not current.empty else ""

    def heads_of(fa_id: str) -> list[dict]:
        ids = heads.loc[heads["focus_area_id"] == fa_id, "indicator_id"]
        return [inds.loc[i].to_dict() for i in ids]

    sfx = "en" if lang == "en" else "sv"
    return html.Div(
        [
            html.H1(t("home.heading", lang)),
            html.P(t("home.intro", lang, plan=plan), className="lead"),
            dbc.Row([dbc.Col(_card(fa, heads_of(fa["id"]), frame, names, lang), md=6, xl=4, className="mb-3")
                     for fa in active.to_dict("records")]),
            html.Section(
                [
                    html.H2(t("home.closed", lang), className="h4 mt-4"),
                    *[
                        html.Div(
                            [
                                html.H3([fa[f"name_{sfx}"], " ",
                                         dbc.Badge(t("home.closed_in", lang, year=fa["closed_year"]),
                                                   color="secondary")], className="h5"),
                                html.P(fa[f"target_picture_short_{sfx}"]),
                                html.P([html.Strong(t("home.final_result", lang) + ": "), fa[f"final_result_{sfx}"]])
                                if fa[f"final_result_{sfx}"] else None,
                                dcc.Link(t("home.open", lang), href=with_lang(f"/fokus/{fa['id']}", lang)),
                            ],
                            className="closed-focus border rounded p-3 mb-2 bg-body-tertiary",
                            id=f"closed-{fa['id']}",
                        )
                        for fa in closed.to_dict("records")
                    ],
                ],
                className="closed-section",
            )
            if not closed.empty
            else None,
        ]
    )
