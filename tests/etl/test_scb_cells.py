"""SCB answers must hold exactly the cells asked for, decoded by json-stat2 `index` positions.

Each test serves a modified copy of a recorded fixture from the local PxWeb fake: the request is
sliced out of the recorded cube as a real server would, then the answer is tampered with (a region
dropped, a code renamed, a year missing, index order shuffled …) before it is sent.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.cli import cli
from etl.sources import SourceError
from etl.sources.scb import decode_jsonstat2
from tests.etl.test_fetch_cli import _only_tab638
from tests.etl.test_sources_scb import (
    FIXTURES,
    MLR_AND_MORE,
    FakePxWeb,
    fixture,
    housing_spec,
    population_spec,
    run,
    slice_dataset,
    value,
)

Tamper = Callable[[dict[str, Any], dict[str, list[str]]], dict[str, Any]]


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.no_handler_status_code = 404
    return httpserver


class TamperedPxWeb(FakePxWeb):
    """The fake PxWeb server, but every data answer goes through `tamper(answer, selection)`."""

    def __init__(self, server: HTTPServer, tamper: Tamper, **kw: Any):
        self.tamper = tamper
        super().__init__(server, **kw)

    def handle(self, request: Request) -> Response:
        sel = self.selection(request)
        self.requests.append(sel)
        body = self.tamper(slice_dataset(self.data, sel), sel)
        return Response(json.dumps(body, ensure_ascii=False), 200, content_type="application/json; charset=utf-8")


def population_server(server: HTTPServer, tamper: Tamper, data: str = "v2_TAB638_data.json") -> TamperedPxWeb:
    return TamperedPxWeb(
        server, tamper, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"), data=fixture(data)
    )


def housing_server(server: HTTPServer, tamper: Tamper) -> TamperedPxWeb:
    return TamperedPxWeb(
        server,
        tamper,
        table="TAB4572",
        metadata=fixture("v2_TAB4572_metadata.json"),
        data=fixture("v2_TAB4572_data.json"),
    )


# --------------------------------------------------------------------------- json-stat2 editing


def _codes(ds: dict[str, Any], dim: str) -> list[str]:
    idx = ds["dimension"][dim]["category"]["index"]
    return sorted(idx, key=idx.__getitem__)


def _strides(sizes: list[int]) -> list[int]:
    return [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]


def _rebuild(ds: dict[str, Any], dim: str, new_codes: list[str], source: list[int | None]) -> dict[str, Any]:
    """`ds` with dimension `dim` having categories new_codes, new position k taken from old position
    source[k] (None: a new category, its cells get value None)."""
    out = copy.deepcopy(ds)
    d = ds["id"].index(dim)
    old_sizes = ds["size"]
    new_sizes = [*old_sizes]
    new_sizes[d] = len(new_codes)
    old_st, new_st = _strides(old_sizes), _strides(new_sizes)
    status = ds.get("status") or {}
    values, new_status = [], {}
    for flat in range(math.prod(new_sizes)):
        pos = [(flat // s) % n for s, n in zip(new_st, new_sizes, strict=True)]
        src = source[pos[d]]
        if src is None:
            values.append(None)
            continue
        pos[d] = src
        old = sum(p * s for p, s in zip(pos, old_st, strict=True))
        values.append(ds["value"][old])
        if str(old) in status:
            new_status[str(flat)] = status[str(old)]
    cat = out["dimension"][dim]["category"]
    old_labels = cat.get("label", {})
    cat["index"] = {c: i for i, c in enumerate(new_codes)}
    cat["label"] = {c: old_labels.get(c, c) for c in new_codes}
    out["size"], out["value"] = new_sizes, values
    out.pop("status", None)
    if new_status:
        out["status"] = new_status
    return out


def drop_code(ds: dict[str, Any], dim: str, code: str) -> dict[str, Any]:
    """The answer without one category of `dim` (dimension, size and values all consistent)."""
    old = _codes(ds, dim)
    kept = [c for c in old if c != code]
    return _rebuild(ds, dim, kept, [old.index(c) for c in kept])


def rename_code(ds: dict[str, Any], dim: str, old_code: str, new_code: str) -> dict[str, Any]:
    out = copy.deepcopy(ds)
    cat = out["dimension"][dim]["category"]
    cat["index"] = {(new_code if c == old_code else c): i for c, i in cat["index"].items()}
    cat["label"] = {(new_code if c == old_code else c): t for c, t in cat["label"].items()}
    return out


def add_code(ds: dict[str, Any], dim: str, code: str) -> dict[str, Any]:
    """The answer with one more (unrequested) category of `dim`; its cells have no value."""
    old = _codes(ds, dim)
    return _rebuild(ds, dim, [*old, code], [*range(len(old)), None])


def reorder_index(ds: dict[str, Any], dim: str, order: list[str]) -> dict[str, Any]:
    """The same cells with `dim`'s categories at other index positions; `label` keeps the old order."""
    old = _codes(ds, dim)
    labels = ds["dimension"][dim]["category"]["label"]
    out = _rebuild(ds, dim, order, [old.index(c) for c in order])
    out["dimension"][dim]["category"]["label"] = dict(labels)  # dict order now differs from index order
    return out


def assert_cells_error(err: pytest.ExceptionInfo[SourceError], table: str, variable: str, *parts: str) -> str:
    msg = str(err.value)
    assert f"SCB table {table}" in msg
    assert f"variable {variable!r}" in msg
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"
    assert "/data?" in msg or "/v1/ssd/" in msg  # the URL of the offending request is named
    return msg


# --------------------------------------------------------------------------- missing / unexpected codes


def test_answer_lacking_a_requested_region_is_refused(server: HTTPServer) -> None:
    population_server(server, lambda ds, _sel: drop_code(ds, "Region", "1281"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    msg = assert_cells_error(err, "TAB638", "Region", "missing requested code(s) ['1281']")
    assert msg.startswith("spec (SCB TAB638 Folkmängd 31 december (BE0101N1)): ")
    assert "unexpected" not in msg


def test_answer_with_a_renamed_region_code_is_refused(server: HTTPServer) -> None:
    population_server(server, lambda ds, _sel: rename_code(ds, "Region", "1281", "1290"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    assert_cells_error(
        err, "TAB638", "Region", "missing requested code(s) ['1281']", "unexpected code(s) ['1290']"
    )


def test_answer_with_an_unrequested_region_is_refused(server: HTTPServer) -> None:
    population_server(server, lambda ds, _sel: add_code(ds, "Region", "1287"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    msg = assert_cells_error(err, "TAB638", "Region", "unexpected code(s) ['1287']")
    assert "missing requested" not in msg


def test_answer_lacking_a_year_is_refused(server: HTTPServer) -> None:
    population_server(server, lambda ds, _sel: drop_code(ds, "Tid", "2023"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    assert_cells_error(err, "TAB638", "Tid", "missing requested code(s) ['2023']")


def test_answer_with_another_contents_code_is_refused(server: HTTPServer) -> None:
    population_server(server, lambda ds, _sel: rename_code(ds, "ContentsCode", "BE0101N1", "BE0101N2"))
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    assert_cells_error(
        err, "TAB638", "ContentsCode", "missing requested code(s) ['BE0101N1']", "unexpected code(s) ['BE0101N2']"
    )


def test_several_wrong_variables_are_all_named(server: HTTPServer) -> None:
    population_server(
        server, lambda ds, _sel: drop_code(rename_code(ds, "Alder", "tot", "totalt"), "Region", "00")
    )
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    msg = assert_cells_error(err, "TAB638", "Region", "missing requested code(s) ['00']")
    assert "variable 'Alder': missing requested code(s) ['tot'], unexpected code(s) ['totalt']" in msg


def test_answer_lacking_a_summed_house_type_is_refused(server: HTTPServer) -> None:
    housing_server(server, lambda ds, _sel: drop_code(ds, "Hustyp", "SMÅHUS"))
    with pytest.raises(SourceError) as err:
        run(server, housing_spec(), regions=["12"])
    assert_cells_error(err, "TAB4572", "Hustyp", "missing requested code(s) ['SMÅHUS']")


def test_answer_lacking_a_quarter_is_refused(server: HTTPServer) -> None:
    housing_server(server, lambda ds, _sel: drop_code(ds, "Tid", "2021K3"))
    with pytest.raises(SourceError) as err:
        run(server, housing_spec(), regions=["12"])
    assert_cells_error(err, "TAB4572", "Tid", "missing requested code(s) ['2021K3']")


def test_answer_with_an_unrequested_dimension_is_refused(server: HTTPServer) -> None:
    def with_kon(ds: dict[str, Any], _sel: dict[str, list[str]]) -> dict[str, Any]:
        out = copy.deepcopy(ds)
        out["id"].append("Kon")
        out["size"].append(1)
        out["dimension"]["Kon"] = {"label": "kön", "category": {"index": {"1": 0}, "label": {"1": "män"}}}
        return out

    population_server(server, with_kon)
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    assert_cells_error(err, "TAB638", "Kon", "not asked for", "unexpected code(s) ['1']")


def test_answer_lacking_a_fixed_dimension_is_refused(server: HTTPServer) -> None:
    def without_alder(ds: dict[str, Any], _sel: dict[str, list[str]]) -> dict[str, Any]:
        out = copy.deepcopy(ds)
        i = out["id"].index("Alder")
        del out["id"][i], out["size"][i]
        del out["dimension"]["Alder"]
        return out

    population_server(server, without_alder)
    with pytest.raises(SourceError) as err:
        run(server, population_spec())
    assert_cells_error(err, "TAB638", "Alder", "response has no dimension 'Alder'")


def test_v1_answer_with_unrequested_region_is_refused(server: HTTPServer) -> None:
    # the recorded v1 answer holds 1280 and 1281; served as is for a request of 1280 alone
    table = "BE/BE0101/BE0101A/BefolkningNy"
    raw = (FIXTURES / "v1_BefolkningNy_data.json").read_bytes()
    server.expect_request(f"/v1/ssd/{table}", method="GET").respond_with_json(fixture("v1_BefolkningNy_metadata.json"))
    server.expect_request(f"/v1/ssd/{table}", method="POST").respond_with_data(
        raw, 200, content_type="application/json; charset=utf-8"
    )
    spec = population_spec(api="v1", table=table, label="SCB BE0101A BefolkningNy Folkmängd (BE0101N1)")
    with pytest.raises(SourceError) as err:
        run(server, spec, regions=["1280"])
    assert_cells_error(err, table, "Region", "unexpected code(s) ['1281']")


def test_split_requests_are_each_checked(server: HTTPServer) -> None:
    # only the chunk asking for 1281 loses it: the error must still come, from that chunk's URL
    def drop_in_one_chunk(ds: dict[str, Any], sel: dict[str, list[str]]) -> dict[str, Any]:
        return drop_code(ds, "Tid", "2024") if sel["Region"] == ["1281"] and "2024" in sel["Tid"] else ds

    population_server(server, drop_in_one_chunk)
    with pytest.raises(SourceError) as err:
        run(server, population_spec(), scb_max_cells=2)
    msg = assert_cells_error(err, "TAB638", "Tid", "missing requested code(s) ['2024']")
    assert "valueCodes%5BRegion%5D=1281&" in msg


def test_a_refused_answer_publishes_nothing(server: HTTPServer, data_copy: Path, tmp_path: Path) -> None:
    """`python -m etl fetch` end to end: the check's SourceError leaves the live database and data/ alone."""
    _only_tab638(data_copy)
    live = tmp_path / "live.duckdb"
    built = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(live)])
    assert built.exit_code == 0, built.output
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    population_server(server, lambda ds, _sel: rename_code(ds, "Region", "1281", "1290"))
    result = CliRunner().invoke(
        cli,
        ["fetch", "--source", "scb", "--indicator", "population", "--base-url", server.url_for("/api/v2"),
         "--data", str(data_copy), "--db", str(live), "--no-progress"],
    )
    assert result.exit_code == 1, result.output
    assert "Fetch failed; nothing was published" in result.output
    assert "SCB table TAB638" in result.output and "['1290']" in result.output
    assert "Traceback" not in result.output
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    assert not (data_copy / "fetched").exists()


# --------------------------------------------------------------------------- value array vs dimensions


def test_value_array_shorter_than_the_dimensions_is_refused(server: HTTPServer) -> None:
    def short(ds: dict[str, Any], _sel: dict[str, list[str]]) -> dict[str, Any]:
        out = drop_code(ds, "Region", "1281")
        out["dimension"] = ds["dimension"]  # categories still list 1281, size and values do not
        out["size"] = ds["size"]
        return out

    population_server(server, short)
    with pytest.raises(SourceError, match=r"expected 12 values, got 9"):
        run(server, population_spec())


def test_sparse_values_outside_the_cube_are_refused() -> None:
    ds = {
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [1, 2],
        "dimension": {
            "Region": {"category": {"index": ["1280"]}},
            "Tid": {"category": {"index": {"2023": 0, "2024": 1}}},
        },
        "value": {"0": 5, "7": 9},
    }
    with pytest.raises(SourceError, match=r"value index '7' outside the 2 cells"):
        decode_jsonstat2(ds, "http://x")


# --------------------------------------------------------------------------- index order


def test_categories_are_decoded_by_index_not_label_order(server: HTTPServer) -> None:
    """Region and Tid `index` objects in another order than their `label` objects (and than the request)."""

    def shuffle(ds: dict[str, Any], sel: dict[str, list[str]]) -> dict[str, Any]:
        out = reorder_index(ds, "Tid", list(reversed(_codes(ds, "Tid"))))
        regions = _codes(out, "Region")
        out = reorder_index(out, "Region", regions[1:] + regions[:1])
        # the JSON also lists the index keys out of position order
        for dim in ("Region", "Tid"):
            idx = out["dimension"][dim]["category"]["index"]
            out["dimension"][dim]["category"]["index"] = dict(sorted(idx.items(), key=lambda kv: str(kv[0])))
        assert list(out["dimension"]["Tid"]["category"]["label"]) != _codes(out, "Tid")
        return out

    population_server(server, shuffle)
    df = run(server, population_spec())
    assert len(df) == 12
    assert value(df, "1280", 2024) == 365644.0
    assert value(df, "1281", 2023) == 130288.0
    assert value(df, "00", 2022) == 10521556.0


def test_status_follows_index_positions(server: HTTPServer) -> None:
    population_server(
        server,
        lambda ds, _sel: reorder_index(ds, "Tid", ["2024", "2022", "2023"]),
        data="v2_TAB638_data_markers.json",
    )
    df = run(server, population_spec(), regions=[*MLR_AND_MORE, "1231"])
    assert value(df, "1281", 2024, "status") == "missing" and "'..'" in value(df, "1281", 2024, "note")
    assert value(df, "1231", 2023, "status") == "missing" and "'-'" in value(df, "1231", 2023, "note")
    assert value(df, "1280", 2023) == 362133.0 and value(df, "1280", 2023, "status") == "preliminary"
    assert value(df, "1280", 2022, "status") == "final"


def _tiny(index: Any) -> dict[str, Any]:
    return {
        "class": "dataset",
        "id": ["Tid"],
        "size": [3],
        "dimension": {"Tid": {"category": {"index": index, "label": {"2022": "2022", "2023": "2023", "2024": "2024"}}}},
        "value": [1, 2, 3],
    }


def test_decoder_uses_index_positions() -> None:
    cube = decode_jsonstat2(_tiny({"2024": 0, "2022": 2, "2023": 1}), "http://x")
    assert [(c.dims["Tid"], c.value) for c in cube.cells] == [("2024", 1.0), ("2023", 2.0), ("2022", 3.0)]
    cube = decode_jsonstat2(_tiny(["2023", "2024", "2022"]), "http://x")
    assert [(c.dims["Tid"], c.value) for c in cube.cells] == [("2023", 1.0), ("2024", 2.0), ("2022", 3.0)]


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ({"2022": 0, "2023": 0, "2024": 2}, "index positions of 'Tid' are not 0..2"),
        ({"2022": 0, "2023": 1, "2024": 3}, "index positions of 'Tid' are not 0..2"),
        ({"2022": "0", "2023": 1, "2024": 2}, "index positions of 'Tid' are not 0..2"),
        (["2022", "2023", "2022"], re.escape("'Tid' lists category '2022' twice")),
    ],
)
def test_decoder_refuses_broken_index(index: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        decode_jsonstat2(_tiny(index), "http://x")
