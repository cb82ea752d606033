"""The page frame: skip link, header with navigation and language switch, <main>, footer.

Header and footer are rendered by a callback from the URL, so they follow client-side
navigation and the ``lang`` query parameter.
"""

from __future__ import annotations

import urllib.parse

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import lang_of, t

NAV = [("/", "nav.home"), ("/jamfor", "nav.compare"), ("/data", "nav.data"), ("/om", "nav.about")]


def lang_from_search(search: str | None) -> str:
    params = urllib.parse.parse_qs((search or "").lstrip("?"))
    return lang_of((params.get("lang") or ["sv"])[0])


def with_lang(href: str, lang: str) -> str:
    """``href`` carrying the language; Swedish is the default and needs no parameter."""
    if lang != "en":
        return href
    return href + ("&" if "?" in href else "?") + "lang=en"


def switch_href(path: str, search: str | None, to_lang: str) -> str:
    """The same page and query in the other language."""
    params = [(k, v) for k, v in urllib.parse.parse_qsl((search or "").lstrip("?")) if k != "lang"]
    if to_lang == "en":
        params.append(("lang", "en"))
    query = urllib.parse.urlencode(params)
    return path + (f"?{query}" if query else "")


def header(lang: str, path: str, search: str | None) -> dbc.Navbar:
    other = "sv" if lang == "en" else "en"
    links = [
        html.Li(dcc.Link(t(key, lang), href=with_lang(href, lang),
                         className="nav-link active" if path == href else "nav-link"), className="nav-item")
        for href, key in NAV
    ]
    links.append(
        html.Li(html.A(t("nav.language", lang), href=switch_href(path, search, other), lang=other,
                       hrefLang=other, className="nav-link", id="lang-switch"), className="nav-item")
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dcc.Link([html.Span("MalmöLundregionen", className="fw-bold"),
                          html.Span(" · " + t("app.tagline", lang), className="d-none d-lg-inline")],
                         href=with_lang("/", lang), className="navbar-brand"),
                html.Nav(html.Ul(links, className="navbar-nav flex-row flex-wrap column-gap-3"),
                         **{"aria-label": t("nav.main", lang)}),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="site-nav",
    )


def footer(lang: str, load: dict[str, object] | None) -> list[object]:
    if not load:
        return [t("error.db", lang)]
    finished = load["finished"]
    when = finished.strftime("%Y-%m-%d %H:%M") if hasattr(finished, "strftime") else str(finished)
    return [
        html.Span(f"{t('footer.source', lang)}: SCB, Kolada, Regionfakta m.fl. – "),
        dcc.Link(t("nav.about", lang), href=with_lang("/om", lang)),
        html.Span(f" · {t('footer.updated', lang)} {when} · {load['rows']} {t('footer.observations', lang)}"
                  f" · load {load['load_id']} · "),
        dcc.Link(t("a11y.link", lang), href=with_lang("/om", lang) + "#tillganglighet", id="footer-a11y"),
    ]


def layout() -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.A(t("nav.skip", "sv"), href="#main", id="skip-link", className="skip-link visually-hidden-focusable"),
            html.Header(id="site-header", className="site-header"),
            html.Main(dash.page_container, id="main", tabIndex="-1", className="container-fluid py-3"),
            html.Footer(id="site-footer", className="site-footer container-fluid py-3 small"),
        ]
    )
