"""The status rule (dashboard.status.assess) on crafted series: direction-only and quantified targets,
increase and decrease, the tolerance edges, and every way the data can be too thin."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.status import CODES, ICONS, NO_DATA, OFF_TRACK, ON_TRACK, RISK, assess, explanation, legend_entry


def target(**changes) -> dict:
    base = {"id": "x-mlr", "scope": "MLR", "direction": "increase", "baseline_period": 2015, "baseline_value": None,
            "target_period": 2018, "target_value": None, "tolerance_pct": 2.0}
    return {**base, **changes}


def frame(values: dict[int, float | None]) -> pd.DataFrame:
    return pd.DataFrame({"period": list(values), "value": [float("nan") if v is None else v for v in values.values()]})


# --- direction-only targets -------------------------------------------------------------------------

def test_long_term_target_is_assessed_to_the_latest_year_and_says_how_old_the_data_is() -> None:
    long_term = target(target_period=None)
    s = assess({2015: 70.0, 2018: 71.0, 2021: 74.0}, long_term, unit="procent", today=date(2026, 12, 2))
    assert s.numbers["year"] == 2021 and s.span == "2015\u21922021" and s.code == ON_TRACK
    assert s.reason_sv.endswith("Senaste år med data är 2021, 5 år sedan.")
    assert s.reason_en.endswith("The latest year with data is 2021, 5 years ago.")
    fresh = assess({2015: 70.0, 2025: 74.0}, long_term, unit="procent", today=date(2026, 12, 2))
    assert "år sedan" not in fresh.reason_sv
    with pytest.raises(ValueError, match="needs target_period"):
        from etl.catalog import Target

        Target(id="x", indicator_id="x", focus_area_id="x", scope="MLR", direction="increase", baseline_period=2015,
               target_period=None, target_value=5.0, basis_sv="x", basis_en="x")


def test_increase_beyond_tolerance_is_on_track_with_reason_in_both_languages() -> None:
    s = assess({2015: 100, 2016: 105, 2017: 112}, target(), unit="lägenheter", decimals=0, today=date(2018, 3, 1))
    assert s.code == ON_TRACK and s.span == "2015\u21922017"
    assert s.label_sv == "På väg mot målet" and s.label_en == "On track"
    assert s.reason_sv == "+12\u00a0% från 2015 till 2017, målet är ökning."
    assert s.reason_en == "+12% from 2015 to 2017; the target is an increase."
    assert s.numbers["rule"] == "direction"
    assert s.numbers["baseline_value"] == 100 and s.numbers["year"] == 2017
    assert s.numbers["change_pct"] == pytest.approx(12.0)


def test_within_tolerance_is_risk_on_both_sides() -> None:
    up = assess({2015: 100, 2018: 101.9}, target())
    down = assess({2015: 100, 2018: 98.1}, target())
    edge = assess({2015: 100, 2018: 102}, target())  # exactly at the tolerance: not "beyond" it
    assert up.code == down.code == edge.code == RISK
    assert "inom ±2\u00a0%" in up.reason_sv and "within ±2%" in up.reason_en


def test_beyond_tolerance_the_wrong_way_is_off_track() -> None:
    s = assess({2015: 100, 2018: 90}, target())
    assert s.code == OFF_TRACK
    assert s.reason_sv.startswith("\u221210\u00a0% från 2015 till 2018")


def test_decrease_target_mirrors_the_rule() -> None:
    dec = target(direction="decrease")
    assert assess({2015: 6.0, 2018: 5.0}, dec).code == ON_TRACK
    assert assess({2015: 6.0, 2018: 6.06}, dec).code == RISK
    assert assess({2015: 6.0, 2018: 7.0}, dec).code == OFF_TRACK


def test_percentages_also_get_percentage_points() -> None:
    s = assess({2015: 6.0, 2018: 5.1}, target(direction="decrease"), unit="procent", decimals=1, today=date(2019, 1, 1))
    assert s.reason_sv == "\u22120,9 procentenheter (\u221215\u00a0%) från 2015 till 2018, målet är minskning."
    assert s.reason_en.startswith("\u22120.9 percentage points (\u221215%) from 2015 to 2018")


def test_assessed_at_the_target_year_when_it_has_a_value_else_the_latest() -> None:
    later = {2015: 100, 2018: 110, 2020: 90}
    assert assess(later, target()).numbers["year"] == 2018
    gap = {2015: 100, 2017: 110, 2020: 90}  # no 2018 value: the latest after the base year
    assert assess(gap, target()).numbers["year"] == 2020
    assert assess(gap, target()).code == OFF_TRACK


def test_a_fixed_baseline_value_wins_over_the_data() -> None:
    s = assess({2015: 100, 2018: 104}, target(baseline_value=110.0))
    assert s.numbers["baseline_value"] == 110 and s.code == OFF_TRACK


def test_frame_input_with_missing_values() -> None:
    s = assess(frame({2014: 90, 2015: 100, 2016: None, 2017: 120}), target())
    assert s.code == ON_TRACK and s.numbers["year"] == 2017


# --- quantified targets: the straight trajectory -----------------------------------------------------

def test_quantified_target_compares_with_the_trajectory() -> None:
    goal = target(target_value=150.0, target_period=2020)  # trajectory: 100 in 2015 -> 150 in 2020, 10 a year
    on = assess({2015: 100, 2018: 131}, goal, decimals=0)
    risk = assess({2015: 100, 2018: 128}, goal, decimals=0)  # 1.5 % below the trajectory's 130
    off = assess({2015: 100, 2018: 120}, goal, decimals=0)
    assert (on.code, risk.code, off.code) == (ON_TRACK, RISK, OFF_TRACK)
    assert on.numbers["rule"] == "trajectory" and on.numbers["trajectory"] == pytest.approx(130)
    assert risk.numbers["deviation_pct"] == pytest.approx(-1.538, abs=1e-3)
    assert "målbanans 130" in off.reason_sv and "utanför toleransen ±2\u00a0%" in off.reason_sv
    assert "trajectory's 130" in off.reason_en


def test_quantified_decrease_and_the_trajectory_stays_flat_after_the_target_year() -> None:
    goal = target(direction="decrease", target_value=4.0, target_period=2019)  # 6.0 -> 4.0 over four years
    assert assess({2015: 6.0, 2017: 5.0}, goal).code == ON_TRACK  # trajectory 5.0
    assert assess({2015: 6.0, 2017: 5.05}, goal).code == RISK
    late = assess({2015: 6.0, 2021: 4.5}, goal)  # no 2019 value; after the target year the target itself counts
    assert late.numbers["trajectory"] == pytest.approx(4.0) and late.code == OFF_TRACK


# --- too little data ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "values,kwargs,fragment",
    [
        ({2016: 3.0}, {}, "Inget värde för basåret 2015 (MLR)."),
        ({2014: 4.0, 2015: 5.0}, {}, "Inget värde efter basåret 2015 (MLR)."),
        ({}, {}, "Inga värden för MLR i källorna."),
        ({}, {"aggregation": "none"}, "Inget värde för MLR som helhet"),
        ({2015: None, 2017: None}, {"incomplete": True}, "värden saknas för några medlemskommuner"),
        ({2015: 0.0, 2018: 5.0}, {}, "Basvärdet 2015 är 0"),
    ],
)
def test_too_little_data_says_why(values, kwargs, fragment) -> None:
    s = assess(values, target(), **kwargs)
    assert s.code == NO_DATA and s.label_sv == "Underlag saknas" and s.label_en == "No data"
    assert fragment in s.reason_sv and s.reason_en


def test_no_target_is_no_assessment() -> None:
    s = assess({2015: 1.0, 2020: 2.0}, None)
    assert s.code == NO_DATA and "Inget mål" in s.reason_sv and "No target" in s.reason_en


def test_municipal_scope_is_named_in_the_reason() -> None:
    s = assess({}, target(scope="1280"), scope_name="Malmö")
    assert s.reason_sv == "Inga värden för Malmö i källorna."


# --- presentation of the rule ---------------------------------------------------------------------------

def test_every_status_has_its_own_icon_and_labels() -> None:
    assert len(set(ICONS.values())) == len(CODES)
    for code in CODES:
        entry = legend_entry(code)
        assert entry.label("sv") and entry.label("en") and entry.icon.startswith("bi-")


def test_explanation_describes_the_rule_in_both_languages() -> None:
    for lang in ("sv", "en"):
        paragraphs = explanation(lang)
        assert len(paragraphs) >= 4 and all(p.strip() for p in paragraphs)
    text = " ".join(explanation("sv"))
    assert "målbana" in text and "toleransen" in text and "Underlag saknas" in text
