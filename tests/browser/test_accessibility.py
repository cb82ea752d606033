"""WCAG 2.1 AA in the browser: axe-core on every route and main state, headings in order,
a keyboard-only pass with a visible focus and a working skip link."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from tests.browser.a11y import axe_violations, heading_levels, headings_in_order

pytestmark = pytest.mark.browser

STATES = [
    ("/", "#card-bostadsbyggande"),
    ("/?lang=en", "#card-bostadsbyggande"),
    ("/fokus/kompetensforsorjning", "h1"),
    ("/fokus/bostadsbyggande", "#ind-housing_completions-graph .main-svg"),
    ("/fokus/migration-integration", "h1"),
    ("/jamfor", "#cmp-result .main-svg"),
    ("/data", "#data-grid .ag-row"),
    ("/om", "#about-population"),
    ("/finns-inte", "#not-found"),
]


def test_axe_finds_no_serious_violations_on_any_route(browser) -> None:
    problems = {}
    for path, ready in STATES:
        browser.wait_for_page(url=browser.server_url + path)
        browser.wait_for_element(ready, timeout=15)
        # Open every "show as table" so the data tables are checked too.
        browser.driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        found = axe_violations(browser.driver)
        levels = heading_levels(browser.driver)
        if found:
            problems[path] = found
        if not headings_in_order(levels):
            problems.setdefault(path, []).append({"id": "heading-order", "levels": levels})
        assert browser.driver.find_elements("css selector", "main#main"), path
    assert problems == {}


def test_keyboard_only_skip_link_focus_and_reachability(browser) -> None:
    driver = browser.driver
    browser.wait_for_page(url=browser.server_url + "/fokus/sysselsattning")
    browser.wait_for_element("#ind-unemployment_rate-graph .main-svg", timeout=15)
    body = driver.find_element("css selector", "body")
    body.send_keys(Keys.TAB)
    first = driver.switch_to.active_element
    assert first.get_attribute("id") == "skip-link" and first.is_displayed()
    outline = driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.boxShadow]")
    assert outline[0] != "none" and outline[1] != "0px", outline
    first.send_keys(Keys.ENTER)
    assert driver.execute_script("return document.activeElement.id") == "main"

    wanted = set(driver.execute_script(
        "return [...document.querySelectorAll('header a[href], main summary, main a[download]')]"
        ".map(e => e.textContent.trim() + '|' + (e.getAttribute('href') || '').slice(0, 40))"))
    reached = set()
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    for _ in range(400):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(driver.execute_script(
            "const e = document.activeElement; return e.textContent.trim() + '|' + (e.getAttribute('href') || '').slice(0, 40)"))
        if wanted <= reached:
            break
    assert wanted - reached == set()
