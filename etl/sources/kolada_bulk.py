"""Kolada's figures in bulk: the DDF files of a public dump of Kolada's API, shipped in ``data/kolada/``.

Kolada has no bulk download; ``open-numbers/ddf--kolada--dump`` scraped its API (the pull is dated
2024-08-30). ``data/kolada/source.yaml`` names the repository, the commit and that date; the
``by_geo_year/ddf--datapoints--<kpi>--by--geo--year.csv[.gz]`` files are unmodified copies of the
dump's files (gzip only shrinks them), one per KPI, with the columns ``geo,year,<kpi>``.

Which KPI fills which indicator is not decided here: it is sources.yaml's Kolada mappings (gender
``T``), the same the v3 client fetches, so a later ``python -m etl fetch --source kolada`` brings
the same series and its values supersede these as revisions. A file whose KPI has no mapping is an
error, and so is every bad cell: a code not in the dump's entity lists, a year that is not four
digits, a value that is not a plain number, a (geo, year) twice; each names the file and line.

Codes as the dump writes them: a municipality ``1280``, a region ``12`` (Kolada ``0012``), the whole
country ``0`` (our ``00``).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from etl.errors import InputError, Problem
from etl.sources.spec import KoladaSpec, SourceSpec

FILE_RE = re.compile(r"^ddf--datapoints--(?P<kpi>[nu]\d{5})--by--geo--year\.csv(?:\.gz)?$")
YEAR_RE = re.compile(r"^[0-9]{4}$")
NUMBER_RE = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
ENTITY_FILES = {
    "ddf--entities--geo--kommun.csv": "kommun",
    "ddf--entities--geo--region.csv": "region",
    "ddf--entities--geo--rike.csv": "rike",
}
MAX_PROBLEMS = 50


class DumpSource(BaseModel):
    """``data/kolada/source.yaml``: where the files come from and when Kolada's API was read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    repository: str
    commit: str
    commit_date: date
    read_at: date
    """The dump's pull from Kolada's API: the date the values are as of."""
    file_url: str
    """Address of a file in the dump; ``{commit}`` and ``{path}`` are filled in."""
    dump_folder: str = "datapoints--by--geo--year"
    """The dump's folder for the by-geo-year files (our ``by_geo_year/``)."""


@dataclass(frozen=True)
class BulkFile:
    path: Path
    kpi: str
    """Kolada's id, upper case (N01951)."""


def our_code(geo: str) -> str:
    """The dump's geo code → our region code: ``0`` → ``00``; kommun and region codes unchanged."""
    return "00" if geo == "0" else geo


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError([Problem(path, f"not a readable gzip file ({exc})")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(path, "not UTF-8", line)]) from None


def load_source(folder: Path) -> DumpSource:
    path = folder / "source.yaml"
    try:
        return DumpSource.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError([Problem(path, "file is missing (it names the dump's repository, commit and date)")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(path, f"not valid YAML: {exc}")]) from None
    except ValidationError as exc:
        raise InputError(
            [Problem(path, err["msg"], field=".".join(str(p) for p in err["loc"])) for err in exc.errors()]
        ) from None


def entity_codes(folder: Path) -> set[str]:
    """Every geo code in the dump's entity lists (kommun, region, rike)."""
    codes: set[str] = set()
    for name, column in ENTITY_FILES.items():
        path = folder / name
        if not path.exists():
            raise InputError([Problem(path, "entity list is missing")])
        reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
        if column not in (reader.fieldnames or []):
            raise InputError([Problem(path, f"no column {column!r} in the header", 1)])
        codes |= {row[column].strip() for row in reader if row.get(column)}
    return codes


def bulk_files(folder: Path) -> tuple[list[BulkFile], list[Problem]]:
    """The datapoint files in ``folder/by_geo_year``; a name that is not a dump file is a problem."""
    files, problems = [], []
    seen: dict[str, Path] = {}
    for path in sorted((folder / "by_geo_year").iterdir()) if (folder / "by_geo_year").is_dir() else []:
        match = FILE_RE.match(path.name)
        if match is None or not path.is_file():
            problems.append(Problem(path, "not a Kolada datapoints file (ddf--datapoints--<kpi>--by--geo--year.csv[.gz])"))
            continue
        kpi = match["kpi"].upper()
        if kpi in seen:
            problems.append(Problem(path, f"KPI {kpi} is already in {seen[kpi].name}"))
            continue
        seen[kpi] = path
        files.append(BulkFile(path, kpi))
    return files, problems


def read_file(bulk: BulkFile, spec: KoladaSpec, codes: set[str], source: DumpSource,
              problems: list[Problem]) -> pd.DataFrame:
    """The rows of one file as observation records; bad cells go to ``problems`` (checked column-wise:
    the national files hold some 80 000 rows)."""
    path, column = bulk.path, bulk.kpi.lower()
    text = _read_text(path)
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    if header != ["geo", "year", column]:
        problems.append(Problem(path, f"header must be geo,year,{column}; found {','.join(header)!r}", 1))
        return pd.DataFrame()
    try:
        cells = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True,
                            on_bad_lines="error", engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        problems.append(Problem(path, f"not a CSV table of geo, year, {column}: {str(exc).splitlines()[0]}"))
        return pd.DataFrame()
    line = pd.Series(range(2, len(cells) + 2), index=cells.index)
    if len(text.splitlines()) != len(cells) + 1:  # blank lines shift the numbering: count them out
        numbers = [i for i, raw in enumerate(text.splitlines(), start=1) if raw.strip()][1:]
        line = pd.Series(numbers, index=cells.index)
    geo, year, value = (cells[c].str.strip() for c in ("geo", "year", column))
    bad_geo = ~geo.isin(codes)
    bad_year = ~year.str.fullmatch(YEAR_RE.pattern[1:-1])
    number = pd.to_numeric(value.where(value.str.fullmatch(NUMBER_RE.pattern[1:-1])), errors="coerce")
    bad_value = number.isna() | ~number.map(math.isfinite, na_action="ignore").fillna(False).astype(bool)
    for mask, field, message in ((bad_geo, "geo", "code {!r} is not in the dump's entity lists"),
                                 (bad_year, "year", "not a year: {!r}"), (bad_value, column, "not a number: {!r}")):
        source_col = {"geo": geo, "year": year}.get(field, value)
        for i in cells.index[mask][:MAX_PROBLEMS]:
            problems.append(Problem(path, message.format(source_col[i]), int(line[i]), field))
    ok = ~(bad_geo | bad_year | bad_value)
    frame = pd.DataFrame({"geo": geo[ok], "period": year[ok].astype(int), "value": number[ok], "line": line[ok]})
    dup = frame.duplicated(["geo", "period"], keep="first")
    if dup.any():
        first = frame[~dup].set_index(["geo", "period"])["line"]
        for row in frame[dup].head(MAX_PROBLEMS).itertuples():
            problems.append(Problem(path, f"({row.geo}, {row.period}) twice; first at line {first[(row.geo, row.period)]}",
                                    int(row.line)))
        frame = frame[~dup]
    if spec.period_from:
        frame = frame[frame["period"] >= spec.period_from]
    if spec.period_to:
        frame = frame[frame["period"] <= spec.period_to]
    dump_path = f"{source.dump_folder}/{path.name.removesuffix('.gz')}"
    return pd.DataFrame({
        "indicator_id": spec.indicator, "region_code": frame["geo"].map(our_code), "period": frame["period"],
        "value": frame["value"].astype(float) * spec.multiplier, "status": "final", "source": spec.label,
        "source_url": source.file_url.format(commit=source.commit, path=dump_path),
        "retrieved_at": pd.Timestamp(source.read_at),
        "note": f"Kolada via {source.repository}@{source.commit[:7]} ({dump_path}), uttag {source.read_at:%Y-%m-%d}",
        "file": str(path), "line": frame["line"].astype(int),
    })


def read_bulk(folder: Path, specs: dict[str, SourceSpec]) -> pd.DataFrame:
    """Every datapoint file in ``folder`` as observation rows (observations.COLUMNS + file, line).

    Raises:
        InputError: every problem found, each naming the file and, where it has one, the line and field.
    """
    source = load_source(folder)
    codes = entity_codes(folder)
    mapping = {s.kpi: s for s in specs.values() if isinstance(s, KoladaSpec) and s.enabled and s.gender == "T"}
    files, problems = bulk_files(folder)
    frames: list[pd.DataFrame] = []
    for bulk in files:
        spec = mapping.get(bulk.kpi)
        if spec is None:
            problems.append(Problem(bulk.path, f"unknown KPI {bulk.kpi}: no enabled Kolada mapping (gender T) "
                                               "in data/catalog/sources.yaml fills an indicator from it"))
            continue
        frames.append(read_file(bulk, spec, codes, source, problems))
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
