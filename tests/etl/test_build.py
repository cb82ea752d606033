"""The real ETL on the shipped data: contents, MLR totals, idempotence, history, atomicity, lock."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import duckdb
import pytest

from etl import load, pipeline
from tests.conftest import DATA, build_db

MEMBERS = ["1230", "1231", "1233", "1261", "1262", "1263", "1264", "1267", "1280", "1281", "1285", "1287"]


def test_shipped_data_has_population_for_every_member(built_db: Path) -> None:
    with duckdb.connect(str(built_db), read_only=True) as con:
        rows = con.execute(
            "SELECT region_code, count(value) FROM observation WHERE indicator_id='population' "
            "AND period BETWEEN 2010 AND 2023 GROUP BY 1"
        ).fetchall()
        assert {code: n for code, n in rows if code in MEMBERS} == {code: 14 for code in MEMBERS}
        assert con.execute("SELECT count(*) FROM observation WHERE source IS NULL OR retrieved_at IS NULL").fetchone()[0] == 0


def test_mlr_total_follows_yearly_membership(built_db: Path) -> None:
    with duckdb.connect(str(built_db), read_only=True) as con:
        def total(year: int, members: list[str]) -> float:
            return con.execute(
                "SELECT sum(value) FROM observation WHERE indicator_id='population' AND period=$y "
                "AND list_contains($m, region_code)", {"y": year, "m": members}
            ).fetchone()[0]

        mlr = dict(con.execute(
            "SELECT period, value FROM region_aggregate WHERE indicator_id='population' AND group_code='MLR'"
        ).fetchall())
        eleven = [c for c in MEMBERS if c != "1264"]
        assert mlr[2018] == total(2018, eleven)
        assert mlr[2019] == total(2019, MEMBERS)


def test_two_builds_have_the_same_content(tmp_path: Path) -> None:
    def content(db: Path) -> list[tuple]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT * FROM observation ORDER BY ALL").fetchall() + con.execute(
                "SELECT * FROM region_aggregate ORDER BY ALL").fetchall()

    a = build_db(DATA, tmp_path / "a.duckdb")
    b = build_db(DATA, tmp_path / "b.duckdb")
    assert content(a) == content(b)
    build_db(DATA, a)
    with duckdb.connect(str(a), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM load_log").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM observation_history").fetchone()[0] == 0


def test_revision_moves_old_value_to_history(data_copy: Path, tmp_path: Path) -> None:
    db = build_db(data_copy, tmp_path / "r.duckdb")
    seed = data_copy / "seed" / "population.csv"
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("population,1281,2020,"))
    parts = lines[i].split(",")
    old = float(parts[3])
    parts[3] = str(int(old) + 7)
    lines[i] = ",".join(parts)
    seed.write_text("".join(lines), encoding="utf-8")
    inputs = pipeline.collect(data_copy)
    result = load.build(db, inputs.catalog, inputs.observations, checksum=inputs.checksum, source="test")
    assert result.revised[["old_value", "new_value"]].values.tolist() == [[old, old + 7]]
    with duckdb.connect(str(db), read_only=True) as con:
        hist = con.execute("SELECT value FROM observation_history WHERE region_code='1281' AND period=2020").fetchall()
    assert hist == [(old,)]


def test_failed_build_leaves_live_file_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = build_db(DATA, tmp_path / "live.duckdb")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    inputs = pipeline.collect(DATA)

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(load, "group_totals", boom)
    with pytest.raises(RuntimeError):
        load.build(db, inputs.catalog, inputs.observations, checksum="x" * 64, source="test")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []


def _hold_lock(db: str, ready, release) -> None:  # pragma: no cover - runs in a child process
    with load.etl_lock(Path(db)):
        ready.set()
        release.wait(10)


def test_second_run_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "l.duckdb"
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_lock, args=(str(db), ready, release))
    child.start()
    try:
        assert ready.wait(10)
        inputs = pipeline.collect(DATA)
        with pytest.raises(load.LockedError, match="another ETL run"):
            load.build(db, inputs.catalog, inputs.observations, checksum=inputs.checksum, source="test")
    finally:
        release.set()
        child.join(10)
    assert not db.exists()
