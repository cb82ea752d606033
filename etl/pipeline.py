"""Wires the stages: catalogue + observation files -> validated frame -> load.build.

Observation files come in layers, read in this order; within a layer a repeated key is an
error, across layers the later layer wins (an official refresh supersedes the shipped figures):

0. ``data/kolada/``        Kolada's figures for every municipality, in bulk (etl.sources.kolada_bulk)
1. ``data/seed/*.csv``     real figures shipped with the project
2. ``data/fetched/*.csv``  written by ``python -m etl fetch`` from the official APIs
3. ``data/imports/*.csv``  written by ``python -m etl import`` from local spreadsheets

One exception to "later wins": a row from a ``fill_only`` mapping in sources.yaml (Kolada's
population, N01951) never replaces a row of another source, whatever the layer; it only fills
cells nobody else has. Where both had the cell, the pair is kept in ``Inputs.crosscheck``.

After that, statuses that come from the catalogue: values of an indicator that stands in for the
plan's own (``substitute_for``) are ``substitute``; values in the years where both sides of a
series break have one (``break_with``) are ``break``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.catalog import Catalog, load_catalog
from etl.errors import InputError, Problem, Problems
from etl.observations import check_duplicates, read_observations
from etl.sources.kolada_bulk import read_bulk
from etl.sources.spec import load_source_specs

LAYERS = ("seed", "fetched", "imports")
BULK = "kolada"
KEY = ["indicator_id", "region_code", "period"]


@dataclass(frozen=True)
class Inputs:
    catalog: Catalog
    observations: pd.DataFrame
    checksum: str
    files: list[Path]
    superseded: int
    """Rows of an earlier layer replaced by a later one."""
    crosscheck: pd.DataFrame | None = None
    """Cells two sources had: KEY, value (kept), other_value, source (kept), other_source."""


def layer_files(data_dir: Path, layer: str) -> list[Path]:
    return sorted((data_dir / layer).glob("*.csv"))


def collect(data_dir: Path, pending: dict[Path, bytes] | None = None) -> Inputs:
    """Validate the catalogue and every observation file under ``data_dir``; nothing is written.

    ``pending``: files about to be written (fetch, import), as {path: CSV bytes}; they are
    validated and built as if they were already in place.
    """
    catalog = load_catalog(data_dir / "catalog")
    specs = _specs(data_dir)
    pending = pending or {}
    frames: list[pd.DataFrame] = []
    files: list[Path] = []
    bulk_dir = data_dir / BULK
    if bulk_dir.is_dir():
        bulk = read_bulk(bulk_dir, specs)
        if not bulk.empty:
            _check_bulk(bulk, catalog)
            bulk["layer"] = BULK
            frames.append(bulk)
            files += sorted(p for p in bulk_dir.rglob("*") if p.is_file())
    for layer in LAYERS:
        paths = sorted(set(layer_files(data_dir, layer)) | {p for p in pending if p.parent == data_dir / layer})
        if not paths:
            continue
        frame = read_observations(paths, catalog, pending)
        frame["layer"] = layer
        frames.append(frame)
        files += paths
    if not frames or not any(f["layer"].eq("seed").any() for f in frames):
        raise InputError([Problem(data_dir / "seed", "no observation files (*.csv) found")])
    combined = pd.concat(frames, ignore_index=True)
    check_bounds(combined, catalog)
    fill_labels = {s.label for s in specs.values() if s.fill_only}
    combined["_fill"] = combined["source"].isin(fill_labels)
    # Later layers win, but a fill-only row never wins over another source's row.
    combined["_rank"] = combined["layer"].map({BULK: 0, **{name: i + 1 for i, name in enumerate(LAYERS)}})
    combined["_rank"] += (~combined["_fill"]) * 10
    ordered = combined.sort_values("_rank", kind="stable")
    kept = ordered.drop_duplicates(KEY, keep="last")
    check = _crosscheck(ordered, kept)
    kept = mark_statuses(kept.drop(columns=["_fill", "_rank"]), catalog)
    digest = hashlib.sha256()
    for path in sorted((data_dir / "catalog").glob("*.yaml")) + files:
        digest.update(path.name.encode())
        digest.update(pending[path] if path in pending else path.read_bytes())
    return Inputs(catalog, kept.sort_index().reset_index(drop=True), digest.hexdigest(), files,
                  len(combined) - len(kept), check)


def _specs(data_dir: Path) -> dict:
    path = data_dir / "catalog" / "sources.yaml"
    if not path.exists():
        return {}
    try:
        return load_source_specs(path)
    except ValueError as exc:
        raise InputError([Problem(path, str(exc))]) from None


def _check_bulk(bulk: pd.DataFrame, catalog: Catalog) -> None:
    """Bulk rows must name indicators and regions the catalogue knows, once each."""
    problems = []
    unknown_regions = bulk.loc[~bulk["region_code"].isin(catalog.region_codes)]
    for row in unknown_regions.drop_duplicates("region_code").head(20).itertuples():
        problems.append(Problem(row.file, f"region {row.region_code!r} is not in data/catalog/regions.yaml", row.line, "geo"))
    for row in bulk.loc[~bulk["indicator_id"].isin(catalog.indicator_ids)].drop_duplicates("indicator_id").itertuples():
        problems.append(Problem(row.file, f"sources.yaml maps this KPI to {row.indicator_id!r}, which is not in "
                                          "data/catalog/indicators.yaml"))
    problems += check_duplicates(bulk)
    if problems:
        raise InputError(problems)


def check_bounds(frame: pd.DataFrame, catalog: Catalog) -> None:
    """Every value finite and inside its indicator's plausible range (``Indicator.bounds``), whatever
    the layer it comes from; the observation files check this row by row already, the Kolada bulk
    files only here."""
    problems = Problems()
    values = pd.to_numeric(frame["value"], errors="coerce")
    for ind in catalog.indicators.indicators:
        low, high = ind.bounds()
        mine = frame["indicator_id"].eq(ind.id) & frame["value"].notna()
        v = values[mine]
        outside = v.index[~(np.isfinite(v) & v.between(low, high))]
        for i in outside:
            row = frame.loc[i]
            line = None if pd.isna(row.get("line")) else int(row["line"])
            problems.add(Problem(row.get("file", "?"), ind.value_problem(float(row["value"])) or "implausible value",
                                 line, "value"), kind=f"range {ind.id}")
    problems.raise_if_any()


def _crosscheck(ordered: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """The cells where a fill-only row lost to another source: both values side by side."""
    lost = ordered[ordered["_fill"]].drop(kept.index[kept["_fill"]], errors="ignore")
    pairs = lost[[*KEY, "value", "source"]].merge(kept[[*KEY, "value", "source"]], on=KEY, suffixes=("_other", ""))
    return pairs.rename(columns={"value_other": "other_value", "source_other": "other_source"})[
        [*KEY, "value", "other_value", "source", "other_source"]
    ].reset_index(drop=True)


def mark_statuses(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """``substitute`` and ``break`` statuses from the catalogue, on rows that are otherwise final."""
    frame = frame.copy()
    final = frame["status"].eq("final") & frame["value"].notna()
    substitutes = {i.id for i in catalog.indicators.indicators if i.substitute_for}
    frame.loc[final & frame["indicator_id"].isin(substitutes), "status"] = "substitute"
    valued = frame[frame["value"].notna()]
    for ind in catalog.indicators.indicators:
        if ind.break_with is None:
            continue
        other = set(zip(valued.loc[valued["indicator_id"] == ind.break_with, "region_code"],
                        valued.loc[valued["indicator_id"] == ind.break_with, "period"], strict=True))
        mine = final & frame["indicator_id"].eq(ind.id)
        both = [(r, p) in other for r, p in zip(frame.loc[mine, "region_code"], frame.loc[mine, "period"], strict=True)]
        frame.loc[frame.index[mine][both], "status"] = "break"
    return frame


def coverage(observations: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: rows, values, missing, regions and first/last year (the build summary)."""
    grouped = observations.groupby("indicator_id")
    return pd.DataFrame(
        {
            "rows": grouped.size(),
            "values": grouped["value"].count(),
            "missing": grouped["value"].apply(lambda s: int(s.isna().sum())),
            "regions": grouped["region_code"].nunique(),
            "first": grouped["period"].min(),
            "last": grouped["period"].max(),
        }
    ).reset_index()


def gaps(observations: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """MLR member-years without a value inside each indicator's own year span (what a chart shows as gaps)."""
    members = sorted(catalog.mlr_member_codes)
    rows = []
    for ind, frame in observations.groupby("indicator_id"):
        years = range(int(frame["period"].min()), int(frame["period"].max()) + 1)
        have = set(zip(frame.loc[frame["value"].notna(), "region_code"], frame.loc[frame["value"].notna(), "period"], strict=True))
        missing = sum(1 for c in members for y in years if (c, y) not in have)
        rows.append({"indicator_id": ind, "member_years": len(members) * len(years), "without_value": missing})
    return pd.DataFrame(rows)


def crosscheck_summary(check: pd.DataFrame | None) -> pd.DataFrame:
    """Per indicator and pair of sources: cells both had, how many agree exactly, the largest difference."""
    cols = ["indicator_id", "source", "other_source", "cells", "equal", "max_abs_diff"]
    if check is None or check.empty:
        return pd.DataFrame(columns=cols)
    diff = (check["value"] - check["other_value"]).abs()
    grouped = check.assign(diff=diff, equal=diff.eq(0)).groupby(["indicator_id", "source", "other_source"])
    return grouped.agg(cells=("diff", "size"), equal=("equal", "sum"), max_abs_diff=("diff", "max")).reset_index()[cols]
