"""The observation set behind ``/data`` and the HTTP API, and each indicator's coverage for ``/om``.

``select`` turns query parameters into a validated ``Selection`` (strict for the API, lenient for the
page); ``observations`` returns exactly the rows a selection stands for, in the export columns, so the
grid on /data and every download show the same numbers. SQL stays in ``dashboard.queries``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from dashboard import measures, model, params, queries
from dashboard.i18n import LANGS, name_col

# The observation columns (contract): every export format has exactly these, in this order.
COLUMNS = ["indicator_id", "indicator_name", "region_code", "region_name", "period", "value", "unit",
           "measure", "status", "source", "source_url", "retrieved_at", "note"]
# Parameters of /api/v1/observations.*; `view` belongs to /jamfor and is accepted and ignored, so a
# /jamfor query string can be reused as it is. Any other name is a 400 (a typo such as `regions`
# would otherwise silently return every region).
FILTER_PARAMS = ("focus", "indicator", "region", "from", "to", "measure", "base", "lang")
IGNORED_PARAMS = ("view",)
LIST_PARAMS = ("indicator", "region")
DERIVED_DECIMALS = 4
"""Per 1 000, index and share values are rounded to this many decimals; absolute values never are."""


@dataclass(frozen=True)
class Catalogue:
    """What filters are checked against, read once per request."""

    indicators: pd.DataFrame  # indexed by id, catalogue order
    regions: pd.DataFrame
    focus_areas: pd.DataFrame  # id, name_sv, name_en, status, closed_year, plan order
    focus_indicators: dict[str, list[str]]
    context: params.Context

    def region_names(self, lang: str) -> dict[str, str]:
        return model.region_names(self.regions, lang)


def catalogue() -> Catalogue:
    """The catalogue as the API and /data use it, built once per database file."""
    return queries.cached("dataset.catalogue", _build_catalogue)


def _build_catalogue() -> Catalogue:
    inds = queries.indicators()
    regions = queries.regions()
    links = queries.focus_area_indicators()
    focus = queries.focus_areas()
    focus_indicators = {f: list(g.sort_values("sort_order")["indicator_id"]) for f, g in links.groupby("focus_area_id")}
    focus = focus[focus["id"].isin(focus_indicators)][["id", "name_sv", "name_en", "status", "closed_year"]]
    return Catalogue(inds.set_index("id", drop=False), regions, focus.reset_index(drop=True), focus_indicators,
                     model.param_context(inds, regions))


@dataclass
class Selection:
    """Validated filters: the params.State plus the focus area and language."""

    state: params.State
    focus: str | None = None
    lang: str = "sv"
    all_indicators: bool = True
    all_regions: bool = True
    notices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.state.first if self.state.first is not None else params.MIN_YEAR

    @property
    def last(self) -> int:
        return self.state.last if self.state.last is not None else params.MAX_YEAR

    def query(self) -> dict[str, str]:
        """The canonical query parameters of this selection (what /data puts in its URL)."""
        out: dict[str, str] = {}
        if self.focus:
            out["focus"] = self.focus
        if not self.all_indicators:
            out["indicator"] = ",".join(self.state.indicators)
        if not self.all_regions:
            out["region"] = ",".join(self.state.regions)
        if self.state.first is not None:
            out["from"] = str(self.state.first)
        if self.state.last is not None:
            out["to"] = str(self.state.last)
        if self.state.measure != "abs":
            out["measure"] = self.state.measure
            if self.state.measure == "index" and self.state.base is not None:
                out["base"] = str(self.state.base)
        if self.lang != "sv":
            out["lang"] = self.lang
        return out


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _clean(value: str | None) -> str | None:
    return None if value is None else value.strip()


def select(args: Mapping[str, str], cat: Catalogue, *, strict: bool) -> Selection:
    """Validated filters. Strict (API): the first bad value raises params.ParamError naming the
    parameter. Lenient (/data): bad values are dropped and recorded in ``notices``."""
    notices: list[tuple[str, str]] = []

    def fail(param: str, message: str) -> None:
        if strict:
            raise params.ParamError(param, message)
        notices.append((param, message))

    lang = _clean(args.get("lang")) or "sv"
    if lang not in LANGS:
        fail("lang", f"unknown language {lang[:40]!r}; allowed: {', '.join(LANGS)}")
        lang = "sv"

    focus = _clean(args.get("focus")) or None
    if focus is not None and focus not in cat.focus_indicators:
        fail("focus", f"unknown focus area {focus[:40]!r}; allowed: {', '.join(cat.focus_indicators)}")
        focus = None
    pool = cat.focus_indicators[focus] if focus else list(cat.indicators.index)

    for param in ("from", "to", "base"):
        value = _clean(args.get(param))
        if value and not (len(value) == 4 and value.isascii() and value.isdigit()):
            fail(param, f"not a year: {value[:40]!r}; use four digits, e.g. 2015")

    # An empty value is the same as an omitted one (all regions, no bound, ...).
    raw = {k: args[k] for k in ("indicator", "region", "measure", "from", "to", "base") if (args.get(k) or "").strip()}
    raw_ind = _clean(raw.get("indicator"))
    all_indicators = not raw_ind
    if raw_ind:
        given = list(dict.fromkeys(_split(raw_ind)))  # a repeated id counts once
        outside = [i for i in given if i in cat.context.indicators and i not in pool]
        if outside:
            fail("indicator", f"{outside[0]} is not in focus area {focus}; allowed: {', '.join(pool)}")
        unknown = [i for i in given if i not in cat.context.indicators]
        if unknown and not strict:
            fail("indicator", f"unknown indicator {unknown[0][:40]!r}")
            given = [i for i in given if i not in unknown]
        given = [i for i in given if i not in outside]
        all_indicators = not given
        raw["indicator"] = ",".join(given) if given else ",".join(pool)
    else:
        raw["indicator"] = ",".join(pool)
    if not strict:
        # Lenient parsing replaces a bad year by "no bound"; drop the ones we already reported.
        for param in ("from", "to", "base"):
            if any(p == param for p, _ in notices):
                raw.pop(param, None)
    state = params.parse(raw, cat.context, strict=strict, multi_indicator=True)
    notices.extend(state.notices)
    all_regions = not _clean(raw.get("region")) or set(state.regions) == set(cat.context.regions)
    return Selection(state, focus, lang, all_indicators, all_regions, notices)


def observations(sel: Selection, cat: Catalogue) -> pd.DataFrame:
    """The rows of ``sel`` in COLUMNS: one row per indicator, region and year, catalogue order."""
    state = sel.state
    names = cat.region_names(sel.lang)
    frame = queries.series(state.indicators, state.regions, sel.first, sel.last)
    if state.measure != "abs":
        frame = _apply_measure(frame, sel, cat)
    return _shape(frame, cat, names, sel.lang, state.measure, state.base)


def _apply_measure(frame: pd.DataFrame, sel: Selection, cat: Catalogue) -> pd.DataFrame:
    state = sel.state
    parts = []
    population = None
    if state.measure == "per1000":
        population = queries.series(["population"], state.regions, sel.first, sel.last)
    for ind in state.indicators:
        meta = cat.indicators.loc[ind]
        part = frame[frame["indicator_id"] == ind]
        extra = pd.DataFrame()
        if state.measure == "share" and "MLR" not in state.regions:
            # share_of reads the MLR total from the frame itself: fetch it, use it, drop it.
            extra = queries.series([ind], ["MLR"], sel.first, sel.last)
            part = pd.concat([part, extra], ignore_index=True) if not extra.empty else part
        out = measures.apply(part, state.measure, population=population, base=state.base,
                             per_capita=bool(meta["per_capita"]), aggregation=meta["aggregation"],
                             memberships=queries.memberships())
        if not extra.empty:
            out = out[out["region_code"].isin(state.regions)]
        out["value"] = out["value"].round(DERIVED_DECIMALS)
        parts.append(out.drop(columns=["value_abs", "measure"]))
    return pd.concat(parts, ignore_index=True) if parts else frame


def _shape(frame: pd.DataFrame, cat: Catalogue, names: dict[str, str], lang: str, measure: str,
           base: int | None) -> pd.DataFrame:
    inds = cat.indicators
    unit_col = "unit_en" if lang == "en" else "unit"
    out = frame.copy()
    out["indicator_name"] = out["indicator_id"].map(inds[name_col(lang)])
    out["region_name"] = out["region_code"].map(names)
    out["unit"] = out["indicator_id"].map(lambda i: measures.unit_for(measure, inds.at[i, unit_col], lang, base))
    out["measure"] = measure
    out["period"] = out["period"].astype("int64")
    out["value"] = out["value"].astype("float64")
    out["retrieved_at"] = pd.to_datetime(out["retrieved_at"]).dt.strftime("%Y-%m-%d")
    out["retrieved_at"] = out["retrieved_at"].astype(object).where(out["retrieved_at"].notna(), None)
    ind_rank = {i: n for n, i in enumerate(list(inds.index))}
    reg_rank = {c: n for n, c in enumerate(names)}
    out = out.assign(_i=out["indicator_id"].map(ind_rank), _r=out["region_code"].map(reg_rank))
    out = out.sort_values(["_i", "_r", "period"], kind="stable").drop(columns=["_i", "_r"])
    for col in ("source", "source_url", "note", "status"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out[COLUMNS].reset_index(drop=True)


def file_stem(sel: Selection, cat: Catalogue, frame: pd.DataFrame) -> str:
    """What is inside, for the download's file name: ``mlr_housing_starts_2015-2020``."""
    state = sel.state
    if sel.all_indicators:
        what = sel.focus or "all"
    elif len(state.indicators) <= 2:
        what = "+".join(state.indicators)
    else:
        what = f"{len(state.indicators)}-indicators"
    parts = ["mlr", what]
    if not sel.all_regions and len(state.regions) <= 3:
        parts.append("+".join(state.regions))
    if state.measure == "index":
        parts.append(f"index{state.base}")
    elif state.measure != "abs":
        parts.append(state.measure)
    first = state.first if state.first is not None else (int(frame["period"].min()) if len(frame) else None)
    last = state.last if state.last is not None else (int(frame["period"].max()) if len(frame) else None)
    if first is not None and last is not None:
        parts.append(str(first) if first == last else f"{first}-{last}")
    return "_".join(parts).replace("/", "-")


def indicator_metadata(frame: pd.DataFrame, cat: Catalogue, lang: str, indicator_ids: list[str]) -> list[dict]:
    """Per indicator in the file: definition, unit, source, table and retrieval dates of its rows."""
    sfx = "en" if lang == "en" else "sv"
    out = []
    for ind in indicator_ids:
        meta = cat.indicators.loc[ind]
        rows = frame[frame["indicator_id"] == ind]
        dates = sorted(d for d in rows["retrieved_at"].dropna().unique())
        out.append({
            "indicator_id": ind,
            "name": meta[f"name_{sfx}"],
            "definition": meta["definition_en" if sfx == "en" else "definition"],
            "unit": meta["unit_en" if sfx == "en" else "unit"],
            "source": meta["source"],
            "source_table": meta["source_table"],
            "retrieved": (dates[0] if len(dates) == 1 else f"{dates[0]}–{dates[-1]}") if dates else "",
            "rows": int(len(rows)),
            "values": int(rows["value"].notna().sum()),
        })
    return out


# --- coverage for /om -------------------------------------------------------------------------


def member_years(memberships: pd.DataFrame, first: int, last: int, group: str = "MLR") -> list[tuple[str, int]]:
    """(region_code, year) for every member of ``group`` in every year from first to last."""
    rows = memberships[memberships["group_code"] == group]
    out = []
    for r in rows.itertuples():
        lo = first if r.valid_from is None or pd.isna(r.valid_from) else max(first, int(r.valid_from))
        hi = last if r.valid_to is None or pd.isna(r.valid_to) else min(last, int(r.valid_to))
        out.extend((r.region_code, y) for y in range(lo, hi + 1))
    return out


def year_ranges(years: list[int]) -> str:
    """``[2011, 2012, 2013, 2016]`` -> ``2011–2013, 2016``."""
    out: list[str] = []
    years = sorted(set(years))
    start = prev = None
    for y in years + [None]:  # type: ignore[list-item]
        if start is None:
            start = prev = y
        elif y is not None and y == prev + 1:
            prev = y
        else:
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = y
    return ", ".join(out)


@dataclass(frozen=True)
class Coverage:
    indicator_id: str
    first: int | None
    last: int | None
    regions: list[str]  # codes with at least one value
    n_values: int
    member_years: int  # MLR member-years in first..last
    missing: dict[str, list[int]]  # member code -> years without a value

    @property
    def n_missing(self) -> int:
        return sum(len(v) for v in self.missing.values())


def coverage(cells: pd.DataFrame, memberships: pd.DataFrame, indicator_ids: list[str]) -> dict[str, Coverage]:
    """Per indicator: its year span, the regions with values and the MLR member-years without a value.

    ``cells`` is queries.observation_coverage(): (indicator_id, region_code, period) with a value.
    """
    out = {}
    for ind in indicator_ids:
        rows = cells[cells["indicator_id"] == ind]
        if rows.empty:
            out[ind] = Coverage(ind, None, None, [], 0, 0, {})
            continue
        first, last = int(rows["period"].min()), int(rows["period"].max())
        have = set(zip(rows["region_code"], rows["period"].astype(int), strict=True))
        expected = member_years(memberships, first, last)
        missing: dict[str, list[int]] = {}
        for code, year in expected:
            if (code, year) not in have:
                missing.setdefault(code, []).append(year)
        out[ind] = Coverage(ind, first, last, sorted(set(rows["region_code"])), int(len(rows)), len(expected),
                            missing)
    return out


# --- the /data grid ------------------------------------------------------------------------------


def grid_rows(frame: pd.DataFrame, cat: Catalogue, lang: str,
              revised: dict[tuple[str, str, int], float | None] | None = None) -> list[dict]:
    """The export rows as grid records: numbers stay numbers (for sorting) with a formatted text beside
    them, statuses in words (with "reviderad, tidigare …" where a later load changed the value),
    and the source's note as the source cell's tooltip."""
    from dashboard.i18n import SV, fmt_number, t

    revised = revised or {}
    decimals = cat.indicators["decimals"].to_dict()
    out = []
    for r in frame.to_dict("records"):
        value = None if pd.isna(r["value"]) else float(r["value"])
        places = decimals.get(r["indicator_id"], 0) if r["measure"] == "abs" else 1
        source = r["source"] or ""
        status = t(f"status.{r['status']}", lang) if f"status.{r['status']}" in SV else (r["status"] or "")
        key = (r["indicator_id"], r["region_code"], int(r["period"]))
        if r["measure"] == "abs" and key in revised:
            before = revised[key]
            status += " · " + t("status.revised_from", lang, value=fmt_number(before, int(places), lang))
        out.append({
            "indicator": r["indicator_name"],
            "region": r["region_name"],
            "period": int(r["period"]),
            "value": value,
            "value_text": fmt_number(value, int(places), lang),
            "unit": r["unit"],
            "status": status,
            "source": source,
            "source_tip": f"{source}. {r['note']}" if r["note"] else source,
            "retrieved": r["retrieved_at"] or "",
        })
    return out


def year_span(frame: pd.DataFrame) -> tuple[int, int] | None:
    if frame.empty:
        return None
    return int(frame["period"].min()), int(frame["period"].max())
