"""What every page shares: the language from the query string and a friendly database error."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from dash import html

from dashboard.db import DatabaseUnavailable
from dashboard.i18n import lang_of, t


def page(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps a page layout: resolves ``lang`` and turns an unreadable database into a message."""

    @wraps(fn)
    def layout(**kwargs: Any) -> Any:
        lang = lang_of(kwargs.pop("lang", None))
        try:
            return fn(lang=lang, **kwargs)
        except DatabaseUnavailable:
            # dbc.Alert takes no `role`; a plain Bootstrap alert carries it.
            return html.Div([html.H1(t("error.db", lang), className="h4")], className="alert alert-danger",
                            role="alert")

    return layout
