"""``python -m etl fetch`` and ``import`` end to end: a local server answering in SCB's format,
a new database with provenance and revisions, and failures that publish nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from etl.cli import cli
from tests.etl.test_sources_scb import FakePxWeb, fixture


def _only_tab638(data: Path) -> None:
    path = data / "catalog" / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "  population_scb_tab5557:\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "    enabled: false\n", 1), encoding="utf-8")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(data_copy: Path, tmp_path: Path) -> Path:
    _only_tab638(data_copy)
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_fetch_publishes_with_provenance_and_revisions(httpserver: HTTPServer, data_copy: Path, live: Path) -> None:
    FakePxWeb(httpserver, table="TAB638", metadata=fixture("v2_TAB638_metadata.json"),
              data=fixture("v2_TAB638_data_markers.json"))
    args = ["fetch", "--source", "scb", "--indicator", "population", "--base-url", httpserver.url_for("/api/v2"),
            "--data", str(data_copy), "--db", str(live), "--no-progress"]
    dry = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "population 1281 2024: 131" in dry.output and "-> missing" in dry.output
    assert "Dry run" in dry.output and not (data_copy / "fetched").exists()

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Revised values (old -> new):" in result.output
    assert (data_copy / "fetched" / "scb.csv").exists()
    with duckdb.connect(str(live), read_only=True) as con:
        source, url, retrieved = con.execute(
            "SELECT source, source_url, retrieved_at FROM observation "
            "WHERE indicator_id='population' AND region_code='1280' AND period=2022").fetchone()
        assert "TAB638" in source and url.startswith(httpserver.url_for("/api/v2")) and retrieved is not None
        value, status, note = con.execute(
            "SELECT value, status, note FROM observation WHERE indicator_id='population' "
            "AND region_code='1281' AND period=2024").fetchone()
        assert value is None and status == "missing" and ".." in note
        old = con.execute("SELECT value FROM observation_history WHERE indicator_id='population' "
                          "AND region_code='1281' AND period=2024").fetchone()
        assert old is not None and old[0] > 100000
        # Years the fetch did not cover keep their seed figures (SCB's), Kolada's N01951 filling the rest.
        assert con.execute("SELECT count(*) FROM observation WHERE indicator_id='population' "
                           "AND period=2015 AND value IS NOT NULL AND source LIKE 'SCB%'").fetchone()[0] == 14
        assert con.execute("SELECT count(*) FROM observation WHERE indicator_id='population' "
                           "AND period=2015 AND value IS NOT NULL").fetchone()[0] == 290 + 21 + 1


def test_failed_fetch_publishes_nothing(httpserver: HTTPServer, data_copy: Path, live: Path) -> None:
    httpserver.expect_request("/api/v2/config").respond_with_json(fixture("v2_config.json"))
    httpserver.expect_request("/api/v2/tables/TAB638/metadata").respond_with_json(
        fixture("v2_error_non_existent_variable.json"), status=404)
    before = _digest(live)
    result = CliRunner().invoke(cli, ["fetch", "--source", "scb", "--indicator", "population", "--base-url",
                                      httpserver.url_for("/api/v2"), "--data", str(data_copy), "--db", str(live),
                                      "--no-progress"])
    assert result.exit_code == 1
    assert "Fetch failed; nothing was published" in result.output and "TAB638" in result.output
    assert "Traceback" not in result.output
    assert _digest(live) == before and not (data_copy / "fetched").exists()


def test_import_xlsx_and_swedish_csv(data_copy: Path, live: Path, tmp_path: Path) -> None:
    import pandas as pd

    sheet = tmp_path / "industrinatten_uppfoljning.xlsx"
    pd.DataFrame({"indicator": ["industry_programme_applicants"], "region": ["1280"], "period": [2019],
                  "value": [57], "source": ["Gymnasieantagningen Malmö (test)"], "note": ["test"]}).to_excel(sheet, index=False)
    result = CliRunner().invoke(cli, ["import", str(sheet), "--data", str(data_copy), "--db", str(live)])
    assert result.exit_code == 0, result.output
    assert "industry_programme_applicants 1280: 2019" in result.output
    swedish = tmp_path / "andel.csv"
    swedish.write_bytes("indicator;region;period;value;source;note\nvocational_applicants;1281;2019;31,5;Lund (test);\n"
                        .encode("utf-8-sig"))
    assert CliRunner().invoke(cli, ["import", str(swedish), "--data", str(data_copy), "--db", str(live)]).exit_code == 0
    with duckdb.connect(str(live), read_only=True) as con:
        assert con.execute("SELECT value FROM observation WHERE indicator_id='industry_programme_applicants' "
                           "AND region_code='1280' AND period=2019").fetchone() == (57.0,)
        assert con.execute("SELECT value FROM observation WHERE indicator_id='vocational_applicants' "
                           "AND region_code='1281' AND period=2019").fetchone() == (31.5,)


def test_import_with_bad_row_names_the_users_file_and_changes_nothing(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bad = tmp_path / "fel.csv"
    bad.write_text("indicator,region,period,value,source,note\nindustry_programme_applicants,1280,2019,många,x,\n",
                   encoding="utf-8")
    before = _digest(live)
    result = CliRunner().invoke(cli, ["import", str(bad), "--data", str(data_copy), "--db", str(live)])
    assert result.exit_code == 1
    assert "fel.csv, line 2, field 'value'" in result.output
    assert _digest(live) == before and not (data_copy / "imports").exists()
