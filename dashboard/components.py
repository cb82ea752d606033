"""Reusable layout pieces. They receive data as arguments; they never query the database."""

from __future__ import annotations

import urllib.parse

import pandas as pd
from dash import dcc, html

from dashboard.i18n import fmt_number, t

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"], "toImageButtonOptions": {"format": "png"}}


def csv_href(frame: pd.DataFrame) -> str:
    """A data: URI with the frame as UTF-8 CSV (with BOM, so Excel reads å, ä, ö)."""
    return "data:text/csv;charset=utf-8," + urllib.parse.quote("\ufeff" + frame.to_csv(index=False))


def data_table(frame: pd.DataFrame, names: dict[str, str], decimals: int, lang: str, caption: str) -> html.Table:
    """Years down, regions across: the chart's numbers as an accessible table."""
    wide = frame.pivot_table(index="period", columns="region_code", values="value", aggfunc="first", dropna=False)
    cols = [c for c in names if c in wide.columns]
    head = html.Thead(html.Tr([html.Th(t("table.period", lang), scope="col")]
                              + [html.Th(names[c], scope="col") for c in cols]))
    body = html.Tbody([
        html.Tr([html.Th(str(int(year)), scope="row")]
                + [html.Td(fmt_number(row.get(c), decimals, lang), className="text-end") for c in cols])
        for year, row in wide.iterrows()
    ])
    return html.Table([html.Caption(caption), head, body],
                      className="table table-sm table-striped table-hover data-table")


def chart_block(*, block_id: str, title: str, figure: object, summary: str, table: html.Table,
                download: pd.DataFrame, filename: str, source: str, lang: str,
                extra: list[object] | None = None, class_name: str = "") -> html.Section:
    """A chart with its heading, one-sentence summary, source, data table and CSV download.

    ``extra`` goes below the chart (notes, status); ``class_name`` adds classes to the section.
    """
    return html.Section(
        [
            html.H3(title, id=f"{block_id}-title", className="h5"),
            html.P(summary, className="chart-summary", id=f"{block_id}-summary"),
            html.Div(dcc.Graph(id=f"{block_id}-graph", figure=figure, config=GRAPH_CONFIG, className="chart"),
                     role="figure", **{"aria-labelledby": f"{block_id}-title",
                                       "aria-describedby": f"{block_id}-summary"}),
            *(extra or []),
            html.P([html.Strong(t("chart.source", lang) + ": "), source, ". ", t("chart.gap", lang)],
                   className="small text-body-secondary chart-source"),
            # tabIndex: a table wider than the screen scrolls, and the keyboard must reach that scroll too
            html.Details([html.Summary(t("chart.table", lang)),
                          html.Div(table, className="table-responsive", tabIndex="0")],
                         className="mb-2 chart-table"),
            html.A([html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}), t("chart.download", lang)],
                   href=csv_href(download), download=filename, className="btn btn-outline-primary btn-sm chart-csv",
                   id=f"{block_id}-csv"),
        ],
        className=f"chart-block mb-5 {class_name}".strip(),
        **{"aria-labelledby": f"{block_id}-title"},
    )


def text_table(frame: pd.DataFrame, caption: str) -> html.Table:
    """A table of display strings: the index as row headers, the columns as column headers."""
    head = html.Thead(html.Tr([html.Th(frame.index.name or "", scope="col")]
                              + [html.Th(str(c), scope="col") for c in frame.columns]))
    body = html.Tbody([
        html.Tr([html.Th(str(label), scope="row")] + [html.Td(str(v), className="text-end") for v in row])
        for label, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    ])
    return html.Table([html.Caption(caption), head, body],
                      className="table table-sm table-striped table-hover data-table")
