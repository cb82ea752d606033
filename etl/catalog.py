"""The plan catalogue (data/catalog/*.yaml): models, loading and cross-checks.

Each file is validated strictly (unknown keys are errors), and a failure names the file,
the line and the field path, e.g. ``indicators.yaml, line 12, field 'indicators[2].unti'``.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from etl.errors import InputError, Problem

MunicipalityCode = str
COUNT_UNITS = {"invånare", "lägenheter", "bostäder", "personer"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Municipality(Strict):
    code: MunicipalityCode = Field(pattern=r"^\d{4}$")
    name: str = Field(min_length=1)

    @property
    def county(self) -> str:
        """The county (län) code: the first two digits of an SCB kommun code."""
        return self.code[:2]


class Membership(Strict):
    code: MunicipalityCode = Field(pattern=r"^\d{4}$")
    valid_from: int | None = None
    """First year (inclusive) counted as member; None: since before the data begins."""
    valid_to: int | None = None
    """Last year (inclusive); None: still a member."""
    source: str | None = None
    note: str | None = None

    def covers(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


class RegionGroup(Strict):
    code: str = Field(pattern=r"^(MLR|\d{2})$")
    name_sv: str
    name_en: str
    kind: Literal["cooperation", "county", "country"]
    source: str | None = None
    members: list[Membership] = []


class Regions(Strict):
    municipalities: list[Municipality] = Field(min_length=1)
    groups: list[RegionGroup] = Field(min_length=1)


class Plan(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name_sv: str
    name_en: str
    revision_sv: str | None = None
    start_year: int
    end_year: int
    current: bool = False
    source: str


class FocusArea(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    plan_id: str
    order: int
    name_sv: str
    name_en: str
    target_picture_sv: str
    target_picture_en: str
    target_picture_short_sv: str
    target_picture_short_en: str
    description_sv: str
    description_en: str
    responsible: list[MunicipalityCode] = []
    status: Literal["active", "closed"]
    closed_year: int | None = None
    final_result_sv: str | None = None
    final_result_en: str | None = None
    headline_indicators: list[str] = []
    indicators: list[str] = []

    @model_validator(mode="after")
    def _closed_has_year(self) -> FocusArea:
        if self.status == "closed" and self.closed_year is None:
            raise ValueError("a closed focus area needs closed_year")
        if self.status == "active" and self.closed_year is not None:
            raise ValueError("an active focus area cannot have closed_year")
        return self


class PlanFile(Strict):
    plans: list[Plan] = Field(min_length=1)
    focus_areas: list[FocusArea] = Field(min_length=1)


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_sv: str
    name_en: str
    unit_sv: str
    unit_en: str
    decimals: int = Field(ge=0, le=4)
    definition_sv: str
    definition_en: str
    source: str
    source_table: str
    frequency: Literal["annual"] = "annual"
    higher_is_better: bool | None
    per_capita: bool
    aggregation: Literal["sum", "population_weighted", "none"]
    focus_area: str | None = None
    allow_negative: bool = False
    """Counts, rates and shares cannot be negative; a net flow could."""
    weight_indicator: str = "population"
    """population_weighted: the indicator whose values weight each member (its closest denominator)."""
    weight_lag: int = Field(default=0, ge=0, le=1)
    """population_weighted: 1 = weight by the weight indicator's value of the year before (T-1)."""
    weight_exact: bool = False
    """population_weighted: true where the weight is the rate's own denominator (e.g. per 1 000
    inhabitants weighted by inhabitants), so the MLR value equals the summed counts over the summed
    denominator; false = an approximation, and every MLR value says so."""
    break_with: str | None = None
    """The indicator on the other side of a series break (e.g. RAMS -> BAS): charted beside this one,
    never spliced; values in years both series have are marked ``break``."""
    substitute_for: str | None = None
    """The plan's own indicator this one stands in for while that has no data; values are marked
    ``substitute`` and the name says what is counted."""
    min_value: float | None = None
    max_value: float | None = None
    """The plausible range of a value; where not given, derived from the unit (see ``bounds``)."""

    @model_validator(mode="after")
    def _range_is_sane(self) -> Indicator:
        for key in ("min_value", "max_value"):
            v = getattr(self, key)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{key} must be a finite number")
        if self.min_value is not None and self.min_value < 0 and not self.allow_negative:
            raise ValueError("min_value below 0 needs allow_negative: true")
        low, high = self.bounds()
        if low > high:
            raise ValueError(f"min_value ({low:g}) is above max_value ({high:g})")
        return self

    def bounds(self) -> tuple[float, float]:
        """The plausible range of one value: ``min_value``/``max_value`` where given, else from the unit.

        The one place the magnitude rules live (seed, fetched, imported and Kolada bulk rows all
        use it): ``procent`` 0-100; ``... per 1 000 invånare`` 0-1 000; counts (invånare,
        lägenheter, bostäder, personer) 0-20 000 000, more than Sweden's population; any other
        unit 0-1e15, so that no sum or weighted mean of values can overflow. ``allow_negative``
        mirrors the default upper bound below zero.
        """
        unit = " ".join(self.unit_sv.lower().split())
        if unit == "procent":
            high = 100.0
        elif unit.endswith("per 1 000 invånare"):
            high = 1000.0
        elif unit in COUNT_UNITS:
            high = 20_000_000.0
        else:
            high = 1e15
        low = -high if self.allow_negative else 0.0
        return (low if self.min_value is None else self.min_value,
                high if self.max_value is None else self.max_value)

    def value_problem(self, value: float) -> str | None:
        """Why ``value`` cannot be a value of this indicator, or None if it can."""
        if not math.isfinite(value):
            return f"not a finite number: {value!r}"
        low, high = self.bounds()
        if value < 0 and low >= 0:
            return f"negative value {value:.15g} for {self.id}, which cannot be negative"
        if not low <= value <= high:
            return (f"value {value:.15g} is outside the plausible range for {self.id} ({self.unit_sv}): "
                    f"{low:g} to {high:g} (min_value/max_value in data/catalog/indicators.yaml)")
        return None


class IndicatorFile(Strict):
    indicators: list[Indicator] = Field(min_length=1)


class Target(Strict):
    id: str
    indicator_id: str
    focus_area_id: str
    scope: str = Field(pattern=r"^(MLR|\d{4})$")
    direction: Literal["increase", "decrease"]
    baseline_period: int
    baseline_value: float | None = None
    target_period: int | None = None
    """None: a long-term direction (the plan's target pictures), assessed to the latest year with data."""
    target_value: float | None = None
    tolerance_pct: float = Field(default=2.0, ge=0)
    basis_sv: str
    basis_en: str
    note_sv: str | None = None
    note_en: str | None = None

    @model_validator(mode="after")
    def _periods_in_order(self) -> Target:
        if self.target_period is None:
            if self.target_value is not None:
                raise ValueError("a quantified target (target_value) needs target_period")
        elif self.target_period <= self.baseline_period:
            raise ValueError("target_period must be after baseline_period")
        return self


class TargetFile(Strict):
    targets: list[Target] = []


class Activity(Strict):
    id: str
    focus_area_id: str
    year: int
    date: dt.date | None = None
    title_sv: str
    title_en: str
    description_sv: str | None = None
    description_en: str | None = None
    participants_sv: str | None = None
    participants_en: str | None = None
    budget_sek: int | None = Field(default=None, ge=0)
    result_sv: str | None = None
    result_en: str | None = None
    indicator_ids: list[str] = []
    source: str
    note: str | None = None


class ActivityFile(Strict):
    activities: list[Activity] = []


class FollowUp(Strict):
    focus_area_id: str
    year: int
    result_sv: str
    result_en: str
    source: str


class FollowUpFile(Strict):
    follow_up: list[FollowUp] = []


class Catalog(Strict):
    regions: Regions
    plan: PlanFile
    indicators: IndicatorFile
    targets: TargetFile
    activities: ActivityFile
    follow_up: FollowUpFile

    @property
    def indicator_ids(self) -> set[str]:
        return {i.id for i in self.indicators.indicators}

    @property
    def region_codes(self) -> set[str]:
        """Codes observations may use: members plus the county and country groups."""
        codes = {m.code for m in self.regions.municipalities}
        codes |= {g.code for g in self.regions.groups if g.kind != "cooperation"}
        return codes

    @property
    def mlr_member_codes(self) -> set[str]:
        """Every municipality that was ever a member of a cooperation group (MLR)."""
        return {m.code for g in self.regions.groups if g.kind == "cooperation" for m in g.members}

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators.indicators if i.id == indicator_id)


FILES: dict[str, type[Strict]] = {
    "regions": Regions,
    "plan": PlanFile,
    "indicators": IndicatorFile,
    "targets": TargetFile,
    "activities": ActivityFile,
    "follow_up": FollowUpFile,
}


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location, as near as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# libyaml's parser where PyYAML was built with it (the wheels are): the catalogue lists all 290
# municipalities, and the pure-Python parser took a second and a half for it.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> tuple[Any, str]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError([Problem(path, "file is missing")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path, f"not UTF-8 (byte {exc.start}); save the file as UTF-8")]) from None
    if not text.strip():
        raise InputError([Problem(path, "file is empty")])
    try:
        return yaml.load(text, Loader=LOADER), text  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError([Problem(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line)]) from None


def _validate_file(path: Path, model: type[Strict]) -> Strict:
    raw, text = _read_yaml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        node = yaml.compose(text, Loader=LOADER)  # only now: for the line numbers of the problems
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = "unknown field (check the spelling)" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(Problem(path, msg, _line_of(node, loc), _field_path(loc) or None))
        raise InputError(problems) from None


def _cross_check(cat: Catalog, folder: Path) -> list[Problem]:
    """References between files: every id used must exist."""
    problems: list[Problem] = []
    indicators = cat.indicator_ids
    municipalities = {m.code for m in cat.regions.municipalities}
    focus = {f.id for f in cat.plan.focus_areas}
    plans = {p.id for p in cat.plan.plans}

    def bad(file: str, field: str, msg: str) -> None:
        problems.append(Problem(folder / f"{file}.yaml", msg, field=field))

    for i, g in enumerate(cat.regions.groups):
        for j, m in enumerate(g.members):
            if m.code not in municipalities:
                bad("regions", f"groups[{i}].members[{j}].code", f"unknown municipality {m.code!r}")
    for i, f in enumerate(cat.plan.focus_areas):
        if f.plan_id not in plans:
            bad("plan", f"focus_areas[{i}].plan_id", f"unknown plan {f.plan_id!r}")
        for j, code in enumerate(f.responsible):
            if code not in municipalities:
                bad("plan", f"focus_areas[{i}].responsible[{j}]", f"unknown municipality {code!r}")
        for key in ("headline_indicators", "indicators"):
            for j, ind in enumerate(getattr(f, key)):
                if ind not in indicators:
                    bad("plan", f"focus_areas[{i}].{key}[{j}]", f"unknown indicator {ind!r}")
    for i, ind in enumerate(cat.indicators.indicators):
        if ind.focus_area is not None and ind.focus_area not in focus:
            bad("indicators", f"indicators[{i}].focus_area", f"unknown focus area {ind.focus_area!r}")
    for i, ind in enumerate(cat.indicators.indicators):
        for key in ("weight_indicator", "break_with", "substitute_for"):
            ref = getattr(ind, key)
            if ref is not None and ref not in indicators:
                bad("indicators", f"indicators[{i}].{key}", f"unknown indicator {ref!r}")
    seen: set[str] = set()
    for i, ind in enumerate(cat.indicators.indicators):
        if ind.id in seen:
            bad("indicators", f"indicators[{i}].id", f"duplicate indicator id {ind.id!r}")
        seen.add(ind.id)
    for i, t in enumerate(cat.targets.targets):
        if t.indicator_id not in indicators:
            bad("targets", f"targets[{i}].indicator_id", f"unknown indicator {t.indicator_id!r}")
        if t.focus_area_id not in focus:
            bad("targets", f"targets[{i}].focus_area_id", f"unknown focus area {t.focus_area_id!r}")
        if t.scope != "MLR" and t.scope not in municipalities:
            bad("targets", f"targets[{i}].scope", f"unknown municipality {t.scope!r}")
    for i, a in enumerate(cat.activities.activities):
        if a.focus_area_id not in focus:
            bad("activities", f"activities[{i}].focus_area_id", f"unknown focus area {a.focus_area_id!r}")
        for j, ind in enumerate(a.indicator_ids):
            if ind not in indicators:
                bad("activities", f"activities[{i}].indicator_ids[{j}]", f"unknown indicator {ind!r}")
    for i, r in enumerate(cat.follow_up.follow_up):
        if r.focus_area_id not in focus:
            bad("follow_up", f"follow_up[{i}].focus_area_id", f"unknown focus area {r.focus_area_id!r}")
    if "population" not in indicators:
        bad("indicators", "indicators", "the 'population' indicator is required (per-capita measures use it)")
    return problems


def load_catalog(folder: Path) -> Catalog:
    """Read and validate every catalogue file in ``folder``; raise InputError listing all problems."""
    parts: dict[str, Strict] = {}
    problems: list[Problem] = []
    for name, model in FILES.items():
        try:
            parts[name] = _validate_file(folder / f"{name}.yaml", model)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    cat = Catalog(**parts)  # type: ignore[arg-type]
    problems = _cross_check(cat, folder)
    if problems:
        raise InputError(problems)
    return cat
