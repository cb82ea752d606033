"""/jamfor in headless Chromium: crafted URLs draw the database's numbers, controls rewrite the URL,
back restores, a malformed URL shows its notice, and the CSV link carries the plotted numbers."""

from __future__ import annotations

import base64
import io
import urllib.parse

import duckdb
import pandas as pd
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.a11y import axe_violations

pytestmark = pytest.mark.browser

GRAPH = "#cmp-graph .main-svg"
TRACES = """
const g = document.querySelector('#cmp-graph .js-plotly-plot');
return g.data.map(t => ({name: t.name, code: t.meta ? t.meta.region_code : null, x: t.x, y: t.y}));
"""


def console_errors(duo) -> list[dict]:
    return [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]


def open_page(duo, query: str) -> list[dict]:
    duo.wait_for_page(url=f"{duo.server_url}/jamfor?{query}")
    duo.wait_for_element(GRAPH, timeout=15)
    return duo.driver.execute_script(TRACES)


def wait_url(duo, *parts: str) -> str:
    WebDriverWait(duo.driver, 10).until(lambda d: all(p in d.current_url for p in parts))
    return urllib.parse.unquote(duo.driver.current_url)


def click_radio(duo, group: str, value: str) -> None:
    duo.find_element(f"label[for='_dbcprivate_radioitems_{group}_input_{value}']").click()


def checked(duo, group: str) -> str:
    return duo.driver.execute_script(f"return document.querySelector('#{group} input:checked').value")


def plotted(traces: list[dict]) -> dict[tuple[str, int], float]:
    return {(t["code"], int(x)): y for t in traces for x, y in zip(t["x"], t["y"], strict=True) if y is not None}


def test_crafted_urls_draw_per1000_and_index_from_the_database(browser, built_db) -> None:
    with duckdb.connect(str(built_db), read_only=True) as con:
        per1000 = con.execute("""
            SELECT h.region_code, h.period, h.value / p.value * 1000 FROM series h JOIN series p
              ON p.region_code = h.region_code AND p.period = h.period AND p.indicator_id = 'population'
            WHERE h.indicator_id = 'housing_completions' AND h.period BETWEEN 2015 AND 2020
              AND h.region_code IN ('1280', '1281', '1264', 'MLR', '12')""").fetchall()
        unemployment = con.execute("""
            SELECT region_code, period, value FROM series WHERE indicator_id = 'unemployment_rate'
              AND period BETWEEN 2013 AND 2020 AND region_code IN ('1280', 'MLR', '00')""").fetchall()

    traces = open_page(browser, "indicator=housing_completions&region=1280,1281,1264,MLR,12&measure=per1000"
                                "&from=2015&to=2020&view=line&focus=1281")
    assert sorted(t["name"] for t in traces) == sorted(["Lund", "Malmö", "MalmöLundregionen", "Skurup", "Skåne län"])
    assert all(len([y for y in t["y"] if y is not None]) == 6 for t in traces)
    got = plotted(traces)
    assert len(got) == len(per1000) == 30
    for code, year, value in per1000:
        assert got[(code, year)] == pytest.approx(value, rel=1e-9)
    assert traces[-1]["code"] == "1281"  # the emphasised municipality is drawn on top

    href = browser.find_element("#cmp-csv").get_attribute("href")
    assert href.startswith("data:text/csv;charset=utf-8;base64,")
    csv = pd.read_csv(io.StringIO(base64.b64decode(href.split(",", 1)[1]).decode("utf-8").lstrip("\ufeff")),
                      dtype={"region_code": str})
    assert {(r.region_code, r.period): r.value for r in csv.itertuples()} == pytest.approx(got, rel=1e-12)
    assert set(csv["measure"]) == {"per1000"} and set(csv["unit"]) == {"lägenheter per 1 000 invånare"}

    traces = open_page(browser, "indicator=unemployment_rate&region=1280,MLR,00&measure=index&base=2015"
                                "&from=2013&to=2020")
    base = {code: value for code, year, value in unemployment if year == 2015}
    got = plotted(traces)
    assert len(got) == len(unemployment) == 24
    for code, year, value in unemployment:
        assert got[(code, year)] == pytest.approx(value / base[code] * 100, rel=1e-9)
    assert browser.find_element("#cmp-summary").text.endswith(".")
    assert console_errors(browser) == []


def test_controls_rewrite_the_url_and_back_restores_them(browser) -> None:
    open_page(browser, "indicator=housing_completions&measure=per1000&view=line")
    click_radio(browser, "cmp-view", "ranking")
    url = wait_url(browser, "view=ranking")
    assert "measure=per1000" in url and "region=1231,1285" in url
    browser.wait_for_element("#cmp-graph .barlayer", timeout=10)

    click_radio(browser, "cmp-measure", "index")
    url = wait_url(browser, "measure=index", "base=2011")
    browser.wait_for_contains_text("#cmp-title", "index, 2011 = 100", timeout=10)
    assert checked(browser, "cmp-measure") == "index"
    assert browser.find_element("#cmp-base").get_attribute("disabled") is None

    browser.driver.back()
    wait_url(browser, "measure=per1000", "view=ranking")
    browser.wait_for_contains_text("#cmp-title", "per 1 000 invånare", timeout=10)
    assert checked(browser, "cmp-measure") == "per1000" and checked(browser, "cmp-view") == "ranking"

    browser.driver.back()
    WebDriverWait(browser.driver, 10).until(lambda d: "view=ranking" not in d.current_url)
    browser.wait_for_element("#cmp-graph .scatterlayer .trace", timeout=10)
    assert checked(browser, "cmp-view") == "line"
    assert len(browser.driver.execute_script(TRACES)) == 15
    assert console_errors(browser) == []


def test_malformed_url_shows_a_notice_and_the_default_view(browser) -> None:
    traces = open_page(browser, "indicator=nope&measure=bogus&from=abc&view=pie&focus=9999&region=1280,XX")
    notice = browser.find_element("#cmp-notice").text
    for param in ("(indicator)", "(measure)", "(from)", "(view)", "(focus)", "(region)"):
        assert param in notice
    assert "okänt mått ”bogus”" in notice
    assert [t["name"] for t in traces] == ["Malmö"]
    browser.driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert axe_violations(browser.driver) == []
    assert console_errors(browser) == []


def region_list(url: str) -> list[str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return query.get("region", [""])[0].split(",")


def test_a_non_member_from_the_url_is_drawn_beside_malmo(browser) -> None:
    traces = open_page(browser, "indicator=employment_rate&region=1283,1280")
    names = {t["name"]: t for t in traces}
    assert set(names) == {"Helsingborg", "Malmö"}
    assert names["Helsingborg"]["code"] == "1283" and names["Malmö"]["code"] == "1280"
    assert browser.driver.execute_script(
        "return [...document.querySelectorAll('#cmp-munis input:checked')].map(e => e.value)") == ["1280"]
    browser.wait_for_contains_text("#cmp-others", "Helsingborg", timeout=10)
    assert "Malmö" not in browser.find_element("#cmp-others").text
    # keyboard: the dropdown's button is the tab stop and carries the visible label's name
    assert browser.driver.execute_script("""
        const b = document.querySelector('button#cmp-others');
        const hidden = b.previousElementSibling;
        return [b.tabIndex, hidden.tabIndex, b.getAttribute('aria-labelledby').split(' ')[0]]""") == [
        0, -1, "cmp-others-label"]
    assert axe_violations(browser.driver) == []
    assert console_errors(browser) == []


def test_skane_quick_pick_puts_all_33_municipalities_in_the_url(browser, built_db) -> None:
    with duckdb.connect(str(built_db), read_only=True) as con:
        skane = {r[0] for r in con.execute(
            "SELECT code FROM region WHERE kind = 'municipality' AND county_code = '12'").fetchall()}
    assert len(skane) == 33
    open_page(browser, "indicator=employment_rate&region=1280,MLR")
    browser.find_element("#cmp-pick-skane").click()
    WebDriverWait(browser.driver, 15).until(lambda d: len(region_list(d.current_url)) >= 34)
    regions = region_list(browser.driver.current_url)
    assert set(regions) - {"MLR"} == skane and "MLR" in regions
    browser.wait_for_contains_text("#cmp-others", "Helsingborg", timeout=10)
    WebDriverWait(browser.driver, 15).until(lambda d: len(d.execute_script(TRACES)) == 34)
    assert {t["code"] for t in browser.driver.execute_script(TRACES)} == skane | {"MLR"}
    assert console_errors(browser) == []
