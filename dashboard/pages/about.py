"""``/om``: every indicator's definition, unit, source, coverage and gaps; the status rule; the method
for MLR totals; the API; and the accessibility statement (lagen (2018:1937) om tillgänglighet till
digital offentlig service)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, dcc, html

from dashboard import config, dataset, model, queries
from dashboard.db import DatabaseUnavailable
from dashboard.i18n import fmt_number, lang_of, name_col, t
from dashboard.openapi import PREFIX

dash.register_page(__name__, path="/om", name="Om", order=4)

log = logging.getLogger(__name__)

DIGG_REPORT_URL = "https://www.digg.se/tdosanmalan"
# Update both dates whenever the statement is reviewed (DIGG asks for the assessment date and the
# date of the latest update).
A11Y_ASSESSED = "2026-11-23"
A11Y_UPDATED = "2026-11-23"
A11Y_GAPS = ("charts", "grid", "dropdowns", "language", "contrast", "files")
MAX_GAP_REGIONS = 6


def _status_rule(lang: str) -> Any:
    """dashboard.status.explanation(lang) if that module and function exist, else None."""
    try:
        status = importlib.import_module("dashboard.status")
    except ImportError:
        return None
    explanation = getattr(status, "explanation", None)
    if not callable(explanation):
        return None
    try:
        content = explanation(lang)
    except Exception:  # noqa: BLE001 - a broken status module must not take /om down
        log.exception("status rule explanation unavailable")
        return None
    if not content:
        return None
    if isinstance(content, str):
        return [html.P(part) for part in content.split("\n\n") if part.strip()]
    if isinstance(content, (list, tuple)) and all(isinstance(c, str) for c in content):
        return [html.P(c) for c in content]
    return content


def _gaps_text(cov: dataset.Coverage, names: dict[str, str], lang: str) -> str:
    if cov.first is None:
        return t("about.coverage_none", lang)
    if cov.n_missing == 0:
        return t("about.gaps_none", lang, first=cov.first, last=cov.last)
    if cov.n_missing == cov.member_years:
        others = [names.get(c, c) for c in names if c in cov.regions]
        return t("about.gaps_all", lang, expected=cov.member_years, regions=", ".join(others) or "–")
    items = [f"{names.get(code, code)} {dataset.year_ranges(years)}"
             for code, years in sorted(cov.missing.items(), key=lambda kv: list(names).index(kv[0])
                                       if kv[0] in names else 999)]
    shown = items[:MAX_GAP_REGIONS]
    if len(items) > MAX_GAP_REGIONS:
        shown.append(t("about.gaps_more", lang, n=len(items) - MAX_GAP_REGIONS))
    return t("about.gaps_some", lang, missing=cov.n_missing, expected=cov.member_years, list="; ".join(shown))


def _counted(n: int, key: str, lang: str) -> str:
    return t(f"about.n_{key}" if n == 1 else f"about.n_{key}s", lang, n=fmt_number(n, 0, lang))


def _coverage_text(cov: dataset.Coverage, lang: str) -> str:
    if cov.first is None or cov.last is None:
        return t("about.coverage_none", lang)
    span = str(cov.first) if cov.first == cov.last else f"{cov.first}–{cov.last}"
    return t("about.coverage_text", lang, regions=_counted(len(cov.regions), "region", lang),
             years=_counted(cov.last - cov.first + 1, "year", lang), span=span,
             values=_counted(cov.n_values, "value", lang))


def _row(label: str, value: Any) -> list[Any]:
    return [html.Dt(label, className="col-sm-4 col-xxl-3"), html.Dd(value, className="col-sm-8 col-xxl-9")]


def _indicator_card(r: dict, cov: dataset.Coverage, names: dict[str, str], lang: str) -> html.Section:
    en = lang == "en"
    retrieved = r["retrieved_at"].strftime("%Y-%m-%d") if hasattr(r["retrieved_at"], "strftime") else \
        t("about.retrieved_none", lang)
    rows = [
        *_row(t("about.definition", lang), r["definition_en" if en else "definition"]),
        *_row(t("about.unit", lang), r["unit_en" if en else "unit"]),
        *_row(t("about.source", lang), r["source"]),
        *_row(t("about.source_table", lang), r["source_table"]),
        *_row(t("about.aggregation", lang), t(f"about.agg.{r['aggregation']}", lang)),
        *_row(t("about.coverage", lang), _coverage_text(cov, lang)),
        *_row(t("about.gaps", lang), _gaps_text(cov, names, lang)),
        *_row(t("about.retrieved", lang), retrieved),
    ]
    return html.Section(
        [html.H4(r[name_col(lang)], className="h5", id=f"about-{r['id']}-title"),
         html.Dl(rows, className="row mb-0")],
        id=f"about-{r['id']}",
        className="about-indicator card card-body mb-3",
        **{"aria-labelledby": f"about-{r['id']}-title"},
    )


def _contact(lang: str) -> Any:
    email = config.contact_email()
    if email:
        return html.A(email, href=f"mailto:{email}", id="a11y-contact")
    return html.Span(t("a11y.contact_missing", lang), id="a11y-contact", className="fst-italic")


def _accessibility(lang: str) -> html.Section:
    def h(key: str) -> html.H3:
        return html.H3(t(key, lang), className="h5 mt-3")

    return html.Section(
        [
            html.H2(t("a11y.heading", lang), id="tillganglighet", className="h4"),
            html.P(t("a11y.intro", lang)),
            h("a11y.status_heading"),
            html.P(t("a11y.status_text", lang)),
            h("a11y.alternative_heading"),
            html.P([t("a11y.alternative_text", lang), " ", t("a11y.contact_below", lang)]),
            h("a11y.report_heading"),
            html.P(t("a11y.report_text", lang)),
            html.P([t("a11y.contact", lang), " ", _contact(lang)]),
            h("a11y.supervision_heading"),
            html.P(t("a11y.supervision_text", lang)),
            html.P(html.A(t("a11y.digg_link", lang), href=DIGG_REPORT_URL, id="a11y-digg", hrefLang="sv",
                          lang="sv" if lang == "sv" else None)),
            h("a11y.technical_heading"),
            html.P(html.Strong(t("a11y.technical_text", lang)), id="a11y-compliance"),
            h("a11y.gaps_heading"),
            html.P(t("a11y.gaps_intro", lang)),
            html.Ul([html.Li(t(f"a11y.gap.{g}", lang)) for g in A11Y_GAPS]),
            h("a11y.exempt_heading"),
            html.P(t("a11y.exempt_text", lang)),
            h("a11y.method_heading"),
            html.P(t("a11y.method_text", lang)),
            html.P(t("a11y.date", lang, assessed=A11Y_ASSESSED, updated=A11Y_UPDATED), id="a11y-date"),
        ],
        className="about-section",
        **{"aria-labelledby": "tillganglighet"},
    )


def _indicator_section(lang: str) -> html.Section:
    """Every indicator grouped by focus area; a notice instead if the database cannot be read."""
    try:
        inds = queries.indicators()
        names = model.region_names(queries.regions(), lang)
        coverage = dataset.coverage(queries.observation_coverage(), queries.memberships(), list(inds["id"]))
        focus = queries.focus_areas()
    except DatabaseUnavailable:
        content: list[Any] = [html.Div(t("error.db", lang), className="alert alert-danger", role="alert")]
    else:
        focus_names = dict(zip(focus["id"], focus[name_col(lang)], strict=True))
        groups: dict[str | None, list[html.Section]] = {}
        for r in inds.to_dict("records"):
            key = r["focus_area_id"] if isinstance(r["focus_area_id"], str) else None
            groups.setdefault(key, []).append(_indicator_card(r, coverage[r["id"]], names, lang))
        content = [html.P(t("about.indicators_intro", lang))]
        for key, items in groups.items():
            content.append(html.H3(focus_names.get(key, key) if key else t("about.context", lang),
                                   className="h5 mt-4", id=f"about-group-{key or 'context'}"))
            content.append(html.Div(items, className="about-cards"))
    return html.Section([html.H2(t("about.sources", lang), id="about-indicators", className="h4"), *content],
                        **{"aria-labelledby": "about-indicators"})


GAPS = ("starts", "applicants", "kolada_years", "permits_2020", "small", "sex")
"""The known gaps, each with why it is missing and how it gets filled (texts in i18n: about.gap.*)."""


def _known_gaps(lang: str) -> html.Section:
    """What is still missing, why, and which fetch or import fills it."""
    items = [html.Li([html.Strong(t(f"about.gap.{key}.what", lang) + ". "), t(f"about.gap.{key}.why", lang), " ",
                      html.Span(t(f"about.gap.{key}.fill", lang), className="gap-fill")], id=f"gap-{key}")
             for key in GAPS]
    return html.Section([html.H2(t("about.gaps_heading", lang), id="about-gaps", className="h4"),
                         html.P(t("about.gaps_intro", lang)), html.Ul(items, className="known-gaps")],
                        className="about-section", **{"aria-labelledby": "about-gaps"})


def layout(lang: str | None = None, **_query: str) -> html.Div:
    """Not wrapped in ``page``: the method and the accessibility statement show even without a database."""
    lang = lang_of(lang)
    status_rule = _status_rule(lang)
    sections = [("about-indicators", "about.sources"), ("about-gaps", "about.gaps_heading"),
                ("about-status", "about.status_rule"),
                ("about-method", "about.method"), ("about-api", "about.api_heading"),
                ("tillganglighet", "a11y.heading")]
    if status_rule is None:
        sections = [s for s in sections if s[0] != "about-status"]
    toc = html.Nav(
        [html.H2(t("about.toc", lang), className="h6 text-uppercase text-body-secondary", id="about-toc"),
         html.Ul([html.Li(html.A(t(key, lang), href=f"#{anchor}"), className="list-inline-item me-3")
                 for anchor, key in sections], className="list-inline about-toc mb-3")],
        **{"aria-labelledby": "about-toc"},
    )
    body: list[Any] = [
        dcc.Store(id="about-hash", data=1),
        dcc.Store(id="about-hash-done"),
        html.H1(t("about.heading", lang)),
        toc,
        _indicator_section(lang),
        _known_gaps(lang),
    ]
    if status_rule is not None:
        body.append(html.Section([html.H2(t("about.status_rule", lang), id="about-status", className="h4"),
                                  html.Div(status_rule, id="about-status-rule")],
                                 className="about-section", **{"aria-labelledby": "about-status"}))
    body += [
        html.Section([html.H2(t("about.method", lang), id="about-method", className="h4"),
                      html.P(t("about.method_text", lang))],
                     className="about-section", **{"aria-labelledby": "about-method"}),
        html.Section([html.H2(t("about.api_heading", lang), id="about-api", className="h4"),
                      html.P([t("about.api_text", lang), " ",
                              html.A(f"{PREFIX}/openapi.json", href=f"{PREFIX}/openapi.json"), "."])],
                     className="about-section", **{"aria-labelledby": "about-api"}),
        _accessibility(lang),
    ]
    return html.Div(body, className="about-page")


# Opened as /om#tillganglighet (the footer link), the section exists only after the page has
# rendered: scroll to it then (assets/data.js).
dash.clientside_callback(
    ClientsideFunction(namespace="mlr", function_name="scrollToHash"),
    Output("about-hash-done", "data"),
    Input("about-hash", "data"),
)
