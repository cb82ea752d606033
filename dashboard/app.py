"""The app factory: ``create_app()`` builds a Dash app over the read-only database."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import flask_bootstrap
from dash import ClientsideFunction, Input, Output
from flask import Response, abort, jsonify, send_from_directory

from dashboard import api, db, presentation, queries, security, shell
from dashboard.config import Settings
from dashboard.i18n import t

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
# Bootstrap 5 and Bootstrap Icons as shipped inside the bootstrap-flask package: served by us, no CDN.
VENDOR = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"
VENDOR_FILES = {"css/bootstrap.min.css", "css/font/bootstrap-icons.min.css",
                "css/font/fonts/bootstrap-icons.woff2", "css/font/fonts/bootstrap-icons.woff"}

INDEX = """<!DOCTYPE html>
<html lang="sv">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _register_routes(app: dash.Dash) -> None:
    server = app.server

    @server.route("/vendor/bootstrap5/<path:name>")
    def vendor(name: str) -> Response:
        if name not in VENDOR_FILES:
            abort(404)
        return send_from_directory(VENDOR, name, max_age=86400)

    @server.route("/health")
    def health() -> Response:
        try:
            rows = queries.health()
        except (db.DatabaseUnavailable, Exception) as exc:  # noqa: BLE001 - health reports any failure
            # The detail (a file path, DuckDB's message) goes to the log, not to the public.
            log.error("health check failed: %s", str(exc).splitlines()[0] if str(exc) else repr(exc))
            return jsonify({"status": "error", "error": "database unavailable"}), 503  # type: ignore[return-value]
        load = queries.latest_load().to_dict("records")
        return jsonify({"status": "ok", "observations": rows,
                        "load_id": load[0]["load_id"] if load else None})


def _register_shell_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("site-header", "children"),
        Output("site-footer", "children"),
        Output("skip-link", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def update_frame(pathname: str | None, search: str | None) -> tuple[object, object, str]:
        lang = shell.lang_from_search(search)
        if presentation.is_on(search) and presentation.applies(pathname):  # presentation mode: no chrome
            return None, None, t("nav.skip", lang)
        try:
            load = queries.latest_load().to_dict("records")
        except db.DatabaseUnavailable:
            load = []
        return shell.header(lang, pathname or "/", search), shell.footer(lang, load[0] if load else None), \
            t("nav.skip", lang)

    # Sets <html lang> and the document title's language from the URL (assets/app.js).
    app.clientside_callback(
        ClientsideFunction(namespace="mlr", function_name="setLang"),
        Output("main", "data-lang"),
        Input("url", "search"),
    )


def _callback_failed(err: Exception) -> None:
    """Last line of defence for a callback that raised on input nobody foresaw: log it and leave
    the page as it is (no update) instead of answering 500. Callbacks validate their inputs first."""
    log.warning("callback %s failed on its input: %r", dash.callback_context.triggered_id, err)


class _Dash(dash.Dash):
    def interpolate_index(self, **kwargs: str) -> str:
        # Dash's page meta tags carry request.url (the client's Host header): rebuild those URLs.
        kwargs["metas"] = security.page_metas(kwargs.get("metas", ""))
        return super().interpolate_index(**kwargs)


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or Settings.from_env()
    db.configure(settings.db_path)
    app = _Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        external_stylesheets=["/vendor/bootstrap5/css/bootstrap.min.css",
                              "/vendor/bootstrap5/css/font/bootstrap-icons.min.css"],
        serve_locally=True,
        title=t("app.title"),
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=_callback_failed,
    )
    app.index_string = INDEX
    app.layout = shell.layout
    _register_routes(app)
    api.register(app.server)
    _register_shell_callbacks(app)
    security.install(app.server)
    security.guard_dash(app)
    return app

