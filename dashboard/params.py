"""The view-state and API parameters (contract): indicator, region, measure, from, to, base, view.

``parse`` validates a query-string mapping against what the database holds. In strict mode
(the HTTP API) the first bad parameter raises ParamError naming it and what is allowed; in
lenient mode (``/jamfor``) each bad value falls back to its default with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.measures import MEASURES, allowed

VIEWS = ("line", "ranking", "heatmap", "small")
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_LIST = 50
REGION_HELP = ("a municipality code (4 digits, e.g. 1280), MLR, a county code (2 digits, 12 = Skåne), 00 (Sweden) "
               "or all; every code is listed by /api/v1/regions")


class ParamError(ValueError):
    def __init__(self, param: str, message: str):
        self.param = param
        self.message = message
        super().__init__(f"{param}: {message}")


@dataclass(frozen=True)
class Context:
    """What the values are checked against (from the catalogue in the database)."""

    indicators: dict[str, dict]  # id -> {"per_capita": bool, "aggregation": str, "first": int, "last": int}
    regions: list[str]  # every code: members first, then MLR, 12, 00, the other municipalities and counties
    members: list[str]
    default_indicator: str
    default_regions: list[str] | None = None
    """Without ``region``: MLR's members, MLR, Skåne and Sweden (None = every region)."""


@dataclass
class State:
    indicators: list[str]
    regions: list[str]
    measure: str = "abs"
    first: int | None = None
    last: int | None = None
    base: int | None = None
    view: str = "line"
    notices: list[tuple[str, str]] = field(default_factory=list)
    """(param, message) for every value that was replaced by its default."""

    @property
    def indicator(self) -> str:
        return self.indicators[0]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _year(param: str, value: str) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ParamError(param, f"not a year: {value[:40]!r}; use four digits, e.g. 2015") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParamError(param, f"year {year} outside {MIN_YEAR}–{MAX_YEAR}")
    return year


def parse(args: Mapping[str, str], ctx: Context, *, strict: bool, multi_indicator: bool = False) -> State:
    """Validated state; strict raises ParamError, lenient records notices and uses defaults."""
    notices: list[tuple[str, str]] = []

    def fail(param: str, message: str) -> None:
        if strict:
            raise ParamError(param, message)
        notices.append((param, message))

    raw_ind = args.get("indicator")
    indicators = _split(raw_ind) if raw_ind else []
    unknown = [i for i in indicators if i not in ctx.indicators]
    if len(indicators) > MAX_LIST:
        fail("indicator", f"at most {MAX_LIST} indicators")
        indicators = []
    elif unknown:
        fail("indicator", f"unknown indicator {unknown[0][:40]!r}; allowed: {', '.join(ctx.indicators)}")
        indicators = [i for i in indicators if i in ctx.indicators]
    if not indicators:
        if strict and raw_ind is not None:
            raise ParamError("indicator", "no indicator given")
        indicators = list(ctx.indicators) if (strict and multi_indicator) else [ctx.default_indicator]
    if not multi_indicator and len(indicators) > 1:
        fail("indicator", "one indicator at a time here")
        indicators = indicators[:1]

    raw_reg = args.get("region")
    regions: list[str] = []
    known = set(ctx.regions)
    if raw_reg is not None and raw_reg.strip().lower() == "all":
        regions = list(ctx.regions)
    elif raw_reg is not None:
        for code in _split(raw_reg)[: MAX_LIST + 1]:
            if code.upper() == "MLR":
                code = "MLR"
            if code not in known:
                fail("region", f"unknown region {code[:40]!r}; allowed: {REGION_HELP}")
            elif code not in regions:
                regions.append(code)
        if len(_split(raw_reg)) > MAX_LIST:
            fail("region", f"at most {MAX_LIST} regions (or all)")
    if not regions:
        if strict and raw_reg is not None:
            raise ParamError("region", "no region given")
        regions = list(ctx.default_regions if ctx.default_regions is not None else ctx.regions)

    measure = args.get("measure") or "abs"
    if measure not in MEASURES:
        fail("measure", f"unknown measure {measure[:40]!r}; allowed: {', '.join(MEASURES)}")
        measure = "abs"
    for ind in indicators:
        meta = ctx.indicators[ind]
        if not allowed(measure, meta["per_capita"], meta["aggregation"]):
            fail("measure", f"{measure} is not available for {ind}")
            measure = "abs"

    first = last = base = None
    for param in ("from", "to", "base"):
        value = args.get(param)
        if value in (None, ""):
            continue
        try:
            year = _year(param, value)
        except ParamError as exc:
            fail(param, exc.message)
            continue
        if param == "from":
            first = year
        elif param == "to":
            last = year
        else:
            base = year
    if first is not None and last is not None and first > last:
        fail("from", f"from ({first}) is after to ({last})")
        first = last = None
    if measure == "index" and base is None:
        base = first or min((int(ctx.indicators[i]["first"] or MIN_YEAR) for i in indicators), default=None)
    if base is not None and ((first is not None and base < first) or (last is not None and base > last)):
        fail("base", f"base year {base} outside the period {first}–{last}")
        base = first

    view = args.get("view") or "line"
    if view not in VIEWS:
        fail("view", f"unknown view {view[:40]!r}; allowed: {', '.join(VIEWS)}")
        view = "line"
    return State(indicators, regions, measure, first, last, base, view, notices)
