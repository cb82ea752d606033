"""MLR totals from the members' own figures, with the membership that applied each year.

``sum``: the members' values added up. ``population_weighted``: each member's value weighted
by its population the same year (an approximation where the indicator's own denominator is a
narrower age group; the method text says so). A year with any member's value missing gets no
total (NULL, status ``incomplete``) rather than a partial sum that would look like a drop.
"""

from __future__ import annotations

import pandas as pd

from etl.catalog import Catalog, RegionGroup

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


def _method(aggregation: str, n: int, group: RegionGroup) -> str:
    if aggregation == "sum":
        return f"Summa av {n} medlemskommuners värden ({group.name_sv})"
    return f"Befolkningsviktat medel av {n} medlemskommuners värden ({group.name_sv}); approximation"


def group_totals(observations: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per cooperation group, aggregable indicator and year that any member reports."""
    obs = observations.set_index(["indicator_id", "region_code", "period"])["value"]
    population = observations[observations["indicator_id"] == "population"]
    pop = population.set_index(["region_code", "period"])["value"]
    out: list[dict[str, object]] = []
    for group in (g for g in catalog.regions.groups if g.kind == "cooperation"):
        for ind in catalog.indicators.indicators:
            if ind.aggregation == "none":
                continue
            rows = observations[observations["indicator_id"] == ind.id]
            years = sorted(int(y) for y in rows.loc[rows["region_code"].isin([m.code for m in group.members]), "period"].unique())
            for year in years:
                members = members_in(group, year)
                values = {c: obs.get((ind.id, c, year)) for c in members}
                present = [c for c, v in values.items() if v is not None and pd.notna(v)]
                missing = [c for c in members if c not in present]
                value: float | None = None
                note = None
                if ind.aggregation == "sum" and not missing:
                    value = float(sum(values[c] for c in members))  # type: ignore[misc]
                elif ind.aggregation == "population_weighted" and not missing:
                    weights = {c: pop.get((c, year)) for c in members}
                    no_pop = [c for c, w in weights.items() if w is None or pd.isna(w)]
                    if no_pop:
                        missing, note = no_pop, "befolkning saknas för viktningen"
                    else:
                        total = sum(weights.values())  # type: ignore[arg-type]
                        value = sum(values[c] * weights[c] for c in members) / total  # type: ignore[operator]
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
                        "method": _method(ind.aggregation, len(members), group),
                        "note": note,
                    }
                )
    return pd.DataFrame(out, columns=AGG_COLUMNS)
