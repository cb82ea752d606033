"""The board's figure builders and view helpers (dashboard.board, dashboard.presentation) on crafted
frames, and the overview and focus pages over the real database: target band, dashed projection,
activity markers, emphasis of the responsible municipalities, honest 'underlag saknas'."""

from __future__ import annotations

import json

import pandas as pd
import plotly
import pytest

from dashboard import board, presentation
from dashboard.status import NO_DATA, ON_TRACK, assess

NAMES = {"1280": "Malmö", "1281": "Lund", "1233": "Vellinge", "MLR": "MalmöLundregionen", "12": "Skåne län",
         "00": "Riket"}


def series(values: dict[int, float], region: str = "MLR") -> pd.DataFrame:
    return pd.DataFrame({"region_code": region, "period": list(values), "value": list(values.values())})


def regions_frame() -> pd.DataFrame:
    return pd.concat([
        series({2014: 5.0, 2015: 4.8, 2016: 4.6, 2017: 4.5}, "MLR"),
        series({2014: 6.0, 2015: 5.9, 2016: 5.5, 2017: 5.4}, "1280"),
        series({2014: 3.0, 2015: 3.1, 2016: 2.9, 2017: 2.8}, "1281"),
        series({2014: 2.0, 2015: 2.1, 2016: 2.0, 2017: 1.9}, "1233"),
        series({2014: 4.0, 2015: 4.0, 2016: 3.9, 2017: 3.8}, "12"),
    ], ignore_index=True)


DECREASE = {"direction": "decrease", "baseline_period": 2015, "target_period": 2020, "target_value": None,
            "tolerance_pct": 2.0, "scope": "MLR", "baseline_value": None}


def kinds(fig) -> list[str]:
    return [(tr.meta or {}).get("kind", "") for tr in fig.data]


# --- projection ----------------------------------------------------------------------------------------

def test_projection_is_an_ols_line_with_a_band_to_the_target_year() -> None:
    proj = board.project(series({2013: 10.0, 2014: 12.0, 2015: 14.0, 2016: 16.0, 2017: 18.0}), 2020)
    assert proj.made and proj.years == [2017, 2018, 2019, 2020]
    assert proj.slope == pytest.approx(2.0) and proj.values[-1] == pytest.approx(24.0)
    assert proj.lower == pytest.approx(proj.values) and proj.upper == pytest.approx(proj.values)  # a perfect line
    noisy = board.project(series({2013: 10.0, 2014: 13.0, 2015: 13.0, 2016: 17.0, 2017: 18.0}), 2020)
    widths = [hi - lo for lo, hi in zip(noisy.lower, noisy.upper, strict=True)]
    assert all(w > 0 for w in widths) and widths == sorted(widths)  # uncertainty grows with the horizon
    assert noisy.used == [2013, 2014, 2015, 2016, 2017]
    assert "2020" in noisy.note("sv") and "inte en prognos" in noisy.note("sv")


def test_projection_uses_at_most_the_last_five_values_and_is_floored() -> None:
    proj = board.project(series({y: float(100 - 20 * (y - 2010)) for y in range(2010, 2016)}), 2020)
    assert proj.used == [2011, 2012, 2013, 2014, 2015]
    assert min(proj.values + proj.lower) >= 0.0


@pytest.mark.parametrize(
    "values,to_year,key",
    [
        ({2015: 1.0, 2016: 2.0}, 2020, "board.proj.too_few"),
        ({2015: 1.0, 2016: 2.0, 2017: 3.0}, 2016, "board.proj.past"),
        ({2015: 1.0, 2016: 2.0, 2017: 3.0}, None, "board.proj.no_target"),
    ],
)
def test_projection_is_skipped_with_a_note(values, to_year, key) -> None:
    proj = board.project(series(values), to_year)
    assert not proj.made and proj.note_key == key and proj.note("sv") and proj.note("en")


# --- the focus chart -------------------------------------------------------------------------------------

def test_direction_target_draws_a_band_from_the_baseline() -> None:
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent", decimals=1, responsible=["1280"],
                             target=DECREASE, baseline=4.8)
    band = next(tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "target_band")
    assert band.fill == "toself" and band.meta["direction"] == "decrease"
    assert min(band.x) == 2015 and max(band.x) == 2020
    assert 4.8 in band.y and min(band.y) == 0.0  # from the baseline down, the direction of the target
    assert "minskning 2015–2020" in band.name
    baseline = next(tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "target_baseline")
    assert list(baseline.y) == [4.8, 4.8]


def test_quantified_target_draws_the_trajectory() -> None:
    goal = {**DECREASE, "target_value": 3.5}
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent", decimals=1, target=goal, baseline=4.8)
    path = next(tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "target_trajectory")
    assert list(path.x) == [2015, 2020] and list(path.y) == [4.8, 3.5] and path.line.dash == "dot"
    assert "target_band" not in kinds(fig)


def test_projection_trace_is_dashed_and_says_it_is_a_projection() -> None:
    proj = board.project(regions_frame().query("region_code == 'MLR'"), 2020)
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent", decimals=1, target=DECREASE, baseline=4.8,
                             projection=proj)
    line = next(tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "projection")
    band = next(tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "projection_band")
    assert line.line.dash == "dash" and "Framskrivning" in line.name
    assert band.fill == "toself" and "osäkerhet" in band.name
    assert fig.layout.xaxis.range[1] == pytest.approx(2020.5)


def test_responsible_municipalities_come_first_and_thicker_others_quieter() -> None:
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent", decimals=1, responsible=["1281"])
    regions = [tr for tr in fig.data if tr.meta and tr.meta.get("kind") == "region"]
    assert [tr.meta["region_code"] for tr in regions][:2] == ["MLR", "1281"]
    lund = next(tr for tr in regions if tr.meta["region_code"] == "1281")
    malmo = next(tr for tr in regions if tr.meta["region_code"] == "1280")
    assert lund.line.width > malmo.line.width and malmo.opacity < 1 and malmo.showlegend is False
    assert "legend_members" in kinds(fig)  # one legend entry stands for the quieter members


def test_chart_regions_leave_out_national_counts() -> None:
    assert "00" in board.chart_names(NAMES, "procent")
    assert "00" not in board.chart_names(NAMES, "lägenheter") and "MLR" in board.chart_names(NAMES, "lägenheter")


def test_empty_chart_says_so_and_still_shows_activities() -> None:
    acts = pd.DataFrame({"id": ["a", "b"], "year": [2017, 2019],
                         "title": ["Industrinatten 2017", "Industrinatten 2019"]})
    fig = board.focus_figure(regions_frame().iloc[0:0], NAMES, unit="personer", activities=acts)
    assert any(a.name == "empty" for a in fig.layout.annotations)
    assert sorted(s.x0 for s in fig.layout.shapes) == [2017, 2019]


def test_large_mode_for_presentation() -> None:
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent", large=True)
    assert fig.layout.font.size >= 18


def test_print_copy_is_sized_for_an_a4_column() -> None:
    fig = board.focus_figure(regions_frame(), NAMES, unit="procent")
    out = board.for_print(fig, 3)
    assert out["layout"]["width"] == (1047 - 2 * 23) // 3 and out["layout"]["height"] == board.PRINT_HEIGHT
    assert out["layout"]["legend"]["orientation"] == "h"
    assert fig.layout.width is None  # the screen figure is left as it was


# --- numbers behind the chart -------------------------------------------------------------------------------

def test_csv_and_table_hold_exactly_the_plotted_target_and_projection() -> None:
    proj = board.project(regions_frame().query("region_code == 'MLR'"), 2019)
    extras = board.extras_frame(DECREASE, 4.8, proj, "MLR")
    assert set(extras["measure"]) == {"target_baseline", "projection", "projection_lower_95", "projection_upper_95"}
    assert extras.loc[extras["measure"] == "target_baseline", "period"].tolist() == list(range(2015, 2021))
    plotted = pd.DataFrame({"indicator_id": "x", "region_code": "MLR", "region_name": "MLR", "period": [2017],
                            "value": [4.5], "unit": "procent", "measure": "abs", "status": "final", "source": "s"})
    csv = board.csv_frame(plotted, extras, {"id": "x", "unit": "procent"}, "MalmöLundregionen")
    assert list(csv.columns) == list(plotted.columns) and len(csv) == 1 + len(extras)
    table, cols = board.table_frame(regions_frame(), extras, NAMES, "sv")
    assert cols["_projection"] == "Framskrivning" and "_baseline" in set(table["region_code"])


def test_summary_sentence_names_value_and_status() -> None:
    status = assess(regions_frame().query("region_code == 'MLR'"), {**DECREASE, "target_period": 2017},
                    unit="procent")
    text = board.summary_sentence(regions_frame(), NAMES, "Arbetslösa", "procent", 1, status, "MLR")
    assert text.startswith("Arbetslösa: MalmöLundregionen 4,5 procent år 2017") and "på väg mot målet" in text
    empty = board.summary_sentence(regions_frame().iloc[0:0], NAMES, "Sökande", "personer", 0, None, "MLR")
    assert "underlag saknas" in empty


def test_sparkline_is_tiny_without_axes_and_has_a_text_equivalent() -> None:
    mlr = regions_frame().query("region_code == 'MLR'")
    fig = board.sparkline(mlr, status=ON_TRACK, baseline_period=2015)
    assert fig.layout.width <= 200 and fig.layout.height <= 60
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False and fig.layout.showlegend is False
    text = board.sparkline_text(mlr, "MLR", "procent", 1, "sv")
    assert text == "MLR 2014–2017: från 5,0 till 4,5 procent; lägst 4,5 (2017), högst 5,0 (2014)."


# --- presentation mode --------------------------------------------------------------------------------------

def test_presentation_steps_through_the_focus_areas_keeping_the_query() -> None:
    ids = ["a", "b", "c"]
    assert presentation.is_on("?lang=en&presentation=1") and not presentation.is_on("?presentation=0")
    assert presentation.applies("/") and presentation.applies("/fokus/b") and not presentation.applies("/jamfor")
    assert presentation.neighbours("/", ids) == (None, "/fokus/a")
    assert presentation.neighbours("/fokus/b", ids) == ("/fokus/a", "/fokus/c")
    assert presentation.neighbours("/fokus/c", ids) == ("/fokus/b", None)
    assert presentation.href("/fokus/b", {"lang": "en", "presentation": "1"}) == "/fokus/b?lang=en&presentation=1"
    assert presentation.href("/fokus/b", {"lang": "en", "presentation": "1"}, presentation=False) == "/fokus/b?lang=en"


# --- over the real database ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue(app):
    from dashboard import queries

    return {"acts": queries.activities(), "targets": queries.targets(),
            "inds": queries.indicators().set_index("id", drop=False)}


def test_industry_applicants_chart_marks_industrinatten_2017_and_2019(app, catalogue) -> None:
    from dashboard import queries

    ind = catalogue["inds"].loc["industry_programme_applicants"].to_dict()
    acts = board.activities_for(catalogue["acts"], "industry_programme_applicants")
    frame = queries.series(["industry_programme_applicants"], ["MLR", "1280", "1281", "12", "00"], 1900, 2100)
    names = {"MLR": "MalmöLundregionen", "1280": "Malmö", "1281": "Lund", "12": "Skåne län", "00": "Riket"}
    h = board.headline(ind, frame, board.pick_target(catalogue["targets"], ind["id"], "kompetensforsorjning"), names)
    parts = board.indicator_chart(h, ind, frame, names, ["1281"], acts, "sv")
    marks = {s.x0 for s in parts.figure.layout.shapes if (s.name or "").startswith("activity-")}
    assert {2017, 2019} <= marks
    labels = " ".join(a.text for a in parts.figure.layout.annotations)
    assert "Industrinatten" in labels
    assert h.status.code == NO_DATA  # the shipped data have no MLR value for it


def test_headlines_without_mlr_values_honestly_say_underlag_saknas(app, catalogue) -> None:
    from dashboard import queries

    names, names_sv, groups = board.board_regions(queries.regions(), "sv")
    cases = {"vocational_applicants": "kan inte räknas samman", "housing_starts": "Inga värden för MLR",
             "employment_rate_rams": None, "unemployment_18_64": None}
    frame = queries.series(list(cases), board.series_codes(names, groups), 1900, 2100)
    for ind_id, reason in cases.items():
        fa = catalogue["inds"].loc[ind_id, "focus_area_id"]
        h = board.headline(catalogue["inds"].loc[ind_id].to_dict(), frame[frame["indicator_id"] == ind_id],
                           board.pick_target(catalogue["targets"], ind_id, fa), names_sv, groups)
        if reason is None:
            assert h.status.code != NO_DATA and h.status.numbers["baseline_period"] == 2015
        else:
            assert h.status.code == NO_DATA and reason in h.status.reason_sv, (ind_id, h.status.reason_sv)


def test_every_active_focus_area_has_real_statuses_over_the_whole_follow_up(app, catalogue) -> None:
    """The board's question, answered on the shipped data: each active focus area has at least three
    headline indicators with values for all twelve members in eight or more years, at least two real
    statuses, each naming the years it compares, and the count of members moving the right way."""
    from dashboard import queries

    names, names_sv, groups = board.board_regions(queries.regions(), "sv")
    links = queries.focus_area_indicators()
    areas = queries.focus_areas()
    members = groups["MLR"]
    assert len(members) == 12 and len(groups["12"]) == 33 and len(groups["00"]) == 290
    for fa in areas[(areas["status"] == "active") & areas["is_current"]]["id"]:
        ids = list(links[(links["focus_area_id"] == fa) & links["headline"]]["indicator_id"])
        frame = queries.series(ids, board.series_codes(names, groups), 1900, 2100)
        full = 0
        real = 0
        for ind_id in ids:
            rows = frame[(frame["indicator_id"] == ind_id) & frame["region_code"].isin(members) & frame["value"].notna()]
            full += int((rows.groupby("period")["region_code"].nunique() == 12).sum() >= 8)
            h = board.headline(catalogue["inds"].loc[ind_id].to_dict(), frame[frame["indicator_id"] == ind_id],
                               board.pick_target(catalogue["targets"], ind_id, fa), names_sv, groups)
            if h.status.code == NO_DATA:
                continue
            real += 1
            base, year = h.status.numbers["baseline_period"], h.status.numbers["year"]
            assert h.status.span == f"{base}\u2192{year}" and year > base
            mlr = h.movers[0]
            assert mlr.group == "MLR" and mlr.total == 12 and mlr.compared >= 11
            assert f"medlemskommuner på väg mot målet ({base}\u2192{year}" in h.movers_text("sv")
            if ind_id != "housing_completions":  # SCB's counts are for the members only
                assert [m.group for m in h.movers] == ["MLR", "12", "00"]
                skane = h.movers[1]
                assert skane.total == 33 and skane.compared >= 30 and f"i Skåne {skane.right} av" in h.movers_text("sv")
        assert full >= 3, (fa, full)
        assert real >= 2, (fa, real)


def test_movers_count_the_municipalities_that_moved_the_right_way() -> None:
    from dashboard.status import assess, movers

    frame = pd.DataFrame({"region_code": ["a", "a", "b", "b", "c", "c", "d"],
                          "period": [2015, 2022, 2015, 2022, 2015, 2022, 2015],
                          "value": [10.0, 12.0, 10.0, 10.1, 10.0, 8.0, 10.0]})
    target = {"direction": "increase", "baseline_period": 2015, "target_period": None, "tolerance_pct": 2.0}
    status = assess({2015: 10.0, 2022: 11.0}, target)
    (m,) = movers(frame, {"MLR": ["a", "b", "c", "d"]}, target, status)
    # a rose 20 % (right way), b 1 % (inside the tolerance), c fell; d has no 2022 value
    assert (m.right, m.compared, m.total, m.base_year, m.year) == (1, 3, 4, 2015, 2022)
    assert m.text("sv") == "1 av 3 medlemskommuner på väg mot målet (2015\u21922022; 1 utan jämförbara värden)"


@pytest.mark.parametrize("path,query", [
    ("home", {}), ("home", {"lang": "en"}), ("home", {"presentation": "1"}),
    ("focus", {"focus_id": "sysselsattning"}), ("focus", {"focus_id": "kompetensforsorjning", "presentation": "1"}),
    ("focus", {"focus_id": "migration-integration", "lang": "en"}), ("focus", {"focus_id": "finns-inte"}),
])
def test_pages_build_with_status_labels_and_unique_ids(app, path, query) -> None:
    from dashboard.pages import focus, home

    layout = (home if path == "home" else focus).layout(**query)
    text = json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    ids = [m for m in _ids(json.loads(text))]
    assert len(ids) == len(set(ids)), ids
    if query.get("focus_id") == "migration-integration":  # closed: its final result, no status against targets
        assert "status-badge" not in text and "Final result" in text
    elif query.get("focus_id") != "finns-inte":
        assert "status-badge" in text and "status-on_track" in text or "status-off_track" in text
    if query.get("presentation"):
        assert "pres-next" in text or "pres-prev" in text


def _ids(node):
    if isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            yield props["id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value)


def test_the_employment_chart_shows_both_series_and_marks_the_break_never_splicing() -> None:
    rams = pd.DataFrame({"region_code": "MLR", "period": [2018, 2019, 2020, 2021], "value": [74.0, 74.5, 73.9, 75.0]})
    bas = pd.DataFrame({"region_code": "MLR", "period": [2020, 2021, 2022], "value": [75.9, 77.1, 78.4]})
    ind = {"id": "employment_rate_rams", "unit": "procent", "unit_en": "per cent", "decimals": 1,
           "name_sv": "RAMS", "name_en": "RAMS"}
    other = {"id": "employment_rate", "name_sv": "Sysselsättningsgrad (BAS)", "name_en": "Employment rate (BAS)"}
    parts = board.indicator_chart(None, ind, rams, {"MLR": "MalmöLundregionen"}, [], pd.DataFrame(), "sv",
                                  partner=(other, bas))
    kinds = [(tr.meta or {}).get("kind") for tr in parts.figure.data]
    assert kinds.count("region") == 1 and kinds.count("series_break") == 1
    line = next(tr for tr in parts.figure.data if (tr.meta or {}).get("kind") == "series_break")
    assert list(line.x) == [2020, 2021, 2022] and line.name == "MLR: Sysselsättningsgrad (BAS)"
    region = next(tr for tr in parts.figure.data if (tr.meta or {}).get("kind") == "region")
    assert list(region.x) == [2018, 2019, 2020, 2021]  # the RAMS line stops where RAMS stops
    shaded = [s for s in parts.figure.layout.shapes if s.name == "series-break"]
    assert len(shaded) == 1 and (shaded[0].x0, shaded[0].x1) == (2019.6, 2021.4)
    assert any("Seriebrott: båda serierna 2020–2021" == a.text for a in parts.figure.layout.annotations)


def test_only_substitutes_say_they_are_substitutes_and_the_plan_measure_says_how_it_is_filled(app) -> None:
    from dashboard.pages import focus

    skills = json.dumps(focus.layout(focus_id="kompetensforsorjning"), cls=plotly.utils.PlotlyJSONEncoder,
                        ensure_ascii=False)
    jobs = json.dumps(focus.layout(focus_id="sysselsattning"), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    assert "substitute-note" in skills and "plan-measure-note" in skills and "python -m etl import" in skills
    assert "substitute-note" not in jobs and "series-break-note" in jobs


def test_an_mlr_value_weighted_by_a_stand_in_denominator_is_called_an_approximation_where_shown(app) -> None:
    from dashboard import compare, model, queries
    from dashboard.board_view import headline_item

    inds = queries.indicators().set_index("id", drop=False)
    assert not model.approximated(inds.loc["housing_completions_per1000"].to_dict(), "MLR")  # summed counts
    assert not model.approximated(inds.loc["housing_completions"].to_dict(), "MLR")  # a sum
    assert model.approximated(inds.loc["employment_rate_rams"].to_dict(), "MLR")
    assert not model.approximated(inds.loc["employment_rate_rams"].to_dict(), "1280")
    names, names_sv, groups = board.board_regions(queries.regions(), "sv")
    frame = queries.series(["employment_rate_rams", "housing_completions_per1000"], list(names), 2010, 2100)
    targets = queries.targets()

    def html_of(ind_id: str, fa: str) -> str:
        h = board.headline(inds.loc[ind_id].to_dict(), frame[frame["indicator_id"] == ind_id],
                           board.pick_target(targets, ind_id, fa), names_sv)
        return json.dumps(headline_item(h, names, "sv"), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)

    assert "(approximation)" in html_of("employment_rate_rams", "sysselsattning")
    assert "(approximation)" not in html_of("housing_completions_per1000", "bostadsbyggande")
    cat = compare.catalog()
    state = compare.CompareState("employment_rate_rams", ("MLR", "1280"), "abs", 2015, 2021, None, "line", None, "sv")
    view = compare.build_view(state, cat, queries.series(["employment_rate_rams"], ["MLR", "1280"], 2015, 2021), None)
    assert any("approximation" in n for n in view.notes)


def test_om_lists_every_known_gap_with_why_and_how_it_is_filled(app) -> None:
    from dashboard.pages import about

    for lang, words in (("sv", ("Påbörjade bostäder per kommun", "python -m etl fetch --source scb",
                                "python -m etl import", "--regions all")),
                        ("en", ("Housing starts per municipality", "python -m etl fetch --source scb",
                                "python -m etl import", "--regions all"))):
        text = json.dumps(about.layout(lang=lang), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
        assert '"about-gaps"' in text and all(w in text for w in words), lang
        assert all(f'"gap-{key}"' in text for key in about.GAPS)
