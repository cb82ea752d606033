"""Read and validate observation files (data/seed/*.csv and the same layout elsewhere).

Layout, one row per indicator, region and year::

    indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note

A value may be one of the sources' own missing markers (``..``, ``...``, ``.``, or empty):
it becomes NULL with status ``missing`` and the marker kept in ``note``. Everything else
that is wrong is collected as a Problem naming file, line and field.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from etl.catalog import Catalog
from etl.errors import InputError, Problem, Problems

COLUMNS = [
    "indicator_id",
    "region_code",
    "period",
    "value",
    "status",
    "source",
    "source_url",
    "retrieved_at",
    "note",
]
REQUIRED = ["indicator_id", "region_code", "period", "value", "source", "retrieved_at"]
STATUSES = {"final", "preliminary", "missing"}
MISSING_MARKERS = {"", "..", "...", "."}


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(path, "not UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8", line)]
        ) from None


NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
"""A value as a spreadsheet user writes it: ASCII digits, an optional leading minus and decimal
point. Not Python's literal syntax (``+1``, ``1_000``, ``1e5``, ``inf``, ``nan``), nor other digit
systems (``٢٠١٩``, ``２０１９``), which ``float()`` would take."""
YEAR_RE = re.compile(r"[0-9]{4}")
NUMBER_HINT = "digits 0-9, an optional leading minus and . as decimal separator; '..' for missing"


def _parse_retrieved(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())


def _read_raw(path: Path) -> bytes:
    if path.is_dir():
        raise InputError([Problem(path, "is a folder, not a file; move it out of the data folder")])
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, f"cannot read the file: {exc.strerror or exc}")]) from None


def check_header(path: Path | str, header: list[str], allowed: list[str], required: list[str]) -> list[Problem]:
    """A header names every required column, and each allowed column at most once (line 1)."""
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        return [Problem(path, f"column(s) named more than once: {', '.join(map(repr, twice))}", 1)]
    missing = [c for c in required if c not in header]
    if missing:
        return [Problem(path, f"missing required column(s): {', '.join(missing)}", 1)]
    unknown = [c for c in header if c not in allowed]
    if unknown:
        return [Problem(path, f"unknown column(s): {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}", 1)]
    return []


def csv_rows(reader: Iterator[list[str]], path: Path | str, problems: Problems) -> Iterator[tuple[int, list[str]]]:
    """(line a row starts on, its fields) for the rest of ``reader`` (a ``csv.reader``); a row the
    reader cannot read (e.g. a field over csv's size limit) ends it as one problem, not a traceback."""
    end = reader.line_num  # type: ignore[attr-defined]
    while True:
        line = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(Problem(path, f"cannot read as CSV: {exc}", line))
            return
        end = reader.line_num  # type: ignore[attr-defined]
        yield line, fields


def read_observation_file(path: Path, catalog: Catalog, raw: bytes | None = None) -> pd.DataFrame:
    """One validated file as a DataFrame with COLUMNS plus ``file`` and ``line``.

    ``raw`` gives the CSV bytes when they do not come from ``path`` itself (a spreadsheet
    converted to CSV, a fetch not yet published); messages still name ``path``. ``line`` is the
    line a row starts on.
    """
    raw = _read_raw(path) if raw is None else raw
    if not raw.strip():
        raise InputError([Problem(path, "file is empty")])
    reader = csv.reader(io.StringIO(_decode(path, raw), newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError([Problem(path, f"cannot read the header as CSV: {exc}", 1)]) from None
    bad_header = check_header(path, header, COLUMNS, REQUIRED)
    if bad_header:
        raise InputError(bad_header)

    indicators = {i.id: i for i in catalog.indicators.indicators}
    regions = catalog.region_codes
    problems = Problems()
    rows: list[dict[str, object]] = []
    for line, fields in csv_rows(reader, path, problems):
        if not fields:
            continue
        if len(fields) > len(header):
            problems.add(Problem(path, f"more fields than the header has ({len(fields)}, the header {len(header)}); "
                                       "a comma inside a value needs quotes", line), kind="ragged")
            continue

        def bad(field: str, msg: str, kind: str | None = None, line: int = line) -> None:
            problems.add(Problem(path, msg, line, field), kind=kind or field)

        rec = dict(zip(header, fields))
        get = {c: (rec.get(c) or "").strip() for c in COLUMNS}
        ind, region = get["indicator_id"], get["region_code"]
        indicator = indicators.get(ind)
        if indicator is None:
            bad("indicator_id", f"unknown indicator {ind!r} (not in data/catalog/indicators.yaml)")
        if region not in regions:
            bad("region_code", f"unknown region code {region!r}; allowed: a municipality code (4 digits, e.g. 1280), "
                               "a county code (2 digits, 12 = Skåne) or 00 (Sweden), as listed in "
                               "data/catalog/regions.yaml")
        period: int | None = None
        if YEAR_RE.fullmatch(get["period"]) and 1900 <= int(get["period"]) <= 2100:
            period = int(get["period"])
        else:
            bad("period", f"not a year: {get['period']!r} (four digits 0-9, 1900-2100)")
        status = get["status"] or "final"
        if status not in STATUSES:
            bad("status", f"unknown status {status!r}; allowed: {', '.join(sorted(STATUSES))}")
        note = get["note"]
        value: float | None = None
        text = get["value"]
        if text in MISSING_MARKERS:
            if text:
                note = f"källans markering '{text}'" + (f"; {note}" if note else "")
            status = "missing"
        elif not NUMBER_RE.fullmatch(text):
            bad("value", f"not a number: {text!r} ({NUMBER_HINT})", kind="not a number")
        else:
            value = float(text)
            why = indicator.value_problem(value) if indicator else (
                None if math.isfinite(value) else f"not a finite number: {text!r}")
            if why:
                bad("value", why, kind="range")
                value = None
            elif status == "missing":
                bad("status", "status 'missing' but the row has a value")
        if not get["source"]:
            bad("source", "every row needs its source")
        try:
            retrieved = _parse_retrieved(get["retrieved_at"])
        except ValueError:
            bad("retrieved_at", f"not an ISO date: {get['retrieved_at']!r}")
            retrieved = None
        if problems:
            continue  # the file is rejected; only the problems matter now
        rows.append(
            {
                "indicator_id": ind,
                "region_code": region,
                "period": period,
                "value": value,
                "status": status,
                "source": get["source"],
                "source_url": get["source_url"] or None,
                "retrieved_at": retrieved,
                "note": note or None,
                "file": str(path),
                "line": line,
            }
        )
    if not rows and not problems:
        problems.add(Problem(path, "no data rows under the header", 2))
    problems.raise_if_any()
    return pd.DataFrame(rows)


def check_duplicates(frame: pd.DataFrame) -> list[Problem]:
    """Problems for every (indicator, region, period) that occurs more than once (the first 20 per file)."""
    key = ["indicator_id", "region_code", "period"]
    dup = frame[frame.duplicated(key, keep=False)]
    problems = Problems()
    for (ind, region, period), group in dup.groupby(key, sort=True):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            problems.add(
                Problem(
                    row["file"],
                    f"duplicate key ({ind}, {region}, {period}); first at {first['file']} line {first['line']}",
                    int(row["line"]),
                ),
                kind="duplicate key",
            )
    return problems.problems()


def read_observations(paths: list[Path], catalog: Catalog, pending: dict[Path, bytes] | None = None) -> pd.DataFrame:
    """All files validated together: problems from every file, then duplicates across files.

    ``pending`` maps a path to the bytes it will hold once published (read instead of the disk).
    """
    frames, problems = [], []
    pending = pending or {}
    for path in paths:
        try:
            frames.append(read_observation_file(path, catalog, pending.get(path)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not frames:
        raise InputError([Problem("data/seed", "no observation files (*.csv) found")])
    frame = pd.concat(frames, ignore_index=True)
    problems = check_duplicates(frame)
    if problems:
        raise InputError(problems)
    return frame
