"""``/``: the board's overview, one card per active focus area of the current plan with its headline
indicators and their status; closed focus areas below. ``?presentation=1`` for the projector."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import board, board_view, presentation, queries
from dashboard.i18n import name_col, t
from dashboard.pages._common import page

dash.register_page(__name__, path="/", name="Översikt", order=0, title="MalmöLundregionen – uppföljning")


@page
def layout(lang: str, **query: str) -> html.Div:
    query = {**query, **({"lang": lang} if lang == "en" else {})}
    areas = queries.focus_areas()
    current = areas[areas["is_current"]]
    active, closed = current[current["status"] == "active"], current[current["status"] == "closed"]
    links = queries.focus_area_indicators()
    heads = links[links["headline"] & links["focus_area_id"].isin(active["id"])]
    inds = queries.indicators().set_index("id", drop=False)
    regions = queries.regions()
    names, names_sv, groups = board.board_regions(regions, lang)
    targets = queries.targets()
    frame = queries.cached("home.frame", lambda: queries.series(
        sorted(set(heads["indicator_id"])), board.series_codes(names, groups), board.FIRST_YEAR, 2100))
    acts = queries.activities()
    plan = current[f"plan_{name_col(lang)}"].iloc[0] if not current.empty else ""
    on_stage = presentation.is_on(query)

    def headlines(fa_id: str) -> list[board.Headline]:
        # Statuses, movers and sparklines depend on the database file alone: computed once per file.
        ids = heads.loc[heads["focus_area_id"] == fa_id, "indicator_id"]
        return queries.cached(f"home.headlines:{fa_id}", lambda: [
            board.headline(inds.loc[i].to_dict(), frame[frame["indicator_id"] == i],
                           board.pick_target(targets, i, fa_id), names_sv, groups) for i in ids])

    def print_charts(fa: dict, hs: list[board.Headline]) -> html.Div | None:
        if on_stage:
            return None
        # Print-only charts depend on the database file and the language alone: built once per file.
        return queries.cached(f"home.print:{fa['id']}:{lang}", lambda: board_view.print_charts(
            hs, frame, names, list(fa["responsible"]), acts[acts["focus_area_id"] == fa["id"]], lang))

    focus_ids = list(active["id"])
    titles = {f"/fokus/{fa['id']}": fa[name_col(lang)] for fa in active.to_dict("records")}
    return html.Div(
        [
            html.Div([html.H1(t("home.heading", lang)), html.P(t("home.intro", lang, plan=plan), className="lead"),
                      None if on_stage else board_view.status_legend(lang)],
                     className="board-cover"),
            None if on_stage else board_view.toolbar("/", query, lang),
            dbc.Row([dbc.Col(board_view.focus_card(fa, hs, names, lang, query, print_charts(fa, hs)),
                             lg=6, xxl=4, className="mb-3 focus-col")
                     for fa in active.to_dict("records") for hs in [headlines(fa["id"])]], className="focus-cards"),
            html.Section(
                [html.H2(t("home.closed", lang), className="h4 mt-4"),
                 *[board_view.closed_item(fa, lang, query) for fa in closed.to_dict("records")]],
                className="closed-section print-hide",
            ) if not closed.empty and not on_stage else None,
            board_view.presentation_nav("/", focus_ids, titles, query, lang) if on_stage else None,
        ],
        className="board-page board-presentation" if on_stage else "board-page",
    )
