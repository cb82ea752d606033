"""Pure helpers that shape query results for pages: names, orders, latest values. No Dash, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dashboard.i18n import name_col

BENCHMARKS = ["MLR", "12", "00"]


def region_names(regions: pd.DataFrame, lang: str) -> dict[str, str]:
    """code -> display name: MLR's members A–Ö, MLR, Skåne, Sweden, the other municipalities A–Ö,
    then the other counties."""
    col = name_col(lang)
    member = regions["mlr_member"].astype(bool)
    municipality = regions["kind"] == "municipality"
    parts = [
        regions[member].sort_values(col),
        regions[regions["code"].isin(BENCHMARKS)].sort_values("sort_order"),
        regions[municipality & ~member].sort_values(col),
        regions[~municipality & ~regions["code"].isin(BENCHMARKS)].sort_values("sort_order"),
    ]
    return {r.code: getattr(r, col) for r in pd.concat(parts).itertuples()}


def member_codes(regions: pd.DataFrame) -> list[str]:
    """MLR's members (every municipality that was ever a member)."""
    return sorted(regions.loc[regions["mlr_member"].astype(bool), "code"])


def county_codes(regions: pd.DataFrame, county: str) -> list[str]:
    """The municipalities of one county (``12`` = Skåne's 33), in code order."""
    rows = regions[(regions["kind"] == "municipality") & (regions["county_code"] == county)]
    return sorted(rows["code"])


def approximated(indicator: Mapping[str, Any], scope: str) -> bool:
    """True when ``scope`` is MLR and its value is a weighted mean whose weight is not the rate's own
    denominator (the ETL's method text says "approximation" too)."""
    exact = indicator.get("weight_exact")
    exact = exact is not None and not pd.isna(exact) and bool(exact)
    return scope == "MLR" and indicator.get("aggregation") == "population_weighted" and not exact


def latest_value(frame: pd.DataFrame, region: str) -> tuple[int, float] | None:
    """(year, value) of the most recent non-missing value for ``region``, or None."""
    rows = frame[(frame["region_code"] == region) & frame["value"].notna()]
    if rows.empty:
        return None
    row = rows.loc[rows["period"].idxmax()]
    return int(row["period"]), float(row["value"])


def source_text(frame: pd.DataFrame, indicator: pd.Series) -> str:
    """The indicator's source and table, and the retrieval dates of the figures shown."""
    text = f"{indicator['source']}, {indicator['source_table']}"
    dates = frame["retrieved_at"].dropna()
    if not dates.empty:
        first, last = dates.min(), dates.max()
        span = f"{first:%Y-%m-%d}" if first.date() == last.date() else f"{first:%Y-%m-%d}–{last:%Y-%m-%d}"
        text += f" (hämtad {span})"
    return text


def plotted_csv(frame: pd.DataFrame, names: dict[str, str], indicator: pd.Series, measure: str = "abs") -> pd.DataFrame:
    """Exactly the plotted numbers, one row per region and year, with unit, measure and source."""
    out = frame[frame["region_code"].isin(names)].copy()
    out["indicator_id"] = indicator["id"]
    out["region_name"] = out["region_code"].map(names)
    out["unit"] = indicator["unit"]
    out["measure"] = measure
    cols = ["indicator_id", "region_code", "region_name", "period", "value", "unit", "measure", "status", "source"]
    return out[cols].sort_values(["region_code", "period"])


def param_context(indicators: pd.DataFrame, regions: pd.DataFrame, default_indicator: str = "housing_completions"):
    """The params.Context for validating view state and API parameters against the database."""
    from dashboard.params import Context

    meta = {
        r["id"]: {
            "per_capita": bool(r["per_capita"]),
            "aggregation": r["aggregation"],
            "first": None if pd.isna(r["first"]) else int(r["first"]),
            "last": None if pd.isna(r["last"]) else int(r["last"]),
        }
        for r in indicators.to_dict("records")
    }
    codes = list(region_names(regions, "sv"))
    default = default_indicator if default_indicator in meta else next(iter(meta))
    members = member_codes(regions)
    return Context(meta, codes, members, default, [c for c in codes if c in members or c in BENCHMARKS])
