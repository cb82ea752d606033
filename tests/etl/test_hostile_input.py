"""Hostile and odd input: headers naming a column twice, numbers in other digit systems or Python's
literal syntax, implausible magnitudes, formulas Excel never computed, zip bombs, ragged rows,
folders named like files, huge fields, and thousands of bad rows. Each is refused with one line per
problem naming the file and line (or sheet, row and column), exit code 1, no traceback, and the live
database byte-for-byte as it was."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from etl.cli import cli

HEADER = "indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note\n"
ROW = "population,1280,2030,100,final,SCB,https://example.invalid,2024-01-01,\n"
TEMPLATE = "indicator,region,period,value,source,note\n"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(data_copy: Path, tmp_path: Path) -> Path:
    db = tmp_path / "live.duckdb"
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _refused(args: list[str], expected: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    out = result.output
    assert result.exit_code == 1, out
    assert "Traceback" not in out and isinstance(result.exception, SystemExit), out
    for part in expected:
        assert part in out, f"{part!r} not in:\n{out}"
    return out


def _check_and_build_refused(data: Path, db: Path, expected: list[str]) -> str:
    before = _digest(db)
    _refused(["check", "--data", str(data)], expected)
    out = _refused(["build", "--data", str(data), "--db", str(db)], expected)
    assert _digest(db) == before
    assert not list(db.parent.glob(f".{db.name}.tmp-*"))
    return out


def _import_refused(file: Path, data: Path, db: Path, expected: list[str]) -> str:
    before = _digest(db)
    out = _refused(["import", str(file), "--data", str(data), "--db", str(db)], expected)
    assert _digest(db) == before and not (data / "imports").exists()
    return out


def _write(rel: str, content: str | bytes) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    return edit


# --- 1. headers naming a column twice, or one we do not know -------------------------------------

TWICE = HEADER.replace(",value,", ",value,value,")
UNKNOWN = HEADER.replace(",note\n", ",note,extra\n")
HEADER_CASES = {
    "seed, value twice": ("seed/twice.csv", TWICE + ROW.replace(",100,", ",100,200,"), ["more than once", "'value'"]),
    "fetched, value twice": ("fetched/scb.csv", TWICE + ROW.replace(",100,", ",100,200,"), ["more than once", "'value'"]),
    "fetched, unknown column": ("fetched/kolada.csv", UNKNOWN + ROW.replace(",\n", ",,x\n"), ["unknown column", "'extra'"]),
    "imports, value twice": ("imports/lokalt.csv", TWICE + ROW.replace(",100,", ",100,200,"), ["more than once", "'value'"]),
}


@pytest.mark.parametrize("case", HEADER_CASES, ids=list(HEADER_CASES))
def test_header_naming_a_column_twice_or_unknown(case: str, data_copy: Path, live: Path) -> None:
    rel, content, expected = HEADER_CASES[case]
    _write(rel, content)(data_copy)
    _check_and_build_refused(data_copy, live, [f"{Path(rel).name}, line 1:", *expected])


def test_import_header_naming_a_column_twice(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bad = tmp_path / "dubbel_kolumn.csv"
    bad.write_text("indicator,region,period,value,value,source\nvocational_applicants,1281,2019,30,31,x\n",
                   encoding="utf-8")
    _import_refused(bad, data_copy, live, ["dubbel_kolumn.csv, line 1:", "more than once", "'value'"])
    sheet = tmp_path / "dubbel_kolumn.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.active.append(["indicator", "region", "period", "value", "Value", "source"])
    wb.active.append(["vocational_applicants", "1281", 2019, 30, 31, "x"])
    wb.save(sheet)
    _import_refused(sheet, data_copy, live, ["dubbel_kolumn.xlsx, sheet 'Blad1', row 1", "more than once"])


# --- 2. numbers as a Swedish or English spreadsheet user writes them, and nothing else -----------

BAD_VALUES = ["٢٠١٩", "２０１９", "2_019", "+2019", "1_234", "1e5", "1.7e308", "inf", "nan", "Infinity", "-inf",
              "0x10", "1.", ".5", "1,5", "12 345"]
BAD_YEARS = ["٢٠١٩", "２０１９", "2_019", "+2019", "2019.0", "20190", "1e3"]


def test_numbers_and_years_only_in_ascii_digits(data_copy: Path, live: Path) -> None:
    def cell(v: str) -> str:
        return f'"{v}"' if "," in v else v

    rows = [ROW.replace(",100,", f",{cell(v)},").replace(",2030,", f",{2030 + i},") for i, v in enumerate(BAD_VALUES)]
    rows += [ROW.replace(",2030,", f",{y},") for y in BAD_YEARS]
    _write("seed/numbers.csv", HEADER + "".join(f'{r.rstrip()}\n' for r in rows))(data_copy)
    out = _check_and_build_refused(data_copy, live, [])
    for i, v in enumerate(BAD_VALUES):
        assert f"numbers.csv, line {i + 2}, field 'value': not a number: {v!r}" in out, (v, out)
    for j, y in enumerate(BAD_YEARS):
        line = len(BAD_VALUES) + j + 2
        assert f"numbers.csv, line {line}, field 'period': not a year: {y!r}" in out, (y, out)


def test_good_numbers_still_accepted(data_copy: Path, live: Path) -> None:
    rows = ["housing_starts,1280,2031,-0,final,x,,2024-01-01,\n", "vocational_applicants,1280,2031,31.25,final,x,,2024-01-01,\n",
            "vocational_applicants,1281,2031,0.0,final,x,,2024-01-01,\n"]
    _write("seed/good.csv", HEADER + "".join(rows))(data_copy)
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(live)])
    assert result.exit_code == 0, result.output


def test_import_swedish_thousands_and_decimal_comma(data_copy: Path, live: Path, tmp_path: Path) -> None:
    ok = tmp_path / "svenska.csv"
    ok.write_bytes(("indicator;region;period;value;source;note\n"
                    "upper_secondary_applicants;1280;2019;1 234,5;x;\n"
                    "upper_secondary_applicants;1281;2019;12\u00a0345;x;\n"
                    "upper_secondary_applicants;1282;2019;-0,5;x;\n"
                    "upper_secondary_applicants;1283;2019;7;x;\n").replace("-0,5", "0,5").encode("utf-8-sig"))
    result = CliRunner().invoke(cli, ["import", str(ok), "--data", str(data_copy), "--db", str(live)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(live), read_only=True) as con:
        got = dict(con.execute("SELECT region_code, value FROM observation WHERE indicator_id='upper_secondary_applicants' "
                               "AND period=2019 AND region_code IN ('1280','1281','1282','1283')").fetchall())
    assert got == {"1280": 1234.5, "1281": 12345.0, "1282": 0.5, "1283": 7.0}


def test_import_refuses_other_digits_and_loose_separators(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bad = tmp_path / "konstiga.csv"
    bad.write_bytes(("indicator;region;period;value;source;note\n"
                     "upper_secondary_applicants;1280;2019;٢٠١٩;x;\n"
                     "upper_secondary_applicants;1281;2019;1 2 3 4;x;\n"
                     "upper_secondary_applicants;1282;２０１９;5;x;\n"
                     "upper_secondary_applicants;1283;2019;1e5;x;\n").encode("utf-8"))
    _import_refused(bad, data_copy, live, ["konstiga.csv, line 2, field 'value': not a number: '٢٠١٩'",
                                           "konstiga.csv, line 3, field 'value': not a number: '1 2 3 4'",
                                           "konstiga.csv, line 4, field 'period'",
                                           "konstiga.csv, line 5, field 'value': not a number: '1e5'"])


# --- 3. implausible magnitudes, by the unit declared with the indicator ---------------------------

MAGNITUDES = {
    "per cent over 100": ("vocational_applicants,1280,2031,100.5,final,x,,2024-01-01,\n", "outside the plausible range"),
    "count over Sweden": ("population,1280,2031,20000001,final,x,,2024-01-01,\n", "outside the plausible range"),
    "per 1 000 over 1 000": ("dwellings_per1000,1280,2031,1000.1,final,x,,2024-01-01,\n", "outside the plausible range"),
    "negative count": ("housing_starts,1280,2031,-1,final,x,,2024-01-01,\n", "negative"),
    "overflowing digits": ("population,1280,2031," + "9" * 400 + ",final,x,,2024-01-01,\n", "not a finite number"),
}


@pytest.mark.parametrize("case", MAGNITUDES, ids=list(MAGNITUDES))
def test_implausible_magnitude_refused(case: str, data_copy: Path, live: Path) -> None:
    row, expected = MAGNITUDES[case]
    _write("seed/big.csv", HEADER + row)(data_copy)
    _check_and_build_refused(data_copy, live, ["big.csv, line 2, field 'value'", expected])


def test_bulk_kolada_value_outside_its_range(data_copy: Path, live: Path) -> None:
    path = data_copy / "kolada" / "by_geo_year" / "ddf--datapoints--n02267--by--geo--year.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines(keepends=True)
    geo, year, _ = lines[3].rstrip("\n").split(",")
    lines[3] = f"{geo},{year},150.0\n"
    path.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    _check_and_build_refused(data_copy, live, [f"{path.name}, line 4, field 'value'", "150",
                                               "outside the plausible range", "0 to 100"])


def test_bounds_from_the_catalogue() -> None:
    from etl.catalog import Indicator

    base = dict(name_sv="x", name_en="x", unit_en="x", decimals=0, definition_sv="x", definition_en="x",
                source="x", source_table="x", higher_is_better=None, per_capita=False, aggregation="none")
    assert Indicator(id="a", unit_sv="procent", **base).bounds() == (0, 100)
    assert Indicator(id="a", unit_sv="bostäder per 1 000 invånare", **base).bounds() == (0, 1000)
    assert Indicator(id="a", unit_sv="personer", **base).bounds() == (0, 20_000_000)
    assert Indicator(id="a", unit_sv="invånare", allow_negative=True, **base).bounds() == (-20_000_000, 20_000_000)
    assert Indicator(id="a", unit_sv="procent", max_value=60, **base).bounds() == (0, 60)
    assert Indicator(id="a", unit_sv="procent", **base).value_problem(float("nan")) is not None
    with pytest.raises(ValueError, match="allow_negative"):
        Indicator(id="a", unit_sv="procent", min_value=-1, **base)
    with pytest.raises(ValueError, match="above max_value"):
        Indicator(id="a", unit_sv="procent", min_value=50, max_value=10, **base)


def test_catalogue_max_value_applies(data_copy: Path, live: Path) -> None:
    path = data_copy / "catalog" / "indicators.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "  - id: vocational_applicants\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "    max_value: 50\n", 1), encoding="utf-8")
    _write("seed/big.csv", HEADER + "vocational_applicants,1280,2031,55,final,x,,2024-01-01,\n")(data_copy)
    _check_and_build_refused(data_copy, live, ["big.csv, line 2, field 'value'", "0 to 50"])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_mlr_total_never_non_finite(data_copy: Path) -> None:
    from etl import pipeline
    from etl.aggregate import group_totals
    from etl.errors import InputError

    inputs = pipeline.collect(data_copy)
    obs = inputs.observations.copy()
    pop = obs["indicator_id"].eq("population") & obs["period"].eq(2020)
    obs.loc[pop, "value"] = 1e308  # each finite; their sum is not
    with pytest.raises(InputError) as info:
        group_totals(obs, inputs.catalog)
    assert "population" in str(info.value) and "not a finite number" in str(info.value) and "2020" in str(info.value)


# --- 4. formulas Excel never computed --------------------------------------------------------------

def test_import_xlsx_formula_without_stored_value(data_copy: Path, live: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "formler.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Blad1"
    ws.append(["indicator", "region", "period", "value", "source", "note"])
    for region in ("1280", "1281", "1282"):
        ws.append(["upper_secondary_applicants", region, 2019, 10, "x", None])
    ws.append(["upper_secondary_applicants", "1283", 2019, "=D2+D3", "x", None])  # row 5: no cached value
    wb.save(sheet)
    _import_refused(sheet, data_copy, live, ["formler.xlsx, sheet 'Blad1', row 5, column D",
                                             "a formula without a stored value; open and save the file in Excel"])


def test_import_xlsx_problems_name_sheet_row_and_column(data_copy: Path, live: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "fel.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Siffror"
    ws.append(["region", "indicator", "period", "source", "value", "note"])
    ws.append(["1280", "upper_secondary_applicants", 2019, "x", "många", None])
    wb.save(sheet)
    _import_refused(sheet, data_copy, live, ["fel.xlsx, sheet 'Siffror', row 2, column E ('value'): not a number"])


# --- 5. a duplicate key found while importing names the user's file -------------------------------

def test_import_duplicate_names_the_users_file(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bad = tmp_path / "dubbel.csv"
    row = "upper_secondary_applicants,1280,2019,5,x,\n"
    bad.write_text(TEMPLATE + row + row, encoding="utf-8")
    out = _import_refused(bad, data_copy, live, ["dubbel.csv, line 3:", "duplicate key", "first at", "dubbel.csv line 2"])
    assert "imports" not in out
    sheet = tmp_path / "dubbel.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.active.append(TEMPLATE.strip().split(","))
    wb.active.append(["upper_secondary_applicants", "1280", 2019, 5, "x"])
    wb.active.append(["upper_secondary_applicants", "1280", 2019, 6, "x"])
    wb.save(sheet)
    out = _import_refused(sheet, data_copy, live, ["dubbel.xlsx, sheet 'Blad1', row 3:", "duplicate key"])
    assert "imports" not in out


def test_import_duplicate_with_an_earlier_import(data_copy: Path, live: Path, tmp_path: Path) -> None:
    first = tmp_path / "forsta.csv"
    first.write_text(TEMPLATE + "upper_secondary_applicants,1280,2019,5,x,\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["import", str(first), "--data", str(data_copy), "--db", str(live)]).exit_code == 0
    before = _digest(live)
    second = tmp_path / "andra.csv"
    second.write_text(TEMPLATE + "upper_secondary_applicants,1281,2019,5,x,\n"
                      "upper_secondary_applicants,1280,2019,6,x,\n", encoding="utf-8")
    out = _refused(["import", str(second), "--data", str(data_copy), "--db", str(live)],
                   ["andra.csv, line 3:", "duplicate key", "first at", "forsta.csv line 2"])
    assert "imports/andra.csv" not in out
    assert _digest(live) == before and not (data_copy / "imports" / "andra.csv").exists()


# --- 6. ragged rows, folders named like files, huge fields ----------------------------------------

ODD_FILES = {
    "ragged row": (_write("seed/ragged.csv", HEADER + ROW.replace(",\n", ",,extra,fields\n")),
                   ["ragged.csv, line 2:", "more fields than the header"]),
    "folder named x.csv": (lambda data: (data / "seed" / "x.csv").mkdir(), ["x.csv:", "is a folder"]),
    "10 MB field": (_write("seed/huge.csv", HEADER + ROW + ROW.replace(",2030,", ",2031,").replace(
        ",\n", ',"' + "x" * 10_000_000 + '"\n')), ["huge.csv, line 3:", "field larger than field limit"]),
}


@pytest.mark.parametrize("case", ODD_FILES, ids=list(ODD_FILES))
def test_odd_files_one_line_message(case: str, data_copy: Path, live: Path) -> None:
    edit, expected = ODD_FILES[case]
    edit(data_copy)
    out = _check_and_build_refused(data_copy, live, expected)
    assert len(out.splitlines()) == 2, out  # "Rejected: ..." and the one problem


def test_import_ragged_and_huge_field(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bad = tmp_path / "trasig.csv"
    bad.write_text(TEMPLATE + "upper_secondary_applicants,1280,2019,5,x,,oj\n", encoding="utf-8")
    _import_refused(bad, data_copy, live, ["trasig.csv, line 2:", "more fields than the header"])
    bad.write_text(TEMPLATE + 'upper_secondary_applicants,1280,2019,5,x,"' + "y" * 10_000_000 + '"\n', encoding="utf-8")
    _import_refused(bad, data_copy, live, ["trasig.csv, line 2:", "field larger than field limit"])


# --- 7. zip bombs and sheets with too many cells -----------------------------------------------------

def _workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(TEMPLATE.strip().split(","))
    wb.active.append(["upper_secondary_applicants", "1280", 2019, 5, "x"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rezip(original: bytes, sheet_xml: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml(data)
            dst.writestr(info.filename, data, compresslevel=9)
    return out.getvalue()


def test_import_zip_bomb_refused_before_parsing(data_copy: Path, live: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    # 60 MB of XML whitespace after the worksheet: harmless to a parser, but it must not get there.
    bomb.write_bytes(_rezip(_workbook_bytes(), lambda xml: xml + b" " * 60_000_000))
    assert bomb.stat().st_size < 200_000
    _import_refused(bomb, data_copy, live, ["bomb.xlsx:", "unpacks to 60 MB", "more than the 50 MB"])


def test_import_too_many_cells_refused(data_copy: Path, live: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("etl.local_import.MAX_CELLS", 2_000, raising=False)  # the same check, faster

    def many(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"<sheetData>")
        _, _, tail = rest.partition(b"</sheetData>")
        rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDEF") + "</row>"
                       for r in range(1, 400))
        return head + b"<sheetData>" + rows.encode() + b"</sheetData>" + tail

    sheet = tmp_path / "stor.xlsx"
    sheet.write_bytes(_rezip(_workbook_bytes(), many))
    _import_refused(sheet, data_copy, live, ["stor.xlsx, sheet 'Sheet'", "more than 2,000 cells"])


def test_import_sheet_claiming_huge_dimensions(data_copy: Path, live: Path, tmp_path: Path) -> None:
    def far(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"<sheetData>")
        body, _, tail = rest.partition(b"</sheetData>")
        body += b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        return head + b"<sheetData>" + body + b"</sheetData>" + tail

    sheet = tmp_path / "vid.xlsx"
    sheet.write_bytes(_rezip(_workbook_bytes(), lambda xml: far(xml).replace(b'ref="A1:E2"', b'ref="A1:XFD1048576"')))
    _import_refused(sheet, data_copy, live, ["vid.xlsx, sheet 'Sheet'", "more than 200,000 cells"])


# --- 8. problem lists capped per kind, the rest counted ---------------------------------------------

def test_thousands_of_bad_rows_capped_per_kind(data_copy: Path, live: Path) -> None:
    rows = "".join(ROW.replace("1280", "9999").replace(",2030,", f",{1900 + i % 200},").replace(",100,", f",{i},")
                   for i in range(5000))
    rows += ROW.replace(",100,", ",abc,")  # another kind, still listed
    _write("seed/many.csv", HEADER + rows)(data_copy)
    out = _check_and_build_refused(data_copy, live, ["Rejected: 5001 problem(s)",
                                                     "many.csv, field 'region_code': and 4980 more of this kind",
                                                     "many.csv, line 5002, field 'value': not a number: 'abc'"])
    assert out.count("unknown region code '9999'") == 20
    assert len(out.splitlines()) == 1 + 20 + 1 + 1


def test_import_problems_capped_per_kind(data_copy: Path, live: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"indicator": ["upper_secondary_applicants"] * 3000, "region": ["1280"] * 3000,
                          "period": [str(1900 + i % 200) for i in range(3000)], "value": ["x"] * 3000, "source": "s"})
    bad = tmp_path / "massor.csv"
    frame.to_csv(bad, index=False)
    out = _import_refused(bad, data_copy, live, ["Rejected: 3000 problem(s)", "massor.csv, field 'value': and 2980 more"])
    assert len(out.splitlines()) == 22
