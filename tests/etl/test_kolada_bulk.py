"""Kolada's figures in bulk (data/kolada/, etl.sources.kolada_bulk): every municipality in the database,
values exactly as published, the written rule where two sources hold one cell, and bad input refused
with the file and line named while the live database stays as it was."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from etl import pipeline
from etl.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "kolada"
BULK = "kolada/by_geo_year"
MEMBERS = ["1230", "1231", "1233", "1261", "1262", "1263", "1264", "1267", "1280", "1281", "1285", "1287"]


def _q(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def test_the_database_has_every_municipality_region_and_the_country(built_db: Path) -> None:
    muni = _q(built_db, "SELECT code, name, county_code FROM municipality")
    assert len(muni) == 290 and muni["code"].str.fullmatch(r"\d{4}").all()
    assert (muni["county_code"] == muni["code"].str[:2]).all() and (muni["county_code"] == "12").sum() == 33
    regions = _q(built_db, "SELECT code, kind, mlr_member FROM region")
    assert (regions["kind"] == "county").sum() == 21 and set(regions.loc[regions["kind"] == "country", "code"]) == {"00"}
    assert sorted(regions.loc[regions["mlr_member"], "code"]) == MEMBERS
    covered = _q(built_db, "SELECT count(DISTINCT region_code) n FROM observation "
                           "WHERE indicator_id = 'employment_rate_rams' AND period = 2021")["n"][0]
    assert covered == 290 + 21 + 1


def test_every_row_keeps_its_source_where_it_was_read_and_when(built_db: Path) -> None:
    rows = _q(built_db, "SELECT * FROM observation WHERE indicator_id = 'employment_rate_rams' AND region_code = '1283' "
                        "AND period = 2015")
    row = rows.iloc[0]
    assert row["source"] == "Kolada N00914 Förvärvsarbetande invånare 20-64 år, andel (SCB RAMS)"
    assert row["source_url"] == ("https://github.com/open-numbers/ddf--kolada--dump/blob/8501d5c7694b444dbf59d063c5156754"
                                 "e2a9b819/datapoints--by--geo--year/ddf--datapoints--n00914--by--geo--year.csv")
    assert str(row["retrieved_at"].date()) == "2024-08-30" and "uttag 2024-08-30" in row["note"]


def test_values_are_the_published_figures_exactly(built_db: Path) -> None:
    """Read straight from the shipped files (independently of the ETL) and compared cell by cell."""
    for kpi, ind in [("n00914", "employment_rate_rams"), ("n03920", "unemployment_18_64"), ("n07917",
                                                                                            "housing_completions_per1000")]:
        raw = pd.read_csv(ROOT / "data" / BULK / f"ddf--datapoints--{kpi}--by--geo--year.csv.gz", dtype={"geo": str})
        raw["region_code"] = raw["geo"].replace({"0": "00"})
        got = _q(built_db, f"SELECT region_code, period, value FROM observation WHERE indicator_id = '{ind}'")
        merged = raw.merge(got, left_on=["region_code", "year"], right_on=["region_code", "period"], how="outer",
                           indicator=True)
        assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
        assert (merged[kpi] == merged["value"]).all()


def test_held_out_figures_published_elsewhere_agree(built_db: Path) -> None:
    """Figures other publishers printed (SCB RAMS via Malmö stad, Vellinge kommun and Stockholms stad;
    Kolada N00973 via Luleå kommun), kept out of the data, against the loaded Kolada values at the
    precision they were printed with."""
    held = pd.read_csv(ROOT / "tests" / "fixtures" / "heldout" / "published_elsewhere.csv",
                       dtype={"region_code": str, "value": str})
    # Region Skåne's rounded figures are left out: they may count cross-border commuters (its own note).
    held = held[held["source"].str.startswith("SCB RAMS") | held["indicator_id"].eq("newly_arrived_work_or_study")]
    assert len(held) >= 12
    loaded = _q(built_db, "SELECT indicator_id, region_code, period, value FROM observation")
    mapping = {"employment_rate": "employment_rate_rams"}
    checked = 0
    for row in held.itertuples():
        ind = mapping.get(row.indicator_id, row.indicator_id)
        value = loaded[(loaded["indicator_id"] == ind) & (loaded["region_code"] == row.region_code)
                       & (loaded["period"] == row.period)]["value"]
        assert len(value) == 1, row
        decimals = len(row.value.split(".")[1]) if "." in row.value else 0
        assert round(float(value.iloc[0]), decimals) == pytest.approx(float(row.value)), (row, value.iloc[0])
        checked += 1
    assert checked == len(held)


def test_scb_population_wins_and_agrees_with_kolada_where_both_have_it() -> None:
    inputs = pipeline.collect(ROOT / "data")
    check = inputs.crosscheck
    pop = check[check["indicator_id"] == "population"]
    assert len(pop) >= 12 * 13  # the members 2010-2022 at least
    assert pop["source"].str.startswith("SCB").all() and pop["other_source"].str.contains("N01951").all()
    assert (pop["value"] == pop["other_value"]).all()
    obs = inputs.observations
    cells = obs[obs["indicator_id"] == "population"]
    assert not cells.duplicated(["region_code", "period"]).any()  # never two rows for one cell
    malmo = cells[(cells["region_code"] == "1280") & (cells["period"] == 2015)].iloc[0]
    assert malmo["source"].startswith("SCB")
    assert cells[(cells["region_code"] == "1283")]["source"].str.contains("N01951").all()  # Helsingborg: Kolada fills


def test_completions_per_1000_agree_with_scb_counts_over_population(built_db: Path) -> None:
    """N07917 (per 1 000) against SCB's counts and population for the members: the same cell twice."""
    frame = _q(built_db, "SELECT indicator_id, region_code, period, value FROM observation WHERE indicator_id IN "
                         "('housing_completions', 'population', 'housing_completions_per1000')")
    wide = frame.pivot_table(index=["region_code", "period"], columns="indicator_id", values="value").dropna()
    wide = wide[wide.index.get_level_values(0).isin(MEMBERS)]
    assert len(wide) >= 12 * 10
    recomputed = wide["housing_completions"] / wide["population"] * 1000
    close = (recomputed - wide["housing_completions_per1000"]).abs() <= 0.15
    assert close.mean() >= 0.9, wide[~close]


def test_mlr_rates_are_weighted_and_say_so(built_db: Path) -> None:
    agg = _q(built_db, "SELECT indicator_id, period, value, status, method FROM region_aggregate")
    per1000 = agg[(agg["indicator_id"] == "housing_completions_per1000") & (agg["period"] == 2022)].iloc[0]
    obs = _q(built_db, "SELECT indicator_id, region_code, value FROM observation WHERE period = 2022 AND "
                       "indicator_id IN ('housing_completions_per1000', 'population')")
    members = obs[obs["region_code"].isin(MEMBERS)].pivot(index="region_code", columns="indicator_id", values="value")
    expected = (members["housing_completions_per1000"] * members["population"]).sum() / members["population"].sum()
    assert per1000["value"] == pytest.approx(expected) and "summerade tal" in per1000["method"]
    assert "approximation" not in per1000["method"]
    rams = agg[(agg["indicator_id"] == "employment_rate_rams") & (agg["period"] == 2021)].iloc[0]
    assert rams["status"] == "derived" and "approximation" in rams["method"]


def test_break_and_substitute_statuses(built_db: Path) -> None:
    st = _q(built_db, "SELECT indicator_id, period, status FROM observation WHERE region_code = '1280' AND "
                      "indicator_id IN ('employment_rate_rams', 'employment_rate', 'eligible_vocational')")
    by = {(r.indicator_id, r.period): r.status for r in st.itertuples()}
    assert by[("employment_rate_rams", 2019)] == "final"
    assert by[("employment_rate_rams", 2020)] == by[("employment_rate", 2021)] == "break"
    assert by[("employment_rate", 2022)] == "final"
    assert by[("eligible_vocational", 2020)] == "substitute"


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared copy of the dump is not beside the project")
def test_shipped_files_are_byte_for_byte_the_dumps() -> None:
    for path in sorted((ROOT / "data" / BULK).glob("*.csv.gz")):
        original = SHARED / "by_geo_year" / path.name.removesuffix(".gz")
        assert hashlib.sha256(gzip.decompress(path.read_bytes())).digest() == \
            hashlib.sha256(original.read_bytes()).digest(), path.name


# --- bad input -------------------------------------------------------------------------------------

def _gz(rel: str, transform: Callable[[str], str]) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / rel
        path.write_bytes(gzip.compress(transform(gzip.decompress(path.read_bytes()).decode()).encode()))

    return edit


def _new_file(name: str, text: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        (data / BULK / name).write_bytes(gzip.compress(text.encode()))

    return edit


N03920 = f"{BULK}/ddf--datapoints--n03920--by--geo--year.csv.gz"

CASES = {
    "unknown KPI file": (_new_file("ddf--datapoints--n99999--by--geo--year.csv.gz", "geo,year,n99999\n1280,2020,1.0\n"),
                         "ddf--datapoints--n99999--by--geo--year.csv.gz: unknown KPI N99999"),
    "not a dump file": (_new_file("notes.csv.gz", "x\n"), "notes.csv.gz: not a Kolada datapoints file"),
    "code not in the entities": (_gz(N03920, lambda s: s + "9999,2020,1.0\n"),
                                 "line 4058, field 'geo': code '9999' is not in the dump's entity lists"),
    "duplicated geo and year": (_gz(N03920, lambda s: s + "1280,2020,4.2\n"), "line 4058: (1280, 2020) twice; first at line"),
    "non-numeric value": (_gz(N03920, lambda s: s.replace("\n1280,2015,", "\n1280,2015,x", 1)),
                          "field 'n03920': not a number: 'x"),
    "a year that is not a year": (_gz(N03920, lambda s: s + "1280,２０１９,1.0\n"), "field 'year': not a year"),
    "infinite value": (_gz(N03920, lambda s: s + "1281,1990,1e999\n"), "field 'n03920': not a number: '1e999'"),
    "wrong header": (_gz(N03920, lambda s: s.replace("geo,year,n03920", "geo,year,value", 1)),
                     "line 1: header must be geo,year,n03920"),
    "not gzip": (lambda d: (d / N03920).write_bytes(b"geo,year,n03920\n"), "not a readable gzip file"),
    "source file missing": (lambda d: (d / "kolada" / "source.yaml").unlink(), "source.yaml: file is missing"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_bulk_input_is_refused_naming_file_and_line(case: str, data_copy: Path, tmp_path: Path,
                                                        built_db: Path) -> None:
    db = tmp_path / "live.duckdb"
    shutil.copyfile(built_db, db)  # a live database built from the same shipped data
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    edit, message = CASES[case]
    edit(data_copy)
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 1 and "the database was not changed" in result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
