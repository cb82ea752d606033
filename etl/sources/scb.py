"""SCB PxWebApi 2.0 and v1 client: metadata check, cell-limited queries, JSON-stat 2 decoding.

Flow per spec: read the table's metadata, check that every variable and code the spec names
still exists (tables change structure), build the selection for the requested regions, split it
so each request stays under the cell limit, decode the json-stat2 answers into cells, and turn
cells into one observation per region and year (summing codes/quarters where the spec says so).
SCB's own region codes are ours (kommun 4 digits, län 2 digits, riket ``00``), so no translation.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import httpx

from etl.sources.http import HttpClient, SourceError
from etl.sources.spec import ScbSpec

log = logging.getLogger(__name__)

V2_MAX_CELLS = 150_000  # live /config 2025 (APIS.md §2.5)
V2_CALLS, V2_WINDOW = 30, 10.0
# v1: scb.se states 10 calls / 10 s and 100 000 values per request; the conservative choice
V1_MAX_CELLS = 100_000
V1_CALLS, V1_WINDOW = 10, 10.0
MAX_GET_URL = 2000  # longer selections go in a POST body (same result, but URL alone no longer replays it)

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})K([1-4])$")


@dataclass
class Variable:
    code: str
    label: str
    values: list[str]
    elimination: bool = False
    time: bool = False


@dataclass
class TableMeta:
    title: str
    variables: dict[str, Variable]


@dataclass
class Cell:
    dims: dict[str, str]
    value: float | None
    status: str | None


@dataclass
class Cube:
    """A decoded json-stat2 dataset: cells plus per-dimension category labels and notes."""

    ids: list[str]
    cells: list[Cell]
    categories: dict[str, list[str]] = field(default_factory=dict)
    """Per dimension, its category codes in `index` order (the order cells are laid out in)."""
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, dict[str, list[str]]] = field(default_factory=dict)


# --------------------------------------------------------------------------- decoding


def _categories(ds: dict[str, Any], dim: str, url: str) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    try:
        cat = ds["dimension"][dim]["category"]
    except (KeyError, TypeError):
        raise SourceError(f"malformed json-stat2: dimension {dim!r} has no category", url) from None
    idx = cat.get("index")
    if isinstance(idx, dict):
        # positions, not the object's key order (nor the label object's), say where each code sits
        positions = list(idx.values())
        if any(isinstance(p, bool) or not isinstance(p, int) for p in positions) or sorted(positions) != list(
            range(len(idx))
        ):
            raise SourceError(
                f"malformed json-stat2: index positions of {dim!r} are not 0..{len(idx) - 1}: {positions[:20]}", url
            )
        codes = sorted(idx, key=idx.__getitem__)
    elif isinstance(idx, list):
        codes = [str(c) for c in idx]
        twice = next((c for i, c in enumerate(codes) if c in codes[:i]), None)
        if twice is not None:
            raise SourceError(f"malformed json-stat2: index of {dim!r} lists category {twice!r} twice", url)
    elif idx is None and isinstance(cat.get("label"), dict) and len(cat["label"]) == 1:
        codes = list(cat["label"])  # JSON-stat allows omitting index for a single category
    else:
        raise SourceError(f"malformed json-stat2: dimension {dim!r} has no category index", url)
    notes = cat.get("note") or {}
    return codes, dict(cat.get("label") or {}), {k: list(v) for k, v in notes.items() if isinstance(v, list)}


def decode_jsonstat2(ds: Any, url: str) -> Cube:
    """JSON-stat 2.0 dataset → cells (row-major over `id`, last dimension fastest)."""
    if not isinstance(ds, dict) or ds.get("class") != "dataset" or "id" not in ds or "size" not in ds:
        keys = sorted(ds)[:8] if isinstance(ds, dict) else type(ds).__name__
        raise SourceError(f"not a json-stat2 dataset (keys: {keys})", url)
    ids = [str(d) for d in ds["id"]]
    sizes = [int(s) for s in ds["size"]]
    if len(ids) != len(sizes):
        raise SourceError("malformed json-stat2: id and size differ in length", url)
    cats, categories, labels, notes = [], {}, {}, {}
    for dim, size in zip(ids, sizes, strict=True):
        codes, lab, note = _categories(ds, dim, url)
        if len(codes) != size:
            raise SourceError(f"malformed json-stat2: {dim!r} has {len(codes)} categories, size says {size}", url)
        cats.append(codes)
        categories[dim], labels[dim], notes[dim] = codes, lab, note
    total = math.prod(sizes)
    values = ds.get("value")
    if isinstance(values, dict):  # sparse form {"<flat index>": value}
        outside = [k for k in values if not (str(k).isdigit() and int(k) < total)]
        if outside:
            raise SourceError(f"malformed json-stat2: value index {outside[0]!r} outside the {total} cells", url)
        values = [values.get(str(i)) for i in range(total)]
    if not isinstance(values, list) or len(values) != total:
        got = len(values) if isinstance(values, list) else type(values).__name__
        raise SourceError(f"malformed json-stat2: expected {total} values, got {got}", url)
    status = ds.get("status") or {}
    if isinstance(status, str):  # one status for every cell
        status = {str(i): status for i in range(total)}
    elif isinstance(status, list):
        status = {str(i): s for i, s in enumerate(status) if s}
    cells = []
    for flat, combo in enumerate(product(*cats)):
        v = values[flat]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise SourceError(f"malformed json-stat2: value {v!r} at index {flat} is not a number", url)
        cells.append(Cell(dict(zip(ids, combo, strict=True)), None if v is None else float(v), status.get(str(flat))))
    return Cube(ids=ids, cells=cells, categories=categories, labels=labels, notes=notes)


def parse_v2_metadata(data: Any, url: str) -> TableMeta:
    """GET /tables/{id}/metadata (json-stat2 with empty value) → TableMeta."""
    if not isinstance(data, dict) or "dimension" not in data or "id" not in data:
        raise SourceError("metadata is not a json-stat2 dataset", url)
    time_dims = set((data.get("role") or {}).get("time") or [])
    variables = {}
    for dim in data["id"]:
        codes, labels, _ = _categories(data, dim, url)
        d = data["dimension"][dim]
        ext = d.get("extension") or {}
        variables[dim] = Variable(dim, d.get("label", dim), codes, bool(ext.get("elimination")), dim in time_dims)
    return TableMeta(str(data.get("label", "")), variables)


def parse_v1_metadata(data: Any, url: str) -> TableMeta:
    """GET on a v1 table → {title, variables[{code, text, values, valueTexts, elimination?, time?}]}."""
    if isinstance(data, list):
        raise SourceError("v1 path is a folder, not a table (got a node list)", url)
    if not isinstance(data, dict) or not isinstance(data.get("variables"), list):
        raise SourceError("v1 metadata has no 'variables' list", url)
    variables = {}
    for v in data["variables"]:
        try:
            code = str(v["code"])
            variables[code] = Variable(
                code,
                str(v.get("text", code)),
                [str(x) for x in v["values"]],
                bool(v.get("elimination")),
                bool(v.get("time")),
            )
        except (KeyError, TypeError):
            raise SourceError(f"v1 metadata variable without code/values: {str(v)[:120]}", url) from None
    return TableMeta(str(data.get("title", "")), variables)


# --------------------------------------------------------------------------- selection


def period_of(code: str, period_type: str) -> tuple[int, int] | None:
    """(year, quarter) of a time code; quarter 0 for years. None if the code is not of that type."""
    if period_type == "year":
        m = _YEAR.match(code)
        return (int(m.group(1)), 0) if m else None
    m = _QUARTER.match(code)
    return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass
class Plan:
    """What to ask for: fixed selections, the time codes to fetch, and the region codes."""

    fixed: dict[str, list[str]]
    times: list[str]
    regions: list[str]


def plan_query(spec: ScbSpec, meta: TableMeta, regions: list[str], url: str) -> Plan:
    """Check the spec against the table's metadata and work out the selection."""
    avail = ", ".join(meta.variables) or "(none)"

    def var(name: str) -> Variable:
        if name not in meta.variables:
            raise SourceError(f"table changed structure: variable {name!r} not found; available: {avail}", url)
        return meta.variables[name]

    def check_codes(v: Variable, codes: list[str]) -> None:
        missing = [c for c in codes if c not in v.values]
        if missing:
            shown = ", ".join(v.values[:15]) + (" …" if len(v.values) > 15 else "")
            raise SourceError(
                f"table changed structure: value code(s) {missing} of variable {v.code!r} not found; "
                f"available: {shown}",
                url,
            )

    region, time = var(spec.region_variable), var(spec.time_variable)
    check_codes(region, regions)
    fixed = {}
    for name, sel in spec.selections.items():
        check_codes(var(name), sel.codes)
        fixed[name] = sel.codes
    for name in spec.eliminate:
        if not var(name).elimination:
            raise SourceError(f"table changed structure: variable {name!r} can no longer be eliminated", url)
    covered = {spec.region_variable, spec.time_variable, *spec.selections, *spec.eliminate}
    extra = [n for n in meta.variables if n not in covered]
    if extra:
        raise SourceError(
            f"table changed structure: variable(s) {extra} are not in the spec (select or eliminate them)", url
        )

    by_year: dict[int, list[str]] = defaultdict(list)
    unparsed = []
    for code in time.values:
        p = period_of(code, spec.period_type)
        if p is None:
            unparsed.append(code)
            continue
        year = p[0]
        if (spec.period_from is None or year >= spec.period_from) and (
            spec.period_to is None or year <= spec.period_to
        ):
            by_year[year].append(code)
    if unparsed and len(unparsed) == len(time.values):
        raise SourceError(
            f"table changed structure: time codes like {unparsed[0]!r} are not {spec.period_type} codes", url
        )
    # a year is only worth fetching when all its quarters are published (the sum would be partial)
    need = 4 if spec.period_type == "quarter_sum" else 1
    times = [c for y in sorted(by_year) if len(by_year[y]) == need for c in by_year[y]]
    return Plan(fixed=fixed, times=times, regions=list(regions))


def split_plan(plan: Plan, max_cells: int, url: str) -> Iterator[tuple[list[str], list[str]]]:
    """(regions, times) chunks whose cell count stays within max_cells; time chunks keep whole years."""
    other = math.prod(len(c) for c in plan.fixed.values())
    # quarters of one year must come in one response, otherwise the yearly sum would be partial
    per_year = 4 if plan.times and _QUARTER.match(plan.times[0]) else 1
    if other * per_year > max_cells:
        raise SourceError(
            f"one region and year already need {other * per_year} cells, over the cell limit {max_cells}", url
        )
    t = min(len(plan.times), (max_cells // other) // per_year * per_year)
    r = max(1, max_cells // (other * t))
    for i in range(0, len(plan.regions), r):
        for j in range(0, len(plan.times), t):
            yield plan.regions[i : i + r], plan.times[j : j + t]


# --------------------------------------------------------------------------- client


class ScbClient:
    """One SCB API (v2 or v1) at one base URL."""

    def __init__(self, http: HttpClient, *, base_url: str, api: str, lang: str = "sv", max_cells: int | None = None):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api = api
        self.lang = lang
        self.max_cells = max_cells or (V2_MAX_CELLS if api == "v2" else V1_MAX_CELLS)

    def table_url(self, spec: ScbSpec) -> str:
        if self.api == "v2":
            return f"{self.base_url}/tables/{spec.table}"
        return f"{self.base_url}/{spec.table}"

    def metadata(self, spec: ScbSpec) -> tuple[TableMeta, str]:
        if self.api == "v2":
            params = [("lang", self.lang)]
            if spec.region_codelist:
                params.append((f"codelist[{spec.region_variable}]", spec.region_codelist))
            resp = self.http.get_json(f"{self.table_url(spec)}/metadata", params)
            return parse_v2_metadata(resp.data, resp.url), resp.url
        resp = self.http.get_json(self.table_url(spec))
        return parse_v1_metadata(resp.data, resp.url), resp.url

    def _data(self, spec: ScbSpec, selection: dict[str, list[str]]) -> tuple[Any, str, str]:
        """One data request; returns (json, exact URL, retrieved_at)."""
        url = f"{self.table_url(spec)}/data" if self.api == "v2" else self.table_url(spec)
        if self.api == "v2":
            fmt = [("lang", self.lang), ("outputFormat", "json-stat2")]
            params = list(fmt)
            for var, codes in selection.items():
                params.append((f"valueCodes[{var}]", ",".join(_v2_code(c) for c in codes)))
                if var == spec.region_variable and spec.region_codelist:
                    params.append((f"codelist[{var}]", spec.region_codelist))
            # GET keeps the whole selection in the URL, which is our provenance; POST only when too long
            if len(str(httpx.URL(url, params=params))) <= MAX_GET_URL:
                resp = self.http.get_json(url, params)
            else:
                body = {"selection": [_v2_var(spec, v, c) for v, c in selection.items()]}
                resp = self.http.post_json(url, body, fmt)
        else:
            query = []
            for var, codes in selection.items():
                flt = spec.region_codelist if var == spec.region_variable and spec.region_codelist else "item"
                query.append({"code": var, "selection": {"filter": flt, "values": codes}})
            resp = self.http.post_json(url, {"query": query, "response": {"format": "json-stat2"}})
        return resp.data, resp.url, resp.retrieved_at

    def fetch(self, spec: ScbSpec, regions: list[str]) -> list[dict[str, Any]]:
        """Observations (dicts with the fetch() columns minus indicator/source) for the regions."""
        meta, meta_url = self.metadata(spec)
        plan = plan_query(spec, meta, regions, meta_url)
        if not plan.times or not plan.regions:
            return []
        rows: list[dict[str, Any]] = []
        for chunk_regions, chunk_times in split_plan(plan, self.max_cells, self.table_url(spec)):
            selection = {spec.region_variable: chunk_regions, **plan.fixed, spec.time_variable: chunk_times}
            data, url, retrieved = self._data(spec, selection)
            cube = decode_jsonstat2(data, url)
            check_cells(spec, cube, selection, url)
            rows += to_observations(spec, cube, selection, url, retrieved)
        return rows


def _v2_code(code: str) -> str:
    # PxWebApi 2.0 GET syntax: a code containing a comma, or starting with '[', goes in brackets
    return f"[{code}]" if "," in code or code.startswith("[") else code


def _v2_var(spec: ScbSpec, var: str, codes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"variableCode": var, "valueCodes": codes}
    if var == spec.region_variable and spec.region_codelist:
        out["codelist"] = spec.region_codelist
    return out


def read_v2_config(http: HttpClient, base_url: str) -> dict[str, Any] | None:
    """GET /config (limits); None if it cannot be read, so the defaults apply."""
    try:
        data = http.get_json(f"{base_url.rstrip('/')}/config").data
    except SourceError as exc:
        log.warning("SCB /config not readable, using default limits: %s", exc)
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- cells → observations


def _shown(codes: list[str], limit: int = 20) -> str:
    return str(codes[:limit])[:-1] + (f", … ({len(codes)} in all)]" if len(codes) > limit else "]")


def check_cells(spec: ScbSpec, cube: Cube, selection: dict[str, list[str]], url: str) -> None:
    """The answer must hold exactly the cells asked for: every requested code of every selected
    variable (regions × fixed selections × time codes) as a category, no other code and no other
    dimension, and one value per combination. Anything else is a SourceError naming the table, the
    variable(s) and the missing or unexpected codes (a short answer must not pass for a complete one).
    """
    problems = []
    for var, asked in selection.items():
        if var not in cube.categories:
            problems.append(f"variable {var!r}: response has no dimension {var!r} (dimensions: {cube.ids})")
            continue
        got = cube.categories[var]
        missing = [c for c in asked if c not in set(got)]
        unexpected = [c for c in got if c not in set(asked)]
        parts = []
        if missing:
            parts.append(f"missing requested code(s) {_shown(missing)}")
        if unexpected:
            parts.append(f"unexpected code(s) {_shown(unexpected)}")
        if parts:
            problems.append(f"variable {var!r}: " + ", ".join(parts))
    for dim in cube.ids:
        if dim not in selection:
            problems.append(
                f"variable {dim!r}: dimension not asked for, unexpected code(s) {_shown(cube.categories.get(dim, []))}"
            )
    if not problems:
        want = math.prod(len(set(codes)) for codes in selection.values())
        if len(cube.cells) != want:
            problems.append(f"{len(cube.cells)} cells for {want} requested")
    if problems:
        raise SourceError(f"SCB table {spec.table} did not answer the cells requested: " + "; ".join(problems), url)


def _classify(spec: ScbSpec, cell: Cell, prelim_period: str | None) -> tuple[float | None, str, str | None]:
    """(value, status, note) of one cell under the spec's status rules."""
    rules, s = spec.status, cell.status
    if s is not None and s in rules.zero_markers:
        return 0.0, "final", f"SCB marker {s!r} read as 0"
    if cell.value is None or (s is not None and s in rules.missing_markers):
        return None, "missing", f"SCB marker {s!r}" if s else "SCB gave no value"
    if s is not None and s in rules.preliminary_markers:
        return cell.value, "preliminary", f"SCB marker {s!r} (preliminary)"
    if prelim_period:
        return cell.value, "preliminary", prelim_period
    return cell.value, "final", f"SCB cell note {s!r}" if s else None


def to_observations(
    spec: ScbSpec, cube: Cube, selection: dict[str, list[str]], url: str, retrieved_at: str
) -> list[dict[str, Any]]:
    """Cells of one response → one observation per (region, year)."""
    rvar, tvar = spec.region_variable, spec.time_variable
    for need in (rvar, tvar):
        if need not in cube.ids:
            raise SourceError(f"response has no dimension {need!r} (dimensions: {cube.ids})", url)
    sum_vars = [v for v, sel in spec.selections.items() if sel.sum]
    for dim in cube.ids:
        n = len({c.dims[dim] for c in cube.cells})
        if dim not in (rvar, tvar, *sum_vars) and n > 1:
            raise SourceError(f"response has {n} values for {dim!r}; the spec selects one", url)

    pattern = re.compile(spec.status.preliminary_period_pattern) if spec.status.preliminary_period_pattern else None

    def prelim_note(code: str) -> str | None:
        if pattern is None:
            return None
        texts = [cube.labels.get(tvar, {}).get(code, ""), *cube.notes.get(tvar, {}).get(code, [])]
        hit = next((t for t in texts if t and pattern.search(t)), None)
        return f"period {code} marked preliminary by SCB: {hit}" if hit else None

    groups: dict[tuple[str, int], list[Cell]] = defaultdict(list)
    for cell in cube.cells:
        p = period_of(cell.dims[tvar], spec.period_type)
        if p is None:
            raise SourceError(f"unexpected time code {cell.dims[tvar]!r} in response", url)
        groups[(cell.dims[rvar], p[0])].append(cell)

    per_quarter = math.prod(len(selection[v]) for v in sum_vars)
    expected = per_quarter * (4 if spec.period_type == "quarter_sum" else 1)
    sum_note = "; ".join(f"sum of {v} {'+'.join(selection[v])} (table has no total code)" for v in sum_vars)
    elim_note = f"SCB total over eliminated {', '.join(spec.eliminate)}" if spec.eliminate else ""

    rows = []
    for (region, year), cells in sorted(groups.items()):
        if len(cells) != expected:
            raise SourceError(f"response has {len(cells)} cells for {region} {year}, expected {expected}", url)
        parts = [(c, *_classify(spec, c, prelim_note(c.dims[tvar]))) for c in cells]
        notes: list[str] = []
        if any(st == "missing" for _, _, st, _ in parts):
            status, value = "missing", None
            for c, _, st, note in parts:
                if st == "missing":
                    where = " ".join(c.dims[v] for v in (*sum_vars, tvar)) if expected > 1 else ""
                    notes.append(f"{note} for {where}" if where else str(note))
        else:
            status = "preliminary" if any(st == "preliminary" for _, _, st, _ in parts) else "final"
            value = sum(v for _, v, _, _ in parts if v is not None) * spec.multiplier
            notes += sorted({n for _, _, _, n in parts if n})
        if spec.period_type == "quarter_sum":
            quarters = sorted({c.dims[tvar] for c in cells})
            notes.append(f"sum of quarters {quarters[0]}–{quarters[-1]}")
        notes += [n for n in (sum_note, elim_note) if n]
        rows.append(
            {
                "region_code": region,
                "period": year,
                "value": value,
                "status": status,
                "source_url": url,
                "retrieved_at": retrieved_at,
                "note": "; ".join(dict.fromkeys(notes)) or None,
            }
        )
    return rows
