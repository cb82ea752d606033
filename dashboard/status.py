"""The status rule: is an indicator on track against its target? One pure function, ``assess``.

Used by the overview cards, the focus pages, presentation and print, so the board sees one
answer everywhere. ``explanation(lang)`` describes the rule in words for the /om page.

The rule (kept in step with ``explanation`` and README):

* Baseline: the target's ``baseline_value`` if the secretariat fixed one, else the value of the
  target's scope (MLR or a municipality) in ``baseline_period``.
* Assessed year: ``target_period`` if it has a value; otherwise the latest year after the
  baseline that has one. A long-term target (``target_period`` null: the plan's target pictures)
  is always assessed to the latest year with data, and the status names the years it compares
  (``span``: "2015→2022"); a verdict whose latest year is two or more years before today says so.
* Quantified target (``target_value`` set): the trajectory is the straight line from
  (baseline_period, baseline) to (target_period, target_value), flat after the target year. The
  value is on track at or beyond the trajectory in the target's direction, at risk when short of
  it by at most ``tolerance_pct`` per cent of the trajectory value, and off track beyond that.
* Direction-only target (``target_value`` null): the change since the baseline in per cent of the
  baseline value. Beyond ``tolerance_pct`` in the target's direction is on track, within
  ±``tolerance_pct`` is at risk (no clear movement), beyond it the other way is off track.
* Too little data: no target, no baseline value, or no value after the baseline year gives
  "underlag saknas", with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from dashboard.i18n import LANGS, fmt_number, lang_of, t

ON_TRACK, RISK, OFF_TRACK, NO_DATA = "on_track", "risk", "off_track", "no_data"
CODES = (ON_TRACK, RISK, OFF_TRACK, NO_DATA)
# Icon (Bootstrap Icons) per status: the status is never told by colour alone.
ICONS = {ON_TRACK: "bi-check-circle-fill", RISK: "bi-exclamation-triangle-fill",
         OFF_TRACK: "bi-x-octagon-fill", NO_DATA: "bi-question-circle"}
PERCENT_UNITS = {"procent", "%", "per cent", "percent"}


@dataclass(frozen=True)
class Status:
    """The outcome of ``assess``: a code, labels and reasons in both languages and the numbers used."""

    code: str
    label_sv: str
    label_en: str
    reason_sv: str
    reason_en: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.label_en if lang_of(lang) == "en" else self.label_sv

    def reason(self, lang: str) -> str:
        return self.reason_en if lang_of(lang) == "en" else self.reason_sv

    @property
    def icon(self) -> str:
        return ICONS[self.code]

    @property
    def span(self) -> str:
        """The years compared, ``2015→2022``; empty when no comparison was made."""
        base, year = self.numbers.get("baseline_period"), self.numbers.get("year")
        return f"{base}\u2192{year}" if base is not None and year is not None else ""


def legend_entry(code: str) -> Status:
    """A status with its labels only, for a legend of the four statuses."""
    return _make(code, {"sv": "", "en": ""}, {})


def _values(series: pd.DataFrame | Mapping[int, float | None] | None) -> dict[int, float]:
    """year -> value for the non-missing values of ``series`` (a frame with period, value or a mapping)."""
    if series is None:
        return {}
    if isinstance(series, pd.DataFrame):
        pairs = zip(series["period"], series["value"], strict=True)
    else:
        pairs = series.items()
    out = {}
    for year, value in pairs:
        if value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value):
            out[int(year)] = float(value)
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def _signed(value: float, decimals: int, lang: str) -> str:
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "\u00b1")
    return sign + fmt_number(abs(value), decimals, lang)


def _pct(value: float, lang: str) -> str:
    """A signed per cent change: ``+12 %`` (sv) or ``+12%`` (en)."""
    decimals = 0 if abs(value) >= 10 else 1
    return _signed(value, decimals, lang) + ("\u00a0%" if lang == "sv" else "%")


def _make(code: str, reasons: dict[str, str], numbers: dict[str, Any]) -> Status:
    return Status(code, t(f"board.status.{code}", "sv"), t(f"board.status.{code}", "en"),
                  reasons["sv"], reasons["en"], numbers)


def _no_data(key: str, numbers: dict[str, Any], **fmt: object) -> Status:
    return _make(NO_DATA, {lang: t(f"board.reason.{key}", lang, **fmt) for lang in LANGS}, numbers)


def assess(series: pd.DataFrame | Mapping[int, float | None] | None, target: Mapping[str, Any] | None, *,
           unit: str = "", decimals: int = 1, aggregation: str | None = None,
           incomplete: bool = False, scope_name: str | None = None, today: date | None = None) -> Status:
    """The status of one indicator against one target.

    Args:
        series: the values of the target's scope: a frame with ``period`` and ``value`` (NaN = missing)
            or a mapping year -> value.
        target: a row of the ``target`` table (direction, baseline_period, baseline_value, target_period,
            target_value, tolerance_pct, scope), or None when no target is set.
        unit: the indicator's unit; for a percentage the change is also given in percentage points.
        decimals: decimals for values in the reason.
        aggregation: the indicator's aggregation; ``none`` explains a missing MLR total.
        incomplete: the scope's rows exist but the total could not be formed (a member's value missing).
        scope_name: how the scope is named in the reason (default: its code).
        today: for the age of the data (default: today's date).

    Returns:
        A ``Status``; ``numbers`` holds rule, baseline_period, baseline_value, year, value, change,
        change_pct, trajectory, deviation_pct, target_period, target_value, tolerance_pct, direction.
    """
    values = _values(series)
    if target is None:
        return _no_data("no_target", {"rule": None})
    direction = str(target["direction"])
    base_year = int(target["baseline_period"])
    target_year = None if _missing(target.get("target_period")) else int(target["target_period"])
    tol = 0.0 if _missing(target.get("tolerance_pct")) else float(target["tolerance_pct"])
    goal = None if _missing(target.get("target_value")) else float(target["target_value"])
    scope = str(target.get("scope") or "MLR")
    where = scope_name or scope
    numbers: dict[str, Any] = {"rule": "trajectory" if goal is not None else "direction",
                               "direction": direction, "baseline_period": base_year, "target_period": target_year,
                               "target_value": goal, "tolerance_pct": tol, "scope": scope}
    if not values:
        if scope == "MLR" and aggregation == "none":
            return _no_data("no_total", numbers)
        if incomplete:
            return _no_data("incomplete", numbers, scope=where)
        return _no_data("no_values", numbers, scope=where)

    fixed = target.get("baseline_value")
    base = float(fixed) if not _missing(fixed) else values.get(base_year)
    if base is None:
        return _no_data("no_baseline", numbers, year=base_year, scope=where)
    numbers["baseline_value"] = base
    after = sorted(y for y in values if y > base_year)
    if not after:
        return _no_data("no_later", numbers, year=base_year, scope=where)
    year = target_year if target_year in values else after[-1]
    value = values[year]
    age = (today or date.today()).year - year
    stale = {lang: (" " + t("board.reason.stale", lang, year=year, age=age)) if age >= 2 else "" for lang in LANGS}
    change = value - base
    numbers.update(year=year, value=value, change=change,
                   change_pct=None if base == 0 else change / abs(base) * 100.0)
    sign = 1.0 if direction == "increase" else -1.0
    dir_text = {lang: t(f"board.direction.{direction}", lang) for lang in LANGS}
    change_text = {lang: _change_text(change, numbers["change_pct"], unit, decimals, lang) for lang in LANGS}

    if goal is None:
        if base == 0:
            return _no_data("zero_baseline", numbers, year=base_year)
        moved = sign * numbers["change_pct"]
        code = ON_TRACK if moved > tol else (OFF_TRACK if moved < -tol else RISK)
        key = "board.reason.direction_risk" if code == RISK else "board.reason.direction"
        reasons = {lang: t(key, lang, change=change_text[lang], base=base_year, year=year,
                           direction=dir_text[lang], tol=fmt_number(tol, 0 if tol == int(tol) else 1, lang))
                   + stale[lang] for lang in LANGS}
        return _make(code, reasons, numbers)

    share = min(max((year - base_year) / (target_year - base_year), 0.0), 1.0)
    trajectory = base + (goal - base) * share
    numbers["trajectory"] = trajectory
    if trajectory == 0:
        deviation = sign * (value - trajectory)
        numbers["deviation_pct"] = None
        code = ON_TRACK if deviation >= 0 else OFF_TRACK
    else:
        deviation_pct = (value - trajectory) / abs(trajectory) * 100.0
        numbers["deviation_pct"] = deviation_pct
        ahead = sign * deviation_pct
        code = ON_TRACK if ahead >= 0 else (RISK if ahead >= -tol else OFF_TRACK)
    reasons = {}
    for lang in LANGS:
        f = lambda v, lang=lang: fmt_number(v, decimals, lang)  # noqa: E731
        dev = "" if numbers["deviation_pct"] is None else _pct(numbers["deviation_pct"], lang)
        reasons[lang] = t(f"board.reason.trajectory_{code}", lang, value=f(value), year=year, path=f(trajectory),
                          goal=f(goal), target_year=target_year, direction=dir_text[lang], deviation=dev,
                          change=change_text[lang], base=base_year,
                          tol=fmt_number(tol, 0 if tol == int(tol) else 1, lang)) + stale[lang]
    return _make(code, reasons, numbers)


def moved_right_way(values: Mapping[int, float], target: Mapping[str, Any], base_year: int, year: int) -> bool | None:
    """Whether one area's value moved in the target's direction by more than the tolerance from
    ``base_year`` to ``year`` (the direction rule of ``assess``); None without both values."""
    base, value = values.get(base_year), values.get(year)
    if base is None or value is None:
        return None
    tol = 0.0 if _missing(target.get("tolerance_pct")) else float(target["tolerance_pct"])
    sign = 1.0 if str(target["direction"]) == "increase" else -1.0
    if base == 0:  # from nothing, any change is beyond the tolerance
        return sign * value > 0
    return sign * (value - base) / abs(base) * 100.0 > tol


@dataclass(frozen=True)
class Movers:
    """How many areas of a group moved the right way between two years."""

    group: str
    """MLR (the members that year), 12 (Skåne's municipalities) or 00 (every municipality)."""
    base_year: int
    year: int
    right: int
    compared: int
    total: int

    def text(self, lang: str) -> str:
        key = f"board.movers.{self.group}" + ("_missing" if self.group == "MLR" and self.total > self.compared else "")
        return t(key, lang, n=self.right, total=self.compared, base=self.base_year, year=self.year,
                 missing=self.total - self.compared)


def movers(frame: pd.DataFrame, groups: Mapping[str, list[str]], target: Mapping[str, Any] | None,
           status: Status) -> list[Movers]:
    """Per group (code -> its municipalities): how many moved the right way over the status's years
    (or, without an MLR verdict, from the baseline to the members' latest common year with data)."""
    if target is None or frame.empty:
        return []
    rows = frame[frame["value"].notna()]
    base_year = int(target["baseline_period"])
    year = status.numbers.get("year")
    if year is None:
        later = rows[rows["region_code"].isin(groups.get("MLR", [])) & (rows["period"] > base_year)]
        if later.empty:
            return []
        year = int(later["period"].max())
    # Only the two years compared are needed: one lookup per area, not a series each.
    pair = rows[rows["period"].isin([base_year, int(year)])]
    values: dict[str, dict[int, float]] = {}
    for code, period, value in zip(pair["region_code"], pair["period"], pair["value"], strict=True):
        values.setdefault(str(code), {})[int(period)] = float(value)
    out = []
    for group, codes in groups.items():
        answers = [moved_right_way(values.get(c, {}), target, base_year, int(year)) for c in codes]
        known = [a for a in answers if a is not None]
        # Skåne and the country only where most of their municipalities have both values.
        if known and (group == "MLR" or len(known) * 2 > len(codes)):
            out.append(Movers(group, base_year, int(year), sum(known), len(known), len(codes)))
    return out


def _change_text(change: float, change_pct: float | None, unit: str, decimals: int, lang: str) -> str:
    """``+12 %`` or, for a percentage, ``−0,9 procentenheter (−12 %)``."""
    if unit.strip().lower() in PERCENT_UNITS:
        points = t("board.points", lang, value=_signed(change, decimals, lang))
        return points if change_pct is None else f"{points} ({_pct(change_pct, lang)})"
    if change_pct is None:
        return _signed(change, decimals, lang)
    return _pct(change_pct, lang)


def explanation(lang: str = "sv") -> list[str]:
    """The status rule in plain words, one string per paragraph (for the /om page)."""
    return [t(f"board.explain.{i}", lang) for i in range(1, 7)]
