"""/data and /om in process: filters, file names, coverage gaps, the status rule section, the
accessibility statement and its contact setting."""

from __future__ import annotations

import json
import sys

import dash
import pandas as pd
import plotly
import pytest

from dashboard import config, dataset
from dashboard.params import ParamError


def page_layout(path: str):
    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    # A test that imports the page module itself (``from dashboard.pages import about``) registers the
    # page again, and Dash's entry loses its layout; the module's own layout is the same function.
    return page.get("layout") or sys.modules[page["module"]].layout


def rendered(component) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


# --- dataset ---------------------------------------------------------------------------------------


def test_year_ranges_and_member_years() -> None:
    assert dataset.year_ranges([2016, 2011, 2012, 2013]) == "2011–2013, 2016"
    assert dataset.year_ranges([2015]) == "2015"
    members = pd.DataFrame({"group_code": ["MLR", "MLR", "X"], "region_code": ["1280", "1264", "1280"],
                            "valid_from": [None, 2019, None], "valid_to": [None, None, 2015]})
    years = dataset.member_years(members, 2017, 2020)
    assert ("1264", 2018) not in years and ("1264", 2019) in years and len(years) == 4 + 2


def test_coverage_lists_member_years_without_value() -> None:
    members = pd.DataFrame({"group_code": ["MLR"] * 2, "region_code": ["1280", "1264"],
                            "valid_from": [None, 2019], "valid_to": [None, None]})
    cells = pd.DataFrame({"indicator_id": ["a"] * 4, "region_code": ["1280", "1280", "1264", "00"],
                          "period": [2017, 2019, 2020, 2020]})
    cov = dataset.coverage(cells, members, ["a", "b"])["a"]
    assert (cov.first, cov.last, cov.regions, cov.n_values) == (2017, 2020, ["00", "1264", "1280"], 4)
    assert cov.member_years == 4 + 2
    assert cov.missing == {"1280": [2018, 2020], "1264": [2019]}
    assert dataset.coverage(cells, members, ["b"])["b"].first is None


def test_lenient_and_strict_selection(app) -> None:
    cat = dataset.catalogue()
    sel = dataset.select({"indicator": "bogus,population", "from": "20x0", "region": "1280"}, cat, strict=False)
    assert sel.state.indicators == ["population"] and sel.state.first is None
    assert {p for p, _ in sel.notices} == {"indicator", "from"}
    assert sel.query() == {"indicator": "population", "region": "1280"}
    with pytest.raises(ParamError) as err:
        dataset.select({"indicator": "bogus"}, cat, strict=True)
    assert err.value.param == "indicator"
    focus = dataset.select({"focus": "bostadsbyggande"}, cat, strict=True)
    assert focus.all_indicators and focus.state.indicators == cat.focus_indicators["bostadsbyggande"]


@pytest.mark.parametrize("query,stem", [
    ({"indicator": "housing_starts", "from": "2015", "to": "2020"}, "mlr_housing_starts_2015-2020"),
    ({"indicator": "population", "region": "1280", "from": "2020", "to": "2020"}, "mlr_population_1280_2020"),
    ({"focus": "bostadsbyggande", "from": "2015", "to": "2016"}, "mlr_bostadsbyggande_2015-2016"),
    ({"indicator": "housing_completions", "measure": "per1000", "from": "2015", "to": "2016"},
     "mlr_housing_completions_per1000_2015-2016"),
    ({"indicator": "population,housing_completions,unemployment_rate", "from": "2015", "to": "2015"},
     "mlr_3-indicators_2015"),
])
def test_file_names_say_what_is_inside(app, query: dict, stem: str) -> None:
    cat = dataset.catalogue()
    sel = dataset.select(query, cat, strict=True)
    assert dataset.file_stem(sel, cat, dataset.observations(sel, cat)) == stem


def test_all_data_file_name_uses_the_data_years(app) -> None:
    cat = dataset.catalogue()
    sel = dataset.select({}, cat, strict=True)
    frame = dataset.observations(sel, cat)
    assert dataset.file_stem(sel, cat, frame) == f"mlr_all_{frame['period'].min()}-{frame['period'].max()}"


# --- /data ---------------------------------------------------------------------------------------------


def test_data_page_links_carry_the_filters(app) -> None:
    text = rendered(page_layout("/data")(indicator="population", region="1281,1280", **{"from": "2015", "to": "2020"}))
    assert "/api/v1/observations.csv?indicator=population&region=1281,1280&from=2015&to=2020" in text
    assert "/api/v1/observations.csv?indicator=population&region=1281,1280&from=2015&to=2020&format=excel-sv" in text
    assert "12 rader · 1 indikator · 2 områden · 2015–2020" in text


def test_data_page_reports_values_it_skipped(app) -> None:
    text = rendered(page_layout("/data")(indicator="nope", lang="en"))
    assert "were not recognised" in text and "indicator" in text


# --- /om -------------------------------------------------------------------------------------------------


def test_about_page_has_every_indicator_with_coverage_and_gaps(app) -> None:
    text = rendered(page_layout("/om")())
    for ind in dataset.catalogue().indicators.index:
        assert f"about-{ind}" in text
    assert "Alla medlemsår 2011–2024 har värden." in text  # unemployment_rate is complete
    assert "saknar värde" in text and "Inga värden för medlemskommunerna" in text
    assert "MalmöLundregionens totaler räknas fram" in text  # the method


def test_status_rule_rendered_if_the_module_provides_it(app, monkeypatch) -> None:
    from dashboard import status

    sv, en = status.explanation("sv"), status.explanation("en")
    assert len(sv) == len(en) == 6 and sv != en
    text = rendered(page_layout("/om")())
    assert "about-status-rule" in text
    for paragraph in sv:  # the real rule, every paragraph, in the page's language
        assert json.dumps(paragraph, ensure_ascii=False)[1:-1] in text, paragraph
    english = rendered(page_layout("/om")(lang="en"))
    for paragraph in en:
        assert json.dumps(paragraph, ensure_ascii=False)[1:-1] in english, paragraph
    assert json.dumps(sv[0], ensure_ascii=False)[1:-1] not in english
    monkeypatch.setitem(sys.modules, "dashboard.status", None)  # import now fails: no section
    text = rendered(page_layout("/om")())
    assert "about-status-rule" not in text and "Statusregeln" not in text


def test_accessibility_statement(app, monkeypatch) -> None:
    monkeypatch.delenv("MLR_CONTACT_EMAIL", raising=False)
    text = rendered(page_layout("/om")())
    assert "delvis förenlig" in text and "(2018:1937)" in text
    assert "https://www.digg.se/tdosanmalan" in text and "Anmäl bristande tillgänglighet till Digg" in text
    assert "MLR_CONTACT_EMAIL" in text and "mailto:" not in text
    assert "Bedömningen gjordes 20" in text and "Redogörelsen uppdaterades senast 20" in text
    monkeypatch.setenv("MLR_CONTACT_EMAIL", "tillganglighet@kommun.example")
    text = rendered(page_layout("/om")())
    assert "mailto:tillganglighet@kommun.example" in text and "inställningen MLR_CONTACT_EMAIL" not in text
    assert "partially compliant" in rendered(page_layout("/om")(lang="en"))


@pytest.mark.parametrize("value,expected", [
    ("sekretariat@kommun.example", "sekretariat@kommun.example"), ("", None), ("not-an-address", None),
    ("a@b", None), ('x"@y.se', None), ("a b@c.se", None),
])
def test_contact_email_setting(monkeypatch, value: str, expected: str | None) -> None:
    monkeypatch.setenv("MLR_CONTACT_EMAIL", value)
    assert config.contact_email() == expected
