"""Source mappings: which SCB table or Kolada KPI fills which indicator (data/catalog/sources.yaml).

The file is a mapping ``sources: {<spec id>: <spec>}``; each spec names the indicator it fills.
Several specs may fill one indicator (e.g. two SCB tables stitched by period, or a disabled
alternative), but enabled specs of one indicator must not overlap in period.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# PX data symbols (PCAxis.Core PXConstant): '.', '..', '...' … '......' and '.......' (sum symbol)
# mean "no number"; '-' (DATASYMBOLNIL) means "nothing to report" and is also kept as missing
# unless a spec lists it under zero_markers.
DEFAULT_MISSING_MARKERS = [".", "..", "...", "....", ".....", "......", ".......", "-"]

_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusRules(_Strict):
    """How SCB's cell markers map to our status (final | preliminary | missing)."""

    missing_markers: list[str] = Field(default_factory=lambda: list(DEFAULT_MISSING_MARKERS))
    """Cell status symbols that mean 'no number'; value None, marker kept in note."""
    zero_markers: list[str] = Field(default_factory=list)
    """Symbols to read as a true 0 (e.g. '-' = nothing to report); off unless asked for."""
    preliminary_markers: list[str] = Field(default_factory=lambda: ["*"])
    """Cell status symbols meaning 'preliminary'. Unverified against SCB: adjust after a live check."""
    preliminary_period_pattern: str | None = r"(?i)prelimin"
    """Regex on the time value's label and notes; a match marks that period preliminary."""

    @field_validator("preliminary_period_pattern")
    @classmethod
    def _regex_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v

    @model_validator(mode="after")
    def _disjoint(self) -> StatusRules:
        groups = {
            "missing_markers": self.missing_markers,
            "zero_markers": self.zero_markers,
            "preliminary_markers": self.preliminary_markers,
        }
        names = list(groups)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                both = set(groups[a]) & set(groups[b])
                if both and not (a == "missing_markers" and b == "zero_markers"):
                    raise ValueError(f"marker(s) {sorted(both)} are in both {a} and {b}")
        return self


class Selection(_Strict):
    """Codes to select for one variable; several codes must be summed (the table has no total)."""

    codes: list[str] = Field(min_length=1)
    sum: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        # `ContentsCode: BE0101N1` and `Hustyp: [FLERBO, SMÅHUS]` are accepted as shorthand
        if isinstance(v, str | int):
            return {"codes": [str(v)]}
        if isinstance(v, list):
            return {"codes": v}
        return v

    @field_validator("codes")
    @classmethod
    def _codes_ok(cls, v: list[str]) -> list[str]:
        if any(not str(c).strip() for c in v):
            raise ValueError("empty code")
        if len(set(v)) != len(v):
            raise ValueError("duplicate codes")
        return [str(c) for c in v]

    @model_validator(mode="after")
    def _several_need_sum(self) -> Selection:
        if len(self.codes) > 1 and not self.sum:
            raise ValueError(
                f"{len(self.codes)} codes selected; add `sum: true` if the table has no total code "
                "and these codes are to be added up, or select the single total code"
            )
        return self


class _Common(_Strict):
    indicator: Annotated[str, Field(pattern=_ID)]
    """Indicator id in data/catalog/indicators.yaml that this source fills."""
    label: str = Field(min_length=3)
    """Short source text for the `source` column; must contain the table id or KPI id."""
    enabled: bool = True
    period_from: int | None = Field(default=None, ge=1900, le=2100)
    period_to: int | None = Field(default=None, ge=1900, le=2100)
    multiplier: float = 1.0
    """Unit conversion applied to every value (e.g. 0.001 for 'thousands')."""
    fill_only: bool = False
    """A second source for an indicator another mapping fills: it only fills the cells (indicator,
    region, year) that no other mapping or seed row has; where both exist the other one wins and the
    two are compared as a cross-check (``python -m etl check`` prints the agreement)."""

    @model_validator(mode="after")
    def _period_order(self) -> _Common:
        if self.period_from is not None and self.period_to is not None and self.period_from > self.period_to:
            raise ValueError(f"period_from {self.period_from} is after period_to {self.period_to}")
        return self

    def covers(self, other: _Common) -> bool:
        """True if the two specs' period ranges overlap."""
        lo = max(self.period_from or 0, other.period_from or 0)
        hi = min(self.period_to or 9999, other.period_to or 9999)
        return lo <= hi


class ScbSpec(_Common):
    """One SCB PxWeb table (API 2.0 id like TAB638, or a v1 path) mapped to one indicator."""

    source: Literal["scb"]
    api: Literal["v2", "v1"]
    table: str
    """v2: table id (TAB638); v1: path under the database, e.g. BE/BE0101/BE0101A/BefolkningNy."""
    region_variable: str = "Region"
    time_variable: str = "Tid"
    region_codelist: str | None = None
    """Optional value set: v2 codelist id (vs_RegionKommun07) or v1 filter (vs:RegionKommun07)."""
    selections: dict[str, Selection] = Field(default_factory=dict)
    """Fixed codes for every other variable that must be selected (ContentsCode, Alder …)."""
    eliminate: list[str] = Field(default_factory=list)
    """Variables left out of the query: SCB then returns its total (sum) over them."""
    period_type: Literal["year", "quarter_sum"] = "year"
    """year: time codes are YYYY; quarter_sum: codes YYYYKn, the four quarters are added up."""
    status: StatusRules = Field(default_factory=StatusRules)

    @model_validator(mode="after")
    def _consistent(self) -> ScbSpec:
        if self.api == "v2" and not re.fullmatch(r"TAB\d+", self.table):
            raise ValueError(f"table: v2 table ids look like TAB638, got {self.table!r}")
        if self.api == "v1" and not re.fullmatch(r"(START/)?[A-Z]{2}(/[A-Za-z0-9]+)+", self.table):
            raise ValueError(f"table: v1 tables are paths like BE/BE0101/BE0101A/BefolkningNy, got {self.table!r}")
        short = self.table.rsplit("/", 1)[-1]
        if short not in self.label:
            raise ValueError(f"label must name the table ({short!r}), got {self.label!r}")
        fixed = {self.region_variable, self.time_variable}
        for var in list(self.selections) + self.eliminate:
            if var in fixed:
                raise ValueError(f"variable {var!r} is the region or time variable; do not select it")
        both = set(self.selections) & set(self.eliminate)
        if both:
            raise ValueError(f"variable(s) {sorted(both)} are both selected and eliminated")
        if len(set(self.eliminate)) != len(self.eliminate):
            raise ValueError("eliminate lists a variable twice")
        return self

    @property
    def table_short(self) -> str:
        return self.table.rsplit("/", 1)[-1]


class KoladaSpec(_Common):
    """One Kolada KPI mapped to one indicator."""

    source: Literal["kolada"]
    kpi: Annotated[str, Field(pattern=r"^[NU]\d{5}$")]
    gender: Literal["T", "K", "M"] = "T"
    """T total, K women, M men; non-gendered KPIs only have T."""

    @model_validator(mode="after")
    def _label_names_kpi(self) -> KoladaSpec:
        if self.kpi not in self.label:
            raise ValueError(f"label must name the KPI ({self.kpi!r}), got {self.label!r}")
        return self


SourceSpec = Annotated[ScbSpec | KoladaSpec, Field(discriminator="source")]


class SourcesFile(_Strict):
    version: Literal[1]
    sources: dict[Annotated[str, Field(pattern=_ID)], SourceSpec]


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    # pydantic puts the union tag (scb/kolada) into the location; the YAML has no such level
    if len(parts) > 2 and parts[0] == "sources" and parts[2] in ("scb", "kolada"):
        del parts[2]
    return ".".join(parts) or "(top level)"


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """1-based line of the deepest YAML node on the field path (for error messages)."""
    line = None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if str(key.value) == part:
                line, node = key.start_mark.line + 1, value
                break
        else:
            break
    return line


def load_source_specs(path: str | Path) -> dict[str, ScbSpec | KoladaSpec]:
    """Read and validate sources.yaml; returns {spec id: spec}.

    Raises:
        ValueError: naming the file, line and field path, e.g.
            ``data/catalog/sources.yaml, line 41, field 'sources.population_scb_tab638.table': …``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    try:
        parsed = SourcesFile.model_validate(raw)
    except ValidationError as exc:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # only now: for the line numbers
        lines = []
        for err in exc.errors():
            field = _field_path(err["loc"])
            line = _line_of(node, field.split("."))
            where = f"{path}, line {line}" if line else str(path)
            lines.append(f"{where}, field '{field}': {err['msg']}")
        raise ValueError("invalid source mapping:\n" + "\n".join(lines)) from None

    enabled = [(k, s) for k, s in parsed.sources.items() if s.enabled]
    kpis: dict[tuple[str, str], str] = {}
    for key, spec in enabled:
        if isinstance(spec, KoladaSpec):
            other = kpis.setdefault((spec.kpi, spec.gender), key)
            if other != key:
                raise ValueError(
                    f"{path}, field 'sources.{key}.kpi': KPI {spec.kpi} (gender {spec.gender}) is already mapped by "
                    f"sources.{other}; one KPI fills one indicator"
                )
    for i, (ka, a) in enumerate(enabled):
        for kb, b in enabled[i + 1 :]:
            if a.indicator == b.indicator and a.covers(b) and not (a.fill_only or b.fill_only):
                raise ValueError(
                    f"{path}, field 'sources.{kb}': sources.{ka} and sources.{kb} both fill indicator "
                    f"{a.indicator!r} for overlapping periods; set period_from/period_to or `enabled: false`"
                )
    return dict(parsed.sources)
