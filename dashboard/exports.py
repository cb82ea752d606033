"""Safe file exports: pure functions from a DataFrame to the bytes of a CSV, XLSX or JSON file.

Spreadsheet safety: a text cell that begins with ``=``, ``+``, ``-``, ``@``, tab, CR or LF could be
run as a formula by Excel or LibreOffice, so it is prefixed with ``'`` (OWASP "CSV injection").
Numbers are written as numbers, so a negative value stays a negative number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"
MAX_WIDTH = 60
"""Widest XLSX column in characters; longer texts (notes, URLs) are cut off visually, not in the cell."""


def neutralise(value: Any) -> Any:
    """``'=1+1`` for ``=1+1``; any other value (numbers included) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def format_number(value: Any, decimal: str = ".") -> str:
    """Shortest text that reads back as the same number, never in exponent form: ``1234``, ``-0.5``."""
    if _missing(value):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    text = np.format_float_positional(float(value), unique=True, trim="-")
    return text.replace(".", decimal) if decimal != "." else text


def _cell_text(value: Any, decimal: str) -> str:
    if _missing(value):
        return ""
    if _is_number(value):
        return format_number(value, decimal)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return str(neutralise(str(value)))


def to_csv(frame: pd.DataFrame, *, excel_sv: bool = False) -> bytes:
    """RFC 4180 CSV in UTF-8. ``excel_sv``: ``;`` between fields, decimal comma and a BOM, as Excel
    with Swedish settings expects, so å, ä and ö survive a double-click."""
    sep, decimal = (";", ",") if excel_sv else (",", ".")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_cell_text(v, decimal) for v in row])
    text = buf.getvalue()
    return ((BOM if excel_sv else "") + text).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str):
        # Control characters other than tab, CR and LF are not allowed in XLSX cells.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _to_date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _widths(rows: Sequence[Sequence[Any]], cap: int = MAX_WIDTH) -> list[int]:
    """Column widths that fit the longest line of each column (dates as yyyy-mm-dd)."""
    widths: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row):
            if value is None:
                continue
            text = value.strftime("%Y-%m-%d") if isinstance(value, (dt.date, dt.datetime)) else str(value)
            longest = max((len(line) for line in text.splitlines()), default=0)
            widths[i] = max(widths.get(i, 0), longest)
    return [min(cap, max(8, widths.get(i, 0) + 2)) for i in range(max(widths, default=-1) + 1)]


def _column_widths(frame: pd.DataFrame, header: Sequence[str], cap: int = MAX_WIDTH) -> list[int]:
    """As ``_widths``, column-wise over a frame (a workbook of every region holds a million cells)."""
    out = []
    for name, col in zip(header, frame.columns, strict=True):
        values = frame[col].dropna()
        if values.empty:
            longest = 0
        elif pd.api.types.is_datetime64_any_dtype(values):
            longest = 10
        else:
            longest = int(values.astype(str).str.split("\n").map(lambda parts: max(map(len, parts))).max())
        out.append(min(cap, max(8, max(longest, len(name)) + 2)))
    return out


def _set_widths(ws: Any, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def to_xlsx(frame: pd.DataFrame, metadata: Sequence[tuple[str, Any]], indicators: Sequence[Mapping[str, Any]],
            *, labels: Mapping[str, str] | None = None, column_notes: Mapping[str, str] | None = None,
            sheet_names: tuple[str, str] = ("Data", "Metadata")) -> bytes:
    """A workbook with the data sheet (typed cells, frozen header, filter, fitted widths) and a
    metadata sheet: ``metadata`` as label/value rows, then one row per indicator, then the columns.

    ``indicators`` are dicts with the same keys (shown as a table); ``labels`` translates those keys
    and the metadata headings; ``column_notes`` describes each data column. Written in openpyxl's
    write-only mode, row by row, so a workbook of every region stays within seconds.
    """
    labels = labels or {}
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def styled(value: Any, font: Font | None = None, alignment: Alignment | None = None,
               number_format: str | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        return cell

    ws = data = wb.create_sheet(sheet_names[0])
    header = [neutralise(str(c)) for c in frame.columns]
    _set_widths(data, _column_widths(frame, header))
    data.freeze_panes = "A2"
    if len(frame.columns):
        data.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, len(frame) + 1)}"
    data.append([styled(h, bold) for h in header])
    date_cols = {i for i, c in enumerate(frame.columns) if c.endswith("_at")}
    for row in frame.itertuples(index=False, name=None):
        values = [_xlsx_value(_to_date(v) if i in date_cols else v) for i, v in enumerate(row)]
        data.append([styled(v, number_format="yyyy-mm-dd") if i in date_cols and isinstance(v, (dt.date, dt.datetime))
                     else v for i, v in enumerate(values)])

    rows: list[tuple[list[Any], bool]] = [([_xlsx_value(label), _xlsx_value(value)], True) for label, value in metadata]
    if indicators:
        keys = list(indicators[0])
        rows.append(([], False))
        rows.append(([neutralise(labels.get(k, k)) for k in keys], True))
        rows += [([_xlsx_value(ind[k]) for k in keys], False) for ind in indicators]
    if column_notes:
        rows.append(([], False))
        rows.append(([neutralise(labels.get("column", "column")), neutralise(labels.get("meaning", "meaning"))], True))
        rows += [([neutralise(col), neutralise(note)], False) for col, note in column_notes.items()]
    ws = meta = wb.create_sheet(sheet_names[1])
    _set_widths(meta, _widths([r for r, _ in rows]))
    wrap = Alignment(wrap_text=True, vertical="top")
    for values, heading in rows:
        cells = []
        for i, v in enumerate(values):
            long = isinstance(v, str) and len(v) > MAX_WIDTH
            first_bold = heading and (i == 0 or len(values) > 2)
            cells.append(styled(v, bold if first_bold else None, wrap if long else None) if (first_bold or long) else v)
        meta.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _json_value(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return value


def to_json(frame: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    """``{**meta, "columns": [...], "count": n, "data": [{column: value}, ...]}`` in UTF-8; missing
    values are ``null``. JSON is data, not a spreadsheet: texts are left exactly as stored."""
    cols = list(frame.columns)
    data = [{c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)]
    body = {**meta, "columns": cols, "count": len(data), "data": data}
    return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")


def content_disposition(filename: str) -> str:
    """``attachment; filename="..."`` for an ASCII file name (ours are built from ids and years)."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-+") else "_" for ch in filename)
    return f'attachment; filename="{safe}"'
