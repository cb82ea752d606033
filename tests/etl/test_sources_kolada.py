"""Kolada v3 client against a local HTTP server serving the recorded fixtures."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.sources import COLUMNS, FetchSettings, HttpSettings, KoladaSpec, SourceError, fetch
from etl.sources.kolada import from_kolada_id, to_kolada_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kolada"
LIVE = "https://api.kolada.se/v3"
FAST = FetchSettings(
    http=HttpSettings(timeout=2, connect_timeout=1, max_attempts=2, backoff_initial=0.01, backoff_max=0.02),
    kolada_window=0.01,
)
PATH = "/v3/data/kpi/N03937/municipality/1280,1281"


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.no_handler_status_code = 404
    return httpserver


def page(name: str, server: HTTPServer) -> Any:
    """A recorded page with its links pointed at the test server instead of api.kolada.se."""
    text = (FIXTURES / name).read_text(encoding="utf-8").replace(LIVE, server.url_for("/v3"))
    return json.loads(text)


def spec(kpi: str = "N03937", **over: Any) -> KoladaSpec:
    return KoladaSpec.model_validate(
        {"indicator": "unemployment_rate", "source": "kolada", "kpi": kpi, "label": f"Kolada {kpi}", **over}
    )


def run(server: HTTPServer, specs: dict[str, KoladaSpec], regions: list[str], **settings: Any) -> pd.DataFrame:
    return fetch(
        specs,
        base_urls={"kolada": server.url_for("/v3")},
        regions=regions,
        progress=False,
        settings=replace(FAST, **settings),
    )


def test_two_pages_are_followed(server: HTTPServer) -> None:
    server.expect_request(PATH, query_string={"per_page": "3"}).respond_with_json(
        page("v3_data_kpi_N03937_municipality_1280,1281_page1.json", server)
    )
    server.expect_request(PATH, query_string={"page": "2", "per_page": "3"}).respond_with_json(
        page("v3_data_kpi_N03937_municipality_1280,1281_page2.json", server)
    )
    df = run(server, {"u": spec()}, ["1280", "1281"], kolada_per_page=3)

    assert list(df.columns) == COLUMNS and len(df) == 6
    got = {(r.region_code, r.period): r.value for r in df.itertuples()}
    assert got[("1280", 2022)] == pytest.approx(4.9618) and got[("1281", 2024)] == pytest.approx(2.5531)
    assert set(df.status) == {"final"} and set(df.source) == {"Kolada N03937"}
    lund = df[df.region_code == "1281"].source_url.unique().tolist()
    assert lund == [server.url_for(PATH + "?page=2&per_page=3")]
    assert df[df.region_code == "1280"].source_url.iloc[0] == server.url_for(PATH + "?per_page=3")
    assert len(server.log) == 2


def test_repeated_next_url_stops_paging(server: HTTPServer) -> None:
    first = page("v3_data_kpi_N03937_municipality_1280,1281_page1.json", server)
    second = page("v3_data_kpi_N03937_municipality_1280,1281_page2.json", server)
    second["next_url"] = first["next_url"]  # a server bug: page 2 points to itself
    server.expect_request(PATH, query_string="").respond_with_json(first)
    server.expect_request(PATH, query_string={"page": "2", "per_page": "3"}).respond_with_json(second)
    df = run(server, {"u": spec()}, ["1280", "1281"])
    assert len(df) == 6 and len(server.log) == 2


def test_v2_style_next_page_is_accepted(server: HTTPServer) -> None:
    first = page("v3_data_kpi_N03937_municipality_1280,1281_page1.json", server)
    first["next_page"] = first.pop("next_url")
    server.expect_request(PATH, query_string="").respond_with_json(first)
    server.expect_request(PATH, query_string={"page": "2", "per_page": "3"}).respond_with_json(
        page("v3_data_kpi_N03937_municipality_1280,1281_page2.json", server)
    )
    assert len(run(server, {"u": spec()}, ["1280", "1281"])) == 6


def test_ids_are_batched_and_translated(server: HTTPServer) -> None:
    asked: list[str] = []

    def handle(request: Request) -> Response:
        ids = request.path.rsplit("/", 1)[1]
        asked.append(ids)
        values = [
            {
                "kpi": "N00945",
                "municipality": m,
                "period": 2020,
                "values": [{"count": 1, "gender": "T", "status": "", "value": 37.0}],
            }
            for m in ids.split(",")
            if m == "1280"
        ]
        return Response(
            json.dumps({"count": len(values), "values": values, "next_url": None}), 200, content_type="application/json"
        )

    server.expect_request(
        "/v3/data/kpi/N00945/municipality/1230,1231,1233,1261,1262,1263,1264,1267,1280,1281,1285,1287,0012,0000"
    ).respond_with_handler(handle)
    for prefix in ("1230,1231,1233,1261,1262", "1263,1264,1267,1280,1281", "1285,1287,0012,0000"):
        server.expect_request(f"/v3/data/kpi/N00945/municipality/{prefix}").respond_with_handler(handle)
    regions = [
        "1230",
        "1231",
        "1233",
        "1261",
        "1262",
        "1263",
        "1264",
        "1267",
        "1280",
        "1281",
        "1285",
        "1287",
        "12",
        "00",
    ]

    df = run(server, {"n": spec("N00945")}, regions)
    assert asked == ["1230,1231,1233,1261,1262,1263,1264,1267,1280,1281,1285,1287,0012,0000"]  # ≤ 25: one call
    assert df.value.tolist() == [37.0] and df.region_code.tolist() == ["1280"]

    asked.clear()
    run(server, {"n": spec("N00945")}, regions, kolada_batch=5)
    assert asked == ["1230,1231,1233,1261,1262", "1263,1264,1267,1280,1281", "1285,1287,0012,0000"]


def test_county_and_country_codes_come_back_as_ours(server: HTTPServer) -> None:
    body = {
        "count": 2,
        "values": [
            {
                "kpi": "N03937",
                "municipality": m,
                "period": 2024,
                "values": [{"count": 1, "gender": "T", "status": "", "value": v}],
            }
            for m, v in (("0012", 1.5), ("0000", 2.5))  # format test only; not real figures
        ],
        "next_url": None,
    }
    server.expect_request("/v3/data/kpi/N03937/municipality/0012,0000").respond_with_json(body)
    df = run(server, {"u": spec()}, ["12", "00"])
    assert df.region_code.tolist() == ["00", "12"] and df.value.tolist() == [2.5, 1.5]


def test_null_value_is_missing_with_status_text(server: HTTPServer) -> None:
    server.expect_request("/v3/data/kpi/N03937/municipality/1280").respond_with_json(
        json.loads((FIXTURES / "v3_data_kpi_N03937_municipality_1280_markers.json").read_text(encoding="utf-8"))
    )
    df = run(server, {"u": spec()}, ["1280"])
    row = df[df.period == 2024].iloc[0]
    assert row.status == "missing" and math.isnan(row.value) and row.note == "Kolada status: Missing"
    assert df[df.period == 2023].iloc[0].value == pytest.approx(4.9223)


def test_gender_filter_and_empty_result(server: HTTPServer) -> None:
    server.expect_request("/v3/data/kpi/N00945/municipality/1280").respond_with_json(
        json.loads((FIXTURES / "v3_data_kpi_N00945_municipality_1280.json").read_text(encoding="utf-8"))
    )
    df = run(server, {"n": spec("N00945", gender="K")}, ["1280"])  # the recording has only gender T
    assert df.empty and list(df.columns) == COLUMNS
    server.expect_request("/v3/data/kpi/N00973/municipality/1280").respond_with_json(
        {"count": 0, "values": [], "next_url": None, "previous_url": None}
    )
    df = run(server, {"n": spec("N00973")}, ["1280"])
    assert df.empty and list(df.columns) == COLUMNS and df.period.dtype == "int64"


def test_any_failure_means_no_partial_result(server: HTTPServer) -> None:
    server.expect_request("/v3/data/kpi/N00945/municipality/1280").respond_with_json(
        json.loads((FIXTURES / "v3_data_kpi_N00945_municipality_1280.json").read_text(encoding="utf-8"))
    )
    server.expect_request("/v3/data/kpi/N03937/municipality/1280").respond_with_data("down", 502)
    with pytest.raises(SourceError) as err:
        run(server, {"a_ok": spec("N00945"), "b_broken": spec("N03937")}, ["1280"])
    assert str(err.value).startswith("b_broken (Kolada N03937): GET failed after 2 attempts: HTTP 502")
    assert "/v3/data/kpi/N03937/municipality/1280" in str(err.value)


def test_unexpected_answer_shape_is_a_source_error(server: HTTPServer) -> None:
    server.expect_request("/v3/data/kpi/N03937/municipality/1280").respond_with_json({"error": "bad"})
    with pytest.raises(SourceError, match=r"no 'values' list \(keys: \['error'\]\)"):
        run(server, {"u": spec()}, ["1280"])


def test_fetch_argument_checks(server: HTTPServer) -> None:
    with pytest.raises(ValueError, match="no source mapping for indicator"):
        fetch({"u": spec()}, regions=["1280"], indicators=["nope"], progress=False)
    with pytest.raises(ValueError, match="region codes must be"):
        fetch({"u": spec()}, regions=["G185769"], progress=False)
    with pytest.raises(ValueError, match="unknown base URL key"):
        fetch({"u": spec()}, base_urls={"kolda": "http://x"}, regions=["1280"], progress=False)
    # filters leave nothing to fetch: no request at all
    assert fetch({"u": spec()}, regions=["1280"], sources=["scb"], progress=False).empty


def test_region_code_translation() -> None:
    assert [to_kolada_id(c) for c in ("1280", "12", "00")] == ["1280", "0012", "0000"]
    assert [from_kolada_id(c) for c in ("1280", "0012", "0000", "G185769")] == ["1280", "12", "00", "G185769"]
    with pytest.raises(ValueError):
        to_kolada_id("123")
