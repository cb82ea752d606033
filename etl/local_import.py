"""Local figures from a spreadsheet (``python -m etl import FILE``): the template's columns mapped
to the observation layout, then validated like every other data file.

Template columns (header row, in any order): ``indicator, region, period, value, source, note``,
optionally ``source_url, status, retrieved_at``. Accepted files: ``.xlsx`` (first sheet), ``.csv``
with commas and a decimal point, or ``.csv`` as Swedish Excel saves it (semicolons and decimal
commas). A missing ``retrieved_at`` becomes the import date.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Problem
from etl.observations import COLUMNS

TEMPLATE = ["indicator", "region", "period", "value", "source", "note"]
OPTIONAL = ["source_url", "status", "retrieved_at"]
RENAME = {"indicator": "indicator_id", "region": "region_code"}


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise InputError([Problem(path, f"cannot read as an Excel workbook: {exc}")]) from None
    if suffix != ".csv":
        raise InputError([Problem(path, "unsupported file type; use .xlsx or .csv (see the template)")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(path, "not UTF-8; in Excel choose 'CSV UTF-8' when saving", line)]) from None
    if not text.strip():
        raise InputError([Problem(path, "file is empty")])
    header = text.splitlines()[0]
    swedish = ";" in header and "," not in header
    frame = pd.read_csv(io.StringIO(text), sep=";" if swedish else ",", dtype=str, keep_default_na=False)
    if swedish and "value" in frame.columns:
        frame["value"] = frame["value"].str.replace("\u00a0", "").str.replace(" ", "").str.replace(",", ".")
    return frame


def to_observation_csv(path: Path, today: date | None = None) -> bytes:
    """The file's rows as observation-layout CSV bytes (same line numbers as the source rows)."""
    frame = _read_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in TEMPLATE if c not in frame.columns and c != "note"]
    if missing:
        raise InputError([Problem(path, f"missing template column(s): {', '.join(missing)}; "
                                        f"the template has {', '.join(TEMPLATE)}", 1)])
    unknown = [c for c in frame.columns if c not in TEMPLATE + OPTIONAL]
    if unknown:
        raise InputError([Problem(path, f"unknown column(s): {', '.join(unknown)}; "
                                        f"allowed: {', '.join(TEMPLATE + OPTIONAL)}", 1)])
    frame = frame.rename(columns=RENAME)
    if "retrieved_at" not in frame.columns:
        frame["retrieved_at"] = (today or date.today()).isoformat()
    frame["retrieved_at"] = frame["retrieved_at"].replace("", (today or date.today()).isoformat())
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    buffer = io.StringIO()
    frame[COLUMNS].to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")
