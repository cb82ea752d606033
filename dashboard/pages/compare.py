"""``/jamfor``: one indicator across chosen municipalities and benchmarks over a period."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboard import model, queries
from dashboard.blocks import indicator_block
from dashboard.i18n import name_col, t
from dashboard.pages._common import page

dash.register_page(__name__, path="/jamfor", name="Jämför", order=2)


@page
def layout(lang: str, indicator: str | None = None, **_query: str) -> html.Div:
    inds = queries.indicators()
    regions = queries.regions()
    names = model.region_names(regions, lang)
    col = name_col(lang)
    ids = list(inds["id"])
    chosen = indicator if indicator in ids else "housing_completions"
    return html.Div(
        [
            html.H1(t("compare.heading", lang)),
            dbc.Row(
                [
                    dbc.Col([dbc.Label(t("compare.indicator", lang), html_for="cmp-indicator"),
                             dcc.Dropdown(id="cmp-indicator", options=[{"label": r[col], "value": r["id"]}
                                                                       for r in inds.to_dict("records")],
                                          value=chosen, clearable=False)], md=6),
                    dbc.Col([dbc.Label(t("compare.regions", lang), html_for="cmp-regions"),
                             dcc.Dropdown(id="cmp-regions", options=[{"label": n, "value": c} for c, n in names.items()],
                                          value=list(names), multi=True)], md=6),
                ],
                className="mb-3",
            ),
            dcc.Store(id="cmp-lang", data=lang),
            html.Div(id="cmp-result"),
        ]
    )


@callback(Output("cmp-result", "children"), Input("cmp-indicator", "value"), Input("cmp-regions", "value"),
          Input("cmp-lang", "data"))
def update_compare(indicator: str, region_codes: list[str], lang: str) -> object:
    inds = queries.indicators().set_index("id", drop=False)
    if indicator not in inds.index:
        return dbc.Alert("?", color="warning")
    names = model.region_names(queries.regions(), lang)
    chosen = {c: n for c, n in names.items() if c in (region_codes or [])}
    frame = queries.series([indicator], list(chosen), 1900, 2100)
    return indicator_block(inds.loc[indicator].to_dict(), frame, chosen, lang)
