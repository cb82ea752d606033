"""HTTP API v1: every format round-trips against the database, bad requests are 400s naming the
parameter, the OpenAPI description validates and matches the routes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from dashboard.dataset import COLUMNS

POP = "indicator=population&region=1281,1280&from=2015&to=2020"


MEMBERS = ["1230", "1231", "1233", "1261", "1262", "1263", "1264", "1267", "1280", "1281", "1285", "1287"]


def db_frame(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def db_series(db: Path, indicators: list[str], regions: list[str], first: int, last: int) -> pd.DataFrame:
    frame = db_frame(db, "SELECT * FROM series WHERE list_contains(?, indicator_id) AND list_contains(?, region_code) "
                         "AND period BETWEEN ? AND ? ORDER BY indicator_id, region_code, period",
                     [indicators, regions, first, last])
    frame["retrieved_at"] = frame["retrieved_at"].dt.strftime("%Y-%m-%d")
    return frame.reset_index(drop=True)


def same_rows(got: pd.DataFrame, db: pd.DataFrame) -> None:
    """The API's rows equal the database's, value for value (order aside)."""
    got = got.sort_values(["indicator_id", "region_code", "period"]).reset_index(drop=True)
    assert len(got) == len(db)
    assert got["indicator_id"].tolist() == db["indicator_id"].tolist()
    assert got["region_code"].astype(str).tolist() == db["region_code"].tolist()
    assert got["period"].astype(int).tolist() == db["period"].astype(int).tolist()
    pd.testing.assert_series_equal(got["value"].astype(float), db["value"].astype(float), check_names=False)
    for col in ("status", "source", "source_url", "retrieved_at", "note"):
        left = [None if pd.isna(v) else str(v) for v in got[col]]
        right = [None if pd.isna(v) else str(v) for v in db[col]]
        assert left == right, col


# --- catalogue endpoints -----------------------------------------------------------------------


def test_indicators_match_the_catalogue_and_coverage(client, built_db) -> None:
    resp = client.get("/api/v1/indicators")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()["indicators"]
    ids = db_frame(built_db, "SELECT id FROM indicator")["id"].tolist()
    assert sorted(i["id"] for i in body) == sorted(ids)
    pop = next(i for i in body if i["id"] == "population")
    assert pop["name_sv"] == "Folkmängd" and pop["name_en"] == "Population"
    assert pop["unit_sv"] == "invånare" and pop["definition_sv"] and pop["definition_en"]
    assert pop["source"] == "SCB" and pop["source_table"].startswith("BE0101")
    cov = db_frame(built_db, "SELECT min(period) f, max(period) l, max(retrieved_at) r FROM observation "
                             "WHERE indicator_id = 'population' AND value IS NOT NULL")
    assert pop["coverage"]["first"] == cov["f"][0] and pop["coverage"]["last"] == cov["l"][0]
    assert "1280" in pop["coverage"]["regions"] and "00" in pop["coverage"]["regions"]
    assert pop["retrieved_at"] == cov["r"][0].strftime("%Y-%m-%d")
    assert pop["measures"] == ["abs", "index", "share"]
    completions = next(i for i in body if i["id"] == "housing_completions")
    assert completions["measures"] == ["abs", "per1000", "index", "share"]


def test_regions_with_mlr_membership_years(client, built_db) -> None:
    body = client.get("/api/v1/regions").get_json()["regions"]
    by_code = {r["code"]: r for r in body}
    assert set(by_code) == set(db_frame(built_db, "SELECT code FROM region")["code"])
    assert by_code["1280"]["mlr_member"] is True and by_code["1280"]["name_sv"] == "Malmö"
    assert by_code["1264"]["mlr_member_from"] == 2019  # Skurup joined per the 2019 minutes
    assert by_code["12"]["mlr_member"] is False and by_code["12"]["kind"] == "county"
    assert by_code["MLR"]["kind"] == "cooperation"
    assert sum(r["mlr_member"] for r in body) == 12


# --- observations: every format round-trips ----------------------------------------------------


def test_csv_round_trip(client, built_db) -> None:
    resp = client.get(f"/api/v1/observations.csv?{POP}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="mlr_population_1281+1280_2015-2020.csv"'
    assert not resp.data.startswith(b"\xef\xbb\xbf")
    got = pd.read_csv(io.BytesIO(resp.data), dtype={"region_code": str})
    assert list(got.columns) == COLUMNS
    assert len(got) == 12 and set(got["measure"]) == {"abs"} and set(got["unit"]) == {"invånare"}
    same_rows(got, db_series(built_db, ["population"], ["1280", "1281"], 2015, 2020))
    assert got["region_name"].tolist()[:1] == ["Lund"]  # members in name order: Lund before Malmö


def test_excel_sv_variant_bom_semicolons_decimal_commas_and_swedish_letters(client, built_db) -> None:
    q = "indicator=unemployment_rate,population&region=1280,1267&from=2015&to=2016"
    resp = client.get(f"/api/v1/observations.csv?{q}&format=excel-sv")
    assert resp.status_code == 200
    raw = resp.data
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "_excel-sv.csv" in resp.headers["Content-Disposition"]
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(COLUMNS)
    assert "Malmö" in text and "Höör" in text and "Folkmängd" in text and "Öppet arbetslösa" in text
    unemployment = db_series(built_db, ["unemployment_rate"], ["1280"], 2015, 2015)["value"][0]
    assert f";{str(unemployment).replace('.', ',')};" in text and "," in str(unemployment).replace(".", ",")
    got = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"region_code": str})
    same_rows(got, db_series(built_db, ["population", "unemployment_rate"], ["1267", "1280"], 2015, 2016))
    assert client.get(f"/api/v1/observations.csv?{q}&sep=semicolon").data == raw


def test_xlsx_round_trip_typed_frozen_fitted_with_metadata(client, built_db) -> None:
    resp = client.get(f"/api/v1/observations.xlsx?{POP}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="mlr_population_1281+1280_2015-2020.xlsx"'
    wb = load_workbook(io.BytesIO(resp.data))
    data, meta = wb.worksheets
    assert data.freeze_panes == "A2"
    header = [c.value for c in data[1]]
    assert header == COLUMNS
    col = {name: i for i, name in enumerate(header)}
    rows = list(data.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 12
    for row in rows:
        assert isinstance(row[col["value"]], (int, float)) and isinstance(row[col["period"]], int)
    cells = list(data.iter_rows(min_row=2, max_row=2))[0]
    assert cells[col["value"]].data_type == "n" and cells[col["retrieved_at"]].is_date
    for name in ("indicator_name", "source", "note"):
        letter = cells[col[name]].column_letter
        assert data.column_dimensions[letter].width >= min(60, len(str(cells[col[name]].value)))
    got = pd.DataFrame(rows, columns=header)
    got["retrieved_at"] = pd.to_datetime(got["retrieved_at"]).dt.strftime("%Y-%m-%d")
    same_rows(got, db_series(built_db, ["population"], ["1280", "1281"], 2015, 2020))
    meta_text = [str(c.value) for row in meta.iter_rows() for c in row if c.value is not None]
    definition = db_frame(built_db, "SELECT definition, source_table FROM indicator WHERE id = 'population'")
    assert definition["definition"][0] in meta_text and definition["source_table"][0] in meta_text
    assert any(v.startswith("/api/v1/observations.xlsx?indicator=population") for v in meta_text)  # no MLR_PUBLIC_URL
    retrieved = db_series(built_db, ["population"], ["1280", "1281"], 2015, 2020)["retrieved_at"]
    assert "invånare" in meta_text and retrieved.max() in " ".join(meta_text)
    labels = [c.value for c in meta["A"]]
    assert "Skapad (UTC)" in labels and "Fråga (URL)" in labels


def test_json_round_trip(client, built_db) -> None:
    resp = client.get(f"/api/v1/observations.json?{POP}&lang=en")
    assert resp.status_code == 200
    body = json.loads(resp.data)
    assert body["columns"] == COLUMNS and body["count"] == 12
    assert body["query"] == {"indicator": "population", "region": "1281,1280", "from": "2015", "to": "2020",
                             "lang": "en"}
    got = pd.DataFrame(body["data"])
    assert set(got["indicator_name"]) == {"Population"} and set(got["unit"]) == {"inhabitants"}
    same_rows(got, db_series(built_db, ["population"], ["1280", "1281"], 2015, 2020))


def test_defaults_every_indicator_and_year_for_mlr_scope_and_all_regions_on_request(client, built_db) -> None:
    body = client.get("/api/v1/observations.json").get_json()
    scope = db_frame(built_db, "SELECT count(*) n FROM series WHERE region_code IN "
                               "(SELECT code FROM region WHERE mlr_member OR code IN ('MLR', '12', '00'))")["n"][0]
    assert body["count"] == scope
    assert {r["region_code"] for r in body["data"]} <= set(MEMBERS) | {"MLR", "12", "00"}
    total = db_frame(built_db, "SELECT count(*) n FROM series")["n"][0]
    assert client.get("/api/v1/observations.json?region=all").get_json()["count"] == total > 60_000
    got = pd.read_csv(io.BytesIO(client.get("/api/v1/observations.csv?indicator=settlement_quota").data),
                      dtype={"region_code": str})
    nulls = db_frame(built_db, "SELECT count(*) n FROM series WHERE indicator_id = 'settlement_quota' "
                               "AND value IS NULL")["n"][0]
    assert nulls > 0 and got["value"].isna().sum() == nulls  # NULL stays an empty field


def test_group_codes_and_focus(client, built_db) -> None:
    body = client.get("/api/v1/observations.json?indicator=population&region=mlr,12,00&from=2020&to=2020").get_json()
    assert [r["region_code"] for r in body["data"]] == ["MLR", "12", "00"]
    mlr = db_frame(built_db, "SELECT value FROM region_aggregate WHERE indicator_id='population' AND "
                             "group_code='MLR' AND period=2020")["value"][0]
    assert body["data"][0]["value"] == mlr and body["data"][0]["status"] == "derived"
    focus = client.get("/api/v1/observations.json?focus=bostadsbyggande&region=1280&from=2020&to=2020").get_json()
    own = set(db_frame(built_db, "SELECT indicator_id FROM focus_area_indicator "
                                 "WHERE focus_area_id = 'bostadsbyggande'")["indicator_id"])
    assert {"housing_completions", "housing_completions_per1000"} <= {r["indicator_id"] for r in focus["data"]} <= own
    assert "population" not in {r["indicator_id"] for r in focus["data"]}
    twice = client.get("/api/v1/observations.csv?indicator=population,population&region=1280&region=1280")
    once = client.get("/api/v1/observations.csv?indicator=population&region=1280")
    assert twice.data == once.data and twice.headers["Content-Disposition"] == once.headers["Content-Disposition"]


def test_measures_per_indicator(client, built_db) -> None:
    q = "indicator=housing_completions&region=1280,MLR&from=2015&to=2017"
    abs_ = client.get(f"/api/v1/observations.json?{q}").get_json()["data"]
    pop = client.get("/api/v1/observations.json?indicator=population&region=1280,MLR&from=2015&to=2017"
                     ).get_json()["data"]
    per = client.get(f"/api/v1/observations.json?{q}&measure=per1000").get_json()["data"]
    popv = {(r["region_code"], r["period"]): r["value"] for r in pop}
    for a, p in zip(abs_, per, strict=True):
        assert p["measure"] == "per1000" and p["unit"] == "per 1 000 invånare"
        assert p["value"] == pytest.approx(a["value"] / popv[(a["region_code"], a["period"])] * 1000, abs=1e-4)
    idx = client.get(f"/api/v1/observations.json?{q}&measure=index&base=2016").get_json()["data"]
    base = {r["region_code"]: r["value"] for r in abs_ if r["period"] == 2016}
    for a, i in zip(abs_, idx, strict=True):
        assert i["value"] == pytest.approx(a["value"] / base[a["region_code"]] * 100, abs=1e-4)
    share = client.get("/api/v1/observations.json?indicator=housing_completions&region=1280&from=2015&to=2017"
                       "&measure=share").get_json()["data"]
    mlr = {r["period"]: r["value"] for r in abs_ if r["region_code"] == "MLR"}
    assert [r["region_code"] for r in share] == ["1280"] * 3
    for a, s in zip([r for r in abs_ if r["region_code"] == "1280"], share, strict=True):
        assert s["value"] == pytest.approx(a["value"] / mlr[a["period"]] * 100, abs=1e-4)
    csv = client.get(f"/api/v1/observations.csv?{q}&measure=index&base=2016")
    assert "index2016" in csv.headers["Content-Disposition"]


# --- bad requests --------------------------------------------------------------------------------

BAD = [
    ("/api/v1/observations.csv?indicator=nope", "indicator", "unknown indicator 'nope'"),
    ("/api/v1/observations.csv?indicator=population,nope", "indicator", "allowed: "),
    ("/api/v1/observations.csv?region=9999", "region", "unknown region '9999'"),
    ("/api/v1/observations.csv?from=2020&to=2015", "from", "after to"),
    ("/api/v1/observations.csv?from=twenty", "from", "not a year"),
    ("/api/v1/observations.csv?to=2015.5", "to", "not a year"),
    ("/api/v1/observations.csv?from=%D9%A2%D9%A0%D9%A1%D9%A5", "from", "not a year"),  # Arabic-Indic digits
    ("/api/v1/observations.csv?from=1000&to=9999", "from", "outside 1900"),
    ("/api/v1/observations.csv?to=" + "9" * 1500, "to", "not a year"),
    ("/api/v1/observations.csv?indicator=population';DROP TABLE observation;--", "indicator", "unknown indicator"),
    ("/api/v1/observations.csv?region=1280) OR (1=1", "region", "unknown region"),
    ("/api/v1/observations.json?measure=abs'--", "measure", "unknown measure"),
    ("/api/v1/observations.csv?indicator=population&measure=per1000", "measure", "per1000 is not available"),
    ("/api/v1/observations.csv?indicator=unemployment_rate&measure=share", "measure", "share is not available"),
    ("/api/v1/observations.csv?indicator=population&measure=index&from=2015&to=2020&base=2010", "base", "outside"),
    ("/api/v1/observations.csv?regions=1280", "regions", "unknown parameter 'regions'"),
    ("/api/v1/observations.csv?from=2015&from=2016", "from", "more than once"),
    ("/api/v1/observations.csv?format=xml", "format", "allowed: csv, excel-sv"),
    ("/api/v1/observations.csv?sep=tab", "sep", "allowed: comma, semicolon"),
    ("/api/v1/observations.json?format=excel-sv", "format", "observations.csv only"),
    ("/api/v1/observations.xml", "format", "allowed: csv, xlsx, json"),
    ("/api/v1/observations", "format", "give a format"),
    ("/api/v1/observations.csv?lang=de", "lang", "allowed: sv, en"),
    ("/api/v1/observations.csv?focus=nope", "focus", "unknown focus area"),
    ("/api/v1/observations.csv?focus=bostadsbyggande&indicator=population", "indicator", "not in focus area"),
    ("/api/v1/observations.csv?indicator=" + ",".join(f"x{i}" for i in range(51)), "indicator", "at most 50"),
    ("/api/v1/observations.csv?indicator=" + "x" * 3000, "query", "longer than"),
    ("/api/v1/indicators?x=1", "x", "unknown parameter"),
    ("/api/v1/regions?region=1280", "region", "unknown parameter"),
    ("/api/v1/observations.csv?indicator=%3Cscript%3Ealert(1)%3C/script%3E", "indicator", "unknown indicator"),
]


@pytest.mark.parametrize("url,param,fragment", BAD)
def test_bad_request_is_a_400_naming_the_parameter(client, url: str, param: str, fragment: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 400, resp.data[:200]
    assert resp.mimetype == "application/json"
    error = resp.get_json()["error"]
    assert error["param"] == param
    assert fragment in error["message"]


def test_unknown_paths_and_methods_are_json(client) -> None:
    for path in ("/api/v1/nope", "/api/v2/indicators", "/api/", "/api", "/api/v1/indicators/"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.get_json()["error"]["param"] is None, path
    resp = client.post("/api/v1/observations.csv")
    assert resp.status_code == 405 and "GET" in resp.get_json()["error"]["message"]
    assert client.delete("/api/v1/indicators").status_code == 405
    assert client.get("/finns-inte").mimetype == "text/html"  # pages keep their own 404


def test_the_database_is_never_touched_by_sql_from_input(client, built_db) -> None:
    before = db_frame(built_db, "SELECT count(*) n FROM observation")["n"][0]
    client.get("/api/v1/observations.csv?indicator=population';DELETE FROM observation;--")
    client.get("/api/v1/observations.csv?region=1280'); DROP TABLE observation; --")
    assert db_frame(built_db, "SELECT count(*) n FROM observation")["n"][0] == before


# --- the OpenAPI description -----------------------------------------------------------------------


def test_openapi_validates_and_matches_the_routes(client, app) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    from dashboard.api import HELP_ENDPOINTS

    routes = {r.rule for r in app.server.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") and r.endpoint not in HELP_ENDPOINTS}
    assert set(spec["paths"]) == routes
    params = {p["name"] for p in spec["components"]["parameters"].values()}
    assert {"indicator", "region", "from", "to", "measure", "base", "focus", "lang", "sep", "format"} <= params
    observation = spec["components"]["schemas"]["Observation"]
    assert observation["required"] == COLUMNS and set(observation["properties"]) == set(COLUMNS)


# --- a crafted indicator name starting with '=' ------------------------------------------------------


def test_crafted_indicator_name_is_neutralised_in_csv_and_xlsx(client, data_copy, tmp_path) -> None:
    from dashboard import db
    from tests.conftest import build_db

    path = data_copy / "catalog" / "indicators.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    evil = '=HYPERLINK("http://evil.example","klick")'
    doc["indicators"][[i["id"] for i in doc["indicators"]].index("population")]["name_sv"] = evil
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    crafted = build_db(data_copy, tmp_path / "crafted.duckdb")
    previous = db.get()
    db.configure(crafted)
    try:
        quoted = '"' + ("'" + evil).replace('"', '""') + '"'
        for query, sep in ((POP, ","), (f"{POP}&format=excel-sv", ";")):
            text = client.get(f"/api/v1/observations.csv?{query}").data.decode("utf-8-sig")
            assert f"{sep}{quoted}{sep}" in text
            cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep) for c in row]
            assert "'" + evil in cells and not any(c.startswith(("=", "+", "@")) for c in cells)
        wb = load_workbook(io.BytesIO(client.get(f"/api/v1/observations.xlsx?{POP}").data))
        names = {row[1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
        assert names == {"'" + evil}
        assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
        raw = client.get(f"/api/v1/observations.json?{POP}").get_json()
        assert {r["indicator_name"] for r in raw["data"]} == {evil}  # JSON keeps the data as stored
    finally:
        db._db = previous


def test_unreadable_database_is_a_json_503(client, tmp_path) -> None:
    from dashboard import db

    previous = db.get()
    db.configure(tmp_path / "missing.duckdb")
    try:
        for path in ("/api/v1/indicators", "/api/v1/observations.csv?indicator=population"):
            resp = client.get(path)
            assert resp.status_code == 503 and resp.get_json()["error"]["param"] is None
    finally:
        db._db = previous


def test_a_workbook_of_everything_is_refused_with_the_way_out_but_csv_gives_it(client) -> None:
    resp = client.get("/api/v1/observations.xlsx?region=all")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["param"] == "region" and "observations.csv" in error["message"] and "30,000" in error["message"]
    assert client.get("/api/v1/observations.xlsx?indicator=unemployment_18_64&region=all").status_code == 200
    csv_all = client.get("/api/v1/observations.csv?region=all")
    assert csv_all.status_code == 200 and csv_all.data.count(b"\n") > 70_000


def test_share_of_the_mlr_total_follows_membership_in_the_api_and_data_page(client) -> None:
    """Skurup (1264) joined in 2019: no share before; Helsingborg (1283) never has one."""
    body = client.get("/api/v1/observations.json?indicator=population&region=1264,1283,1280,MLR"
                      "&from=2017&to=2020&measure=share").get_json()
    share = {(r["region_code"], r["period"]): r["value"] for r in body["data"]}
    assert share[("1264", 2017)] is None and share[("1264", 2018)] is None
    assert 0 < share[("1264", 2019)] < 5 and share[("MLR", 2019)] == 100
    assert all(share[("1283", y)] is None for y in range(2017, 2021))
    assert 20 < share[("1280", 2017)] < 60
