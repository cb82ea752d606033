"""Pure figure builders: tidy DataFrame in, ``go.Figure`` out. No Dash, no SQL.

Accessibility: every line has its own marker symbol and the benchmarks their own dash style,
so series differ without colour; the palette keeps 3:1 contrast against white.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.i18n import fmt_number, lang_of, t

# Dark, saturated colours with ≥ 3:1 contrast on white (checked in tests/test_figures.py).
PALETTE = [
    "#1f5fa8", "#b8420f", "#2b7a2b", "#8a3ca0", "#a6192e", "#0f6e6e",
    "#7a5a00", "#c0307a", "#4a4a8a", "#5d6b00", "#8c4a2f", "#006d9c",
]
BENCHMARK_STYLE = {
    "MLR": {"color": "#111111", "dash": "solid", "width": 4},
    "12": {"color": "#555555", "dash": "dash", "width": 3},
    "00": {"color": "#555555", "dash": "dot", "width": 3},
}
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "x", "star",
           "hexagon", "pentagon", "triangle-left", "triangle-right"]
# plotly_white's layout only: the named template also carries defaults for every trace type, which
# plotly deep-copies into each figure and sends to the browser (2-3x the time, +4 kB per chart);
# our traces set their own styles.
TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout)
TEMPLATE_JSON = {"layout": TEMPLATE.layout.to_plotly_json()}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators: '1 234,5' or '1,234.5'."""
    return ".," if lang_of(lang) == "en" else ", "


def region_style(code: str, index: int) -> dict[str, object]:
    if code in BENCHMARK_STYLE:
        style = BENCHMARK_STYLE[code]
        return {"line": {"color": style["color"], "dash": style["dash"], "width": style["width"]},
                "marker": {"symbol": "circle-open", "size": 7}}
    return {"line": {"color": PALETTE[index % len(PALETTE)], "width": 2},
            "marker": {"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 7}}


def base_layout(fig: go.Figure, lang: str, unit: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        separators=separators(lang),
        font={"family": FONT, "size": 14, "color": "#212529"},
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "v", "x": 1.02, "y": 1},
        hovermode="x unified",
        yaxis={"title": {"text": unit}, "rangemode": "tozero"},
        xaxis={"dtick": 1, "tickformat": "d"},
    )
    return fig


def line_figure(frame: pd.DataFrame, names: dict[str, str], unit: str, lang: str = "sv",
                decimals: int = 0) -> go.Figure:
    """One line per region over the years; a NULL value leaves a gap (never a zero)."""
    fig = go.Figure()
    order = [c for c in names if c in set(frame["region_code"])]
    for i, code in enumerate(order):
        rows = frame[frame["region_code"] == code].sort_values("period")
        fig.add_trace(
            go.Scatter(
                x=rows["period"].tolist(),
                y=[None if pd.isna(v) else float(v) for v in rows["value"]],
                name=names[code],
                mode="lines+markers",
                connectgaps=False,
                hovertemplate=f"%{{y:,.{decimals}f}} {unit}<extra>{names[code]}</extra>",
                meta={"region_code": code},
                **region_style(code, i),
            )
        )
    return base_layout(fig, lang, unit)


def summary_sentence(frame: pd.DataFrame, names: dict[str, str], indicator_name: str, decimals: int,
                     lang: str = "sv") -> str:
    """One sentence from the data: the latest year's highest and lowest municipality (and MLR)."""
    values = frame.dropna(subset=["value"])
    if values.empty:
        return t("summary.none", lang, name=indicator_name)
    year = int(values["period"].max())
    latest = values[values["period"] == year]
    members = latest[latest["region_code"].str.len() == 4].sort_values("value", ascending=False)
    pick = members if not members.empty else latest.sort_values("value", ascending=False)
    fmt = lambda v: fmt_number(float(v), decimals, lang)  # noqa: E731
    if len(pick) == 1:
        row = pick.iloc[0]
        text = t("summary.single", lang, name=indicator_name, year=year, region=names.get(row.region_code, row.region_code),
                 value=fmt(row.value))
    else:
        top, bottom = pick.iloc[0], pick.iloc[-1]
        text = t("summary.latest", lang, name=indicator_name, year=year,
                 top=names.get(top.region_code, top.region_code), top_value=fmt(top.value),
                 bottom=names.get(bottom.region_code, bottom.region_code), bottom_value=fmt(bottom.value))
    mlr = latest[latest["region_code"] == "MLR"]
    if not mlr.empty and len(pick) > 1:
        text += " " + t("summary.mlr", lang, value=fmt(mlr["value"].iloc[0]))
    return text
