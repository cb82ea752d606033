"""``/data``: explore and export every observation. Filters (focus, indicator, region, from, to, lang)
live in the URL with the API's parameter names; the downloads are the API's files for the same filters."""

from __future__ import annotations

import urllib.parse

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard import dataset, queries
from dashboard.db import DatabaseUnavailable
from dashboard.i18n import fmt_number, lang_of, name_col, t
from dashboard.openapi import PREFIX
from dashboard.pages._common import page

dash.register_page(__name__, path="/data", name="Data", order=3)

GRID_LOCALE_KEYS = {
    "noRowsToShow": "data.grid.no_rows", "loadingOoo": "data.grid.loading", "page": "data.grid.page",
    "of": "data.grid.of", "to": "data.grid.to", "more": "data.grid.more", "firstPage": "data.grid.first_page",
    "previousPage": "data.grid.previous_page", "nextPage": "data.grid.next_page", "lastPage": "data.grid.last_page",
    "pageSizeSelectorLabel": "data.grid.page_size", "ariaPageSizeSelectorLabel": "data.grid.aria_page_size",
}
ANY = "*"
"""The value of 'all focus areas' and 'no year bound' in the selects (an empty value shows as blank)."""
COLUMNS = [("indicator", "table.indicator"), ("region", "table.region"), ("period", "table.period"),
           ("value", "table.value"), ("unit", "table.unit"), ("status", "table.status"),
           ("source", "table.source"), ("retrieved", "table.retrieved")]


def _column_defs(lang: str) -> list[dict]:
    defs = []
    for field, key in COLUMNS:
        col: dict = {"field": field, "headerName": t(key, lang)}
        if field == "indicator":
            col |= {"flex": 2, "minWidth": 180, "wrapText": True, "autoHeight": True}
        elif field == "region":
            col |= {"minWidth": 140}
        elif field == "value":
            col |= {"type": "rightAligned", "valueFormatter": {"function": "params.data.value_text"}, "minWidth": 110}
        elif field == "period":
            col |= {"type": "rightAligned", "minWidth": 80, "maxWidth": 100}
        elif field == "source":
            col |= {"flex": 2, "minWidth": 200, "tooltipField": "source_tip"}
        elif field == "retrieved":
            col |= {"minWidth": 120}
        defs.append(col)
    return defs


def _given(value: object) -> str | None:
    """A select's value, or None for 'all' (anything but a string counts as 'all')."""
    return value if isinstance(value, str) and value not in ("", ANY) else None


def _chosen(value: object) -> list[str]:
    """A checklist's values (strings only; the browser sends what it likes)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _links(query: dict[str, str]) -> dict[str, str]:
    qs = urllib.parse.urlencode(query, safe=",")
    sep = "&" if qs else ""
    return {
        "csv": f"{PREFIX}/observations.csv?{qs}",
        "csv_sv": f"{PREFIX}/observations.csv?{qs}{sep}format=excel-sv",
        "xlsx": f"{PREFIX}/observations.xlsx?{qs}",
        "json": f"{PREFIX}/observations.json?{qs}",
    }


def _counted(n: int, key: str, lang: str) -> str:
    return t(f"data.n_{key}" if n == 1 else f"data.n_{key}s", lang, n=fmt_number(n, 0, lang))


def _count_text(frame, lang: str) -> str:
    if frame.empty:
        return t("data.count_none", lang)
    first, last = int(frame["period"].min()), int(frame["period"].max())
    return t("data.count", lang, rows=_counted(len(frame), "row", lang),
             indicators=_counted(frame["indicator_id"].nunique(), "indicator", lang),
             regions=_counted(frame["region_code"].nunique(), "region", lang),
             years=str(first) if first == last else f"{first}–{last}")


def _year_value(value: str | None, years: list[int]) -> int | None:
    """The year in the address if the select offers it (kept even when from is after to, to show it)."""
    return int(value) if value and value.isdigit() and int(value) in years else None


def _result(args: dict[str, str], lang: str, cat: dataset.Catalogue
            ) -> tuple[dataset.Selection, list[dict], str, list, dict[str, str], str]:
    """Selection, grid rows, count text, notices, download links and URL query for the filters in ``args``."""
    sel = dataset.select(args, cat, strict=False)
    first, last = args.get("from"), args.get("to")
    if first and last and first.isdigit() and last.isdigit() and int(first) > int(last):
        alert = dbc.Alert(t("data.from_after_to", lang, first=first, last=last), color="warning", className="mb-2")
        # Keep the address as chosen, so the link shows the same message.
        return sel, [], t("data.count_none", lang), [alert], {}, urllib.parse.urlencode(
            {k: v for k, v in args.items() if (k, v) != ("lang", "sv")}, safe=",")
    frame = dataset.observations(sel, cat)
    notices = []
    if sel.notices:
        params = ", ".join(sorted({p for p, _ in sel.notices}))
        notices.append(dbc.Alert(t("data.notice", lang, params=params), color="warning", className="mb-2"))
    query = sel.query()
    previous = queries.revised_keys(sel.state.indicators)
    revised = {(r.indicator_id, r.region_code, int(r.period)): (None if pd.isna(r.previous_value) else r.previous_value)
               for r in previous.itertuples()}
    return sel, dataset.grid_rows(frame, cat, lang, revised), _count_text(frame, lang), notices, _links(query), \
        urllib.parse.urlencode(query, safe=",")


def _download_link(link_id: str, label: str, href: str | None, icon: str) -> html.A:
    return html.A([html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), label], id=link_id, href=href,
                  className="btn btn-outline-primary btn-sm", download="")


def _indicator_options(cat: dataset.Catalogue, focus: str | None, lang: str) -> list[dict]:
    ids = cat.focus_indicators[focus] if focus in cat.focus_indicators else list(cat.indicators.index)
    col = name_col(lang)
    return [{"label": cat.indicators.at[i, col], "value": i} for i in ids]


@page
def layout(lang: str, focus: str | None = None, indicator: str | None = None, region: str | None = None,
           **query: str) -> html.Div:
    cat = dataset.catalogue()
    args = {k: v for k, v in {"focus": focus, "indicator": indicator, "region": region, "from": query.get("from"),
                              "to": query.get("to"), "lang": lang}.items() if v}
    sel, rows, count, notices, links, _search = _result(args, lang, cat)
    col = name_col(lang)
    names = cat.region_names(lang)
    firsts = [int(v) for v in cat.indicators["first"].dropna()]
    lasts = [int(v) for v in cat.indicators["last"].dropna()]
    years = list(range(min(firsts, default=2010), max(lasts, default=2024) + 1))
    focus_options = [{"label": t("data.focus_all", lang), "value": ANY}] + [
        {"label": f[col] + (f" ({t('data.focus_closed', lang, year=int(f['closed_year']))})"
                            if f["status"] == "closed" and f["closed_year"] == f["closed_year"] else ""),
         "value": f["id"]}
        for f in cat.focus_areas.to_dict("records")
    ]

    def year_select(sid: str, label: str, empty: str, value: int | None) -> dbc.Col:
        return dbc.Col([
            dbc.Label(label, html_for=sid),
            dbc.Select(id=sid, options=[{"label": empty, "value": ANY}] + [{"label": str(y), "value": str(y)}
                                                                           for y in years],
                       value=str(value) if value is not None else ANY),
        ], xs=6, md=3, lg=2)

    state = sel.state
    def checklist(cid: str, legend: str, hint: str, options: list[dict], value: list[str], wide: bool) -> html.Fieldset:
        return html.Fieldset(
            [html.Legend([legend, html.Span(" " + hint, className="small text-body-secondary fw-normal")],
                         className="form-label fs-6 fw-semibold mb-1"),
             dbc.Checklist(id=cid, options=options, value=value,
                           className="check-columns" + (" check-columns-wide" if wide else ""))],
            className="mb-2",
        )

    filters = html.Section(
        [
            html.H2(t("data.filters", lang), className="h5", id="data-filters-heading"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label(t("data.focus", lang), html_for="data-focus"),
                             dbc.Select(id="data-focus", options=focus_options, value=sel.focus or ANY)],
                            md=6, lg=4),
                    year_select("data-from", t("data.from", lang), t("data.from_any", lang),
                                _year_value(args.get("from"), years)),
                    year_select("data-to", t("data.to", lang), t("data.to_any", lang),
                                _year_value(args.get("to"), years)),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(checklist("data-indicator", t("data.indicator", lang), t("data.indicator_all", lang),
                                      _indicator_options(cat, sel.focus, lang),
                                      [] if sel.all_indicators else state.indicators, True), xl=7),
                    dbc.Col(checklist("data-region", t("data.region", lang), t("data.region_all", lang),
                                      [{"label": n, "value": c} for c, n in names.items()],
                                      [] if sel.all_regions else state.regions, False), xl=5),
                ],
                className="g-3",
            ),
            dcc.Link(t("data.reset", lang), href="/data" + ("?lang=en" if lang == "en" else ""), refresh=True,
                     id="data-reset", className="small"),
        ],
        className="data-filters card card-body mb-3",
        **{"aria-labelledby": "data-filters-heading"},
    )
    downloads = html.Div(
        [
            html.Span(t("data.download", lang) + ":", className="fw-semibold me-1"),
            _download_link("data-csv", t("data.csv", lang), links.get("csv"), "bi-filetype-csv"),
            _download_link("data-csv-sv", t("data.csv_sv", lang), links.get("csv_sv"), "bi-filetype-csv"),
            _download_link("data-xlsx", t("data.xlsx", lang), links.get("xlsx"), "bi-file-earmark-spreadsheet"),
            _download_link("data-json", t("data.json", lang), links.get("json"), "bi-filetype-json"),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-2",
    )
    return html.Div(
        [
            dcc.Location(id="data-location", refresh=False),
            dcc.Store(id="data-lang", data=lang),
            dcc.Store(id="data-sync"),
            html.H1(t("data.heading", lang)),
            html.P(t("data.lead", lang), className="lead-text"),
            filters,
            html.Div(notices, id="data-notice"),
            html.H2(t("data.grid_label", lang), className="h5", id="data-grid-heading"),
            html.P(count, id="data-count", className="mb-2", role="status", **{"aria-live": "polite"}),
            downloads,
            html.P([t("data.download_note", lang), " ",
                    html.A(t("data.api", lang), href=f"{PREFIX}/openapi.json", id="data-openapi"), ". ",
                    t("data.csv_hint", lang)], className="small text-body-secondary"),
            dag.AgGrid(
                id="data-grid",
                rowData=rows,
                columnDefs=_column_defs(lang),
                # Same line height and padding in every cell, so wrapped indicator names and one-line
                # cells share a baseline.
                defaultColDef={"resizable": True, "sortable": True, "filter": False, "flex": 1, "minWidth": 100,
                               "cellStyle": {"lineHeight": "1.35", "paddingTop": "8px", "paddingBottom": "8px"}},
                dashGridOptions={
                    "pagination": True, "paginationPageSize": 50, "paginationPageSizeSelector": [25, 50, 100, 500],
                    "domLayout": "autoHeight", "ensureDomOrder": True, "suppressColumnVirtualisation": True,
                    "tooltipShowDelay": 300, "enableCellTextSelection": True,
                    "localeText": {k: t(v, lang) for k, v in GRID_LOCALE_KEYS.items()},
                },
                style={"width": "100%"},
                className="data-grid",
            ),
        ]
    )


@callback(
    Output("data-indicator", "options"),
    Output("data-indicator", "value"),
    Input("data-focus", "value"),
    State("data-indicator", "value"),
    State("data-lang", "data"),
    prevent_initial_call=True,
)
def update_indicator_options(focus: str | None, chosen: list[str] | None, lang: str) -> tuple[list[dict], list[str]]:
    options = _indicator_options(dataset.catalogue(), _given(focus), lang_of(lang))
    allowed = {o["value"] for o in options}
    return options, [i for i in _chosen(chosen) if i in allowed]


@callback(
    Output("data-grid", "rowData"),
    Output("data-count", "children"),
    Output("data-notice", "children"),
    Output("data-csv", "href"),
    Output("data-csv-sv", "href"),
    Output("data-xlsx", "href"),
    Output("data-json", "href"),
    Output("data-location", "search"),
    Input("data-focus", "value"),
    Input("data-indicator", "value"),
    Input("data-region", "value"),
    Input("data-from", "value"),
    Input("data-to", "value"),
    State("data-lang", "data"),
    prevent_initial_call=True,
)
def update_table(focus, indicators, regions, first, last, lang):
    lang = lang_of(lang)
    args = {"focus": _given(focus), "indicator": ",".join(_chosen(indicators)), "region": ",".join(_chosen(regions)),
            "from": _given(first), "to": _given(last), "lang": lang}
    try:
        _sel, rows, count, notices, links, search = _result({k: v for k, v in args.items() if v}, lang,
                                                            dataset.catalogue())
    except DatabaseUnavailable:
        error = html.Div(t("error.db", lang), className="alert alert-danger", role="alert")
        return [], "", [error], None, None, None, None, dash.no_update
    return (rows, count, notices, links.get("csv"), links.get("csv_sv"), links.get("xlsx"), links.get("json"),
            f"?{search}" if search else "")


# The header's language link is rendered from the address the page was opened with; keep it
# pointing at the current selection after the page has rewritten the address (assets/data.js).
dash.clientside_callback(
    ClientsideFunction(namespace="mlr", function_name="syncLangSwitch"),
    Output("data-sync", "data"),
    Input("data-location", "search"),
)
