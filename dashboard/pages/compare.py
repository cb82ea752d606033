"""``/jamfor``: the directors' comparison: one indicator across municipalities and benchmarks.

The view lives in the query string (``indicator, region, measure, from, to, base, view, focus, lang``,
the names of the HTTP API). The page keeps its own ``dcc.Location`` with ``refresh=False``: a control
change pushes a history entry without re-rendering the page, and back/forward come in through the
same Location and restore the controls. Everything but the wiring is in ``dashboard.compare``.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import compare, components, model
from dashboard.i18n import lang_of, name_col, t
from dashboard.measures import MEASURES, allowed
from dashboard.pages._common import page

dash.register_page(__name__, path="/jamfor", name="Jämför", order=2)

PICKS = {"cmp-pick-all": "all", "cmp-pick-resp": "responsible", "cmp-pick-one": "one", "cmp-pick-skane": "skane"}
DROPDOWN_LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
                   "no_options_found")


# ---------------------------------------------------------------- controls


def indicator_options(cat: compare.Catalog, lang: str) -> list[dict]:
    """The indicators grouped under their focus area (a disabled heading option per group)."""
    col = name_col(lang)
    areas = cat.focus_areas.sort_values(["is_current", "sort_order"], ascending=[False, True])
    groups: list[tuple[str, list[dict]]] = []
    for fa in areas.to_dict("records"):
        inds = cat.indicators[cat.indicators["focus_area_id"] == fa["id"]]
        if not inds.empty:
            groups.append((fa[col], inds.to_dict("records")))
    rest = cat.indicators[~cat.indicators["focus_area_id"].isin(areas["id"])]
    if not rest.empty:
        groups.append((t("compare.other_indicators", lang), rest.to_dict("records")))
    options: list[dict] = []
    for label, inds in groups:
        options.append({"label": f"— {label} —", "value": f"group:{label}", "disabled": True})
        options += [{"label": i[col], "value": i["id"]} for i in inds]
    return options


def measure_options(ind: dict, lang: str) -> list[dict]:
    return [{"label": t(f"compare.measure.{m}", lang), "value": m,
             "disabled": not allowed(m, bool(ind["per_capita"]), str(ind["aggregation"]))} for m in MEASURES]


def year_options(cat: compare.Catalog, indicator: str) -> list[dict]:
    lo, hi = cat.years(indicator)
    return [] if lo is None else [{"label": str(y), "value": str(y)} for y in range(lo, hi + 1)]


def definition(ind: dict, lang: str) -> list[object]:
    sfx = "_en" if lang == "en" else ""
    return [
        html.Summary(t("compare.definition", lang)),
        html.P(ind[f"definition{sfx}"], className="mb-1"),
        html.P([html.Strong(t("table.unit", lang) + ": "), ind[f"unit{sfx}"], " · ",
                html.Strong(t("table.source", lang) + ": "), f"{ind['source']}, {ind['source_table']}"],
               className="small text-body-secondary mb-0"),
    ]


def notices(state: compare.CompareState, lang: str) -> object:
    if not state.notices:
        return None
    return dbc.Alert(
        [html.P(t("compare.notice_heading", lang), className="mb-1 fw-semibold"),
         html.Ul([html.Li(compare.notice_text(p, m, lang)) for p, m in state.notices], className="mb-0")],
        color="warning", id="cmp-notice", className="mb-3",
    )


def _str(value: object) -> str:
    return "" if value is None else str(value)


def control_values(state: compare.CompareState, cat: compare.Catalog) -> dict[str, object]:
    """What every control shows for ``state`` (the main callback's outputs, also the initial layout)."""
    ind = cat.indicator(state.indicator)
    years = year_options(cat, state.indicator)
    return {
        "indicator": state.indicator,
        **compare.split_regions(state.regions, cat),
        "measure": state.measure,
        "measure_options": measure_options(ind, state.lang),
        "first": _str(state.first), "first_options": years,
        "last": _str(state.last), "last_options": years,
        "base": _str(state.base if state.measure == "index" else None), "base_options": years,
        "base_disabled": state.measure != "index",
        "view": state.view,
        "focus": state.focus or compare.NO_FOCUS,
        "definition": definition(ind, state.lang),
        "responsible_disabled": not cat.responsible(state.indicator),
    }


def other_options(cat: compare.Catalog, lang: str) -> list[dict]:
    """The search list: municipalities outside MLR A–Ö, then the counties other than Skåne."""
    names = cat.names(lang)
    return [{"label": names[c], "value": c} for c in cat.others]


def others_field(values: list[str], cat: compare.Catalog, lang: str) -> html.Div:
    """A labelled, searchable multi-select (keyboard: Tab to it, Enter or ↓ opens, type to search)."""
    return html.Div([
        dbc.Label(t("compare.others", lang), html_for="cmp-others", id="cmp-others-label",
                  className="fw-semibold mb-1"),
        dcc.Dropdown(id="cmp-others", options=other_options(cat, lang), value=values, multi=True,
                     searchable=True, clearable=True, placeholder=t("compare.others_placeholder", lang),
                     labels={k: t(f"compare.dropdown.{k}", lang) for k in DROPDOWN_LABELS},
                     search_order="original", maxHeight=320, className="cmp-others"),
        html.P(t("compare.others_help", lang), id="cmp-others-help", className="form-text mt-1 mb-0"),
    ], role="group", className="mt-2 cmp-others-field",
       **{"aria-labelledby": "cmp-others-label", "aria-describedby": "cmp-others-help"})


def _field(label: str, control: object, html_for: str, **col: object) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=html_for, className="fw-semibold"), control], **col)


def controls(state: compare.CompareState, cat: compare.Catalog, lang: str) -> html.Section:
    """Native selects, check boxes and radio buttons: keyboard and screen reader work as the browser's own."""
    v = control_values(state, cat)
    names = cat.names(lang)
    municipalities = [{"label": names[c], "value": c} for c in cat.municipalities]
    benchmarks = [{"label": names[c], "value": c} for c in compare.BENCHMARKS if c in names]
    no_focus = [{"label": t("compare.focus_placeholder", lang), "value": compare.NO_FOCUS}]
    return html.Section(
        [
            html.H2(t("compare.controls", lang), className="visually-hidden", id="cmp-controls-title"),
            dbc.Row(
                [
                    _field(t("compare.indicator", lang),
                           html.Div([dbc.Select(id="cmp-indicator", options=indicator_options(cat, lang),
                                                value=v["indicator"]),
                                     html.Details(v["definition"], id="cmp-definition", className="mt-1 small")]),
                           "cmp-indicator", lg=4),
                    dbc.Col(html.Fieldset([
                        html.Legend(t("compare.municipalities", lang), className="form-label fs-6 fw-semibold"),
                        dbc.Checklist(id="cmp-munis", options=municipalities, value=v["munis"],
                                      className="cmp-check-columns"),
                        html.Div([
                            html.Span(t("compare.quick", lang) + ":", className="me-2 small"),
                            dbc.Button(t("compare.pick_all", lang), id="cmp-pick-all", size="sm", outline=True,
                                       color="primary", className="me-1 mb-1"),
                            dbc.Button(t("compare.pick_responsible", lang), id="cmp-pick-resp", size="sm",
                                       outline=True, color="primary", className="me-1 mb-1",
                                       disabled=v["responsible_disabled"]),
                            dbc.Button(t("compare.pick_one", lang), id="cmp-pick-one", size="sm", outline=True,
                                       color="primary", className="me-1 mb-1"),
                            dbc.Button(t("compare.pick_skane", lang), id="cmp-pick-skane", size="sm", outline=True,
                                       color="primary", className="mb-1"),
                        ], className="mt-1 d-flex flex-wrap align-items-center"),
                        others_field(v["others"], cat, lang),
                    ]), lg=8),
                ],
                className="g-3 mb-2",
            ),
            dbc.Row(
                [
                    _field(t("compare.focus", lang),
                           dbc.Select(id="cmp-focus", options=no_focus + municipalities, value=v["focus"]),
                           "cmp-focus", md=6, lg=3),
                    dbc.Col(html.Fieldset([
                        html.Legend(t("compare.benchmarks", lang), className="form-label fs-6 fw-semibold"),
                        dbc.Checklist(id="cmp-bench", options=benchmarks, value=v["bench"]),
                    ]), md=6, lg=2),
                    dbc.Col(html.Fieldset([
                        html.Legend(t("compare.measure", lang), className="form-label fs-6 fw-semibold"),
                        dbc.RadioItems(id="cmp-measure", options=v["measure_options"], value=v["measure"]),
                        html.P(t("compare.measure_help", lang), className="form-text mt-0 mb-0"),
                    ]), md=6, lg=3),
                    dbc.Col(html.Fieldset([
                        html.Legend(t("compare.period", lang), className="form-label fs-6 fw-semibold"),
                        dbc.Row([
                            _field(t("compare.from", lang), dbc.Select(id="cmp-from", options=v["first_options"],
                                                                       value=v["first"]), "cmp-from", xs=4),
                            _field(t("compare.to", lang), dbc.Select(id="cmp-to", options=v["last_options"],
                                                                     value=v["last"]), "cmp-to", xs=4),
                            _field(t("compare.base", lang), dbc.Select(id="cmp-base", options=v["base_options"],
                                                                       value=v["base"], disabled=v["base_disabled"],
                                                                       placeholder="–"),
                                   "cmp-base", xs=4),
                        ], className="g-2"),
                    ]), md=6, lg=4),
                ],
                className="g-3 mb-3",
            ),
            html.Fieldset([
                html.Legend(t("compare.view", lang), className="visually-hidden"),
                dbc.RadioItems(id="cmp-view", value=v["view"], className="btn-group flex-wrap",
                               inputClassName="btn-check", labelClassName="btn btn-outline-primary",
                               labelCheckedClassName="active",
                               options=[{"label": t(f"compare.view.{k}", lang), "value": k} for k in compare.VIEWS]),
            ], className="mb-1"),
        ],
        className="compare-controls border rounded p-3 mb-4",
        **{"aria-labelledby": "cmp-controls-title"},
    )


# ---------------------------------------------------------------- result


def result(view: compare.View, lang: str) -> object:
    notes = html.Ul([html.Li(n) for n in view.notes], className="small chart-notes mb-2") if view.notes else None
    if view.figure is None:
        return html.Div([dbc.Alert(view.summary, color="secondary", id="cmp-empty"), notes])
    caption = f"{view.title} ({view.unit})"
    if view.table is None:
        table = components.data_table(view.data, view.names, view.decimals, lang, caption)
    else:
        table = components.text_table(view.table, caption)
    state = view.state
    return components.chart_block(
        block_id="cmp",
        title=f"{view.title} ({view.unit})",
        figure=view.figure,
        summary=view.summary,
        table=table,
        download=view.csv,
        filename=f"mlr_{state.indicator}_{state.measure}_{state.first}-{state.last}_{state.view}.csv",
        source=model.source_text(view.data, view.indicator),
        lang=lang,
        extra=[notes] if notes else None,
        class_name=f"compare-{state.view}",
    )


@page
def layout(lang: str, **query: str) -> html.Div:
    cat = compare.catalog()
    state = compare.resolve({**query, "lang": lang}, cat)
    view = compare.compute(state, cat)
    return html.Div(
        [
            dcc.Location(id="cmp-url", refresh=False),
            dcc.Store(id="cmp-lang", data=lang),
            dcc.Store(id="cmp-sync"),
            dcc.Store(id="cmp-a11y"),
            html.H1(t("compare.heading", lang)),
            html.P(t("compare.intro", lang), className="lead fs-6"),
            html.Div(notices(state, lang), id="cmp-notices"),
            controls(state, cat, lang),
            html.P(view.summary, id="cmp-live", className="visually-hidden", **{"aria-live": "polite"}),
            dcc.Loading(html.Div(result(view, lang), id="cmp-result"), delay_show=400, type="dot"),
        ],
        className="compare-page",
    )


# ---------------------------------------------------------------- callbacks

OUTPUTS = {
    "indicator": Output("cmp-indicator", "value"),
    "munis": Output("cmp-munis", "value"),
    "bench": Output("cmp-bench", "value"),
    "others": Output("cmp-others", "value"),
    "measure": Output("cmp-measure", "value"),
    "measure_options": Output("cmp-measure", "options"),
    "first": Output("cmp-from", "value"),
    "first_options": Output("cmp-from", "options"),
    "last": Output("cmp-to", "value"),
    "last_options": Output("cmp-to", "options"),
    "base": Output("cmp-base", "value"),
    "base_options": Output("cmp-base", "options"),
    "base_disabled": Output("cmp-base", "disabled"),
    "view": Output("cmp-view", "value"),
    "focus": Output("cmp-focus", "value"),
    "definition": Output("cmp-definition", "children"),
    "responsible_disabled": Output("cmp-pick-resp", "disabled"),
    "notices": Output("cmp-notices", "children"),
    "result": Output("cmp-result", "children"),
    "live": Output("cmp-live", "children"),
    "search": Output("cmp-url", "search"),
}
CONTROL_IDS = {"cmp-indicator": "indicator", "cmp-from": "from", "cmp-to": "to"}


@callback(
    output=OUTPUTS,
    inputs={
        "search": Input("cmp-url", "search"),
        "indicator": Input("cmp-indicator", "value"),
        "munis": Input("cmp-munis", "value"),
        "bench": Input("cmp-bench", "value"),
        "others": Input("cmp-others", "value"),
        "measure": Input("cmp-measure", "value"),
        "first": Input("cmp-from", "value"),
        "last": Input("cmp-to", "value"),
        "base": Input("cmp-base", "value"),
        "view": Input("cmp-view", "value"),
        "focus": Input("cmp-focus", "value"),
        "lang": State("cmp-lang", "data"),
    },
    prevent_initial_call=True,
)
def update_compare(search: object, lang: object, **controls_now: object) -> dict[str, object]:
    """A control moved: new view and a new history entry. The address changed (back/forward): restore."""
    cat = compare.catalog()
    lang = lang_of(lang)
    trigger = ctx.triggered_id
    shown = compare.resolve(compare.controls_args(controls_now, lang, CONTROL_IDS.get(trigger)), cat)
    if trigger == "cmp-url":
        state = compare.resolve({**compare.query_args(search if isinstance(search, str) else ""), "lang": lang}, cat)
        if compare.to_query(state) == compare.to_query(shown):
            raise PreventUpdate  # the page was rendered from this very address
    elif not compare.controls_args(controls_now, lang, None)["region"]:
        out = {key: no_update for key in OUTPUTS}
        out["result"] = dbc.Alert(t("compare.empty", lang), color="info", id="cmp-empty")
        return out
    else:
        state = shown
    view = compare.compute(state, cat)
    return control_values(state, cat) | {
        "notices": notices(state, lang), "result": result(view, lang), "live": view.summary,
        "search": no_update if trigger == "cmp-url" else compare.to_query(state),
    }


@callback(
    Output("cmp-munis", "value", allow_duplicate=True),
    Output("cmp-others", "value", allow_duplicate=True),
    Output("cmp-focus", "value", allow_duplicate=True),
    Input("cmp-pick-all", "n_clicks"),
    Input("cmp-pick-resp", "n_clicks"),
    Input("cmp-pick-one", "n_clicks"),
    Input("cmp-pick-skane", "n_clicks"),
    State("cmp-indicator", "value"),
    State("cmp-focus", "value"),
    State("cmp-others", "value"),
    prevent_initial_call=True,
)
def update_quick_pick(_all: object, _resp: object, _one: object, _skane: object, indicator: object,
                      focus: object, others: object) -> tuple[list[str], list[str], str]:
    cat = compare.catalog()
    if ctx.triggered_id not in PICKS or not isinstance(indicator, str) or indicator not in cat.indicators.index:
        raise PreventUpdate
    munis, kept, pick = compare.pick(PICKS[ctx.triggered_id], str(indicator),
                                     focus if focus in cat.municipalities else None,
                                     [c for c in others if isinstance(c, str)] if isinstance(others, list) else [],
                                     cat)
    return munis, kept, pick or compare.NO_FOCUS


# The header's language link is rendered from the address the page was opened with; keep it
# pointing at the current view after the page has rewritten the address itself.
dash.clientside_callback(
    ClientsideFunction(namespace="mlr", function_name="syncLangSwitch"),
    Output("cmp-sync", "data"),
    Input("cmp-url", "search"),
)


# dcc.Dropdown (Dash 4) makes an aria-hidden input the tab stop and forwards focus to its button;
# axe rightly flags a focusable aria-hidden element. Make the button itself the tab stop and name
# it by its visible label too (it is otherwise named only by its value or placeholder).
dash.clientside_callback(
    ClientsideFunction(namespace="mlr", function_name="dropdownA11y"),
    Output("cmp-a11y", "data"),
    Input("cmp-lang", "data"),
)
