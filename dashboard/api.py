"""HTTP API v1 (contract): indicators, regions and observations as CSV, XLSX and JSON.

A Flask blueprint on the Dash app's server, added by ``register(server)`` in ``create_app``. Every
parameter is checked against an allow-list (``dataset.select`` in strict mode) before any query runs,
and queries bind values as parameters. A bad request is a 400 with
``{"error": {"param": ..., "message": ...}}``; unknown paths under /api/ give a JSON 404 and other
methods than GET (OPTIONS too) a JSON 405. URLs in the answers come from ``MLR_PUBLIC_URL``
(``security.public_url``), never from the Host header.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import pandas as pd
from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from dashboard import dataset, exports, openapi, queries, security
from dashboard.db import DatabaseUnavailable
from dashboard.i18n import LANGS, t
from dashboard.measures import MEASURES, allowed
from dashboard.params import ParamError

bp = Blueprint("api_v1", __name__, url_prefix=openapi.PREFIX)
fallback = Blueprint("api_fallback", __name__)

MAX_XLSX_ROWS = 30_000
"""A workbook is written cell by cell (openpyxl, about 25 µs a cell): 30 000 rows of 15 columns take
about 10 s, well inside the server's 30 s timeout. CSV and JSON have no limit."""

MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
CSV_ONLY = ("sep", "format")
HELP_ENDPOINTS = ("api_v1.observations_other", "api_v1.observations_bare")
"""Routes that only explain a mistake with a 400 (wrong or missing format); not in the OpenAPI paths."""


def _error(status: int, param: str | None, message: str) -> Response:
    resp = jsonify({"error": {"param": param, "message": message}})
    resp.status_code = status
    return resp


def _args(allowed_names: tuple[str, ...]) -> dict[str, str]:
    """The query parameters as a plain dict; unknown names, repeated single values and oversized
    query strings are rejected. A repeated list parameter (indicator, region) is joined with commas."""
    if len(request.query_string) > openapi.MAX_QUERY:
        raise ParamError("query", f"query string longer than {openapi.MAX_QUERY} characters")
    out: dict[str, str] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if name not in allowed_names:
            hint = " (sep and format apply to observations.csv only)" if name in CSV_ONLY else ""
            raise ParamError(name[:40], f"unknown parameter {name[:40]!r}{hint}; allowed: {', '.join(allowed_names)}")
        if len(values) > 1 and name not in dataset.LIST_PARAMS:
            raise ParamError(name, "given more than once; give it once")
        out[name] = ",".join(values)
    return out


def _check_lang(args: dict[str, str]) -> None:
    """``lang`` as on observations: sv, en, or empty/omitted (sv)."""
    lang = args.get("lang", "").strip() or "sv"
    if lang not in LANGS:
        raise ParamError("lang", f"unknown language {lang[:40]!r}; allowed: {', '.join(LANGS)}")


YEAR_PARAMS = ("from", "to", "base")


def _check_not_empty_years(args: dict[str, str]) -> None:
    """``to=`` with nothing after it is a mistake (a form or script left it blank), not "no bound"."""
    for name in YEAR_PARAMS:
        if name in args and not args[name].strip():
            raise ParamError(name, f"{name} is empty; give a year (four digits, e.g. 2015) or leave {name} out")


@bp.errorhandler(ParamError)
def _bad_param(exc: ParamError) -> Response:
    return _error(400, exc.param, exc.message)


@bp.errorhandler(DatabaseUnavailable)
def _no_database(exc: DatabaseUnavailable) -> Response:
    return _error(503, None, "the database cannot be read right now; try again shortly")


@bp.after_request
def _headers(resp: Response) -> Response:
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers.setdefault("Cache-Control", "no-cache")
    return resp


def _date(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


@bp.get("/indicators")
def indicators() -> Response:
    _check_lang(_args(("lang",)))
    inds = queries.indicators()
    cells = queries.observation_coverage()
    regions_with_values = cells.groupby("indicator_id")["region_code"].agg(lambda s: sorted(set(s))).to_dict()
    out = []
    for r in inds.to_dict("records"):
        hib = r["higher_is_better"]
        out.append({
            "id": r["id"],
            "name_sv": r["name_sv"], "name_en": r["name_en"],
            "unit_sv": r["unit"], "unit_en": r["unit_en"],
            "definition_sv": r["definition"], "definition_en": r["definition_en"],
            "source": r["source"], "source_table": r["source_table"],
            "frequency": r["frequency"],
            "focus_area": None if pd.isna(r["focus_area_id"]) else r["focus_area_id"],
            "higher_is_better": None if hib is None or pd.isna(hib) else bool(hib),
            "per_capita": bool(r["per_capita"]),
            "aggregation": r["aggregation"],
            "measures": [m for m in MEASURES if allowed(m, bool(r["per_capita"]), r["aggregation"])],
            "coverage": {"first": _int(r["first"]), "last": _int(r["last"]),
                         "regions": regions_with_values.get(r["id"], []),
                         "values": _int(r["n_values"]) or 0},
            "retrieved_at": _date(r["retrieved_at"]),
        })
    return jsonify({"indicators": out})


@bp.get("/regions")
def regions() -> Response:
    _check_lang(_args(("lang",)))
    members = queries.memberships()
    mlr = {m.region_code: m for m in members[members["group_code"] == "MLR"].itertuples()}
    out = []
    for r in queries.regions().to_dict("records"):
        m = mlr.get(r["code"])
        out.append({
            "code": r["code"], "name_sv": r["name_sv"], "name_en": r["name_en"], "kind": r["kind"],
            "mlr_member": m is not None,
            "mlr_member_from": _int(m.valid_from) if m is not None else None,
            "mlr_member_to": _int(m.valid_to) if m is not None else None,
        })
    return jsonify({"regions": out})


@bp.get("/openapi.json")
def openapi_json() -> Response:
    _args(())
    return jsonify(openapi.spec(security.public_root() or None))


def _observations(fmt: str) -> Response:
    names = dataset.FILTER_PARAMS + dataset.IGNORED_PARAMS + (CSV_ONLY if fmt == "csv" else ())
    args = _args(names)
    _check_not_empty_years(args)
    for name in dataset.IGNORED_PARAMS:
        args.pop(name, None)
    excel_sv = False
    if fmt == "csv":
        sep = (args.pop("sep", "") or "comma").strip()
        form = (args.pop("format", "") or "csv").strip()
        if sep not in ("comma", "semicolon"):
            raise ParamError("sep", f"unknown separator {sep[:40]!r}; allowed: comma, semicolon")
        if form not in ("csv", "excel-sv"):
            raise ParamError("format", f"unknown format {form[:40]!r}; allowed: csv, excel-sv")
        excel_sv = sep == "semicolon" or form == "excel-sv"
    cat = dataset.catalogue()
    sel = dataset.select(args, cat, strict=True)
    frame = dataset.observations(sel, cat)
    stem = dataset.file_stem(sel, cat, frame) + ("_excel-sv" if excel_sv else "")
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if fmt == "csv":
        body = exports.to_csv(frame, excel_sv=excel_sv)
    elif fmt == "json":
        load = queries.latest_load().to_dict("records")
        body = exports.to_json(frame, {"query": sel.query(), "url": security.public_url(),
                                       "generated_at": generated.isoformat().replace("+00:00", "Z"),
                                       "load_id": load[0]["load_id"] if load else None})
    else:
        if len(frame) > MAX_XLSX_ROWS:
            raise ParamError("region", f"{len(frame):,} rows is more than a workbook is made here for (at most "
                                       f"{MAX_XLSX_ROWS:,}); choose fewer indicators, regions or years, or use "
                                       "observations.csv or observations.json, which have no such limit")
        body = _xlsx(frame, sel, cat, generated)
    resp = Response(body, mimetype=MIME[fmt].split(";")[0], content_type=MIME[fmt])
    if fmt != "json":
        resp.headers["Content-Disposition"] = exports.content_disposition(f"{stem}.{fmt}")
    else:
        resp.headers["Content-Disposition"] = f'inline; filename="{stem}.json"'
    return resp


def _xlsx(frame: pd.DataFrame, sel: dataset.Selection, cat: dataset.Catalogue, generated: dt.datetime) -> bytes:
    lang = sel.lang
    load = queries.latest_load().to_dict("records")
    load_text = ""
    if load:
        finished = load[0]["finished"]
        when = finished.strftime("%Y-%m-%d %H:%M") if hasattr(finished, "strftime") else str(finished)
        load_text = f"{load[0]['load_id']} ({when})"
    query = urllib.parse.urlencode(sel.query(), safe=",")
    metadata = [
        (t("export.title", lang), None),
        (t("export.query", lang), security.public_url()),
        (t("export.params", lang), query or "–"),
        (t("export.generated", lang), generated.strftime("%Y-%m-%d %H:%M:%S")),
        (t("export.rows", lang), len(frame)),
        (t("export.measure", lang), sel.state.measure),
        (t("export.database", lang), load_text),
    ]
    indicators = dataset.indicator_metadata(frame, cat, lang, sel.state.indicators)
    labels = {k: t(f"export.ind.{k}", lang) for k in (indicators[0] if indicators else {})}
    labels |= {"column": t("export.column", lang), "meaning": t("export.meaning", lang)}
    notes = {c: t(f"export.col.{c}", lang) for c in dataset.COLUMNS}
    return exports.to_xlsx(frame, metadata, indicators, labels=labels, column_notes=notes,
                           sheet_names=(t("export.sheet_data", lang), t("export.sheet_meta", lang)))


@bp.get("/observations.csv")
def observations_csv() -> Response:
    return _observations("csv")


@bp.get("/observations.xlsx")
def observations_xlsx() -> Response:
    return _observations("xlsx")


@bp.get("/observations.json")
def observations_json() -> Response:
    return _observations("json")


@bp.get("/observations.<path:ext>")
def observations_other(ext: str) -> Response:
    return _error(400, "format", f"unknown format {ext[:40]!r}; allowed: {', '.join(openapi.FORMATS)}")


@bp.get("/observations")
def observations_bare() -> Response:
    return _error(400, "format", "give a format: observations.csv, observations.xlsx or observations.json")


@fallback.get("/api/", defaults={"rest": ""}, strict_slashes=False)
@fallback.get("/api/<path:rest>")
def not_found(rest: str) -> Response:
    return _error(404, None, f"no such API endpoint: {request.path[:80]}; see {openapi.PREFIX}/openapi.json")


def _api_http_error(exc: HTTPException) -> Response | HTTPException:
    """JSON for HTTP errors under /api/ (405 for other methods than GET); the usual page elsewhere."""
    if not _is_api(request.path):
        return exc
    if exc.code == 405:
        resp = _error(405, None, f"method {request.method} not allowed; the API answers GET only")
        resp.headers["Allow"] = "GET, HEAD"
        return resp
    return _error(exc.code or 500, None, exc.description or exc.name)


def _api_server_error(exc: HTTPException) -> Response | HTTPException:
    if _is_api(request.path):
        return _error(500, None, "internal error; please report the URL")
    return exc


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _no_options() -> Response | None:
    """OPTIONS under /api/ is a JSON 405 like every other method but GET (Flask would answer it
    itself with an empty 200). The API needs no CORS preflight: a plain GET is a simple request."""
    if request.method == "OPTIONS" and _is_api(request.path):
        return _api_http_error(MethodNotAllowed())  # type: ignore[return-value]
    return None


def register(server: Flask) -> None:
    """Add API v1 to the Dash app's Flask server."""
    server.before_request(_no_options)
    server.register_blueprint(bp)
    server.register_blueprint(fallback)
    server.register_error_handler(405, _api_http_error)
    server.register_error_handler(500, _api_server_error)
