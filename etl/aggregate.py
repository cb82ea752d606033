"""MLR totals from the members' own figures, with the membership that applied each year.

``sum``: the members' values added up. ``population_weighted``: each member's value weighted
by its ``weight_indicator`` (population unless the indicator names a closer denominator) of the
same year, or of the year before with ``weight_lag: 1``. Where the weight is the rate's own
denominator (``weight_exact``: per 1 000 inhabitants weighted by inhabitants) this is exactly the
summed counts over the summed denominator; otherwise it is an approximation and the method text
of every value says so. A year with any member's value (or weight) missing gets no total (NULL,
status ``incomplete``) rather than a partial sum that would look like a drop.
"""

from __future__ import annotations

import math

import pandas as pd

from etl.catalog import Catalog, Indicator, RegionGroup
from etl.errors import InputError, Problem

AGG_COLUMNS = [
    "indicator_id",
    "group_code",
    "period",
    "value",
    "status",
    "members_expected",
    "members_present",
    "method",
    "note",
]


def members_in(group: RegionGroup, year: int) -> list[str]:
    """Member codes of ``group`` in ``year``, sorted."""
    return sorted(m.code for m in group.members if m.covers(year))


def _method(ind: Indicator, n: int, group: RegionGroup, weight_name: str) -> str:
    if ind.aggregation == "sum":
        return f"Summa av {n} medlemskommuners värden ({group.name_sv})"
    year = " året före" if ind.weight_lag else ""
    if ind.weight_exact:
        return (f"Beräknat från summerade tal för {n} medlemskommuner ({group.name_sv}): värde × {weight_name}{year}, "
                f"summerat och delat med summerad {weight_name}{year}")
    return f"Medel av {n} medlemskommuners värden vägt med {weight_name}{year} ({group.name_sv}); approximation"


def group_totals(observations: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per cooperation group, aggregable indicator and year that any member reports."""
    obs = observations.set_index(["indicator_id", "region_code", "period"])["value"]
    names = {i.id: i.name_sv.lower() for i in catalog.indicators.indicators}
    out: list[dict[str, object]] = []
    overflow: list[Problem] = []
    for group in (g for g in catalog.regions.groups if g.kind == "cooperation"):
        codes = [m.code for m in group.members]
        for ind in catalog.indicators.indicators:
            if ind.aggregation == "none":
                continue
            rows = observations[(observations["indicator_id"] == ind.id) & observations["region_code"].isin(codes)]
            weight_name = "folkmängd" if ind.weight_indicator == "population" else names[ind.weight_indicator]
            for year in sorted(int(y) for y in rows["period"].unique()):
                members = members_in(group, year)
                values = {c: obs.get((ind.id, c, year)) for c in members}
                present = [c for c, v in values.items() if v is not None and pd.notna(v)]
                missing = [c for c in members if c not in present]
                value: float | None = None
                note = None
                if ind.aggregation == "sum" and not missing:
                    value = float(sum(values[c] for c in members))  # type: ignore[misc]
                elif ind.aggregation == "population_weighted" and not missing:
                    weights = {c: obs.get((ind.weight_indicator, c, year - ind.weight_lag)) for c in members}
                    no_weight = [c for c, w in weights.items() if w is None or pd.isna(w)]
                    if no_weight:
                        missing, note = no_weight, f"{weight_name} saknas för viktningen"
                    elif sum(weights.values()) <= 0:  # type: ignore[arg-type]
                        missing, note = members, f"{weight_name} är noll för alla medlemmar"
                    else:
                        total = sum(weights.values())  # type: ignore[arg-type]
                        value = sum(values[c] * weights[c] for c in members) / total  # type: ignore[operator]
                if value is not None and not math.isfinite(value):
                    overflow.append(Problem(f"{group.code} totals", f"the {group.code} total for {year} would be "
                                            f"{value!r}, not a finite number; check the members' values of "
                                            f"{', '.join(members)}", field=ind.id))
                if missing and note is None:
                    note = "värde saknas för " + ", ".join(missing)
                out.append(
                    {
                        "indicator_id": ind.id,
                        "group_code": group.code,
                        "period": year,
                        "value": value,
                        "status": "derived" if value is not None else "incomplete",
                        "members_expected": len(members),
                        "members_present": len(present),
                        "method": _method(ind, len(members), group, weight_name),
                        "note": note,
                    }
                )
    if overflow:
        # Never stored: a NaN would read as "no value" and inf as a number.
        raise InputError(overflow)
    return pd.DataFrame(out, columns=AGG_COLUMNS)
