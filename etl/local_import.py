"""Local figures from a spreadsheet (``python -m etl import FILE``): the template's columns mapped
to the observation layout, then validated like every other data file.

Template columns (header row, in any order): ``indicator, region, period, value, source, note``,
optionally ``source_url, status, retrieved_at``. Accepted files: ``.xlsx`` (first sheet, header in
row 1), ``.csv`` with commas and a decimal point, or ``.csv`` as Swedish Excel saves it (semicolons,
decimal commas, and a space or no-break space between thousands: ``1 234,5``). A missing
``retrieved_at`` becomes the import date.

Every message names the user's own file: for a workbook the sheet, row and column of the cell, for
a CSV the line and the column's name in its header.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from etl.catalog import Catalog
from etl.errors import InputError, Problem, Problems
from etl.observations import COLUMNS, check_duplicates, check_header, csv_rows, read_observation_file

TEMPLATE = ["indicator", "region", "period", "value", "source", "note"]
OPTIONAL = ["source_url", "status", "retrieved_at"]
RENAME = {"indicator": "indicator_id", "region": "region_code"}
MAX_UNZIPPED = 50_000_000
"""An .xlsx whose parts unpack to more than this is refused before it is parsed (a zip bomb)."""
MAX_CELLS = 200_000
"""Cells read from the sheet at most (a template sheet has six columns)."""
MAX_CSV_BYTES = 50_000_000
# Swedish Excel: 1234,5 or 1 234,5 / 1\u00a0234,5 (thousands separated by a space of some kind).
SWEDISH_NUMBER = re.compile(r"-?(?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:,[0-9]+)?")


@dataclass
class Table:
    """The user's rows as text, with where each came from."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    """(line or row number in the user's file, cells)."""
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Converted:
    """The observation-layout CSV made from a user's file, and the way back to the user's cells."""

    path: Path
    content: bytes
    source_line: dict[int, int]
    """Line in ``content`` -> line (CSV) or row (xlsx) in the user's file."""
    column: dict[str, str]
    """Observation field -> the user's column: its letter (xlsx) or header name (CSV)."""
    sheet: str | None = None

    def relocate(self, problems: list[Problem], lines_are_source: bool = False) -> list[Problem]:
        """Problems about ``content`` as problems about the user's own file and cells."""
        out = []
        for p in problems:
            if str(p.file) != str(self.path):
                out.append(p)
                continue
            line = p.line if lines_are_source or p.line is None else self.source_line.get(p.line, p.line)
            user_field = {v: k for k, v in RENAME.items()}.get(p.field, p.field) if p.field else None
            if self.sheet is not None:
                out.append(replace(p, line=line, sheet=self.sheet, field=user_field,
                                   column=self.column.get(p.field) if p.field else None))
            else:
                out.append(replace(p, line=line, field=self.column.get(p.field, user_field) if p.field else None))
        return out


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return np.format_float_positional(value, trim="-")  # never an exponent; 'inf'/'nan' stay refused
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError([Problem(path, f"cannot read as an Excel workbook (not a valid .xlsx file: {exc})")]) from None
    if total > MAX_UNZIPPED:
        raise InputError([Problem(path, f"the workbook unpacks to {total / 1e6:,.0f} MB, more than the "
                                        f"{MAX_UNZIPPED / 1e6:.0f} MB allowed; a template sheet is far smaller - "
                                        "is this the right file?")])


def _read_xlsx(path: Path) -> Table:
    import openpyxl

    _check_zip(path)
    try:
        # Values as Excel last computed them; and the same cells as written, to tell a formula Excel
        # never computed (openpyxl gives None for it) from an empty cell.
        values_wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas_wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file  # noqa: BLE001
        raise InputError([Problem(path, f"cannot read as an Excel workbook: {exc}")]) from None
    try:
        if not values_wb.worksheets:
            raise InputError([Problem(path, "the workbook has no sheet")])
        values_ws, formulas_ws = values_wb.worksheets[0], formulas_wb.worksheets[0]
        sheet = values_ws.title
        # The dimensions a file declares can be anything; rows are read as they are, never padded.
        values_ws.reset_dimensions()
        formulas_ws.reset_dimensions()
        table = Table([], [], sheet)
        problems = Problems()
        cells = 0
        try:
            pairs = zip(values_ws.iter_rows(min_row=1, values_only=True),
                        formulas_ws.iter_rows(min_row=1, values_only=True), strict=False)
            for row_number, (values, formulas) in enumerate(pairs, start=1):
                cells += max(len(values), 1)
                if cells > MAX_CELLS:
                    raise InputError([Problem(path, f"more than {MAX_CELLS:,} cells in the sheet; the template needs "
                                                    "one row per indicator, region and year - is this the right file?",
                                              sheet=sheet)])
                for col, (value, formula) in enumerate(zip(values, formulas, strict=False)):
                    if value is None and formula is not None:
                        problems.add(Problem(path, "a formula without a stored value; open and save the file in "
                                                   "Excel, or type the value", row_number, sheet=sheet,
                                             column=_column_letter(col)), kind="formula")
                texts = [_cell_text(v) for v in values]
                if row_number == 1:
                    while texts and not texts[-1].strip():
                        texts.pop()
                    if not texts:
                        raise InputError([Problem(path, "row 1 is empty; the template's header (indicator, region, "
                                                        "period, value, source, note) goes in row 1", sheet=sheet)])
                    table.header = texts
                    continue
                width = len(table.header)
                for col in range(width, len(texts)):
                    if texts[col].strip():
                        problems.add(Problem(path, "a value in a column without a header", row_number, sheet=sheet,
                                             column=_column_letter(col)), kind="no header")
                texts = (texts + [""] * width)[:width]
                if any(t.strip() for t in texts):
                    table.rows.append((row_number, texts))
        except InputError:
            raise
        except Exception as exc:  # a malformed sheet part  # noqa: BLE001
            raise InputError([Problem(path, f"cannot read the sheet as an Excel worksheet: {exc}", sheet=sheet)]) from None
        table.problems = problems.problems()
        return table
    finally:
        values_wb.close()
        formulas_wb.close()


def _swedish_number(text: str) -> str:
    """``1 234,5`` -> ``1234.5``; anything else unchanged (the validation names it)."""
    stripped = text.strip()
    if SWEDISH_NUMBER.fullmatch(stripped):
        return re.sub(r"[ \u00a0\u202f]", "", stripped).replace(",", ".")
    return text


def _read_csv(path: Path) -> Table:
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError([Problem(path, f"larger than {MAX_CSV_BYTES / 1e6:.0f} MB; is this the right file?")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(path, "not UTF-8; in Excel choose 'CSV UTF-8' when saving", line)]) from None
    if not text.strip():
        raise InputError([Problem(path, "file is empty")])
    first = text.splitlines()[0]
    swedish = ";" in first and "," not in first
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if swedish else ",")
    table = Table([], [])
    problems = Problems()
    for line, fields in csv_rows(reader, path, problems):
        if line == 1:
            table.header = fields
            continue
        if not any(f.strip() for f in fields):
            continue
        width = len(table.header)
        if any(f.strip() for f in fields[width:]):
            problems.add(Problem(path, f"more fields than the header has ({len(fields)}, the header {width}); "
                                       f"a {'semicolon' if swedish else 'comma'} inside a value needs quotes", line),
                         kind="ragged")
            continue
        table.rows.append((line, (fields + [""] * width)[:width]))
    table.problems = problems.problems()
    if swedish:
        norm = [str(c).strip().lower() for c in table.header]
        if "value" in norm:
            i = norm.index("value")
            for _, cells in table.rows:
                cells[i] = _swedish_number(cells[i])
    return table


def _read_table(path: Path) -> Table:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix != ".csv":
        raise InputError([Problem(path, "unsupported file type; use .xlsx or .csv (see the template)")])
    return _read_csv(path)


def convert(path: Path, today: date | None = None) -> Converted:
    """The file's rows as observation-layout CSV, with the map back to the user's cells."""
    table = _read_table(path)
    header = [str(c).strip().lower() for c in table.header]
    bad = check_header(path, header, TEMPLATE + OPTIONAL, [c for c in TEMPLATE if c != "note"])
    if bad:
        raise InputError([replace(p, sheet=table.sheet) for p in bad])
    if table.problems:
        raise InputError(table.problems)
    index = {RENAME.get(c, c): i for i, c in enumerate(header)}
    if table.sheet is not None:
        column = {name: _column_letter(i) for name, i in index.items()}
    else:
        column = {name: str(table.header[i]).strip() for name, i in index.items()}
    imported = (today or date.today()).isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    source_line: dict[int, int] = {}
    for source, cells in table.rows:
        record = {name: cells[i] for name, i in index.items()}
        if not record.get("retrieved_at", "").strip():
            record["retrieved_at"] = imported
        # The line this record starts on in the CSV written so far (a note may hold a newline).
        source_line[buffer.getvalue().count("\n") + 1] = source
        writer.writerow([record.get(c, "") for c in COLUMNS])
    return Converted(path, buffer.getvalue().encode("utf-8"), source_line, column, table.sheet)


def to_observation_csv(path: Path, today: date | None = None) -> bytes:
    """The file's rows as observation-layout CSV bytes."""
    return convert(path, today).content


def validate_import(path: Path, catalog: Catalog, others: list[Path], today: date | None = None) -> bytes:
    """The observation CSV for ``path``, validated on its own and against the other imported files
    (``others``, a repeated key within the imports layer is an error); every problem names the
    user's file and cell. Raises InputError."""
    conv = convert(path, today)
    try:
        frame = read_observation_file(path, catalog, conv.content)
    except InputError as exc:
        raise InputError(conv.relocate(exc.problems)) from None
    frame["line"] = frame["line"].map(lambda n: conv.source_line.get(int(n), int(n)))
    frames = [read_observation_file(p, catalog) for p in others]
    problems = check_duplicates(pd.concat([*frames, frame], ignore_index=True))
    if problems:
        raise InputError(conv.relocate(problems, lines_are_source=True))
    return conv.content
