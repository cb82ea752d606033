"""``/fokus/<focus_id>``: one focus area: target picture, the headline indicators' status, a chart per
indicator (MLR and members, target, trend projection, activities) with table and CSV, the yearly
results and the activities. ``?presentation=1`` for the projector; prints as one A4 landscape page."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import board, board_view, presentation, queries
from dashboard.i18n import name_col, t
from dashboard.pages._common import page

dash.register_page(__name__, path_template="/fokus/<focus_id>", name="Fokusfråga", order=1)


@page
def layout(lang: str, focus_id: str | None = None, **query: str) -> html.Div:
    query = {**query, **({"lang": lang} if lang == "en" else {})}
    areas = queries.focus_areas().set_index("id", drop=False)
    if focus_id not in areas.index:
        return html.Div([html.H1(t("notfound.heading", lang)), html.P(t("focus.not_found", lang, id=focus_id))])
    fa = areas.loc[focus_id].to_dict()
    sfx = "en" if lang == "en" else "sv"
    on_stage = presentation.is_on(query)
    links = queries.focus_area_indicators()
    mine = links[links["focus_area_id"] == focus_id]
    ids, head_ids = list(mine["indicator_id"]), list(mine.loc[mine["headline"], "indicator_id"])
    inds = queries.indicators().set_index("id", drop=False)
    regions = queries.regions()
    names, names_sv, groups = board.board_regions(regions, lang)
    # The focus area's rows and statuses depend on the database file alone (focus_id is a known id here).
    frame = queries.cached(f"focus.frame:{focus_id}", lambda: queries.series(
        ids, board.series_codes(names, groups), board.FIRST_YEAR, 2100))
    targets = queries.targets()
    results = queries.follow_up()
    results = results[results["focus_area_id"] == focus_id].sort_values("year", ascending=False)
    acts = queries.activities()
    acts = acts[acts["focus_area_id"] == focus_id]
    responsible = list(fa["responsible"] or [])
    active = areas[(areas["is_current"]) & (areas["status"] == "active")]
    titles = {f"/fokus/{a['id']}": a[name_col(lang)] for a in active.to_dict("records")}
    titles["/"] = t("home.heading", lang)

    def partner(i: str) -> tuple[dict, object] | None:
        other = inds.loc[i, "break_with"]
        if not isinstance(other, str) or other not in inds.index:
            return None
        return inds.loc[other].to_dict(), queries.series([other], ["MLR"], board.FIRST_YEAR, 2100)

    def substitutes(i: str) -> list[dict]:
        return [r for r in inds.to_dict("records") if r.get("substitute_for") == i]

    heads = queries.cached(f"focus.heads:{focus_id}", lambda: {
        i: board.headline(inds.loc[i].to_dict(), frame[frame["indicator_id"] == i],
                          board.pick_target(targets, i, focus_id), names_sv, groups) for i in ids})
    shown = head_ids if on_stage else ids
    closed = fa["status"] == "closed"
    # A chart depends only on the database file, the language and the mode: built once per published
    # file (keys come from validated values only, so the cache cannot grow from the query string).
    charts = [queries.cached(f"focus.chart:{focus_id}:{i}:{lang}:{on_stage}", lambda i=i: board_view.chart(
                  heads[i], inds.loc[i].to_dict(), frame[frame["indicator_id"] == i], names, responsible,
                  board.activities_for(acts, i), lang, large=on_stage, headline_chart=i in head_ids,
                  show_status=not closed, partner=partner(i), substitutes=substitutes(i)))
              for i in shown]
    latest = results.head(1).to_dict("records")
    title = html.H1([fa[f"name_{sfx}"], " ",
                     html.Span(t("home.closed_in", lang, year=fa["closed_year"]),
                               className="badge text-bg-secondary fs-6 align-middle") if closed else None])
    who = html.P([html.Strong(t("home.responsible", lang) + ": "),
                  ", ".join(names.get(c, c) for c in responsible) or "–"], className="responsible")
    target_picture = html.Section([html.H2(t("home.target_picture", lang), className="h4"),
                                   html.P(fa[f"target_picture_{sfx}"], className="target-picture lead")],
                                  className="target-section")
    result_blocks = [html.Div([html.H3(str(r["year"]), className="h6"), html.P(r[f"result_{sfx}"]),
                               html.P(r["source"], className="small text-body-secondary result-source")],
                              className="result" + ("" if n == 0 else " print-hide"))
                     for n, r in enumerate(latest if on_stage else results.to_dict("records"))]
    results_section = html.Section([html.H2(t("focus.results", lang), className="h4"), *result_blocks],
                                   className="results-section") if result_blocks else None
    if on_stage:
        # One screen: per headline indicator a column with its status on top of its chart.
        columns = dbc.Row([dbc.Col([board_view.headline_item(heads[i], names, lang, spark=False), chart], md=True)
                           for i, chart in zip(shown, charts, strict=True)], className="stage-columns")
        body = [title, who, target_picture, columns, results_section,
                board_view.presentation_nav(f"/fokus/{focus_id}", list(active["id"]), titles, query, lang)]
    else:
        body = [
            title, who, board_view.toolbar(f"/fokus/{focus_id}", query, lang, presentable=not closed),
            target_picture,
            html.Section([html.H2(t("home.final_result", lang), className="h4"), html.P(fa[f"final_result_{sfx}"])],
                         className="final-result") if closed and fa[f"final_result_{sfx}"] else None,
            html.Section([html.H2(t("board.status_heading", lang), className="h4"),
                          dbc.Row([dbc.Col(board_view.headline_item(heads[i], names, lang), md=True, className="mb-2")
                                   for i in head_ids], className="headline-row-list")],
                         className="status-section") if head_ids and not closed else None,
            html.Section([html.H2(t("focus.description", lang), className="h4"), html.P(fa[f"description_{sfx}"])],
                         className="print-hide"),
            html.Section([html.H2(t("focus.indicators", lang), className="h4 mt-4 print-hide"),
                          html.Div(charts, className="board-charts")], className="charts-section"),
            results_section,
            html.Section(
                [html.H2(t("focus.activities", lang), className="h4"),
                 html.Ul([html.Li([html.Strong(f"{a['year']}: {a[f'title_{sfx}']}"),
                                   html.Span(" – " + a[f"description_{sfx}"], className="activity-description")
                                   if a[f"description_{sfx}"] else None])
                          for a in acts.to_dict("records")], className="activity-list")],
                className="activities-section") if not acts.empty else None,
        ]
    return html.Div(html.Article(body, className="focus-print", id=f"focus-{focus_id}"),
                    className="board-page board-presentation" if on_stage else "board-page")
