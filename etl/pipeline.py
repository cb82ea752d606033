"""Wires the stages: catalogue + observation files -> validated frame -> load.build.

Observation files come in layers, read in this order; within a layer a repeated key is an
error, across layers the later layer wins (an official refresh supersedes the shipped seed):

1. ``data/seed/*.csv``     real figures shipped with the project
2. ``data/fetched/*.csv``  written by ``python -m etl fetch`` from the official APIs
3. ``data/imports/*.csv``  written by ``python -m etl import`` from local spreadsheets
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.catalog import Catalog, load_catalog
from etl.errors import InputError, Problem
from etl.observations import read_observations

LAYERS = ("seed", "fetched", "imports")
KEY = ["indicator_id", "region_code", "period"]


@dataclass(frozen=True)
class Inputs:
    catalog: Catalog
    observations: pd.DataFrame
    checksum: str
    files: list[Path]
    superseded: int
    """Rows of an earlier layer replaced by a later one."""


def layer_files(data_dir: Path, layer: str) -> list[Path]:
    return sorted((data_dir / layer).glob("*.csv"))


def collect(data_dir: Path, pending: dict[Path, bytes] | None = None) -> Inputs:
    """Validate the catalogue and every observation file under ``data_dir``; nothing is written.

    ``pending``: files about to be written (fetch, import), as {path: CSV bytes}; they are
    validated and built as if they were already in place.
    """
    catalog = load_catalog(data_dir / "catalog")
    pending = pending or {}
    frames: list[pd.DataFrame] = []
    files: list[Path] = []
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
    kept = combined.drop_duplicates(KEY, keep="last")
    digest = hashlib.sha256()
    for path in sorted((data_dir / "catalog").glob("*.yaml")) + files:
        digest.update(path.name.encode())
        digest.update(pending[path] if path in pending else path.read_bytes())
    return Inputs(catalog, kept.reset_index(drop=True), digest.hexdigest(), files, len(combined) - len(kept))


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
    """Member-years without a value inside each indicator's own year span (what a chart shows as gaps)."""
    members = sorted(m.code for m in catalog.regions.municipalities)
    rows = []
    for ind, frame in observations.groupby("indicator_id"):
        years = range(int(frame["period"].min()), int(frame["period"].max()) + 1)
        have = set(zip(frame.loc[frame["value"].notna(), "region_code"], frame.loc[frame["value"].notna(), "period"], strict=True))
        missing = sum(1 for c in members for y in years if (c, y) not in have)
        rows.append({"indicator_id": ind, "member_years": len(members) * len(years), "without_value": missing})
    return pd.DataFrame(rows)
