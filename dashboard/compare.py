"""``/jamfor`` without Dash: view state from the URL, the measured data, figures, summaries and tables.

``catalog()`` and ``compute()`` read through ``dashboard.queries``; every other function is pure
(DataFrame in, DataFrame, string or ``go.Figure`` out) so tests and the benchmark call them directly.
A value that is missing stays NaN all the way: a gap in a line, an empty heatmap cell, "saknas"
in a ranking, an empty field in the CSV; never a zero.
"""

from __future__ import annotations

import functools
import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import measures, model, params, queries
from dashboard.figures import BENCHMARK_STYLE, FONT, PALETTE, SYMBOLS, TEMPLATE_JSON, separators
from dashboard.i18n import SV, fmt_number, lang_of, name_col, t

BENCHMARKS = ("MLR", "12", "00")
VIEWS = params.VIEWS
EMPHASIS = "#b8420f"  # the chosen municipality (5.1:1 on white)
QUIET = "#8c8c8c"  # the others when one is chosen (3.4:1 on white, still readable)
NORMAL = "#1f5fa8"
MISSING_TEXT = "#6c757d"
HEAT_SCALE = [[0.0, "#dbe9f6"], [0.5, "#6aaed6"], [1.0, "#08306b"]]  # lightest cell still differs from an empty one
MAX_PANELS = 24
NO_FOCUS = "-"  # the focus select's "none highlighted" (a native select cannot hold an empty choice)


# ---------------------------------------------------------------- catalogue (cached per database file)


@dataclass(frozen=True)
class Catalog:
    """What the page needs to know besides the numbers: indicators, regions, membership, focus areas."""

    indicators: pd.DataFrame  # indexed by id
    regions: pd.DataFrame
    memberships: pd.DataFrame
    focus_areas: pd.DataFrame  # indexed by id
    context: params.Context
    names_sv: dict[str, str]
    names_en: dict[str, str]
    members: list[str]
    """Current MLR members (no valid_to), alphabetical by name."""

    def names(self, lang: str) -> dict[str, str]:
        return self.names_en if lang_of(lang) == "en" else self.names_sv

    def indicator(self, indicator_id: str) -> dict:
        return self.indicators.loc[indicator_id].to_dict()

    def responsible(self, indicator_id: str) -> list[str]:
        """The responsible municipalities of the indicator's focus area (empty if it has none)."""
        fa = self.indicators.loc[indicator_id, "focus_area_id"]
        if not isinstance(fa, str) or fa not in self.focus_areas.index:
            return []
        codes = set(self.focus_areas.loc[fa, "responsible"])
        return [c for c in self.names_sv if c in codes]

    def years(self, indicator_id: str) -> tuple[int | None, int | None]:
        meta = self.context.indicators[indicator_id]
        return meta["first"], meta["last"]

    @property
    def municipalities(self) -> list[str]:
        """MLR's members (every municipality that was ever one), alphabetical by name."""
        members = set(self.context.members)
        return [c for c in self.names_sv if c in members]

    @functools.cached_property
    def others(self) -> list[str]:
        """What the search list offers: every non-member municipality A–Ö, then the counties but Skåne."""
        kind = dict(zip(self.regions["code"], self.regions["kind"], strict=True))
        members = set(self.context.members)
        return [c for c in self.names_sv if c not in members and c not in BENCHMARKS
                and kind.get(c) in ("municipality", "county")]

    @functools.cached_property
    def skane(self) -> list[str]:
        """Skåne's 33 municipalities, in code order."""
        return model.county_codes(self.regions, "12")

    @functools.cached_property
    def totals(self) -> frozenset[str]:
        """Every code that is a sum of municipalities: MLR, the counties and Sweden."""
        kind = dict(zip(self.regions["code"], self.regions["kind"], strict=True))
        return frozenset(c for c, k in kind.items() if k != "municipality")

    def is_member(self, code: str) -> bool:
        """A municipality that is or was one of MLR's members (not a municipality elsewhere in Sweden)."""
        return code in set(self.context.members)


def build_catalog(indicators: pd.DataFrame, regions: pd.DataFrame, memberships: pd.DataFrame,
                  focus_areas: pd.DataFrame) -> Catalog:
    names_sv = model.region_names(regions, "sv")
    current = memberships[(memberships["group_code"] == "MLR") & memberships["valid_to"].isna()]
    current_codes = set(current["region_code"])
    members = [c for c in names_sv if c in current_codes]
    return Catalog(
        indicators=indicators.set_index("id", drop=False),
        regions=regions,
        memberships=memberships,
        focus_areas=focus_areas.set_index("id", drop=False),
        context=model.param_context(indicators, regions),
        names_sv=names_sv,
        names_en=model.region_names(regions, "en"),
        members=members,
    )


def catalog() -> Catalog:
    """The catalogue of the current database file, read once per published file."""
    return queries.cached("compare.catalog", lambda: build_catalog(
        queries.indicators(), queries.regions(), queries.memberships(), queries.focus_areas()))


# ---------------------------------------------------------------- view state (the URL contract)


@dataclass(frozen=True)
class CompareState:
    indicator: str
    regions: tuple[str, ...]
    measure: str
    first: int | None
    last: int | None
    base: int | None
    view: str
    focus: str | None
    lang: str
    notices: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """(param, message) for each URL value replaced by its default (params.parse wording)."""


def query_args(search: str | None) -> dict[str, str]:
    """The query string as a flat mapping (the first value of a repeated parameter)."""
    out: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        out.setdefault(key, value)
    return out


def resolve(args: Mapping[str, object], cat: Catalog) -> CompareState:
    """Validated view state: params.parse (lenient) plus period, base year and ``focus`` checks.

    Every replaced value leaves a (param, message) notice; nothing raises.
    """
    flat = {k: str(v[0] if isinstance(v, list | tuple) and v else v) for k, v in args.items()
            if v is not None and not (isinstance(v, list | tuple) and not v)}
    st = params.parse(flat, cat.context, strict=False)
    notices = list(st.notices)
    lo, hi = cat.years(st.indicator)
    first, last = st.first, st.last
    if lo is not None and hi is not None:
        if first is None:
            first = lo
        elif not lo <= first <= hi:
            notices.append(("from", f"year {first} outside the data ({lo}–{hi}); {lo} used"))
            first = lo
        if last is None:
            last = hi
        elif not lo <= last <= hi:
            notices.append(("to", f"year {last} outside the data ({lo}–{hi}); {hi} used"))
            last = hi
        if first > last:
            first, last = lo, hi
    base = None
    if st.measure == "index":
        base = st.base
        if base is None or first is None or not first <= base <= last:
            if base is not None and first is not None and not any(p == "base" for p, _ in notices):
                notices.append(("base", f"base year {base} outside the period {first}–{last}"))
            base = first
    focus = flat.get("focus") or None
    if focus is not None and focus not in cat.municipalities:
        notices.append(("focus", f"unknown municipality {focus[:40]!r}; allowed: {', '.join(cat.municipalities)}"))
        focus = None
    chosen = set(st.regions) | ({focus} if focus else set())
    regions = tuple(c for c in cat.names_sv if c in chosen)
    return CompareState(st.indicator, regions, st.measure, first, last, base, st.view, focus,
                        lang_of(flat.get("lang")), tuple(notices))


def to_query(state: CompareState) -> str:
    """The canonical query string of a state (what the page writes into the address bar)."""
    pairs: list[tuple[str, object]] = [("indicator", state.indicator), ("region", ",".join(state.regions)),
                                       ("measure", state.measure)]
    if state.first is not None and state.last is not None:
        pairs += [("from", state.first), ("to", state.last)]
    if state.measure == "index" and state.base is not None:
        pairs.append(("base", state.base))
    pairs.append(("view", state.view))
    if state.focus:
        pairs.append(("focus", state.focus))
    if state.lang == "en":
        pairs.append(("lang", "en"))
    return "?" + urllib.parse.urlencode(pairs, safe=",")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _year(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def controls_args(controls: Mapping[str, object], lang: str, changed: str | None) -> dict[str, str]:
    """The query arguments the controls express; ``changed`` names the control the user just moved.

    ``controls`` holds indicator, munis, bench, others, measure, first, last, base, view and focus as the
    browser sent them (anything of the wrong type counts as not set). A new indicator starts on its
    own full period; a period turned inside out follows the control that moved.
    """
    chosen = [*_texts(controls.get("munis")), *_texts(controls.get("bench")), *_texts(controls.get("others"))]
    args: dict[str, str] = {"region": ",".join(dict.fromkeys(chosen)), "lang": lang_of(lang)}
    for key in ("indicator", "measure", "view", "focus"):
        value = _text(controls.get(key))
        if value and value != NO_FOCUS:
            args[key] = value
    if changed != "indicator":
        first, last, base = (_year(controls.get(k)) for k in ("first", "last", "base"))
        if first is not None and last is not None and first > last:
            first, last = (first, first) if changed == "from" else (last, last)
        if first is not None:
            args["from"] = str(first)
        if last is not None:
            args["to"] = str(last)
        if base is not None and first is not None and last is not None and first <= base <= last:
            args["base"] = str(base)
    return args


def quick_pick(which: str, indicator: str, focus: str | None, cat: Catalog) -> tuple[list[str], str | None]:
    """(municipalities, focus) for the quick picks: all members, the focus area's responsible, one vs the rest."""
    if which == "responsible":
        chosen = cat.responsible(indicator) or list(cat.members)
        return chosen, focus if focus in chosen else None
    if which == "one":
        pick = focus or next(iter(cat.responsible(indicator) or cat.members), None)
        return list(cat.members), pick
    return list(cat.members), focus


def split_regions(regions: tuple[str, ...] | list[str], cat: Catalog) -> dict[str, list[str]]:
    """Which control shows each chosen code: members' check boxes, benchmarks' check boxes, the search list."""
    members = set(cat.municipalities)
    return {"munis": [c for c in regions if c in members],
            "bench": [c for c in regions if c in BENCHMARKS],
            "others": [c for c in regions if c not in members and c not in BENCHMARKS]}


def pick(which: str, indicator: str, focus: str | None, others: list[str] | None,
         cat: Catalog) -> tuple[list[str], list[str], str | None]:
    """(check boxes, search list, focus) after a quick pick.

    ``skane`` checks every member and puts Skåne's other municipalities in the search list (Skåne's
    33 in all; counties and municipalities elsewhere are taken out); the other picks leave the
    search list as it was.
    """
    kept = [c for c in (others or []) if c in set(cat.others)]
    if which == "skane":
        skane = set(cat.skane)
        munis = [c for c in cat.municipalities if c in skane]
        rest = [c for c in cat.names_sv if c in skane and c not in set(munis)]
        return munis, rest, focus if focus in munis else None
    munis, focus = quick_pick(which, indicator, focus, cat)
    return munis, kept, focus


# ---------------------------------------------------------------- data and measures


def comparable(measure: str, aggregation: str) -> bool:
    """Whether municipalities and benchmarks share a scale (a sum's total dwarfs its members)."""
    return measure != "abs" or aggregation != "sum"


def complete_grid(frame: pd.DataFrame, regions: list[str], first: int, last: int) -> pd.DataFrame:
    """One row per region and year of the period; a year the source lacks becomes NaN (a gap)."""
    grid = pd.MultiIndex.from_product([list(regions), range(first, last + 1)], names=["region_code", "period"])
    out = frame.drop_duplicates(["region_code", "period"]).set_index(["region_code", "period"]).reindex(grid)
    out = out.reset_index()
    out["status"] = out["status"].fillna("missing")
    return out


def measure_frame(frame: pd.DataFrame, measure: str, *, population: pd.DataFrame | None, base: int | None,
                  meta: Mapping[str, object], memberships: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in ``measure`` (measures.apply); a share only for years the municipality was a member.

    Membership comes from ``memberships``, never from the shape of a code: Helsingborg (1283) is a
    municipality but never has a share of the MLR total, nor does a county other than the benchmarks.
    """
    return measures.apply(frame, measure, population=population, base=base, per_capita=bool(meta["per_capita"]),
                          aggregation=str(meta["aggregation"]), memberships=memberships)


def fetch(state: CompareState, cat: Catalog) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(indicator rows, population rows or None) for exactly the regions and years shown."""
    regions = list(state.regions)
    if state.measure == "share" and "MLR" not in regions:
        regions.append("MLR")
    ids = [state.indicator] + (["population"] if state.measure == "per1000" else [])
    first = min(state.first, state.base) if state.base is not None else state.first
    raw = queries.series(ids, regions, first, state.last)
    frame = raw[raw["indicator_id"] == state.indicator]
    population = raw[raw["indicator_id"] == "population"] if state.measure == "per1000" else None
    return frame, population


# ---------------------------------------------------------------- the computed view


@dataclass
class View:
    """Everything the page shows for one state."""

    state: CompareState
    indicator: dict
    data: pd.DataFrame
    """Measured long frame of the shown regions and years (region_code, period, value, value_abs, ...)."""
    names: dict[str, str]
    """code -> name of the regions drawn, in display order."""
    unit: str
    decimals: int
    figure: go.Figure | None
    summary: str
    title: str
    table: pd.DataFrame | None
    """Display strings: rows are table rows, the index holds the row headers."""
    csv: pd.DataFrame
    notes: list[str]
    year: int | None = None
    """The ranking's year."""


def unit_label(ind: Mapping[str, object], measure: str, lang: str, base: int | None) -> str:
    base_unit = str(ind["unit_en"] if lang == "en" else ind["unit"])
    if measure == "per1000":
        return f"{base_unit} {measures.unit_for('per1000', base_unit, lang)}"
    return measures.unit_for(measure, base_unit, lang, base)


def decimals_for(ind: Mapping[str, object], measure: str) -> int:
    return int(ind["decimals"]) if measure == "abs" else 1  # type: ignore[call-overload]


def indicator_name(ind: Mapping[str, object], lang: str) -> str:
    return str(ind[name_col(lang)])


def compute(state: CompareState, cat: Catalog) -> View:
    """Query, measure and draw: the whole path of the compare callback for one state."""
    frame, population = fetch(state, cat) if state.first is not None else (None, None)
    return build_view(state, cat, frame, population)


def build_view(state: CompareState, cat: Catalog, frame: pd.DataFrame | None,
               population: pd.DataFrame | None) -> View:
    """The measured data, figure, summary, table and CSV of ``state`` from already queried rows."""
    lang = state.lang
    ind = cat.indicator(state.indicator)
    name = indicator_name(ind, lang)
    all_names = cat.names(lang)
    unit = unit_label(ind, state.measure, lang, state.base)
    decimals = decimals_for(ind, state.measure)
    same_scale = comparable(state.measure, str(ind["aggregation"]))
    notes: list[str] = []
    if frame is None or state.first is None or state.last is None:
        return _empty(state, ind, name, unit, decimals, notes)
    regions = list(state.regions) + (["MLR"] if state.measure == "share" and "MLR" not in state.regions else [])
    lo = min(state.first, state.base) if state.base is not None else state.first
    grid = complete_grid(frame[["region_code", "period", "value", "status", "source", "retrieved_at"]],
                         regions, lo, state.last)
    data = measure_frame(grid, state.measure, population=population, base=state.base, meta=ind,
                         memberships=cat.memberships)
    data = data[data["period"].between(state.first, state.last)]
    shown = [c for c in state.regions if not (state.measure == "share" and not cat.is_member(c))]
    if state.measure == "share":
        dropped = [all_names[c] for c in state.regions if c in BENCHMARKS]
        if dropped:
            notes.append(t("compare.note.share_benchmarks", lang, regions=", ".join(dropped)))
        outside = [all_names[c] for c in state.regions if c not in BENCHMARKS and not cat.is_member(c)]
        if outside:
            notes.append(t("compare.note.share_non_members", lang, regions=", ".join(outside)))
        if (~measures.member_mask(data, cat.memberships) & data["region_code"].isin(shown)).any():
            notes.append(t("compare.note.share_members", lang))
    with_values = set(data.loc[data["value"].notna(), "region_code"])
    with_source = set(data.loc[data["value_abs"].notna(), "region_code"])
    no_base = [c for c in shown if c not in with_values and c in with_source and state.measure == "index"]
    empty = [c for c in shown if c not in with_values and c not in no_base]
    if empty:
        notes.append(t("compare.note.no_values", lang, regions=", ".join(all_names[c] for c in empty)))
    shown_set = set(shown)
    names = {c: all_names[c] for c in all_names if c in shown_set and c in with_values}
    data = data[data["region_code"].isin(names)].reset_index(drop=True)
    if state.measure == "per1000":
        notes.append(t("compare.note.per1000", lang))
    elif state.measure == "index":
        notes.append(t("compare.note.index", lang, base=state.base))
        if no_base:
            notes.append(t("compare.note.no_base", lang, base=state.base,
                           regions=", ".join(all_names[c] for c in no_base)))
    if "MLR" in names and model.approximated(ind, "MLR"):
        notes.append(t("compare.note.approximation", lang))
    if "MLR" in names or state.measure == "share":
        change = membership_note(cat.memberships, all_names, state.first, state.last, lang)
        if change:
            notes.append(change)
    if not names:
        return _empty(state, ind, name, unit, decimals, notes)

    what = f"{name[0].lower()}{name[1:]} ({unit})"
    view, year = state.view, None
    if view == "ranking":
        year = ranking_year(data, names, state.last)
        plotted = data[data["period"] == year]
        figure = ranking_figure(plotted, names, focus=state.focus, unit=unit, decimals=decimals, lang=lang,
                                same_scale=same_scale)
        summary = rank_summary(plotted, names, what=what, year=year, focus=state.focus, decimals=decimals,
                               lang=lang, same_scale=same_scale)
        table = ranking_table(plotted, names, decimals, lang)
        title = t("compare.title.ranking", lang, name=name, year=year)
        if not same_scale and any(c in names for c in BENCHMARKS):
            notes.append(t("compare.note.totals_ranking", lang))
    elif view == "heatmap":
        plotted = data if same_scale else data[~data["region_code"].isin(cat.totals)]
        if not same_scale and any(c in names for c in cat.totals):
            notes.append(t("compare.note.heatmap_totals", lang))
        present = set(plotted["region_code"])
        heat_names = {c: n for c, n in names.items() if c in present}
        if not heat_names:
            plotted, heat_names = data, names
        figure = heatmap_figure(plotted, heat_names, focus=state.focus, unit=unit, decimals=decimals, lang=lang,
                                years=list(range(state.first, state.last + 1)))
        summary = heatmap_summary(plotted, heat_names, what=what, decimals=decimals, lang=lang)
        table = heatmap_table(plotted, heat_names, decimals, lang)
        names = heat_names
        title = t("compare.title.heatmap", lang, name=name, first=state.first, last=state.last)
    elif view == "small":
        panel_names = dict(list(names.items())[:MAX_PANELS])
        if state.focus in names and state.focus not in panel_names:
            panel_names = dict(list(panel_names.items())[: MAX_PANELS - 1]) | {state.focus: names[state.focus]}
            panel_names = {c: names[c] for c in names if c in panel_names}
        if len(panel_names) < len(names):
            notes.append(t("compare.note.panels", lang, n=MAX_PANELS))
        plotted = data[data["region_code"].isin(panel_names)]
        figure = small_multiples_figure(plotted, panel_names, focus=state.focus, unit=unit, decimals=decimals,
                                        lang=lang, same_scale=same_scale, base=state.base)
        summary = change_summary(plotted, panel_names, what=what, decimals=decimals, lang=lang)
        table = None
        names = panel_names
        title = t("compare.title.small", lang, name=name, first=state.first, last=state.last)
    else:
        big = (cat.totals - {"MLR"}) & set(names)  # counties and Sweden: many times a municipality
        right = set() if same_scale or set(names) <= big else big
        if right:
            notes.append(t("compare.note.right_axis", lang, regions=", ".join(names[c] for c in names if c in right)))
        plotted = data
        figure = line_figure(plotted, names, focus=state.focus, unit=unit, decimals=decimals, lang=lang,
                             right_axis=right, base=state.base if state.measure == "index" else None)
        summary = line_summary(plotted, names, what=what, focus=state.focus, decimals=decimals, lang=lang,
                               same_scale=same_scale)
        table = None
        title = t("compare.title.line", lang, name=name, first=state.first, last=state.last)
    csv = csv_frame(plotted, names, ind, state, unit)
    return View(state, ind, plotted, names, unit, decimals, figure, summary, title, table, csv, notes, year)


def _empty(state: CompareState, ind: dict, name: str, unit: str, decimals: int, notes: list[str]) -> View:
    cols = ["indicator_id", "region_code", "region_name", "period", "value", "unit", "measure", "base_year",
            "value_abs", "unit_abs", "status", "source"]
    return View(state, ind, pd.DataFrame(columns=["region_code", "period", "value"]), {}, unit, decimals, None,
                t("summary.none", state.lang, name=name), name, None, pd.DataFrame(columns=cols), notes)


def membership_note(memberships: pd.DataFrame, names: Mapping[str, str], first: int, last: int,
                    lang: str) -> str | None:
    """A sentence naming who joined or left MLR inside the period (the total changes with them)."""
    rows = memberships[memberships["group_code"] == "MLR"]
    parts = []
    for r in rows.itertuples():
        if not pd.isna(r.valid_from) and first < r.valid_from <= last:
            parts.append(t("compare.note.joined", lang, region=names.get(r.region_code, r.region_code),
                           year=int(r.valid_from)))
        if not pd.isna(r.valid_to) and first <= r.valid_to < last:
            parts.append(t("compare.note.left", lang, region=names.get(r.region_code, r.region_code),
                           year=int(r.valid_to)))
    return t("compare.note.membership", lang, changes="; ".join(parts)) if parts else None


def ranking_year(data: pd.DataFrame, names: Mapping[str, str], last: int) -> int:
    """``last`` if any municipality has a value then, else the latest year of the period that has one."""
    values = data[data["value"].notna()]
    municipal = values[~values["region_code"].isin(BENCHMARKS)]
    pool = municipal if not municipal.empty else values
    years = pool.loc[pool["period"] <= last, "period"]
    return int(years.max()) if not years.empty else last


# ---------------------------------------------------------------- figures
#
# Built as plain dicts and wrapped once in go.Figure(_validate=False): plotly's per-property
# validation costs more than everything else on this page (tests validate each figure once).

TEMPLATE = TEMPLATE_JSON  # plotly.js applies a template object as is
AXIS = {"exponentformat": "none", "separatethousands": True}  # "64 000", never "64k"


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    return go.Figure(data=traces, layout=layout, _validate=False)


def _layout(lang: str, height: int, **extra: object) -> dict:
    layout: dict = {
        "template": TEMPLATE,
        "separators": separators(lang),
        "font": {"family": FONT, "size": 14, "color": "#212529"},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.1, "yanchor": "top", "font": {"size": 12},
                   "entrywidth": 150, "entrywidthmode": "pixels"},
        "hoverlabel": {"namelength": -1},
    }
    layout.update(extra)
    return layout


def _label(code: str, names: Mapping[str, str], focus: str | None) -> str:
    return f"<b>{names[code]}</b>" if code == focus else names[code]


def _ys(rows: pd.DataFrame) -> list[float | None]:
    return [None if v != v else float(v) for v in rows["value"].to_numpy(dtype=float)]


def _by_region(data: pd.DataFrame) -> dict[str, tuple[list[int], list[float | None]]]:
    """code -> (years, values with None for a gap), one pass over the frame sorted by region and year."""
    ordered = data.sort_values(["region_code", "period"], kind="stable")
    codes = ordered["region_code"].to_numpy()
    years = ordered["period"].to_numpy()
    values = ordered["value"].to_numpy(dtype=float)
    if not len(codes):
        return {}
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return {str(codes[a]): (years[a:b].tolist(), [None if v != v else v for v in values[a:b].tolist()])
            for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(codes)], strict=True)}


def _style(code: str, index: int, focus: str | None) -> dict[str, object]:
    if code in BENCHMARK_STYLE:
        s = BENCHMARK_STYLE[code]
        return {"line": {"color": s["color"], "dash": s["dash"], "width": s["width"]},
                "marker": {"symbol": "circle-open", "size": 7, "color": s["color"]}}
    if focus and code == focus:
        return {"line": {"color": EMPHASIS, "width": 4}, "marker": {"symbol": "circle", "size": 9, "color": EMPHASIS}}
    if focus:
        return {"line": {"color": QUIET, "width": 1.5}, "marker": {"symbol": "circle", "size": 4, "color": QUIET}}
    colour = PALETTE[index % len(PALETTE)]
    return {"line": {"color": colour, "width": 2},
            "marker": {"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 7, "color": colour}}


def line_figure(data: pd.DataFrame, names: Mapping[str, str], *, focus: str | None, unit: str, decimals: int,
                lang: str, right_axis: set[str] | frozenset[str] = frozenset(), base: int | None = None) -> go.Figure:
    """Development over time: one line per region; the focus drawn last (on top), the rest quiet."""
    suffix = t("compare.right_axis", lang)
    codes = list(names)
    rank = {c: i for i, c in enumerate(codes)}
    groups = _by_region(data)
    order = [c for c in codes if c != focus] + ([focus] if focus in rank else [])
    traces = []
    for code in order:
        xs, ys = groups.get(code, ([], []))
        label = names[code] + (suffix if code in right_axis else "")
        traces.append({
            "type": "scatter", "x": xs, "y": ys, "name": label, "mode": "lines+markers",
            "connectgaps": False, "legendrank": rank[code] + 1, "yaxis": "y2" if code in right_axis else "y",
            "hovertemplate": f"%{{y:,.{decimals}f}}<extra>{label}</extra>", "meta": {"region_code": code},
            **_style(code, rank[code], focus),
        })
    # Years as categories: plotly thins the labels on a narrow screen and never invents 2015.5.
    layout = _layout(lang, 500, hovermode="x unified", xaxis={"type": "category", "title": None, **AXIS},
                     yaxis={"title": {"text": unit}, "rangemode": "normal" if base else "tozero", **AXIS})
    if right_axis:
        layout["yaxis2"] = {"title": {"text": ", ".join(names[c] for c in codes if c in right_axis)},
                            "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False,
                            "tickmode": "auto", **AXIS}
        layout["margin"]["r"] = 70
    if base:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 100, "y1": 100,
                             "line": {"color": "#6c757d", "width": 1}, "layer": "below"}]
    return _figure(traces, layout)


def ranking_figure(data: pd.DataFrame, names: Mapping[str, str], *, focus: str | None, unit: str, decimals: int,
                   lang: str, same_scale: bool) -> go.Figure:
    """One year as sorted horizontal bars (highest on top); benchmarks as marked lines, missing as 'saknas'."""
    municipal = data[~data["region_code"].isin(BENCHMARKS) & data["region_code"].isin(names)]
    ranked = municipal.sort_values("value", ascending=False, na_position="last")
    codes = ranked["region_code"].tolist()
    labels = [_label(c, names, focus) for c in codes]
    values = _ys(ranked)
    bar = {
        "type": "bar", "orientation": "h", "x": values, "y": labels, "customdata": codes, "name": unit,
        "marker": {"color": [EMPHASIS if c == focus else (QUIET if focus else NORMAL) for c in codes]},
        "text": [_num(v, decimals, lang) if v is not None else "" for v in values], "textposition": "outside",
        "cliponaxis": False, "showlegend": False,
        "hovertemplate": f"%{{y}}: %{{x:,.{decimals}f}} {unit}<extra></extra>",
    }
    missing = t("compare.missing", lang)
    annotations = [{"x": 0, "y": label, "xref": "x", "yref": "y", "text": missing, "showarrow": False,
                    "xanchor": "left", "font": {"color": MISSING_TEXT, "style": "italic"}}
                   for label, value in zip(labels, values, strict=True) if value is None]
    height = max(280, 34 * len(labels) + 130)
    shapes, totals = [], []
    for code in BENCHMARKS:
        rows = data[(data["region_code"] == code) & data["value"].notna()]
        if code not in names or rows.empty:
            continue
        value = float(rows["value"].iloc[0])
        text = f"{names[code]}: {_num(value, decimals, lang)}"
        if same_scale:
            style = BENCHMARK_STYLE[code]
            shapes.append({"type": "line", "x0": value, "x1": value, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
                           "line": {"color": style["color"], "dash": style["dash"], "width": 3 if code == "MLR" else 2},
                           "showlegend": True, "name": text})
        else:
            totals.append(text)
    if totals:
        annotations.append({"xref": "paper", "yref": "paper", "x": 0, "y": 1, "yanchor": "bottom", "xanchor": "left",
                            "showarrow": False, "text": " · ".join(totals), "font": {"size": 13}})
    layout = _layout(lang, height, bargap=0.25, annotations=annotations, shapes=shapes, showlegend=bool(shapes),
                     yaxis={"autorange": "reversed", "type": "category", "title": None, "automargin": True},
                     xaxis={"title": {"text": unit}, "rangemode": "tozero", **AXIS},
                     margin={"l": 20, "r": 60, "t": 30, "b": 50})
    layout["legend"]["y"] = -60 / height - 0.02
    return _figure([bar], layout)


def heatmap_figure(data: pd.DataFrame, names: Mapping[str, str], *, focus: str | None, unit: str, decimals: int,
                   lang: str, years: list[int]) -> go.Figure:
    """Municipality × year; an empty cell (hover 'saknas') where the value is missing."""
    codes = list(names)
    labels = [_label(c, names, focus) for c in codes]
    z = [[None if v != v else float(v) for v in row] for row in _wide(data, codes, years).to_numpy(dtype=float)]
    missing = t("compare.missing", lang)
    text = [[missing if v is None else _num(v, decimals, lang) for v in row] for row in z]
    show_text = len(years) <= 16 and len(codes) <= 30
    traces: list[dict] = [{
        "type": "heatmap", "z": z, "x": years, "y": labels, "text": text, "textfont": {"size": 11},
        "colorscale": HEAT_SCALE, "hoverongaps": True, "xgap": 2, "ygap": 2,
        "hovertemplate": "%{y} %{x}: %{text}<extra></extra>",
        "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 14, **AXIS},
        **({"texttemplate": "%{text}"} if show_text else {}),
    }]
    shapes = []
    if focus in codes:
        i = codes.index(focus)
        shapes.append({"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": i - 0.5, "y1": i + 0.5,
                       "line": {"color": EMPHASIS, "width": 3}})
    layout = _layout(lang, max(260, 30 * len(codes) + 120), shapes=shapes, plot_bgcolor="#ffffff",
                     xaxis={"dtick": 1, "tickformat": "d", "side": "top", "showgrid": False},
                     yaxis={"autorange": "reversed", "type": "category", "showgrid": False, "automargin": True},
                     margin={"l": 20, "r": 20, "t": 40, "b": 20})
    return _figure(traces, layout)


def small_multiples_figure(data: pd.DataFrame, names: Mapping[str, str], *, focus: str | None, unit: str,
                           decimals: int, lang: str, same_scale: bool, base: int | None = None,
                           cols: int = 3) -> go.Figure:
    """One small panel per region on a shared scale (totals on their own when not comparable)."""
    codes = list(names)
    n = len(codes)
    rows = max(1, math.ceil(n / cols))
    hgap, vgap = 0.06, min(0.12, 0.35 / rows)
    width, height = (1 - hgap * (cols - 1)) / cols, (1 - vgap * (rows - 1)) / rows
    own = t("compare.own_scale", lang)
    groups = _by_region(data)
    reference = "MLR" if same_scale and "MLR" in codes else None
    ref_rows = groups.get(reference) if reference else None
    matched = [i for i, c in enumerate(codes) if same_scale or c not in BENCHMARKS]
    traces: list[dict] = []
    layout = _layout(lang, rows * 170 + 90, hovermode="closest", showlegend=reference is not None,
                     margin={"l": 50, "r": 20, "t": 40, "b": 40})
    layout["legend"]["y"] = -40 / (rows * 170 + 90)
    annotations, shapes = [], []
    for i, code in enumerate(codes):
        r, c = divmod(i, cols)
        xa, ya = ("x", "y") if i == 0 else (f"x{i + 1}", f"y{i + 1}")
        x0, y1 = round(c * (width + hgap), 6), round(1 - r * (height + vgap), 6)
        layout["xaxis" if i == 0 else f"xaxis{i + 1}"] = {
            "domain": [x0, min(1.0, round(x0 + width, 6))], "anchor": ya, "dtick": 5, "tickformat": "d", **AXIS,
            **({} if i == 0 else {"matches": "x"})}
        shared = "y" if matched and matched[0] == 0 else f"y{matched[0] + 1}" if matched else None
        layout["yaxis" if i == 0 else f"yaxis{i + 1}"] = {
            "domain": [max(0.0, round(y1 - height, 6)), y1], "anchor": xa, "nticks": 4,
            "rangemode": "normal" if base else "tozero", **AXIS,
            **({"matches": shared} if i in matched[1:] else {})}
        title = _label(code, names, focus) + (f" ({own})" if not same_scale and code in BENCHMARKS else "")
        annotations.append({"text": title, "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                            "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 13}})
        if ref_rows is not None and code not in BENCHMARKS:
            traces.append({"type": "scatter", "x": ref_rows[0], "y": ref_rows[1], "mode": "lines",
                           "name": names[reference], "xaxis": xa, "yaxis": ya, "hoverinfo": "skip",
                           "line": {"color": "#495057", "dash": "dot", "width": 1.5}, "legendgroup": "ref",
                           "showlegend": not any(tr.get("legendgroup") == "ref" for tr in traces)})
        if code in BENCHMARK_STYLE or focus:
            style = _style(code, i, focus)
        else:
            style = {"line": {"color": NORMAL, "width": 2}, "marker": {"size": 5, "color": NORMAL}}
        xs, ys = groups.get(code, ([], []))
        traces.append({"type": "scatter", "x": xs, "y": ys,
                       "mode": "lines+markers", "connectgaps": False, "name": names[code], "showlegend": False,
                       "meta": {"region_code": code}, "xaxis": xa, "yaxis": ya,
                       "hovertemplate": f"%{{x}}: %{{y:,.{decimals}f}}<extra>{names[code]}</extra>", **style})
        if base:
            shapes.append({"type": "line", "xref": f"{xa} domain", "x0": 0, "x1": 1, "yref": ya, "y0": 100, "y1": 100,
                           "line": {"color": "#adb5bd", "width": 1}, "layer": "below"})
    layout["annotations"], layout["shapes"] = annotations, shapes
    return _figure(traces, layout)


def _wide(data: pd.DataFrame, codes: list[str], years: list[int]) -> pd.DataFrame:
    wide = data.pivot_table(index="region_code", columns="period", values="value", aggfunc="first", dropna=False)
    return wide.reindex(index=codes, columns=years)


@functools.lru_cache(maxsize=65536)
def _num(value: float, decimals: int, lang: str) -> str:
    """i18n.fmt_number, remembered: a heatmap and its table format the same few thousand numbers."""
    return fmt_number(value, decimals, lang)


# ---------------------------------------------------------------- summaries (one sentence from the data)


def _fmt(value: float, decimals: int, lang: str) -> str:
    return _num(float(value), decimals, lang)


def _signed(value: float, decimals: int, lang: str) -> str:
    text = fmt_number(abs(float(value)), decimals, lang)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def rank_summary(year_rows: pd.DataFrame, names: Mapping[str, str], *, what: str, year: int, focus: str | None,
                 decimals: int, lang: str, same_scale: bool) -> str:
    """Who had the highest and lowest value in ``year``, where the focus ranks, and the MLR value."""
    values = year_rows[year_rows["value"].notna() & year_rows["region_code"].isin(names)]
    municipal = values[~values["region_code"].isin(BENCHMARKS)].sort_values("value", ascending=False)
    pick = municipal if not municipal.empty else values.sort_values("value", ascending=False)
    if pick.empty:
        return t("compare.summary.none_year", lang, what=what, year=year)
    if len(pick) == 1:
        row = pick.iloc[0]
        text = t("compare.summary.single", lang, region=names[row.region_code], what=what, year=year,
                 value=_fmt(row.value, decimals, lang))
    else:
        top, bottom = pick.iloc[0], pick.iloc[-1]
        text = t("compare.summary.rank", lang, top=names[top.region_code], what=what, year=year,
                 top_value=_fmt(top.value, decimals, lang), bottom=names[bottom.region_code],
                 bottom_value=_fmt(bottom.value, decimals, lang))
        codes = list(pick["region_code"])
        if focus in codes and focus not in (top.region_code, bottom.region_code):
            text += " " + t("compare.summary.focus_rank", lang, region=names[focus], rank=codes.index(focus) + 1,
                            n=len(codes), value=_fmt(pick.iloc[codes.index(focus)].value, decimals, lang))
    mlr = values[values["region_code"] == "MLR"]
    if not mlr.empty and len(pick) > 1:
        key = "compare.summary.mlr" if same_scale else "compare.summary.mlr_total"
        text += " " + t(key, lang, name=names["MLR"], value=_fmt(mlr["value"].iloc[0], decimals, lang))
    return text


def line_summary(data: pd.DataFrame, names: Mapping[str, str], *, what: str, focus: str | None, decimals: int,
                 lang: str, same_scale: bool) -> str:
    """The latest year's ranking, and how the focus municipality developed over the period."""
    values = data[data["value"].notna()]
    if values.empty:
        return t("compare.summary.none_year", lang, what=what, year="")
    year = ranking_year(data, names, int(values["period"].max()))
    text = rank_summary(data[data["period"] == year], names, what=what, year=year, focus=None, decimals=decimals,
                        lang=lang, same_scale=same_scale)
    if focus in names:
        own = values[values["region_code"] == focus].sort_values("period")
        if len(own) >= 2:
            a, b = own.iloc[0], own.iloc[-1]
            text += " " + t("compare.summary.trend", lang, region=names[focus],
                            from_value=_fmt(a.value, decimals, lang), from_year=int(a.period),
                            to_value=_fmt(b.value, decimals, lang), to_year=int(b.period))
    return text


def heatmap_summary(data: pd.DataFrame, names: Mapping[str, str], *, what: str, decimals: int, lang: str) -> str:
    """The highest and lowest cell of the period and how many cells are missing."""
    values = data[data["value"].notna() & data["region_code"].isin(names)]
    if values.empty:
        return t("compare.summary.none_year", lang, what=what, year="")
    top = values.loc[values["value"].idxmax()]
    bottom = values.loc[values["value"].idxmin()]
    text = t("compare.summary.heatmap", lang, what=what, first=int(data["period"].min()),
             last=int(data["period"].max()),
             top=names[top.region_code], top_year=int(top.period), top_value=_fmt(top.value, decimals, lang),
             bottom=names[bottom.region_code], bottom_year=int(bottom.period),
             bottom_value=_fmt(bottom.value, decimals, lang))
    cells = data[data["region_code"].isin(names)]
    gaps = int(cells["value"].isna().sum())
    if gaps:
        text += " " + t("compare.summary.gaps", lang, n=gaps, total=len(cells))
    return text


def change_summary(data: pd.DataFrame, names: Mapping[str, str], *, what: str, decimals: int, lang: str) -> str:
    """The largest and smallest change from the first to the last year with data."""
    values = data[data["value"].notna() & data["region_code"].isin(names)]
    if values.empty:
        return t("compare.summary.none_year", lang, what=what, year="")
    y0, y1 = int(values["period"].min()), int(values["period"].max())
    wide = values.pivot_table(index="region_code", columns="period", values="value", aggfunc="first")
    if y0 == y1 or y0 not in wide or y1 not in wide:
        return rank_summary(data[data["period"] == y1], names, what=what, year=y1, focus=None, decimals=decimals,
                            lang=lang, same_scale=True)
    both = wide[[y0, y1]].dropna()
    municipal = both[~both.index.isin(BENCHMARKS)]
    pool = municipal if len(municipal) >= 2 else both
    if pool.empty:
        return rank_summary(data[data["period"] == y1], names, what=what, year=y1, focus=None, decimals=decimals,
                            lang=lang, same_scale=True)
    change = (pool[y1] - pool[y0]).sort_values(ascending=False)
    top, bottom = change.index[0], change.index[-1]

    def part(code: str) -> dict[str, str]:
        return {"change": _signed(change[code], decimals, lang), "from_value": _fmt(pool.loc[code, y0], decimals, lang),
                "to_value": _fmt(pool.loc[code, y1], decimals, lang)}

    if top == bottom:
        p = part(top)
        return t("compare.summary.change_single", lang, what=what, first=y0, last=y1, region=names[top], **p)
    p, q = part(top), part(bottom)
    return t("compare.summary.change", lang, what=what, first=y0, last=y1, top=names[top], top_change=p["change"],
             top_from=p["from_value"], top_to=p["to_value"], bottom=names[bottom], bottom_change=q["change"],
             bottom_from=q["from_value"], bottom_to=q["to_value"])


# ---------------------------------------------------------------- tables and the CSV


def ranking_table(year_rows: pd.DataFrame, names: Mapping[str, str], decimals: int, lang: str) -> pd.DataFrame:
    """Rank, area and value of the ranking year, in the bars' order, benchmarks last."""
    municipal = year_rows[~year_rows["region_code"].isin(BENCHMARKS)].sort_values("value", ascending=False,
                                                                                   na_position="last")
    bench = year_rows[year_rows["region_code"].isin(BENCHMARKS)]
    present = set(bench["region_code"])
    bench = bench.set_index("region_code").reindex([c for c in BENCHMARKS if c in present])
    out = []
    for i, row in enumerate(municipal.itertuples(), start=1):
        out.append((names[row.region_code], str(i) if not pd.isna(row.value) else "", _cell(row.value, decimals, lang)))
    for code, row in bench.iterrows():
        out.append((names[code], "", _cell(row["value"], decimals, lang)))
    frame = pd.DataFrame(out, columns=[t("table.region", lang), t("compare.rank", lang), t("table.value", lang)])
    return frame.set_index(t("table.region", lang))


def heatmap_table(data: pd.DataFrame, names: Mapping[str, str], decimals: int, lang: str) -> pd.DataFrame:
    """Areas down, years across, as in the heatmap."""
    present = set(data["region_code"])
    codes = [c for c in names if c in present]
    years = sorted(int(y) for y in data["period"].unique())
    wide = _wide(data, codes, years)
    out = pd.DataFrame([[_cell(v, decimals, lang) for v in row] for row in wide.to_numpy(dtype=float)],
                       index=pd.Index([names[c] for c in codes], name=t("table.region", lang)),
                       columns=[str(y) for y in years])
    return out


def _cell(value: object, decimals: int, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("compare.missing", lang)
    return _num(float(value), decimals, lang)  # type: ignore[arg-type]


def csv_frame(data: pd.DataFrame, names: Mapping[str, str], ind: Mapping[str, object], state: CompareState,
              unit: str) -> pd.DataFrame:
    """Exactly the plotted numbers: one row per region and year, with unit and measure (empty value = missing)."""
    out = data[data["region_code"].isin(names)].copy()
    out["indicator_id"] = ind["id"]
    out["region_name"] = out["region_code"].map(names)
    out["unit"] = unit
    out["measure"] = state.measure
    out["base_year"] = state.base if state.measure == "index" else None
    out["unit_abs"] = ind["unit_en"] if state.lang == "en" else ind["unit"]
    order = {c: i for i, c in enumerate(names)}
    out = out.assign(_o=out["region_code"].map(order)).sort_values(["_o", "period"])
    cols = ["indicator_id", "region_code", "region_name", "period", "value", "unit", "measure", "base_year",
            "value_abs", "unit_abs", "status", "source"]
    return out[cols].reset_index(drop=True)


# ---------------------------------------------------------------- notices in the reader's language

_WHY = [
    (r"unknown indicator '(?P<value>.*?)'", "compare.why.unknown_indicator"),
    (r"unknown region '(?P<value>.*?)'", "compare.why.unknown_region"),
    (r"unknown measure '(?P<value>.*?)'", "compare.why.unknown_measure"),
    (r"(?P<value>\w+) is not available for", "compare.why.measure_not_available"),
    (r"not a year: '(?P<value>.*?)'", "compare.why.not_a_year"),
    (r"year (?P<value>\d+) outside the data \((?P<range>[^)]*)\)", "compare.why.outside_data"),
    (r"year (?P<value>\d+) outside (?P<range>\S+)", "compare.why.year_range"),
    (r"from \((?P<value>\d+)\) is after to", "compare.why.from_after_to"),
    (r"base year (?P<value>\d+) outside the period (?P<range>\S+)", "compare.why.base_outside"),
    (r"unknown view '(?P<value>.*?)'", "compare.why.unknown_view"),
    (r"unknown municipality '(?P<value>.*?)'", "compare.why.unknown_focus"),
    (r"at most (?P<value>\d+)", "compare.why.too_many"),
    (r"one indicator at a time", "compare.why.one_indicator"),
]


def notice_text(param: str, message: str, lang: str) -> str:
    """One notice line, '<control> (param): why', with params' English wording as the fallback."""
    why = message
    for pattern, key in _WHY:
        m = re.search(pattern, message)
        if m:
            why = t(key, lang, **{k: v for k, v in m.groupdict().items()})
            break
    label = t(f"compare.param.{param}", lang) if f"compare.param.{param}" in SV else param
    return f"{label} ({param}): {why}"
