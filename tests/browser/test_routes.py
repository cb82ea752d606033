"""Every route opens in headless Chromium with content, charts with data and a clean console."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ROUTES = {
    "/": "#card-bostadsbyggande",
    "/fokus/sysselsattning": "#ind-unemployment_rate-graph .main-svg",
    "/fokus/bostadsbyggande": "#ind-housing_completions-graph .main-svg",
    "/jamfor": "#cmp-result .main-svg",
    "/data": "#data-grid .ag-row",
    "/om": "#about-population",
}


def console_errors(duo) -> list[dict]:
    return [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]


@pytest.mark.parametrize("path,selector", ROUTES.items())
def test_route_renders_without_console_errors(browser, path, selector):
    browser.wait_for_page(url=browser.server_url + path)
    browser.wait_for_element(selector, timeout=15)
    assert browser.find_element("h1").text.strip()
    assert browser.driver.execute_script("return document.documentElement.lang") == "sv"
    assert console_errors(browser) == []


def test_focus_chart_has_data_for_all_members(browser):
    browser.wait_for_page(url=browser.server_url + "/fokus/sysselsattning")
    browser.wait_for_element("#ind-unemployment_rate-graph .main-svg", timeout=15)
    # Region lines only (the chart also draws the target and a legend entry for the quieter members).
    traces = browser.driver.execute_script(
        "return document.querySelector('#ind-unemployment_rate-graph .js-plotly-plot').data"
        ".filter(t => t.meta && t.meta.region_code).map(t => [t.name, t.y.filter(v => v !== null).length])"
    )
    names = {name for name, _ in traces}
    assert {"Malmö", "Lund", "Skurup", "MalmöLundregionen", "Skåne län", "Riket"} <= names
    assert all(n > 0 for _, n in traces)
    assert len(traces) == 15


def test_unknown_route_is_friendly(browser):
    browser.wait_for_page(url=browser.server_url + "/finns-inte")
    browser.wait_for_element("#not-found", timeout=10)
    assert "/finns-inte" in browser.find_element("#not-found").text
