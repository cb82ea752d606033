"""/jamfor without a browser: state from the URL, measures against independent arithmetic on the
database, MLR totals with changing membership, gaps, figures, summaries and the CSV."""

from __future__ import annotations

import io
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import compare, db
from dashboard.i18n import EN, SV

MEMBERS_2018 = ["1230", "1231", "1233", "1261", "1262", "1263", "1267", "1280", "1281", "1285", "1287"]
SKURUP = "1264"


@pytest.fixture
def cat(built_db: Path, monkeypatch: pytest.MonkeyPatch) -> compare.Catalog:
    monkeypatch.setattr(db, "_db", db.Database(built_db))
    return compare.catalog()


@pytest.fixture(scope="module")
def sql(built_db: Path):
    """Independent arithmetic straight from the tables, not through dashboard code."""
    con = duckdb.connect(str(built_db), read_only=True)

    def run(query: str, *args: object) -> pd.DataFrame:
        return con.execute(query, list(args)).df()

    yield run
    con.close()


def view_for(cat: compare.Catalog, **args: str) -> compare.View:
    return compare.compute(compare.resolve(args, cat), cat)


def by_key(frame: pd.DataFrame) -> dict[tuple[str, int], float]:
    return {(r.region_code, int(r.period)): r.value for r in frame.itertuples()}


# ---------------------------------------------------------------- measures against the database


def test_per1000_is_value_over_population_of_the_same_year(cat, sql) -> None:
    view = view_for(cat, indicator="housing_completions", measure="per1000", **{"from": "2012", "to": "2020"})
    expected = sql("""
        SELECT h.region_code, h.period, h.value / p.value * 1000 AS value
        FROM series h JOIN series p ON p.region_code = h.region_code AND p.period = h.period
        WHERE h.indicator_id = 'housing_completions' AND p.indicator_id = 'population'
          AND h.period BETWEEN 2012 AND 2020""")
    got = by_key(view.data)
    assert len(got) == 15 * 9
    for (code, year), value in by_key(expected).items():
        assert got[(code, year)] == pytest.approx(value, rel=1e-12), (code, year)
    lund = sql("SELECT value FROM observation WHERE indicator_id='housing_completions' AND region_code='1281' "
               "AND period=2018")["value"].iloc[0]
    pop = sql("SELECT value FROM observation WHERE indicator_id='population' AND region_code='1281' "
              "AND period=2018")["value"].iloc[0]
    assert got[("1281", 2018)] == pytest.approx(lund / pop * 1000)
    assert set(view.csv["measure"]) == {"per1000"}
    assert set(view.csv["unit"]) == {"lägenheter per 1 000 invånare"}


def test_index_is_value_over_own_base_year_value(cat, sql) -> None:
    view = view_for(cat, indicator="unemployment_rate", measure="index", base="2015",
                    **{"from": "2013", "to": "2024"})
    assert view.state.base == 2015
    rows = sql("SELECT region_code, period, value FROM series WHERE indicator_id='unemployment_rate' "
               "AND period BETWEEN 2013 AND 2024")
    base = rows[rows["period"] == 2015].set_index("region_code")["value"]
    got = by_key(view.data)
    for r in rows.itertuples():
        assert got[(r.region_code, r.period)] == pytest.approx(r.value / base[r.region_code] * 100, rel=1e-12)
    assert all(got[(c, 2015)] == pytest.approx(100) for c in base.index)
    assert view.csv["base_year"].eq(2015).all() and view.unit == "index, 2015 = 100"


def test_share_of_mlr_total_counts_only_members_of_that_year(cat, sql) -> None:
    view = view_for(cat, indicator="housing_completions", measure="share", **{"from": "2016", "to": "2021"})
    got = view.data.set_index(["region_code", "period"])["value"]
    total = sql("SELECT period, value FROM series WHERE indicator_id='housing_completions' AND region_code='MLR' "
                "AND period BETWEEN 2016 AND 2021").set_index("period")["value"]
    malmo = sql("SELECT period, value FROM observation WHERE indicator_id='housing_completions' "
                "AND region_code='1280' AND period BETWEEN 2016 AND 2021").set_index("period")["value"]
    for year in range(2016, 2022):
        assert got[("1280", year)] == pytest.approx(malmo[year] / total[year] * 100)
        members = MEMBERS_2018 + ([SKURUP] if year >= 2019 else [])
        assert sum(got[(c, year)] for c in members) == pytest.approx(100)
    assert all(math.isnan(got[(SKURUP, y)]) for y in (2016, 2017, 2018))  # not a member yet
    assert not math.isnan(got[(SKURUP, 2019)])
    assert not set(view.names) & {"MLR", "12", "00"}  # 100 % and not-a-part are not drawn
    assert any("Skurup ingår från 2019" in n for n in view.notes)


def test_mlr_population_follows_membership(cat, sql) -> None:
    view = view_for(cat, indicator="population", region="MLR", **{"from": "2017", "to": "2020"})
    got = view.data.set_index("period")["value"]
    pop = sql("SELECT region_code, period, value FROM observation WHERE indicator_id='population' "
              "AND period IN (2018, 2019)")
    for year, members in ((2018, MEMBERS_2018), (2019, [*MEMBERS_2018, SKURUP])):
        rows = pop[pop["period"] == year]
        expected = rows.loc[rows["region_code"].isin(members), "value"].sum()
        assert got[year] == pytest.approx(expected)
    all_twelve = pop.loc[(pop["period"] == 2018) & pop["region_code"].isin([*MEMBERS_2018, SKURUP]), "value"].sum()
    assert got[2018] < all_twelve  # the product leaves Skurup out in 2018, not just the test's list
    assert list(view.notes) == ["MLR-totalen räknas med varje års medlemmar: Skurup ingår från 2019."]


def test_per1000_for_mlr_divides_by_the_same_years_membership(cat, sql) -> None:
    view = view_for(cat, indicator="housing_completions", measure="per1000", region="MLR",
                    **{"from": "2018", "to": "2019"})
    got = view.data.set_index("period")["value"]
    obs = sql("SELECT indicator_id, region_code, period, value FROM observation WHERE period IN (2018, 2019) "
              "AND indicator_id IN ('housing_completions', 'population')")
    for year, members in ((2018, MEMBERS_2018), (2019, [*MEMBERS_2018, SKURUP])):
        rows = obs[(obs["period"] == year) & obs["region_code"].isin(members)]
        done = rows.loc[rows["indicator_id"] == "housing_completions", "value"].sum()
        pop = rows.loc[rows["indicator_id"] == "population", "value"].sum()
        assert got[year] == pytest.approx(done / pop * 1000)


# ---------------------------------------------------------------- gaps


def test_gaps_stay_nan_through_measures_figures_and_csv(cat) -> None:
    frame = pd.DataFrame({
        "region_code": ["1280", "1280", "1281", "1281", "MLR", "MLR"],
        "period": [2015, 2017, 2015, 2016, 2015, 2016],  # 1280 has no 2016 row, 1281 a NULL in 2016
        "value": [10.0, 30.0, 5.0, np.nan, 20.0, 40.0],
        "status": ["final", "final", "final", "missing", "final", "final"],
        "source": ["s"] * 6, "retrieved_at": [pd.Timestamp("2026-01-01")] * 6,
    })
    grid = compare.complete_grid(frame, ["1280", "1281", "MLR"], 2015, 2017)
    assert len(grid) == 9 and grid["value"].isna().sum() == 4
    assert grid.set_index(["region_code", "period"]).loc[("1280", 2016), "status"] == "missing"
    for measure, kw in (("abs", {}), ("index", {"base": 2015}), ("share", {})):
        out = compare.measure_frame(grid, measure, population=None, memberships=cat.memberships,
                                    meta={"per_capita": True, "aggregation": "sum"}, base=kw.get("base"))
        values = out.set_index(["region_code", "period"])["value"]
        assert math.isnan(values[("1280", 2016)]) and math.isnan(values[("1281", 2016)])
        assert not (values.fillna(-1) == 0).any(), measure  # never a zero for a gap
    names = {"1280": "Malmö", "1281": "Lund", "MLR": "MalmöLundregionen"}
    line = compare.line_figure(grid, names, focus="1281", unit="st", decimals=0, lang="sv")
    malmo = next(tr for tr in line.data if tr.meta["region_code"] == "1280")
    assert list(malmo.x) == [2015, 2016, 2017] and list(malmo.y) == [10.0, None, 30.0]
    assert all(tr.connectgaps is False for tr in line.data)
    heat = compare.heatmap_figure(grid, names, focus=None, unit="st", decimals=0, lang="sv", years=[2015, 2016, 2017])
    assert heat.data[0].z[0][1] is None and heat.data[0].text[0][1] == "saknas"
    assert heat.data[0].hoverongaps is True
    year = grid[grid["period"] == 2016]
    bars = compare.ranking_figure(year, names, focus=None, unit="st", decimals=0, lang="sv", same_scale=True)
    assert list(bars.data[0].x) == [None, None]
    assert [a.text for a in bars.layout.annotations] == ["saknas", "saknas"]
    state = compare.resolve({"indicator": "housing_completions"}, cat)
    measured = compare.measure_frame(grid, "abs", population=None, base=None, memberships=cat.memberships,
                                     meta={"per_capita": True, "aggregation": "sum"})
    csv = compare.csv_frame(measured, names, cat.indicator("housing_completions"), state, "st")
    text = csv.to_csv(index=False)
    assert pd.read_csv(io.StringIO(text))["value"].isna().sum() == 4


def test_gaps_in_the_database_are_gaps_on_screen(cat) -> None:
    view = view_for(cat, indicator="settlement_quota", view="heatmap")
    assert view.data["value"].isna().any()
    z = view.figure.data[0].z
    assert sum(v is None for row in z for v in row) == view.data["value"].isna().sum()
    assert "saknar värde" in view.summary


# ---------------------------------------------------------------- URL state


def test_malformed_url_falls_back_with_a_notice_per_parameter(cat) -> None:
    state = compare.resolve({"indicator": "nope", "region": "1280,XX", "measure": "bogus", "from": "abc",
                             "to": "1800", "base": "x", "view": "pie", "focus": "9999", "lang": "en"}, cat)
    params = [p for p, _ in state.notices]
    assert params == ["indicator", "region", "measure", "from", "to", "base", "view", "focus"]
    assert (state.indicator, state.regions, state.measure, state.view, state.focus, state.lang) == (
        "housing_completions", ("1280",), "abs", "line", None, "en")
    assert (state.first, state.last) == (2011, 2024)
    lines = [compare.notice_text(p, m, "sv") for p, m in state.notices]
    assert lines[2] == "Mått (measure): okänt mått ”bogus”; absoluta tal visas"
    assert lines[7].startswith("Framhäv kommun (focus): okänd kommun ”9999”")
    english = compare.notice_text("view", "unknown view 'pie'; allowed: line", "en")
    assert english.startswith("View (view): unknown view")


def test_measure_that_makes_no_sense_falls_back(cat) -> None:
    state = compare.resolve({"indicator": "unemployment_rate", "measure": "per1000"}, cat)
    assert state.measure == "abs" and [p for p, _ in state.notices] == ["measure"]
    state = compare.resolve({"indicator": "unemployment_rate", "measure": "share"}, cat)
    assert state.measure == "abs"


def test_period_outside_data_and_base_outside_period(cat) -> None:
    state = compare.resolve({"indicator": "housing_completions", "from": "1990", "to": "2030"}, cat)
    assert (state.first, state.last) == (2011, 2024) and [p for p, _ in state.notices] == ["from", "to"]
    state = compare.resolve({"indicator": "housing_completions", "measure": "index", "from": "2015",
                             "to": "2020", "base": "2012"}, cat)
    assert state.base == 2015 and [p for p, _ in state.notices] == ["base"]
    state = compare.resolve({"indicator": "housing_completions", "measure": "index"}, cat)
    assert state.base == 2011 and not state.notices


def test_query_string_round_trip(cat) -> None:
    state = compare.resolve({"indicator": "housing_completions", "region": "00,1281,mlr,1280", "measure": "index",
                             "from": "2014", "to": "2022", "base": "2016", "view": "small", "focus": "1264",
                             "lang": "en"}, cat)
    query = compare.to_query(state)
    assert query == ("?indicator=housing_completions&region=1281,1280,1264,MLR,00&measure=index&from=2014&to=2022"
                     "&base=2016&view=small&focus=1264&lang=en")
    assert compare.resolve(compare.query_args(query), cat) == state


def test_controls_follow_the_moved_control(cat) -> None:
    controls = {"indicator": "settlement_quota", "munis": ["1280"], "bench": ["MLR"], "measure": "abs",
                "first": 2011, "last": 2024, "base": None, "view": "line", "focus": None}
    args = compare.controls_args(controls, "sv", "indicator")
    assert "from" not in args and "to" not in args  # a new indicator starts on its own period
    assert compare.resolve(args, cat).first == 2016
    args = compare.controls_args({**controls, "first": 2020, "last": 2015}, "sv", "from")
    assert (args["from"], args["to"]) == ("2020", "2020")
    args = compare.controls_args({**controls, "first": "x", "munis": "1280", "bench": [None, 7]}, "sv", None)
    assert "from" not in args and args["region"] == ""


def test_quick_picks(cat) -> None:
    assert compare.quick_pick("all", "housing_completions", None, cat) == (cat.members, None)
    assert len(cat.members) == 12
    chosen, focus = compare.quick_pick("responsible", "housing_completions", "1281", cat)
    assert sorted(chosen) == ["1230", "1233", "1261", "1280"] and focus is None
    chosen, focus = compare.quick_pick("one", "housing_completions", None, cat)
    assert chosen == cat.members and focus == "1261"  # first responsible, alphabetically Kävlinge
    assert compare.quick_pick("responsible", "population", None, cat)[0] == cat.members


# ---------------------------------------------------------------- views, summaries, CSV


def test_ranking_summary_names_highest_and_lowest(cat, sql) -> None:
    rows = sql("""
        SELECT h.region_code, h.value / p.value * 1000 AS v FROM observation h JOIN observation p
          ON p.region_code = h.region_code AND p.period = h.period AND p.indicator_id = 'population'
        WHERE h.indicator_id = 'housing_completions' AND h.period = 2018 AND length(h.region_code) = 4
        ORDER BY v DESC""")
    focus = rows["region_code"].iloc[4]
    view = view_for(cat, indicator="housing_completions", measure="per1000", view="ranking", to="2018", focus=focus)
    names = cat.names("sv")
    top, bottom = rows.iloc[0], rows.iloc[-1]
    assert view.year == 2018
    assert view.summary.startswith(f"{names[top.region_code]} hade det högsta värdet år 2018")
    assert f"{names[bottom.region_code]} det lägsta" in view.summary
    assert f"{names[focus]} låg på plats 5 av 12" in view.summary
    bars = view.figure.data[0]
    assert list(bars.customdata) == list(rows["region_code"])
    assert [s.name.split(":")[0] for s in view.figure.layout.shapes] == ["MalmöLundregionen", "Skåne län", "Riket"]
    assert set(view.csv["period"]) == {2018}


def test_line_csv_is_exactly_the_plotted_numbers(cat) -> None:
    view = view_for(cat, indicator="housing_completions", measure="per1000", focus="1281", lang="en")
    csv = pd.read_csv(io.StringIO(view.csv.to_csv(index=False)), dtype={"region_code": str})
    for trace in view.figure.data:
        rows = csv[csv["region_code"] == trace.meta["region_code"]]
        assert list(rows["period"]) == list(trace.x)
        assert np.allclose(rows["value"], [np.nan if v is None else v for v in trace.y], equal_nan=True, rtol=1e-15)
    assert set(csv["unit"]) == {"dwellings per 1,000 inhabitants"} and set(csv["measure"]) == {"per1000"}
    focus = next(tr for tr in view.figure.data if tr.meta["region_code"] == "1281")
    quiet = next(tr for tr in view.figure.data if tr.meta["region_code"] == "1280")
    assert focus.line.width > quiet.line.width and focus.line.color != quiet.line.color
    assert view.figure.data[-1] is focus  # drawn on top


def test_absolute_counts_put_skane_and_sweden_on_their_own_axis(cat) -> None:
    view = view_for(cat, indicator="housing_completions")
    axes = {tr.meta["region_code"]: tr.yaxis for tr in view.figure.data}
    assert axes["12"] == axes["00"] == "y2" and axes["1280"] == axes["MLR"] == "y"
    rate = view_for(cat, indicator="unemployment_rate")
    assert {tr.yaxis for tr in rate.figure.data} == {"y"}


def test_every_view_builds_for_every_indicator(cat) -> None:
    for ind in cat.indicators.index:
        for view in compare.VIEWS:
            result = view_for(cat, indicator=ind, view=view)
            assert result.summary and result.summary.endswith(".")
            if result.figure is not None:
                assert len(result.csv) == len(result.data[result.data["region_code"].isin(result.names)])
                # built without validation for speed: validate once here (a misspelt property raises)
                go.Figure(result.figure.to_dict())


def test_every_measure_and_view_builds_valid_figures(cat) -> None:
    units = {"abs": "lägenheter", "per1000": "lägenheter per 1 000 invånare", "index": "index, 2011 = 100",
             "share": "% av MLR-totalen"}
    for measure in ("abs", "per1000", "index", "share"):
        for view in compare.VIEWS:
            result = view_for(cat, indicator="housing_completions", measure=measure, view=view, focus="1264")
            assert (result.state.measure, result.state.view, result.state.notices) == (measure, view, ())
            assert result.unit == units[measure] and set(result.csv["measure"]) == {measure}
            assert result.figure is not None and len(result.figure.data) >= 1
            assert result.summary.endswith(".")
            go.Figure(result.figure.to_dict())  # raises on a misspelt property
            if view in ("line", "small"):  # one trace per region drawn, the focus among them
                drawn = {tr.meta["region_code"] for tr in result.figure.data if tr.meta}
                assert drawn == set(result.names) and "1264" in drawn


def test_small_multiples_share_a_scale(cat) -> None:
    view = view_for(cat, indicator="housing_completions", measure="per1000", view="small")
    fig = view.figure
    assert len([tr for tr in fig.data if tr.meta]) == 15
    matches = {fig.layout[f"yaxis{i}"].matches for i in range(2, 16)}
    assert matches == {"y"}
    absolute = view_for(cat, indicator="housing_completions", view="small").figure
    assert absolute.layout["yaxis15"].matches is None  # Riket on its own scale in absolute numbers
    assert "egen skala" in absolute.layout.annotations[-1].text


def test_compare_strings_exist_in_both_languages(cat) -> None:
    keys = [k for k in SV if k.startswith("compare.")]
    assert len(keys) > 80 and all(k in EN for k in keys)
    # the page really speaks the language asked for: the same view in English has no Swedish text
    sv = view_for(cat, indicator="housing_completions", measure="share")
    en = view_for(cat, indicator="housing_completions", measure="share", lang="en")
    assert sv.summary.startswith("Lund hade det högsta värdet år 2024")
    assert en.summary.startswith("In 2024, Lund had the highest value")
    assert en.unit != sv.unit and "MLR" in en.unit
    assert "The MLR total counts each year's members: Skurup included from 2019." in en.notes
    assert not any(w in " ".join([en.summary, *en.notes]) for w in (" hade ", " ingår ", " och ", "värde"))


# ---------------------------------------------------------------- regions outside MLR (the search list)

HELSINGBORG = "1283"
HALLAND = "13"


def test_search_list_holds_every_other_municipality_and_county(cat) -> None:
    others = cat.others
    assert len(others) == 290 - 12 + 20  # the other municipalities and every county but Skåne
    assert HELSINGBORG in others and HALLAND in others
    assert not set(others) & set(cat.municipalities)
    assert not set(others) & {"MLR", "12", "00"}
    assert cat.names("sv")[HELSINGBORG] == "Helsingborg"
    municipal = [c for c in others if c != HALLAND and len(c) == 4]
    assert others[: len(municipal)] == municipal  # municipalities A–Ö first, then the counties
    assert cat.is_member("1280") and not cat.is_member(HELSINGBORG) and not cat.is_member(HALLAND)


def test_non_member_in_the_url_goes_to_the_search_list_and_round_trips(cat) -> None:
    state = compare.resolve({"indicator": "employment_rate", "region": "1283,1280"}, cat)
    assert state.regions == ("1280", HELSINGBORG) and state.notices == ()
    assert compare.split_regions(state.regions, cat) == {"munis": ["1280"], "bench": [], "others": [HELSINGBORG]}
    query = compare.to_query(state)
    assert "region=1280,1283" in query
    assert compare.resolve(compare.query_args(query), cat) == state
    controls = {"indicator": "employment_rate", "munis": ["1280"], "bench": ["MLR"], "others": [HELSINGBORG, 5],
                "measure": "abs", "view": "line", "focus": compare.NO_FOCUS}
    args = compare.controls_args(controls, "sv", None)
    assert args["region"] == "1280,MLR,1283"
    assert compare.resolve(args, cat).regions == ("1280", "MLR", HELSINGBORG)


def test_skane_pick_chooses_all_33_municipalities(cat) -> None:
    assert len(cat.skane) == 33 and HELSINGBORG in cat.skane
    munis, others, focus = compare.pick("skane", "employment_rate", "1281", [HALLAND], cat)
    assert munis == cat.municipalities and focus == "1281"
    assert HELSINGBORG in others and HALLAND not in others
    assert sorted(munis + others) == sorted(cat.skane)
    args = compare.controls_args({"indicator": "employment_rate", "munis": munis, "others": others}, "sv", None)
    state = compare.resolve(args, cat)
    assert state.notices == () and sorted(state.regions) == sorted(cat.skane)
    # the other picks leave the search list alone
    assert compare.pick("all", "employment_rate", None, [HALLAND, "bogus"], cat) == (cat.members, [HALLAND], None)


def test_non_member_is_drawn_as_a_municipality_not_a_benchmark(cat) -> None:
    view = view_for(cat, indicator="employment_rate", region="1283,1280,MLR")
    traces = {tr.name: tr for tr in view.figure.data}
    assert set(traces) == {"Malmö", "Helsingborg", "MalmöLundregionen"}
    helsingborg, malmo = traces["Helsingborg"], traces["Malmö"]
    assert helsingborg.meta["region_code"] == HELSINGBORG
    assert helsingborg.line.color != malmo.line.color and helsingborg.marker.symbol != malmo.marker.symbol
    assert helsingborg.line.dash is None and helsingborg.line.width == malmo.line.width
    assert helsingborg.line.color != traces["MalmöLundregionen"].line.color
    assert list(view.names) == ["1280", "MLR", HELSINGBORG]
    assert "Helsingborg" in view.summary or "Malmö" in view.summary


def test_share_of_the_mlr_total_is_for_members_only(cat) -> None:
    view = view_for(cat, indicator="newly_arrived_enrolled", region="1280,1283,13", measure="share")
    assert view.state.measure == "share"
    assert set(view.names) == {"1280"}
    assert any("Helsingborg" in n and "Region Halland" in n and "medlemskommuner" in n for n in view.notes)
    frame = pd.DataFrame({"region_code": ["1280", HELSINGBORG, HALLAND, "MLR"], "period": [2018] * 4,
                          "value": [10.0, 10.0, 10.0, 100.0], "status": "ok"})
    frame["value_abs"] = frame["value"]
    out = compare.measure_frame(frame, "share", population=None, base=None,
                                meta={"per_capita": False, "aggregation": "sum"}, memberships=cat.memberships)
    got = dict(zip(out["region_code"], out["value"], strict=True))
    assert got["1280"] == pytest.approx(10.0)
    assert math.isnan(got[HELSINGBORG]) and math.isnan(got[HALLAND])


def test_other_counties_go_to_the_right_axis_when_totals_dwarf_municipalities(cat) -> None:
    view = view_for(cat, indicator="population", region="1280,1283,13", measure="abs")
    axes = {tr.meta["region_code"]: tr.yaxis for tr in view.figure.data}
    assert axes == {"1280": "y", HELSINGBORG: "y", HALLAND: "y2"}
