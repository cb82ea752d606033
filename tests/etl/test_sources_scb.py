"""SCB PxWebApi 2.0 / v1 client against a local HTTP server that serves the recorded fixtures."""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.sources import COLUMNS, FetchSettings, HttpSettings, ScbSpec, SourceError, fetch
from etl.sources import scb as scb_module
from etl.sources.scb import decode_jsonstat2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scb"
MLR_AND_MORE = ["1280", "1281", "12", "00"]
FAST = FetchSettings(
    http=HttpSettings(
        timeout=2, connect_timeout=2, max_attempts=3, backoff_initial=0.01, backoff_max=0.02, retry_after_max=0.02
    ),
    scb_window=0.01,
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8-sig"))


def slice_dataset(ds: dict[str, Any], selection: dict[str, list[str]]) -> dict[str, Any]:
    """What a PxWeb server answers for `selection` out of a bigger recorded json-stat2 cube."""
    unknown = [v for v in selection if v not in ds["id"]]
    if unknown:
        raise LookupError("Non-existent variable")
    out = copy.deepcopy(ds)
    keep: list[list[int]] = []
    for dim in ds["id"]:
        idx = ds["dimension"][dim]["category"]["index"]
        codes = sorted(idx, key=idx.__getitem__)
        wanted = selection.get(dim, codes)
        if any(c not in idx for c in wanted):
            raise LookupError("Non-existent value")
        kept = [c for c in codes if c in wanted]
        keep.append([idx[c] for c in kept])
        cat = out["dimension"][dim]["category"]
        cat["index"] = {c: i for i, c in enumerate(kept)}
        cat["label"] = {c: cat["label"][c] for c in kept}
    sizes = ds["size"]
    strides = [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]
    flats = [0]
    for positions, stride in zip(keep, strides, strict=True):
        flats = [f + p * stride for f in flats for p in positions]
    out["size"] = [len(k) for k in keep]
    out["value"] = [ds["value"][f] for f in flats]
    status = ds.get("status") or {}
    new_status = {str(i): status[str(f)] for i, f in enumerate(flats) if str(f) in status}
    out.pop("status", None)
    if new_status:
        out["status"] = new_status
    return out


class FakePxWeb:
    """PxWebApi 2.0 (or v1) routes on the test server, answering data requests from one fixture cube."""

    def __init__(self, server: HTTPServer, *, table: str, metadata: Any, data: dict[str, Any], api: str = "v2"):
        self.server, self.data, self.api = server, data, api
        self.requests: list[dict[str, list[str]]] = []
        self.methods: list[str] = []
        if api == "v2":
            server.expect_request("/api/v2/config").respond_with_json(fixture("v2_config.json"))
            server.expect_request(f"/api/v2/tables/{table}/metadata").respond_with_json(metadata)
            server.expect_request(f"/api/v2/tables/{table}/data").respond_with_handler(self.handle)
        else:
            path = f"/v1/ssd/{table}"
            server.expect_request(path, method="GET").respond_with_json(metadata)
            server.expect_request(path, method="POST").respond_with_handler(self.handle)

    def selection(self, request: Request) -> dict[str, list[str]]:
        if self.api == "v1":
            body = json.loads(request.get_data(as_text=True))
            assert body["response"] == {"format": "json-stat2"}
            return {q["code"]: q["selection"]["values"] for q in body["query"]}
        assert request.args["outputFormat"] == "json-stat2"
        if request.method == "POST":
            return {s["variableCode"]: s["valueCodes"] for s in request.get_json()["selection"]}
        out = {}
        for key, value in request.args.items():
            m = re.fullmatch(r"valueCodes\[(.+)\]", key)
            if m:
                out[m.group(1)] = value.split(",")
        return out

    def handle(self, request: Request) -> Response:
        sel = self.selection(request)
        self.requests.append(sel)
        self.methods.append(request.method)
        try:
            body = slice_dataset(self.data, sel)
        except LookupError as exc:
            problem = {"type": "Parameter error", "title": str(exc), "status": 400}
            return Response(json.dumps(problem), 400, content_type="application/problem+json")
        return Response(json.dumps(body, ensure_ascii=False), 200, content_type="application/json; charset=utf-8")


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.no_handler_status_code = 404  # an unexpected URL fails at once instead of being retried
    return httpserver


def population_spec(**over: Any) -> ScbSpec:
    spec: dict[str, Any] = {
        "indicator": "population",
        "source": "scb",
        "api": "v2",
        "table": "TAB638",
        "label": "SCB TAB638 Folkmängd 31 december (BE0101N1)",
        "selections": {"ContentsCode": "BE0101N1", "Alder": "tot"},
        "eliminate": ["Civilstand", "Kon"],
        "period_from": 2022,
    }
    spec.update(over)
    return ScbSpec.model_validate(spec)


def housing_spec(**over: Any) -> ScbSpec:
    spec: dict[str, Any] = {
        "indicator": "housing_starts",
        "source": "scb",
        "api": "v2",
        "table": "TAB4572",
        "label": "SCB TAB4572 Påbörjade lägenheter i nybyggda hus (BO0101A4)",
        "selections": {"ContentsCode": "BO0101A4", "Hustyp": {"codes": ["FLERBO", "SMÅHUS"], "sum": True}},
        "period_type": "quarter_sum",
    }
    spec.update(over)
    return ScbSpec.model_validate(spec)


def run(server: HTTPServer, spec: ScbSpec, regions: list[str] = MLR_AND_MORE, **settings: Any) -> pd.DataFrame:
    return fetch(
        {"spec": spec},
        base_urls={"scb_v2": server.url_for("/api/v2"), "scb_v1": server.url_for("/v1/ssd")},
        regions=regions,
        progress=False,
        settings=replace(FAST, **settings),
    )


def value(df: pd.DataFrame, region: str, period: int, col: str = "value") -> Any:
    row = df[(df.region_code == region) & (df.period == period)]
    assert len(row) == 1, f"expected one row for {region} {period}, got {len(row)}"
    return row.iloc[0][col]


def test_v2_fetch_decodes_population(server: HTTPServer) -> None:
    fake = FakePxWeb(
        server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data.json")
    )
    df = run(server, population_spec())

    assert list(df.columns) == COLUMNS
    assert len(df) == 12 and set(df.period) == {2022, 2023, 2024}
    assert df.period.dtype == "int64" and df.value.dtype == "float64"
    assert value(df, "1280", 2024) == 365644.0  # Malmö 31 Dec 2024 (SCB, see fixtures/README.md)
    assert value(df, "1281", 2023) == 130288.0
    assert value(df, "00", 2022) == 10521556.0
    assert set(df.status) == {"final"}
    assert set(df.indicator_id) == {"population"}
    assert set(df.source) == {"SCB TAB638 Folkmängd 31 december (BE0101N1)"}
    assert value(df, "12", 2024, "note") == "SCB total over eliminated Civilstand, Kon"
    url = value(df, "1280", 2024, "source_url")
    assert url.startswith(server.url_for("/api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2"))
    assert "valueCodes%5BRegion%5D=1280%2C1281%2C12%2C00" in url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value(df, "1280", 2024, "retrieved_at"))
    # the request asked for exactly what the spec says; eliminated variables are left out
    assert fake.requests == [
        {"Region": MLR_AND_MORE, "ContentsCode": ["BE0101N1"], "Alder": ["tot"], "Tid": ["2022", "2023", "2024"]}
    ]


def test_missing_markers_are_kept_never_zero(server: HTTPServer) -> None:
    data = fixture("v2_TAB638_data_markers.json")
    FakePxWeb(server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=data)
    df = run(server, population_spec(), regions=[*MLR_AND_MORE, "1231"])

    assert value(df, "1281", 2024, "status") == "missing"
    assert math.isnan(value(df, "1281", 2024))
    assert "'..'" in value(df, "1281", 2024, "note")
    assert value(df, "1231", 2023, "status") == "missing"  # '-' stays missing unless zero_markers says so
    assert "'-'" in value(df, "1231", 2023, "note")
    assert value(df, "1280", 2023, "status") == "preliminary"  # cell marker '*'
    assert value(df, "1280", 2023) == 362133.0
    assert value(df, "1280", 2024, "status") == "preliminary"  # Tid note "Preliminära uppgifter."
    assert "Preliminära" in value(df, "1280", 2024, "note")
    assert value(df, "1280", 2022, "status") == "final"
    assert (df.value.fillna(-1) != 0).all()


def test_zero_marker_rule_reads_nil_as_zero(server: HTTPServer) -> None:
    FakePxWeb(
        server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data_markers.json")
    )
    df = run(server, population_spec(status={"zero_markers": ["-"]}), regions=[*MLR_AND_MORE, "1231"])
    assert value(df, "1231", 2023) == 0.0 and value(df, "1231", 2023, "status") == "final"
    assert value(df, "1281", 2024, "status") == "missing"  # '..' is still missing


def test_cell_limit_splits_requests_with_same_result(server: HTTPServer) -> None:
    fake = FakePxWeb(
        server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data.json")
    )
    whole = run(server, population_spec())
    assert len(fake.requests) == 1
    split = run(server, population_spec(), scb_max_cells=2)

    assert len(fake.requests) == 1 + 8  # 4 regions × (2 + 1 years), each ≤ 2 cells
    assert all(len(r["Region"]) * len(r["Tid"]) <= 2 for r in fake.requests[1:])
    cols = ["indicator_id", "region_code", "period", "value", "status", "source", "note"]
    pd.testing.assert_frame_equal(whole[cols], split[cols])


def test_quarters_and_house_types_are_summed(server: HTTPServer) -> None:
    fake = FakePxWeb(
        server, table="TAB4572", metadata=fixture("v2_TAB4572_metadata.json"), data=fixture("v2_TAB4572_data.json")
    )
    df = run(server, housing_spec(), regions=["12"])

    # Skåne, flerbostadshus + småhus over K1–K4 (values in fixtures/README.md)
    assert df.period.tolist() == [2020, 2021]  # 2022 has only K1 published: not fetched, not emitted
    assert value(df, "12", 2020) == 7164.0
    assert value(df, "12", 2021) == 9228.0
    note = value(df, "12", 2021, "note")
    assert "sum of Hustyp FLERBO+SMÅHUS (table has no total code)" in note
    assert "sum of quarters 2021K1–2021K4" in note
    assert fake.requests[0]["Tid"] == [f"{y}K{q}" for y in (2020, 2021) for q in (1, 2, 3, 4)]

    # 9 cells fit one year of 2 house types (8 cells): two requests, same numbers
    again = run(server, housing_spec(), regions=["12"], scb_max_cells=9)
    assert len(fake.requests) == 3 and again.value.tolist() == df.value.tolist()
    with pytest.raises(SourceError, match="over the cell limit 7"):
        run(server, housing_spec(), regions=["12"], scb_max_cells=7)


def test_missing_quarter_makes_the_year_missing(server: HTTPServer) -> None:
    data = fixture("v2_TAB4572_data.json")
    data["value"][9 + 6] = None  # SMÅHUS 2021K3
    data["status"] = {"15": ".."}
    FakePxWeb(server, table="TAB4572", metadata=fixture("v2_TAB4572_metadata.json"), data=data)
    df = run(server, housing_spec(), regions=["12"])
    assert value(df, "12", 2020) == 7164.0
    assert value(df, "12", 2021, "status") == "missing" and math.isnan(value(df, "12", 2021))
    assert "SCB marker '..' for SMÅHUS 2021K3" in value(df, "12", 2021, "note")


def test_changed_variable_name_is_a_clear_error(server: HTTPServer) -> None:
    meta = fixture("v2_TAB638_metadata.json")
    meta["id"][0] = "Lan"
    meta["dimension"]["Lan"] = meta["dimension"].pop("Region")
    fake = FakePxWeb(server, table="TAB638", metadata=meta, data=fixture("v2_TAB638_data.json"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    msg = str(err.value)
    assert "table changed structure: variable 'Region' not found; available: Lan, Civilstand, Alder, Kon" in msg
    assert "spec (SCB TAB638" in msg and "/api/v2/tables/TAB638/metadata" in msg
    assert fake.requests == []


def test_absent_value_code_and_uncovered_variable_are_clear_errors(server: HTTPServer) -> None:
    FakePxWeb(server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data.json"))
    with pytest.raises(SourceError, match=r"value code\(s\) \['BE0101XX'\] of variable 'ContentsCode' not found"):
        run(server, population_spec(selections={"ContentsCode": "BE0101XX", "Alder": "tot"}))
    with pytest.raises(SourceError, match=r"variable\(s\) \['Kon'\] are not in the spec"):
        run(server, population_spec(eliminate=["Civilstand"]))
    with pytest.raises(SourceError, match=r"value code\(s\) \['9999'\] of variable 'Region'"):
        run(server, population_spec(), regions=["1280", "9999"])


def test_pxweb_error_body_is_reported_without_retry(server: HTTPServer) -> None:
    server.expect_request("/api/v2/config").respond_with_json(fixture("v2_config.json"))
    server.expect_request("/api/v2/tables/TAB638/metadata").respond_with_json(fixture("v2_TAB638_metadata.json"))
    body = (FIXTURES / "v2_error_non_existent_variable.json").read_text(encoding="utf-8")
    server.expect_request("/api/v2/tables/TAB638/data").respond_with_data(
        body, 400, content_type="application/problem+json"
    )
    with pytest.raises(SourceError, match="(?i)HTTP 400 bad request: Non-existent variable") as err:
        run(server, population_spec())
    assert "/api/v2/tables/TAB638/data?lang=sv" in str(err.value)
    assert sum(1 for req, _ in server.log if req.path.endswith("/data")) == 1


def test_truncated_body_names_the_url(server: HTTPServer) -> None:
    server.expect_request("/api/v2/config").respond_with_json(fixture("v2_config.json"))
    server.expect_request("/api/v2/tables/TAB638/metadata").respond_with_json(fixture("v2_TAB638_metadata.json"))
    text = (FIXTURES / "v2_TAB638_data.json").read_text(encoding="utf-8")
    server.expect_request("/api/v2/tables/TAB638/data").respond_with_data(text[: len(text) // 2])
    with pytest.raises(SourceError, match="not valid JSON, probably truncated") as err:
        run(server, population_spec())
    assert err.value.url is not None and "/api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2" in err.value.url


def test_empty_result_has_the_columns(server: HTTPServer) -> None:
    fake = FakePxWeb(
        server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data.json")
    )
    df = run(server, population_spec(period_from=2030, period_to=None))
    assert df.empty and list(df.columns) == COLUMNS
    assert fake.requests == []


def test_long_selection_goes_in_a_post_body(server: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scb_module, "MAX_GET_URL", 50)
    fake = FakePxWeb(
        server, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture("v2_TAB638_data.json")
    )
    df = run(server, population_spec())
    assert fake.methods == ["POST"] and value(df, "1280", 2024) == 365644.0


def test_v1_metadata_and_post_query(server: HTTPServer) -> None:
    table = "BE/BE0101/BE0101A/BefolkningNy"
    raw = (FIXTURES / "v1_BefolkningNy_data.json").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # served byte for byte: SCB v1 answers carry a UTF-8 BOM
    bodies: list[Any] = []

    def handle(request: Request) -> Response:
        bodies.append(json.loads(request.get_data(as_text=True)))
        return Response(raw, 200, content_type="application/json; charset=utf-8")

    server.expect_request(f"/v1/ssd/{table}", method="GET").respond_with_json(fixture("v1_BefolkningNy_metadata.json"))
    server.expect_request(f"/v1/ssd/{table}", method="POST").respond_with_handler(handle)
    spec = population_spec(api="v1", table=table, label="SCB BE0101A BefolkningNy Folkmängd (BE0101N1)")
    df = run(server, spec, regions=["1280", "1281"])

    assert bodies == [
        {
            "query": [
                {"code": "Region", "selection": {"filter": "item", "values": ["1280", "1281"]}},
                {"code": "ContentsCode", "selection": {"filter": "item", "values": ["BE0101N1"]}},
                {"code": "Alder", "selection": {"filter": "item", "values": ["tot"]}},
                {"code": "Tid", "selection": {"filter": "item", "values": ["2022", "2023", "2024"]}},
            ],
            "response": {"format": "json-stat2"},
        }
    ]
    assert value(df, "1280", 2022) == 357377.0 and value(df, "1281", 2024) == 131590.0
    assert len(df) == 6 and set(df.source_url) == {server.url_for(f"/v1/ssd/{table}")}


def test_decoder_accepts_sparse_values_and_status_arrays() -> None:
    ds = {
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [1, 2],
        "dimension": {
            "Region": {"category": {"index": ["1280"]}},
            "Tid": {"category": {"index": {"2023": 0, "2024": 1}}},
        },
        "value": {"0": 5},
        "status": [None, ".."],
    }
    cube = decode_jsonstat2(ds, "http://x")
    assert [(c.dims["Tid"], c.value, c.status) for c in cube.cells] == [("2023", 5.0, None), ("2024", None, "..")]
    ds["value"] = [1, 2, 3]
    with pytest.raises(SourceError, match="expected 2 values, got 3"):
        decode_jsonstat2(ds, "http://x")


def test_time_codes_of_another_kind_are_a_clear_error(server: HTTPServer) -> None:
    FakePxWeb(
        server, table="TAB4572", metadata=fixture("v2_TAB4572_metadata.json"), data=fixture("v2_TAB4572_data.json")
    )
    with pytest.raises(SourceError, match="time codes like '2020K1' are not year codes"):
        run(server, housing_spec(period_type="year"), regions=["12"])


def test_response_without_the_region_dimension_is_rejected(server: HTTPServer) -> None:
    data = fixture("v2_TAB638_data.json")
    data["id"][0] = "Kommun"
    data["dimension"]["Kommun"] = data["dimension"].pop("Region")
    server.expect_request("/api/v2/config").respond_with_json(fixture("v2_config.json"))
    server.expect_request("/api/v2/tables/TAB638/metadata").respond_with_json(fixture("v2_TAB638_metadata.json"))
    server.expect_request("/api/v2/tables/TAB638/data").respond_with_json(data)
    with pytest.raises(SourceError, match=r"response has no dimension 'Region' \(dimensions: \['Kommun'"):
        run(server, population_spec())
