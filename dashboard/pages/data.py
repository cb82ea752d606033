"""``/data``: every observation with its unit, status, source and retrieval date, in a grid."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import html

from dashboard import model, queries
from dashboard.i18n import name_col, t
from dashboard.pages._common import page

dash.register_page(__name__, path="/data", name="Data", order=3)


@page
def layout(lang: str, **_query: str) -> html.Div:
    inds = queries.indicators().set_index("id")
    names = model.region_names(queries.regions(), lang)
    frame = queries.series(list(inds.index), list(names), 1900, 2100)
    col = name_col(lang)
    frame["indicator"] = frame["indicator_id"].map(inds[col])
    frame["unit"] = frame["indicator_id"].map(inds["unit_en" if lang == "en" else "unit"])
    frame["region"] = frame["region_code"].map(names)
    frame["status"] = frame["status"].map(lambda s: t(f"status.{s}", lang))
    frame["retrieved_at"] = frame["retrieved_at"].dt.strftime("%Y-%m-%d")
    cols = [("indicator", "table.indicator"), ("region", "table.region"), ("period", "table.period"),
            ("value", "table.value"), ("unit", "table.unit"), ("status", "table.status"),
            ("source", "table.source"), ("retrieved_at", "table.retrieved")]
    return html.Div(
        [
            html.H1(t("data.heading", lang)),
            html.P(t("data.intro", lang)),
            dag.AgGrid(
                id="data-grid",
                rowData=frame[[c for c, _ in cols]].to_dict("records"),
                columnDefs=[{"field": c, "headerName": t(k, lang), "filter": True, "sortable": True}
                            for c, k in cols],
                defaultColDef={"resizable": True, "flex": 1, "minWidth": 110},
                dashGridOptions={"pagination": True, "paginationPageSize": 50},
                style={"height": "70vh"},
                className="ag-theme-alpine",
            ),
        ]
    )
