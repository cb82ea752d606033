"""Measures on one indicator's series: absolute, per 1 000 inhabitants, index and share of MLR.

Pure functions over tidy frames (region_code, period, value); a value that cannot be computed
(no population that year, no base-year value, no MLR total) becomes NaN, shown as a gap.
"""

from __future__ import annotations

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


def share_of(frame: pd.DataFrame, total: pd.DataFrame) -> pd.Series:
    """Member value as % of the MLR total the same year; NaN for Skåne, Sweden or a missing total."""
    tot = total.set_index("period")["value"]
    denom = frame["period"].map(tot).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = frame["value"].to_numpy(dtype=float) / denom * 100.0
    out[~np.isfinite(out)] = np.nan
    out[frame["region_code"].isin(["12", "00"]).to_numpy()] = np.nan
    return pd.Series(out, index=frame.index)


def apply(frame: pd.DataFrame, measure: str, *, population: pd.DataFrame | None = None,
          base: int | None = None, per_capita: bool = True, aggregation: str = "sum") -> pd.DataFrame:
    """A copy of ``frame`` whose ``value`` is in ``measure``; the original kept as ``value_abs``.

    ``population`` (region_code, period, value) is needed for per1000, ``base`` for index; share
    reads the MLR rows of ``frame`` itself, so they must be included.
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
        out["value"] = share_of(out, out[out["region_code"] == "MLR"])
    out["measure"] = measure
    return out
