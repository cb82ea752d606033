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
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from etl.catalog import Catalog
from etl.errors import InputError, Problem

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
MAX_PROBLEMS = 50


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(path, "not UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8", line)]
        ) from None


def _parse_value(text: str) -> float:
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def _parse_retrieved(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())


def read_observation_file(path: Path, catalog: Catalog, raw: bytes | None = None) -> pd.DataFrame:
    """One validated file as a DataFrame with COLUMNS plus ``file`` and ``line``.

    ``raw`` gives the CSV bytes when they do not come from ``path`` itself (a spreadsheet
    converted to CSV, a fetch not yet published); messages still name ``path``.
    """
    raw = path.read_bytes() if raw is None else raw
    if not raw.strip():
        raise InputError([Problem(path, "file is empty")])
    reader = csv.DictReader(io.StringIO(_decode(path, raw), newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([Problem(path, f"missing required column(s): {', '.join(missing)}", 1)])
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError([Problem(path, f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}", 1)])

    indicators = catalog.indicator_ids
    regions = catalog.region_codes
    problems: list[Problem] = []
    rows: list[dict[str, object]] = []
    for rec in reader:
        line = reader.line_num
        if None in rec:
            problems.append(Problem(path, "more fields than the header has", line))
            continue

        def bad(field: str, msg: str, line: int = line) -> None:
            problems.append(Problem(path, msg, line, field))

        get = {c: (rec.get(c) or "").strip() for c in COLUMNS}
        ind, region = get["indicator_id"], get["region_code"]
        if ind not in indicators:
            bad("indicator_id", f"unknown indicator {ind!r} (not in data/catalog/indicators.yaml)")
        if region not in regions:
            bad("region_code", f"unknown region code {region!r}; allowed: {', '.join(sorted(regions))}")
        try:
            period = int(get["period"])
            if not 1900 <= period <= 2100:
                raise ValueError
        except ValueError:
            bad("period", f"not a year: {get['period']!r}")
            period = None
        status = get["status"] or "final"
        if status not in STATUSES:
            bad("status", f"unknown status {status!r}; allowed: {', '.join(sorted(STATUSES))}")
        note = get["note"]
        value: float | None
        if get["value"] in MISSING_MARKERS:
            value = None
            if get["value"]:
                note = f"källans markering '{get['value']}'" + (f"; {note}" if note else "")
            status = "missing"
        else:
            try:
                value = _parse_value(get["value"])
            except ValueError:
                bad("value", f"not a number: {get['value']!r} (use . as decimal separator; '..' for missing)")
                value = None
            else:
                if status == "missing":
                    bad("status", "status 'missing' but the row has a value")
                if value < 0 and ind in indicators and not catalog.indicator(ind).allow_negative:
                    bad("value", f"negative value {get['value']} for {ind}, which cannot be negative")
        if not get["source"]:
            bad("source", "every row needs its source")
        try:
            retrieved = _parse_retrieved(get["retrieved_at"])
        except ValueError:
            bad("retrieved_at", f"not an ISO date: {get['retrieved_at']!r}")
            retrieved = None
        if len(problems) >= MAX_PROBLEMS:
            break
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
        problems.append(Problem(path, "no data rows under the header", 2))
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows)


def check_duplicates(frame: pd.DataFrame) -> list[Problem]:
    """Problems for every (indicator, region, period) that occurs more than once."""
    key = ["indicator_id", "region_code", "period"]
    dup = frame[frame.duplicated(key, keep=False)]
    problems = []
    for (ind, region, period), group in dup.groupby(key, sort=True):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            problems.append(
                Problem(
                    row["file"],
                    f"duplicate key ({ind}, {region}, {period}); first at {first['file']} line {first['line']}",
                    int(row["line"]),
                )
            )
    return problems


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
