"""/data in headless Chromium: the URL's filters give the grid's rows, the CSV link gives the same rows,
and changing a filter updates the grid, the links and the URL."""

from __future__ import annotations

import csv
import io
import urllib.request

import pytest
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser

URL = "/data?indicator=population&region=1281,1280&from=2015&to=2020"
GRID_ROWS = """
return [...document.querySelectorAll('#data-grid .ag-center-cols-container .ag-row')]
  .sort((a, b) => +a.getAttribute('row-index') - +b.getAttribute('row-index'))
  .map(r => ['region', 'period', 'value'].map(c => r.querySelector(`[col-id="${c}"]`).textContent.trim()))
"""


def fetch_csv(url: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - the test server on localhost
        assert resp.headers["Content-Disposition"].startswith("attachment; filename=\"mlr_population")
        return list(csv.DictReader(io.StringIO(resp.read().decode("utf-8"), newline="")))


def test_grid_and_csv_download_show_the_same_rows(browser) -> None:
    browser.wait_for_page(url=browser.server_url + URL)
    browser.wait_for_element("#data-grid .ag-row", timeout=15)
    rows = browser.driver.execute_script(GRID_ROWS)
    assert len(rows) == 12
    assert {r[0] for r in rows} == {"Lund", "Malmö"} and {r[1] for r in rows} == {str(y) for y in range(2015, 2021)}
    assert browser.find_element("#data-count").text.startswith("12 rader")

    href = browser.find_element("#data-csv").get_attribute("href")
    assert "/api/v1/observations.csv?" in href and "indicator=population" in href and "from=2015" in href
    downloaded = fetch_csv(href)
    assert [(d["region_name"], d["period"]) for d in downloaded] == [(r[0], r[1]) for r in rows]
    # The grid shows Swedish number format; the CSV the plain number.
    assert [d["value"] for d in downloaded] == [r[2].replace("\u00a0", "").replace(" ", "") for r in rows]
    assert "format=excel-sv" in browser.find_element("#data-csv-sv").get_attribute("href")

    # Narrow the period: grid, count, links and the address follow.
    Select(browser.find_element("#data-to")).select_by_value("2016")
    browser.wait_for_text_to_equal("#data-count", "4 rader · 1 indikator · 2 områden · 2015–2016", timeout=10)
    assert len(browser.driver.execute_script(GRID_ROWS)) == 4
    assert "to=2016" in browser.driver.current_url and "region=1281,1280" in browser.driver.current_url
    assert len(fetch_csv(browser.find_element("#data-csv").get_attribute("href"))) == 4
    assert [e for e in browser.get_logs() or [] if e.get("level") == "SEVERE"] == []
