"""Layout pieces for the board's views (overview cards, status, focus-area charts, presentation
and print controls). They receive data already queried and shaped by ``board``; no SQL here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import board, components, model, presentation
from dashboard.i18n import fmt_number, t
from dashboard.status import CODES, Status, legend_entry

SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False, "responsive": False}


def _sfx(lang: str) -> str:
    return "en" if lang == "en" else "sv"


def _icon(name: str) -> html.I:
    return html.I(className=f"bi {name}", **{"aria-hidden": "true"})


def status_badge(status: Status, lang: str) -> html.Span:
    """Icon and text label, and the years compared; the colour only repeats what they say."""
    span = html.Span(f" {status.span}", className="status-span") if status.span else None
    return html.Span([_icon(status.icon), " ", status.label(lang), span],
                     className=f"status-badge status-{status.code}", **{"data-status": status.code})


def status_legend(lang: str, class_name: str = "") -> html.P:
    """The four statuses with their icons and labels, and where the reason is."""
    return html.P([t("board.legend_intro", lang), " ",
                   *[item for code in CODES for item in (status_badge(legend_entry(code), lang), " ")],
                   t("board.legend_reason", lang)], className=f"status-legend {class_name}".strip())


def status_line(status: Status, lang: str, movers: str = "") -> html.P:
    """The status badge, its reason and, where known, how many municipalities moved the right way."""
    moved = html.Span([" ", _icon("bi-people"), " ", movers, "."], className="status-movers") if movers else None
    return html.P([status_badge(status, lang), " ", html.Span(status.reason(lang), className="status-reason"), moved],
                  className="status-line")


def _scope_name(scope: str, names: Mapping[str, str]) -> str:
    return names.get(scope, scope)


def headline_item(h: board.Headline, names: Mapping[str, str], lang: str, *, level: int = 3,
                  spark: bool = True) -> html.Div:
    """One headline indicator: latest value of the target's scope, sparkline with text, status and reason."""
    ind = h.indicator
    name = ind[f"name_{_sfx(lang)}"]
    unit = ind["unit_en"] if lang == "en" else ind["unit"]
    latest = model.latest_value(h.series, h.scope)
    scope_name = _scope_name(h.scope, names)
    heading = getattr(html, f"H{level}")(name, className="headline-name")
    if latest is None:  # the status line says "Underlag saknas" and why
        figure = None
        spark = None
    else:
        year, value = latest
        figure = html.P([html.Span(fmt_number(value, int(ind["decimals"]), lang), className="headline-value"),
                         " ", html.Span(unit, className="headline-unit"),
                         html.Span(t("board.value_of", lang, scope=scope_name, year=year), className="headline-when"),
                         html.Span(t("board.approximation", lang), className="headline-approx")
                         if model.approximated(ind, h.scope) else None],
                        className="headline-figure")
        spark = None if not spark else html.Div(
            [html.Div(dcc.Graph(figure=h.spark,
                                config=SPARK_CONFIG, className="sparkline-graph"),
                      className="sparkline", **{"aria-hidden": "true"}),
             html.Span(board.sparkline_text(h.series, scope_name, unit, int(ind["decimals"]), lang),
                       className="visually-hidden")],
            className="sparkline-wrap")
    row = html.Div([figure, spark], className="headline-row") if figure is not None else None
    return html.Div([heading, row, status_line(h.status, lang, h.movers_text(lang))],
                    className="headline-indicator", **{"data-indicator": ind["id"]})


def sources_line(headlines: Sequence[board.Headline], lang: str, class_name: str = "") -> html.P:
    """The headline indicators' sources with retrieval dates (shown in print)."""
    parts = []
    for h in headlines:
        ind = pd.Series(h.indicator)
        parts.append(f"{h.indicator[f'name_{_sfx(lang)}']}: {model.source_text(h.series, ind)}")
    return html.P([html.Strong(t("chart.source", lang) + ": "), "; ".join(parts) + "."],
                  className=f"small text-body-secondary board-sources {class_name}".strip())


def print_charts(headlines: Sequence[board.Headline], frame: pd.DataFrame, names: Mapping[str, str],
                 responsible: Sequence[str], activities: pd.DataFrame, lang: str) -> html.Div:
    """The headline charts at their printed size, shown only in print (the overview has no charts on screen)."""
    graphs = []
    for h in headlines:
        ind = h.indicator
        parts = board.indicator_chart(h, ind, frame[frame["indicator_id"] == ind["id"]], names, responsible,
                                      board.activities_for(activities, ind["id"]), lang)
        name = ind[f"name_{_sfx(lang)}"]
        unit = ind["unit_en"] if lang == "en" else ind["unit"]
        graphs.append(html.Div([html.H4(f"{name} ({unit})", className="h6"),
                                dcc.Graph(figure=board.for_print(parts.figure, len(headlines)), config=SPARK_CONFIG,
                                          className="print-figure")], className="print-figure-block"))
    return html.Div(graphs, className="print-only print-figures")


def focus_card(fa: Mapping[str, Any], headlines: Sequence[board.Headline], names: Mapping[str, str], lang: str,
               query: Mapping[str, Any], charts: object = None) -> dbc.Card:
    """The overview's card for one active focus area (also one printed page, with ``charts``)."""
    sfx = _sfx(lang)
    responsible = ", ".join(names.get(c, c) for c in fa["responsible"] or []) or "–"
    keep = presentation.is_on(query)
    return dbc.Card(
        dbc.CardBody([
            html.P(f"MalmöLundregionen · {fa[f'plan_name_{sfx}']}", className="print-only print-kicker"),
            html.H2(dcc.Link(fa[f"name_{sfx}"], href=presentation.href(f"/fokus/{fa['id']}", query, presentation=keep)),
                    className="h4 card-title"),
            html.P(fa[f"target_picture_short_{sfx}"], className="target-picture screen-only"),
            html.Details([html.Summary(t("home.full_text", lang)), html.P(fa[f"target_picture_{sfx}"])],
                         className="screen-only full-target"),
            html.Div([html.H3(t("home.target_picture", lang), className="h6"),
                      html.P(fa[f"target_picture_{sfx}"], className="target-picture")], className="print-only"),
            html.P([html.Strong(t("home.responsible", lang) + ": "), responsible], className="responsible"),
            html.H3(t("board.headlines", lang), className="h6 mt-3 headlines-title"),
            html.Div([headline_item(h, names, lang, level=4) for h in headlines], className="headline-list"),
            charts,
            sources_line(headlines, lang, "print-only"),
            status_legend(lang, "print-only small"),
            dcc.Link([t("home.open", lang), " ", _icon("bi-arrow-right")],
                     href=presentation.href(f"/fokus/{fa['id']}", query, presentation=keep),
                     className="btn btn-primary btn-sm no-print open-focus"),
        ]),
        className="focus-card focus-print h-100",
        id=f"card-{fa['id']}",
    )


def closed_item(fa: Mapping[str, Any], lang: str, query: Mapping[str, Any]) -> html.Div:
    sfx = _sfx(lang)
    return html.Div(
        [
            html.H3([fa[f"name_{sfx}"], " ",
                     html.Span(t("home.closed_in", lang, year=fa["closed_year"]), className="badge text-bg-secondary")],
                    className="h5"),
            html.P(fa[f"target_picture_short_{sfx}"]),
            html.P([html.Strong(t("home.final_result", lang) + ": "), fa[f"final_result_{sfx}"]])
            if fa[f"final_result_{sfx}"] else None,
            dcc.Link(t("home.open", lang), href=presentation.href(f"/fokus/{fa['id']}", query, presentation=False)),
        ],
        className="closed-focus border rounded p-3 mb-2 bg-body-tertiary",
        id=f"closed-{fa['id']}",
    )


def toolbar(path: str, query: Mapping[str, Any], lang: str, *, presentable: bool = True) -> html.Div:
    """'Presentation' and 'Print / save as PDF' (not shown in presentation mode or in print)."""
    return html.Div(
        [
            dcc.Link([_icon("bi-easel"), " ", t("board.present", lang)], href=presentation.href(path, query),
                     className="btn btn-outline-primary btn-sm", id="board-present") if presentable else None,
            html.Button([_icon("bi-printer"), " ", t("board.print", lang)], type="button",
                        className="btn btn-outline-secondary btn-sm print-button", id="board-print"),
        ],
        className="board-toolbar no-print d-flex flex-wrap gap-2 mb-3",
    )


def presentation_nav(path: str, focus_ids: Sequence[str], titles: Mapping[str, str], query: Mapping[str, Any],
                     lang: str) -> html.Nav:
    """Previous / position / Next / Exit; the arrow keys click these links (assets/board.js)."""
    prev_path, next_path = presentation.neighbours(path, focus_ids)
    paths = presentation.sequence(focus_ids)
    position = paths.index(path) + 1 if path in paths else 1

    def step(target: str | None, key: str, icon: str, link_id: str, after: bool) -> object:
        label = [t(key, lang)]
        if target is not None:
            label.append(html.Span(": " + titles.get(target, ""), className="visually-hidden"))
        body = [_icon(icon), " ", *label] if not after else [*label, " ", _icon(icon)]
        if target is None:
            return html.Span(body, className="btn btn-outline-secondary disabled", **{"aria-disabled": "true"})
        return dcc.Link(body, href=presentation.href(target, query), id=link_id, className="btn btn-primary")

    return html.Nav(
        [
            step(prev_path, "board.prev", "bi-arrow-left", "pres-prev", False),
            html.Span(t("board.position", lang, n=position, total=len(paths)), className="pres-position"),
            step(next_path, "board.next", "bi-arrow-right", "pres-next", True),
            dcc.Link([_icon("bi-x-lg"), " ", t("board.exit", lang)],
                     href=presentation.href(path, query, presentation=False), id="pres-exit",
                     className="btn btn-outline-secondary"),
            html.Span(t("board.keys", lang), className="pres-keys"),
        ],
        className="presentation-nav no-print",
        id="presentation-nav",
        **{"aria-label": t("board.nav", lang)},
    )


def chart(h: board.Headline | None, ind: Mapping[str, Any], frame: pd.DataFrame, names: Mapping[str, str],
          responsible: Sequence[str], activities: pd.DataFrame, lang: str, *, large: bool = False,
          headline_chart: bool = False, show_status: bool = True,
          partner: tuple[Mapping[str, Any], pd.DataFrame] | None = None,
          substitutes: Sequence[Mapping[str, Any]] = ()) -> html.Section:
    """One indicator's chart on a focus page, with summary, notes, table and CSV (``components.chart_block``).

    ``show_status`` False for a closed focus area, which is no longer followed against targets.
    """
    sfx = _sfx(lang)
    name = ind[f"name_{sfx}"]
    unit = ind["unit_en"] if lang == "en" else ind["unit"]
    decimals = int(ind["decimals"])
    status = h.status if h else None
    target = h.target if h else None
    scope = h.scope if h else "MLR"
    parts = board.indicator_chart(h, ind, frame, names, responsible, activities, lang, large=large, partner=partner)
    fig, data, names, extras, proj, acts = parts.figure, parts.data, parts.names, parts.extras, parts.projection, \
        parts.activities
    scope_name = _scope_name(scope, names)
    table_data, table_names = board.table_frame(data, extras, names, lang)
    notes: list[object] = []
    if responsible:
        notes.append(html.P(t("board.legend.title", lang), className="small line-key"))
    if partner is not None:
        notes.append(html.P([_icon("bi-signpost-split"), " ", t("board.break.note", lang, other=partner[0][f"name_{sfx}"])],
                            className="small series-break-note"))
    if isinstance(ind.get("substitute_for"), str):
        notes.append(html.P([_icon("bi-arrow-left-right"), " ", t("board.substitute.note", lang)],
                            className="small substitute-note"))
    if substitutes:
        notes.append(html.P([_icon("bi-pencil-square"), " ", t("board.plan_measure.note", lang, substitutes="; ".join(
            s[f"name_{sfx}"] for s in substitutes))], className="small plan-measure-note"))
    if status is not None and show_status and (headline_chart or target):
        notes.append(status_line(status, lang, h.movers_text(lang) if h else ""))
    if target:
        notes.append(html.Details([html.Summary(t("board.about_target", lang)),
                                   html.P(target[f"basis_{sfx}"]), html.P(target.get(f"note_{sfx}") or "")],
                                  className="target-note mb-2"))
    notes.append(html.P([_icon("bi-graph-up-arrow"), " ", proj.note(lang)], className="small projection-note"))
    if not acts.empty:
        notes.append(html.P([html.Strong(t("board.activities_marked", lang) + ": "),
                             "; ".join(f"{int(a.year)} {a.title}" for a in acts.itertuples())],
                            className="small activities-note"))
    csv = board.csv_frame(model.plotted_csv(data, dict(names), pd.Series(ind)), extras, ind, scope_name)
    classes = "board-chart" + (" print-chart" if headline_chart else " print-hide")
    return components.chart_block(
        block_id=f"ind-{ind['id']}",
        title=f"{name} ({unit})",
        figure=fig,
        summary=board.summary_sentence(data, names, name, unit, decimals, status if show_status else None, scope,
                                       lang),
        table=components.data_table(table_data, table_names, decimals, lang, f"{name}, {unit}"),
        download=csv,
        filename=f"mlr_{ind['id']}.csv",
        source=model.source_text(data, pd.Series(ind)),
        lang=lang,
        extra=notes,
        class_name=classes,
    )
