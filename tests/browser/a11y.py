"""axe-core in the test browser: the script ships inside a PyPI package (installed by the
project's test extras), so nothing is fetched from a CDN at test time."""

from __future__ import annotations

from functools import cache
from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Violations of WCAG 2.1 A and AA rules on the current page, at the given impacts."""
    driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
        """,
        WCAG_TAGS,
    )
    return [v for v in result if v["impact"] in impacts]


def heading_levels(driver) -> list[int]:
    return driver.execute_script(
        "return [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]"
        ".filter(h => h.offsetParent !== null).map(h => +h.tagName[1])"
    )


def headings_in_order(levels: list[int]) -> bool:
    """One h1 first, and no level skipped on the way down."""
    if not levels or levels[0] != 1 or levels.count(1) != 1:
        return False
    return all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
