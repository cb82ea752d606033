"""The only module that writes DuckDB: build a new file next to the live one, then swap it in.

Readers never see a half-built database: everything is written to a temporary file in the same
folder, checkpointed and closed, then ``os.replace``d over the live file (atomic on POSIX).
A failure at any point removes the temporary file and leaves the live file as it was. A lock
file next to the database refuses a second ETL run while one is under way.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from etl.aggregate import group_totals
from etl.catalog import Catalog
from etl.observations import COLUMNS

KEY = ["indicator_id", "region_code", "period"]


class LockedError(Exception):
    """Another ETL run holds the lock for this database."""


@dataclass(frozen=True)
class BuildResult:
    db_path: Path
    load_id: str
    rows: int
    revised: pd.DataFrame
    """Rows whose value changed from the previous database: KEY, old_value, new_value."""
    new_keys: pd.DataFrame
    """KEY of the rows the previous database did not have."""
    started: datetime
    finished: datetime


@contextmanager
def etl_lock(db_path: Path) -> Iterator[None]:
    """Hold ``<db>.lock`` for the duration; raise LockedError at once if another run has it."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockedError(
                f"another ETL run is writing {db_path} (lock {lock_path} held by pid {holder}); "
                "wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _catalog_frames(cat: Catalog) -> dict[str, pd.DataFrame]:
    regions = cat.regions
    members = cat.mlr_member_codes
    # Display order: MLR's members A–Ö, MLR, Skåne, Sweden, the other municipalities A–Ö, the other counties.
    ordered = sorted(regions.municipalities, key=lambda m: m.name)
    region_rows = [
        {"code": m.code, "name_sv": m.name, "name_en": m.name, "kind": "municipality",
         "sort_order": i if m.code in members else 4000 + i, "county_code": m.county, "mlr_member": m.code in members}
        for i, m in enumerate(ordered)
    ]
    order = {"cooperation": 1000, "county": 5000, "country": 3000}
    region_rows += [
        {"code": g.code, "name_sv": g.name_sv, "name_en": g.name_en, "kind": g.kind,
         "sort_order": 2000 if g.code == "12" else order[g.kind] + i,
         "county_code": g.code if g.kind == "county" else None, "mlr_member": False}
        for i, g in enumerate(regions.groups)
    ]
    fai = []
    for f in cat.plan.focus_areas:
        for i, ind in enumerate(dict.fromkeys(f.headline_indicators + f.indicators)):
            fai.append(
                {"focus_area_id": f.id, "indicator_id": ind, "headline": ind in f.headline_indicators, "sort_order": i}
            )
    return {
        "municipality": pd.DataFrame([{"code": m.code, "name": m.name, "county_code": m.county}
                                      for m in regions.municipalities]),
        "region_group": pd.DataFrame(
            [{"code": g.code, "name": g.name_sv, "name_en": g.name_en, "kind": g.kind, "source": g.source}
             for g in regions.groups]
        ),
        "region_member": pd.DataFrame(
            [
                {"group_code": g.code, "region_code": m.code, "valid_from": m.valid_from, "valid_to": m.valid_to,
                 "source": m.source, "note": m.note}
                for g in regions.groups
                for m in g.members
            ],
            columns=["group_code", "region_code", "valid_from", "valid_to", "source", "note"],
        ),
        "region": pd.DataFrame(region_rows),
        "plan": pd.DataFrame(
            [{"id": p.id, "name_sv": p.name_sv, "name_en": p.name_en, "revision_sv": p.revision_sv,
              "start_year": p.start_year, "end_year": p.end_year, "is_current": p.current, "source": p.source}
             for p in cat.plan.plans]
        ),
        "focus_area": pd.DataFrame(
            [{**f.model_dump(exclude={"headline_indicators", "indicators", "order"}), "sort_order": f.order}
             for f in cat.plan.focus_areas]
        ),
        "focus_area_indicator": pd.DataFrame(fai, columns=["focus_area_id", "indicator_id", "headline", "sort_order"]),
        "indicator": pd.DataFrame(
            [
                {"id": i.id, "name_sv": i.name_sv, "name_en": i.name_en, "unit": i.unit_sv, "unit_en": i.unit_en,
                 "decimals": i.decimals, "definition": i.definition_sv, "definition_en": i.definition_en,
                 "source": i.source, "source_table": i.source_table, "frequency": i.frequency,
                 "higher_is_better": i.higher_is_better, "per_capita": i.per_capita,
                 "aggregation": i.aggregation, "focus_area_id": i.focus_area, "break_with": i.break_with,
                 "substitute_for": i.substitute_for,
                 "weight_indicator": i.weight_indicator if i.aggregation == "population_weighted" else None,
                 "weight_exact": i.weight_exact if i.aggregation == "population_weighted" else None}
                for i in cat.indicators.indicators
            ]
        ),
        "target": pd.DataFrame([t.model_dump() for t in cat.targets.targets]),
        "activity": pd.DataFrame([a.model_dump(exclude={"indicator_ids"}) for a in cat.activities.activities]),
        "activity_indicator": pd.DataFrame(
            [{"activity_id": a.id, "indicator_id": i} for a in cat.activities.activities for i in a.indicator_ids],
            columns=["activity_id", "indicator_id"],
        ),
        "follow_up": pd.DataFrame([r.model_dump() for r in cat.follow_up.follow_up]),
    }


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")  # noqa: S608 (names are ours)
    finally:
        con.unregister("_frame")


def _previous(db_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The live database's observations, history and load log (empty frames if there is none)."""
    empty = pd.DataFrame()
    if not db_path.exists():
        return empty, empty, empty
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            return (
                con.execute("SELECT * FROM observation").df(),
                con.execute("SELECT * FROM observation_history").df(),
                con.execute("SELECT * FROM load_log").df(),
            )
    except duckdb.Error as exc:
        # An unreadable old file cannot give history; the new build still replaces it.
        print(f"warning: could not read the previous database {db_path} ({exc}); history starts anew")
        return empty, empty, empty


def _history(old: pd.DataFrame, new: pd.DataFrame, load_id: str, now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old rows that this load changes or drops (for observation_history), and the revisions table."""
    if old.empty:
        return pd.DataFrame(), pd.DataFrame(columns=[*KEY, "old_value", "new_value"])
    merged = old.merge(new[[*KEY, "value", "status"]], on=KEY, how="left", suffixes=("", "_new"), indicator=True)
    same_value = (merged["value"] == merged["value_new"]) | (merged["value"].isna() & merged["value_new"].isna())
    changed = (merged["_merge"] == "left_only") | ~same_value | (merged["status"] != merged["status_new"])
    superseded = merged.loc[changed, list(old.columns)].copy()
    superseded["superseded_by"] = load_id
    superseded["superseded_at"] = now
    revised = merged.loc[changed & (merged["_merge"] == "both") & ~same_value, [*KEY, "value", "value_new"]]
    return superseded, revised.rename(columns={"value": "old_value", "value_new": "new_value"})


def build(db_path: Path, catalog: Catalog, observations: pd.DataFrame, *, checksum: str, source: str) -> BuildResult:
    """Write catalogue and observations to a new database and atomically publish it at ``db_path``."""
    started = datetime.now()
    load_id = checksum[:12]
    obs = observations[COLUMNS].copy()
    obs["load_id"] = load_id
    obs = obs.sort_values(KEY, ignore_index=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.tmp-{os.getpid()}")
    with etl_lock(db_path):
        # Left by a run that was killed: nobody else can be writing them while we hold the lock.
        for stale in db_path.parent.glob(f".{db_path.name}.tmp-*"):
            stale.unlink(missing_ok=True)
        old_obs, old_hist, old_log = _previous(db_path)
        superseded, revised = _history(old_obs, obs, load_id, started)
        tmp.unlink(missing_ok=True)
        try:
            with duckdb.connect(str(tmp)) as con:
                con.execute(resources.files("etl").joinpath("sql/schema.sql").read_text(encoding="utf-8"))
                for table, frame in _catalog_frames(catalog).items():
                    _insert(con, table, frame)
                _insert(con, "observation", obs)
                _insert(con, "region_aggregate", group_totals(obs, catalog))
                _insert(con, "observation_history", old_hist)
                _insert(con, "observation_history", superseded)
                _insert(con, "load_log", old_log)
                finished = datetime.now()
                log = pd.DataFrame(
                    [{"load_id": load_id, "source": source, "started": started, "finished": finished,
                      "rows": len(obs), "checksum": checksum, "outcome": "ok",
                      "message": f"{len(revised)} revised values"}]
                )
                _insert(con, "load_log", log)
                con.execute("CHECKPOINT")
            pause = float(os.environ.get("MLR_ETL_PAUSE_BEFORE_PUBLISH", "0") or 0)
            if pause:  # lets tests (and the curious) kill a run at its most delicate moment
                time.sleep(pause)
            os.replace(tmp, db_path)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return BuildResult(db_path, load_id, len(obs), revised, _new_keys(old_obs, obs), started, finished)


def _new_keys(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if old.empty:
        return new[KEY].copy()
    merged = new[KEY].merge(old[KEY], on=KEY, how="left", indicator=True)
    return merged.loc[merged["_merge"] == "left_only", KEY].reset_index(drop=True)


def compare(db_path: Path, observations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(revised, new keys) of ``observations`` against the live database, writing nothing."""
    old, _, _ = _previous(db_path)
    new = observations[COLUMNS]
    _, revised = _history(old, new, "", datetime.now())
    return revised, _new_keys(old, new)
