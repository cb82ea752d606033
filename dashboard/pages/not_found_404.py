"""Any unknown address: a friendly page with a way back."""

from __future__ import annotations

import urllib.parse

import dash
from dash import dcc, html
from flask import has_request_context, request

from dashboard.i18n import t
from dashboard.pages._common import page

dash.register_page(__name__, path="/404", name="404")


@page
def layout(lang: str, **_query: str) -> html.Div:
    # The layout is rendered by a callback request; the page's own address is its referrer.
    path = urllib.parse.urlparse(request.referrer).path if has_request_context() and request.referrer else ""
    return html.Div(
        [
            html.H1(t("notfound.heading", lang)),
            html.P(t("notfound.text", lang, path=path or "?")),
            dcc.Link(t("notfound.back", lang), href="/" if lang == "sv" else "/?lang=en", className="btn btn-primary"),
        ],
        id="not-found",
    )
