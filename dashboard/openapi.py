"""The OpenAPI 3.1 description of HTTP API v1, served at /api/v1/openapi.json (contract).

Kept as a Python dict next to the code it describes; tests validate it and check that its paths are
exactly the API's Flask routes.
"""

from __future__ import annotations

from typing import Any

from dashboard.dataset import COLUMNS
from dashboard.measures import MEASURES
from dashboard.params import MAX_LIST, MAX_YEAR, MIN_YEAR

PREFIX = "/api/v1"
FORMATS = ("csv", "xlsx", "json")
MAX_QUERY = 2000
"""Longest query string accepted (characters); longer is a 400."""


def _param(name: str, description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                           "schema": schema}
    if example is not None:
        out["example"] = example
    return out


YEAR = {"type": "string", "pattern": "^[0-9]{4}$"}
PARAMETERS: dict[str, dict[str, Any]] = {
    "indicator": _param(
        "indicator",
        f"One or more indicator ids, comma-separated (at most {MAX_LIST}); see /api/v1/indicators. Omitted: every "
        "indicator (of `focus`, if given).",
        {"type": "string"}, "housing_starts,housing_completions"),
    "region": _param(
        "region",
        f"One or more region codes, comma-separated (at most {MAX_LIST}): municipality codes (4 digits, any of "
        "Sweden's 290), `MLR` (the Malmö–Lund Region total), county codes (2 digits, `12` = Skåne County), `00` "
        "(Sweden); see /api/v1/regions. `all`: every region. Omitted: the Malmö–Lund Region's members, `MLR`, "
        "`12` and `00`.",
        {"type": "string"}, "1280,1281,MLR"),
    "from": _param("from", f"First year (four digits, {MIN_YEAR}–{MAX_YEAR}); omitted: no lower bound.", YEAR, "2015"),
    "to": _param("to", f"Last year (four digits, {MIN_YEAR}–{MAX_YEAR}, not before `from`); omitted: no upper bound.",
                 YEAR, "2020"),
    "measure": _param(
        "measure",
        "abs: as published (default); per1000: per 1 000 inhabitants (indicators with per_capita); index: the "
        "region's own value in `base` = 100; share: % of the MLR total (indicators summed into the MLR total). "
        "A measure not allowed for a requested indicator is a 400; see `measures` in /api/v1/indicators.",
        {"type": "string", "enum": list(MEASURES), "default": "abs"}),
    "base": _param("base", "Base year for measure=index (default: `from`, else the indicator's first year); "
                   "must lie within from–to.", YEAR, "2015"),
    "focus": _param("focus", "A focus area id: limits the indicators to those followed under that focus area.",
                    {"type": "string"}, "bostadsbyggande"),
    "lang": _param("lang", "Language of indicator_name, region_name, unit and the XLSX metadata sheet.",
                   {"type": "string", "enum": ["sv", "en"], "default": "sv"}),
    "view": _param("view", "Accepted and ignored (a /jamfor view setting), so a /jamfor query string can be reused.",
                   {"type": "string"}),
    "sep": _param("sep", "CSV only. `semicolon`: the Swedish Excel variant (same as format=excel-sv).",
                  {"type": "string", "enum": ["comma", "semicolon"], "default": "comma"}),
    "format": _param("format", "CSV only. `excel-sv`: `;` between fields, decimal comma, UTF-8 with BOM.",
                     {"type": "string", "enum": ["csv", "excel-sv"], "default": "csv"}),
}
FILTERS = ["indicator", "region", "from", "to", "measure", "base", "focus", "lang", "view"]

COLUMN_DOCS = {
    "indicator_id": ("string", "Stable indicator id."),
    "indicator_name": ("string", "Indicator name in `lang`."),
    "region_code": ("string", "Municipality code (4 digits), MLR, 12 (Skåne County) or 00 (Sweden)."),
    "region_name": ("string", "Region name in `lang`."),
    "period": ("integer", "Year."),
    "value": ("number", "The value in `measure`; null (empty in CSV) where the source has none or it cannot "
                        "be computed. Derived measures are rounded to 4 decimals."),
    "unit": ("string", "Unit of `value` in `lang` (changes with `measure`)."),
    "measure": ("string", "abs, per1000, index or share."),
    "status": ("string", "final, preliminary, missing (the source's marker), break (a year both sides of a series "
               "break have), substitute (stands in for the plan's own measure), derived (computed MLR total) or "
               "incomplete (no MLR total: a member lacks a value)."),
    "source": ("string", "The source; for MLR totals the method of computation."),
    "source_url": ("string", "Address the value was retrieved from (null for computed totals)."),
    "retrieved_at": ("string", "Retrieval date, YYYY-MM-DD (null for computed totals)."),
    "note": ("string", "Note from the source or the ETL."),
}
assert list(COLUMN_DOCS) == COLUMNS


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["param", "message"],
        "properties": {
            "param": {"type": ["string", "null"],
                      "description": "The parameter at fault (null: the request as a whole)."},
            "message": {"type": "string", "description": "What is wrong and what is allowed."},
        },
    }},
    "example": {"error": {"param": "indicator", "message": "unknown indicator 'x'; allowed: population, ..."}},
}

OBSERVATION = {
    "type": "object",
    "required": COLUMNS,
    "properties": {
        c: ({"type": kind, "description": d} if c in ("indicator_id", "region_code", "period", "measure", "status")
            else {**_nullable(kind), "description": d})
        for c, (kind, d) in COLUMN_DOCS.items()
    },
}

INDICATOR = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name_sv": {"type": "string"}, "name_en": {"type": "string"},
        "unit_sv": {"type": "string"}, "unit_en": {"type": "string"},
        "definition_sv": {"type": "string"}, "definition_en": {"type": "string"},
        "source": {"type": "string"}, "source_table": {"type": "string"},
        "frequency": {"type": "string"},
        "focus_area": _nullable("string"),
        "higher_is_better": _nullable("boolean"),
        "per_capita": {"type": "boolean"},
        "aggregation": {"type": "string", "enum": ["sum", "population_weighted", "none"]},
        "measures": {"type": "array", "items": {"type": "string", "enum": list(MEASURES)}},
        "coverage": {"type": "object", "properties": {
            "first": _nullable("integer"), "last": _nullable("integer"),
            "regions": {"type": "array", "items": {"type": "string"}},
            "values": {"type": "integer"},
        }},
        "retrieved_at": {**_nullable("string"), "description": "Latest retrieval date of its values (YYYY-MM-DD)."},
    },
}

REGION = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "name_sv": {"type": "string"}, "name_en": {"type": "string"},
        "kind": {"type": "string", "enum": ["municipality", "cooperation", "county", "country"]},
        "mlr_member": {"type": "boolean"},
        "mlr_member_from": {**_nullable("integer"), "description": "First year of membership; null: from the start "
                                                                   "of the data."},
        "mlr_member_to": {**_nullable("integer"), "description": "Last year of membership; null: still a member."},
    },
}


def _bad_request() -> dict[str, Any]:
    return {"description": "A bad parameter: the body names it and what is allowed.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _observations(fmt: str) -> dict[str, Any]:
    params = [{"$ref": f"#/components/parameters/{p}"} for p in FILTERS]
    if fmt == "csv":
        params += [{"$ref": "#/components/parameters/sep"}, {"$ref": "#/components/parameters/format"}]
    content = {
        "csv": {"text/csv": {"schema": {"type": "string"}, "example":
                             "indicator_id,indicator_name,region_code,...\r\npopulation,Folkmängd,1280,...\r\n"}},
        "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "contentMediaType":
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}},
        "json": {"application/json": {"schema": {"$ref": "#/components/schemas/Observations"}}},
    }[fmt]
    text = {
        "csv": "CSV (RFC 4180, UTF-8, CRLF). Default: `,` and decimal point, no BOM. With `format=excel-sv` or "
               "`sep=semicolon`: `;`, decimal comma and a UTF-8 BOM, for Excel with Swedish settings.",
        "xlsx": "An Excel workbook: sheet 1 the data (numbers as numbers, frozen header, filter), sheet 2 "
                "metadata (each indicator's definition, unit, source table and retrieval date, the URL that "
                "produced the file and when).",
        "json": "JSON: the query, generation time, column names and the rows as objects.",
    }[fmt]
    return {"get": {
        "operationId": f"observations_{fmt}",
        "summary": f"Observations as {fmt.upper()}",
        "description": text + " Columns (stable): " + ", ".join(COLUMNS) + ". Text cells beginning with =, +, -, "
                       "@, tab, CR or LF are prefixed with ' in CSV and XLSX (formula injection). Rows are ordered "
                       "by indicator (catalogue order), region (members A–Ö, MLR, Skåne, Sweden) and year. "
                       "Unknown parameter names are a 400.",
        "tags": ["observations"],
        "parameters": params,
        "responses": {
            "200": {"description": "The rows; the file name (Content-Disposition) says what is inside, e.g. "
                                   "mlr_housing_starts_2015-2020.csv.",
                    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                    "content": content},
            "400": _bad_request(),
        },
    }}


def spec(server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, Any] = {
        f"{PREFIX}/indicators": {"get": {
            "operationId": "indicators", "summary": "Every indicator with definition, source and coverage",
            "tags": ["catalogue"],
            "parameters": [{"$ref": "#/components/parameters/lang"}],
            "responses": {"200": {"description": "The indicators in catalogue order.", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}}}}}},
                "400": _bad_request()},
        }},
        f"{PREFIX}/regions": {"get": {
            "operationId": "regions", "summary": "Every region code with names, kind and MLR membership",
            "tags": ["catalogue"],
            "parameters": [{"$ref": "#/components/parameters/lang"}],
            "responses": {"200": {"description": "Members A–Ö, then MLR, Skåne County and Sweden.", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "regions": {"type": "array", "items": {"$ref": "#/components/schemas/Region"}}}}}}},
                "400": _bad_request()},
        }},
        **{f"{PREFIX}/observations.{fmt}": _observations(fmt) for fmt in FORMATS},
        f"{PREFIX}/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This description", "tags": ["meta"],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                "application/json": {"schema": {"type": "object"}}}}},
        }},
    }
    out: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "MalmöLundregionen follow-up API",
            "version": "1.0.0",
            "summary": "Indicators, regions and observations of the MalmöLundregionen follow-up dashboard.",
            "description": "Read-only, no key. Every figure carries its source and retrieval date. Bad "
                           "parameters give a 400 with `{\"error\": {\"param\", \"message\"}}`; unknown paths "
                           "under /api/ a JSON 404, other methods than GET a JSON 405. Column names and "
                           "parameter names are stable within v1.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": "catalogue"}, {"name": "observations"}, {"name": "meta"}],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            "schemas": {
                "Error": ERROR,
                "Observation": OBSERVATION,
                "Indicator": INDICATOR,
                "Region": REGION,
                "Observations": {
                    "type": "object",
                    "required": ["query", "generated_at", "columns", "count", "data"],
                    "properties": {
                        "query": {"type": "object", "description": "The normalised parameters.",
                                  "additionalProperties": {"type": "string"}},
                        "url": {"type": "string"},
                        "generated_at": {"type": "string", "format": "date-time"},
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "count": {"type": "integer"},
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Observation"}},
                    },
                },
            },
        },
    }
    if server_url:
        out["servers"] = [{"url": server_url}]
    return out
