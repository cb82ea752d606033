"""Pure builders for the board's views: focus-area charts with target, trend projection and
activities, overview sparklines, and the numbers behind them. DataFrame in, ``go.Figure`` or
DataFrame out; no Dash, no SQL.

Accessibility as in ``figures``: lines differ by marker and dash as well as colour; the
responsible municipalities are drawn thicker and listed first, the other members thinner and
lighter, so the emphasis does not rest on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures, model
from dashboard.i18n import fmt_number, lang_of, t
from dashboard.status import PERCENT_UNITS, Movers, Status, assess, movers

PROJECTION_POINTS = 5
"""The trend is fitted on the scope's last up to five values ..."""
MIN_PROJECTION_POINTS = 3
"""... and needs at least three of them."""
Z95 = 1.96
BAND_FILL = "rgba(43, 122, 43, 0.13)"
TARGET_COLOUR = "#1e6b2f"
PROJECTION_COLOUR = "#1f5fa8"
ACTIVITY_COLOUR = "#6c4a00"
STATUS_COLOURS = {"on_track": "#1e6b2f", "risk": "#8a5a00", "off_track": "#a6192e", "no_data": "#5c636a"}
QUIET = 0.55
"""Opacity of the members that are not responsible for the focus area (thin grey lines)."""
QUIET_COLOUR = "#6c757d"
LABEL_CHARS = 34


@dataclass(frozen=True)
class Projection:
    """A straight-line trend (OLS) projected to a year, with a ±1.96·SE prediction band.

    Empty ``years`` means the projection was skipped; ``note_key`` and ``note_fmt`` say why
    (an i18n key), and are also set when it was made (what it is based on).
    """

    years: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    used: list[int] = field(default_factory=list)
    slope: float | None = None
    note_key: str = ""
    note_fmt: dict[str, Any] = field(default_factory=dict)

    @property
    def made(self) -> bool:
        return bool(self.years)

    def note(self, lang: str) -> str:
        return t(self.note_key, lang, **self.note_fmt) if self.note_key else ""


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(subset=["value"]).sort_values("period")


def project(series: pd.DataFrame, to_year: int | None, *, floor: float | None = 0.0,
            scope_name: str = "MLR") -> Projection:
    """The linear trend of ``series`` (period, value) over its last ≤5 values, projected to ``to_year``.

    The band is ±1.96 times the standard error of a new value at each year (residual variance
    plus the uncertainty of the fitted line), floored at ``floor`` for quantities that cannot go
    below it. Skipped, with a note, without a target year, when the target year is already in the
    data, or with fewer than three values.
    """
    values = _clean(series)
    if to_year is None:
        return Projection(note_key="board.proj.no_target")
    last = int(values["period"].max()) if not values.empty else None
    if last is not None and to_year <= last:
        return Projection(note_key="board.proj.past", note_fmt={"year": to_year, "last": last})
    used = values.tail(PROJECTION_POINTS)
    if len(used) < MIN_PROJECTION_POINTS:
        return Projection(note_key="board.proj.too_few", note_fmt={"n": len(used), "min": MIN_PROJECTION_POINTS})
    x = used["period"].astype(float).to_numpy()
    y = used["value"].astype(float).to_numpy()
    n = len(x)
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    intercept = y_mean - slope * x_mean
    resid = y - (intercept + slope * x)
    s = math.sqrt(float((resid**2).sum()) / (n - 2))
    years = list(range(int(x.max()), int(to_year) + 1))
    fitted, lower, upper = [], [], []
    for year in years:
        centre = intercept + slope * year
        se = s * math.sqrt(1 + 1 / n + (year - x_mean) ** 2 / sxx)
        lo, hi = centre - Z95 * se, centre + Z95 * se
        if floor is not None:
            centre, lo, hi = max(centre, floor), max(lo, floor), max(hi, floor)
        fitted.append(centre)
        lower.append(lo)
        upper.append(hi)
    return Projection(years, fitted, lower, upper, [int(v) for v in x], slope, "board.proj.made",
                      {"n": n, "first": int(x.min()), "last": int(x.max()), "year": int(to_year), "scope": scope_name})


FIRST_YEAR = 2010
"""The board's charts start here: five years before the 2015 baseline (the sources go back to 1994)."""


def board_regions(regions: pd.DataFrame, lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """(names, names in Swedish, groups) for the board: the names of MLR's members, MLR, Skåne and
    Sweden (what its charts draw), and the municipalities whose movement the status counts: the
    members, Skåne's 33 and the country's 290."""
    scope = set(model.member_codes(regions)) | set(model.BENCHMARKS)
    names = {c: n for c, n in model.region_names(regions, lang).items() if c in scope}
    names_sv = {c: n for c, n in model.region_names(regions, "sv").items() if c in scope}
    everyone = sorted(regions.loc[regions["kind"] == "municipality", "code"])
    groups = {"MLR": model.member_codes(regions), "12": model.county_codes(regions, "12"), "00": everyone}
    return names, names_sv, groups


def series_codes(names: Mapping[str, str], groups: Mapping[str, list[str]]) -> list[str]:
    """Every region the board's queries need: what it draws and the municipalities it counts."""
    return list(dict.fromkeys([*names, *(c for codes in groups.values() for c in codes)]))


def chart_names(names: Mapping[str, str], unit: str) -> dict[str, str]:
    """The regions a focus chart draws: MLR and the members; Skåne and Sweden only for percentages,
    where they compare like with like (a national count would flatten the members' lines)."""
    keep_benchmarks = unit.strip().lower() in PERCENT_UNITS
    return {c: n for c, n in names.items() if c == "MLR" or len(c) == 4 or keep_benchmarks}


def region_order(codes: Iterable[str], names: Mapping[str, str], responsible: Iterable[str]) -> list[str]:
    """MLR first, then the responsible municipalities, the other members, and Skåne and Sweden last."""
    present = [c for c in names if c in set(codes)]
    resp = set(responsible)
    first = [c for c in present if c == "MLR"]
    leads = [c for c in present if c in resp]
    members = [c for c in present if len(c) == 4 and c not in resp]
    rest = [c for c in present if c not in set(first) | set(leads) | set(members)]
    return first + leads + members + rest


def _trace_style(code: str, index: int, lead: bool, large: bool) -> dict[str, Any]:
    if code in figures.BENCHMARK_STYLE:
        style = figures.region_style(code, index)
        if large:
            style["line"]["width"] = style["line"]["width"] + 1
        return style
    if lead:
        return {"line": {"color": figures.PALETTE[index % len(figures.PALETTE)], "width": 4 if large else 3},
                "marker": {"symbol": figures.SYMBOLS[index % len(figures.SYMBOLS)], "size": 9 if large else 8}}
    return {"line": {"color": QUIET_COLOUR, "width": 1.25}, "marker": {"symbol": "circle", "size": 4},
            "opacity": QUIET}


def _legend(code: str, lead: bool) -> dict[str, Any]:
    """Every line its own legend entry, except the quiet members, which share one entry."""
    if len(code) == 4 and not lead:
        return {"legendgroup": "members", "showlegend": False}
    return {"legendgroup": code}


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    words, out = text.split(), ""
    for word in words:
        if len(out) + len(word) + 1 > limit - 1:
            break
        out = f"{out} {word}".strip()
    return (out or text[: limit - 1]).rstrip(" ,:;–-") + "…"


def focus_figure(frame: pd.DataFrame, names: Mapping[str, str], *, unit: str, lang: str = "sv",
                 decimals: int = 0, responsible: Iterable[str] = (), target: Mapping[str, Any] | None = None,
                 baseline: float | None = None, scope_name: str = "MLR", projection: Projection | None = None,
                 activities: pd.DataFrame | None = None, large: bool = False) -> go.Figure:
    """An indicator over time for MLR and the members, with the target, the trend projection and activities.

    Args:
        frame: region_code, period, value for the regions to draw (a NULL value leaves a gap).
        names: region code -> display name; only these regions are drawn.
        target: a target row (direction, baseline_period, target_period, target_value), or None.
        baseline: the baseline value the status rule used (``Status.numbers['baseline_value']``).
        projection: from ``project``; drawn dashed with its band when it was made.
        activities: year, title (in ``lang``) and id of the plan's activities marked on this chart.
        large: bigger type and lines for presentation mode.
    """
    lang = lang_of(lang)
    resp = set(responsible)
    fig = go.Figure()
    order = region_order(frame["region_code"], names, resp)
    members_seen = False
    for i, code in enumerate(order):
        rows = frame[frame["region_code"] == code].sort_values("period")
        lead = code in resp
        if len(code) == 4 and not lead and not members_seen:
            members_seen = True
            # One legend entry for all quiet members; clicking it shows or hides them together.
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=t("board.legend.members", lang),
                                     legendgroup="members", line={"color": QUIET_COLOUR, "width": 1.5},
                                     opacity=QUIET, hoverinfo="skip", meta={"kind": "legend_members"}))
        fig.add_trace(go.Scatter(
            x=rows["period"].tolist(), y=[None if pd.isna(v) else float(v) for v in rows["value"]],
            name=names[code], mode="lines+markers", connectgaps=False,
            hovertemplate=f"%{{y:,.{decimals}f}} {unit}<extra>{names[code]}</extra>",
            meta={"region_code": code, "kind": "region", "responsible": lead},
            **_legend(code, lead), **_trace_style(code, i, lead, large),
        ))
    plotted = _clean(frame[frame["region_code"].isin(order)])
    years = set(plotted["period"].astype(int))
    tops = list(plotted["value"].astype(float)) + (projection.upper if projection is not None else [])
    top = max(tops) if tops else None
    if target is not None and baseline is not None:
        years |= _add_target(fig, target, baseline, top, scope_name, unit, decimals, lang)
    if projection is not None and projection.made:
        years |= set(projection.years)
        _add_projection(fig, projection, scope_name, unit, decimals, lang)
    figures.base_layout(fig, lang, unit, height=480)
    # The legend below the plot: it keeps the plot wide on a phone and in print as on a wide screen.
    fig.update_layout(legend={"groupclick": "togglegroup", "tracegroupgap": 0, "font": {"size": 13},
                              "orientation": "h", "x": 0, "xanchor": "left", "y": -0.1, "yanchor": "top"},
                      hovermode="closest", margin={"l": 60, "r": 20, "t": 30, "b": 40})
    if activities is not None and not activities.empty:
        years |= set(activities["year"].astype(int))
        _add_activities(fig, activities, lang, large, (min(years), max(years)))
    if years:
        fig.update_xaxes(range=[min(years) - 0.5, max(years) + 0.5])
    if plotted.empty:
        fig.add_annotation(text=t("board.chart.empty", lang), x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False, font={"size": 16, "color": "#495057"}, name="empty")
        fig.update_yaxes(showticklabels=False)
    if years:
        span = max(years) - min(years)
        fig.update_xaxes(dtick=1 if span <= 8 else (2 if span <= 16 else 5))
    if large:
        fig.update_layout(height=330, font={"size": 18}, legend={"font": {"size": 14}},
                          margin={"l": 50, "r": 10})
    return fig


def _add_target(fig: go.Figure, target: Mapping[str, Any], baseline: float, top: float | None,
                scope_name: str, unit: str, decimals: int, lang: str) -> set[int]:
    base_year, goal_year = int(target["baseline_period"]), int(target["target_period"])
    goal = target.get("target_value")
    fmt = lambda v: fmt_number(v, decimals, lang)  # noqa: E731
    if goal is not None and not pd.isna(goal):
        fig.add_trace(go.Scatter(
            x=[base_year, goal_year], y=[baseline, float(goal)], mode="lines+markers",
            name=t("board.legend.trajectory", lang, goal=fmt(float(goal)), year=goal_year, scope=scope_name),
            line={"color": TARGET_COLOUR, "width": 3, "dash": "dot"},
            marker={"symbol": ["circle-open", "star"], "size": [9, 14], "color": TARGET_COLOUR},
            legendgroup="target",
            hovertemplate=f"%{{y:,.{decimals}f}} {unit}<extra>{t('board.legend.target', lang)}</extra>",
            meta={"kind": "target_trajectory"},
        ))
        return {base_year, goal_year}
    rising = target["direction"] == "increase"
    edge = max(top or baseline, baseline) * 1.12 if rising else 0.0
    fig.add_trace(go.Scatter(
        x=[base_year, goal_year, goal_year, base_year, base_year], y=[baseline, baseline, edge, edge, baseline],
        mode="lines", fill="toself", fillcolor=BAND_FILL, line={"width": 0}, hoverinfo="skip",
        name=t(f"board.legend.band_{target['direction']}", lang, base=base_year, year=goal_year),
        legendgroup="target", meta={"kind": "target_band", "direction": target["direction"]},
    ))
    fig.add_trace(go.Scatter(
        x=[base_year, goal_year], y=[baseline, baseline], mode="lines",
        name=t("board.legend.baseline", lang, year=base_year, value=fmt(baseline), scope=scope_name),
        line={"color": TARGET_COLOUR, "width": 2, "dash": "dot"}, legendgroup="target",
        hovertemplate=f"%{{y:,.{decimals}f}} {unit}<extra>{t('board.legend.target', lang)}</extra>",
        meta={"kind": "target_baseline"},
    ))
    return {base_year, goal_year}


def _add_projection(fig: go.Figure, proj: Projection, scope_name: str, unit: str, decimals: int,
                    lang: str) -> None:
    fig.add_trace(go.Scatter(
        x=proj.years + proj.years[::-1], y=proj.upper + proj.lower[::-1], mode="lines", fill="toself",
        fillcolor="rgba(31, 95, 168, 0.12)", line={"width": 0}, hoverinfo="skip",
        name=t("board.legend.projection_band", lang), legendgroup="projection", meta={"kind": "projection_band"},
    ))
    fig.add_trace(go.Scatter(
        x=proj.years, y=proj.values, mode="lines",
        name=t("board.legend.projection", lang, scope=scope_name, year=proj.years[-1]),
        line={"color": PROJECTION_COLOUR, "width": 3, "dash": "dash"}, legendgroup="projection",
        hovertemplate=f"%{{y:,.{decimals}f}} {unit}<extra>{t('board.legend.projection_short', lang)}</extra>",
        meta={"kind": "projection"},
    ))


def _add_activities(fig: go.Figure, activities: pd.DataFrame, lang: str, large: bool,
                    span: tuple[int, int]) -> None:
    """A dash-dot line at each activity year and, above the plot area, a one-line label per year
    (alternating between two heights so neighbouring labels do not collide); the full titles are
    in the hover text and in the note below the chart."""
    size = 15 if large else 11
    groups = list(activities.sort_values(["year", "title"]).groupby("year", sort=True))
    rows_of_labels = min(3, len(groups))
    for n, (year, rows) in enumerate(groups):
        year = int(year)
        titles = list(rows["title"])
        fig.add_shape(type="line", x0=year, x1=year, xref="x", y0=0, y1=1, yref="paper",
                      line={"color": ACTIVITY_COLOUR, "width": 1.5, "dash": "dashdot"},
                      name=f"activity-{year}", layer="below")
        label = _short(titles[0], 22 if large else LABEL_CHARS)
        if len(titles) > 1:
            label += " " + t("board.chart.more", lang, n=len(titles) - 1)
        # Labels in the right half of the axis run leftwards from their line, so none is cut off.
        right = span[1] > span[0] and (year - span[0]) / (span[1] - span[0]) > 0.5
        fig.add_annotation(x=year, y=1, xref="x", yref="paper", text=label, hovertext="<br>".join(titles),
                           showarrow=False, xanchor="right" if right else "left", yanchor="bottom",
                           xshift=4 if right else -4, yshift=2 + (n % rows_of_labels) * (size + 6), align="left",
                           font={"size": size, "color": ACTIVITY_COLOUR}, name=f"activity-{year}")
    fig.update_layout(margin={"t": rows_of_labels * (size + 6) + 14})


def sparkline(series: pd.DataFrame, *, status: str = "no_data", baseline_period: int | None = None,
              width: int = 170, height: int = 46) -> go.Figure:
    """A tiny line of one region's values with the latest (and the baseline) value marked; no axes.

    Meant for a static, aria-hidden graph next to a text equivalent (``sparkline_text``).
    """
    values = _clean(series)
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["no_data"])
    fig = go.Figure(go.Scatter(x=values["period"].tolist(), y=values["value"].astype(float).tolist(),
                               mode="lines", line={"color": colour, "width": 2.5}, hoverinfo="skip",
                               meta={"kind": "spark"}))
    marks = values.tail(1)
    if baseline_period is not None:
        marks = pd.concat([values[values["period"] == baseline_period], marks])
    fig.add_trace(go.Scatter(x=marks["period"].tolist(), y=marks["value"].astype(float).tolist(), mode="markers",
                             marker={"color": colour, "size": 6, "symbol": ["circle-open"] * (len(marks) - 1)
                                     + ["circle"]}, hoverinfo="skip", meta={"kind": "spark_marks"}))
    fig.update_layout(width=width, height=height, margin={"l": 4, "r": 4, "t": 4, "b": 4}, showlegend=False,
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def sparkline_text(series: pd.DataFrame, scope_name: str, unit: str, decimals: int, lang: str = "sv") -> str:
    """The sparkline in words: first and last year and value, lowest and highest."""
    values = _clean(series)
    if values.empty:
        return ""
    first, last = values.iloc[0], values.iloc[-1]
    low, high = values.loc[values["value"].idxmin()], values.loc[values["value"].idxmax()]
    fmt = lambda v: fmt_number(float(v), decimals, lang)  # noqa: E731
    return t("board.spark.text", lang, scope=scope_name, first=int(first.period), last=int(last.period),
             v1=fmt(first.value), v2=fmt(last.value), unit=unit, low=fmt(low.value), low_year=int(low.period),
             high=fmt(high.value), high_year=int(high.period))


def extras_frame(target: Mapping[str, Any] | None, baseline: float | None, projection: Projection | None,
                 scope: str) -> pd.DataFrame:
    """The plotted target and projection numbers as tidy rows: region_code, period, value, measure."""
    rows: list[dict[str, Any]] = []
    if target is not None and baseline is not None:
        b, g = int(target["baseline_period"]), int(target["target_period"])
        goal = target.get("target_value")
        for year in range(b, g + 1):
            if goal is not None and not pd.isna(goal):
                value = baseline + (float(goal) - baseline) * (year - b) / (g - b)
                rows.append({"period": year, "value": value, "measure": "target_trajectory"})
            else:
                rows.append({"period": year, "value": baseline, "measure": "target_baseline"})
    if projection is not None and projection.made:
        for year, value, lo, hi in zip(projection.years, projection.values, projection.lower, projection.upper,
                                       strict=True):
            rows += [{"period": year, "value": value, "measure": "projection"},
                     {"period": year, "value": lo, "measure": "projection_lower_95"},
                     {"period": year, "value": hi, "measure": "projection_upper_95"}]
    out = pd.DataFrame(rows, columns=["period", "value", "measure"])
    out.insert(0, "region_code", scope)
    return out


EXTRA_CODES = {"target_trajectory": "_trajectory", "target_baseline": "_baseline", "projection": "_projection",
               "projection_lower_95": "_proj_low", "projection_upper_95": "_proj_high"}


def table_frame(plotted: pd.DataFrame, extras: pd.DataFrame, names: Mapping[str, str],
                lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The chart's numbers for a years-by-columns table: regions, then target and projection columns."""
    cols = dict(names)
    frames = [plotted[["region_code", "period", "value"]]]
    if not extras.empty:
        extra = extras.assign(region_code=extras["measure"].map(EXTRA_CODES))[["region_code", "period", "value"]]
        frames.append(extra)
        for measure, code in EXTRA_CODES.items():
            if measure in set(extras["measure"]):
                cols[code] = t(f"board.table.{measure}", lang)
    return pd.concat(frames, ignore_index=True), cols


def csv_frame(plotted_csv: pd.DataFrame, extras: pd.DataFrame, indicator: Mapping[str, Any],
              scope_name: str) -> pd.DataFrame:
    """``model.plotted_csv`` plus the target and projection rows, in the same columns."""
    if extras.empty:
        return plotted_csv
    add = extras.copy()
    add["indicator_id"] = indicator["id"]
    add["region_name"] = scope_name
    add["unit"] = indicator["unit"]
    add["status"] = "derived"
    add["source"] = add["measure"].map(lambda m: "targets.yaml" if m.startswith("target") else
                                       "linear trend (OLS), ±1.96·SE")
    return pd.concat([plotted_csv, add[plotted_csv.columns]], ignore_index=True)


def summary_sentence(frame: pd.DataFrame, names: Mapping[str, str], name: str, unit: str, decimals: int,
                     status: Status | None, scope: str, lang: str = "sv") -> str:
    """One sentence from the data: the scope's latest value and the status with its reason."""
    values = _clean(frame[frame["region_code"] == scope])
    scope_name = names.get(scope, scope)
    if _clean(frame).empty:
        return t("board.summary.empty", lang, name=name)
    if values.empty:
        fallback = figures.summary_sentence(frame, dict(names), name, decimals, lang)
        return t("board.summary.no_scope", lang, text=fallback.rstrip("."), scope=scope_name)
    last = values.iloc[-1]
    text = t("board.summary.latest", lang, name=name, scope=scope_name, value=fmt_number(float(last.value),
             decimals, lang), unit=unit, year=int(last.period))
    if status is not None and status.code != "no_data":
        text = text.rstrip(".") + t("board.summary.status", lang, label=status.label(lang).lower(),
                                    reason=status.reason(lang).rstrip("."))
    return text


def activities_for(activities: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """The activities whose ``indicator_ids`` list ``indicator_id`` (an empty list or NULL marks none)."""
    def marks(ids: object) -> bool:
        return not isinstance(ids, str) and hasattr(ids, "__iter__") and indicator_id in list(ids)  # type: ignore

    return activities[activities["indicator_ids"].map(marks)] if not activities.empty else activities


@dataclass(frozen=True)
class ChartParts:
    """What one indicator's focus chart is made of: the figure and the numbers it plots."""

    figure: go.Figure
    data: pd.DataFrame
    names: dict[str, str]
    extras: pd.DataFrame
    projection: Projection
    activities: pd.DataFrame


@dataclass(frozen=True)
class Headline:
    """One indicator of a focus area with the target it is followed against and its status."""

    indicator: dict[str, Any]
    scope: str
    series: pd.DataFrame
    target: dict[str, Any] | None
    status: Status
    movers: tuple[Movers, ...] = ()
    """How many members (and Skåne's and the country's municipalities) moved the right way."""

    @cached_property
    def spark(self) -> go.Figure:
        """The card's sparkline, built once per headline (headlines are cached per database file)."""
        base = self.status.numbers.get("baseline_period") if self.status.numbers.get("baseline_value") is not None \
            else None
        return sparkline(self.series, status=self.status.code, baseline_period=base)

    def movers_text(self, lang: str) -> str:
        """``9 av 12 medlemskommuner på väg mot målet (2015→2022); i Skåne 27 av 33``."""
        return "; ".join(m.text(lang) for m in self.movers)

    @property
    def drawn_target(self) -> dict[str, Any] | None:
        """The target as charted: a long-term target's band runs to the year the status assessed."""
        if self.target is None or self.target.get("target_period") is not None:
            return self.target
        year = self.status.numbers.get("year") or int(self.target["baseline_period"]) + 1
        return {**self.target, "target_period": int(year)}


def pick_target(targets: pd.DataFrame, indicator_id: str, focus_area_id: str | None = None) -> dict[str, Any] | None:
    """The target row for an indicator (in a focus area), the MLR-wide one first; None if none is set."""
    rows = targets[targets["indicator_id"] == indicator_id]
    if focus_area_id is not None:
        rows = rows[rows["focus_area_id"] == focus_area_id]
    if rows.empty:
        return None
    rows = rows.assign(_mlr=rows["scope"] != "MLR").sort_values(["_mlr", "id"]).drop(columns="_mlr")
    return {k: (None if not isinstance(v, (list, str)) and pd.isna(v) else v)
            for k, v in rows.iloc[0].to_dict().items()}


def headline(indicator: Mapping[str, Any], frame: pd.DataFrame, target: Mapping[str, Any] | None,
             names_sv: Mapping[str, str], groups: Mapping[str, list[str]] | None = None) -> Headline:
    """The status of ``indicator`` for its target's scope (MLR when no target), via ``status.assess``,
    and, for ``groups`` (MLR -> members, 12 -> Skåne's municipalities, 00 -> all), how many moved the
    right way over the same years.

    ``frame`` holds the indicator's rows (region_code, period, value, status) for at least the scope
    and the groups' municipalities.
    """
    scope = str(target["scope"]) if target else "MLR"
    series = frame[frame["region_code"] == scope].sort_values("period")
    incomplete = bool(not series.empty and series["value"].isna().all() and "status" in series
                      and (series["status"] == "incomplete").any())
    result = assess(series, target, unit=str(indicator["unit"]), decimals=int(indicator["decimals"]),
                    aggregation=str(indicator.get("aggregation")), incomplete=incomplete,
                    scope_name=None if scope == "MLR" else names_sv.get(scope, scope))
    moved = tuple(movers(frame, groups, target, result)) if groups and scope == "MLR" else ()
    return Headline(dict(indicator), scope, series, dict(target) if target else None, result, moved)


def indicator_chart(h: Headline | None, indicator: Mapping[str, Any], frame: pd.DataFrame, names: Mapping[str, str],
                    responsible: Iterable[str], activities: pd.DataFrame, lang: str = "sv", *,
                    large: bool = False, partner: tuple[Mapping[str, Any], pd.DataFrame] | None = None) -> ChartParts:
    """The focus chart of one indicator: regions (``chart_names``), the target of ``h``, the projection of
    the target's scope to the target year, and the activities (id, year, title_sv/title_en).

    ``partner``: the indicator on the other side of a series break and its rows; its MLR line is drawn
    beside this one (never joined to it) and the years both series have are shaded and named."""
    lang = lang_of(lang)
    sfx = "en" if lang == "en" else "sv"
    unit = indicator["unit_en"] if lang == "en" else indicator["unit"]
    status = h.status if h else None
    target = h.drawn_target if h else None
    scope = h.scope if h else "MLR"
    baseline = status.numbers.get("baseline_value") if status else None
    shown = chart_names(names, str(indicator["unit"]))
    scope_name = shown.get(scope, names.get(scope, scope))
    dated = h is not None and h.target is not None and h.target.get("target_period") is not None
    proj = project(frame[frame["region_code"] == scope], int(target["target_period"]) if dated else None,
                   scope_name=scope_name)
    acts = activities.assign(title=activities[f"title_{sfx}"])[["id", "year", "title"]] \
        if not activities.empty else pd.DataFrame(columns=["id", "year", "title"])
    data = frame[frame["region_code"].isin(shown)]
    fig = focus_figure(data, shown, unit=unit, lang=lang, decimals=int(indicator["decimals"]),
                       responsible=responsible, target=target, baseline=baseline,
                       scope_name=scope_name, projection=proj, activities=acts,
                       large=large)
    if partner is not None:
        add_series_break(fig, frame, partner, scope, lang)
    return ChartParts(fig, data, shown, extras_frame(target, baseline, proj, scope), proj, acts)


def add_series_break(fig: go.Figure, frame: pd.DataFrame, partner: tuple[Mapping[str, Any], pd.DataFrame],
                     scope: str, lang: str) -> tuple[int, int] | None:
    """The other series' line for ``scope`` (dashed, its own legend entry) and the overlap years shaded."""
    other, rows = partner
    sfx = "en" if lang_of(lang) == "en" else "sv"
    line = _clean(rows[rows["region_code"] == scope])
    if line.empty:
        return None
    fig.add_trace(go.Scatter(
        x=line["period"].tolist(), y=line["value"].astype(float).tolist(), mode="lines+markers",
        name=t("board.break.other", lang, scope=scope, name=other[f"name_{sfx}"]),
        line={"color": "#6f42c1", "width": 3, "dash": "dash"}, marker={"symbol": "diamond-open", "size": 9},
        legendgroup="break", meta={"kind": "series_break", "indicator_id": other["id"]},
        hovertemplate=f"%{{y:,.1f}}<extra>{other[f'name_{sfx}']}</extra>",
    ))
    mine = set(_clean(frame[frame["region_code"] == scope])["period"].astype(int))
    overlap = sorted(mine & set(line["period"].astype(int)))
    if not overlap:
        return None
    first, last = overlap[0], overlap[-1]
    fig.add_vrect(x0=first - 0.4, x1=last + 0.4, fillcolor="rgba(111,66,193,0.08)", line_width=0, layer="below",
                  name="series-break")
    fig.add_annotation(x=(first + last) / 2, y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=t("board.break.label", lang, first=first, last=last), font={"size": 12, "color": "#4b2a8a"},
                       name="series-break-label")
    xr = fig.layout.xaxis.range
    if xr is not None:
        fig.update_xaxes(range=[min(xr[0], line["period"].min() - 0.5), max(xr[1], line["period"].max() + 0.5)])
    return first, last


PRINT_PAGE_WIDTH, PRINT_GAP, PRINT_HEIGHT = 1047, 23, 265
"""A4 landscape between 10 mm margins is 277 mm = 1047 CSS px; charts side by side 23 px apart
(assets/board.js uses the same numbers for the live charts of a focus page)."""


def for_print(fig: go.Figure, per_row: int) -> dict[str, Any]:
    """The figure (as a plain dict, which dcc.Graph takes) at its printed size: one of ``per_row``
    across the page, small type, activity labels shortened. A dict, so no second validation pass."""
    out = fig.to_dict()
    layout = out["layout"]
    layout.update(width=(PRINT_PAGE_WIDTH - PRINT_GAP * (per_row - 1)) // max(per_row, 1), height=PRINT_HEIGHT)
    layout["font"] = {**layout.get("font", {}), "size": 9}
    layout["legend"] = {**layout.get("legend", {}), "font": {"size": 8}, "itemwidth": 30}
    layout["margin"] = {"l": 45, "r": 8, "b": 20, "t": min(layout.get("margin", {}).get("t", 30), 60)}
    for ann in layout.get("annotations", []):
        if str(ann.get("name", "")).startswith("activity-"):
            ann.update(text=_short(str(ann["text"]).split("<br>")[0], 20), font={**ann.get("font", {}), "size": 8})
        elif ann.get("name") == "empty":
            ann["font"] = {**ann.get("font", {}), "size": 10}
    return out
