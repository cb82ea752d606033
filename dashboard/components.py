"""Reusable layout pieces. They receive data as arguments; they never query the database."""

from __future__ import annotations

import base64
import html as html_lib

import pandas as pd
from dash import dcc, html

from dashboard.i18n import fmt_number, t

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"], "toImageButtonOptions": {"format": "png"}}


def csv_href(frame: pd.DataFrame) -> str:
    """A data: URI with the frame as UTF-8 CSV (with BOM, so Excel reads å, ä, ö); base64 is both
    shorter and much faster to make than percent-encoding."""
    payload = ("\ufeff" + frame.to_csv(index=False)).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(payload).decode("ascii")


def _html_table(caption: str, header: list[str], rows: list[tuple[str, list[str]]]) -> dcc.Markdown:
    """An accessible HTML table (caption, column and row headers) as ONE component.

    A table of a few hundred cells as Dash components costs more to build and serialise than the
    whole chart; as one escaped HTML string it costs almost nothing. Every text is escaped, and the
    markup holds no script, so allowing HTML here lets nothing in.
    """
    esc = html_lib.escape
    parts = [f'<table class="table table-sm table-striped table-hover data-table"><caption>{esc(caption)}</caption>',
             "<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in header) + "</tr></thead><tbody>"]
    for label, cells in rows:
        parts.append(f'<tr><th scope="row">{esc(label)}</th>'
                     + "".join(f'<td class="text-end">{esc(c)}</td>' for c in cells) + "</tr>")
    parts.append("</tbody></table>")
    return dcc.Markdown("".join(parts), dangerously_allow_html=True, className="html-table")


def data_table(frame: pd.DataFrame, names: dict[str, str], decimals: int, lang: str, caption: str) -> dcc.Markdown:
    """Years down, regions across: the chart's numbers as an accessible table."""
    wide = frame.pivot_table(index="period", columns="region_code", values="value", aggfunc="first", dropna=False)
    cols = [c for c in names if c in wide.columns]
    header = [t("table.period", lang)] + [names[c] for c in cols]
    values = wide[cols].to_numpy(dtype=float).tolist()  # plain floats: no pandas lookup per cell
    rows = [(str(int(year)), [fmt_number(v, decimals, lang) for v in row]) for year, row in zip(wide.index, values,
                                                                                                strict=True)]
    return _html_table(caption, header, rows)


def chart_block(*, block_id: str, title: str, figure: object, summary: str, table: object,
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


def text_table(frame: pd.DataFrame, caption: str) -> dcc.Markdown:
    """A table of display strings: the index as row headers, the columns as column headers."""
    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    rows = [(str(label), [str(v) for v in row]) for label, row in zip(frame.index, frame.itertuples(index=False),
                                                                       strict=True)]
    return _html_table(caption, header, rows)
