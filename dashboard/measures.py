"""Measures on one indicator's series: absolute, per 1 000 inhabitants, index and share of MLR.

Pure functions over tidy frames (region_code, period, value); a value that cannot be computed
(no population that year, no base-year value, no MLR total) becomes NaN, shown as a gap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MEASURES = ("abs", "per1000", "index", "share")
UNIT = {
    "sv": {"per1000": "per 1 000 invånare", "index": "index, {base} = 100", "share": "% av MLR-totalen"},
    "en": {"per1000": "per 1,000 inhabitants", "index": "index, {base} = 100", "share": "% of the MLR total"},
}


class MeasureNotAllowed(ValueError):
    """The measure makes no sense for this indicator (e.g. per capita of a percentage)."""


def allowed(measure: str, per_capita: bool, aggregation: str) -> bool:
    if measure == "per1000":
        return bool(per_capita)
    if measure == "share":
        return aggregation == "sum"
    return measure in MEASURES


def unit_for(measure: str, base_unit: str, lang: str, base: int | None = None) -> str:
    if measure == "abs":
        return base_unit
    return UNIT["en" if lang == "en" else "sv"][measure].format(base=base)


def per_1000(frame: pd.DataFrame, population: pd.DataFrame) -> pd.Series:
    """value / population of the same region and year × 1 000."""
    pop = population.set_index(["region_code", "period"])["value"]
    keys = pd.MultiIndex.from_frame(frame[["region_code", "period"]])
    denom = pop.reindex(keys).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = frame["value"].to_numpy(dtype=float) / denom * 1000.0
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=frame.index)


def index_to(frame: pd.DataFrame, base: int) -> pd.Series:
    """value / the same region's value in ``base`` × 100; NaN where the base value is missing or 0."""
    base_values = frame.loc[frame["period"] == base].set_index("region_code")["value"]
    denom = frame["region_code"].map(base_values).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = frame["value"].to_numpy(dtype=float) / denom * 100.0
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=frame.index)


def member_mask(frame: pd.DataFrame, memberships: pd.DataFrame, group: str = "MLR") -> np.ndarray:
    """True where the row's municipality belonged to ``group`` in the row's year (region_member rows:
    group_code, region_code, valid_from, valid_to; NULL = open)."""
    rows = memberships[memberships["group_code"] == group]
    mask = np.zeros(len(frame), dtype=bool)
    codes = frame["region_code"].to_numpy()
    years = frame["period"].to_numpy()
    for r in rows.itertuples():
        lo = -math.inf if pd.isna(r.valid_from) else r.valid_from
        hi = math.inf if pd.isna(r.valid_to) else r.valid_to
        mask |= (codes == r.region_code) & (years >= lo) & (years <= hi)
    return mask


def share_of(frame: pd.DataFrame, total: pd.DataFrame, memberships: pd.DataFrame) -> pd.Series:
    """A member's value as % of the MLR total the same year, only for the years it was a member (the
    total itself is 100); NaN for every other area or year, and where the total is missing."""
    tot = total.set_index("period")["value"]
    denom = frame["period"].map(tot).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = frame["value"].to_numpy(dtype=float) / denom * 100.0
    out[~np.isfinite(out)] = np.nan
    out[~(member_mask(frame, memberships) | frame["region_code"].eq("MLR").to_numpy())] = np.nan
    return pd.Series(out, index=frame.index)


def apply(frame: pd.DataFrame, measure: str, *, population: pd.DataFrame | None = None,
          base: int | None = None, per_capita: bool = True, aggregation: str = "sum",
          memberships: pd.DataFrame | None = None) -> pd.DataFrame:
    """A copy of ``frame`` whose ``value`` is in ``measure``; the original kept as ``value_abs``.

    ``population`` (region_code, period, value) is needed for per1000, ``base`` for index; share
    reads the MLR rows of ``frame`` itself, so they must be included, and ``memberships`` (the
    region_member table) decides who had a share in which year.
    """
    if not allowed(measure, per_capita, aggregation):
        raise MeasureNotAllowed(measure)
    out = frame.copy()
    out["value_abs"] = out["value"]
    if measure == "per1000":
        if population is None:
            raise ValueError("per1000 needs population")
        out["value"] = per_1000(out, population)
    elif measure == "index":
        if base is None:
            raise ValueError("index needs a base year")
        out["value"] = index_to(out, base)
    elif measure == "share":
        if memberships is None:
            raise ValueError("share needs memberships")
        out["value"] = share_of(out, out[out["region_code"] == "MLR"], memberships)
    out["measure"] = measure
    return out
