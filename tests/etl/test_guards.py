"""Guards the rest of the suite left open: each test here fails if a realistic one-line bug is
planted in the product (a check dropped, a boundary moved, a copy instead of a rename)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from etl import load, pipeline
from etl.catalog import load_catalog
from etl.cli import cli
from etl.errors import InputError
from etl.sources.kolada import _observation
from etl.sources.kolada_bulk import BulkFile, entity_codes, load_source, read_file
from etl.sources.spec import KoladaSpec
from tests.conftest import build_db

HEADER = "indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note\n"
ROW = "population,1280,2030,100,final,SCB,https://example.invalid,2024-01-01,\n"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(data: Path, db: Path):
    return CliRunner().invoke(cli, ["build", "--data", str(data), "--db", str(db)])


def _refused(data: Path, db: Path) -> str:
    """Build once, break nothing else, expect the next build to exit 1 with the database unchanged."""
    before = _digest(db)
    result = _build(data, db)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _digest(db) == before
    return result.output


def _set_population(data: Path, region: str, year: int, add: float) -> float:
    """Add ``add`` to one seed value of population; return the value it had."""
    seed = data / "seed" / "population.csv"
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith(f"population,{region},{year},"))
    parts = lines[i].split(",")
    old = float(parts[3])
    parts[3] = str(int(old + add))
    lines[i] = ",".join(parts)
    seed.write_text("".join(lines), encoding="utf-8")
    return old


# --- 1-3: observation files ---------------------------------------------------------------------------


def test_key_repeated_across_two_seed_files_is_refused_naming_both(data_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    assert _build(data_copy, db).exit_code == 0
    line = next(line for line in (data_copy / "seed" / "population.csv").read_text(encoding="utf-8").splitlines()
                if line.startswith("population,1281,2020,"))
    (data_copy / "seed" / "zz_extra.csv").write_text(HEADER + line + "\n", encoding="utf-8")
    out = _refused(data_copy, db)
    assert "duplicate key (population, 1281, 2020)" in out
    assert "zz_extra.csv" in out and "population.csv" in out


def test_missing_status_with_a_value_is_refused(data_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    assert _build(data_copy, db).exit_code == 0
    with open(data_copy / "seed" / "population.csv", "a", encoding="utf-8") as fh:
        fh.write(ROW.replace(",final,", ",missing,"))
    out = _refused(data_copy, db)
    assert "population.csv" in out and "field 'status'" in out and "'missing' but the row has a value" in out


def test_negative_population_above_minus_one_is_refused(data_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    assert _build(data_copy, db).exit_code == 0
    with open(data_copy / "seed" / "population.csv", "a", encoding="utf-8") as fh:
        fh.write(ROW.replace(",100,", ",-0.5,"))
    out = _refused(data_copy, db)
    assert "population.csv" in out and "field 'value'" in out and "negative value -0.5" in out


# --- 4: catalogue cross-references ---------------------------------------------------------------------


def _edit_yaml(data: Path, name: str, change: Callable[[Any], str]) -> str:
    """Apply ``change`` to the parsed file, write it back; ``change`` returns the expected field path."""
    path = data / "catalog" / f"{name}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    field = change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return field


def _mlr_member(doc: Any) -> str:
    i = next(n for n, g in enumerate(doc["groups"]) if g["code"] == "MLR")
    doc["groups"][i]["members"].append({"code": "9999"})
    return f"groups[{i}].members[{len(doc['groups'][i]['members']) - 1}].code"


def _responsible(doc: Any) -> str:
    i = next(n for n, f in enumerate(doc["focus_areas"]) if f.get("responsible"))
    doc["focus_areas"][i]["responsible"][0] = "9999"
    return f"focus_areas[{i}].responsible[0]"


def _headline(doc: Any) -> str:
    i = next(n for n, f in enumerate(doc["focus_areas"]) if f.get("headline_indicators"))
    doc["focus_areas"][i]["headline_indicators"][-1] = "nope"
    return f"focus_areas[{i}].headline_indicators[{len(doc['focus_areas'][i]['headline_indicators']) - 1}]"


def _activity_indicator(doc: Any) -> str:
    i = next(n for n, a in enumerate(doc["activities"]) if a.get("indicator_ids"))
    doc["activities"][i]["indicator_ids"][0] = "nope"
    return f"activities[{i}].indicator_ids[0]"


def _follow_up(doc: Any) -> str:
    doc["follow_up"][0]["focus_area_id"] = "nope"
    return "follow_up[0].focus_area_id"


def _indicator_ref(key: str, where: Callable[[dict], bool]) -> Callable[[Any], str]:
    def change(doc: Any) -> str:
        i = next(n for n, ind in enumerate(doc["indicators"]) if where(ind))
        doc["indicators"][i][key] = "nope"
        return f"indicators[{i}].{key}"

    return change


CROSS = {
    "mlr member": ("regions", _mlr_member, "unknown municipality '9999'"),
    "plan responsible": ("plan", _responsible, "unknown municipality '9999'"),
    "plan headline_indicators": ("plan", _headline, "unknown indicator 'nope'"),
    "activity indicator_ids": ("activities", _activity_indicator, "unknown indicator 'nope'"),
    "follow_up focus_area_id": ("follow_up", _follow_up, "unknown focus area 'nope'"),
    "indicator break_with": ("indicators", _indicator_ref("break_with", lambda i: bool(i.get("break_with"))),
                             "unknown indicator 'nope'"),
    "indicator substitute_for": ("indicators", _indicator_ref("substitute_for", lambda i: bool(i.get("substitute_for"))),
                                 "unknown indicator 'nope'"),
    "indicator weight_indicator": ("indicators", _indicator_ref(
        "weight_indicator", lambda i: i.get("aggregation") == "population_weighted"), "unknown indicator 'nope'"),
}


@pytest.mark.parametrize("case", CROSS, ids=list(CROSS))
def test_catalogue_cross_reference_is_refused_naming_file_and_field(case: str, data_copy: Path) -> None:
    name, change, message = CROSS[case]
    field = _edit_yaml(data_copy, name, change)
    with pytest.raises(InputError) as err:
        load_catalog(data_copy / "catalog")
    expected = f"{data_copy / 'catalog' / (name + '.yaml')}, field '{field}': {message}"
    assert expected in [str(p) for p in err.value.problems], str(err.value)


def test_unchanged_catalogue_copy_still_loads(data_copy: Path) -> None:
    """The YAML round trip the cross-reference cases use changes nothing by itself."""
    for name in ("regions", "plan", "activities", "follow_up", "indicators"):
        _edit_yaml(data_copy, name, lambda doc: "")
    load_catalog(data_copy / "catalog")


# --- 5: Swedish CSV import ----------------------------------------------------------------------------


def test_swedish_csv_with_no_break_space_thousands_imports_exactly(data_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    assert _build(data_copy, db).exit_code == 0
    sheet = tmp_path / "lokala.csv"
    sheet.write_text("indicator;region;period;value;source;note\n"
                     "population;1280;2030;1\u00a0234,5;Malmö stad;x\n"
                     "population;1281;2030;2\u00a0345\u00a0678;Lund;y\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(sheet), "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("SELECT region_code, value FROM observation WHERE indicator_id='population' "
                               "AND period=2030").fetchall())
    assert got == {"1280": 1234.5, "1281": 2345678.0}


# --- 6-7: history and publishing ----------------------------------------------------------------------


def _rebuild(data: Path, db: Path) -> load.BuildResult:
    inputs = pipeline.collect(data)
    return load.build(db, inputs.catalog, inputs.observations, checksum=inputs.checksum, source="test")


def test_history_of_earlier_loads_survives_later_builds(data_copy: Path, tmp_path: Path) -> None:
    db = build_db(data_copy, tmp_path / "h.duckdb")
    first = _set_population(data_copy, "1281", 2020, 7)
    second_load = _rebuild(data_copy, db).load_id
    _set_population(data_copy, "1281", 2020, 4)  # now first + 11
    third_load = _rebuild(data_copy, db).load_id
    with duckdb.connect(str(db), read_only=True) as con:
        hist = con.execute("SELECT value, superseded_by FROM observation_history WHERE indicator_id='population' "
                           "AND region_code='1281' AND period=2020 ORDER BY superseded_at").fetchall()
        live = con.execute("SELECT value FROM observation WHERE indicator_id='population' AND region_code='1281' "
                           "AND period=2020").fetchone()[0]
        loads = con.execute("SELECT count(*) FROM load_log").fetchone()[0]
    assert hist == [(first, second_load), (first + 7, third_load)]
    assert live == first + 11 and loads == 3


def test_publish_is_an_atomic_rename_not_a_copy_over_the_live_file(data_copy: Path, tmp_path: Path) -> None:
    db = build_db(data_copy, tmp_path / "live.duckdb")
    old_bytes = db.read_bytes()
    old_inode = os.stat(db).st_ino
    fd = os.open(db, os.O_RDONLY)  # a reader that has the old file open while the ETL publishes
    try:
        old = _set_population(data_copy, "1281", 2020, 3)
        _rebuild(data_copy, db)
        assert os.stat(db).st_ino != old_inode  # a new file took the name
        assert os.fstat(fd).st_ino == old_inode
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        assert b"".join(chunks) == old_bytes  # the open reader still sees the old database whole
    finally:
        os.close(fd)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM observation WHERE indicator_id='population' AND region_code='1281' "
                           "AND period=2020").fetchone()[0] == old + 3
    assert not list(tmp_path.glob(".live.duckdb.tmp-*"))


# --- 10: Kolada period_from / period_to ---------------------------------------------------------------


def _kolada_spec(kpi: str = "N03937", **over: Any) -> KoladaSpec:
    return KoladaSpec.model_validate({"indicator": "unemployment_rate", "source": "kolada", "kpi": kpi,
                                      "label": f"Kolada {kpi}", **over})


def test_kolada_api_rows_outside_period_from_to_are_dropped() -> None:
    spec = _kolada_spec(period_from=2015, period_to=2020)
    kept = {}
    for year in range(2012, 2024):
        rec = {"kpi": "N03937", "municipality": "1280", "period": year,
               "values": [{"gender": "T", "value": 5.0, "status": ""}]}
        row = _observation(spec, rec, {"1280"}, "http://x", "2024-01-01")
        if row is not None:
            kept[row["period"]] = row["value"]
    assert sorted(kept) == list(range(2015, 2021))
    only_from = _kolada_spec(period_from=2015)
    only_to = _kolada_spec(period_to=2020)
    for year, s, expected in ((2014, only_from, False), (2015, only_from, True), (2020, only_to, True),
                              (2021, only_to, False)):
        rec = {"kpi": "N03937", "municipality": "1280", "period": year, "values": [{"gender": "T", "value": 1}]}
        assert (_observation(s, rec, {"1280"}, "http://x", "2024-01-01") is not None) is expected, (year, s)


def test_kolada_bulk_rows_outside_period_from_to_are_dropped(tmp_path: Path) -> None:
    from tests.conftest import DATA

    path = tmp_path / "ddf--datapoints--n00914--by--geo--year.csv"
    path.write_text("geo,year,n00914\n" + "".join(f"1280,{y},{y - 2000}.5\n" for y in range(2008, 2025)),
                    encoding="utf-8")
    spec = _kolada_spec("N00914", indicator="employment_rate_rams", period_from=2012, period_to=2019)
    problems: list = []
    frame = read_file(BulkFile(path, "N00914"), spec, entity_codes(DATA / "kolada"), load_source(DATA / "kolada"),
                      problems)
    assert problems == []
    assert sorted(frame["period"]) == list(range(2012, 2020))
    assert dict(zip(frame["period"], frame["value"], strict=True))[2012] == 12.5
    open_ended = _kolada_spec("N00914", indicator="employment_rate_rams", period_to=2010)
    frame = read_file(BulkFile(path, "N00914"), open_ended, entity_codes(DATA / "kolada"),
                      load_source(DATA / "kolada"), problems)
    assert sorted(frame["period"]) == [2008, 2009, 2010]
    open_ended = _kolada_spec("N00914", indicator="employment_rate_rams", period_from=2023)
    frame = read_file(BulkFile(path, "N00914"), open_ended, entity_codes(DATA / "kolada"),
                      load_source(DATA / "kolada"), problems)
    assert sorted(frame["period"]) == [2023, 2024]


def test_an_unknown_region_code_is_named_in_one_short_line(tmp_path: Path) -> None:
    """With every municipality of Sweden in the catalogue, listing the allowed codes made a 2 000-character line."""
    from etl.catalog import load_catalog
    from etl.errors import InputError
    from etl.observations import read_observation_file

    path = tmp_path / "x.csv"
    path.write_text("indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note\n"
                    "population,9999,2020,1,final,SCB,,2024-01-01,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_observation_file(path, load_catalog(Path(__file__).resolve().parents[2] / "data" / "catalog"))
    (message,) = [str(p) for p in caught.value.problems]
    assert "line 2, field 'region_code': unknown region code '9999'" in message and len(message) < 300
