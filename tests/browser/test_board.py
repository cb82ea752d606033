"""The board's views in headless Chromium: status labels on the overview cards, presentation mode
(no navigation, large type, arrow keys), and the print stylesheet (A4 landscape, one focus area per page)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def console_errors(duo) -> list[dict]:
    return [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]


def test_overview_cards_show_each_status_as_text_with_its_reason(browser) -> None:
    browser.wait_for_page(url=browser.server_url + "/")
    browser.wait_for_element("#card-sysselsattning .sparkline .main-svg", timeout=15)
    badges = browser.driver.execute_script(
        "return [...document.querySelectorAll('.focus-card .headline-indicator')].map(h => [h.dataset.indicator,"
        " h.querySelector('.status-badge').textContent.trim(), !!h.querySelector('.status-badge i.bi'),"
        " h.querySelector('.status-reason').textContent.trim()])")
    found = {ind: (label, icon, reason) for ind, label, icon, reason in badges}
    assert set(found) == {"vocational_applicants", "eligible_vocational", "upper_secondary_degree_4y",
                          "post_secondary_education", "housing_starts", "housing_completions",
                          "housing_completions_per1000", "building_permits_per1000", "dwellings_per1000", "employment_rate_rams",
                          "employment_rate", "unemployment_18_64", "youth_unemployment", "newly_arrived_work_or_study"}
    assert all(icon and label and reason for label, icon, reason in found.values())
    assert found["unemployment_18_64"][0] == "På väg mot målet 2015\u21922022"
    assert "från 2015 till 2022" in found["unemployment_18_64"][2]
    assert found["employment_rate"][0].endswith("2020\u21922022")  # BAS: within its own series
    assert found["vocational_applicants"][0] == "Underlag saknas"
    movers = browser.driver.execute_script(
        "return document.querySelector('[data-indicator=unemployment_18_64] .status-movers').textContent")
    assert "av 12 medlemskommuner på väg mot målet (2015\u21922022); i Skåne" in movers
    # The sparkline is decoration for screen readers; its text equivalent is there instead.
    spark = browser.driver.execute_script(
        "const s = document.querySelector('[data-indicator=unemployment_18_64] .sparkline');"
        "return [s.getAttribute('aria-hidden'), s.parentElement.querySelector('.visually-hidden').textContent]")
    assert spark[0] == "true" and spark[1].startswith("MalmöLundregionen 2010–2022")
    assert console_errors(browser) == []


def test_presentation_mode_hides_navigation_and_arrow_keys_step_through(browser) -> None:
    driver = browser.driver
    browser.wait_for_page(url=browser.server_url + "/?presentation=1&lang=en")
    browser.wait_for_element("#pres-next", timeout=15)
    assert driver.execute_script("return document.querySelectorAll('#site-header *, #site-footer *').length") == 0
    size = driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.status-reason')).fontSize)")
    assert size >= 24
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    browser.wait_for_element("#focus-kompetensforsorjning", timeout=15)
    assert driver.execute_script("return location.pathname + location.search") == \
        "/fokus/kompetensforsorjning?lang=en&presentation=1"
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
    browser.wait_for_element("#focus-bostadsbyggande", timeout=15)
    ActionChains(driver).send_keys(Keys.ARROW_LEFT).perform()
    browser.wait_for_element("#focus-kompetensforsorjning", timeout=15)
    headline = driver.execute_script("return parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert headline >= 40 and driver.find_element("css selector", "#pres-prev").text.startswith("Previous")
    assert console_errors(browser) == []


def test_print_stylesheet_gives_one_focus_area_per_a4_landscape_page(browser) -> None:
    driver = browser.driver
    browser.wait_for_page(url=browser.server_url + "/")
    browser.wait_for_element("#card-sysselsattning", timeout=15)
    assert driver.find_element("css selector", "#board-print").text == "Skriv ut / spara som PDF"
    page_rules = driver.execute_script(
        "return [...document.styleSheets].flatMap(s => { try { return [...s.cssRules]; } catch (e) { return []; } })"
        ".filter(r => r instanceof CSSPageRule).map(r => r.style.getPropertyValue('size'))")
    assert "a4 landscape" in [rule.lower() for rule in page_rules]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    styles = driver.execute_script(
        "return {header: getComputedStyle(document.querySelector('#site-header')).display,"
        " toolbar: getComputedStyle(document.querySelector('.board-toolbar')).display,"
        " breaks: [...document.querySelectorAll('.focus-print')].map(s => getComputedStyle(s).breakBefore),"
        " charts: [...document.querySelectorAll('.print-figures')].map(s => getComputedStyle(s).display)}")
    assert styles["header"] == "none" and styles["toolbar"] == "none"
    assert styles["breaks"] == ["page"] * 3 and styles["charts"] == ["flex"] * 3

    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.wait_for_page(url=browser.server_url + "/fokus/sysselsattning")
    browser.wait_for_element("#ind-unemployment_18_64-graph .main-svg", timeout=15)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    printed = driver.execute_script(
        "return {breaks: [...document.querySelectorAll('.focus-print')].map(s => getComputedStyle(s).breakBefore),"
        " shown: [...document.querySelectorAll('.board-chart')].filter(c => getComputedStyle(c).display !== 'none')"
        "   .map(c => c.querySelector('.dash-graph').id),"
        " width: document.querySelector('#ind-unemployment_18_64-graph .js-plotly-plot')._fullLayout.width}")
    assert printed["breaks"] == ["page"]
    assert printed["shown"] == ["ind-employment_rate_rams-graph", "ind-employment_rate-graph",
                                "ind-unemployment_18_64-graph", "ind-youth_unemployment-graph",
                                "ind-newly_arrived_work_or_study-graph"]
    assert printed["width"] == (1047 - 4 * 23) // 5  # the five headline charts side by side
    driver.execute_script("window.dispatchEvent(new Event('afterprint'))")
    assert console_errors(browser) == []
